-- until, TTL ms: the block only ever grows
local blocked = key('sign', 'blocked')
if tonumber(arg(1)) > tonumber(redis.call('GET', blocked) or '0') then
  redis.call('SET', blocked, arg(1), 'PX', arg(2))
end
