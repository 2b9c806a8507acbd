-- Take one permit at the shared adaptive rate of a (source, host): GCRA at `rate`.
--
-- KEYS: the index set, the state hash of the (source, host).
-- ARGV: now ('' = the server's clock), version the caller computed `rate` from,
--       rate (calls per second), burst (calls), ttl, host.
-- Reply: {granted 0|1, wait, now, reason}, or, when the caller's version is not the
-- stored one, {'stale', now, field, value, ...} with the whole state to compute from.

local index, state = KEYS[1], KEYS[2]
local now = clock(ARGV[1])
local fields = redis.call('HMGET', state, 'version', 'tat', 'blocked_until')
if (fields[1] or '0') ~= ARGV[2] then
  local reply = {'stale', num(now)}
  for _, item in ipairs(redis.call('HGETALL', state)) do reply[#reply + 1] = item end
  return reply
end

local interval = 1 / tonumber(ARGV[3])
local tolerance = (tonumber(ARGV[4]) - 1) * interval
local ttl = math.ceil(tonumber(ARGV[5]) * 1000)
redis.call('HSET', state, 'host', ARGV[6], 'rate', ARGV[3])
redis.call('PEXPIRE', state, ttl)
redis.call('SADD', index, state)

local blocked = opt(fields[3])
if blocked and blocked - now > EPSILON then
  redis.call('HINCRBY', state, 'denied', 1)
  return {0, num(blocked - now), num(now), 'retry_after'}
end
local tat = math.max(opt(fields[2]) or now, now)
local early = tat - tolerance - now
if early > EPSILON then
  redis.call('HINCRBY', state, 'denied', 1)
  return {0, num(early), num(now), 'rate'}
end
redis.call('HSET', state, 'tat', num(tat + interval))
redis.call('HINCRBY', state, 'granted', 1)
return {1, '0', num(now), 'granted'}
