-- username, then state fields: 1, or 0 when another process holds it or the creator is gone (its
-- state expired: the lease goes too, for a claim to start it afresh)
local username = arg(1)
if redis.call('EXISTS', key('state', username)) == 0 then
  release(username)
  return 0
end
local lease = key('lease', username)
local holder = redis.call('GET', lease)
if holder == ME then
  redis.call('PEXPIRE', lease, LEASE_MS)
elseif not holder then
  redis.call('SET', lease, ME, 'PX', LEASE_MS)
  hold(username)
else
  return 0
end
write_state(username, H + 2, #ARGV)
return 1
