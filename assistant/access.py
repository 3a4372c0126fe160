"""Access with ACCESS_PASSWORD set (docs/architecture.md, "Access"): the login form, the login cookie, and the guard
in front of every page, API and export.

A login is Flask's session cookie, signed with SECRET_KEY, HttpOnly, SameSite=Lax, and Secure when
the request came over https. It holds when it was made and a fingerprint of the password: it lasts
ACCESS_SESSION_HOURS from the login, and a new ACCESS_PASSWORD ends every login.

Open without a login: /healthz, /login, /logout, static files, /source (the program's source, owed to every user
of it: AGPL-3.0 section 13), /overlay/<username> (which takes its signed URL instead) and /media/<name> (an
overlay action's image or sound, named by its content's hash). /debug with DEBUG_TOKEN set is left to
debug.guard, which takes the token or a login. Socket.IO requests never reach Flask's
routing: sockets.on_connect asks `granted()` itself.

Without ACCESS_PASSWORD none of this is registered (`init_app` is not called) and everything is open.
"""

import hashlib
import hmac
import time
from datetime import timedelta

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, session, url_for
from flask.sessions import SecureCookieSessionInterface

from .attempts import FailedAttempts

bp = Blueprint("access", __name__)

LOGIN_ATTEMPTS = 5  # failed logins allowed per client address...
LOGIN_WINDOW_SECONDS = 300  # ...in any 5 minutes
# The overlay page checks its own signature (overlays/signature.py): OBS cannot log in. Nor can it for the images
# and sounds of overlay actions (actions/pages.py), named by their content's hash.
OPEN_ENDPOINTS = frozenset({"static", "main.healthz", "main.source_archive", "access.login", "access.logout",
                            "overlays.page", "actionpages.media_file"})
UNAUTHORIZED = {"code": "unauthorized", "message": "Log in first"}


def init_app(app):
    app.session_interface = _LoginCookie()
    app.config.update(
        SESSION_COOKIE_NAME="live_assistant_login",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=app.config["ACCESS_SESSION_HOURS"]),
        SESSION_REFRESH_EACH_REQUEST=False,  # the cookie is written at login only
    )
    app.extensions["login_attempts"] = FailedAttempts(LOGIN_ATTEMPTS, LOGIN_WINDOW_SECONDS)
    app.register_blueprint(bp)


class _LoginCookie(SecureCookieSessionInterface):
    """Flask's signed session cookie, Secure when the request came over https (behind a proxy too:
    with TRUSTED_PROXIES set, ProxyFix takes the scheme from X-Forwarded-Proto)."""

    def get_cookie_secure(self, app):
        return request.is_secure


def _fingerprint(password):
    """An HMAC of a password under SECRET_KEY. A login stores the current password's (readable in the
    cookie, useless without the key); a typed password is compared by it, in constant time and
    without its length showing."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, b"access-password\0" + password.encode(), hashlib.sha256).hexdigest()


def logged_in():
    """The request carries a login made with the current ACCESS_PASSWORD less than ACCESS_SESSION_HOURS ago."""
    password = current_app.config["ACCESS_PASSWORD"]
    login = session.get("login") if password else None
    if not isinstance(login, dict) or not isinstance(login.get("at"), int | float):
        return False
    if time.time() - login["at"] >= current_app.config["ACCESS_SESSION_HOURS"] * 3600:
        return False
    return hmac.compare_digest(str(login.get("fingerprint")), _fingerprint(password))


def granted():
    """Open access (no ACCESS_PASSWORD), or a login."""
    return not current_app.config["ACCESS_PASSWORD"] or logged_in()


def _asks_for_html():
    """A browser navigating (or posting a form) names text/html; scripts and fetch() send */* or JSON."""
    return any(mime == "text/html" and quality > 0 for mime, quality in request.accept_mimetypes)


def _local_path(target):
    """`target` if it is a path on this server, else "/": `next` must never send anyone elsewhere.

    Browsers read `//host`, `/\\host` and paths with tabs or newlines in them as other hosts.
    """
    if (not target or not target.startswith("/") or target.startswith("//") or "\\" in target
            or any(ord(char) < 32 or ord(char) == 127 for char in target)):
        return "/"
    return target


@bp.before_app_request
def require_login():
    """Without a login: a browser asking for a page goes to the form, anything else gets 401 JSON."""
    if request.endpoint in OPEN_ENDPOINTS or logged_in():
        return None
    if current_app.config["DEBUG_TOKEN"] and request.path.startswith("/debug"):
        return None  # debug.guard decides: the token or a login
    page = not request.path.startswith(("/debug", "/api/"))
    if request.method in ("GET", "HEAD") and page and _asks_for_html():
        here = request.full_path.removesuffix("?")
        return redirect(url_for("access.login", next=here))
    return jsonify(error=UNAUTHORIZED["code"], message="Log in first: /login"), 401


@bp.route("/login", methods=["GET", "POST"])
def login():
    """GET: the form (or, already logged in, `next`). POST `password`: a login, then `next` (303)."""
    target = _local_path(request.values.get("next"))
    if request.method == "GET":
        return redirect(target) if logged_in() else render_template("login.html", next=target)

    attempts = current_app.extensions["login_attempts"]
    address = request.remote_addr
    wait = attempts.retry_after(address)
    if wait:
        message = f"Too many attempts; try again in {wait} s"
        return _refusal(429, target, "rate_limited", message, {"Retry-After": str(wait)}, retryAfter=wait)
    password = current_app.config["ACCESS_PASSWORD"]
    if not hmac.compare_digest(_fingerprint(request.form.get("password", "")), _fingerprint(password)):
        attempts.record_failure(address)
        return _refusal(401, target, "wrong_password", "Wrong password")
    attempts.forget(address)
    session.clear()
    session.permanent = True  # the browser keeps it ACCESS_SESSION_HOURS, across restarts
    session["login"] = {"at": int(time.time()), "fingerprint": _fingerprint(password)}
    return redirect(target, 303)


def _refusal(status, target, code, message, headers=None, **extra):
    """A failed login: the form again with the message for a browser, else JSON `{error, message, ...}`."""
    if _asks_for_html():
        return render_template("login.html", next=target, message=message, code=code), status, headers
    return jsonify(error=code, message=message, **extra), status, headers


@bp.post("/logout")
def logout():
    """Ends the login (the cookie is deleted) and shows the form."""
    session.clear()
    return redirect(url_for("access.login"), 303)
