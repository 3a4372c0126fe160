-- session id, max streams, stop due, then the wall's creators (distinct): the record, false, or 'limit:<n>' (n: the
-- creators not followed yet, too many for max streams; nothing changed)
local id = arg(1)
if redis.call('EXISTS', key('session', id)) == 0 then return false end
local new = 0
for i = H + 4, #ARGV do
  if redis.call('SISMEMBER', key('streams'), ARGV[i]) == 0 then new = new + 1 end
end
if new > 0 and redis.call('SCARD', key('streams')) + new > tonumber(arg(2)) then return 'limit:' .. new end
leave_wall(id, arg(3))
if #ARGV >= H + 4 then
  redis.call('HSET', key('session', id), 'wall', table.concat(ARGV, ' ', H + 4, #ARGV))
end
for i = H + 4, #ARGV do
  redis.call('SADD', key('walls', ARGV[i]), id)
  follow(id, ARGV[i])
end
return record(id)
