"""WallWatch: sessions that follow many creators at a summary level (`watchMany`, `unwatchMany`; docs/protocol.md,
"watchMany"; docs/wall.md).

A session's wall is a list of creators kept in the store (SessionRecord.wall), beside the one creator it may
watch. The session is one of each creator's watchers, so each has one runner cluster-wide (the same claim,
lease, sign budget queue and grace as `watch`), and its sockets join each creator's summary room
(`summary:<username>`, streams/summary.py), never its stream room: they get `summary` events, at most one a
second per creator, and no chat. A socket joining a creator's summary room gets its summary at once, read from
the store. The sockets of a session follow its wall on every process: at a resume (`enter`), and within about a
second when another process changed it (`reconcile`, from the maintenance loop).
"""

import logging
import time

from .answers import ServiceError, answering_outages
from .store import StreamLimitError
from .streams.summary import stored_summary, summary_room
from .usernames import UsernameError, parse_username

log = logging.getLogger(__name__)


def _answer_creator(summary):
    """What a `watchMany` ack says of one creator: its username and status (and its place while queued)."""
    creator = {"username": summary["username"], "status": summary["status"]}
    if "queue" in summary:
        creator["queue"] = summary["queue"]
    return creator


class WallWatch:
    """The walls of `service`'s sessions (a LiveService: its store, sockets, rooms and runners); `max_creators`:
    WALL_MAX_CREATORS; `max_streams` (MAX_STREAMS) and `grace` (CLEANUP_GRACE_SECONDS): as for a `watch`."""

    def __init__(self, service, max_creators, max_streams, grace):
        self._service = service
        self._store = service.store
        self._max_creators = max_creators
        self._max_streams = max_streams
        self._grace = grace
        self._joined = {}  # sid -> the creators whose summary room it joined

    # -- the requests ---------------------------------------------------------------------------

    def watch_many(self, sid, payload):
        """`watchMany {usernames}`: the session's wall becomes these creators (in this order)."""
        session_id = self._service.session_of(sid)
        if not isinstance(payload, dict) or not isinstance(payload.get("usernames"), list):
            raise ServiceError("bad_request", "watchMany takes {usernames: [string, ...]}")
        usernames = self._parse(payload["usernames"])
        self._service.watch_limit.count(session_id)
        return self._set_wall(session_id, usernames)

    def unwatch_many(self, sid, payload):
        """`unwatchMany {usernames?}`: these creators leave the session's wall; without `usernames`, all do."""
        session_id = self._service.session_of(sid)
        if payload is not None and not isinstance(payload, dict):
            raise ServiceError("bad_request", "unwatchMany takes {} or {usernames: [string, ...]}")
        leaving = (payload or {}).get("usernames")
        if leaving is not None and not isinstance(leaving, list):
            raise ServiceError("bad_request", "unwatchMany takes {} or {usernames: [string, ...]}")
        with answering_outages():
            wall = self._service.record_of(session_id).wall
        if leaving is None:
            return self._set_wall(session_id, [])
        gone = set(self._parse(leaving))
        return self._set_wall(session_id, [username for username in wall if username not in gone])

    def _parse(self, names):
        if len(names) > self._max_creators:
            raise ServiceError("too_many_creators", f"A wall shows at most {self._max_creators} creators "
                              f"(WALL_MAX_CREATORS); {len(names)} were sent", limit=self._max_creators)
        usernames = []
        for index, name in enumerate(names):
            try:
                username = parse_username(name)
            except UsernameError as ex:
                raise ServiceError("invalid_username", f"Creator {index + 1}: {ex.message}", reason=ex.reason,
                                  index=index) from ex
            if username not in usernames:
                usernames.append(username)
        return usernames

    def _set_wall(self, session_id, usernames):
        with answering_outages():
            record = self._service.record_of(session_id)
            if tuple(usernames) != record.wall:
                try:
                    record = self._store.set_wall(session_id, usernames, self._max_streams,
                                                  stop_due=time.time() + self._grace)
                except StreamLimitError as ex:
                    raise ServiceError("too_many_streams", str(ex)) from ex
                if record is None:
                    raise ServiceError("session_expired", "This session is gone; reconnecting")
                log.info("Session %s shows %d creators on its wall", session_id, len(record.wall))
                self._service.streams.claim(time.time())  # here at once, those this process is the one to run
            else:
                self._store.touch(session_id)
            for username in record.wall:  # a wall showing an ended (or failed) creator tries it again
                self._service.streams.restart_if_finished(username)
            summaries = {}
            for sid in self._service.sockets.of_session(session_id):
                self.follow(sid, record.wall, summaries)
            creators = [_answer_creator(summaries.get(username) or stored_summary(self._store, username))
                        for username in record.wall]
        return {"ok": True, "creators": creators}

    # -- this process's sockets -------------------------------------------------------------------

    def follow(self, sid, wall, summaries=None):
        """Move one socket to the summary rooms of `wall`: it leaves the others, and joins each new one, then gets
        its summary (read after the join: a summary sent meanwhile is not newer than it). `summaries`: those read
        already (username -> summary), filled in as they are read."""
        summaries = {} if summaries is None else summaries
        joined = self._joined.setdefault(sid, set())
        rooms = self._service.rooms
        for username in joined - set(wall):
            rooms.leave(sid, summary_room(username))
            joined.discard(username)
        for username in wall:
            if username in joined:
                continue
            rooms.enter(sid, summary_room(username))
            joined.add(username)
            if username not in summaries:
                summaries[username] = stored_summary(self._store, username)
            self._service.rooms.emit("summary", summaries[username], sid)
        if not joined:
            self._joined.pop(sid, None)

    def reconcile(self, sid, wall):
        """The maintenance's once-a-second look: a socket whose session's wall changed elsewhere follows it."""
        if self._joined.get(sid, set()) != set(wall):
            self.follow(sid, wall)

    def forget(self, sid):
        """A socket went away (Socket.IO leaves its rooms itself)."""
        self._joined.pop(sid, None)
