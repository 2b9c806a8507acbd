-- Record one response under an adaptive rate, and change the rate's curve if asked to.
--
-- KEYS: the index set, the state hash of the (source, host).
-- ARGV: now ('' = the server's clock), outcome ('' = counted already), retry_after,
--       succeeded (1: a success at now), ttl, host, idle_grace,
--       expected version ('' = leave the curve alone), then field, value, ... of the new
--       curve, written only if the stored version is still the expected one.
-- A success after more than idle_grace seconds without one moves curve_since forward by
-- the idle time (the curve grows only while calls succeed; see curves.resumed).
-- Reply: {1, now, version} when written (or nothing to write), else
-- {0, now, field, value, ...}: the whole state, to compute the change again from.

local index, state = KEYS[1], KEYS[2]
local now = clock(ARGV[1])
local outcome, retry_after = ARGV[2], opt(ARGV[3])
local ttl = math.ceil(tonumber(ARGV[5]) * 1000)

if outcome ~= '' then
  redis.call('HINCRBY', state, 'calls_' .. outcome, 1)
  if outcome == 'throttled' then redis.call('HINCRBY', state, 'refusals', 1) end
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
end
redis.call('HSET', state, 'host', ARGV[6])
redis.call('PEXPIRE', state, ttl)
redis.call('SADD', index, state)

local version = redis.call('HGET', state, 'version') or '0'
if ARGV[8] == '' then return {1, num(now), version} end
if version ~= ARGV[8] then
  local reply = {0, num(now)}
  for _, item in ipairs(redis.call('HGETALL', state)) do reply[#reply + 1] = item end
  return reply
end
for i = 9, #ARGV, 2 do redis.call('HSET', state, ARGV[i], ARGV[i + 1]) end
version = tostring(redis.call('HINCRBY', state, 'version', 1))
return {1, num(now), version}
