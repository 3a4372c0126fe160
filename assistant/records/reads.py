"""What the pages, the API, the exports and a restarting runner read: functions of a connection
(the Records facade runs them through Database.run). Times go out as ISO 8601 UTC strings, except in
LiveRecord (the runner's restore), which keeps the stored numbers."""

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import and_, desc, func, or_, select

from .schema import POINT_FIELDS, events, lives, series_points, viewers

BUCKET_SECONDS = 60  # the series' minute, as assistant/insights/series.py makes it
_ACTIVITY_WEIGHTS = {"diamonds": 10, "comments": 3, "follows": 3, "shares": 3, "gifts": 1, "likes": 1}


@dataclass(frozen=True)
class LiveRecord:
    """A creator's newest live, as a runner restores it."""

    id: int
    username: str
    room_id: str
    status: str
    started_at: float
    ended_at: float | None
    end_reason: str | None
    seq: int
    metrics: dict
    leaderboards: dict | None
    series: list  # the contract's series points, in time order
    cards: list  # viewer cards (ViewerCard.to_dict), the most active first
    recent_chat: list  # the last RECENT_CHAT chat events, oldest first: what TikTok replays on a reconnect
    battles: list  # the last event of each phase of each battle (battle_events): what TikTok may send again


def iso_utc(epoch_seconds):
    if epoch_seconds is None:
        return None
    return datetime.fromtimestamp(epoch_seconds, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _points(connection, live_id):
    query = select(*(series_points.c[name] for name in POINT_FIELDS)).where(series_points.c.live_id == live_id)
    return [dict(row._mapping) for row in connection.execute(query.order_by(series_points.c.t))]


RECENT_CHAT = 256


def latest(connection, username, limit_cards):
    row = connection.execute(
        select(lives).where(lives.c.username == username).order_by(desc(lives.c.started_at), desc(lives.c.id)).limit(1)
    ).first()
    if row is None:
        return None
    activity = sum(viewers.c[name] * weight for name, weight in _ACTIVITY_WEIGHTS.items())
    cards = connection.execute(
        select(viewers.c.card).where(viewers.c.live_id == row.id).order_by(desc(activity)).limit(limit_cards)
    ).scalars()
    return LiveRecord(
        id=row.id, username=row.username, room_id=row.room_id, status=row.status, started_at=row.started_at,
        ended_at=row.ended_at, end_reason=row.end_reason, seq=row.seq, metrics=row.metrics,
        leaderboards=row.leaderboards, series=_points(connection, row.id), cards=list(cards),
        recent_chat=_recent_chat(connection, row.id), battles=battle_events(connection, row.id),
    )


def _recent_chat(connection, live_id):
    newest_first = connection.execute(
        select(events.c.data).where(events.c.live_id == live_id, events.c.type == "chat")
        .order_by(desc(events.c.seq)).limit(RECENT_CHAT)
    ).scalars()
    return list(newest_first)[::-1]


def chat_line(connection, username, message_id):
    """The chat event with that messageId in the creator's newest live, and whether TikTok deleted it:
    (event, deleted), or None. One row through the messageId index."""
    newest = (select(lives.c.id).where(lives.c.username == username)
              .order_by(desc(lives.c.started_at), desc(lives.c.id)).limit(1).scalar_subquery())
    row = connection.execute(
        select(events.c.data, events.c.deleted)
        .where(events.c.live_id == newest, events.c.message_id == message_id, events.c.type == "chat")
        .order_by(desc(events.c.seq)).limit(1)
    ).first()
    return (row.data, bool(row.deleted)) if row is not None else None


def _summary(row):
    return {"id": row.id, "username": row.username, "roomId": row.room_id, "status": row.status,
            "startedAt": iso_utc(row.started_at), "endedAt": iso_utc(row.ended_at), "metrics": row.metrics}


def list_lives(connection, username, before, limit):
    """Newest first (by start, then id); `before` is the id the previous page ended with, the next cursor
    is this page's last id (None on the last page). A cursor whose live is gone gives an empty page."""
    query = select(lives)
    if username is not None:
        query = query.where(lives.c.username == username)
    if before is not None:
        start = connection.execute(select(lives.c.started_at).where(lives.c.id == before)).scalar()
        if start is None:
            return [], None
        query = query.where(or_(lives.c.started_at < start, and_(lives.c.started_at == start, lives.c.id < before)))
    rows = connection.execute(query.order_by(desc(lives.c.started_at), desc(lives.c.id)).limit(limit + 1)).all()
    page = [_summary(row) for row in rows[:limit]]
    return page, (page[-1]["id"] if len(rows) > limit else None)


def get_live(connection, live_id):
    row = connection.execute(select(lives).where(lives.c.id == live_id)).first()
    if row is None:
        return None
    series = {"username": row.username, "bucketSeconds": BUCKET_SECONDS, "points": _points(connection, live_id)}
    return {**_summary(row), "endReason": row.end_reason, "leaderboards": row.leaderboards, "series": series}


def battle_events(connection, live_id):
    """The battle events a report needs, in seq order: of each battle (`battleId`), the last event of each
    `phase` (started, scores, ended). The scores come a few times a second while a battle runs: the
    database picks the last of each on the type's index, and only those are read and decoded."""
    battle, phase = events.c.data["battleId"].as_string(), events.c.data["phase"].as_string()
    last = (select(func.max(events.c.seq)).where(events.c.live_id == live_id, events.c.type == "battle")
            .group_by(battle, phase))
    query = select(events.c.data).where(events.c.live_id == live_id, events.c.seq.in_(last))
    return connection.execute(query.order_by(events.c.seq)).scalars().all()


def _escaped(text):
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def events_page(connection, live_id, types, search, after, limit):
    """Up to `limit` events after seq `after`, in seq order, and the next cursor (the last seq; None when
    no more). `search`: chat comments holding this text, case aside (ASCII case on SQLite); deleted lines
    too, marked."""
    query = select(events.c.data, events.c.deleted).where(events.c.live_id == live_id)
    if types:
        query = query.where(events.c.type.in_(types))
    if after is not None:
        query = query.where(events.c.seq > after)
    if search:
        query = query.where(events.c.type == "chat",
                            events.c.data["comment"].as_string().ilike(f"%{_escaped(search)}%", escape="\\"))
    found = connection.execute(query.order_by(events.c.seq).limit(limit + 1)).all()
    page = [_marked(data, deleted) for data, deleted in found[:limit]]
    return page, (page[-1]["seq"] if len(found) > limit else None)


def _marked(event, deleted):
    """The event as recorded, with `deleted: true` when TikTok deleted the chat line (batch.py marks it)."""
    return {**event, "deleted": True} if deleted else event

