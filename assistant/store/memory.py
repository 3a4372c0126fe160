"""MemoryStore: the store of a single process (no REDIS_URL), in plain dicts.

It keeps the same rules as the Redis store (leases, fenced writes, cleanup due times) so that the
service runs one code path; here this process is the whole cluster and always holds every lease.
"""

import hashlib
import secrets
import time
from collections import Counter, defaultdict, deque
from dataclasses import replace

from .base import (
    SESSION_LIMIT_MESSAGE,
    SessionLimitError,
    SessionRecord,
    Store,
    StreamLimitError,
    StreamState,
    per_ip_limit_message,
    wall_limit_message,
)
from .memorybudget import MemorySignBudget
from .memoryinsights import MemoryInsights


def token_digest(token):
    """Tokens are looked up by their SHA-256 digest, so no comparison runs on the secret itself."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_session(ip, kind, now):
    return SessionRecord(
        id="s_" + secrets.token_hex(8),
        token=secrets.token_urlsafe(32),
        ip=ip,
        created_at=now,
        last_activity=now,
        kind=kind,
    )


class MemoryStore(MemoryInsights, MemorySignBudget, Store):
    def __init__(self, instance, name, recent_events):
        self.instance = instance
        self.name = name
        self._recent_events = recent_events
        self._sessions = {}
        self._by_token = {}
        self._sids = defaultdict(set)  # session id -> its sockets
        self._clients = 0  # sockets in all: totals() must not walk every session
        self._per_ip = Counter()
        self._cleanups = {}  # session id -> due time
        self._watchers = defaultdict(set)  # creator -> session ids (watching it, or with it on their wall)
        self._walls = defaultdict(set)  # creator -> ids of the sessions with it on their wall
        self._stop_due = {}  # creator nobody watches -> when its runner stops
        self._states = {}  # creator -> StreamState (every followed creator)
        self._logs = {}  # creator -> deque of events
        self._series = {}  # creator -> {t: point} (memoryinsights.py)
        self._cards = {}  # creator -> {user id: viewer card}
        self._owned = set()  # creators whose runner runs (here: in this process)
        self._init_sign_budget()
        self._rules_versions = {}  # username -> the version of its action rules
        self._featured = {}  # username -> (its featured line, when the store forgets it)

    # -- this process -----------------------------------------------------------------------------

    def ping(self):
        return None

    def heartbeat(self, runners):
        return False

    def process_loads(self):
        return {self.instance: len(self._owned)}

    def reap_dead_processes(self, cleanup_due):
        return []

    def retire(self, cleanup_due):
        self._owned.clear()
        for session_id, sids in self._sids.items():
            if sids:
                sids.clear()
                self._cleanups[session_id] = cleanup_due
        self._clients = 0

    # -- sessions ---------------------------------------------------------------------------------

    def create_session(self, ip, kind, max_sessions, max_per_ip):
        if len(self._sessions) >= max_sessions:
            raise SessionLimitError(SESSION_LIMIT_MESSAGE)
        if self._per_ip[ip] >= max_per_ip:
            raise SessionLimitError(per_ip_limit_message(max_per_ip))
        record = new_session(ip, kind, time.time())
        self._sessions[record.id] = record
        self._by_token[token_digest(record.token)] = record.id
        self._per_ip[ip] += 1
        return replace(record)

    def find_session(self, token):
        if not isinstance(token, str) or not token:
            return None
        session_id = self._by_token.get(token_digest(token))
        return self.get_session(session_id) if session_id else None

    def get_session(self, session_id):
        record = self._sessions.get(session_id)
        return replace(record, clients=len(self._sids[session_id])) if record else None

    def get_sessions(self, session_ids):
        records = (self.get_session(session_id) for session_id in session_ids)
        return {record.id: record for record in records if record}

    def all_sessions(self):
        return list(self.get_sessions(list(self._sessions)).values())

    def attach_client(self, session_id, sid):
        if session_id not in self._sessions:
            return None
        self._cleanups.pop(session_id, None)
        sids = self._sids[session_id]
        self._clients += sid not in sids
        sids.add(sid)
        self.touch(session_id)
        return self.get_session(session_id)

    def detach_client(self, session_id, sid, cleanup_due):
        if session_id not in self._sessions:
            return None
        sids = self._sids[session_id]
        self._clients -= sid in sids
        sids.discard(sid)
        if not sids:
            self._cleanups[session_id] = cleanup_due
        self.touch(session_id)
        return self.get_session(session_id)

    def touch(self, session_id):
        record = self._sessions.get(session_id)
        if record:
            record.last_activity = time.time()

    def take_due_cleanups(self, now):
        due = [session_id for session_id, when in self._cleanups.items() if when <= now]
        for session_id in due:
            del self._cleanups[session_id]
        return due

    def remove_session(self, session_id, now):
        record = self._sessions.get(session_id)
        if record is None or self._sids[session_id]:
            return None
        removed = replace(record)
        self._leave(record, now)
        self._leave_wall(record, now)
        del self._sessions[session_id]
        del self._by_token[token_digest(record.token)]
        self._sids.pop(session_id, None)
        self._cleanups.pop(session_id, None)
        self._per_ip[record.ip] -= 1
        if not self._per_ip[record.ip]:
            del self._per_ip[record.ip]
        return removed

    def totals(self):
        return len(self._sessions), self._clients

    # -- who watches what -------------------------------------------------------------------------

    def set_watching(self, session_id, username, max_streams, stop_due):
        record = self._sessions.get(session_id)
        if record is None:
            return None
        if username and username not in self._states and len(self._states) >= max_streams:
            raise StreamLimitError(f"This server follows {max_streams} creators already")
        self._leave(record, stop_due)
        record.username = username
        if username:
            self._follow(session_id, username)
        return self.get_session(session_id)

    def set_wall(self, session_id, usernames, max_streams, stop_due):
        record = self._sessions.get(session_id)
        if record is None:
            return None
        new = sum(1 for username in usernames if username not in self._states)
        if new and len(self._states) + new > max_streams:
            raise StreamLimitError(wall_limit_message(max_streams, new))
        self._leave_wall(record, stop_due)
        record.wall = tuple(usernames)
        for username in usernames:
            self._walls[username].add(session_id)
            self._follow(session_id, username)
        return self.get_session(session_id)

    def summary_watched(self, username):
        return bool(self._walls.get(username))

    def _follow(self, session_id, username):
        self._watchers[username].add(session_id)
        self._stop_due.pop(username, None)
        self._states.setdefault(username, StreamState(username))
        self._logs.setdefault(username, deque(maxlen=self._recent_events))

    def _leave(self, record, stop_due):
        """The session stops watching its creator; unwatched, the creator's runner is due at `stop_due`."""
        username = record.username
        if not username:
            return
        record.username = None
        if record.id not in self._walls.get(username, ()):
            self._unwatch(record.id, username, stop_due)

    def _leave_wall(self, record, stop_due):
        """The session's wall is emptied; the creators it leaves unwatched are due to stop at `stop_due`."""
        for username in record.wall:
            walls = self._walls[username]
            walls.discard(record.id)
            if not walls:
                del self._walls[username]
            if username != record.username:
                self._unwatch(record.id, username, stop_due)
        record.wall = ()

    def _unwatch(self, session_id, username, stop_due):
        watchers = self._watchers[username]
        watchers.discard(session_id)
        if not watchers:
            del self._watchers[username]
            self._stop_due[username] = stop_due

    def watcher_ids(self, username):
        return list(self._watchers.get(username, ()))

    # -- streams ----------------------------------------------------------------------------------

    def stream(self, username):
        state = self._states.get(username)
        if state is None:
            return None
        return replace(
            state,
            owner=self.name if username in self._owned else None,
            watchers=len(self._watchers.get(username, ())),
        )

    def streams(self):
        return [self.stream(username) for username in self._states]

    def unowned_streams(self):
        return [username for username in self._watchers if username not in self._owned]

    def claim_stream(self, username):
        if username in self._owned or not self._watchers.get(username):
            return None
        self._owned.add(username)
        return self.stream(username)

    def renew_stream(self, username, fields):
        if username not in self._states:
            return False
        self._owned.add(username)
        self._update(username, fields)
        return True

    def publish(self, username, events, fields, points=()):
        if username not in self._owned:
            return False
        self._logs[username].extend(events)
        self._update(username, fields)
        self._save_points(username, points)
        return True

    def _update(self, username, fields):
        state = self._states[username]
        for name, value in fields.items():
            setattr(state, name, value)

    def stop_if_idle(self, username, now):
        if self._watchers.get(username) or self._stop_due.get(username, now) > now:
            return False
        self._owned.discard(username)
        self._stop_due.pop(username, None)
        self._states.pop(username, None)
        self._logs.pop(username, None)
        self._series.pop(username, None)
        self._cards.pop(username, None)
        return True

    def drop_lease(self, username):
        self._owned.discard(username)

    def events_since(self, username, seq):
        state = self._states.get(username)
        if state is None or seq >= state.seq:
            return []
        log = self._logs[username]
        if not log or log[0]["seq"] > seq + 1:
            return None
        return [event for event in log if event["seq"] > seq]

    def snapshot(self, username):
        state = self._states.get(username)
        if state is None:
            return {"username": username, "seq": 0, "metrics": {}, "recent": [], "leaderboards": None, "series": []}
        return {"username": username, "seq": state.seq, "metrics": dict(state.metrics),
                "recent": list(self._logs[username]), "leaderboards": state.leaderboards,
                "series": self.series(username)}

    # -- the featured chat line -------------------------------------------------------------------

    def set_featured(self, username, featured, keep_seconds):
        now = time.time()
        for name in [name for name, (_, until) in self._featured.items() if until <= now]:
            del self._featured[name]  # those kept past their time: nothing grows with every creator ever featured
        self._featured[username] = (dict(featured), now + keep_seconds)

    def featured(self, username):
        featured, until = self._featured.get(username, (None, 0.0))
        return dict(featured) if featured is not None and until > time.time() else None

    def clear_featured(self, username):
        had = self.featured(username) is not None
        self._featured.pop(username, None)
        return had

    # -- the actions' rules -----------------------------------------------------------------------

    def rules_version(self, username):
        return self._rules_versions.get(username, 0)

    def bump_rules_version(self, username):
        self._rules_versions[username] = self._rules_versions.get(username, 0) + 1
