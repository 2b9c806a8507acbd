-- Promise moments to callers that will ask for a permit later (a page's children, as they are
-- registered), as if each had asked now: the first is told 0 when a call could be granted
-- now, and asks as a new caller; the others are promised their own moments one after the
-- other, and come back saying they return. Nothing is granted here.
--
-- KEYS: the index set, the moment the data began to be kept, then for each limit its log and
--       its state (as in known_acquire.lua).
-- ARGV: now ('' = the server's clock), host, count, then per limit: capacity, span, spacing, ttl,
--       adopts, cold, probe deadline.
-- Reply: {now, wait of each caller...}.

local HEADER = 3
local now = clock(ARGV[1])
local host = ARGV[2]
local count = tonumber(ARGV[3])

local longest, _, which, gap = known_wait(now, HEADER)
local waits = promise(which, gap, now, now + longest, count, longest == 0)
local promised = longest == 0 and count - 1 or count
for i = 1, known_limit_count() do keep_limit(HEADER, i, host, 'promised_ahead', promised) end

local reply = {num(now)}
for k = 1, count do reply[k + 1] = num(waits[k]) end
return reply
