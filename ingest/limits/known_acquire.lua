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
if granted then
  take_permit(HEADER, host, at, 0)
else
  for i = 1, known_limit_count() do keep_limit(HEADER, i, host, 'denied', 1) end
end

if granted then return {1, num(longest), num(now), 'granted', 0} end

-- Callers refused together would all be told the same free moment and come back as a herd,
-- of which one is granted: each is promised its own moment instead, one steady-state gap
-- after the last one promised under the limit that refused. A returning caller refused by
-- more than the lead (a new caller took its slot) queues again after the others: keeping its
-- turn would take the next caller's slot, and that one the next, down the whole queue.
local waits = promise(which, gap, now, now + longest, 1, false)
return {0, num(waits[1]), num(now), why, which}
