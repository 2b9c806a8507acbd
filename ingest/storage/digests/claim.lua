-- Claims records about to be written, so that pages storing the same record at once write it once.
-- KEYS[1]: the collection's digest hash. ARGV: owner, now, claim lifetime, then key/digest pairs.
-- A field holds the digest of the payload stored, or "~digest|owner|since" while its owner writes.
-- Answers one word per key:
--   unchanged  stored with this digest: nothing to write
--   pending    another owner is writing this same payload now: nothing to write
--   claimed    ours to write (new, changed, our own claim, or another's claim that expired)
--   contested  another owner is writing a different payload now: ours to write too

local hash, owner = KEYS[1], ARGV[1]
local now, lifetime = tonumber(ARGV[2]), tonumber(ARGV[3])
local answers = {}

for i = 4, #ARGV, 2 do
  local key, digest = ARGV[i], ARGV[i + 1]
  local known = redis.call('HGET', hash, key)
  local answer = 'claimed'
  if known == digest then
    answer = 'unchanged'
  elseif known and string.sub(known, 1, 1) == '~' then
    local claimed_digest, claimed_by, since = string.match(known, '^~([^|]*)|(.*)|([%d%.]+)$')
    if claimed_by ~= owner and since and now - tonumber(since) < lifetime then
      answer = (claimed_digest == digest) and 'pending' or 'contested'
    end
  end
  if answer == 'claimed' then
    redis.call('HSET', hash, key, '~' .. digest .. '|' .. owner .. '|' .. ARGV[2])
  end
  answers[#answers + 1] = answer
end
return answers
