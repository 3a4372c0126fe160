-- username: {state hash, watchers}, or false
local username = arg(1)
if redis.call('SCARD', key('watchers', username)) == 0
    or not redis.call('SET', key('lease', username), ME, 'NX', 'PX', LEASE_MS) then
  return false
end
ensure_state(username)
hold(username)
return {redis.call('HGETALL', key('state', username)), redis.call('SCARD', key('watchers', username))}
