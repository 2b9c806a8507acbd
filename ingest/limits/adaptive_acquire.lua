-- Take one permit at the shared adaptive rate of a (source, host): GCRA at `rate`.
--
-- KEYS: the index set, the state hash of the (source, host).
-- ARGV: now ('' = the server's clock), version the caller computed `rate` from,
--       rate (calls per second), burst (calls), ttl, host, returning ('1': the caller comes
--       back at the moment a refusal told it).
-- Reply: {granted 0|1, wait, now, reason}, or, when the caller's version is not the
-- stored one, {'stale', now, field, value, ...} with the whole state to compute from.

local index, state = KEYS[1], KEYS[2]
local now = clock(ARGV[1])
local fields = redis.call('HMGET', state, 'version', 'tat', 'blocked_until', 'promised')
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

-- A refused caller is promised its own moment, one interval after the last one promised, so
-- that callers refused together do not all come back at once; one that comes back at its
-- moment and is refused by less than half an interval keeps its turn.
local function refuse(wait, reason)
  local moment = now + wait
  local promised = opt(fields[4])
  local keeps_turn = ARGV[7] == '1' and wait < interval / 2
  if not keeps_turn and promised and promised + interval > moment then moment = promised + interval end
  if not promised or moment > promised then redis.call('HSET', state, 'promised', num(moment)) end
  redis.call('HINCRBY', state, 'denied', 1)
  return {0, num(moment - now), num(now), reason}
end

local blocked = opt(fields[3])
if blocked and blocked - now > EPSILON then return refuse(blocked - now, 'retry_after') end
local tat = math.max(opt(fields[2]) or now, now)
local early = tat - tolerance - now
if early > EPSILON then return refuse(early, 'rate') end
redis.call('HSET', state, 'tat', num(tat + interval))
redis.call('HINCRBY', state, 'granted', 1)
return {1, '0', num(now), 'granted'}
