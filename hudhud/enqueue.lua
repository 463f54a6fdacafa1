-- Dedupe, count and enqueue a batch of jobs atomically, one job at a time.
-- KEYS[1] = inbound stream, KEYS[2] = events stream, KEYS[3] = this minute's counter of all messages,
-- then per job i (b = 3 * (i - 1), a = 4 * (i - 1)): KEYS[4+b] = seen key, KEYS[5+b] = conversation inbox (messages) or
-- the events stream (placeholder for other kinds), KEYS[6+b] = this minute's counter of the conversation.
-- ARGV[1] = seen TTL (s), ARGV[2] = events MAXLEN, ARGV[3] = counter TTL (s), then per job i:
-- ARGV[4+a] = kind, ARGV[5+a] = conversation id, ARGV[6+a] = data (a message's or an event's encrypted
-- by the caller: hudhud/enqueue.py), ARGV[7+a] = the sender an event is about ('' when none).
-- Returns per job 1 (queued) or 0 (duplicate). A job is marked seen only together with being
-- queued, so a crash can never leave a message seen but lost; a message is counted (for the rate
-- limits the worker applies, hudhud/abuse.py) exactly when it is queued, so duplicates never count.
local out = {}
local n = (#KEYS - 3) / 3
for i = 1, n do
  local b = 3 * (i - 1)
  local a = 4 * (i - 1)
  local kind = ARGV[4 + a]
  local conv = ARGV[5 + a]
  local data = ARGV[6 + a]
  local user = ARGV[7 + a]
  if redis.call('SET', KEYS[4 + b], '1', 'NX', 'EX', ARGV[1]) then
    if kind == 'message' then
      redis.call('RPUSH', KEYS[5 + b], data)
      redis.call('XADD', KEYS[1], '*', 'kind', kind, 'conv', conv)
      if redis.call('INCR', KEYS[6 + b]) == 1 then
        redis.call('EXPIRE', KEYS[6 + b], ARGV[3])
      end
      if redis.call('INCR', KEYS[3]) == 1 then
        redis.call('EXPIRE', KEYS[3], ARGV[3])
      end
    elseif kind == 'status' then
      redis.call('XADD', KEYS[1], '*', 'kind', kind, 'conv', conv, 'data', data)
    else
      redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', 'type', conv, 'wa_id', user, 'data', data)
    end
    out[i] = 1
  else
    out[i] = 0
  end
end
return out
