-- Helpers shared by every script; the store puts this text before each script.

local EPSILON = 1e-6

-- Times travel as strings: a Lua number in a reply reaches the client cut to an integer.
local function num(x) return string.format('%.17g', x) end
local function opt(x) if x == nil or x == '' then return nil end return tonumber(x) end

-- The caller's clock when it passes one, else the server's: one clock for every worker.
local function clock(given)
  if given ~= '' then return tonumber(given) end
  local t = redis.call('TIME')
  return tonumber(t[1]) + tonumber(t[2]) / 1000000
end

-- A known limit whose state is absent (first use, expiry, restart, flush) starts from an
-- assumed-full log: `capacity` entries `spacing` apart ending half a spacing after now, the
-- densest pattern the lost grants can have had (a grant comes up to half a spacing after its
-- slot on the grid; see known_acquire.lua).
local function boot(log, state, now, capacity, spacing)
  redis.call('DEL', log)
  local batch = {}
  for i = 0, capacity - 1 do
    batch[#batch + 1] = num(now + spacing / 2 - i * spacing)
    batch[#batch + 1] = 'b' .. i
    if #batch >= 1000 then
      redis.call('ZADD', log, unpack(batch))
      batch = {}
    end
  end
  if #batch > 0 then redis.call('ZADD', log, unpack(batch)) end
  redis.call('HSET', state, 'last', num(now), 'booted', num(now), 'seq', 0)
end
