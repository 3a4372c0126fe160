-- ip, id, digest, max sessions, max per ip, then the record's fields: 'ok', or the limit reached
local ip, id = arg(1), arg(2)
if redis.call('SCARD', key('sessions')) >= tonumber(arg(4)) then return 'sessions' end
if tonumber(redis.call('HGET', key('ips'), ip) or '0') >= tonumber(arg(5)) then return 'ip' end
redis.call('HSET', key('session', id), unpack(ARGV, H + 6))
redis.call('SET', key('token', arg(3)), id)
redis.call('SADD', key('sessions'), id)
redis.call('HINCRBY', key('ips'), ip, 1)
return 'ok'
