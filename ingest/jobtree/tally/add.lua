-- Register nodes, each in the given state; a node registered already is left as it is.
-- KEYS: nodes hash, counts hash, documents hash.
-- ARGV: ttl, then (node id, state, depth, attempts, throttles, kind, document or '') per node;
-- a new node's throttles count for the job too.
-- Returns how many were new.
local nodes, counts, documents = KEYS[1], KEYS[2], KEYS[3]
local added = 0
for i = 2, #ARGV, 7 do
  local node = {state = ARGV[i + 1], depth = ARGV[i + 2], attempts = tonumber(ARGV[i + 3]),
                throttles = tonumber(ARGV[i + 4]), calls = 0, kind = ARGV[i + 5]}
  if redis.call('HSETNX', nodes, ARGV[i], pack(node)) == 1 then
    count(counts, node, 1)
    redis.call('HINCRBY', counts, 'nodes', 1)
    if node.throttles ~= 0 then redis.call('HINCRBY', counts, 'total:throttles', node.throttles) end
    if ARGV[i + 6] ~= '' and LIVE[node.state] then redis.call('HSET', documents, ARGV[i], ARGV[i + 6]) end
    added = added + 1
  end
end
touch(counts)
local ttl = tonumber(ARGV[1])
redis.call('EXPIRE', nodes, ttl)
redis.call('EXPIRE', counts, ttl)
if redis.call('EXISTS', documents) == 1 then redis.call('EXPIRE', documents, ttl) end
return added
