-- Hold the releaser's lease, and tell whether this Redis lost the waiting room's data.
--
-- KEYS: the lease, the epoch (set once, never expires: absent means a new Redis, or one that
--       lost its data).
-- ARGV: holder, lease (milliseconds), now.
-- Reply: {1 if the holder holds the lease now, 1 if the epoch was absent (set now)}.

local holder = redis.call('GET', KEYS[1])
local held = 0
if not holder or holder == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  held = 1
end
local fresh = 0
if held == 1 and redis.call('SET', KEYS[2], ARGV[3], 'NX') then fresh = 1 end
return {held, fresh}
