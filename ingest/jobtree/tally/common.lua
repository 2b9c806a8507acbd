-- Helpers shared by every tally script; the store puts this text before each script.
-- A node is one field of the job's node hash: "state|depth|attempts|waits|refusals|calls|kind".
-- LIVE (the live states, as a set) and RUNNING are defined before this text, from
-- ingest.jobtree.states (see STATES_LUA in redis_tally.py).

local function parse(value)
  local state, depth, attempts, waits, refusals, calls, kind =
    string.match(value, '^([^|]*)|(%-?%d+)|(%-?%d+)|(%-?%d+)|(%-?%d+)|(%-?%d+)|([^|]*)$')
  if state == nil then
    -- Written before waits and refusals were counted apart: its one count cannot be split, so
    -- it is read as waits.
    state, depth, attempts, waits, calls, kind =
      string.match(value, '^([^|]*)|(%-?%d+)|(%-?%d+)|(%-?%d+)|(%-?%d+)|([^|]*)$')
    refusals = 0
  end
  return {state = state, depth = depth, attempts = tonumber(attempts), waits = tonumber(waits),
          refusals = tonumber(refusals), calls = tonumber(calls), kind = kind}
end

local function pack(node)
  return table.concat({node.state, node.depth, node.attempts, node.waits, node.refusals, node.calls, node.kind}, '|')
end

-- Counts by state, and by kind, depth and state, so a view needs one HGETALL.
local function count(counts, node, delta)
  redis.call('HINCRBY', counts, 'state:' .. node.state, delta)
  redis.call('HINCRBY', counts, 'group:' .. node.kind .. '|' .. node.depth .. '|' .. node.state, delta)
end

local function live(counts)
  local total = 0
  for state, _ in pairs(LIVE) do
    total = total + tonumber(redis.call('HGET', counts, 'state:' .. state) or '0')
  end
  return total
end

-- Answers the server time it stamped, as TIME gives it: {seconds, microseconds}.
local function touch(counts)
  local t = redis.call('TIME')
  redis.call('HSET', counts, 'changed', t[1] .. '.' .. string.format('%06d', tonumber(t[2])))
  return t
end
