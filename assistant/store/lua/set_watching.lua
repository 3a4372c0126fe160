-- session id, username ('': none), max streams, stop due: the record, false, or 'limit'
local id, username = arg(1), arg(2)
if redis.call('EXISTS', key('session', id)) == 0 then return false end
if username ~= '' and redis.call('SISMEMBER', key('streams'), username) == 0
    and redis.call('SCARD', key('streams')) >= tonumber(arg(3)) then
  return 'limit'
end
leave(id, arg(4))
if username ~= '' then
  redis.call('HSET', key('session', id), 'username', username)
  follow(id, username)
end
return record(id)
