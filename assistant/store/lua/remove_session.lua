-- session id, now: the removed record, or false (no such session, or a socket is attached)
local id = arg(1)
local removed = record(id)
if not removed or removed[2] > 0 then return false end
leave(id, arg(2))
leave_wall(id, arg(2))
local ip, digest = unpack(redis.call('HMGET', key('session', id), 'ip', 'digest'))
redis.call('DEL', key('session', id), key('token', digest))
redis.call('SREM', key('sessions'), id)
redis.call('ZREM', key('cleanups'), id)
if redis.call('HINCRBY', key('ips'), ip, -1) <= 0 then redis.call('HDEL', key('ips'), ip) end
return removed
