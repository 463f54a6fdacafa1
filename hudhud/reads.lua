-- A turn's reads in one call (hudhud/reads.py). ARGV holds each read in turn: its command, how many
-- arguments follow, then those arguments; every read but TIME reads the next key of KEYS. The replies
-- come back in order, each as the command answered it; a read that fails answers its error (pcall),
-- as it would in a pipeline, without failing the others. Reads only: nothing is written.
local out, key, at = {}, 0, 1
while at <= #ARGV do
  local command, n = ARGV[at], tonumber(ARGV[at + 1])
  local args = {}
  for i = 1, n do
    args[i] = ARGV[at + 1 + i]
  end
  at = at + 2 + n
  if command == 'TIME' then
    out[#out + 1] = redis.pcall('TIME')
  else
    key = key + 1
    out[#out + 1] = redis.pcall(command, KEYS[key], unpack(args))
  end
end
return out
