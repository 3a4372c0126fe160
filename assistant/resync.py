"""After an outage of the Socket.IO message queue (cluster mode: messagequeue.py), what the other processes emitted
for this process's sockets meanwhile is lost: LiveService.resubscribed runs `resync_sockets` in a green thread."""

import logging

from .rooms import stream_room
from .store import StoreUnavailable

log = logging.getLogger(__name__)


def resync_sockets(service, delivered):
    """Each socket of this process gets its session's `session` (a status change may be among what was lost),
    then, outside its creator's room, the events after the last one it had (as on a resume with `lastSeq`,
    with the totals, boards and series), and joins the room again."""
    try:
        session_ids = service.sockets.session_ids()
        records = service.store.get_sessions(session_ids) if session_ids else {}
        total = service.store.totals()[0]
        told = 0
        for session_id in session_ids:
            record = records.get(session_id)
            if record is None:
                continue  # gone from the store (Redis restarted empty): the reconcile disconnects its sockets
            payload = service.session_payload(record, total_sessions=total)
            for sid in service.sockets.of_session(session_id):
                service.rooms.emit("session", payload, sid)
                told += 1
                username = service.sockets.room_of(sid)
                if username is None or username != record.username:
                    continue  # in no room, or switched meanwhile: the reconcile moves it
                had = max(service.sockets.joined_at(sid), delivered.get(stream_room(username), 0))
                service.rooms.follow(sid, username, had)
        log.info("Brought %d clients up to date after the message queue's outage", told)
    except StoreUnavailable as ex:
        # Only reads here: Redis is out of reach, so the subscription is lost again, and this runs again once
        # it is back. A socket left out of its room meanwhile is moved back by the reconcile (with a snapshot).
        log.warning("Could not bring the clients up to date after the message queue's outage: %s", ex)
    except Exception:
        log.exception("Bringing the clients up to date after the message queue's outage failed")
