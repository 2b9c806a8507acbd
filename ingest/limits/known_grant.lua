-- Take up to `count` permits now in every known limit of a scope, for callers waiting their
-- turn: as many as the logs and grids allow at this moment, the grid slots a late caller
-- missed included (up to `catch_up` seconds of them; see take_permit in common.lua).
--
-- KEYS: the index set, the moment the data began to be kept, then for each limit its log and
--       its state (as in known_acquire.lua).
-- ARGV: now ('' = the server's clock), host, count, catch_up (seconds), then per limit:
--       capacity, span, spacing, ttl, adopts.
-- Reply: {now, permits granted, wait before one more could be, the reason of that wait}.

local HEADER = 4
local now = clock(ARGV[1])
local host = ARGV[2]
local count = tonumber(ARGV[3])
local catch_up = tonumber(ARGV[4])

local granted = 0
local wait, why = known_wait(now, HEADER)
while wait == 0 and granted < count do
  take_permit(HEADER, host, now, catch_up)
  granted = granted + 1
  wait, why = known_wait(now, HEADER)
end
return {num(now), granted, num(wait), why}
