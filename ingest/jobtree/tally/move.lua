-- Move one node to a new state if its state now is one of those allowed, and add to the
-- node's and the job's counters, in one step.
-- KEYS: nodes hash, counts hash, rate hash (calls per server second), documents hash.
-- ARGV: node id, new state, allowed states ("," separated; "*live" for every live state),
--       attempts delta ("=0" sets it), waits delta, refusals delta, calls delta, ttl,
--       then (job counter name, delta) pairs; the node's waits, refusals and calls count for the
--       job too.
-- Returns {moved (1/0, or -1 for a node the tally does not know), state before, attempts,
--          waits, refusals, calls, live nodes after, the node's document ('' unless moved to running
--          with one kept), whether the job is cancelled (1/0)}. A node that ends gives up its document.
local nodes, counts, rate, documents = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local value = redis.call('HGET', nodes, ARGV[1])
if not value then
  return {-1, '', 0, 0, 0, 0, live(counts), '', redis.call('HEXISTS', counts, CANCELLED_FLAG)}
end
local node = parse(value)
local before = node.state
local allowed = false
if ARGV[3] == '*live' then
  allowed = LIVE[before] == true
else
  for state in string.gmatch(ARGV[3], '[^,]+') do
    if state == before then allowed = true end
  end
end
if not allowed then
  return {0, before, node.attempts, node.waits, node.refusals, node.calls, live(counts), '',
          redis.call('HEXISTS', counts, CANCELLED_FLAG)}
end
count(counts, node, -1)
node.state = ARGV[2]
if string.sub(ARGV[4], 1, 1) == '=' then
  node.attempts = tonumber(string.sub(ARGV[4], 2))
else
  node.attempts = node.attempts + tonumber(ARGV[4])
end
node.waits = node.waits + tonumber(ARGV[5])
node.refusals = node.refusals + tonumber(ARGV[6])
node.calls = node.calls + tonumber(ARGV[7])
redis.call('HINCRBY', counts, 'total:waits', ARGV[5])
redis.call('HINCRBY', counts, 'total:refusals', ARGV[6])
redis.call('HINCRBY', counts, 'total:calls', ARGV[7])
count(counts, node, 1)
redis.call('HSET', nodes, ARGV[1], pack(node))
for i = 9, #ARGV, 2 do
  redis.call('HINCRBY', counts, 'total:' .. ARGV[i], ARGV[i + 1])
end
local now = touch(counts)
local ttl = tonumber(ARGV[8])
redis.call('EXPIRE', nodes, ttl)
redis.call('EXPIRE', counts, ttl)
if tonumber(ARGV[7]) > 0 then
  redis.call('HINCRBY', rate, now[1], ARGV[7])
  redis.call('EXPIRE', rate, ttl)
end
local document = ''
if ARGV[2] == RUNNING then
  document = redis.call('HGET', documents, ARGV[1]) or ''
elseif not LIVE[ARGV[2]] then
  redis.call('HDEL', documents, ARGV[1])
end
return {1, before, node.attempts, node.waits, node.refusals, node.calls, live(counts), document,
        redis.call('HEXISTS', counts, CANCELLED_FLAG)}
