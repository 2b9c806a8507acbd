-- Reconcile the known limits of a scope with what one response said.
--
-- KEYS: the index set, the moment the data began to be kept, then for each limit its log and
--       its state (as in known_acquire.lua).
-- ARGV: now ('' = the server's clock), host, outcome, limit, remaining, reset_after,
--       retry_after, sent_at ('' = unknown), in_flight_horizon,
--       then per limit: capacity, span, spacing, window, ttl, applies (1: the reading's
--       limit/remaining describe this limit; 0: only Retry-After and 429 apply), adopts (1: the
--       limit takes the API's advertised one), advertises (1: the reading's limit is stated for
--       this limit's very window, so it may be adopted; 0: it only bounds), cold (as in
--       known_acquire.lua).
-- Reply: {now, entries added in total}.
-- Never removes an entry: reconciling can make a count stricter, never looser. Only what the
-- API advertises for the limit's own window can raise how many calls the limit allows.
-- A limit waiting for a probe's answer ends its wait here (see end_probe in common.lua).

local now = clock(ARGV[1])
local host, outcome = ARGV[2], ARGV[3]
local reported_limit, remaining = opt(ARGV[4]), opt(ARGV[5])
local reset_after, retry_after = opt(ARGV[6]), opt(ARGV[7])
local sent_at, horizon = opt(ARGV[8]), tonumber(ARGV[9])
local throttled = outcome == 'throttled'
if throttled and remaining == nil then remaining = 0 end
if reset_after == nil then reset_after = retry_after end
local added_total = 0

for i = 1, known_limit_count() do
  local log, state = KEYS[2 * i + 1], KEYS[2 * i + 2]
  local base = 9 + (i - 1) * 9
  local capacity, span = tonumber(ARGV[base + 1]), tonumber(ARGV[base + 2])
  local spacing, window = tonumber(ARGV[base + 3]), tonumber(ARGV[base + 4])
  local ttl = math.ceil(tonumber(ARGV[base + 5]) * 1000)
  local applies, adopts, advertises = ARGV[base + 6] == '1', ARGV[base + 7] == '1', ARGV[base + 8] == '1'
  boot(log, state, now, capacity, span, spacing, ARGV[base + 9])
  redis.call('HSET', state, 'host', host, 'limit', capacity, 'span', num(span), 'adopts', adopts and 1 or 0)
  if retry_after then
    local blocked = tonumber(redis.call('HGET', state, 'blocked_until')) or 0
    redis.call('HSET', state, 'blocked_until', num(math.max(blocked, now + retry_after)))
  end
  if throttled then redis.call('HINCRBY', state, 'refusals', 1) end
  if applies and reported_limit and reported_limit >= 1 then
    local kept, dropped = 'api_limit', 'advertised'
    if advertises then kept, dropped = 'advertised', 'api_limit' end
    redis.call('HSET', state, kept, num(reported_limit))
    redis.call('HDEL', state, dropped)
  end
  if applies and remaining then
    redis.call('ZREMRANGEBYSCORE', log, '-inf', num(now - span))
    local allowed = allowance(state, capacity, spacing, adopts)
    local in_flight
    if sent_at then
      in_flight = math.max(0, redis.call('ZCOUNT', log, num(sent_at), '+inf') - 1)
    else
      in_flight = redis.call('ZCOUNT', log, num(now - horizon), '+inf')
    end
    local ours = allowed - redis.call('ZCARD', log)
    local theirs = math.max(0, math.floor(remaining) - in_flight)
    local short = ours - theirs
    if short > 0 then
      local score = num(now + (reset_after or window) - span)
      for _ = 1, short do
        local seq = redis.call('HINCRBY', state, 'seq', 1)
        redis.call('ZADD', log, score, 'p' .. seq)
      end
      added_total = added_total + short
      redis.call('HINCRBY', state, 'reconciled', short)
    end
  end
  end_probe(state, now, outcome, applies and remaining ~= nil, sent_at)
  redis.call('PEXPIRE', log, ttl)
  redis.call('PEXPIRE', state, ttl)
  redis.call('SADD', KEYS[1], state)
end

return {num(now), added_total}
