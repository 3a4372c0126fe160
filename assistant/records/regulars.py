"""A creator's regulars across lives (docs/wall.md, "Viewers across lives"): a viewer's history over the
creator's recorded lives, the team's notes on viewers, and the boards over the last days. Functions of a
connection, run through Database.run by the Records facade, like reads.py."""

from sqlalchemy import delete, desc, func, select

from .batch import dialect_insert
from .reads import iso_utc
from .schema import lives, viewer_notes, viewers

HISTORY_TOTALS = ("comments", "gifts", "diamonds", "likes")
BOARDS = {"gifters": ("diamonds", "gifts"), "chatters": ("comments",), "likers": ("likes",)}  # ranked by the first


def viewer_history(connection, username, user_id, current):
    """{lives, firstSeen, totals: {comments, gifts, diamonds, likes}} of the viewer over the creator's recorded
    lives. `current`: the viewer's card of the live being watched (the store's, newer than its recorded row, which
    is left out: the row of the same live has the card's firstSeen), or None. None when the viewer is in neither."""
    query = (select(func.count(), func.min(viewers.c.first_seen), *(func.sum(viewers.c[name]) for name in
                                                                     HISTORY_TOTALS))
             .select_from(viewers.join(lives, lives.c.id == viewers.c.live_id))
             .where(lives.c.username == username, viewers.c.user_id == user_id))
    if current is not None:
        query = query.where(viewers.c.first_seen != current["firstSeen"])
    count, first_seen, *sums = connection.execute(query).one()
    totals = {name: int(total or 0) for name, total in zip(HISTORY_TOTALS, sums, strict=True)}
    if current is not None:
        count += 1
        first_seen = min(first_seen or current["firstSeen"], current["firstSeen"])
        for name in HISTORY_TOTALS:
            totals[name] += current["totals"].get(name) or 0
    if not count:
        return None
    return {"lives": count, "firstSeen": first_seen, "totals": totals}


def regular(connection, username, user_id, current):
    """{history, note}: what the viewer card adds from the records (viewer_history; the note's text or None)."""
    note = get_note(connection, username, user_id)
    return {"history": viewer_history(connection, username, user_id, current), "note": note and note["note"]}


def get_note(connection, username, user_id):
    """{note, updatedAt} of the team's note on the creator's viewer, or None."""
    row = connection.execute(select(viewer_notes.c.note, viewer_notes.c.updated_at).where(
        viewer_notes.c.username == username, viewer_notes.c.user_id == user_id)).first()
    return None if row is None else {"note": row.note, "updatedAt": iso_utc(row.updated_at)}


def set_note(connection, username, user_id, note, now):
    """Sets the note (None deletes it); answers {note, updatedAt} (updatedAt null once deleted)."""
    if note is None:
        connection.execute(delete(viewer_notes).where(viewer_notes.c.username == username,
                                                      viewer_notes.c.user_id == user_id))
        return {"note": None, "updatedAt": None}
    values = {"note": note, "updated_at": now}
    statement = dialect_insert(connection, viewer_notes).values(username=username, user_id=user_id, **values)
    connection.execute(statement.on_conflict_do_update(index_elements=["username", "user_id"], set_=values))
    return {"note": note, "updatedAt": iso_utc(now)}


def boards_since(connection, username, since, size):
    """{gifters, chatters, likers}, as the `leaderboards` event has them, summed over the creator's lives that
    started at `since` (epoch seconds) or later: the top `size` of each, highest first (ties: who came first),
    only viewers above 0, each with the user object of their newest recorded live."""
    recent = select(lives.c.id).where(lives.c.username == username, lives.c.started_at >= since)
    columns = sorted({name for counted in BOARDS.values() for name in counted})
    sums = {name: func.sum(viewers.c[name]).label(name) for name in columns}
    first = func.min(viewers.c.first_seen).label("first_seen")
    grouped = select(viewers.c.user_id, first, *sums.values()).where(viewers.c.live_id.in_(recent)) \
        .group_by(viewers.c.user_id)
    ranked = {}
    for board, (ranking, *_) in BOARDS.items():
        query = grouped.having(sums[ranking] > 0).order_by(desc(sums[ranking]), first, viewers.c.user_id)
        ranked[board] = connection.execute(query.limit(size)).all()
    users = _users(connection, recent, {row.user_id for rows in ranked.values() for row in rows})
    return {board: [{"user": users[row.user_id], **{name: int(row._mapping[name]) for name in counted}}
                    for row in ranked[board]] for board, counted in BOARDS.items()}


def _users(connection, recent, user_ids):
    """{user_id: the user object of the viewer's card in their newest of `recent` lives}."""
    if not user_ids:
        return {}
    rows = connection.execute(select(viewers.c.user_id, viewers.c.card).where(
        viewers.c.live_id.in_(recent), viewers.c.user_id.in_(user_ids)).order_by(viewers.c.last_seen))
    return {user_id: card.get("user") or {"userId": user_id} for user_id, card in rows}
