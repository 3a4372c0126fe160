-- The sign budget (signbudget.py; MemoryStore.take_sign_start is the reference). Times are passed
-- as Python wrote them and thresholds computed in Python, never in Lua (whose numbers print with 14
-- digits): the comparisons are those of signbudget.allows.
-- username, queue score, now, stale before (exclusive), prune up to (inclusive), starts TTL ms,
-- queue TTL ms, then (count, start after (exclusive)) per window: {1} when granted (the start is
-- counted), else {0, position, starts key's (member, time) pairs, blocked until}
local username, now = arg(1), arg(3)
local starts, queue, asked = key('sign', 'starts'), key('sign', 'queue'), key('sign', 'asked')
redis.call('ZREMRANGEBYSCORE', starts, '-inf', arg(5))
redis.call('ZADD', queue, 'NX', arg(2), username)
redis.call('ZADD', asked, now, username)
local stale = redis.call('ZRANGEBYSCORE', asked, '-inf', '(' .. arg(4))
if #stale > 0 then
  redis.call('ZREM', queue, unpack(stale))
  redis.call('ZREM', asked, unpack(stale))
end
redis.call('PEXPIRE', queue, arg(7))
redis.call('PEXPIRE', asked, arg(7))
local position = redis.call('ZRANK', queue, username)
local blocked = redis.call('GET', key('sign', 'blocked')) or '0'
local granted = position == 0 and tonumber(now) >= tonumber(blocked)
for i = H + 8, #ARGV, 2 do
  if granted and redis.call('ZCOUNT', starts, '(' .. ARGV[i + 1], '+inf') >= tonumber(ARGV[i]) then
    granted = false
  end
end
if not granted then
  return {0, position, redis.call('ZRANGE', starts, 0, -1, 'WITHSCORES'), blocked}
end
redis.call('ZREM', queue, username)
redis.call('ZREM', asked, username)
local member, n = username .. '@' .. now, 1
while redis.call('ZSCORE', starts, member) do  -- the same creator granted twice at one instant
  n = n + 1
  member = username .. '@' .. now .. '#' .. n
end
redis.call('ZADD', starts, now, member)
redis.call('PEXPIRE', starts, arg(6))
return {1}
