-- Take one permit in every known limit of a scope, or in none of them.
--
-- KEYS: the index set, the moment the data began to be kept (string), then for each limit its
--       log (sorted set: one entry per grant, scored by grant time) and its state (hash: last
--       grant, counters, API facts, blocked_until).
-- ARGV: now ('' = the server's clock), host, returning ('1': the caller comes back at the
--       moment a refusal told it), lead (seconds ahead a grant may start), then per limit:
--       capacity, span, spacing, ttl, adopts, cold, probe deadline (see common.lua).
-- Reply: {granted 0|1, wait (granted: until the call may start), now, reason, 1-based index
--        of the limit that refused}.

local HEADER = 4
local now = clock(ARGV[1])
local host = ARGV[2]
local returning = ARGV[3] == '1'
local lead = tonumber(ARGV[4])

local longest, why, which, gap = known_wait(now, HEADER)

-- A caller back at its promised moment and refused by no more than the lead (it came a hair
-- early, or a grant before it came a hair late) is granted the moment it would have been
-- told, and starts its call then: being sent away would cost more than the wait. Not while a
-- probe's answer is awaited: nothing is granted until it comes.
local granted = longest == 0 or (returning and longest <= lead and why ~= 'probe')
local at = now + longest
for i = 1, known_limit_count() do
  if granted then
    keep_limit(HEADER, i, host, 'granted', 1)
    local log, state, capacity, _, configured_spacing, _, adopts, _, deadline = known_args(HEADER, i)
    local _, spacing = allowance(state, capacity, configured_spacing, adopts)
    local seq = redis.call('HINCRBY', state, 'seq', 1)
    redis.call('ZADD', log, num(at), 'g' .. seq)
    -- Grants keep to a grid `spacing` apart: one granted up to half a spacing after its slot
    -- (the caller came back late, the round trip) does not push the next slot back; a later
    -- one, after an idle spell, restarts the grid at now.
    local slot = tonumber(redis.call('HGET', state, 'last'))
    if slot then slot = slot + spacing end
    if not slot or at - slot > spacing / 2 or slot > at then slot = at end
    redis.call('HSET', state, 'last', num(slot))
    start_probe(state, at, deadline)
  else
    keep_limit(HEADER, i, host, 'denied', 1)
  end
end

if granted then return {1, num(longest), num(now), 'granted', 0} end

-- Callers refused together would all be told the same free moment and come back as a herd,
-- of which one is granted: each is promised its own moment instead, one steady-state gap
-- after the last one promised under the limit that refused. A returning caller refused by
-- more than the lead (a new caller took its slot) queues again after the others: keeping its
-- turn would take the next caller's slot, and that one the next, down the whole queue.
local waits = promise(which, gap, now, now + longest, 1, false)
return {0, num(waits[1]), num(now), why, which}
