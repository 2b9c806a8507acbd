-- Take one permit in every known limit of a scope, or in none of them.
--
-- KEYS: the index set, then for each limit its log (sorted set: one entry per grant, scored
--       by grant time) and its state (hash: last grant, counters, API facts, blocked_until).
-- ARGV: now ('' = the server's clock), host, returning ('1': the caller comes back at the
--       moment a refusal told it), lead (seconds ahead a grant may start), then per limit:
--       capacity, span, spacing, ttl.
-- Reply: {granted 0|1, wait (granted: until the call may start), now, reason, 1-based index
--        of the limit that refused}.

local now = clock(ARGV[1])
local host = ARGV[2]
local returning = ARGV[3] == '1'
local lead = tonumber(ARGV[4])
local limits = (#KEYS - 1) / 2

local function wait_for(log, state, capacity, span, spacing)
  if redis.call('EXISTS', state) == 0 then boot(log, state, now, capacity, spacing) end
  redis.call('ZREMRANGEBYSCORE', log, '-inf', num(now - span))
  local fields = redis.call('HMGET', state, 'last', 'blocked_until', 'api_limit')
  local allowed = capacity
  if fields[3] then allowed = math.max(1, math.min(capacity, math.floor(tonumber(fields[3])))) end
  local wait, reason = 0, 'granted'
  local blocked = tonumber(fields[2])
  if blocked and blocked - now > wait then wait, reason = blocked - now, 'retry_after' end
  local used = redis.call('ZCARD', log)
  if used >= allowed then
    local freeing = redis.call('ZRANGE', log, used - allowed, used - allowed, 'WITHSCORES')
    local free_at = tonumber(freeing[2]) + span
    if free_at - now > wait then wait, reason = free_at - now, 'window' end
  end
  local last = tonumber(fields[1])
  if last and last + spacing - now > wait then wait, reason = last + spacing - now, 'spacing' end
  return wait, reason, math.max(spacing, span / allowed)
end

local longest, why, which, gap = 0, 'granted', 0, 0
for i = 1, limits do
  local log, state = KEYS[2 * i], KEYS[2 * i + 1]
  local base = 4 + (i - 1) * 4
  local capacity, span, spacing = tonumber(ARGV[base + 1]), tonumber(ARGV[base + 2]), tonumber(ARGV[base + 3])
  local wait, reason, steady_gap = wait_for(log, state, capacity, span, spacing)
  if wait > longest then longest, why, which, gap = wait, reason, i, steady_gap end
end

-- A caller back at its promised moment and refused by no more than the lead (it came a hair
-- early, or a grant before it came a hair late) is granted the moment it would have been
-- told, and starts its call then: being sent away would cost more than the wait.
if longest <= EPSILON then longest = 0 end
local granted = longest == 0 or (returning and longest <= lead)
local at = now + longest
for i = 1, limits do
  local log, state = KEYS[2 * i], KEYS[2 * i + 1]
  local base = 4 + (i - 1) * 4
  local ttl = math.ceil(tonumber(ARGV[base + 4]) * 1000)
  redis.call('HSET', state, 'host', host, 'limit', ARGV[base + 1], 'span', ARGV[base + 2])
  if granted then
    local seq = redis.call('HINCRBY', state, 'seq', 1)
    redis.call('ZADD', log, num(at), 'g' .. seq)
    -- Grants keep to a grid `spacing` apart: one granted up to half a spacing after its slot
    -- (the caller came back late, the round trip) does not push the next slot back; a later
    -- one, after an idle spell, restarts the grid at now.
    local spacing = tonumber(ARGV[base + 3])
    local slot = tonumber(redis.call('HGET', state, 'last'))
    if slot then slot = slot + spacing end
    if not slot or at - slot > spacing / 2 or slot > at then slot = at end
    redis.call('HSET', state, 'last', num(slot))
    redis.call('HINCRBY', state, 'granted', 1)
  else
    redis.call('HINCRBY', state, 'denied', 1)
  end
  redis.call('PEXPIRE', log, ttl)
  redis.call('PEXPIRE', state, ttl)
  redis.call('SADD', KEYS[1], state)
end

if granted then return {1, num(longest), num(now), 'granted', 0} end

-- Callers refused together would all be told the same free moment and come back as a herd,
-- of which one is granted: each is promised its own moment instead, one steady-state gap
-- between grants (the log's span over the calls it allows, at least the spacing) after the
-- last one promised under the limit that refused. A returning caller refused by more than
-- the lead (a new caller took its slot) queues again after the others: keeping its turn
-- would take the next caller's slot, and that one the next, down the whole queue.
local refusing = KEYS[2 * which + 1]
local promised = opt(redis.call('HGET', refusing, 'promised'))
local moment = now + longest
if promised and promised + gap > moment then moment = promised + gap end
if not promised or moment > promised then redis.call('HSET', refusing, 'promised', num(moment)) end
return {0, num(moment - now), num(now), why, which}
