"""The roster (docs/wall.md): the creators on the wall, with their monthly targets."""

from flask import jsonify, request

from ..records import ROSTER_LIMIT, RosterFull
from . import inputs
from .http import Refused, bp, records


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


@bp.delete("/api/roster/<username>")
def roster_remove(username):
    """204, or 404 when the creator is not on the roster."""
    name = inputs.username(username)
    if not records().remove_roster_entry(name):
        raise Refused(404, "not_found", f"@{name} is not on the roster")
    return "", 204
