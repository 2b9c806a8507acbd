-- Register nodes, each in the given state; a node registered already is left as it is.
-- KEYS: nodes hash, counts hash.  ARGV: ttl, then (node id, state, depth, attempts, kind) per node.
-- Returns how many were new.
local nodes, counts = KEYS[1], KEYS[2]
local added = 0
for i = 2, #ARGV, 5 do
  local node = {state = ARGV[i + 1], depth = ARGV[i + 2], attempts = tonumber(ARGV[i + 3]),
                throttles = 0, calls = 0, kind = ARGV[i + 4]}
  if redis.call('HSETNX', nodes, ARGV[i], pack(node)) == 1 then
    count(counts, node, 1)
    redis.call('HINCRBY', counts, 'nodes', 1)
    added = added + 1
  end
end
touch(counts)
local ttl = tonumber(ARGV[1])
redis.call('EXPIRE', nodes, ttl)
redis.call('EXPIRE', counts, ttl)
return added
