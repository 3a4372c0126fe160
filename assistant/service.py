"""LiveService: what the Socket.IO handlers and the HTTP routes call.

It keeps the sessions of this process's sockets (in the store), answers their requests (`watch`, `unwatch`,
`viewer`: viewercards.py) and sends the contract's `session` event; rooms.py moves the sockets between the
creators' rooms with the catch-up (`snapshot`, `live`), maintenance.py does the periodic work (`stats` among
it), resync.py catches the sockets up after an outage of the message queue. The same code serves one process
(MemoryStore) and a cluster (RedisStore): sessions, watchers, stream state and event logs are read from the
store, so a tab may come back through any process, and the runner of a creator runs on whichever process holds
its lease (streams.StreamRegistry; docs/architecture.md, "Sessions and streams"). Everything runs in green
threads; nothing blocks except on socket I/O (the records database is reached through a thread pool: records/).
"""

import logging
import time

import eventlet

from .answers import ServiceError, answering_outages
from .featuring import FeaturedLines
from .maintenance import Maintenance
from .resync import resync_sockets
from .rooms import Rooms, stream_room
from .sessions import LocalSockets, WatchRateLimit
from .store import SessionLimitError, StoreUnavailable, StreamLimitError
from .streams import RunnerSettings, StreamRegistry, StreamRunner
from .usernames import UsernameError, parse_username
from .viewercards import ViewerCards
from .wallwatch import WallWatch

log = logging.getLogger(__name__)


__all__ = ["LiveService", "ServiceError"]


class LiveService:
    """One per process (app.extensions["live_service"]): started with the app, stopped by `shutdown`."""

    def __init__(self, socketio, config, store, records=None, actions=None):
        self._config = config
        self.store = store
        self.records = records  # assistant.records.Records, or None: recording is off
        self.actions = actions  # assistant.actions.Actions, or None: records are off
        self._grace = config["CLEANUP_GRACE_SECONDS"]
        self.sockets = LocalSockets()
        self.rooms = Rooms(socketio, store, self.sockets)
        self.watch_limit = WatchRateLimit(config["WATCH_CALLS_PER_MINUTE"])
        self._pending_detaches = []  # (session id, sid) the store could not be told of yet
        self._viewer_cards = ViewerCards(store, records)
        self.walls = WallWatch(self, config["WALL_MAX_CREATORS"], config["MAX_STREAMS"], self._grace)
        self._maintenance = Maintenance(self, self._grace)
        self.streams = StreamRegistry(store, self._make_runner, self._maintenance.heartbeat)
        self.featured = FeaturedLines(store, records, self.tell_watchers)
        self._maintenance.start()

    def _make_runner(self, username, state):
        return StreamRunner(
            username,
            state,
            self.store,
            room=stream_room(username),
            emit=self.rooms.emit,
            on_status=self._stream_status_changed,
            on_reset=self._stream_counts_replaced,
            records=self.records,
            actions=self.actions,
            **RunnerSettings.from_config(self._config),
        )

    # -- sockets come and go ----------------------------------------------------------------

    def connect(self, sid, client_ip, auth):
        """A socket connected: resume its session by token (made on any process), or make a new one."""
        auth = auth if isinstance(auth, dict) else {}
        with answering_outages():
            kind = "overlay" if auth.get("kind") == "overlay" else "dashboard"  # what /debug shows
            record, resumed = self._attach(sid, client_ip, auth.get("resumeToken"), kind)
            self.sockets.add(sid, record.id)
            self.sockets.set_catching_up(sid, True)  # in no room until its catch-up: not the reconcile's to move
            try:
                self.rooms.enter_session(sid, record.id)
                self._send_session(record, resumed=resumed)
                if record.wall:
                    self.walls.follow(sid, record.wall)
                if record.username:
                    last_seq = auth.get("lastSeq")
                    valid_seq = isinstance(last_seq, int) and not isinstance(last_seq, bool) and last_seq >= 0
                    self.rooms.catch_up(sid, record.username, last_seq if valid_seq else None)
            except BaseException:
                self.disconnect(sid)  # a refused connect gets no disconnect of its own: no socket left behind
                raise
            finally:
                self.sockets.set_catching_up(sid, False)

    def _attach(self, sid, client_ip, token, kind):
        """Attach the socket to the session of `token`, or to a new one of `kind`: (record, resumed)."""
        record = self.store.find_session(token)
        if record is not None:
            record = self.store.attach_client(record.id, sid)  # None: removed meanwhile, so a new one
        if record is not None:
            log.info("Session %s resumed by client %s (%d clients)", record.id, sid, record.clients)
            return record, True
        try:
            record = self.store.create_session(client_ip, kind, self._config["MAX_SESSIONS"],
                                               self._config["MAX_SESSIONS_PER_IP"])
        except SessionLimitError as ex:
            raise ServiceError("too_many_sessions", str(ex)) from ex
        log.info("Session %s created for client %s", record.id, sid)
        return self.store.attach_client(record.id, sid), False

    def disconnect(self, sid):
        self.walls.forget(sid)
        session_id = self.sockets.remove(sid)
        if session_id is None:
            return
        try:
            self._detach(session_id, sid)
        except StoreUnavailable:
            self._pending_detaches.append((session_id, sid))

    def _detach(self, session_id, sid):
        record = self.store.detach_client(session_id, sid, time.time() + self._grace)
        if record is None:
            return
        if record.clients:
            log.info("Client %s detached from session %s (%d clients)", sid, session_id, record.clients)
            self._send_session(record)
        else:
            log.info("Client %s detached from session %s (no clients left; cleanup in %.0f s)",
                     sid, session_id, self._grace)

    # -- watch / unwatch -------------------------------------------------------------------

    def watch(self, sid, payload):
        session_id = self.session_of(sid)
        if not isinstance(payload, dict) or not isinstance(payload.get("username"), str):
            raise ServiceError("bad_request", "watch takes {username: string}")
        try:
            username = parse_username(payload["username"])
        except UsernameError as ex:
            raise ServiceError("invalid_username", ex.message, reason=ex.reason) from ex
        self.watch_limit.count(session_id)
        with answering_outages():
            record = self.record_of(session_id)
            if username != record.username:
                try:
                    record = self.store.set_watching(session_id, username, self._config["MAX_STREAMS"],
                                                     stop_due=time.time() + self._grace)
                except StreamLimitError as ex:
                    raise ServiceError("too_many_streams", str(ex)) from ex
                log.info("Session %s watches @%s", session_id, username)
                self.streams.claim(time.time())  # here at once, if this process is the one to run it
            else:
                self.store.touch(session_id)
            self.streams.restart_if_finished(username)  # a new viewer of an ended stream run here: try again
            payload = self._send_session(record)  # first, so that clients know whose snapshot comes
            for client in self.sockets.of_session(session_id):
                if client == sid or self.sockets.room_of(client) != username:
                    self.rooms.follow(client, username)
        return {"ok": True, "session": payload}

    def unwatch(self, sid, payload):
        session_id = self.session_of(sid)
        if payload is not None and not isinstance(payload, dict):
            raise ServiceError("bad_request", "unwatch takes {}")
        with answering_outages():
            record = self.record_of(session_id)
            if record.username:
                log.info("Session %s stops watching @%s", session_id, record.username)
                record = self.store.set_watching(session_id, None, self._config["MAX_STREAMS"],
                                                 stop_due=time.time() + self._grace)
            else:
                self.store.touch(session_id)
            for client in self.sockets.of_session(session_id):
                self.rooms.follow(client, None)
            return {"ok": True, "session": self._send_session(record)}

    def viewer(self, sid, payload):
        """`viewer {userId}`: the card of one viewer of the live this session watches (viewercards.py)."""
        with answering_outages():
            record = self.record_of(self.session_of(sid))
        return self._viewer_cards.answer(record, payload)

    # -- the featured chat line (featuring.py) ---------------------------------------------------------

    def feature(self, sid, payload):
        """`feature {messageId}`: one of the watched creator's chat lines on its overlays (featuring.py)."""
        return self._featuring(sid, self.featured.feature, payload)

    def unfeature(self, sid, payload):
        """`unfeature` (optionally `{messageId}`): the watched creator's overlays show no featured line."""
        return self._featuring(sid, self.featured.unfeature, payload)

    def _featuring(self, sid, action, payload):
        session_id = self.session_of(sid)
        with answering_outages():
            username = self.record_of(session_id).username
            if not username:
                raise ServiceError("bad_request", "Watch a creator first")
            return {"ok": True, **action(session_id, username, payload)}

    def session_of(self, sid):
        session_id = self.sockets.session_of(sid)
        if session_id is None:  # a socket that never completed its connect
            raise ServiceError("bad_request", "No session for this connection; reconnect")
        return session_id

    def record_of(self, session_id):
        record = self.store.get_session(session_id)
        if record is None:  # the store lost it (a Redis restart): the maintenance's reconcile reconnects the tab
            raise ServiceError("session_expired", "This session is gone; reconnecting")
        return record

    # -- what sessions are told --------------------------------------------------------------

    def session_payload(self, record, resumed=False, state=None, total_sessions=None):
        """The `session` event of `record`; `state` and `total_sessions` when the caller has them."""
        if record.username and state is None:
            state = self.store.stream(record.username)
        if total_sessions is None:
            total_sessions = self.store.totals()[0]
        payload = {
            "sessionId": record.id,
            "resumeToken": record.token,
            "status": (state.status if state else "connecting") if record.username else "idle",
            "username": record.username,
            "connectedClients": record.clients,
            "totalSessions": total_sessions,
            "resumed": resumed,
        }
        if state is not None and state.error is not None:
            payload["error"] = state.error
        if payload["status"] == "queued" and state.queue:
            payload.update(retryAfter=state.queue["retryAfter"], ahead=state.queue["ahead"])
        return payload

    def _send_session(self, record, resumed=False):
        """Send `session` to the session's own sockets only (it carries the resume token)."""
        payload = self.session_payload(record, resumed)
        self.rooms.tell_session(record.id, "session", payload)
        return payload

    def _stream_status_changed(self, runner):
        """A runner's status changed: every session watching its creator, on any process, is told."""
        try:
            state = self.store.stream(runner.username)
            total = self.store.totals()[0]
            for record in self.store.get_sessions(self.store.watcher_ids(runner.username)).values():
                if record.username == runner.username:
                    self.rooms.tell_session(record.id, "session",
                                            self.session_payload(record, state=state, total_sessions=total))
        except StoreUnavailable:
            pass  # the runner's own write failed too and said so; sessions learn the status when it is back

    def _stream_counts_replaced(self, runner):
        """A runner replaced its counts (restored from the live's record, or a new live from zero): every
        watcher, on any process, gets a fresh snapshot (the boards and series are whole there)."""
        try:
            self.rooms.send_snapshot(runner.username)
        except StoreUnavailable:
            pass  # the watchers get a snapshot when they come back; the runner's write said so already

    def resubscribed(self, delivered):
        """Cluster mode: this process listens to the others again after an outage of the Socket.IO message
        queue (messagequeue.py), and what they emitted for its sockets meanwhile is lost. `delivered`: per room,
        the seq of the last `live` event its sockets got. Called by the queue's listener: the work runs in a
        green thread of its own, so that the listener goes back to listening at once."""
        eventlet.spawn(resync_sockets, self, delivered)

    # -- what the maintenance loop asks for (maintenance.py) ----------------------------------------

    def detach_pending(self):
        """Tell the store of the sockets that went away while it could not be reached."""
        while self._pending_detaches:
            self._detach(*self._pending_detaches[0])
            self._pending_detaches.pop(0)

    def remove_session(self, session_id, now):
        """The session's cleanup fell due: remove it, unless a socket came back."""
        record = self.store.remove_session(session_id, now)
        if record is not None:
            self.watch_limit.forget(session_id)
            self.featured.forget(session_id)
            log.info("Session %s removed (%d active)", session_id, self.store.totals()[0])

    def tell_watchers(self, username, event, payload):
        """An event to every session watching the creator, on every process (the actions' test and counters)."""
        self.rooms.emit(event, payload, stream_room(username))

    # -- /healthz and shutdown ---------------------------------------------------------------------

    def health(self):
        """(ok, reason): whether the store answers and the records database takes writes."""
        try:
            self.store.ping()
        except StoreUnavailable as ex:
            return False, f"store unreachable: {ex}"
        reason = self.records.health() if self.records is not None else None
        if reason is not None:
            return False, f"records database failing: {reason}"
        return True, None

    def shutdown(self):
        """Stop the periodic work, every runner (closing its upstream connection; the creators' state stays
        for the other processes), and hand this process's sockets over to the cleanup."""
        self._maintenance.stop()
        self.streams.stop_all()
        try:
            self.store.retire(time.time() + self._grace)
        except StoreUnavailable:
            log.warning("Could not tell the store that this process stops; its sockets expire with it")
        if self.actions is not None:
            self.actions.stop()  # the counters' last changes written, the webhooks' dispatcher stopped
        if self.records is not None:
            self.records.close()  # what the runners queued is written before the process ends
