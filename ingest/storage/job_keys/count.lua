-- Counts the records a page of a job stores or sees for the first time in that job.
-- KEYS[1]: the job's hash "<collection>|<key>" -> the node that first stored or saw the record.
-- ARGV: node, ttl, collection, then the record keys.
-- A record counts for the node that came first to it; that node counts it again when it runs
-- again (its worker was lost before the node ended), so a count is never lost to a rerun.
-- Answers how many of the keys count for this node.
local hash, owner, collection = KEYS[1], ARGV[1], ARGV[3]
local counted = 0
for i = 4, #ARGV do
  local field = collection .. '|' .. ARGV[i]
  if redis.call('HSETNX', hash, field, owner) == 1 or redis.call('HGET', hash, field) == owner then
    counted = counted + 1
  end
end
redis.call('EXPIRE', hash, tonumber(ARGV[2]))
return counted
