-- now: the session ids due, each taken out (so handed to this caller only); and the unwatched
-- creators due to stop that no process runs are forgotten
local due = redis.call('ZRANGEBYSCORE', key('cleanups'), '-inf', arg(1))
redis.call('ZREMRANGEBYSCORE', key('cleanups'), '-inf', arg(1))
for _, username in ipairs(redis.call('ZRANGEBYSCORE', key('stopdue'), '-inf', arg(1))) do
  if redis.call('EXISTS', key('lease', username)) == 0 then stop_if_idle(username, arg(1)) end
end
return due
