"""Records: every live kept in a database (SQLite by default, Postgres by DATABASE_URL); docs/architecture.md,
"Records".

One `Records` per process, made at start (`from_config`: RecordsDatabaseUnusable when the database cannot be
used). Writes (open_live, add_events, save_insights, end_live, touch) only queue and never raise (writer.py);
reads block the calling green thread only (database.py) and raise RecordsUnavailable when the database fails.
"""

import logging
import time

from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from . import migrate, months, reads, regulars, roster
from .database import Database
from .engine import database_url, make_engine, one_line, shown_url
from .errors import RecordsDatabaseUnusable, RecordsUnavailable
from .lock import RecordsFileInUse, hold_sqlite_file
from .prune import prune
from .reads import LiveRecord
from .roster import ROSTER_LIMIT, RosterFull
from .writer import RecordWriter

__all__ = ["ROSTER_LIMIT", "LiveRecord", "Records", "RecordsDatabaseUnusable", "RecordsFileInUse", "RecordsUnavailable",
           "RosterFull"]

log = logging.getLogger(__name__)

EXPORT_CHUNK = 2000  # events read at a time by iter_events


class Records:
    def __init__(self, database, retention_days=30, max_events=50_000):
        self._database = database
        self._retention_days = retention_days
        self._writer = RecordWriter(database.engine.url.render_as_string(hide_password=False), max_events)

    @classmethod
    def from_config(cls, config, instance_path):
        """The records for these settings, the database migrated; None when RECORD_STREAMS is off.

        RecordsDatabaseUnusable when the database cannot be used. Without REDIS_URL a SQLite file is locked for
        this process first (lock.py): RecordsFileInUse (a RecordsDatabaseUnusable) when another server holds it.
        """
        if not config["RECORD_STREAMS"]:
            return None
        try:
            engine = make_engine(database_url(config["DATABASE_URL"], instance_path))
        except (ArgumentError, ValueError) as ex:
            raise RecordsDatabaseUnusable(
                f"DATABASE_URL is not a database URL SQLAlchemy can use: {one_line(ex)}") from ex
        if not config.get("REDIS_URL"):
            hold_sqlite_file(engine)
        database = Database(engine)
        try:
            database.run(migrate.upgrade)
        except SQLAlchemyError as ex:
            database.close()
            raise RecordsDatabaseUnusable(
                f"DATABASE_URL: the records database {shown_url(engine)} cannot be used: {one_line(ex)}") from ex
        return cls(database, config["RECORD_RETENTION_DAYS"], config["RECORD_QUEUE_EVENTS"])

    # --- writes: queued, never raising ---------------------------------------------------------------

    def open_live(self, username, room_id, started_at, seq, metrics):
        """A live begins, or is taken up again (the same room): status live, no end."""
        self._writer.put("open", (username, room_id), started_at, seq, metrics)

    def add_events(self, username, room_id, events, seq, metrics):
        """Contract event dicts (seq, ts, type...); the live's seq and metrics become these."""
        self._writer.put_events((username, room_id), events, seq, metrics)

    def save_insights(self, username, room_id, leaderboards=None, points=(), cards=()):
        """Leaderboards (None: unchanged), series points and viewer cards, each replacing its stored self."""
        self._writer.put("insights", (username, room_id), leaderboards, list(points), list(cards))

    def end_live(self, username, room_id, ended_at, reason):
        self._writer.put("end", (username, room_id), ended_at, reason)

    def touch(self, username, room_id):
        """The live is still recorded (prune ends lives untouched for ten minutes)."""
        self._writer.put("touch", (username, room_id))

    def flush(self):
        """Write what is queued now (tests; the writer does it by itself every half second)."""
        self._writer.flush()

    # --- reads ---------------------------------------------------------------------------------------

    def _run(self, work, *args):
        try:
            return self._database.run(work, *args)
        except SQLAlchemyError as ex:
            raise RecordsUnavailable(f"the records database failed: {one_line(ex)}") from ex

    def latest(self, username, limit_cards=5000):
        """The creator's newest live (by start) as a LiveRecord, or None."""
        return self._run(reads.latest, username, limit_cards)

    def list_lives(self, username=None, before=None, limit=50):
        """([{id, username, roomId, status, startedAt, endedAt, metrics}] newest first, next cursor or None)."""
        return self._run(reads.list_lives, username, before, limit)

    def get_live(self, live_id):
        """{id, username, roomId, status, startedAt, endedAt, endReason, metrics, leaderboards, series}, or None."""
        return self._run(reads.get_live, live_id)

    def events(self, live_id, types=None, search=None, after=None, limit=100):
        """([event dicts] in seq order after seq `after`, next cursor (a seq) or None)."""
        return self._run(reads.events_page, live_id, types, search, after, limit)

    def battle_events(self, live_id):
        """The live's battle events that say how each battle went: the last of each battle's phases, in seq order."""
        return self._run(reads.battle_events, live_id)

    def chat_line(self, username, message_id):
        """(the chat event with that messageId in the creator's newest live, deleted by TikTok?), or None."""
        return self._run(reads.chat_line, username, message_id)

    def iter_events(self, live_id, types=None):
        """Every event of the live in seq order, read EXPORT_CHUNK at a time (constant memory)."""
        after = None
        while True:
            page, after = self._run(reads.events_page, live_id, types, None, after, EXPORT_CHUNK)
            yield from page
            if after is None:
                return

    # --- the wall (docs/wall.md): read and written here, not through the writer process ---------------

    def roster(self):
        """[{username, displayName, targets, addedAt, updatedAt}] in the order the creators were added."""
        return self._run(roster.list_roster)

    def roster_entry(self, username):
        """The creator's roster entry, or None."""
        return self._run(roster.get_entry, username)

    def save_roster_entry(self, username, display_name, targets):
        """Adds or replaces the creator's entry: (entry, created). RosterFull past ROSTER_LIMIT creators."""
        return self._run(roster.save_entry, username, display_name, targets, time.time())

    def remove_roster_entry(self, username):
        """Whether the creator was on the roster."""
        return self._run(roster.delete_entry, username)

    def month_lives(self, usernames, start, end):
        """{username: [months.LiveSpan]}: the lives of these creators that overlap [start, end) (epoch seconds)."""
        return self._run(months.month_lives, list(usernames), start, end)

    def viewer_regular(self, username, user_id, current=None):
        """{history, note} of the creator's viewer: `history` {lives, firstSeen, totals} over the creator's recorded
        lives (`current`: the card of the live being watched, counted in place of its recorded row; None when no
        live has the viewer), `note` the team's note's text or None (regulars.py)."""
        return self._run(regulars.regular, username, user_id, current)

    def viewer_note(self, username, user_id):
        """{note, updatedAt} of the team's note on the creator's viewer, or None."""
        return self._run(regulars.get_note, username, user_id)

    def set_viewer_note(self, username, user_id, note):
        """Sets the note on the creator's viewer (None deletes it): {note, updatedAt}."""
        return self._run(regulars.set_note, username, user_id, note, time.time())

    def boards_since(self, username, since, size):
        """{gifters, chatters, likers} summed over the creator's lives started at `since` (epoch seconds) or later."""
        return self._run(regulars.boards_since, username, since, size)

    # --- upkeep --------------------------------------------------------------------------------------

    def prune(self, now=None):
        """Retention and stale lives (prune.py): {deleted, stopped}, or None when the database failed (logged)."""
        try:
            return self._database.run(self._prune, time.time() if now is None else now)
        except SQLAlchemyError as ex:
            log.warning("Records: pruning failed: %s", one_line(ex))
            return None

    def _prune(self, connection, now):
        counts = prune(connection, now, self._retention_days)
        if counts["deleted"]:
            self._writer.forget_lives()
        return counts

    def own_database(self):
        """A Database of its own on the records' database (its engine, its lock): for a part whose small reads and
        writes must not wait behind a report's reads, the actions (assistant/actions)."""
        return Database(make_engine(self._database.engine.url.render_as_string(hide_password=False)))

    @property
    def url(self):
        """The database's URL, its password hidden (for the log)."""
        return shown_url(self._database.engine)

    @property
    def local(self):
        """Whether the database is a file of this machine (SQLite), which other machines cannot share."""
        return self._database.engine.dialect.name == "sqlite"

    def health(self):
        """None, or why the last write failed."""
        return self._writer.error

    def stats(self):
        """{queued, written, dropped}: events queued and written; what was dropped (writer.py)."""
        return self._writer.stats()

    def close(self):
        """Write what is queued, stop the writer, close the connections (shutdown)."""
        self._writer.close()
        self._database.close()
