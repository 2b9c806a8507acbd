-- Take up to `count` parked nodes of a scope for release, one job after the other (round
-- robin: the job at the head of the ring gives one node and goes to the tail), and note each
-- in the ledger of released nodes until its message is confirmed sent.
--
-- KEYS: the due set, the scope's ring of jobs, the scope's count of parked nodes, the ledger
--       (sorted set "scope id|job id|node id" -> release time).
-- ARGV: key prefix, scope id, count, now, next due (when to look at the scope again).
-- The lists of each job's parked nodes and its set of scopes are named from the prefix.
-- Reply: {job id, node id, ...} of the nodes taken.

local due_set, ring, count_key, ledger = unpack(KEYS)
local prefix, sid, want, now = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4]
local taken = {}

while #taken < 2 * want do
  local job = redis.call('LPOP', ring)
  if not job then break end
  local parked = prefix .. ':parked:' .. sid .. ':' .. job
  local node = redis.call('LPOP', parked)
  if node then
    taken[#taken + 1] = job
    taken[#taken + 1] = node
    redis.call('ZADD', ledger, now, sid .. '|' .. job .. '|' .. node)
  end
  if redis.call('LLEN', parked) > 0 then
    redis.call('RPUSH', ring, job)
  else
    redis.call('SREM', prefix .. ':jobs:' .. job, sid)
  end
end

if redis.call('LLEN', ring) == 0 then
  redis.call('ZREM', due_set, sid)
  redis.call('DEL', count_key)
else
  redis.call('DECRBY', count_key, #taken / 2)
  redis.call('ZADD', due_set, ARGV[5], sid)
end
return taken
