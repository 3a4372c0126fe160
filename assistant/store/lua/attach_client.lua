-- session id, sid, now. Registers this process if it has not said it is alive yet, so that its
-- sockets are counted, and detached by a survivor should it die. {record..., 1 when this process
-- was not registered}, or false
local id, sid = arg(1), arg(2)
if not touch(id, arg(3)) then return false end
redis.call('HSET', key('session', id, 'clients'), sid, ME)
redis.call('HSET', key('proc', ME, 'clients'), sid, id)
redis.call('ZREM', key('cleanups'), id)
local registered = register(0, 'NX')
local result = record(id)
table.insert(result, registered)
return result
