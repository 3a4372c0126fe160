"""Socket.IO handlers: the client-to-server half of the contract (docs/protocol.md, "The event object").

Every event answers through its ack: `{ok: true, ...}` or `{ok: false, error: {code, message}}`.
"""

import json
import logging

from flask import current_app, request
from flask_socketio import ConnectionRefusedError

from . import access, socketio
from .overlays.signature import socket_overlay
from .service import ServiceError
from .usernames import UsernameError, parse_username

log = logging.getLogger(__name__)

# Sockets let in by an overlay's signature instead of a login (ACCESS_PASSWORD set): sid -> the one creator
# they may follow. Nothing else that needs a login (another creator, viewer cards) is open to them.
_overlay_sockets = {}


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
    refusal = _overlay_allows(action.__name__, args)
    if refusal is not None:
        return refusal
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
    """A dashboard tab or an overlay connects, with `auth: {resumeToken?, lastSeq?, kind?, overlay?}`; it gets
    `session`, and a catch-up.

    Refused with `connect_error` data `{code: unauthorized, message}` without a login (ACCESS_PASSWORD set)
    unless it is an overlay with its signed query, and `{code: too_many_sessions, message}` past a session limit.
    """
    overlay_creator = None
    if not access.granted():
        overlay_creator = socket_overlay(auth)
        if overlay_creator is None:
            raise ConnectionRefusedError(access.UNAUTHORIZED["message"], access.UNAUTHORIZED)
    if _forged(request.sid):
        return {"ok": False, "error": {"code": "bad_request", "message": "Already connected"}}
    if overlay_creator is not None:
        _overlay_sockets[request.sid] = overlay_creator
    try:
        _service().connect(request.sid, request.remote_addr, auth)
    except ServiceError as ex:
        _overlay_sockets.pop(request.sid, None)
        raise ConnectionRefusedError(ex.error["message"], ex.error) from ex
    return None


def _overlay_allows(event, args):
    """None, or the refusal for a socket let in by an overlay's signature asking for more than its creator."""
    creator = _overlay_sockets.get(request.sid)
    if creator is None or event == "unwatch":
        return None
    payload = args[0] if len(args) == 1 and isinstance(args[0], dict) else {}
    try:
        allowed = event == "watch" and parse_username(payload.get("username")) == creator
    except UsernameError:
        allowed = False
    return None if allowed else {"ok": False, "error": access.UNAUTHORIZED}


@socketio.on("disconnect")
def on_disconnect(reason=None):
    """A tab's socket went away; its session's cleanup starts once it has no sockets left."""
    if _forged(request.sid):
        return {"ok": False, "error": {"code": "bad_request", "message": "Use the transport to disconnect"}}
    _overlay_sockets.pop(request.sid, None)
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


@socketio.on("watchMany")
def on_watch_many(*args):
    """A wall follows many creators (`{usernames}`) at a summary level: `summary` events, never chat."""
    return _answer(_service().walls.watch_many, args)


@socketio.on("unwatchMany")
def on_unwatch_many(*args):
    """A wall drops some creators (`{usernames}`), or all of them (`{}`)."""
    return _answer(_service().walls.unwatch_many, args)


@socketio.on("viewer")
def on_viewer(*args):
    """A tab asks for one viewer's card (`{userId}`): totals, first and last seen, last comments and gifts."""
    return _answer(_service().viewer, args)


@socketio.on("feature")
def on_feature(*args):
    """A tab puts one of its creator's chat lines (`{messageId}`) on the creator's overlays (`featured`)."""
    return _answer(_service().feature, args)


@socketio.on("unfeature")
def on_unfeature(*args):
    """A tab takes the featured line off the creator's overlays."""
    return _answer(_service().unfeature, args)


@socketio.on("*")
def on_unknown(event, *args):
    """Any other event from a client: answered with `bad_request`."""
    return {"ok": False, "error": {"code": "bad_request", "message": f"Unknown event {str(event)[:40]!r}"}}


@socketio.on_error_default
def on_error(error):
    """An unexpected failure in a handler: logged, and answered without leaking details."""
    log.exception("Socket.IO handler failed")
    return {"ok": False, "error": {"code": "internal_error", "message": "Something went wrong on the server"}}
