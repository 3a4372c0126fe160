-- cleanup due: the sessions that lost sockets. The SREM is in the same script as the check, so each
-- dead process is reaped once.
local touched = {}
for _, instance in ipairs(redis.call('SMEMBERS', key('procs'))) do
  if instance ~= ME and redis.call('EXISTS', key('proc', instance)) == 0 then
    redis.call('SREM', key('procs'), instance)
    for _, id in ipairs(detach_process(instance, arg(1))) do table.insert(touched, id) end
  end
end
return touched
