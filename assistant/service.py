"""LiveService: what the Socket.IO handlers and the HTTP routes call.

It ties sessions to the shared stream runners, moves sockets between rooms, and sends the
`session`, `snapshot`, `live` (catch-up) and `stats` events of the contract. Everything here runs in
green threads; nothing blocks except on socket I/O.
"""

import logging
import secrets

import eventlet

from .metrics import StreamMetrics
from .sessions import SessionLimitError, SessionRegistry, iso_utc
from .streams import StreamLimitError, StreamRegistry, StreamRunner
from .usernames import UsernameError, parse_username

log = logging.getLogger(__name__)

STATS_INTERVAL_SECONDS = 1.0
NAMESPACE = "/"


class ServiceError(Exception):
    """An answer of the contract: `{ok: false, error: {code, message, ...}}`."""

    def __init__(self, code, message, **extra):
        super().__init__(message)
        self.error = {"code": code, "message": message, **extra}


class LiveService:
    def __init__(self, socketio, config):
        self._socketio = socketio
        self._config = config
        # Rooms are this process's own: with a Redis message queue, an emit to a room reaches the
        # sockets in that room on every process, and each process runs its own stream runners.
        self._instance = secrets.token_hex(4)
        self._everyone = f"everyone:{self._instance}"
        grace = config["CLEANUP_GRACE_SECONDS"]
        self.sessions = SessionRegistry(grace, config["MAX_SESSIONS"], config["MAX_SESSIONS_PER_IP"])
        self.streams = StreamRegistry(self._make_runner, grace, config["MAX_STREAMS"])
        self._stats_sent = None
        self._stats_ticker = eventlet.spawn(self._send_stats_forever)

    def _make_runner(self, username):
        return StreamRunner(
            username,
            room=f"stream:{self._instance}:{username}",
            emit=self._emit,
            on_status=self._stream_status_changed,
            recent_events=self._config["RECENT_EVENTS"],
            streak_timeout=self._config["GIFT_STREAK_TIMEOUT_SECONDS"],
        )

    def _emit(self, event, payload, to):
        self._socketio.emit(event, payload, to=to, namespace=NAMESPACE)

    def _enter(self, sid, room):
        self._socketio.server.enter_room(sid, room, namespace=NAMESPACE)

    def _leave(self, sid, room):
        self._socketio.server.leave_room(sid, room, namespace=NAMESPACE)

    # -- sockets come and go ----------------------------------------------------------------

    def connect(self, sid, client_ip, auth):
        """A socket connected: resume its session by token, or make a new one."""
        auth = auth if isinstance(auth, dict) else {}
        session = self.sessions.find_by_token(auth.get("resumeToken"))
        resumed = session is not None
        if not resumed:
            try:
                session = self.sessions.create(client_ip)
            except SessionLimitError as ex:
                raise ServiceError("too_many_sessions", str(ex)) from ex
        self.sessions.attach(session, sid, resumed)
        self._enter(sid, session.room)
        self._enter(sid, self._everyone)
        self._send_session(session, resumed=resumed)
        if session.username:
            last_seq = auth.get("lastSeq")
            valid_seq = isinstance(last_seq, int) and not isinstance(last_seq, bool) and last_seq >= 0
            self._catch_up(sid, self.streams.get(session.username), last_seq if valid_seq else None)
        return session

    def disconnect(self, sid):
        session = self.sessions.detach(sid, on_expired=self._session_expired)
        if session is not None and session.clients:
            self._send_session(session)

    def _session_expired(self, session):
        if session.username:
            self.streams.release(session.username, linger=False)

    # -- watch / unwatch -------------------------------------------------------------------

    def watch(self, sid, payload):
        session = self._session_of(sid)
        if not isinstance(payload, dict) or not isinstance(payload.get("username"), str):
            raise ServiceError("bad_request", "watch takes {username: string}")
        try:
            username = parse_username(payload["username"])
        except UsernameError as ex:
            raise ServiceError("invalid_username", ex.message, reason=ex.reason) from ex
        if not session.allow_watch(self._config["WATCH_CALLS_PER_MINUTE"]):
            retry_after = session.seconds_until_watch_allowed()
            message = f"Too many creator changes; try again in {retry_after} s"
            raise ServiceError("rate_limited", message, retryAfter=retry_after)
        session.touch()
        if username != session.username:
            try:
                runner = self.streams.acquire(username)
            except StreamLimitError as ex:
                raise ServiceError("too_many_streams", str(ex)) from ex
            self._stop_watching(session)
            self.sessions.set_watching(session, username)
            log.info("Session %s watches @%s", session.id, username)
            payload = self._send_session(session)  # first, so that clients know whose snapshot comes
            for client in list(session.clients):
                self._catch_up(client, runner, None)
        else:
            payload = self._send_session(session)
            self._catch_up(sid, self.streams.get(username), None)
        return {"ok": True, "session": payload}

    def unwatch(self, sid, payload):
        session = self._session_of(sid)
        if payload is not None and not isinstance(payload, dict):
            raise ServiceError("bad_request", "unwatch takes {}")
        session.touch()
        self._stop_watching(session)
        return {"ok": True, "session": self._send_session(session)}

    def _session_of(self, sid):
        session = self.sessions.for_sid(sid)
        if session is None:  # a socket that never completed its connect
            raise ServiceError("bad_request", "No session for this connection; reconnect")
        return session

    def _stop_watching(self, session):
        if not session.username:
            return
        room = self.streams.get(session.username).room
        for client in session.clients:
            self._leave(client, room)
        log.info("Session %s stops watching @%s", session.id, session.username)
        self.streams.release(session.username)
        self.sessions.set_watching(session, None)

    def _catch_up(self, sid, runner, last_seq):
        """Bring one socket up to date with a runner, then let it join the runner's room.

        With `last_seq`, send the events it missed (or a snapshot when they are no longer kept);
        without, a snapshot. Emits may yield (a Redis queue), so loop until nothing new arrived, and
        join the room only then: no event is lost between the catch-up and the room, none is sent twice.
        """
        if last_seq is None:
            snapshot = runner.snapshot()
            self._emit("snapshot", snapshot, sid)
            last_seq = snapshot["seq"]
        while True:
            missed = runner.events_since(last_seq)
            if missed is None:
                snapshot = runner.snapshot()
                self._emit("snapshot", snapshot, sid)
                last_seq = snapshot["seq"]
                continue
            if not missed:
                break
            self._emit("live", {"username": runner.username, "events": missed}, sid)
            last_seq = missed[-1]["seq"]
        self._enter(sid, runner.room)

    # -- what sessions are told --------------------------------------------------------------

    def session_payload(self, session, resumed=False):
        runner = self.streams.get(session.username) if session.username else None
        payload = {
            "sessionId": session.id,
            "resumeToken": session.resume_token,
            "status": runner.status if runner else "idle",
            "username": session.username,
            "connectedClients": len(session.clients),
            "totalSessions": len(self.sessions),
            "resumed": resumed,
        }
        if runner is not None and runner.error is not None:
            payload["error"] = runner.error
        return payload

    def _send_session(self, session, resumed=False):
        """Send `session` to the session's own sockets only (it carries the resume token)."""
        payload = self.session_payload(session, resumed)
        self._emit("session", payload, session.room)
        return payload

    def _stream_status_changed(self, runner):
        for session in self.sessions.watching(runner.username):
            self._send_session(session)

    def _send_stats_forever(self):
        while True:
            eventlet.sleep(STATS_INTERVAL_SECONDS)
            stats = {
                "totalSessions": len(self.sessions),
                "totalConnectedClients": self.sessions.connected_clients(),
            }
            if stats != self._stats_sent:
                self._stats_sent = stats
                try:
                    self._emit("stats", stats, self._everyone)
                except Exception:
                    log.exception("Could not send stats")

    # -- /debug --------------------------------------------------------------------------------

    def debug_report(self):
        sessions = []
        for session in self.sessions.all():
            runner = self.streams.get(session.username) if session.username else None
            sessions.append(
                {
                    "sessionId": session.id,
                    "username": session.username,
                    "connectedClients": len(session.clients),
                    "isConnecting": bool(runner and runner.is_connecting),
                    "hasConnection": bool(runner and runner.has_connection),
                    "createdAt": iso_utc(session.created_at),
                    "lastActivity": iso_utc(session.last_activity),
                    "metrics": (runner.metrics if runner else StreamMetrics()).to_dict(),
                }
            )
        streams = [
            {
                "username": runner.username,
                "status": runner.status,
                "sessions": self.streams.sessions_watching(runner.username),
                "seq": runner.seq,
                "shed": runner.shed,
                "garbled": runner.garbled,
                "connectedAt": iso_utc(runner.connected_at) if runner.connected_at else None,
            }
            for runner in self.streams.runners()
        ]
        return {
            "message": "Current status and active sessions",
            "totalSessions": len(self.sessions),
            "totalConnectedClients": self.sessions.connected_clients(),
            "sessions": sessions,
            "streams": streams,
        }

    def shutdown(self):
        """Stop the pending cleanups, the stats ticker and every runner (closing its upstream connection)."""
        self.sessions.cancel_cleanups()
        self._stats_ticker.kill()
        self.streams.stop_all()
