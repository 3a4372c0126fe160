-- session id, sid, cleanup due, now
local id, sid = arg(1), arg(2)
if not touch(id, arg(4)) then return false end
redis.call('HDEL', key('session', id, 'clients'), sid)
redis.call('HDEL', key('proc', ME, 'clients'), sid)
if redis.call('HLEN', key('session', id, 'clients')) == 0 then
  redis.call('ZADD', key('cleanups'), arg(3), id)
end
return record(id)
