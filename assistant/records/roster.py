"""The wall's roster (docs/wall.md): the creators an agency follows, with their monthly targets. Functions of
a connection, run through Database.run by the Records facade, like reads.py."""

from sqlalchemy import delete, func, select

from .batch import dialect_insert
from .reads import iso_utc
from .schema import roster

ROSTER_LIMIT = 500  # creators on one roster: a wall shows 50 at a time, an agency rarely manages more than this


class RosterFull(Exception):
    """A new creator would take the roster past ROSTER_LIMIT; str() is the message for the client."""


def _entry(row):
    return {"username": row.username, "displayName": row.display_name, "targets": row.targets,
            "addedAt": iso_utc(row.created_at), "updatedAt": iso_utc(row.updated_at)}


def list_roster(connection):
    """Every creator of the roster, in the order they were added."""
    rows = connection.execute(select(roster).order_by(roster.c.created_at, roster.c.username))
    return [_entry(row) for row in rows]


def get_entry(connection, username):
    row = connection.execute(select(roster).where(roster.c.username == username)).first()
    return None if row is None else _entry(row)


def save_entry(connection, username, display_name, targets, now):
    """Adds the creator, or replaces its display name and targets (the date it was added kept): (entry, created).
    RosterFull when it is new and the roster holds ROSTER_LIMIT creators already."""
    known = connection.execute(select(roster.c.username).where(roster.c.username == username)).first()
    if known is None:
        size = connection.execute(select(func.count()).select_from(roster)).scalar()
        if size >= ROSTER_LIMIT:
            raise RosterFull(f"The roster holds {ROSTER_LIMIT} creators, its most: remove one first")
    values = {"display_name": display_name, "targets": targets, "updated_at": now}
    statement = dialect_insert(connection, roster).values(username=username, created_at=now, **values)
    connection.execute(statement.on_conflict_do_update(index_elements=["username"], set_=values))
    return get_entry(connection, username), known is None


def delete_entry(connection, username):
    """Whether the creator was on the roster (and is no more)."""
    return connection.execute(delete(roster).where(roster.c.username == username)).rowcount > 0
