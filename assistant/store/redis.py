"""RedisStore: the store shared by every process of a cluster (REDIS_URL), in one Redis.

It behaves like MemoryStore (memory.py) for its callers; here many processes share it, each with its
own `instance`. Every key starts with `<REDIS_CHANNEL>:` (`p` below: one deployment per prefix):

    p:sessions                  set     ids of every session
    p:session:<id>              hash    token, digest (its SHA-256: Lua has none), ip, kind, created_at,
                                        last_activity, username (absent: watches nothing)
    p:session:<id>:clients      hash    socket id -> instance of the process holding that socket
    p:token:<sha256(token)>     string  session id
    p:ips                       hash    ip -> number of its sessions
    p:cleanups                  zset    session id -> when its cleanup is due
    p:procs                     set     instances registered and not reaped (nor retired) yet
    p:proc:<instance>           string  {"name", "runners"} (JSON), expires after the lease: the heartbeat
    p:proc:<instance>:clients   hash    socket id -> session id, to detach them when the process is gone
    p:streams                   set     followed creators (watched, or waiting to stop)
    p:watchers:<username>       set     ids of the sessions watching the creator
    p:stopdue                   zset    unwatched creator -> when its runner is due to stop
    p:lease:<username>          string  instance running the creator's runner (SET NX PX, the lease)
    p:state:<username>          hash    StreamState fields, each a JSON value (absent: the default), plus
                                        owner (name) and holder (instance) of the process that took the
                                        lease last: `owner` is shown while that instance still holds it
    p:log:<username>            stream  the last RECENT_EVENTS events, entry id `<seq>-0`, field `e`: JSON
    p:sign:starts               zset    connection starts within the sign budget's longest window:
                                        `<username>@<time>` -> time; expires a longest window after the last
    p:sign:queue                zset    creators waiting for a start -> priority * 1e13 + arrival (ms): the
                                        queue's order; a creator keeps its first priority and arrival
    p:sign:asked                zset    the same creators -> when their runner asked last (stale ones are
                                        dropped); both expire STALE_SECONDS after the last ask
    p:sign:blocked              string  no start before this time (the sign server said so); expires then

A creator nobody watches any more is forgotten once its stop is due: by its runner's `stop_if_idle`,
or by `take_due_cleanups` when no process runs it (its owner died or retired). As a safety net, its
state and log expire STATE_TTL_LEASES leases (MIN_STATE_TTL_SECONDS at least) after their last write
(a claim, renewal, publish or new watcher); a claim starts a creator whose state expired afresh.

Everything that reads and then writes runs as one Lua script, so each change is atomic across the
cluster. The scripts build their keys from the prefix (one Redis, not Redis Cluster); they share the
helpers of `_PRELUDE` and take the same header arguments (prefix, instance, name, lease ms, TTL ms).
"""

import functools
import json
import math
import time

import redis
from redis.backoff import NoBackoff
from redis.exceptions import DataError, OutOfMemoryError, ReadOnlyError, RedisError, ResponseError
from redis.retry import Retry

from . import signbudget
from .base import (
    SESSION_LIMIT_MESSAGE,
    SessionLimitError,
    SessionRecord,
    Store,
    StoreUnavailable,
    StreamLimitError,
    StreamState,
    per_ip_limit_message,
)
from .memory import new_session, token_digest

POOL_CONNECTIONS = 50
POOL_WAIT_SECONDS = 2
STATE_TTL_LEASES = 6  # state and log outlive their last write by this many leases...
MIN_STATE_TTL_SECONDS = 60  # ...and at least this long

_dumps = json.JSONEncoder(separators=(",", ":")).encode  # ASCII: a lone surrogate cannot fail to encode

_PRELUDE = """
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

local function leave(id, stop_due)
  -- the session stops watching its creator; a creator left unwatched is due to stop at `stop_due`
  local username = redis.call('HGET', key('session', id), 'username')
  if not username then return end
  redis.call('HDEL', key('session', id), 'username')
  redis.call('SREM', key('watchers', username), id)
  if redis.call('SCARD', key('watchers', username)) == 0 then
    redis.call('ZADD', key('stopdue'), stop_due, username)
  end
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
"""

_SCRIPTS = {
    # ip, id, digest, max sessions, max per ip, then the record's fields: 'ok', or the limit reached
    "create_session": """
        local ip, id = arg(1), arg(2)
        if redis.call('SCARD', key('sessions')) >= tonumber(arg(4)) then return 'sessions' end
        if tonumber(redis.call('HGET', key('ips'), ip) or '0') >= tonumber(arg(5)) then return 'ip' end
        redis.call('HSET', key('session', id), unpack(ARGV, H + 6))
        redis.call('SET', key('token', arg(3)), id)
        redis.call('SADD', key('sessions'), id)
        redis.call('HINCRBY', key('ips'), ip, 1)
        return 'ok'
    """,
    # session id, sid, now. Registers this process if it has not said it is alive yet, so that its
    # sockets are counted, and detached by a survivor should it die. {record..., 1 when this process
    # was not registered}, or false
    "attach_client": """
        local id, sid = arg(1), arg(2)
        if not touch(id, arg(3)) then return false end
        redis.call('HSET', key('session', id, 'clients'), sid, ME)
        redis.call('HSET', key('proc', ME, 'clients'), sid, id)
        redis.call('ZREM', key('cleanups'), id)
        local registered = register(0, 'NX')
        local result = record(id)
        table.insert(result, registered)
        return result
    """,
    # session id, sid, cleanup due, now
    "detach_client": """
        local id, sid = arg(1), arg(2)
        if not touch(id, arg(4)) then return false end
        redis.call('HDEL', key('session', id, 'clients'), sid)
        redis.call('HDEL', key('proc', ME, 'clients'), sid)
        if redis.call('HLEN', key('session', id, 'clients')) == 0 then
          redis.call('ZADD', key('cleanups'), arg(3), id)
        end
        return record(id)
    """,
    # session id, now
    "touch": "touch(arg(1), arg(2))",
    # now: the session ids due, each taken out (so handed to this caller only); and the unwatched
    # creators due to stop that no process runs are forgotten
    "take_due_cleanups": """
        local due = redis.call('ZRANGEBYSCORE', key('cleanups'), '-inf', arg(1))
        redis.call('ZREMRANGEBYSCORE', key('cleanups'), '-inf', arg(1))
        for _, username in ipairs(redis.call('ZRANGEBYSCORE', key('stopdue'), '-inf', arg(1))) do
          if redis.call('EXISTS', key('lease', username)) == 0 then stop_if_idle(username, arg(1)) end
        end
        return due
    """,
    # session id, now: the removed record, or false (no such session, or a socket is attached)
    "remove_session": """
        local id = arg(1)
        local removed = record(id)
        if not removed or removed[2] > 0 then return false end
        leave(id, arg(2))
        local ip, digest = unpack(redis.call('HMGET', key('session', id), 'ip', 'digest'))
        redis.call('DEL', key('session', id), key('token', digest))
        redis.call('SREM', key('sessions'), id)
        redis.call('ZREM', key('cleanups'), id)
        if redis.call('HINCRBY', key('ips'), ip, -1) <= 0 then redis.call('HDEL', key('ips'), ip) end
        return removed
    """,
    # session id, username ('': none), max streams, stop due: the record, false, or 'limit'
    "set_watching": """
        local id, username = arg(1), arg(2)
        if redis.call('EXISTS', key('session', id)) == 0 then return false end
        if username ~= '' and redis.call('SISMEMBER', key('streams'), username) == 0
            and redis.call('SCARD', key('streams')) >= tonumber(arg(3)) then
          return 'limit'
        end
        leave(id, arg(4))
        if username ~= '' then
          redis.call('HSET', key('session', id), 'username', username)
          redis.call('SADD', key('watchers', username), id)
          redis.call('ZREM', key('stopdue'), username)
          redis.call('SADD', key('streams'), username)
          ensure_state(username)
        end
        return record(id)
    """,
    "unowned_streams": """
        local unowned = {}
        for _, username in ipairs(redis.call('SMEMBERS', key('streams'))) do
          if redis.call('SCARD', key('watchers', username)) > 0
              and redis.call('EXISTS', key('lease', username)) == 0 then
            table.insert(unowned, username)
          end
        end
        return unowned
    """,
    # username: {state hash, watchers}, or false
    "claim_stream": """
        local username = arg(1)
        if redis.call('SCARD', key('watchers', username)) == 0
            or not redis.call('SET', key('lease', username), ME, 'NX', 'PX', LEASE_MS) then
          return false
        end
        ensure_state(username)
        hold(username)
        return {redis.call('HGETALL', key('state', username)), redis.call('SCARD', key('watchers', username))}
    """,
    # username, then state fields: 1, or 0 when another process holds it or the creator is gone (its
    # state expired: the lease goes too, for a claim to start it afresh)
    "renew_stream": """
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
    """,
    # username, recent events kept, the events' seqs (space-separated), the events (JSON, one a line:
    # JSON has no raw newline), the series points' minutes (`t`, space-separated), the points (JSON, one a
    # line), then state fields: 1, or 0 (nothing written) when this process does not hold the lease. Two
    # arguments for the whole batch, not two per event: much less to encode.
    "publish": """
        local username = arg(1)
        if redis.call('GET', key('lease', username)) ~= ME then return 0 end
        if arg(3) ~= '' then
          local log, seqs = key('log', username), string.gmatch(arg(3), '%d+')
          for event in string.gmatch(arg(4), '[^\\n]+') do redis.call('XADD', log, seqs() .. '-0', 'e', event) end
          redis.call('XTRIM', log, 'MAXLEN', arg(2))
        end
        if arg(5) ~= '' then
          local series, minutes = key('series', username), string.gmatch(arg(5), '%d+')
          for point in string.gmatch(arg(6), '[^\\n]+') do redis.call('HSET', series, minutes(), point) end
        end
        write_state(username, H + 7, #ARGV)
        return 1
    """,
    # username, now
    "stop_if_idle": "return stop_if_idle(arg(1), arg(2))",
    # username
    "drop_lease": "release(arg(1))",
    # runners: 1 when this process was not registered, else 0
    "heartbeat": "return register(tonumber(arg(1)))",
    # {instance, runners, ...} of the processes alive
    "process_loads": """
        local loads = {}
        for _, instance in ipairs(redis.call('SMEMBERS', key('procs'))) do
          local value = redis.call('GET', key('proc', instance))
          if value then
            table.insert(loads, instance)
            table.insert(loads, cjson.decode(value).runners)
          end
        end
        return loads
    """,
    # cleanup due: the sessions that lost sockets. The SREM is in the same script as the check, so each
    # dead process is reaped once.
    "reap_dead_processes": """
        local touched = {}
        for _, instance in ipairs(redis.call('SMEMBERS', key('procs'))) do
          if instance ~= ME and redis.call('EXISTS', key('proc', instance)) == 0 then
            redis.call('SREM', key('procs'), instance)
            for _, id in ipairs(detach_process(instance, arg(1))) do table.insert(touched, id) end
          end
        end
        return touched
    """,
    # cleanup due, then the creators this process may hold
    "retire": """
        for i = H + 2, #ARGV do release(ARGV[i]) end
        detach_process(ME, arg(1))
        redis.call('DEL', key('proc', ME))
        redis.call('SREM', key('procs'), ME)
    """,
    # {sessions, sockets of the live processes}
    "totals": """
        local clients = 0
        for _, instance in ipairs(redis.call('SMEMBERS', key('procs'))) do
          if redis.call('EXISTS', key('proc', instance)) == 1 then
            clients = clients + redis.call('HLEN', key('proc', instance, 'clients'))
          end
        end
        return {redis.call('SCARD', key('sessions')), clients}
    """,
    # The sign budget (signbudget.py; MemoryStore.take_sign_start is the reference). Times are passed
    # as Python wrote them and thresholds computed in Python, never in Lua (whose numbers print with 14
    # digits): the comparisons are those of signbudget.allows.
    # username, queue score, now, stale before (exclusive), prune up to (inclusive), starts TTL ms,
    # queue TTL ms, then (count, start after (exclusive)) per window: {1} when granted (the start is
    # counted), else {0, position, starts key's (member, time) pairs, blocked until}
    "take_sign_start": """
        local username, now = arg(1), arg(3)
        local starts, queue, asked = key('sign', 'starts'), key('sign', 'queue'), key('sign', 'asked')
        redis.call('ZREMRANGEBYSCORE', starts, '-inf', arg(5))
        redis.call('ZADD', queue, 'NX', arg(2), username)
        redis.call('ZADD', asked, now, username)
        local stale = redis.call('ZRANGEBYSCORE', asked, '-inf', '(' .. arg(4))
        if #stale > 0 then
          redis.call('ZREM', queue, unpack(stale))
          redis.call('ZREM', asked, unpack(stale))
        end
        redis.call('PEXPIRE', queue, arg(7))
        redis.call('PEXPIRE', asked, arg(7))
        local position = redis.call('ZRANK', queue, username)
        local blocked = redis.call('GET', key('sign', 'blocked')) or '0'
        local granted = position == 0 and tonumber(now) >= tonumber(blocked)
        for i = H + 8, #ARGV, 2 do
          if granted and redis.call('ZCOUNT', starts, '(' .. ARGV[i + 1], '+inf') >= tonumber(ARGV[i]) then
            granted = false
          end
        end
        if not granted then
          return {0, position, redis.call('ZRANGE', starts, 0, -1, 'WITHSCORES'), blocked}
        end
        redis.call('ZREM', queue, username)
        redis.call('ZREM', asked, username)
        local member, n = username .. '@' .. now, 1
        while redis.call('ZSCORE', starts, member) do  -- the same creator granted twice at one instant
          n = n + 1
          member = username .. '@' .. now .. '#' .. n
        end
        redis.call('ZADD', starts, now, member)
        redis.call('PEXPIRE', starts, arg(6))
        return {1}
    """,
    # until, TTL ms: the block only ever grows
    "block_sign_starts": """
        local blocked = key('sign', 'blocked')
        if tonumber(arg(1)) > tonumber(redis.call('GET', blocked) or '0') then
          redis.call('SET', blocked, arg(1), 'PX', arg(2))
        end
    """,
}

# A queued creator's place: priority first, then arrival (ms, exact to a few microseconds until 2286).
_SIGN_PRIORITY_SCORE = 1e13


def _pairs(flat):
    """A Lua HGETALL (a flat list) as a dict."""
    return dict(zip(flat[::2], flat[1::2], strict=True))


def _session(session_id, fields, clients):
    return SessionRecord(
        id=session_id,
        token=fields["token"],
        ip=fields["ip"],
        created_at=float(fields["created_at"]),
        last_activity=float(fields["last_activity"]),
        username=fields.get("username"),
        clients=int(clients),
        kind=fields["kind"],
    )


def _lua_session(session_id, result):
    return _session(session_id, _pairs(result[0]), result[1]) if result else None


def _state(username, fields, lease_holder, watchers):
    """A StreamState from its hash; `owner` only while the process that stored it still holds the lease."""
    if not fields:
        return None
    owner, holder = fields.pop("owner", None), fields.pop("holder", None)
    values = {name: json.loads(value) for name, value in fields.items()}
    return StreamState(username, **values, owner=owner if holder and holder == lease_holder else None,
                       watchers=int(watchers))


def _in_time_order(points):
    return sorted((json.loads(point) for point in points), key=lambda point: point["t"])


def _entry_seq(entry_id):
    return int(entry_id.split("-", 1)[0])


def _events(entries):
    """The events of log entries (decoded in one go: much faster than one json.loads each)."""
    return json.loads("[" + ",".join(fields["e"] for _, fields in entries) + "]")


def _field_args(fields):
    return [item for name, value in fields.items() for item in (name, _dumps(value))]


def _translate_errors(method):
    """Redis unreachable, restarting, read-only or out of memory: StoreUnavailable. Other answers
    (a bad command or script) are bugs, and surface as they are."""

    @functools.wraps(method)
    def call(*args, **kwargs):
        try:
            return method(*args, **kwargs)
        except RedisError as ex:
            if isinstance(ex, (ResponseError, DataError)) and not isinstance(ex, (ReadOnlyError, OutOfMemoryError)):
                raise
            raise StoreUnavailable(str(ex) or type(ex).__name__) from ex

    return call


def _unavailable_on_redis_errors(cls):
    """Every public method of `cls` raises StoreUnavailable, not redis-py's errors: one place for it."""
    for name, member in list(vars(cls).items()):
        if callable(member) and not name.startswith("_"):
            setattr(cls, name, _translate_errors(member))
    return cls


@_unavailable_on_redis_errors
class RedisStore(Store):
    def __init__(self, url, channel, instance, name, recent_events, lease_seconds):
        self.instance = instance
        self.name = name
        self._prefix = channel
        self._recent_events = recent_events
        lease_ms = max(1, int(lease_seconds * 1000))
        ttl_ms = max(STATE_TTL_LEASES * lease_ms, MIN_STATE_TTL_SECONDS * 1000)
        # Fail fast (a down Redis answers within ~2 s), never hang; retry once on a broken connection
        # only, so a pooled connection from before a Redis restart is replaced transparently. Green threads
        # share at most POOL_CONNECTIONS connections and wait (up to POOL_WAIT_SECONDS) for one: redis-py's
        # plain pool refuses past 100 ("Too many connections"), which 900 tabs connecting at once reach.
        pool = redis.BlockingConnectionPool.from_url(
            url,
            max_connections=POOL_CONNECTIONS,
            timeout=POOL_WAIT_SECONDS,
            decode_responses=True,
            socket_connect_timeout=1,
            socket_timeout=2,
            health_check_interval=10,
            retry=Retry(NoBackoff(), 1, supported_errors=(redis.exceptions.ConnectionError,)),
        )
        self._redis = redis.Redis(connection_pool=pool)
        self._header = [channel, instance, name, lease_ms, ttl_ms]
        # redis-py's Script loads itself again on NoScriptError (a restarted Redis)
        self._scripts = {script: self._redis.register_script(_PRELUDE + body) for script, body in _SCRIPTS.items()}
        self._owned = set()  # creators whose lease this process took: `retire` gives them up
        self._registered = False  # this process has registered (heartbeat, or a socket attached) once
        self._reaped = False  # ...and an attach found it unregistered since: the next heartbeat says so

    def _run(self, script, *args):
        return self._scripts[script](args=[*self._header, *args])

    def _key(self, *parts):
        return ":".join((self._prefix, *parts))

    # -- this process -----------------------------------------------------------------------------

    def ping(self):
        self._redis.ping()

    def heartbeat(self, runners):
        unregistered = bool(self._run("heartbeat", runners))
        reaped = self._reaped or (unregistered and self._registered)
        self._registered, self._reaped = True, False
        return reaped

    def process_loads(self):
        loads = _pairs(self._run("process_loads"))
        loads[self.instance] = len(self._owned)  # this one included, heartbeat or not
        return loads

    def reap_dead_processes(self, cleanup_due):
        return self._run("reap_dead_processes", cleanup_due)

    def retire(self, cleanup_due):
        self._run("retire", cleanup_due, *self._owned)
        self._owned.clear()
        self._registered = self._reaped = False

    # -- sessions ---------------------------------------------------------------------------------

    def create_session(self, ip, kind, max_sessions, max_per_ip):
        record = new_session(ip, kind, time.time())
        digest = token_digest(record.token)
        fields = {"token": record.token, "digest": digest, "ip": ip, "kind": kind,
                  "created_at": repr(record.created_at), "last_activity": repr(record.last_activity)}
        outcome = self._run("create_session", ip, record.id, digest, max_sessions, max_per_ip,
                            *(item for pair in fields.items() for item in pair))
        if outcome != "ok":
            message = SESSION_LIMIT_MESSAGE if outcome == "sessions" else per_ip_limit_message(max_per_ip)
            raise SessionLimitError(message)
        return record

    def find_session(self, token):
        if not isinstance(token, str) or not token:
            return None
        session_id = self._redis.get(self._key("token", token_digest(token)))
        return self.get_session(session_id) if session_id else None

    def get_session(self, session_id):
        return self.get_sessions([session_id]).get(session_id)

    def get_sessions(self, session_ids):
        session_ids = list(session_ids)
        with self._redis.pipeline(transaction=False) as pipe:
            for session_id in session_ids:
                pipe.hgetall(self._key("session", session_id))
                pipe.hlen(self._key("session", session_id, "clients"))
            replies = pipe.execute()
        return {session_id: _session(session_id, fields, clients)
                for session_id, fields, clients in zip(session_ids, replies[::2], replies[1::2], strict=True)
                if fields}

    def all_sessions(self):
        return list(self.get_sessions(self._redis.smembers(self._key("sessions"))).values())

    def attach_client(self, session_id, sid):
        result = self._run("attach_client", session_id, sid, time.time())
        if result:
            self._reaped = self._reaped or (bool(result[2]) and self._registered)
            self._registered = True
        return _lua_session(session_id, result)

    def detach_client(self, session_id, sid, cleanup_due):
        return _lua_session(session_id, self._run("detach_client", session_id, sid, cleanup_due, time.time()))

    def touch(self, session_id):
        self._run("touch", session_id, time.time())

    def take_due_cleanups(self, now):
        return self._run("take_due_cleanups", now)

    def remove_session(self, session_id, now):
        return _lua_session(session_id, self._run("remove_session", session_id, now))

    def totals(self):
        sessions, clients = self._run("totals")
        return sessions, clients

    # -- who watches what -------------------------------------------------------------------------

    def set_watching(self, session_id, username, max_streams, stop_due):
        result = self._run("set_watching", session_id, username or "", max_streams, stop_due)
        if result == "limit":
            raise StreamLimitError(f"This server follows {max_streams} creators already")
        return _lua_session(session_id, result)

    def watcher_ids(self, username):
        return list(self._redis.smembers(self._key("watchers", username)))

    # -- streams ----------------------------------------------------------------------------------

    def stream(self, username):
        return self._states([username])[0] if username else None

    def streams(self):
        return [state for state in self._states(self._redis.smembers(self._key("streams"))) if state]

    def _states(self, usernames):
        """The StreamState (None: not followed) of each creator, in one round trip."""
        usernames = list(usernames)
        with self._redis.pipeline(transaction=False) as pipe:
            for username in usernames:
                pipe.hgetall(self._key("state", username))
                pipe.get(self._key("lease", username))
                pipe.scard(self._key("watchers", username))
            replies = pipe.execute()
        return [_state(username, *replies[3 * i:3 * i + 3]) for i, username in enumerate(usernames)]

    def unowned_streams(self):
        return self._run("unowned_streams")

    def claim_stream(self, username):
        result = self._run("claim_stream", username)
        if not result:
            return None
        self._owned.add(username)
        return _state(username, _pairs(result[0]), self.instance, result[1])

    def renew_stream(self, username, fields):
        renewed = bool(self._run("renew_stream", username, *_field_args(fields)))
        if renewed:
            self._owned.add(username)
        else:
            self._owned.discard(username)
        return renewed

    def publish(self, username, events, fields, points=()):
        seqs = " ".join([str(event["seq"]) for event in events])
        lines = "\n".join(map(_dumps, events))
        minutes = " ".join([str(point["t"]) for point in points])
        return bool(self._run("publish", username, self._recent_events, seqs, lines, minutes,
                              "\n".join(map(_dumps, points)), *_field_args(fields)))

    def stop_if_idle(self, username, now):
        stopped = bool(self._run("stop_if_idle", username, now))
        if stopped:
            self._owned.discard(username)
        return stopped

    def drop_lease(self, username):
        self._run("drop_lease", username)
        self._owned.discard(username)

    def events_since(self, username, seq):
        log = self._key("log", username)
        with self._redis.pipeline() as pipe:  # MULTI: the state and the log at one instant
            pipe.hget(self._key("state", username), "seq")
            pipe.xrange(log, count=1)
            pipe.xrange(log, min=f"{seq + 1}-0")
            stored_seq, first, entries = pipe.execute()
        if stored_seq is None or seq >= json.loads(stored_seq):
            return []
        if not first or _entry_seq(first[0][0]) > seq + 1:
            return None
        return _events(entries)

    def snapshot(self, username):
        with self._redis.pipeline() as pipe:  # MULTI: the state, the log and the series at one instant
            pipe.hmget(self._key("state", username), "seq", "metrics", "leaderboards")
            pipe.xrange(self._key("log", username))
            pipe.hvals(self._key("series", username))
            (stored_seq, metrics, leaderboards), entries, points = pipe.execute()
        if stored_seq is None:
            return {"username": username, "seq": 0, "metrics": {}, "recent": [], "leaderboards": None, "series": []}
        return {"username": username, "seq": json.loads(stored_seq), "metrics": json.loads(metrics or "{}"),
                "recent": _events(entries), "leaderboards": json.loads(leaderboards or "null"),
                "series": _in_time_order(points)}

    def save_insights(self, username, points, cards, forgotten, replace=False):
        series, viewers = self._key("series", username), self._key("viewers", username)
        with self._redis.pipeline(transaction=replace) as pipe:
            if replace:
                pipe.delete(series, viewers)
            if points:
                pipe.hset(series, mapping={point["t"]: _dumps(point) for point in points})
            if cards:
                pipe.hset(viewers, mapping={card["user"]["userId"]: _dumps(card) for card in cards})
            if forgotten:
                pipe.hdel(viewers, *forgotten)
            for key in (series, viewers):
                pipe.pexpire(key, self._header[4])
            pipe.execute()

    def series(self, username):
        return _in_time_order(self._redis.hvals(self._key("series", username)))

    def insights(self, username):
        with self._redis.pipeline() as pipe:
            pipe.hvals(self._key("series", username))
            pipe.hvals(self._key("viewers", username))
            points, cards = pipe.execute()
        return _in_time_order(points), [json.loads(card) for card in cards]

    def viewer(self, username, user_id):
        card = self._redis.hget(self._key("viewers", username), user_id)
        return json.loads(card) if card else None

    # -- the sign-server budget -------------------------------------------------------------------

    def take_sign_start(self, username, priority, limits, now):
        windows = [item for count, seconds in limits for item in (count, now - seconds - signbudget.SAFETY_SECONDS)]
        result = self._run(
            "take_sign_start", username, priority * _SIGN_PRIORITY_SCORE + now * 1000, now,
            now - signbudget.STALE_SECONDS, now - signbudget.longest_window(limits),
            math.ceil(signbudget.longest_window(limits) * 1000), math.ceil(signbudget.STALE_SECONDS * 1000), *windows)
        if result[0]:
            return True, 0.0, 0
        _, position, starts, blocked = result
        wait = signbudget.wait_seconds([float(at) for at in starts[1::2]], limits, position, now, float(blocked))
        return False, wait, position

    def leave_sign_queue(self, username):
        with self._redis.pipeline() as pipe:
            pipe.zrem(self._key("sign", "queue"), username)
            pipe.zrem(self._key("sign", "asked"), username)
            pipe.execute()

    def block_sign_starts(self, until):
        # kept until `until` by this process's clock (plus a second), whatever Redis's clock says
        ttl_ms = max(0, math.ceil((until - time.time()) * 1000)) + 1000
        self._run("block_sign_starts", until, ttl_ms)

    def sign_budget(self, limits, now):
        starts = self._key("sign", "starts")
        with self._redis.pipeline() as pipe:  # MULTI: one instant
            for _, seconds in limits:
                pipe.zcount(starts, f"({now - seconds - signbudget.SAFETY_SECONDS!r}", "+inf")
            pipe.zrange(self._key("sign", "queue"), 0, -1)
            pipe.get(self._key("sign", "blocked"))
            *used, queued, blocked = pipe.execute()
        blocked = float(blocked) if blocked is not None and float(blocked) > now else None
        return {"used": used, "queued": queued, "blockedUntil": blocked}
