"""Socket.IO handlers: the client-to-server half of the contract (DESIGN.md, "Socket.IO contract").

Every event answers through its ack: `{ok: true, ...}` or `{ok: false, error: {code, message}}`.
"""

import json
import logging

from flask import current_app, request
from flask_socketio import ConnectionRefusedError

from . import access, socketio
from .service import ServiceError

log = logging.getLogger(__name__)


def _service():
    return current_app.extensions["live_service"]


def _single_payload(args):
    """The one payload an event carries; several arguments, or one too large, is malformed."""
    if len(args) > 1:
        raise ServiceError("bad_request", "Send one payload object")
    payload = args[0] if args else None
    limit = current_app.config["MAX_MESSAGE_BYTES"]
    if len(json.dumps(payload, default=str)) > limit:
        raise ServiceError("bad_request", f"Payload larger than {limit} bytes")
    return payload


def _answer(action, args):
    try:
        return action(request.sid, _single_payload(args))
    except ServiceError as ex:
        return {"ok": False, "error": ex.error}


def _forged(sid):
    """True for a client that emits `connect` or `disconnect` itself while connected (python-socketio
    would run the handlers for it); the real events run while the socket is pending or has a session."""
    return _service().sockets.session_of(sid) is not None and socketio.server.manager.is_connected(sid, "/")


@socketio.on("connect")
def on_connect(auth=None):
    """A dashboard tab connects, with `auth: {resumeToken?, lastSeq?}`; it gets `session`, and a catch-up.

    Refused with `connect_error` data `{code: unauthorized, message}` without a login (ACCESS_PASSWORD set),
    and `{code: too_many_sessions, message}` past a session limit.
    """
    if not access.granted():
        raise ConnectionRefusedError(access.UNAUTHORIZED["message"], access.UNAUTHORIZED)
    if _forged(request.sid):
        return {"ok": False, "error": {"code": "bad_request", "message": "Already connected"}}
    try:
        _service().connect(request.sid, request.remote_addr, auth)
    except ServiceError as ex:
        raise ConnectionRefusedError(ex.error["message"], ex.error) from ex
    return None


@socketio.on("disconnect")
def on_disconnect(reason=None):
    """A tab's socket went away; its session's cleanup starts once it has no sockets left."""
    if _forged(request.sid):
        return {"ok": False, "error": {"code": "bad_request", "message": "Use the transport to disconnect"}}
    _service().disconnect(request.sid)
    return None


@socketio.on("watch")
def on_watch(*args):
    """A tab picks a creator; its sockets get `snapshot` then `live`, the ack carries the session."""
    return _answer(_service().watch, args)


@socketio.on("unwatch")
def on_unwatch(*args):
    """A tab stops watching; the ack carries the session, now idle."""
    return _answer(_service().unwatch, args)


@socketio.on("viewer")
def on_viewer(*args):
    """A tab asks for one viewer's card (`{userId}`): totals, first and last seen, last comments and gifts."""
    return _answer(_service().viewer, args)


@socketio.on("*")
def on_unknown(event, *args):
    """Any other event from a client: answered with `bad_request`."""
    return {"ok": False, "error": {"code": "bad_request", "message": f"Unknown event {str(event)[:40]!r}"}}


@socketio.on_error_default
def on_error(error):
    """An unexpected failure in a handler: logged, and answered without leaking details."""
    log.exception("Socket.IO handler failed")
    return {"ok": False, "error": {"code": "internal_error", "message": "Something went wrong on the server"}}
