-- The conversation history's scripts (memory/history.py), one per `-- @script NAME` section.
-- An entry is JSON starting with '{"seq":N,"tokens":T,' so scripts read those two without a JSON parser.

-- @script append
-- Record one turn's messages in a conversation's history, once.
-- KEYS: 1 log (list), 2 meta (hash), 3 recorded turn ids (zset), 4 the user's profile index (set)
-- ARGV: 1 turn id, 2 ttl (s), 3 max messages, 4 max remembered turn ids, 5 profile,
--       6.. the entries: JSON objects without "seq", each starting with '{"tokens":'
-- Returns the first sequence number given, or 0 when this turn was already recorded.
if redis.call('ZSCORE', KEYS[3], ARGV[1]) then
  return 0
end
local count = #ARGV - 5
local last = redis.call('HINCRBY', KEYS[2], 'seq', count)
local first = last - count + 1
for i = 1, count do
  redis.call('RPUSH', KEYS[1], '{"seq":' .. (first + i - 1) .. ',' .. string.sub(ARGV[5 + i], 2))
end
redis.call('LTRIM', KEYS[1], -tonumber(ARGV[3]), -1)
redis.call('ZADD', KEYS[3], first, ARGV[1])
redis.call('ZREMRANGEBYRANK', KEYS[3], 0, -tonumber(ARGV[4]) - 1)
redis.call('SADD', KEYS[4], ARGV[5])
for i = 1, 4 do
  redis.call('EXPIRE', KEYS[i], ARGV[2])
end
return first

-- @script tail
-- Choose the newest entries that fit a token budget, walking back from the end of the log a page at a
-- time (so the work depends on the window, not the history), after the summary when it fits.
-- KEYS: 1 log, 2 meta
-- ARGV: 1 budget (tokens), 2 first page (entries), 3 mode: 'window' returns the chosen entries (newest
--       first); 'older' returns those between the summary and the window (oldest first, at most ARGV[4])
-- Returns {meta (flat hash), entries, entries scanned, summary fits (1/0)}.
local budget = tonumber(ARGV[1])
local page = tonumber(ARGV[2])
local meta = redis.call('HGETALL', KEYS[2])
local fields = {}
for i = 1, #meta, 2 do
  fields[meta[i]] = meta[i + 1]
end
local summary_tokens = tonumber(fields['summary_tokens'] or '0')
local fits = fields['summary'] ~= nil and summary_tokens <= budget
local left = budget
if fits then
  left = budget - summary_tokens
end

local function parse(item)
  local seq, tokens = string.match(item, '^{"seq":(%d+),"tokens":(%d+)')
  if seq then
    return tonumber(seq), tonumber(tokens)
  end
  local entry = cjson.decode(item) -- written by something else than the append script
  return tonumber(entry['seq']), tonumber(entry['tokens'])
end

local chosen, newest, scanned, full = {}, 0, 0, false
if budget > 0 then
  while not full do
    local items = redis.call('LRANGE', KEYS[1], -(scanned + page), -(scanned + 1))
    scanned = scanned + #items
    for i = #items, 1, -1 do
      local seq, tokens = parse(items[i])
      if newest == 0 then
        newest = seq
      end
      if tokens > left then
        full = true
        break
      end
      left = left - tokens
      chosen[#chosen + 1] = items[i]
    end
    if #items < page then
      break
    end
    page = page * 2
  end
else
  local last = redis.call('LINDEX', KEYS[1], -1)
  if last then
    newest = parse(last)
    scanned = 1
  end
end
local fit = 0
if fits then
  fit = 1
end
if ARGV[3] == 'window' then
  return {meta, chosen, scanned, fit}
end

local start = newest + 1 -- the oldest seq in the window
if #chosen > 0 then
  start = parse(chosen[#chosen])
end
local upto = tonumber(fields['summary_upto'] or '0')
local last = math.min(start - 1, upto + tonumber(ARGV[4]))
if newest == 0 or last <= upto then
  return {meta, {}, scanned, fit}
end
-- seqs are contiguous: the entry with seq s sits at index -(newest - s + 1)
return {meta, redis.call('LRANGE', KEYS[1], -(newest - upto), -(newest - last + 1)), scanned, fit}

-- @script set_summary
-- Replace the summary only with a newer one, and never bring back a conversation deleted meanwhile
-- (a background fold may finish after /forget).
-- KEYS: 1 log, 2 meta. ARGV: 1 summary (encrypted), 2 last seq it covers, 3 its tokens
if redis.call('EXISTS', KEYS[1]) == 0 then
  return 0
end
local upto = tonumber(redis.call('HGET', KEYS[2], 'summary_upto') or '-1')
if upto >= tonumber(ARGV[2]) then
  return 0
end
redis.call('HSET', KEYS[2], 'summary', ARGV[1], 'summary_upto', ARGV[2], 'summary_tokens', ARGV[3])
local ttl = redis.call('PTTL', KEYS[1])
if ttl > 0 then
  redis.call('PEXPIRE', KEYS[2], ttl)
end
return 1

-- @script rewrite
-- Swap re-encrypted values in place, only where the stored value is still the one that was read.
-- KEYS: 1 log, 2 meta. ARGV: 1 old summary ('' for none), 2 its replacement, then pairs (old entry, new)
local wanted = {}
for i = 3, #ARGV, 2 do
  wanted[ARGV[i]] = ARGV[i + 1]
end
local n = 0
for i, value in ipairs(redis.call('LRANGE', KEYS[1], 0, -1)) do
  local new = wanted[value]
  if new then
    redis.call('LSET', KEYS[1], i - 1, new)
    n = n + 1
  end
end
if ARGV[1] ~= '' and redis.call('HGET', KEYS[2], 'summary') == ARGV[1] then
  redis.call('HSET', KEYS[2], 'summary', ARGV[2])
  n = n + 1
end
return n

-- @script release
-- Release a lock only if this holder still owns it. KEYS: 1 lock. ARGV: 1 token
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
