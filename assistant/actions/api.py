"""The actions' API (docs/http.md, "Actions"), behind the login like every API (access.py):

- `GET /api/actions?username=` `{rules}`; `POST /api/actions` a rule -> 201 `{rule, secret?}` (the webhook secret
  shown this once); `GET /api/actions/<id>` `{rule}`; `PUT /api/actions/<id>` the whole rule (`rotateSecret: true`
  for a new secret) -> `{rule, secret?}`; `DELETE /api/actions/<id>` 204.
- `GET /api/actions/<id>/deliveries` `{deliveries}`: the rule's last webhook deliveries, newest first.
- `POST /api/actions/<id>/test`: the rule's actions once, with a sample event of its trigger -> `{fired, deliveries}`.
- `GET /api/actions/counters?username=` `{counters: [{name, value}]}`; `PUT /api/actions/counters/<username>/<name>`
  `{value}` -> `{name, value}` (set or reset).
Bad input: 400 `{error: "bad_request", message}`; an unknown rule 404 `not_found`; with recording off every route
answers 404 `records_off` (the rules live in the records database); the database failing 503 `unavailable`.
"""

from flask import Blueprint, current_app, jsonify, request
from sqlalchemy.exc import SQLAlchemyError

from ..records.engine import one_line
from ..usernames import UsernameError, parse_username
from .evaluator import sample_event
from .rules import RuleError
from .templates import COUNTER_NAME

bp = Blueprint("actions_api", __name__)

MAX_COUNTER = 10**15


class _RecordsOff(Exception):
    pass


def _actions():
    actions = current_app.extensions.get("actions")
    if actions is None:
        raise _RecordsOff("Actions are kept in the records database, and recording is off (RECORD_STREAMS=0).")
    return actions


@bp.errorhandler(_RecordsOff)
def _records_off(error):
    """As the records' routes answer with recording off (reports/pages.py)."""
    return jsonify(error="records_off", message=str(error)), 404


@bp.errorhandler(SQLAlchemyError)
def _database_failed(error):
    return jsonify(error="unavailable", message=f"The database failed: {one_line(error)}"), 503, {"Retry-After": "3"}


@bp.errorhandler(RuleError)
def _bad_rule(error):
    return _bad(str(error))


def _bad(message):
    return jsonify(error="bad_request", message=message), 400


def _no_rule(rule_id):
    shown = rule_id if len(rule_id) <= 40 else rule_id[:40] + "…"
    return jsonify(error="not_found", message=f"There is no rule {shown!r}."), 404


def _username_arg(text):
    try:
        return parse_username(text)
    except UsernameError as ex:
        raise RuleError(f"`username`: {ex.message}.") from ex


def _body():
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise RuleError("Send the rule as a JSON object (Content-Type: application/json).")
    return body


@bp.get("/api/actions")
def list_rules():
    """Every rule, or one creator's (`?username=`)."""
    username = request.args.get("username")
    return jsonify(rules=_actions().rules(_username_arg(username) if username else None))


@bp.post("/api/actions")
def create_rule():
    rule, secret = _actions().create(_body())
    return jsonify(rule=rule, **({"secret": secret} if secret else {})), 201


@bp.get("/api/actions/<rule_id>")
def get_rule(rule_id):
    rule = _actions().rule(rule_id)
    return jsonify(rule=rule) if rule is not None else _no_rule(rule_id)


@bp.put("/api/actions/<rule_id>")
def replace_rule(rule_id):
    rule, secret = _actions().replace(rule_id, _body())
    if rule is None:
        return _no_rule(rule_id)
    return jsonify(rule=rule, **({"secret": secret} if secret else {}))


@bp.delete("/api/actions/<rule_id>")
def delete_rule(rule_id):
    return ("", 204) if _actions().delete(rule_id) else _no_rule(rule_id)


@bp.get("/api/actions/<rule_id>/deliveries")
def deliveries(rule_id):
    found = _actions().deliveries(rule_id)
    return jsonify(deliveries=found) if found is not None else _no_rule(rule_id)


@bp.post("/api/actions/<rule_id>/test")
def test_rule(rule_id):
    """Fire the rule's actions once with a sample event (even a disabled rule: that is what a test is for)."""
    actions = _actions()
    rule = actions.rule(rule_id)
    if rule is None:
        return _no_rule(rule_id)
    service = current_app.extensions["live_service"]
    return jsonify(actions.test(rule, sample_event(rule["trigger"]),
                                lambda event, payload: service.tell_watchers(rule["username"], event, payload)))


@bp.get("/api/actions/counters")
def counters():
    username = request.args.get("username")
    if not username:
        raise RuleError("Name the creator: ?username=.")
    return jsonify(counters=_actions().counters(_username_arg(username)))


@bp.put("/api/actions/counters/<username>/<name>")
def set_counter(username, name):
    creator = _username_arg(username)
    if not COUNTER_NAME.fullmatch(name):
        raise RuleError("A counter's name is 1 to 40 letters, digits, - or _.")
    body = request.get_json(silent=True)
    value = body.get("value") if isinstance(body, dict) else None
    if isinstance(value, bool) or not isinstance(value, int) or abs(value) > MAX_COUNTER:
        raise RuleError("Send {\"value\": a whole number}.")
    actions = _actions()
    actions.set_counter(creator, name, value)
    current_app.extensions["live_service"].tell_watchers(creator, "counter",
                                                        {"username": creator, "name": name, "value": value})
    return jsonify(name=name, value=value)
