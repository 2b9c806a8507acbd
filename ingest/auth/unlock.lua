-- Release a token lock only if this worker still holds it.
-- KEYS[1]  the lock key
-- ARGV[1]  the holder's random value, set when it took the lock
-- Returns 1 when released, 0 when the lock had expired or another worker holds it.
if redis.call("GET", KEYS[1]) == ARGV[1] then
  return redis.call("DEL", KEYS[1])
end
return 0
