-- Token buckets of outbound sends, shared by every worker and process (channels/whatsapp/pacing.py).
-- A bucket is a hash {level, at}: its level refills at `rate` tokens per second up to `burst`, by
-- Redis's clock (TIME), so the workers' own clocks do not matter. It expires once full again.
--
-- ARGV[1] = "take": KEYS = the buckets (the number's, then the pair's), ARGV[2..] = rate, burst of each.
--   One token is taken from every bucket, or from none: returns {0, 0} when taken, else
--   {milliseconds until every bucket holds a token, 1-based index of the bucket that is shortest}.
-- ARGV[1] = "hold": KEYS[1] = one bucket, ARGV[2..4] = rate, burst, seconds. The bucket gives no token
--   for that long (its level drops to what refills to one token by then); a level is never raised.
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000

local function level(key, rate, burst)
  local stored = redis.call('HMGET', key, 'level', 'at')
  if not stored[1] then
    return burst
  end
  local refilled = tonumber(stored[1]) + math.max(0, now - tonumber(stored[2])) * rate
  return math.min(burst, refilled)
end

local function store(key, value, rate, burst)
  redis.call('HSET', key, 'level', value, 'at', now)
  redis.call('PEXPIRE', key, math.ceil((burst - value) / rate * 1000) + 1000)
end

if ARGV[1] == 'hold' then
  local rate, burst, seconds = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
  local held = math.min(level(KEYS[1], rate, burst), 1 - seconds * rate)
  store(KEYS[1], held, rate, burst)
  return {0, 0}
end

local levels = {}
local wait, short = 0, 0
for i, key in ipairs(KEYS) do
  local rate, burst = tonumber(ARGV[2 * i]), tonumber(ARGV[2 * i + 1])
  levels[i] = level(key, rate, burst)
  if levels[i] < 1 then
    local need = (1 - levels[i]) / rate
    if need > wait then
      wait, short = need, i
    end
  end
end
if short > 0 then
  return {math.max(1, math.ceil(wait * 1000)), short}
end
for i, key in ipairs(KEYS) do
  store(key, levels[i] - 1, tonumber(ARGV[2 * i]), tonumber(ARGV[2 * i + 1]))
end
return {0, 0}
