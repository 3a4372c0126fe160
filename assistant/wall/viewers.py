"""A creator's regulars (docs/wall.md, "Viewers across lives"): the team's note on a viewer, and the boards summed
over the last days (the dashboard's switch between "this live" and "last 30 days")."""

import time

from flask import jsonify, request

from ..insights.viewers import LEADERBOARD_SIZE
from . import inputs
from .http import bp, records

DEFAULT_DAYS = 30
MAX_DAYS = 366


@bp.get("/api/creators/<username>/viewers/<user_id>/note")
def viewer_note(username, user_id):
    """`{note, updatedAt}`: the team's note on the viewer (`note` null when there is none)."""
    name, viewer = inputs.username(username), inputs.user_id(user_id)
    return jsonify(records().viewer_note(name, viewer) or {"note": None, "updatedAt": None})


@bp.put("/api/creators/<username>/viewers/<user_id>/note")
def viewer_note_save(username, user_id):
    """`{note}` (at most 1,000 characters; empty or null deletes it) -> `{note, updatedAt}`."""
    name, viewer = inputs.username(username), inputs.user_id(user_id)
    note = inputs.note(inputs.json_object(request))
    return jsonify(records().set_viewer_note(name, viewer, note))


@bp.get("/api/creators/<username>/leaderboards")
def boards_over_days(username):
    """`{username, days, gifters, chatters, likers}` over the creator's lives of the last `days` (30)."""
    name = inputs.username(username)
    days = inputs.days(request.args.get("days"), DEFAULT_DAYS, MAX_DAYS)
    boards = records().boards_since(name, time.time() - days * 86400, LEADERBOARD_SIZE)
    return jsonify(username=name, days=days, **boards)
