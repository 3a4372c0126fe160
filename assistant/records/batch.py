"""One flush of the write queue as SQL, in the writer process (process.py), inside one transaction.

The queued operations are folded per live first: its row is then written once (inserted, or updated with
the latest seq, metrics and status), the viewer cards and series points in one upsert each, and the events
of every live in one statement given straight to the driver (`_insert_events`): most of what is written
is events, and SQLAlchemy's processing of each row's parameters cost three times the insert itself.
After them, each `chatDeleted` marks the chat lines it names `deleted` (`_mark_deleted`): in this same
transaction, so a line deleted within the half second it was written in is marked too.
"""

from dataclasses import dataclass, field

from sqlalchemy import insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from .engine import compact_json, without_nul
from .schema import MESSAGE_ID_CHARS, POINT_FIELDS, TOTALS, events, lives, series_points, viewers

_DIALECT_INSERTS = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


@dataclass
class _Change:
    """What a flush does to one live."""

    creates: bool = False  # anything but an end or a touch: a live not stored yet is inserted
    started_at: float | None = None  # the start open_live gave, for a live not stored yet
    values: dict = field(default_factory=dict)  # the live row's columns to set, the latest value of each
    events: list = field(default_factory=list)
    points: dict = field(default_factory=dict)  # t -> point
    cards: dict = field(default_factory=dict)  # user id -> card


def _fold(ops):
    changes = {}
    for kind, key, args in ops:
        change = changes.setdefault(key, _Change())
        if kind == "open":
            started_at, seq, metrics = args
            change.creates = True
            change.started_at = change.started_at or started_at
            change.values.update(status="live", ended_at=None, end_reason=None, seq=seq, metrics=metrics)
        elif kind == "events":
            batch, seq, metrics = args
            change.creates = True
            change.events.extend(batch)
            change.values.update(seq=seq, metrics=metrics)
        elif kind == "insights":
            leaderboards, points, cards = args
            change.creates = True
            if leaderboards is not None:
                change.values["leaderboards"] = leaderboards
            change.points.update((point["t"], point) for point in points)
            change.cards.update((str(card["user"]["userId"]), card) for card in cards)
        elif kind == "end":
            ended_at, reason = args
            change.values.update(status="ended", ended_at=ended_at, end_reason=reason)
        # "touch": nothing but updated_at, which every change sets
    return changes


def dialect_insert(connection, table):
    """The database's own INSERT for `table`, the one with ON CONFLICT clauses (SQLite's or Postgres')."""
    return _DIALECT_INSERTS[connection.dialect.name](table)


def _upsert(connection, table, rows, keys, replace=True):
    """INSERT ... ON CONFLICT (keys) DO UPDATE the other columns (or DO NOTHING), for many rows at once."""
    if not rows:
        return
    statement = dialect_insert(connection, table)
    if replace:
        others = {name: statement.excluded[name] for name in rows[0] if name not in keys}
        statement = statement.on_conflict_do_update(index_elements=keys, set_=others)
    else:
        statement = statement.on_conflict_do_nothing(index_elements=keys)
    connection.execute(statement, rows)


_EVENT_COLUMNS = ("live_id", "seq", "ts", "type", "user_id", "message_id", "data")
_EVENT_CONFLICT = "ON CONFLICT (live_id, seq) DO NOTHING"  # TikTok's replayed chat after a restart: kept once
_INSERT_EVENTS = {
    # sqlite3's executemany binds each row in C.
    "sqlite": f"INSERT INTO events ({', '.join(_EVENT_COLUMNS)}) VALUES ({', '.join('?' * len(_EVENT_COLUMNS))}) "
              f"{_EVENT_CONFLICT}",
    # One statement for the whole batch: psycopg sends each column as one array (an executemany is a
    # round of the protocol per row).
    "postgresql": f"INSERT INTO events ({', '.join(_EVENT_COLUMNS)}) SELECT * FROM unnest(%s::bigint[], "
                  f"%s::bigint[], %s::bigint[], %s::text[], %s::text[], %s::text[], %s::json[]) {_EVENT_CONFLICT}",
}


def _message_id(value):
    """A messageId as the column holds it (TikTok's are int64: 20 characters at most; never a refused write)."""
    return without_nul(str(value))[:MESSAGE_ID_CHARS]


def _event_row(live_id, event):
    """The event's values in _EVENT_COLUMNS order; `message_id` a chat line's only (a pin names one too: the
    index that a chatDeleted reads holds the lines it may mark, and nothing else)."""
    user = event.get("user") or {}
    user_id, kind = user.get("userId"), event["type"]
    message_id = event.get("messageId") if kind == "chat" else None
    return (live_id, event["seq"], event["ts"], kind, None if user_id is None else without_nul(str(user_id)),
            None if message_id is None else _message_id(message_id), compact_json(event))


def _insert_events(connection, rows):
    if not rows:
        return
    dialect = connection.dialect.name
    if dialect == "postgresql":
        connection.exec_driver_sql(_INSERT_EVENTS[dialect], tuple(list(column) for column in zip(*rows, strict=True)))
    else:
        connection.exec_driver_sql(_INSERT_EVENTS[dialect], rows)


def _mark_deleted(connection, deletions):
    """`deletions`: (live id, a chatDeleted event). Its live's chat lines of those messageIds get `deleted`;
    lines never recorded (sent before the recording began) are not there to mark."""
    for live_id, event in deletions:
        message_ids = [_message_id(message_id) for message_id in event.get("messageIds") or ()]
        if message_ids:
            # No other term: SQLite then takes the messageId index (given `type`, it may take the type's instead)
            connection.execute(update(events).where(events.c.live_id == live_id, events.c.message_id.in_(message_ids))
                               .values(deleted=True))


def _viewer_row(live_id, user_id, card):
    user, totals = card["user"], card["totals"]
    return {"live_id": live_id, "user_id": without_nul(user_id),
            "unique_id": without_nul(user.get("uniqueId") or "")[:64],
            "nickname": without_nul(user.get("nickname") or "")[:128], "first_seen": card["firstSeen"],
            "last_seen": card["lastSeen"], **{name: totals.get(name, 0) for name in TOTALS}, "card": card}


def _stored_id(connection, username, room_id):
    return connection.execute(
        select(lives.c.id).where(lives.c.username == username, lives.c.room_id == room_id)
    ).scalar()


def _inserted_id(connection, change, username, room_id, now):
    row = {"status": "live", "seq": 0, "metrics": {}, **change.values}
    return connection.execute(insert(lives).values(
        username=username, room_id=room_id, started_at=change.started_at or now, updated_at=now, **row
    )).inserted_primary_key[0]


def write(connection, ops, ids, now):
    """Write the queued `ops` (kind, (username, room_id), args) as of `now` (epoch seconds); `ids` caches
    (username, room_id) -> live id."""
    event_rows, viewer_rows, point_rows, deletions = [], [], [], []
    for key, change in _fold(ops).items():
        live_id = ids.get(key) or _stored_id(connection, *key)
        if live_id is not None:
            connection.execute(update(lives).where(lives.c.id == live_id).values(updated_at=now, **change.values))
        elif change.creates:
            live_id = _inserted_id(connection, change, *key, now)
        else:
            continue  # an end or a touch of a live never stored
        ids[key] = live_id
        event_rows.extend(_event_row(live_id, event) for event in change.events)
        deletions.extend((live_id, event) for event in change.events if event["type"] == "chatDeleted")
        viewer_rows.extend(_viewer_row(live_id, user_id, card) for user_id, card in change.cards.items())
        point_rows.extend({"live_id": live_id, **{name: point.get(name, 0) for name in POINT_FIELDS}}
                          for point in change.points.values())
    _insert_events(connection, event_rows)
    _mark_deleted(connection, deletions)
    _upsert(connection, viewers, viewer_rows, ("live_id", "user_id"))
    _upsert(connection, series_points, point_rows, ("live_id", "t"))
