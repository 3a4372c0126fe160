"""/debug for operators: every session and followed creator of the server, the sign budget, this process's
record writer and the actions (the seed's shape plus `streams`, `signBudget`, `records` and `actions`;
docs/http.md), and /debug/runtime. With DEBUG_TOKEN set both answer only its bearer, or a login
(docs/architecture.md, "Access")."""

import gc
import hmac
import time

import greenlet
from flask import Blueprint, current_app, jsonify, request

from . import access
from .metrics import full_metrics
from .sessions import iso_utc
from .streams.decodecheck import counts as decode_check_counts

bp = Blueprint("debug", __name__)


@bp.before_app_request
def guard():
    """With DEBUG_TOKEN set, /debug and below answer only `Authorization: Bearer <token>`, or a login when
    ACCESS_PASSWORD is set too."""
    token = current_app.config["DEBUG_TOKEN"]
    if not token or not request.path.startswith("/debug"):
        return None
    sent = request.headers.get("Authorization", "")
    if hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()) or access.logged_in():
        return None
    response = jsonify(error="unauthorized", message="Send Authorization: Bearer <DEBUG_TOKEN>")
    return response, 401, {"WWW-Authenticate": "Bearer"}


@bp.get("/debug")
def report():
    """Every session and stream, in the seed's shape plus `streams`."""
    service = current_app.extensions["live_service"]
    return jsonify(debug_report(service.store, service.records, current_app.config["SIGN_BUDGET"], service.actions))


@bp.get("/debug/runtime")
def runtime():
    """Process counters for soak tests and operators: sessions, runners and live greenlets."""
    service = current_app.extensions["live_service"]
    greenlets = sum(1 for obj in gc.get_objects() if isinstance(obj, greenlet.greenlet) and not obj.dead)
    return jsonify(sessions=service.store.totals()[0], runners=len(service.streams.runners()), greenlets=greenlets)


def debug_report(store, records, sign_budget, actions=None):
    """The /debug object: the cluster's sessions and streams as `store` holds them, the budget `sign_budget`
    (SIGN_BUDGET: (count, seconds) windows, or None), `records` and `actions` (None: recording is off)."""
    states = {state.username: state for state in store.streams()}
    sessions, clients = store.totals()
    return {
        "message": "Current status and active sessions",
        "totalSessions": sessions,
        "totalConnectedClients": clients,
        "sessions": [_session(record, states.get(record.username)) for record in store.all_sessions()],
        "streams": [_stream(state) for state in states.values()],
        "signBudget": _sign_budget(store, sign_budget),
        # This process's record writer (events): null with recording off.
        "records": records.stats() if records is not None else None,
        # The webhooks' deliveries by status (the cluster's: the database's) and the creators whose rules this
        # process runs: null with recording off.
        "actions": actions.stats() if actions is not None else None,
    }


def _session(record, state):
    status = state.status if state else None
    return {
        "sessionId": record.id,
        "kind": record.kind,
        "username": record.username,
        "wall": list(record.wall),
        "connectedClients": record.clients,
        "isConnecting": status in ("connecting", "reconnecting"),
        "hasConnection": status == "connected",
        "createdAt": iso_utc(record.created_at),
        "lastActivity": iso_utc(record.last_activity),
        "metrics": full_metrics(state.metrics if state else {}),
    }


def _stream(state):
    return {
        "username": state.username,
        "status": state.status,
        "sessions": state.watchers,
        "seq": state.seq,
        "shed": state.shed,
        "garbled": state.garbled,
        "skipped": state.skipped,
        "decodeCheck": decode_check_counts(state.decode_check),
        "connectedAt": iso_utc(state.connected_at) if state.connected_at else None,
        "owner": state.owner,
        **({"retryAfter": state.queue["retryAfter"], "ahead": state.queue["ahead"]}
           if state.status == "queued" and state.queue else {}),
    }


def _sign_budget(store, limits):
    """The sign budget's windows with what is used and left, and the creators queued; None: no budget."""
    if limits is None:
        return None
    budget = store.sign_budget(limits, time.time())
    return {
        "windows": [{"limit": count, "seconds": seconds, "used": used, "left": max(0, count - used)}
                    for (count, seconds), used in zip(limits, budget["used"], strict=True)],
        "queued": budget["queued"],
        "blockedUntil": iso_utc(budget["blockedUntil"]) if budget["blockedUntil"] else None,
    }
