"""HTTP routes: the dashboard (at / and /@<username>), the wall (/wall), /healthz, /source (/debug: debug.py;
/login and /logout: access.py), and the answer to a path the server does not have."""

from flask import Blueprint, Response, current_app, jsonify, render_template, request
from werkzeug.exceptions import NotFound

from . import events, source
from .store import StoreUnavailable

bp = Blueprint("main", __name__)
bp.add_app_template_global(events.for_browser, "event_types_for_browser")  # index.html's #event-types


@bp.get("/")
def index():
    return render_template("index.html")


@bp.get("/@<path:handle>")
def creator_page(handle):
    """`/@<username>`: the dashboard, which reads the address, checks it with the username rule and
    follows that creator (or explains why not). Any text is accepted here: the page says what is wrong."""
    return render_template("index.html")


@bp.get("/wall")
def wall_page():
    """The wall (docs/wall.md): a tile per creator of the roster; static/js/wall.js fills it in."""
    return render_template("wall.html")


@bp.get("/healthz")
def healthz():
    """200 `{status: ok, process}`; 503 with the reason while the shared store (Redis) is unreachable."""
    service = current_app.extensions["live_service"]
    ok, reason = service.health()
    if ok:
        return jsonify(status="ok", process=service.store.name)
    return jsonify(status="unavailable", reason=reason, process=service.store.name), 503


@bp.get("/source")
def source_archive():
    """The running program's source as a .tar.gz, streamed: open to everyone, also with ACCESS_PASSWORD set (its
    users are owed it: AGPL-3.0 section 13)."""
    top = source.archive_name()
    headers = {"Content-Disposition": f'attachment; filename="{top}.tar.gz"', "Cache-Control": "no-cache"}
    return Response(source.archive_chunks(source.source_files(), top), mimetype="application/gzip", headers=headers)


@bp.app_errorhandler(StoreUnavailable)
def store_unavailable(error):
    """A page that needs the shared store while Redis is unreachable: 503 with the reason, not a 500."""
    return jsonify(error="unavailable", message=f"The shared store is unreachable: {error}"), 503, {"Retry-After": "3"}


@bp.app_errorhandler(NotFound)
def not_found(error):
    """A path the server does not have (`/@` alone, a typo): JSON under /api/, else a page in the app's look."""
    shown = request.path if len(request.path) <= 80 else request.path[:80] + "…"
    if request.path.startswith("/api/"):
        return jsonify(error="not_found", message=f"No API route at {shown}"), 404
    message = (f"There is no page at {shown}. The dashboard is at /, a creator's at /@ and their username "
               "(for example /@maya).")
    return render_template("error.html", status=404, title="No such page", message=message), 404
