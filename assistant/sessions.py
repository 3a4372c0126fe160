"""Session and SessionRegistry: one session per dashboard tab, its sockets, and deferred cleanup.

`sessionId` is public (shown in the header and /debug); `resumeToken` is the secret that lets a tab
reattach (a reload, a network blip). Both come from `secrets`. Tokens are looked up by their SHA-256
digest, so no comparison ever runs on the secret itself.
"""

import hashlib
import logging
import secrets
import time
from collections import Counter, defaultdict, deque
from datetime import UTC, datetime

import eventlet

log = logging.getLogger(__name__)


def _digest(token):
    return hashlib.sha256(token.encode()).hexdigest()


def iso_utc(moment):
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Session:
    def __init__(self, client_ip):
        self.id = "s_" + secrets.token_hex(8)
        self.resume_token = secrets.token_urlsafe(32)
        self.client_ip = client_ip
        self.created_at = self.last_activity = datetime.now(UTC)
        self.clients = set()  # Socket.IO sids attached now
        self.username = None  # the creator watched, if any
        self.room = f"session:{self.id}"
        self.watch_calls = deque()  # monotonic times of recent `watch` calls, for the rate limit
        self.pending_cleanup = None

    def cancel_cleanup(self):
        if self.pending_cleanup is not None:
            self.pending_cleanup.cancel()
            self.pending_cleanup = None

    def touch(self):
        self.last_activity = datetime.now(UTC)

    def allow_watch(self, per_minute):
        """Record a `watch` call; False when the session made `per_minute` already in the last minute."""
        now = time.monotonic()
        while self.watch_calls and now - self.watch_calls[0] > 60:
            self.watch_calls.popleft()
        if len(self.watch_calls) >= per_minute:
            return False
        self.watch_calls.append(now)
        return True

    def seconds_until_watch_allowed(self):
        return max(1, int(60 - (time.monotonic() - self.watch_calls[0])) + 1) if self.watch_calls else 0


class SessionLimitError(Exception):
    """MAX_SESSIONS or MAX_SESSIONS_PER_IP reached."""


class SessionRegistry:
    def __init__(self, grace_seconds, max_sessions, max_sessions_per_ip):
        self._grace = grace_seconds
        self._max_sessions = max_sessions
        self._max_per_ip = max_sessions_per_ip
        # Indexes, so that nothing per connect, watch or status change scans every session.
        self._by_id = {}
        self._by_token_digest = {}
        self._by_sid = {}
        self._per_ip = Counter()
        self._watching = defaultdict(set)  # creator -> sessions watching it

    def __len__(self):
        return len(self._by_id)

    def all(self):
        return list(self._by_id.values())

    def connected_clients(self):
        return len(self._by_sid)

    def create(self, client_ip):
        if len(self._by_id) >= self._max_sessions:
            raise SessionLimitError("The server is at its session limit; try again later")
        if self._per_ip[client_ip] >= self._max_per_ip:
            raise SessionLimitError(f"Too many sessions from your address (limit {self._max_per_ip})")
        session = Session(client_ip)
        self._by_id[session.id] = session
        self._by_token_digest[_digest(session.resume_token)] = session
        self._per_ip[client_ip] += 1
        return session

    def find_by_token(self, token):
        if not isinstance(token, str) or not token:
            return None
        return self._by_token_digest.get(_digest(token))

    def for_sid(self, sid):
        return self._by_sid.get(sid)

    def watching(self, username):
        """The sessions watching `username` now."""
        return list(self._watching.get(username, ()))

    def set_watching(self, session, username):
        """Record that `session` now watches `username` (None: nobody)."""
        if session.username:
            watchers = self._watching[session.username]
            watchers.discard(session)
            if not watchers:
                del self._watching[session.username]
        session.username = username
        if username:
            self._watching[username].add(session)

    def attach(self, session, sid, resumed):
        """Attach a socket to a new (or, `resumed`, an existing) session; one log line says which."""
        session.cancel_cleanup()
        session.clients.add(sid)
        session.touch()
        self._by_sid[sid] = session
        if resumed:
            log.info("Session %s resumed by client %s (%d clients)", session.id, sid, len(session.clients))
        else:
            log.info("Session %s created for client %s (%d active)", session.id, sid, len(self._by_id))

    def detach(self, sid, on_expired):
        """Detach a socket; once a session has none, `on_expired(session)` runs after the grace."""
        session = self._by_sid.pop(sid, None)
        if session is None:
            return None
        session.clients.discard(sid)
        session.touch()
        if session.clients:
            log.info("Client %s detached from session %s (%d clients)", sid, session.id, len(session.clients))
        else:
            log.info("Client %s detached from session %s (no clients left; cleanup in %.0f s)",
                     sid, session.id, self._grace)
            session.pending_cleanup = eventlet.spawn_after(self._grace, self._expire, session, on_expired)
        return session

    def cancel_cleanups(self):
        """Shutdown: no cleanup may fire once the runners are being stopped."""
        for session in self._by_id.values():
            session.cancel_cleanup()

    def _expire(self, session, on_expired):
        session.pending_cleanup = None
        if session.clients or session.id not in self._by_id:
            return
        on_expired(session)
        self.set_watching(session, None)
        del self._by_id[session.id]
        del self._by_token_digest[_digest(session.resume_token)]
        self._per_ip[session.client_ip] -= 1
        if not self._per_ip[session.client_ip]:
            del self._per_ip[session.client_ip]
        log.info("Session %s removed (%d active)", session.id, len(self._by_id))
