"""A socket being caught up is in no room yet, on its way to one: the once-a-second reconcile must leave it to its
catch-up. It once took such a socket, a tab resuming its session through another process, for one in the wrong
room and sent it a snapshot on top of the events it had missed (tests/test_cluster.py saw it now and then)."""

import time
from types import SimpleNamespace

from assistant.maintenance import Maintenance
from assistant.rooms import Rooms, stream_room
from assistant.sessions import LocalSockets
from assistant.store.memory import MemoryStore


class RecordingSocketIO:
    """What Rooms needs of Flask-SocketIO: emits and room entries, kept for the test to read."""

    def __init__(self):
        self.emits = []
        self.rooms = {}
        self.server = self

    def emit(self, event, payload, to, namespace):
        self.emits.append((event, to))

    def enter_room(self, sid, room, namespace):
        self.rooms[sid] = room


def test_the_reconcile_leaves_a_socket_being_caught_up_to_its_catch_up():
    store = MemoryStore("instance", "test", recent_events=100)
    sockets = LocalSockets()
    socketio = RecordingSocketIO()
    rooms = Rooms(socketio, store, sockets)
    walls = SimpleNamespace(reconcile=lambda sid, wall: None)  # a session without a wall: nothing to follow
    maintenance = Maintenance(SimpleNamespace(store=store, sockets=sockets, rooms=rooms, walls=walls),
                              cleanup_grace=30)
    record = store.create_session("127.0.0.1", "dashboard", max_sessions=10, max_per_ip=10)
    store.attach_client(record.id, "tab")
    store.set_watching(record.id, "alice", max_streams=10, stop_due=time.time() + 30)
    sockets.add("tab", record.id)

    reads = []
    events_since = store.events_since

    def reconcile_during_the_first_read(username, seq):
        if not reads:  # where a read yields to the hub and the tick runs
            maintenance._reconcile_sockets()
        reads.append(seq)
        return events_since(username, seq)

    store.events_since = reconcile_during_the_first_read
    rooms.catch_up("tab", "alice", last_seq=0)

    assert reads, "the catch-up read the events it missed"
    assert ("snapshot", "tab") not in socketio.emits, "a resumed socket gets what it missed, not a snapshot"
    assert socketio.rooms == {"tab": stream_room("alice")} and sockets.room_of("tab") == "alice"
    assert not sockets.catching_up("tab")

    maintenance._reconcile_sockets()  # once in its room, the reconcile has nothing to do for it
    assert ("snapshot", "tab") not in socketio.emits
