"""Signed overlay URLs (docs/architecture.md, "Access"): OBS cannot log in, so with ACCESS_PASSWORD set an overlay's URL
carries `sig`, an HMAC-SHA256 under SECRET_KEY of the creator and the overlay's canonical options
(options.Overlay.canonical). The dashboard makes it (`POST /api/overlay-url`, login required); the page
and the page's Socket.IO connection check it. No signature: 401; one that does not match (another
creator, changed options, another key): 403. SECRET_KEY is fixed whenever ACCESS_PASSWORD is set (config.py),
so signed URLs survive restarts and work on every process. Without ACCESS_PASSWORD nothing is signed or
checked.
"""

import base64
import hashlib
import hmac
from urllib.parse import parse_qsl

from flask import current_app
from werkzeug.datastructures import MultiDict

from .options import SIGNATURE_PARAM, parse_overlay

MAX_QUERY_LENGTH = 2000


class SignatureError(Exception):
    """The overlay may not be shown: `status` 401 (no signature) or 403 (a wrong one)."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


def signing():
    """Whether overlay URLs are signed here (ACCESS_PASSWORD set)."""
    return bool(current_app.config["ACCESS_PASSWORD"])


def signature(overlay):
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, b"overlay\0" + overlay.canonical().encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def signed_query(overlay):
    """The overlay's query string, with its signature when signing."""
    query = overlay.query()
    return f"{query}&{SIGNATURE_PARAM}={signature(overlay)}" if signing() else query


def checked_overlay(username, params):
    """The Overlay of `username` and `params` (a MultiDict); raises OverlayError for bad options and, when
    signing, SignatureError for a missing (first, before anything else is read) or wrong signature."""
    sent = params.get(SIGNATURE_PARAM) if signing() else None
    if signing() and not sent:
        raise SignatureError(401, "This overlay needs a signed link: make one in the dashboard's overlay builder.")
    overlay = parse_overlay(username, params)
    if signing() and not hmac.compare_digest(str(sent).encode(), signature(overlay).encode()):
        raise SignatureError(403, "This overlay's link is not valid (changed, or made for another creator or "
                                  "server): make a new one in the dashboard's overlay builder.")
    return overlay


def socket_overlay(auth):
    """The creator an overlay's socket may follow without a login: its connect `auth` is
    `{kind: "overlay", overlay: {username, query}}` with the page's signed query. None when it is not one,
    or its signature does not hold."""
    spec = auth.get("overlay") if isinstance(auth, dict) and auth.get("kind") == "overlay" else None
    if not isinstance(spec, dict) or not all(isinstance(spec.get(name), str) for name in ("username", "query")):
        return None
    if len(spec["query"]) > MAX_QUERY_LENGTH:
        return None
    try:
        params = MultiDict(parse_qsl(spec["query"].removeprefix("?"), keep_blank_values=True))
        return checked_overlay(spec["username"], params).username
    except (ValueError, SignatureError):  # OverlayError is a ValueError
        return None
