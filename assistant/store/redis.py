"""RedisStore: the store shared by every process of a cluster (REDIS_URL), in one Redis.

It behaves like MemoryStore (memory.py) for its callers; here many processes share it, each with its
own `instance`. Every key starts with `<REDIS_CHANNEL>:` (`p` below: one deployment per prefix):

    p:sessions                  set     ids of every session
    p:session:<id>              hash    token, digest (its SHA-256: Lua has none), ip, kind, created_at,
                                        last_activity, username (absent: watches nothing), wall (the
                                        creators on its wall, space-separated; absent: none)
    p:session:<id>:clients      hash    socket id -> instance of the process holding that socket
    p:token:<sha256(token)>     string  session id
    p:ips                       hash    ip -> number of its sessions
    p:cleanups                  zset    session id -> when its cleanup is due
    p:procs                     set     instances registered and not reaped (nor retired) yet
    p:proc:<instance>           string  {"name", "runners"} (JSON), expires after the lease: the heartbeat
    p:proc:<instance>:clients   hash    socket id -> session id, to detach them when the process is gone
    p:streams                   set     followed creators (watched, or waiting to stop)
    p:watchers:<username>       set     ids of the sessions watching the creator, or with it on their wall
    p:walls:<username>          set     ids of the sessions with the creator on their wall (`watchMany`)
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
    p:rules:<username>          string  the version of the creator's action rules (INCR on each change)
    p:featured:<username>       string  the creator's featured chat line {event, at} (JSON); expires when the
                                        overlays stop showing it (featuring.py)

A creator nobody watches any more is forgotten once its stop is due: by its runner's `stop_if_idle`,
or by `take_due_cleanups` when no process runs it (its owner died or retired). As a safety net, its
state and log expire STATE_TTL_LEASES leases (MIN_STATE_TTL_SECONDS at least) after their last write
(a claim, renewal, publish or new watcher); a claim starts a creator whose state expired afresh.

Everything that reads and then writes runs as one Lua script (lua/<method>.lua, each with its arguments and
answer at its top), so each change is atomic across the cluster. The scripts build their keys from the prefix
(one Redis, not Redis Cluster); they share the helpers of lua/_prelude.lua and take the same header
arguments (prefix, instance, name, lease ms, TTL ms).
"""

import functools
import importlib.resources
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
    Store,
    StoreUnavailable,
    StreamLimitError,
    per_ip_limit_message,
    wall_limit_message,
)
from .memory import new_session, token_digest
from .rediscodec import (
    dumps,
    entry_seq,
    field_args,
    in_time_order,
    log_events,
    lua_session,
    pairs,
    session_record,
    stream_state,
)

POOL_CONNECTIONS = 50
POOL_WAIT_SECONDS = 2
STATE_TTL_LEASES = 6  # state and log outlive their last write by this many leases...
MIN_STATE_TTL_SECONDS = 60  # ...and at least this long

# The Lua scripts, by name: each file of lua/ but the prelude, which every script starts with.
_LUA = importlib.resources.files(__package__) / "lua"
_PRELUDE = (_LUA / "_prelude.lua").read_text(encoding="utf-8")
_SCRIPTS = {entry.name.removesuffix(".lua"): entry.read_text(encoding="utf-8") for entry in _LUA.iterdir()
            if entry.name.endswith(".lua") and entry.name != "_prelude.lua"}

BUCKET_MS = 60_000  # a series point's minute (insights/series.py): the keys of the creator's series hash

# A queued creator's place: priority first, then arrival (ms, exact to a few microseconds until 2286).
_SIGN_PRIORITY_SCORE = 1e13


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
        loads = pairs(self._run("process_loads"))
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
        return {session_id: session_record(session_id, fields, clients)
                for session_id, fields, clients in zip(session_ids, replies[::2], replies[1::2], strict=True)
                if fields}

    def all_sessions(self):
        return list(self.get_sessions(self._redis.smembers(self._key("sessions"))).values())

    def attach_client(self, session_id, sid):
        result = self._run("attach_client", session_id, sid, time.time())
        if result:
            self._reaped = self._reaped or (bool(result[2]) and self._registered)
            self._registered = True
        return lua_session(session_id, result)

    def detach_client(self, session_id, sid, cleanup_due):
        return lua_session(session_id, self._run("detach_client", session_id, sid, cleanup_due, time.time()))

    def touch(self, session_id):
        self._run("touch", session_id, time.time())

    def take_due_cleanups(self, now):
        return self._run("take_due_cleanups", now)

    def remove_session(self, session_id, now):
        return lua_session(session_id, self._run("remove_session", session_id, now))

    def totals(self):
        sessions, clients = self._run("totals")
        return sessions, clients

    # -- who watches what -------------------------------------------------------------------------

    def set_watching(self, session_id, username, max_streams, stop_due):
        result = self._run("set_watching", session_id, username or "", max_streams, stop_due)
        if result == "limit":
            raise StreamLimitError(f"This server follows {max_streams} creators already")
        return lua_session(session_id, result)

    def set_wall(self, session_id, usernames, max_streams, stop_due):
        result = self._run("set_wall", session_id, max_streams, stop_due, *usernames)
        if isinstance(result, str) and result.startswith("limit:"):
            raise StreamLimitError(wall_limit_message(max_streams, int(result.removeprefix("limit:"))))
        return lua_session(session_id, result)

    def summary_watched(self, username):
        return bool(self._redis.exists(self._key("walls", username)))

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
        return [stream_state(username, *replies[3 * i:3 * i + 3]) for i, username in enumerate(usernames)]

    def unowned_streams(self):
        return self._run("unowned_streams")

    def claim_stream(self, username):
        result = self._run("claim_stream", username)
        if not result:
            return None
        self._owned.add(username)
        return stream_state(username, pairs(result[0]), self.instance, result[1])

    def renew_stream(self, username, fields):
        renewed = bool(self._run("renew_stream", username, *field_args(fields)))
        if renewed:
            self._owned.add(username)
        else:
            self._owned.discard(username)
        return renewed

    def publish(self, username, events, fields, points=()):
        seqs = " ".join([str(event["seq"]) for event in events])
        lines = "\n".join(map(dumps, events))
        minutes = " ".join([str(point["t"]) for point in points])
        return bool(self._run("publish", username, self._recent_events, seqs, lines, minutes,
                              "\n".join(map(dumps, points)), *field_args(fields)))

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
        if not first or entry_seq(first[0][0]) > seq + 1:
            return None
        return log_events(entries)

    def snapshot(self, username):
        with self._redis.pipeline() as pipe:  # MULTI: the state, the log and the series at one instant
            pipe.hmget(self._key("state", username), "seq", "metrics", "leaderboards")
            pipe.xrange(self._key("log", username))
            pipe.hvals(self._key("series", username))
            (stored_seq, metrics, leaderboards), entries, points = pipe.execute()
        if stored_seq is None:
            return {"username": username, "seq": 0, "metrics": {}, "recent": [], "leaderboards": None, "series": []}
        return {"username": username, "seq": json.loads(stored_seq), "metrics": json.loads(metrics or "{}"),
                "recent": log_events(entries), "leaderboards": json.loads(leaderboards or "null"),
                "series": in_time_order(points)}

    def save_insights(self, username, points, cards, forgotten, replace=False):
        series, viewers = self._key("series", username), self._key("viewers", username)
        with self._redis.pipeline(transaction=replace) as pipe:
            if replace:
                pipe.delete(series, viewers)
            if points:
                pipe.hset(series, mapping={point["t"]: dumps(point) for point in points})
            if cards:
                pipe.hset(viewers, mapping={card["user"]["userId"]: dumps(card) for card in cards})
            if forgotten:
                pipe.hdel(viewers, *forgotten)
            for key in (series, viewers):
                pipe.pexpire(key, self._header[4])
            pipe.execute()

    def series(self, username):
        return in_time_order(self._redis.hvals(self._key("series", username)))

    def series_since(self, username, since, until):
        minutes = range(since, until + 1, BUCKET_MS)
        points = self._redis.hmget(self._key("series", username), minutes) if minutes else []
        return [json.loads(point) for point in points if point is not None]

    def insights(self, username):
        with self._redis.pipeline() as pipe:
            pipe.hvals(self._key("series", username))
            pipe.hvals(self._key("viewers", username))
            points, cards = pipe.execute()
        return in_time_order(points), [json.loads(card) for card in cards]

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

    def rules_version(self, username):
        return int(self._redis.get(self._key("rules", username)) or 0)

    def bump_rules_version(self, username):
        self._redis.incr(self._key("rules", username))

    def set_featured(self, username, featured, keep_seconds):
        self._redis.set(self._key("featured", username), dumps(featured), px=max(1, math.ceil(keep_seconds * 1000)))

    def featured(self, username):
        featured = self._redis.get(self._key("featured", username))
        return json.loads(featured) if featured else None

    def clear_featured(self, username):
        return bool(self._redis.delete(self._key("featured", username)))

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
