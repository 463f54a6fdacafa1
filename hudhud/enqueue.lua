-- Dedupe and enqueue a batch of jobs atomically, one job at a time.
-- KEYS[1] = inbound stream, KEYS[2] = events stream, then per job i: KEYS[1+2i] = seen key,
-- KEYS[2+2i] = conversation inbox (messages) or the events stream (placeholder for other kinds).
-- ARGV[1] = seen TTL (s), ARGV[2] = events MAXLEN, then per job i: ARGV[3i] = kind,
-- ARGV[3i+1] = conversation id, ARGV[3i+2] = JSON data.
-- Returns per job 1 (queued) or 0 (duplicate). A job is marked seen only together with being
-- queued, so a crash can never leave a message seen but lost.
local out = {}
local n = (#KEYS - 2) / 2
for i = 1, n do
  local kind = ARGV[3 * i]
  local conv = ARGV[3 * i + 1]
  local data = ARGV[3 * i + 2]
  if redis.call('SET', KEYS[1 + 2 * i], '1', 'NX', 'EX', ARGV[1]) then
    if kind == 'message' then
      redis.call('RPUSH', KEYS[2 + 2 * i], data)
      redis.call('XADD', KEYS[1], '*', 'kind', kind, 'conv', conv)
    elseif kind == 'status' then
      redis.call('XADD', KEYS[1], '*', 'kind', kind, 'conv', conv, 'data', data)
    else
      redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', 'type', conv, 'data', data)
    end
    out[i] = 1
  else
    out[i] = 0
  end
end
return out
