-- Helpers shared by every script; the store puts this text before each script.

local EPSILON = 1e-6

-- Times travel as strings: a Lua number in a reply reaches the client cut to an integer.
local function num(x) return string.format('%.17g', x) end
local function opt(x) if x == nil or x == '' then return nil end return tonumber(x) end

-- The caller's clock when it passes one, else the server's: one clock for every worker.
local function clock(given)
  if given ~= '' then return tonumber(given) end
  local t = redis.call('TIME')
  return tonumber(t[1]) + tonumber(t[2]) / 1000000
end

-- Known limits. KEYS: the index set, the moment this Redis began to keep the limiter's data,
-- then per limit its log and its state.

-- The moment this Redis began to keep the limiter's data: now, when it has none (a new Redis,
-- or one that lost its data). Read only when a limit's state is absent.
local function kept_since(now)
  redis.call('SET', KEYS[2], num(now), 'NX')
  return tonumber(redis.call('GET', KEYS[2]))
end

-- Start a known limit whose state is absent; one with state is left as it is. It starts
-- empty when the data has been kept for at least its span: the limit was never used, or its
-- keys expired, which they do only a few spans after its last grant. Otherwise the grants of
-- its last span may have been lost (a restart without them, a flush), and it starts as `cold`
-- says (see known.py): 'probe', one call first whose answer reconciles the log; 'spacing',
-- the first grant one spacing after now; 'assume_full', a log of `capacity` entries `spacing`
-- apart ending half a spacing after now, the densest pattern the lost grants can have had (a
-- grant comes up to half a spacing after its slot on the grid; see known_acquire.lua).
local function boot(log, state, now, capacity, span, spacing, cold)
  if redis.call('EXISTS', state) == 1 then return end
  redis.call('DEL', log)
  redis.call('HSET', state, 'booted', num(now), 'seq', 0)
  if now - kept_since(now) >= span then return end
  if cold == 'probe' then
    redis.call('HSET', state, 'probing', 1)
    return
  end
  redis.call('HSET', state, 'last', num(now))
  if cold ~= 'assume_full' then return end
  local batch = {}
  for i = 0, capacity - 1 do
    batch[#batch + 1] = num(now + spacing / 2 - i * spacing)
    batch[#batch + 1] = 'b' .. i
    if #batch >= 1000 then
      redis.call('ZADD', log, unpack(batch))
      batch = {}
    end
  end
  if #batch > 0 then redis.call('ZADD', log, unpack(batch)) end
end

-- A limit waiting for a probe's answer: the wait of a caller refused meanwhile, at most this
-- long and at most until the probe's deadline.
local PROBE_WAIT = 0.25

-- The wait a probing limit adds to `wait`: nil when no probe is out (the caller may be the
-- probe), else a short one, at least `wait`.
local function probe_wait(state, now, wait)
  local fields = redis.call('HMGET', state, 'probing', 'probe_until')
  if not fields[1] then return nil end
  local due = tonumber(fields[2])
  if not due or due <= now then return nil end
  return math.max(wait, math.min(PROBE_WAIT, due - now))
end

-- A call granted under a probing limit is its probe: the others wait for its answer until
-- `deadline` seconds after it starts at `at`.
local function start_probe(state, at, deadline)
  if redis.call('HEXISTS', state, 'probing') == 1 then
    redis.call('HSET', state, 'probe_at', num(at), 'probe_until', num(at + deadline))
  end
end

-- What an answer tells a probing limit: one with a remaining (`reconciled`) ends the probe,
-- the log is reconciled from it; one that did not come (a time-out) of the probe's own call
-- (`sent_at`) hands the probe over to the next caller; any other answer ends the probe with
-- the fail-safe: the next grant one spacing after now.
local function end_probe(state, now, outcome, reconciled, sent_at)
  local fields = redis.call('HMGET', state, 'probing', 'probe_at', 'last')
  if not fields[1] then return end
  if reconciled then
    redis.call('HDEL', state, 'probing', 'probe_at', 'probe_until')
  elseif outcome == 'timeout' then
    local probe_at = tonumber(fields[2])
    if sent_at and probe_at and math.abs(sent_at - probe_at) <= EPSILON then
      redis.call('HDEL', state, 'probe_at', 'probe_until')
    end
  else
    redis.call('HDEL', state, 'probing', 'probe_at', 'probe_until')
    redis.call('HSET', state, 'last', num(math.max(now, tonumber(fields[3]) or now)))
  end
end

-- ARGV of the acquire and grant scripts: their own `header` arguments, then per limit
-- capacity, span, spacing, ttl, adopts ('1': the API's advertised limit replaces capacity),
-- cold (how it starts after lost counts: 'probe', 'spacing', 'assume_full'), probe deadline.

local PER_LIMIT = 7

local function known_limit_count() return (#KEYS - 2) / 2 end

local function known_args(header, i)
  local base = header + (i - 1) * PER_LIMIT
  return KEYS[2 * i + 1], KEYS[2 * i + 2], tonumber(ARGV[base + 1]), tonumber(ARGV[base + 2]),
         tonumber(ARGV[base + 3]), math.ceil(tonumber(ARGV[base + 4]) * 1000), ARGV[base + 5] == '1',
         ARGV[base + 6], tonumber(ARGV[base + 7])
end

-- The calls a limit allows in its window, and the spacing of its grid (its window over them).
-- What the API advertises for this very window (`advertised`) replaces the configured capacity
-- of a limit that adopts it, higher or lower, and only bounds one the user set; a limit the API
-- stated for another or an unknown window (`api_limit`) only ever bounds.
local function allowance(state, capacity, spacing, adopts)
  local fields = redis.call('HMGET', state, 'advertised', 'api_limit')
  local allowed = capacity
  local advertised, bound = tonumber(fields[1]), tonumber(fields[2])
  if advertised then
    if adopts then allowed = advertised else allowed = math.min(allowed, advertised) end
  end
  if bound then allowed = math.min(allowed, bound) end
  allowed = math.max(1, math.floor(allowed))
  return allowed, spacing * capacity / allowed
end

-- The wait before one more call under one limit, the rule that sets it, and the steady-state
-- gap between its grants (the log's span over the calls it allows, at least the spacing).
local function limit_wait(log, state, now, capacity, span, spacing, adopts, cold)
  boot(log, state, now, capacity, span, spacing, cold)
  redis.call('ZREMRANGEBYSCORE', log, '-inf', num(now - span))
  local fields = redis.call('HMGET', state, 'last', 'blocked_until')
  local allowed, grid = allowance(state, capacity, spacing, adopts)
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
  if last and last + grid - now > wait then wait, reason = last + grid - now, 'spacing' end
  local probing = probe_wait(state, now, wait)
  if probing then wait, reason = probing, 'probe' end
  return wait, reason, math.max(grid, span / allowed)
end

-- The wait before one more call under every limit, its reason, and the limit that paces the
-- callers after it, with its steady gap: the limit that refuses, or when none does, the one
-- with the longest gap. A limit waiting for its probe's answer gives the reason 'probe'.
local function known_wait(now, header)
  local longest, why, which, gap = 0, 'granted', 0, 0
  local pace, pace_gap = 0, -1
  local probing = false
  for i = 1, known_limit_count() do
    local log, state, capacity, span, spacing, _, adopts, cold = known_args(header, i)
    local wait, reason, steady_gap = limit_wait(log, state, now, capacity, span, spacing, adopts, cold)
    if wait > longest then longest, why, which, gap = wait, reason, i, steady_gap end
    if steady_gap > pace_gap then pace, pace_gap = i, steady_gap end
    probing = probing or reason == 'probe'
  end
  if longest <= EPSILON then return 0, 'granted', pace, pace_gap end
  if probing then why = 'probe' end
  return longest, why, which, gap
end

-- Record the limit's facts, add `amount` to the counter named `counter`, and keep its keys alive.
local function keep_limit(header, i, host, counter, amount)
  local log, state, _, _, _, ttl, adopts = known_args(header, i)
  local base = header + (i - 1) * PER_LIMIT
  redis.call('HSET', state, 'host', host, 'limit', ARGV[base + 1], 'span', ARGV[base + 2],
             'adopts', adopts and 1 or 0)
  if amount > 0 then redis.call('HINCRBY', state, counter, amount) end
  redis.call('PEXPIRE', log, ttl)
  redis.call('PEXPIRE', state, ttl)
  redis.call('SADD', KEYS[1], state)
end

-- Take one permit at `at` in every known limit of the scope: an entry in each log, and its
-- grid moved on by one slot. Grants keep to a grid `spacing` apart: one granted up to
-- `tolerance` after its slot (at least half a spacing: the caller's trip back, the round trip)
-- does not push the next slot back, so a releaser that wakes late grants the slots it missed
-- instead of losing them; a later one, after an idle spell, restarts the grid at now.
local function take_permit(header, host, at, tolerance)
  for i = 1, known_limit_count() do
    keep_limit(header, i, host, 'granted', 1)
    local log, state, capacity, _, configured_spacing, _, adopts, _, deadline = known_args(header, i)
    local _, spacing = allowance(state, capacity, configured_spacing, adopts)
    local seq = redis.call('HINCRBY', state, 'seq', 1)
    redis.call('ZADD', log, num(at), 'g' .. seq)
    local slot = tonumber(redis.call('HGET', state, 'last'))
    if slot then slot = slot + spacing end
    if not slot or at - slot > math.max(spacing / 2, tolerance) or slot > at then slot = at end
    redis.call('HSET', state, 'last', num(slot))
    start_probe(state, at, deadline)
  end
end
