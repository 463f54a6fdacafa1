-- Finish a turn: drop the messages it covered, forget it, and release the lease if nothing new came.
-- KEYS[1] = inbox, KEYS[2] = current turn, KEYS[3] = lease; ARGV[1] = covered count, ARGV[2] = token.
-- With KEYS[4] = the job stream, ARGV[3] = its group and ARGV[4] = the job's entry id, a release also
-- ACKs and deletes the job (the worker's last step, atomic with the release instead of a round trip
-- after it): a job is then done exactly when its conversation is released with nothing waiting.
-- Returns 1 when more messages arrived meanwhile (the caller keeps the lease and runs the next turn),
-- 0 when done, -1 when the caller no longer holds the lease: then nothing is changed, since the
-- messages it would drop may belong to a turn the new holder has not answered yet.
-- Atomic with the webhook's enqueue script: a message is either seen here or finds the lease free.
if redis.call('GET', KEYS[3]) ~= ARGV[2] then
  return -1
end
redis.call('LTRIM', KEYS[1], ARGV[1], -1)
redis.call('DEL', KEYS[2])
if redis.call('LLEN', KEYS[1]) > 0 then
  return 1
end
redis.call('DEL', KEYS[3])
if KEYS[4] then
  redis.call('XACK', KEYS[4], ARGV[3], ARGV[4])
  redis.call('XDEL', KEYS[4], ARGV[4])
end
return 0
