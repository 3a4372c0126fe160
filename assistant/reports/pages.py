"""The records' HTTP side (docs/records.md; docs/http.md): the pages /streams and /streams/<id>,
/streams/latest, the JSON API under /api/streams and the streamed exports. Routes only: the reads are
the Records facade's (`current_app.extensions["records"]`, None with RECORD_STREAMS=0), the query
values are checked by args.py, the exports written by exports.py.

Errors: an unknown live or recording off -> 404, a bad query value -> 400, a failing database -> 503;
pages get an HTML page, the API and the exports JSON `{error, message}`.
"""

from flask import Blueprint, Response, current_app, jsonify, redirect, render_template, request, url_for

from ..events import NAMES as EVENT_TYPE_NAMES
from ..records import RecordsUnavailable
from . import args as query
from . import battles, exports, formatting
from .args import BadQuery

bp = Blueprint("reports", __name__)
for _name, _filter in formatting.FILTERS.items():
    bp.add_app_template_filter(_filter, _name)

LIVES_PER_PAGE = 50
MAX_LIVES_PER_PAGE = 200
EVENTS_PER_PAGE = 100
MAX_EVENTS_PER_PAGE = 1000
CHAT_PER_PAGE = 100
GIFT_EVENTS_PER_PAGE = 200


class _Missing(Exception):
    """Answered 404: `code` not_found (no such live) or records_off (RECORD_STREAMS=0)."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


def _wants_json():
    return request.path.startswith("/api/") or "/export." in request.path


@bp.errorhandler(BadQuery)
def bad_query(error):
    if _wants_json():
        return jsonify(error="bad_request", message=str(error)), 400
    return render_template("error.html", status=400, title="That address has a mistake", message=str(error)), 400


@bp.errorhandler(_Missing)
def missing(error):
    if _wants_json():
        return jsonify(error=error.code, message=error.message), 404
    title = "Recording is off" if error.code == "records_off" else "No such live"
    return render_template("error.html", status=404, title=title, message=error.message), 404


@bp.errorhandler(RecordsUnavailable)
def unavailable(error):
    """The database failed: 503 with the reason (the dashboard's live data does not need it)."""
    current_app.logger.warning("Records: a read failed: %s", error)
    message = f"The records database is unavailable: {error}"
    if _wants_json():
        return jsonify(error="unavailable", message=message), 503, {"Retry-After": "5"}
    page = render_template("error.html", status=503, title="Records are unavailable", message=message)
    return page, 503, {"Retry-After": "5"}


def _records():
    records = current_app.extensions.get("records")
    if records is None:
        raise _Missing("records_off", "Recording is off on this server (RECORD_STREAMS=0): no live is kept")
    return records


def _live(live_id):
    """The live's report dict (Records.get_live), or a 404."""
    number = query.live_id(live_id)
    live = _records().get_live(number) if number is not None else None
    if live is None:
        raise _Missing("not_found", f"No recorded live has the id {live_id[:40]!r}")
    return live


def _events_page(live, types, search=None, after=None, limit=EVENTS_PER_PAGE):
    events, next_cursor = _records().events(live["id"], types=types, search=search, after=after, limit=limit)
    return {"events": events, "next": next_cursor}


# --- pages ------------------------------------------------------------------------------------------


@bp.get("/streams")
def streams_page():
    """The recorded lives, newest first (`username=` one creator's, `before=` the next page)."""
    username = query.username(request.args)
    before = query.cursor(request.args, "before")
    lives, next_cursor = _records().list_lives(username=username, before=before, limit=LIVES_PER_PAGE)
    return render_template("streams.html", lives=lives, next=next_cursor, username=username, before=before)


@bp.get("/streams/latest")
def latest_report():
    """302 to the report of the creator's newest live (the dashboard's "this live's report")."""
    username = query.username(request.args, required=True)
    lives, _ = _records().list_lives(username=username, limit=1)
    if not lives:
        raise _Missing("not_found", f"No live of @{username} has been recorded yet")
    return redirect(url_for(".report_page", live_id=lives[0]["id"]), 302)


@bp.get("/streams/<live_id>")
def report_page(live_id):
    """The report: totals, charts, leaderboards, the PK battles, the chat (`q=` search, `after=` next page),
    the gifts (`gifts_after=`)."""
    live = _live(live_id)
    search = query.search(request.args)
    chat = _events_page(live, ("chat",), search, query.cursor(request.args, "after"), CHAT_PER_PAGE)
    gifts = _events_page(live, ("gift",), after=query.cursor(request.args, "gifts_after"),
                         limit=GIFT_EVENTS_PER_PAGE)
    fought = battles.listed(_records().battle_events(live["id"]), live["username"])
    return render_template("report.html", live=live, chat=chat, gifts=gifts, search=search or "",
                           paged=bool(request.args.get("after") or request.args.get("gifts_after")),
                           event_types=EVENT_TYPE_NAMES, battles=fought,
                           battle_tally=battles.tally(fought, live["metrics"]))


# --- JSON API ---------------------------------------------------------------------------------------


@bp.get("/api/streams")
def api_streams():
    """`{streams: [{id, username, roomId, status, startedAt, endedAt, metrics}], next}`, newest first."""
    username = query.username(request.args)
    before = query.cursor(request.args, "before")
    limit = query.limit(request.args, LIVES_PER_PAGE, MAX_LIVES_PER_PAGE)
    lives, next_cursor = _records().list_lives(username=username, before=before, limit=limit)
    return jsonify(streams=lives, next=next_cursor)


@bp.get("/api/streams/<live_id>")
def api_stream(live_id):
    """`{id, username, roomId, status, startedAt, endedAt, endReason, metrics, leaderboards, series}`."""
    return jsonify(_live(live_id))


@bp.get("/api/streams/<live_id>/events")
def api_events(live_id):
    """`{events: [event], next}` in seq order: `types=`, `q=` (chat text), `after=` (a seq), `limit=`."""
    live = _live(live_id)
    types = query.event_types(request.args)
    search = query.search(request.args)
    after = query.cursor(request.args, "after")
    limit = query.limit(request.args, EVENTS_PER_PAGE, MAX_EVENTS_PER_PAGE)
    return jsonify(_events_page(live, types, search, after, limit))


# --- exports ----------------------------------------------------------------------------------------


def _export(live_id, chunks, extension, mimetype):
    live = _live(live_id)
    types = query.event_types(request.args)  # checked before the answer starts: a 400, not a cut stream
    events = _records().iter_events(live["id"], types=types)
    disposition = f'attachment; filename="{exports.filename(live, extension)}"'
    return Response(chunks(events), mimetype=mimetype,
                    headers={"Content-Disposition": disposition, "Cache-Control": "no-store"})


@bp.get("/streams/<live_id>/export.csv")
def export_csv(live_id):
    """Every event (`types=` some types) as CSV, one row per event, streamed."""
    return _export(live_id, exports.csv_chunks, "csv", "text/csv")


@bp.get("/streams/<live_id>/export.jsonl")
def export_jsonl(live_id):
    """Every event (`types=` some types) as JSON Lines, one event object per line, streamed."""
    return _export(live_id, exports.jsonl_chunks, "jsonl", "application/x-ndjson")
