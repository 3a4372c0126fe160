"""Rooms: this process's sockets in the Socket.IO rooms of the contract, and the catch-up that comes before a
socket joins a creator's room (docs/architecture.md, "An event's path"; docs/protocol.md, "Catch-up").

The rooms: `stream:<username>`, a creator's watchers on every process (its runner's emits reach them through
the message queue, on whichever process it runs); `session:<id>`, the sockets of one session (`session`
carries the resume token); `everyone:<instance>`, this process's sockets (`stats`); `summary:<username>`, the
walls showing a creator (wallwatch.py).
"""

from .featuring import featured_payload
from .insights.series import BUCKET_SECONDS
from .metrics import full_metrics

NAMESPACE = "/"
EMPTY_LEADERBOARDS = {"gifters": [], "chatters": [], "likers": []}


def stream_room(username):
    """The cluster-wide room of a creator: the owner's emits reach its watchers on every process."""
    return f"stream:{username}"


def _session_room(session_id):
    return f"session:{session_id}"


def _leaderboards(username, stored):
    return {"username": username, **(stored or EMPTY_LEADERBOARDS)}


class Rooms:
    """Emits to sockets and rooms, and moves this process's sockets (`sockets`, a LocalSockets) between the
    creators' rooms, reading what they are sent from `store`."""

    def __init__(self, socketio, store, sockets):
        self._socketio = socketio
        self._store = store
        self._sockets = sockets
        self._everyone = f"everyone:{store.instance}"

    def emit(self, event, payload, to):
        """`to`: a socket id or a room."""
        self._socketio.emit(event, payload, to=to, namespace=NAMESPACE)

    def tell_session(self, session_id, event, payload):
        """To the sockets of one session, on every process."""
        self.emit(event, payload, _session_room(session_id))

    def tell_everyone(self, event, payload):
        """To every socket of this process."""
        self.emit(event, payload, self._everyone)

    def enter_session(self, sid, session_id):
        """A socket of the session: it gets the session's events, and this process's."""
        self.enter(sid, _session_room(session_id))
        self.enter(sid, self._everyone)

    def drop(self, sid):
        """Disconnect one of this process's sockets (its tab reconnects into a new session)."""
        self._socketio.server.disconnect(sid, namespace=NAMESPACE)

    def follow(self, sid, username, last_seq=None):
        """Move one socket to `username`'s room (None: to no room), brought up to date on the way: the events
        after `last_seq`, or a snapshot."""
        current = self._sockets.room_of(sid)
        if current is not None:
            self._socketio.server.leave_room(sid, stream_room(current), namespace=NAMESPACE)
            self._sockets.set_room(sid, None)
        if username is not None:
            self.catch_up(sid, username, last_seq)

    def catch_up(self, sid, username, last_seq):
        """Bring one socket up to date with a creator's stream, then let it join the creator's room.

        With `last_seq`, send the events it missed (or a snapshot when they are no longer kept);
        without, a snapshot. Reads and emits may yield, so loop until nothing new arrived, join the room,
        and read once more: an event published between the last read and the join (by the owner, on any
        process) is sent then. Nothing is lost; an event may come twice, with its `seq` (clients drop
        what they have). Last comes the creator's featured chat line (featuring.py), the one state of the room
        that is neither an event nor in a snapshot.
        """
        self._sockets.set_catching_up(sid, True)  # the reconcile leaves it alone meanwhile (maintenance.py)
        try:
            self._bring_up_to_date(sid, username, last_seq)
        finally:
            self._sockets.set_catching_up(sid, False)

    def _bring_up_to_date(self, sid, username, last_seq):
        if last_seq is None:
            last_seq = self.send_snapshot(username, sid)
        else:  # the boards and the series are not events: a socket back from a gap gets them whole
            self._send_insights(sid, username)
        joined = False
        while True:
            missed = self._store.events_since(username, last_seq)
            if missed is None:
                last_seq = self.send_snapshot(username, sid)
                continue
            if missed:
                self.emit("live", {"username": username, "events": missed}, sid)
                last_seq = missed[-1]["seq"]
                continue
            if joined:
                self._send_featured(sid, username)
                return
            self.enter(sid, stream_room(username))
            self._sockets.set_room(sid, username, last_seq)
            joined = True

    def send_snapshot(self, username, to=None):
        """The creator's snapshot to `to` (a socket; None: the creator's room); its `seq`."""
        snapshot = self._store.snapshot(username)
        snapshot["metrics"] = full_metrics(snapshot["metrics"])
        snapshot["leaderboards"] = _leaderboards(username, snapshot["leaderboards"])
        snapshot["series"] = {"username": username, "bucketSeconds": BUCKET_SECONDS, "points": snapshot["series"]}
        self.emit("snapshot", snapshot, stream_room(username) if to is None else to)
        return snapshot["seq"]

    def _send_insights(self, sid, username):
        """The creator's totals, boards and series, which are not events a socket could catch up on."""
        state = self._store.stream(username)
        if state is not None:
            self.emit("metrics", {"username": username, "metrics": full_metrics(state.metrics)}, sid)
        self.emit("leaderboards", _leaderboards(username, state and state.leaderboards), sid)
        self.emit("series", {"username": username, "points": self._store.series(username)}, sid)

    def _send_featured(self, sid, username):
        """The creator's featured chat line now (or none): what a socket in the room would have been told."""
        self.emit("featured", featured_payload(username, self._store.featured(username)), sid)

    def enter(self, sid, room):
        self._socketio.server.enter_room(sid, room, namespace=NAMESPACE)

    def leave(self, sid, room):
        self._socketio.server.leave_room(sid, room, namespace=NAMESPACE)
