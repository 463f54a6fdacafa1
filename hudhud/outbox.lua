-- Record a turn's reply parts, once, in one step: the first recording wins and later ones read it.
-- KEYS[1] = outbox hash; ARGV[1] = TTL (s), then field, value pairs ("n", "conv", "p:0", ...).
-- Returns the stored hash (HGETALL) when the turn was already recorded, else nothing.
-- A record is whole when it has "conv" (written with the parts); a hash without it is a half-written
-- one left by versions that recorded in two commands and crashed between them: it is replaced.
if redis.call('HEXISTS', KEYS[1], 'conv') == 1 then
  return redis.call('HGETALL', KEYS[1])
end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
redis.call('EXPIRE', KEYS[1], ARGV[1])
return false
