-- the creators that have watchers and no runner anywhere (no lease): their usernames
local unowned = {}
for _, username in ipairs(redis.call('SMEMBERS', key('streams'))) do
  if redis.call('SCARD', key('watchers', username)) > 0
      and redis.call('EXISTS', key('lease', username)) == 0 then
    table.insert(unowned, username)
  end
end
return unowned
