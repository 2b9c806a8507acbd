-- Register nodes, each in the given state; a node registered already is left as it is.
-- KEYS: nodes hash, counts hash, documents hash.
-- ARGV: ttl, then (node id, state, depth, attempts, waits, refusals, kind, document or '') per
-- node; a new node's waits and refusals count for the job too.
-- Returns how many were new.
local nodes, counts, documents = KEYS[1], KEYS[2], KEYS[3]
local added = 0
for i = 2, #ARGV, 8 do
  local node = {state = ARGV[i + 1], depth = ARGV[i + 2], attempts = tonumber(ARGV[i + 3]),
                waits = tonumber(ARGV[i + 4]), refusals = tonumber(ARGV[i + 5]), calls = 0, kind = ARGV[i + 6]}
  if redis.call('HSETNX', nodes, ARGV[i], pack(node)) == 1 then
    count(counts, node, 1)
    redis.call('HINCRBY', counts, 'nodes', 1)
    if node.waits ~= 0 then redis.call('HINCRBY', counts, 'total:waits', node.waits) end
    if node.refusals ~= 0 then redis.call('HINCRBY', counts, 'total:refusals', node.refusals) end
    if ARGV[i + 7] ~= '' and LIVE[node.state] then redis.call('HSET', documents, ARGV[i], ARGV[i + 7]) end
    added = added + 1
  end
end
touch(counts)
local ttl = tonumber(ARGV[1])
redis.call('EXPIRE', nodes, ttl)
redis.call('EXPIRE', counts, ttl)
if redis.call('EXISTS', documents) == 1 then redis.call('EXPIRE', documents, ttl) end
return added
