"""This process's side of the sessions: its own sockets, and the `watch` rate limit.

Sessions themselves live in the store (any process resumes any session by its token); a process
knows only which of its sockets belongs to which session, and which creator's room each has joined.
"""

import time
from collections import defaultdict, deque
from datetime import UTC, datetime

from .answers import ServiceError


def iso_utc(epoch_seconds):
    moment = datetime.fromtimestamp(epoch_seconds, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class LocalSockets:
    """Which session each of this process's sockets belongs to, and which creator's room it is in (with the
    `seq` it had been sent up to when it joined)."""

    def __init__(self):
        self._session_of = {}
        self._by_session = defaultdict(set)
        self._room_of = {}  # sid -> the creator whose room it joined
        self._joined_at = {}  # sid -> the seq it had when it joined that room
        self._catching_up = set()  # sids being brought up to date before they join a room (rooms.catch_up)

    def __len__(self):
        return len(self._session_of)

    def add(self, sid, session_id):
        self._session_of[sid] = session_id
        self._by_session[session_id].add(sid)

    def remove(self, sid):
        """Forget a socket; returns its session id, or None for a socket never added."""
        session_id = self._session_of.pop(sid, None)
        self._room_of.pop(sid, None)
        self._joined_at.pop(sid, None)
        self._catching_up.discard(sid)
        if session_id is not None:
            sids = self._by_session[session_id]
            sids.discard(sid)
            if not sids:
                del self._by_session[session_id]
        return session_id

    def session_of(self, sid):
        return self._session_of.get(sid)

    def of_session(self, session_id):
        return list(self._by_session.get(session_id, ()))

    def session_ids(self):
        return list(self._by_session)

    def room_of(self, sid):
        return self._room_of.get(sid)

    def joined_at(self, sid):
        """The seq the socket had been sent up to when it joined its room (0 when in none)."""
        return self._joined_at.get(sid, 0)

    def catching_up(self, sid):
        """Whether the socket is being brought up to date: it is in no room yet, and on its way to one."""
        return sid in self._catching_up

    def set_catching_up(self, sid, catching_up):
        if catching_up:
            self._catching_up.add(sid)
        else:
            self._catching_up.discard(sid)

    def set_room(self, sid, username, seq=0):
        if username is None:
            self._room_of.pop(sid, None)
            self._joined_at.pop(sid, None)
        elif sid in self._session_of:  # not one that went away while it was being caught up
            self._room_of[sid] = username
            self._joined_at[sid] = seq


class WatchRateLimit:
    """At most `per_minute` calls per session in any minute (counted per process): `watch` (and `watchMany`), and
    `feature` (featuring.py) with a limiter of its own."""

    def __init__(self, per_minute):
        self._per_minute = per_minute
        self._calls = {}  # session id -> monotonic times of its recent calls

    def allow(self, session_id):
        now = time.monotonic()
        calls = self._calls.setdefault(session_id, deque())
        while calls and now - calls[0] > 60:
            calls.popleft()
        if len(calls) >= self._per_minute:
            return False
        calls.append(now)
        return True

    def count(self, session_id):
        """One more call of the session; the `rate_limited` answer past the limit."""
        if not self.allow(session_id):
            retry_after = self.retry_after(session_id)
            message = f"Too many creator changes; try again in {retry_after} s"
            raise ServiceError("rate_limited", message, retryAfter=retry_after)

    def retry_after(self, session_id):
        calls = self._calls.get(session_id)
        return max(1, int(60 - (time.monotonic() - calls[0])) + 1) if calls else 0

    def forget(self, session_id):
        self._calls.pop(session_id, None)
