"""LiveService: what the Socket.IO handlers and the HTTP routes call.

It ties sessions (in the store) to the creators' rooms, moves this process's sockets between rooms,
and sends the `session`, `snapshot`, `live` (catch-up) and `stats` events of the contract. The same
code serves one process (MemoryStore) and a cluster (RedisStore): sessions, watchers, stream state and
event logs are read from the store, so a tab may come back through any process, and the runner of a
creator runs on whichever process holds its lease (streams.StreamRegistry).

One green thread (`_tick_forever`) does the periodic work: cleanups that fell due (whoever scheduled
them), the sockets of dead processes, the runners' leases, this process's sockets against the store,
and `stats`; about once a minute, the records' pruning. Everything runs in green threads; nothing
blocks except on socket I/O (the records database is reached through a thread pool: records/).
"""

import logging
import time
from contextlib import contextmanager

import eventlet

from .insights.series import BUCKET_SECONDS
from .metrics import full_metrics
from .sessions import LocalSockets, WatchRateLimit, iso_utc
from .store import SessionLimitError, StoreUnavailable, StreamLimitError
from .streams import StreamRegistry, StreamRunner
from .usernames import UsernameError, parse_username

log = logging.getLogger(__name__)

TICK_SECONDS = 0.5
PRUNE_INTERVAL_SECONDS = 60
STATS_INTERVAL_SECONDS = 1.0
SHUTDOWN_WAIT_SECONDS = 5
NAMESPACE = "/"
EMPTY_LEADERBOARDS = {"gifters": [], "chatters": [], "likers": []}
MAX_USER_ID_LENGTH = 64
UNAVAILABLE_RETRY_SECONDS = 3
UNAVAILABLE_MESSAGE = "The server cannot reach its shared store right now; try again in a few seconds"


class ServiceError(Exception):
    """An answer of the contract: `{ok: false, error: {code, message, ...}}`."""

    def __init__(self, code, message, **extra):
        super().__init__(message)
        self.error = {"code": code, "message": message, **extra}


@contextmanager
def _answering_outages():
    """A store outage during a client's request becomes the `unavailable` answer."""
    try:
        yield
    except StoreUnavailable as ex:
        raise ServiceError("unavailable", UNAVAILABLE_MESSAGE, retryAfter=UNAVAILABLE_RETRY_SECONDS) from ex


def _leaderboards(username, stored):
    return {"username": username, **(stored or EMPTY_LEADERBOARDS)}


def stream_room(username):
    """The cluster-wide room of a creator: the owner's emits reach its watchers on every process."""
    return f"stream:{username}"


def _session_room(session_id):
    return f"session:{session_id}"


class LiveService:
    def __init__(self, socketio, config, store, records=None):
        self._socketio = socketio
        self._config = config
        self.store = store
        self.records = records  # assistant.records.Records, or None: recording is off
        self._prune_due = 0.0
        self._pruner = None  # the green thread of the running prune, if any
        self._grace = config["CLEANUP_GRACE_SECONDS"]
        self._everyone = f"everyone:{store.instance}"  # this process's sockets, for `stats`
        self.sockets = LocalSockets()
        self._watch_limit = WatchRateLimit(config["WATCH_CALLS_PER_MINUTE"])
        self.streams = StreamRegistry(store, self._make_runner, self._heartbeat)
        self._pending_detaches = []  # (session id, sid) the store could not be told of yet
        self._stats_sent = None
        self._stats_due = 0.0
        self._store_down = False  # during an outage: logged once
        self._stopping = False
        self._ticker = eventlet.spawn(self._tick_forever)

    def _make_runner(self, username, state):
        return StreamRunner(
            username,
            state,
            self.store,
            room=stream_room(username),
            emit=self._emit,
            on_status=self._stream_status_changed,
            on_reset=self._stream_counts_replaced,
            records=self.records,
            streak_timeout=self._config["GIFT_STREAK_TIMEOUT_SECONDS"],
            sign_budget=self._config["SIGN_BUDGET"],
            stall_seconds=self._config["STALL_SECONDS"],
            max_viewers=self._config["VIEWER_CARDS"],
        )

    def _emit(self, event, payload, to):
        self._socketio.emit(event, payload, to=to, namespace=NAMESPACE)

    def _enter(self, sid, room):
        self._socketio.server.enter_room(sid, room, namespace=NAMESPACE)

    def _leave(self, sid, room):
        self._socketio.server.leave_room(sid, room, namespace=NAMESPACE)

    # -- sockets come and go ----------------------------------------------------------------

    def connect(self, sid, client_ip, auth):
        """A socket connected: resume its session by token (made on any process), or make a new one."""
        auth = auth if isinstance(auth, dict) else {}
        with _answering_outages():
            kind = "overlay" if auth.get("kind") == "overlay" else "dashboard"  # what /debug shows
            record, resumed = self._attach(sid, client_ip, auth.get("resumeToken"), kind)
            self.sockets.add(sid, record.id)
            try:
                self._enter(sid, _session_room(record.id))
                self._enter(sid, self._everyone)
                self._send_session(record, resumed=resumed)
                if record.username:
                    last_seq = auth.get("lastSeq")
                    valid_seq = isinstance(last_seq, int) and not isinstance(last_seq, bool) and last_seq >= 0
                    self._catch_up(sid, record.username, last_seq if valid_seq else None)
            except BaseException:
                self.disconnect(sid)  # a refused connect gets no disconnect of its own: no socket left behind
                raise

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
        session_id = self._session_of(sid)
        if not isinstance(payload, dict) or not isinstance(payload.get("username"), str):
            raise ServiceError("bad_request", "watch takes {username: string}")
        try:
            username = parse_username(payload["username"])
        except UsernameError as ex:
            raise ServiceError("invalid_username", ex.message, reason=ex.reason) from ex
        if not self._watch_limit.allow(session_id):
            retry_after = self._watch_limit.retry_after(session_id)
            message = f"Too many creator changes; try again in {retry_after} s"
            raise ServiceError("rate_limited", message, retryAfter=retry_after)
        with _answering_outages():
            record = self._record(session_id)
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
                    self._follow(client, username)
        return {"ok": True, "session": payload}

    def unwatch(self, sid, payload):
        session_id = self._session_of(sid)
        if payload is not None and not isinstance(payload, dict):
            raise ServiceError("bad_request", "unwatch takes {}")
        with _answering_outages():
            record = self._record(session_id)
            if record.username:
                log.info("Session %s stops watching @%s", session_id, record.username)
                record = self.store.set_watching(session_id, None, self._config["MAX_STREAMS"],
                                                 stop_due=time.time() + self._grace)
            else:
                self.store.touch(session_id)
            for client in self.sockets.of_session(session_id):
                self._follow(client, None)
            return {"ok": True, "session": self._send_session(record)}

    def viewer(self, sid, payload):
        """`viewer {userId}`: the card of one viewer of the live this session watches."""
        session_id = self._session_of(sid)
        user_id = payload.get("userId") if isinstance(payload, dict) else None
        if not isinstance(user_id, str) or not user_id or len(user_id) > MAX_USER_ID_LENGTH:
            raise ServiceError("bad_request", f"viewer takes {{userId: string of 1 to {MAX_USER_ID_LENGTH}}}")
        with _answering_outages():
            record = self._record(session_id)
            if not record.username:
                raise ServiceError("bad_request", "Watch a creator first")
            card = self.store.viewer(record.username, user_id)
        if card is None:
            raise ServiceError("not_found", "That viewer has done nothing in this live yet")
        return {"ok": True, "viewer": card}

    def _session_of(self, sid):
        session_id = self.sockets.session_of(sid)
        if session_id is None:  # a socket that never completed its connect
            raise ServiceError("bad_request", "No session for this connection; reconnect")
        return session_id

    def _record(self, session_id):
        record = self.store.get_session(session_id)
        if record is None:  # the store lost it (a Redis restart): the tick reconnects the tab
            raise ServiceError("session_expired", "This session is gone; reconnecting")
        return record

    def _follow(self, sid, username):
        """Move one socket to `username`'s room (None: to no room), with a snapshot of it."""
        current = self.sockets.room_of(sid)
        if current is not None:
            self._leave(sid, stream_room(current))
            self.sockets.set_room(sid, None)
        if username is not None:
            self._catch_up(sid, username, None)

    def _catch_up(self, sid, username, last_seq):
        """Bring one socket up to date with a creator's stream, then let it join the creator's room.

        With `last_seq`, send the events it missed (or a snapshot when they are no longer kept);
        without, a snapshot. Reads and emits may yield, so loop until nothing new arrived, join the room,
        and read once more: an event published between the last read and the join (by the owner, on any
        process) is sent then. Nothing is lost; an event may come twice, with its `seq` (clients drop
        what they have).
        """
        if last_seq is None:
            last_seq = self._send_snapshot(username, sid)
        else:  # the boards and the series are not events: a socket back from a gap gets them whole
            self._send_insights(sid, username)
        joined = False
        while True:
            missed = self.store.events_since(username, last_seq)
            if missed is None:
                last_seq = self._send_snapshot(username, sid)
                continue
            if missed:
                self._emit("live", {"username": username, "events": missed}, sid)
                last_seq = missed[-1]["seq"]
                continue
            if joined:
                return
            self._enter(sid, stream_room(username))
            self.sockets.set_room(sid, username, last_seq)
            joined = True

    def _send_snapshot(self, username, to):
        """The creator's snapshot to `to` (a socket, or the creator's room); its `seq`."""
        snapshot = self.store.snapshot(username)
        snapshot["metrics"] = full_metrics(snapshot["metrics"])
        snapshot["leaderboards"] = _leaderboards(username, snapshot["leaderboards"])
        snapshot["series"] = {"username": username, "bucketSeconds": BUCKET_SECONDS, "points": snapshot["series"]}
        self._emit("snapshot", snapshot, to)
        return snapshot["seq"]

    def _send_insights(self, sid, username):
        """The creator's totals, boards and series, which are not events a socket could catch up on."""
        state = self.store.stream(username)
        if state is not None:
            self._emit("metrics", {"username": username, "metrics": full_metrics(state.metrics)}, sid)
        self._emit("leaderboards", _leaderboards(username, state and state.leaderboards), sid)
        self._emit("series", {"username": username, "points": self.store.series(username)}, sid)

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
        self._emit("session", payload, _session_room(record.id))
        return payload

    def _stream_status_changed(self, runner):
        """A runner's status changed: every session watching its creator, on any process, is told."""
        try:
            state = self.store.stream(runner.username)
            total = self.store.totals()[0]
            for record in self.store.get_sessions(self.store.watcher_ids(runner.username)).values():
                if record.username == runner.username:
                    self._emit("session", self.session_payload(record, state=state, total_sessions=total),
                               _session_room(record.id))
        except StoreUnavailable:
            pass  # the runner's own write failed too and said so; sessions learn the status when it is back

    def _stream_counts_replaced(self, runner):
        """A runner replaced its counts (restored from the live's record, or a new live from zero): every
        watcher, on any process, gets a fresh snapshot (the boards and series are whole there)."""
        try:
            self._send_snapshot(runner.username, stream_room(runner.username))
        except StoreUnavailable:
            pass  # the watchers get a snapshot when they come back; the runner's write said so already

    def resubscribed(self, delivered):
        """Cluster mode: this process listens to the others again after an outage of the Socket.IO message
        queue (messagequeue.py), and what they emitted for its sockets meanwhile is lost. `delivered`: per room,
        the seq of the last `live` event its sockets got. Called by the queue's listener: the work runs in a
        green thread of its own, so that the listener goes back to listening at once."""
        eventlet.spawn(self._resync_sockets, delivered)

    def _resync_sockets(self, delivered):
        """Each socket of this process gets its session's `session` (a status change may be among what was lost),
        then, outside its creator's room, the events after the last one it had (as on a resume with `lastSeq`,
        with the totals, boards and series), and joins the room again."""
        try:
            session_ids = self.sockets.session_ids()
            records = self.store.get_sessions(session_ids) if session_ids else {}
            total = self.store.totals()[0]
            told = 0
            for session_id in session_ids:
                record = records.get(session_id)
                if record is None:
                    continue  # gone from the store (Redis restarted empty): the reconcile disconnects its sockets
                payload = self.session_payload(record, total_sessions=total)
                for sid in self.sockets.of_session(session_id):
                    self._emit("session", payload, sid)
                    told += 1
                    username = self.sockets.room_of(sid)
                    if username is None or username != record.username:
                        continue  # in no room, or switched meanwhile: the reconcile moves it
                    had = max(self.sockets.joined_at(sid), delivered.get(stream_room(username), 0))
                    self._leave(sid, stream_room(username))
                    self.sockets.set_room(sid, None)
                    self._catch_up(sid, username, had)
            log.info("Brought %d clients up to date after the message queue's outage", told)
        except StoreUnavailable as ex:
            # Only reads here: Redis is out of reach, so the subscription is lost again, and this runs again once
            # it is back. A socket left out of its room meanwhile is moved back by the reconcile (with a snapshot).
            log.warning("Could not bring the clients up to date after the message queue's outage: %s", ex)
        except Exception:
            log.exception("Bringing the clients up to date after the message queue's outage failed")

    # -- the periodic work ---------------------------------------------------------------------

    def _tick_forever(self):
        while not self._stopping:
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
            eventlet.sleep(TICK_SECONDS)

    def _tick(self):
        now = time.time()
        self._heartbeat()
        while self._pending_detaches:
            self._detach(*self._pending_detaches[0])
            self._pending_detaches.pop(0)
        for session_id in self.store.reap_dead_processes(now + self._grace):
            log.info("Session %s lost the sockets of a process that died", session_id)
        for session_id in self.store.take_due_cleanups(now):
            self._remove_session(session_id, now)
        self.streams.tick(now)
        if now >= self._stats_due:  # once a second: what reads every session of this process
            self._stats_due = now + STATS_INTERVAL_SECONDS
            self._reconcile_sockets()
            self._send_stats()
        if self.records is not None and now >= self._prune_due and (self._pruner is None or self._pruner.dead):
            # A green thread of its own: a long delete, or a database that does not answer, must not hold the
            # tick (its heartbeat keeps this process alive in a cluster).
            self._prune_due = now + PRUNE_INTERVAL_SECONDS
            self._pruner = eventlet.spawn(self.records.prune, now)

    def _heartbeat(self):
        """Tell the store this process lives, with its load. Called by the tick and after every claim: each
        answer is acted on here, or a reap said once would be lost."""
        if self.store.heartbeat(len(self.streams.runners())):
            self._reattach_sockets()

    def _reattach_sockets(self):
        """This process was taken for dead (out of touch with the store for longer than a lease) and its
        sockets detached: attach those still open again. Sessions removed meanwhile: the reconcile
        disconnects their sockets, and the tabs come back in new sessions."""
        log.warning("This process was out of touch with the store and taken for dead; reattaching its sockets")
        for session_id in self.sockets.session_ids():
            for sid in self.sockets.of_session(session_id):
                self.store.attach_client(session_id, sid)

    def _remove_session(self, session_id, now):
        record = self.store.remove_session(session_id, now)
        if record is not None:
            self._watch_limit.forget(session_id)
            log.info("Session %s removed (%d active)", session_id, self.store.totals()[0])

    def _reconcile_sockets(self):
        """Bring this process's sockets in line with their sessions in the store: a session that another
        process switched (a duplicated tab there) moves them to its creator's room; a session the store
        lost (Redis restarted empty) disconnects them, so that the tabs reconnect into new sessions."""
        session_ids = self.sockets.session_ids()
        if not session_ids:
            return
        records = self.store.get_sessions(session_ids)
        for session_id in session_ids:
            record = records.get(session_id)
            for sid in self.sockets.of_session(session_id):
                if record is None:
                    log.info("Session %s is gone from the store; disconnecting client %s", session_id, sid)
                    self._socketio.server.disconnect(sid, namespace=NAMESPACE)
                elif self.sockets.room_of(sid) != record.username:
                    self._follow(sid, record.username)

    def _send_stats(self):
        sessions, clients = self.store.totals()
        stats = {"totalSessions": sessions, "totalConnectedClients": clients}
        if stats != self._stats_sent:
            self._stats_sent = stats
            self._emit("stats", stats, self._everyone)

    # -- /debug and /healthz ---------------------------------------------------------------------

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

    def debug_report(self):
        states = {state.username: state for state in self.store.streams()}
        sessions, clients = self.store.totals()
        return {
            "message": "Current status and active sessions",
            "totalSessions": sessions,
            "totalConnectedClients": clients,
            "sessions": [self._debug_session(record, states.get(record.username))
                         for record in self.store.all_sessions()],
            "streams": [
                {
                    "username": state.username,
                    "status": state.status,
                    "sessions": state.watchers,
                    "seq": state.seq,
                    "shed": state.shed,
                    "garbled": state.garbled,
                    "connectedAt": iso_utc(state.connected_at) if state.connected_at else None,
                    "owner": state.owner,
                    **({"retryAfter": state.queue["retryAfter"], "ahead": state.queue["ahead"]}
                       if state.status == "queued" and state.queue else {}),
                }
                for state in states.values()
            ],
            "signBudget": self._sign_budget_report(),
            # This process's record writer (events): null with recording off.
            "records": self.records.stats() if self.records is not None else None,
        }

    def _sign_budget_report(self):
        """The sign budget's windows with what is used and left, and the creators queued; None: no budget."""
        limits = self._config["SIGN_BUDGET"]
        if limits is None:
            return None
        budget = self.store.sign_budget(limits, time.time())
        return {
            "windows": [{"limit": count, "seconds": seconds, "used": used, "left": max(0, count - used)}
                        for (count, seconds), used in zip(limits, budget["used"], strict=True)],
            "queued": budget["queued"],
            "blockedUntil": iso_utc(budget["blockedUntil"]) if budget["blockedUntil"] else None,
        }

    @staticmethod
    def _debug_session(record, state):
        status = state.status if state else None
        return {
            "sessionId": record.id,
            "kind": record.kind,
            "username": record.username,
            "connectedClients": record.clients,
            "isConnecting": status in ("connecting", "reconnecting"),
            "hasConnection": status == "connected",
            "createdAt": iso_utc(record.created_at),
            "lastActivity": iso_utc(record.last_activity),
            "metrics": full_metrics(state.metrics if state else {}),
        }

    def shutdown(self):
        """Stop the periodic work, every runner (closing its upstream connection; the creators' state stays
        for the other processes), and hand this process's sockets over to the cleanup."""
        self._stopping = True
        with eventlet.Timeout(SHUTDOWN_WAIT_SECONDS, False):
            self._ticker.wait()
        self._ticker.kill()
        self.streams.stop_all()
        try:
            self.store.retire(time.time() + self._grace)
        except StoreUnavailable:
            log.warning("Could not tell the store that this process stops; its sockets expire with it")
        if self.records is not None:
            self.records.close()  # what the runners queued is written before the process ends
