"""The wall's JSON API (docs/http.md, "The wall"): the roster, and (months.py, notes.py) each creator's month,
the roster's month as CSV, the team's notes on viewers and the boards over days.

Kept in the records database (`current_app.extensions["records"]`): with RECORD_STREAMS=0 these answer 503
`records_off`. A bad value -> 400 `bad_request` (a username -> `invalid_username`), a database that fails -> 503
`unavailable`; every answer JSON `{error, message}`.
"""

from flask import Blueprint, current_app, jsonify, request

from ..records import ROSTER_LIMIT, RecordsUnavailable, RosterFull
from . import inputs
from .inputs import BadInput

bp = Blueprint("wall_api", __name__)


class Refused(Exception):
    """An answer other than 400: `status`, `code` and the message."""

    def __init__(self, status, code, message):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@bp.app_errorhandler(BadInput)
def bad_input(error):
    code = "invalid_username" if str(error).startswith("username:") else "bad_request"
    return jsonify(error=code, message=str(error)), 400


@bp.app_errorhandler(Refused)
def refused(error):
    headers = {"Retry-After": "5"} if error.status == 503 else {}
    return jsonify(error=error.code, message=error.message), error.status, headers


@bp.errorhandler(RecordsUnavailable)
def unavailable(error):
    current_app.logger.warning("Wall: the records database failed: %s", error)
    message = f"The records database is unavailable: {error}"
    return jsonify(error="unavailable", message=message), 503, {"Retry-After": "5"}


def records():
    """The Records, or a 503: the roster, the months and the notes are kept in the records database."""
    found = current_app.extensions.get("records")
    if found is None:
        raise Refused(503, "records_off", "Recording is off on this server (RECORD_STREAMS=0): the roster, the "
                                          "months and the notes are kept in the records database")
    return found


@bp.get("/api/roster")
def roster_list():
    """`{roster: [{username, displayName, targets, addedAt, updatedAt}], limit}` in the order they were added."""
    return jsonify(roster=records().roster(), limit=ROSTER_LIMIT)


@bp.post("/api/roster")
def roster_save():
    """Adds a creator (201) or replaces its displayName and targets (200); answers the entry."""
    username, display_name, targets = inputs.roster_entry(inputs.json_object(request))
    try:
        entry, created = records().save_roster_entry(username, display_name, targets)
    except RosterFull as full:
        raise Refused(409, "roster_full", str(full)) from None
    return jsonify(entry), 201 if created else 200


@bp.delete("/api/roster/<path:username>")
def roster_remove(username):
    """204, or 404 when the creator is not on the roster."""
    name = inputs.username(username)
    if not records().remove_roster_entry(name):
        raise Refused(404, "not_found", f"@{name} is not on the roster")
    return "", 204
