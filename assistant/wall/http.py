"""The wall's blueprint and its answers to what goes wrong (docs/http.md, "The wall"); its routes are in
roster.py, months.py and viewers.py.

Kept in the records database (`current_app.extensions["records"]`): with RECORD_STREAMS=0 these answer 404
`records_off`. A bad value -> 400 `bad_request` (a username -> `invalid_username`), a database that fails -> 503
`unavailable`; every answer JSON `{error, message}`.
"""

from flask import Blueprint, current_app, jsonify

from ..records import RecordsUnavailable
from .inputs import BadInput

bp = Blueprint("wall", __name__)


class Refused(Exception):
    """An answer other than 400: `status`, `code` and the message."""

    def __init__(self, status, code, message):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@bp.errorhandler(BadInput)
def bad_input(error):
    code = "invalid_username" if str(error).startswith("username:") else "bad_request"
    return jsonify(error=code, message=str(error)), 400


@bp.errorhandler(Refused)
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
        raise Refused(404, "records_off", "Recording is off on this server (RECORD_STREAMS=0): the roster, the "
                                          "months and the notes are kept in the records database")
    return found
