-- Empty a job's parked nodes from every scope it waits in.
--
-- KEYS: the job's set of scopes.
-- ARGV: key prefix, job id.
-- Reply: how many parked nodes were removed.

local prefix, job = ARGV[1], ARGV[2]
local removed = 0
for _, sid in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local parked = prefix .. ':parked:' .. sid .. ':' .. job
  local ring = prefix .. ':ring:' .. sid
  local count = redis.call('LLEN', parked)
  redis.call('DEL', parked)
  redis.call('LREM', ring, 0, job)
  if redis.call('LLEN', ring) == 0 then
    redis.call('ZREM', prefix .. ':due', sid)
    redis.call('DEL', prefix .. ':count:' .. sid)
  else
    redis.call('DECRBY', prefix .. ':count:' .. sid, count)
  end
  removed = removed + count
end
redis.call('DEL', KEYS[1])
return removed
