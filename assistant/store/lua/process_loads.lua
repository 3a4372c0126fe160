-- {instance, runners, ...} of the processes alive
local loads = {}
for _, instance in ipairs(redis.call('SMEMBERS', key('procs'))) do
  local value = redis.call('GET', key('proc', instance))
  if value then
    table.insert(loads, instance)
    table.insert(loads, cjson.decode(value).runners)
  end
end
return loads
