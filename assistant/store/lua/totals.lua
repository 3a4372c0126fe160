-- {sessions, sockets of the live processes}
local clients = 0
for _, instance in ipairs(redis.call('SMEMBERS', key('procs'))) do
  if redis.call('EXISTS', key('proc', instance)) == 1 then
    clients = clients + redis.call('HLEN', key('proc', instance, 'clients'))
  end
end
return {redis.call('SCARD', key('sessions')), clients}
