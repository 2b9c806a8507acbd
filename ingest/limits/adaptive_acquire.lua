-- Take up to `count` permits at the shared adaptive rate of a (source, host): GCRA at the rate
-- the caller computed from the curve, capped by what was used lately and by calls in flight.
--
-- KEYS: the index set, the state hash of the (source, host), its set of calls in flight.
-- ARGV: now ('' = the server's clock), version the caller computed `rate` from,
--       rate (calls per second), burst (calls), ttl, host, count,
--       headroom ('' = no usage cap), floor (calls per second), usage time constant (seconds),
--       in-flight horizon (seconds), in-flight slack ('' = no in-flight cap), least in-flight cap,
--       catch up (seconds: a batch may take the permits of that long before now that went
--       unused, as when a waiting room's releaser comes late; never those of a pause; 0 for a
--       caller's own ask).
-- Usage cap: the rate paced at is at most headroom x the rate granted lately (an exponential
-- average over the time constant), and never under the floor: a rate demand left unused grows
-- back at most by that factor per time constant instead of arriving all at once.
-- In-flight cap (Little's law): at most slack x rate x the least latency seen, and never under
-- the least cap. A server that slows down keeps calls longer: the cap then lowers the rate by
-- the ratio of its least latency to its current one, before it refuses anything. Under it, the
-- in-flight limit learned from refusals (adaptive_observe.lua), when there is one.
-- Each call in flight is a member '<seq>:<calls in flight with it>' scored by its grant time.
-- A pause of the whole scope (curve_since + curve_pause, after a refusal) or a Retry-After
-- (blocked_until) refuses every ask until it ends.
-- Reply: {granted (0..count), wait (seconds until one more could be granted), now, reason,
-- rate paced at, calls in flight, in-flight cap (-1: none), the last success (any worker's)}, or, when the caller's version is not
-- the stored one, {'stale', now, field, value, ...} with the whole state to compute from.

local index, state, flight = KEYS[1], KEYS[2], KEYS[3]
local now = clock(ARGV[1])
local fields = redis.call('HMGET', state, 'version', 'tat', 'blocked_until', 'curve_since',
                          'curve_pause', 'used', 'used_at', 'latency_min', 'in_flight_limit',
                          'last_success')
if (fields[1] or '0') ~= ARGV[2] then
  local reply = {'stale', num(now)}
  for _, item in ipairs(redis.call('HGETALL', state)) do reply[#reply + 1] = item end
  return reply
end

local rate, burst, count = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[7])
local headroom, tau = opt(ARGV[8]), tonumber(ARGV[10])
local used = opt(fields[6]) or 0
if used > 0 then used = used * math.exp(-math.max(0, now - (opt(fields[7]) or now)) / tau) end
if headroom then rate = math.min(rate, math.max(tonumber(ARGV[9]), headroom * used)) end
local interval = 1 / rate
local tolerance = (burst - 1) * interval
local ttl = math.ceil(tonumber(ARGV[5]) * 1000)

redis.call('ZREMRANGEBYSCORE', flight, '-inf', num(now - tonumber(ARGV[11])))
local in_flight = redis.call('ZCARD', flight)
local cap = -1
local slack, latency = opt(ARGV[12]), opt(fields[8])
if slack and latency then cap = math.max(tonumber(ARGV[13]), math.ceil(slack * rate * latency)) end
local learned = opt(fields[9])
if slack and learned then cap = math.min(cap >= 0 and cap or learned, math.floor(learned)) end
redis.call('HSET', state, 'host', ARGV[6], 'rate', num(rate), 'in_flight', in_flight, 'in_flight_cap', cap)
redis.call('PEXPIRE', state, ttl)
redis.call('SADD', index, state)

-- Only a caller's own ask counts as denied: a batch (a waiting room's releaser) asks for
-- whatever is free and is told when to come back, which refuses no caller.
local function refuse(wait, reason)
  if count == 1 then redis.call('HINCRBY', state, 'denied', 1) end
  return {0, num(wait), num(now), reason, num(rate), in_flight, cap, fields[10] or ''}
end

local blocked = opt(fields[3]) or 0
local paused = (opt(fields[4]) or 0) + (opt(fields[5]) or 0)
if math.max(blocked, paused) - now > EPSILON then
  return refuse(math.max(blocked, paused) - now, blocked >= paused and 'retry_after' or 'pause')
end
local free = count
if cap >= 0 then free = math.min(count, cap - in_flight) end
if free <= 0 then return refuse(interval, 'in_flight') end
local tat = math.max(opt(fields[2]) or now, now - tonumber(ARGV[14]), blocked, paused)
local early = tat - tolerance - now
if early > EPSILON then return refuse(early, 'rate') end

local granted = math.min(free, math.max(1, math.floor((now + tolerance - tat) / interval + EPSILON) + 1))
tat = tat + granted * interval
local seq = redis.call('HINCRBY', state, 'flight_seq', granted)
local entries = {}
for i = 1, granted do
  entries[#entries + 1] = num(now)
  entries[#entries + 1] = (seq - granted + i) .. ':' .. (in_flight + i)
end
redis.call('ZADD', flight, unpack(entries))
redis.call('PEXPIRE', flight, ttl)
in_flight = in_flight + granted
redis.call('HSET', state, 'tat', num(tat), 'used', num(used + granted / tau), 'used_at', num(now),
           'in_flight', in_flight)
redis.call('HINCRBY', state, 'granted', granted)
local wait = math.max(0, tat - tolerance - now)
if cap >= 0 and in_flight >= cap then wait = math.max(wait, interval) end
return {granted, num(wait), num(now), 'granted', num(rate), in_flight, cap, fields[10] or ''}
