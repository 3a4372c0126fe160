"""Overlays for OBS (docs/overlays.md): the overlay page and the builder's URL maker.

- `GET /overlay/<username>?widgets=...`: a transparent page for an OBS browser source (templates/overlay.html,
  static/js/overlay.js). Bad options: status 400 and one plain line saying what is wrong. With
  ACCESS_PASSWORD set it needs its signature (signature.py): none 401, a wrong one 403, each with
  its line. It is open to the login guard (access.py): the signature is its access.
- `POST /api/overlay-url` `{username, options: {widgets, goal, max, ...}}` (the page's query parameters, as
  text or numbers): `{url, path, query}`, the overlay's canonical URL, signed when ACCESS_PASSWORD is set
  (then it needs a login, like every API); 400 `{error: "bad_request", message}` for what the page would
  refuse, plus `option` and `rule` when one option's value is at fault (OverlayError: the builder says the
  rule of the field's label). The dashboard's builder makes every URL here, so it never hands out one the
  page refuses.

The counter widget's value at page load is read here (the overlay has no login to call the actions' API), then
it follows the `counter` event.
"""

import logging

from flask import Blueprint, current_app, jsonify, render_template, request, url_for

from .options import OverlayError, parse_overlay
from .signature import SignatureError, checked_overlay, signed_query

log = logging.getLogger(__name__)

bp = Blueprint("overlays", __name__)

# The page is framed by the dashboard's builder (same origin) and shown by OBS.
PAGE_ENDPOINT = "overlays.page"


@bp.get("/overlay/<path:username>")
def page(username):
    """The overlay, or the one line that says why not (400, 401, 403)."""
    try:
        overlay = checked_overlay(username, request.args)
    except OverlayError as ex:
        return _refusal(400, str(ex))
    except SignatureError as ex:
        return _refusal(ex.status, ex.message)
    shown = overlay.for_page()
    if "counter" in overlay.widgets:
        shown["counterValue"] = _counter_value(overlay.username, overlay.counter)
    return render_template("overlay.html", overlay=shown, problem=None)


def _counter_value(username, name):
    """The creator's counter now: 0 when it was never counted, with records off, or when the database fails
    (the widget then shows the next `counter` event's value)."""
    actions = current_app.extensions.get("actions")
    if actions is None:
        return 0
    try:
        values = {counter["name"]: counter["value"] for counter in actions.counters(username)}
    except Exception as ex:
        log.warning("Overlay: the counters of %s could not be read: %s", username, ex)
        return 0
    return values.get(name, 0)


def _refusal(status, message):
    return render_template("overlay.html", overlay=None, problem=message), status, {"Cache-Control": "no-store"}


@bp.post("/api/overlay-url")
def make_url():
    """The builder's URL: canonical, and signed when ACCESS_PASSWORD is set."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("options", {}), dict):
        return _bad("Send {username, options: {widgets, ...}} as JSON")
    if not isinstance(body.get("username"), str) or not body["username"].strip():
        return _bad("Name the creator: a TikTok username or @name")
    try:
        overlay = parse_overlay(body.get("username"), body.get("options", {}))
    except OverlayError as ex:
        fault = {"option": ex.option, "rule": ex.rule} if ex.option else {}
        return _bad(str(ex), **fault)
    path = url_for(PAGE_ENDPOINT, username=overlay.username)
    query = signed_query(overlay)
    return jsonify(url=f"{request.host_url.rstrip('/')}{path}?{query}", path=path, query=query)


def _bad(message, **fault):
    return jsonify(error="bad_request", message=message, **fault), 400
