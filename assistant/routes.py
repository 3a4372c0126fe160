"""HTTP routes: the dashboard, /debug and /healthz."""

import hmac

from flask import Blueprint, current_app, jsonify, render_template, request

bp = Blueprint("main", __name__)


@bp.get("/")
def index():
    return render_template("index.html")


@bp.get("/debug")
def debug():
    """Every session and stream; with DEBUG_TOKEN set, only for `Authorization: Bearer <token>`."""
    token = current_app.config["DEBUG_TOKEN"]
    if token:
        sent = request.headers.get("Authorization", "")
        if not hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
            response = jsonify(error="unauthorized", message="Send Authorization: Bearer <DEBUG_TOKEN>")
            return response, 401, {"WWW-Authenticate": "Bearer"}
    return jsonify(current_app.extensions["live_service"].debug_report())


@bp.get("/healthz")
def healthz():
    return jsonify(status="ok")
