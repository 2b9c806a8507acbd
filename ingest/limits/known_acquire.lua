-- Take one permit in every known limit of a scope, or in none of them.
--
-- KEYS: the index set, the moment the data began to be kept (string), then for each limit its
--       log (sorted set: one entry per grant, scored by grant time) and its state (hash: last
--       grant, counters, API facts, blocked_until).
-- ARGV: now ('' = the server's clock), host, then per limit: capacity, span, spacing, ttl,
--       adopts, cold, probe deadline (see common.lua).
-- Reply: {granted 0|1, wait (refused: until a permit could be granted), now, reason, 1-based
--        index of the limit that refused}.
-- A refused caller waits its turn elsewhere (a waiting room) and is granted by known_grant.lua.

local HEADER = 2
local now = clock(ARGV[1])
local host = ARGV[2]

local longest, why, which = known_wait(now, HEADER)
if longest == 0 then
  take_permit(HEADER, host, now, 0)
  return {1, '0', num(now), 'granted', 0}
end
for i = 1, known_limit_count() do keep_limit(HEADER, i, host, 'denied', 1) end
return {0, num(longest), num(now), why, which}
