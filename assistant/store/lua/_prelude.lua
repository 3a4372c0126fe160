-- The helpers every script of RedisStore starts with (redis.py joins this prelude to each one), and the
-- header arguments they all take: prefix, instance, name, lease ms, TTL ms; a script's own ones follow.
local P, ME, NAME, LEASE_MS, TTL_MS = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local H = 5  -- header arguments; a script's own ones follow
local function arg(i) return ARGV[H + i] end
local function key(...) return P .. ':' .. table.concat({...}, ':') end

-- sessions --------------------------------------------------------------------------------------

local function record(id)
  -- what the caller decodes into a SessionRecord: {hash, number of sockets}; false: no such session
  local fields = redis.call('HGETALL', key('session', id))
  if #fields == 0 then return false end
  return {fields, redis.call('HLEN', key('session', id, 'clients'))}
end

local function touch(id, now)
  if redis.call('EXISTS', key('session', id)) == 0 then return false end
  redis.call('HSET', key('session', id), 'last_activity', now)
  return true
end

local function unwatch(id, username, stop_due)
  -- the session is no longer among the creator's watchers; a creator left unwatched is due to stop at `stop_due`
  redis.call('SREM', key('watchers', username), id)
  if redis.call('SCARD', key('watchers', username)) == 0 then
    redis.call('ZADD', key('stopdue'), stop_due, username)
  end
end

local function leave(id, stop_due)
  -- the session stops watching its creator (still a watcher of it while the creator is on its wall)
  local username = redis.call('HGET', key('session', id), 'username')
  if not username then return end
  redis.call('HDEL', key('session', id), 'username')
  if redis.call('SISMEMBER', key('walls', username), id) == 0 then unwatch(id, username, stop_due) end
end

local function leave_wall(id, stop_due)
  -- the session's wall is emptied (`wall`: its creators, space-separated); each stays watched by it while it is
  -- the creator the session watches
  local wall = redis.call('HGET', key('session', id), 'wall')
  if not wall then return end
  local watching = redis.call('HGET', key('session', id), 'username')
  for username in string.gmatch(wall, '%S+') do
    redis.call('SREM', key('walls', username), id)
    if username ~= watching then unwatch(id, username, stop_due) end
  end
  redis.call('HDEL', key('session', id), 'wall')
end

-- processes -------------------------------------------------------------------------------------

local function register(runners, ...)
  -- this process is alive for a lease (a heartbeat); `...`: more SET options (NX). Returns 1 when it
  -- was not registered (a first registration, or it was reaped meanwhile), else 0.
  redis.call('SET', key('proc', ME), cjson.encode({name = NAME, runners = runners}), 'PX', LEASE_MS, ...)
  return redis.call('SADD', key('procs'), ME)
end

local function detach_process(instance, cleanup_due)
  -- every socket of `instance` leaves its session; a session left with none gets a cleanup.
  -- Returns the ids of the sessions that lost a socket.
  local sockets, touched, seen = key('proc', instance, 'clients'), {}, {}
  local entries = redis.call('HGETALL', sockets)
  for i = 1, #entries, 2 do
    local sid, id = entries[i], entries[i + 1]
    if redis.call('HDEL', key('session', id, 'clients'), sid) == 1 then
      if redis.call('HLEN', key('session', id, 'clients')) == 0 then
        redis.call('ZADD', key('cleanups'), cleanup_due, id)
      end
      if not seen[id] then
        seen[id] = true
        table.insert(touched, id)
      end
    end
  end
  redis.call('DEL', sockets)
  return touched
end

-- streams ---------------------------------------------------------------------------------------

local STREAM_KEYS = {'state', 'log', 'series', 'viewers'}  -- what a creator's stream keeps, expires and forgets

local function keep(username)
  for _, part in ipairs(STREAM_KEYS) do redis.call('PEXPIRE', key(part, username), TTL_MS) end
end

local function ensure_state(username)
  -- a creator nobody stored yet (or whose state expired) starts from the defaults: seq 0
  redis.call('HSETNX', key('state', username), 'seq', '0')
  keep(username)
end

local function follow(id, username)
  -- the session is one of the creator's watchers: the creator is followed, its stop (if due) is off
  redis.call('SADD', key('watchers', username), id)
  redis.call('ZREM', key('stopdue'), username)
  redis.call('SADD', key('streams'), username)
  ensure_state(username)
end

local function hold(username)
  -- the caller took the lease: its name goes with the state, for /debug
  redis.call('HSET', key('state', username), 'owner', NAME, 'holder', ME)
end

local function write_state(username, first, last)
  -- StreamState fields (name, JSON value) from ARGV[first..last]. `seq` never goes back: a renewal's
  -- fields may have been read before a publish that reached Redis first.
  local state, values = key('state', username), {}
  local stored_seq = tonumber(redis.call('HGET', state, 'seq') or '0')
  for i = first, last, 2 do
    if ARGV[i] ~= 'seq' or tonumber(ARGV[i + 1]) > stored_seq then
      table.insert(values, ARGV[i])
      table.insert(values, ARGV[i + 1])
    end
  end
  if #values > 0 then redis.call('HSET', state, unpack(values)) end
  keep(username)
end

local function release(username)
  if redis.call('GET', key('lease', username)) == ME then redis.call('DEL', key('lease', username)) end
end

local function stop_if_idle(username, now)
  -- nobody watches the creator and its stop is due (or was never set): forget everything of it
  if redis.call('SCARD', key('watchers', username)) > 0 then return 0 end
  local due = redis.call('ZSCORE', key('stopdue'), username)
  if due and tonumber(due) > tonumber(now) then return 0 end
  redis.call('DEL', key('lease', username))
  for _, part in ipairs(STREAM_KEYS) do redis.call('DEL', key(part, username)) end
  redis.call('ZREM', key('stopdue'), username)
  redis.call('SREM', key('streams'), username)
  return 1
end
