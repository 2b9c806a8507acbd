-- Record one response under an adaptive rate, and change the rate's curve if asked to.
--
-- KEYS: the index set, the state hash of the (source, host), its set of calls in flight.
-- ARGV: now ('' = the server's clock), outcome ('' = counted already), retry_after,
--       succeeded (1: a success at now), ttl, host, idle_grace,
--       sent_at (the permit's grant time, '' = unknown), latency (seconds, '' = unknown),
--       least-latency drift (0..1), served period (seconds),
--       expected version ('' = leave the curve alone), then field, value, ... of the new
--       curve, written only if the stored version is still the expected one.
-- A counted response leaves the calls in flight: the one granted at sent_at, else the oldest.
-- A refused call that went out with n calls in flight (itself included) sets the in-flight
-- limit to n - 1 when that is lower, but only when calls that went out with n or more in flight
-- have not succeeded lately (in_flight_served: the most a success went out with, forgetting one
-- call per hundred successes): then the refusals follow the calls in flight, as under a
-- concurrency cap, and not time, as in a window's spent tail. Such a refusal leaves the rate's
-- curve alone (the in-flight limit answers it; the reply says it declined the change). Each
-- success raises the limit by a hundredth: a cap that rose is found again one call per hundred
-- successes, at the price of about one refusal per hundred calls while it holds.
-- A success after more than idle_grace seconds without one moves curve_since forward by
-- the idle time (the curve grows only while calls succeed; see curves.resumed). A success
-- adds to `served`, the rate of successes lately (an exponential average over the served
-- period; see goodput.py), and its latency moves latency_avg (an exponential average) and latency_min (the least latency,
-- drifting towards each new one by the drift factor, so a lasting change is adopted).
-- Reply: {1, now, version, served} when written (or nothing to write; a fifth element
-- 'declined' when a refusal explained by calls in flight left the curve alone), else
-- {0, now, field, value, ...}: the whole state, to compute the change again from.

local LIMIT_SIGNALS = {throttled = true, unavailable = true, timeout = true}
local in_flight_refusal = false
local index, state, flight = KEYS[1], KEYS[2], KEYS[3]
local now = clock(ARGV[1])
local outcome, retry_after = ARGV[2], opt(ARGV[3])
local ttl = math.ceil(tonumber(ARGV[5]) * 1000)
local sent_at, latency, drift = opt(ARGV[8]), opt(ARGV[9]), tonumber(ARGV[10])

-- The rate of successes lately, after adding `count` more at now: an exponential average over
-- the served period, divided by the weight the time since the first success gives it (a pull
-- that began three seconds ago is not taken for one that served a third as fast for ten).
local function served_rate(count)
  local period = tonumber(ARGV[11])
  local fields = redis.call('HMGET', state, 'served', 'served_at', 'served_from')
  local rate = opt(fields[1]) or 0
  local from = opt(fields[3]) or now
  rate = rate * math.exp(-math.max(0, now - (opt(fields[2]) or now)) / period) + count / period
  redis.call('HSET', state, 'served', num(rate), 'served_at', num(now), 'served_from', num(from))
  local weight = 1 - math.exp(-(now - from) / period)
  if weight < 0.05 then return '0' end
  return num(rate / weight)
end

if outcome ~= '' then
  redis.call('HINCRBY', state, 'calls_' .. outcome, 1)
  if outcome == 'throttled' then redis.call('HINCRBY', state, 'refusals', 1) end
  local done = sent_at and redis.call('ZRANGEBYSCORE', flight, ARGV[8], ARGV[8], 'LIMIT', 0, 1)
                       or redis.call('ZRANGE', flight, 0, 0)
  if done[1] then
    redis.call('ZREM', flight, done[1])
    local with = tonumber(string.match(done[1], ':(%d+)$')) or 0
    local learned = opt(redis.call('HGET', state, 'in_flight_limit'))
    local served_with = opt(redis.call('HGET', state, 'in_flight_served')) or 0
    if ARGV[4] == '1' then
      redis.call('HSET', state, 'in_flight_served', num(math.max(with, served_with - 0.01)))
      if learned then redis.call('HSET', state, 'in_flight_limit', num(learned + 0.01)) end
    elseif LIMIT_SIGNALS[outcome] and with > math.max(1, served_with) then
      if learned == nil or with - 1 < learned then redis.call('HSET', state, 'in_flight_limit', with - 1) end
      in_flight_refusal = true
    end
  end
  redis.call('HSET', state, 'in_flight', redis.call('ZCARD', flight))
end
if retry_after then
  local blocked = opt(redis.call('HGET', state, 'blocked_until')) or 0
  redis.call('HSET', state, 'blocked_until', num(math.max(blocked, now + retry_after)))
end
if ARGV[4] == '1' then
  local last = opt(redis.call('HGET', state, 'last_success'))
  local since = opt(redis.call('HGET', state, 'curve_since'))
  local idle = last and (now - last - tonumber(ARGV[7])) or 0
  if since and idle > 0 then
    redis.call('HSET', state, 'curve_since', num(since + idle))
    redis.call('HINCRBY', state, 'version', 1)
  end
  redis.call('HSET', state, 'last_success', num(math.max(last or now, now)))
  if latency then
    local least = opt(redis.call('HGET', state, 'latency_min'))
    local average = opt(redis.call('HGET', state, 'latency_avg'))
    least = (least == nil or latency < least) and latency or least + drift * (latency - least)
    average = average and average + 0.1 * (latency - average) or latency
    redis.call('HSET', state, 'latency_min', num(least), 'latency_avg', num(average))
  end
end
redis.call('HSET', state, 'host', ARGV[6])
redis.call('PEXPIRE', state, ttl)
redis.call('SADD', index, state)

local served = served_rate(ARGV[4] == '1' and 1 or 0)
local version = redis.call('HGET', state, 'version') or '0'
if ARGV[12] == '' then return {1, num(now), version, served} end
if in_flight_refusal then return {1, num(now), version, served, 'declined'} end
if version ~= ARGV[12] then
  local reply = {0, num(now)}
  for _, item in ipairs(redis.call('HGETALL', state)) do reply[#reply + 1] = item end
  return reply
end
for i = 13, #ARGV, 2 do redis.call('HSET', state, ARGV[i], ARGV[i + 1]) end
version = tostring(redis.call('HINCRBY', state, 'version', 1))
return {1, num(now), version, served}
