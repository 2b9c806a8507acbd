-- Park nodes of one job in the waiting room of one limit scope.
--
-- KEYS: the due set (scope id -> when the releaser looks at it next), the scope's hash
--       (scope, queue, label), the scope's ring of jobs, the job's list of parked nodes in the
--       scope, the scope's count of parked nodes, the job's set of scopes it has parked in.
-- ARGV: scope id, job id, due (when a permit may be free, on the limiter's clock), scope
--       (JSON), queue, label, then the node ids.
-- A job joins the ring when its list was empty, so the ring holds each job once.
-- Reply: the scope's count of parked nodes.

local due_set, scope_hash, ring, parked, count_key, job_scopes = unpack(KEYS)
local sid, job, due = ARGV[1], ARGV[2], tonumber(ARGV[3])
local added = #ARGV - 6

if redis.call('RPUSH', parked, unpack(ARGV, 7)) == added then redis.call('RPUSH', ring, job) end
redis.call('HSET', scope_hash, 'scope', ARGV[4], 'queue', ARGV[5], 'label', ARGV[6])
redis.call('EXPIRE', scope_hash, 86400)
redis.call('SADD', job_scopes, sid)
local current = tonumber(redis.call('ZSCORE', due_set, sid))
if not current or current > due then redis.call('ZADD', due_set, string.format('%.17g', due), sid) end
return redis.call('INCRBY', count_key, added)
