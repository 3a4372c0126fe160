"""Maintenance: the periodic work of one process, every half second in a green thread of its own.

Each tick: this process's heartbeat (the store's answer may say it was taken for dead: its sockets are
attached again), the detaches an outage held back, the sockets of dead processes, the cleanups that fell
due (whoever scheduled them), the runners' leases (streams.StreamRegistry.tick); once a second, this
process's sockets against their sessions in the store, and `stats`; about once a minute, the records'
pruning (docs/architecture.md, "Runtime"). A store outage is logged once, when it starts and when it ends.
"""

import logging
import time

import eventlet
import eventlet.event

from .store import StoreUnavailable

log = logging.getLogger(__name__)

TICK_SECONDS = 0.5
PRUNE_INTERVAL_SECONDS = 60
STATS_INTERVAL_SECONDS = 1.0
STOP_WAIT_SECONDS = 5


class Maintenance:
    """The periodic work of `service` (a LiveService): started and stopped by it.

    It reads the service's store, sockets, runners (`streams`) and records, moves and tells sockets through its
    `rooms`, and asks it to `detach_pending` and `remove_session`: what concerns a session.
    """

    def __init__(self, service, cleanup_grace):
        self._service = service
        self._store = service.store
        self._grace = cleanup_grace
        self._prune_due = 0.0
        self._pruner = None  # the green thread of the running prune, if any
        self._stats_sent = None
        self._stats_due = 0.0
        self._store_down = False  # during an outage: logged once
        self._stopping = eventlet.event.Event()  # sent by stop: no tick after the one under way, no sleep
        self._thread = None

    def start(self):
        self._thread = eventlet.spawn(self._run)

    def stop(self):
        """Let the tick under way finish (for STOP_WAIT_SECONDS at most), and run no other."""
        if not self._stopping.ready():
            self._stopping.send(True)
        with eventlet.Timeout(STOP_WAIT_SECONDS, False):
            self._thread.wait()
        self._thread.kill()

    def heartbeat(self):
        """Tell the store this process lives, with its load. Called by the tick and after every claim: each
        answer is acted on here, or a reap said once would be lost."""
        if self._store.heartbeat(len(self._service.streams.runners())):
            self._reattach_sockets()

    def _run(self):
        while True:
            try:
                self._tick()
                if self._store_down:
                    log.info("The store is reachable again")
                    self._store_down = False
            except StoreUnavailable as ex:
                if not self._store_down:
                    log.warning("The store is unreachable: %s", ex)
                    self._store_down = True
            except Exception:
                log.exception("Periodic work failed")
            if self._stopping.wait(TICK_SECONDS):
                return

    def _tick(self):
        now = time.time()
        self.heartbeat()
        self._service.detach_pending()
        for session_id in self._store.reap_dead_processes(now + self._grace):
            log.info("Session %s lost the sockets of a process that died", session_id)
        for session_id in self._store.take_due_cleanups(now):
            self._service.remove_session(session_id, now)
        self._service.streams.tick(now)
        if now >= self._stats_due:  # once a second: what reads every session of this process
            self._stats_due = now + STATS_INTERVAL_SECONDS
            self._reconcile_sockets()
            self._send_stats()
        records = self._service.records
        if records is not None and now >= self._prune_due and (self._pruner is None or self._pruner.dead):
            # A green thread of its own: a long delete, or a database that does not answer, must not hold the
            # tick (its heartbeat keeps this process alive in a cluster).
            self._prune_due = now + PRUNE_INTERVAL_SECONDS
            self._pruner = eventlet.spawn(records.prune, now)

    def _reattach_sockets(self):
        """This process was taken for dead (out of touch with the store for longer than a lease) and its
        sockets detached: attach those still open again. Sessions removed meanwhile: the reconcile
        disconnects their sockets, and the tabs come back in new sessions."""
        log.warning("This process was out of touch with the store and taken for dead; reattaching its sockets")
        sockets = self._service.sockets
        for session_id in sockets.session_ids():
            for sid in sockets.of_session(session_id):
                self._store.attach_client(session_id, sid)

    def _reconcile_sockets(self):
        """Bring this process's sockets in line with their sessions in the store: a session that another
        process switched (a duplicated tab there) moves them to its creator's room; a session the store
        lost (Redis restarted empty) disconnects them, so that the tabs reconnect into new sessions. Their summary rooms
follow their session's wall the same way (wallwatch.py). A socket being
        caught up is in no room yet: it is left to its catch-up (the next reconcile sees where it went)."""
        sockets = self._service.sockets
        session_ids = sockets.session_ids()
        if not session_ids:
            return
        records = self._store.get_sessions(session_ids)
        for session_id in session_ids:
            record = records.get(session_id)
            for sid in sockets.of_session(session_id):
                if record is None:
                    log.info("Session %s is gone from the store; disconnecting client %s", session_id, sid)
                    self._service.rooms.drop(sid)
                else:
                    if not sockets.catching_up(sid) and sockets.room_of(sid) != record.username:
                        self._service.rooms.follow(sid, record.username)
                    self._service.walls.reconcile(sid, record.wall)

    def _send_stats(self):
        """`stats` to this process's sockets, when the cluster's totals changed."""
        sessions, clients = self._store.totals()
        stats = {"totalSessions": sessions, "totalConnectedClients": clients}
        if stats != self._stats_sent:
            self._stats_sent = stats
            self._service.rooms.tell_everyone("stats", stats)
