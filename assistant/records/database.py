"""The database URL, the engine, and the one way the server reads it: `Database.run` (the writes go
through the writer process, process.py, which makes its own engine with `make_engine`).

Every call runs in eventlet's thread pool (tpool: real threads), so a slow query or a database that does
not answer never blocks the hub, and the calls are serialised by one green lock. Under monkey_patch the
locks inside SQLAlchemy's connection pool are green ones: taken from two real threads at once they would
need the hub of a thread that has none. One call at a time means they are never contended.
"""

import json
import os

import eventlet.semaphore
from eventlet import tpool
from sqlalchemy import create_engine, event
from sqlalchemy.engine import make_url

SQLITE_FILE = "live-assistant.db"
POSTGRES_CONNECT_TIMEOUT = 10  # seconds; libpq would otherwise wait for an unreachable host for minutes


def database_url(raw, instance_path):
    """DATABASE_URL as SQLAlchemy takes it: unset -> a SQLite file in the instance folder (created);
    Heroku's `postgres://` and plain `postgresql://` -> the psycopg (3) driver."""
    if not raw:
        os.makedirs(instance_path, exist_ok=True)
        return f"sqlite:///{os.path.join(instance_path, SQLITE_FILE)}"
    scheme, separator, rest = raw.strip().partition("://")
    if separator and scheme in ("postgres", "postgresql"):
        return f"postgresql+psycopg://{rest}"
    return raw.strip()


def _sqlite_pragmas(connection, _record):
    """WAL: readers and the writer do not block each other; foreign keys: deleting a live deletes its rows."""
    cursor = connection.cursor()
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=10000", "foreign_keys=ON"):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def without_nul(value):
    """`value` (JSON-like) with U+0000 taken out of every string: Postgres refuses it in text and jsonb, and
    a viewer can type it; both databases store the same text."""
    if isinstance(value, str):
        return value.replace("\0", "")
    if isinstance(value, dict):
        return {without_nul(key): without_nul(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [without_nul(item) for item in value]
    return value


def compact_json(value):
    """The JSON text the records store (SQLAlchemy's JSON columns, and the events' raw insert in batch.py)."""
    text = json.dumps(value, separators=(",", ":"))  # a million events: no spaces after every comma and colon
    # A NUL is encoded as \u0000; a backslash typed before "u0000" looks the same here, and costs one more pass.
    return json.dumps(without_nul(value), separators=(",", ":")) if "\\u0000" in text else text


def make_engine(url):
    """The engine for a URL from `database_url` (raises SQLAlchemy's ArgumentError for a URL it cannot read)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(parsed, json_serializer=compact_json,
                               connect_args={"check_same_thread": False})  # tpool: any thread
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    connect_args = {} if "connect_timeout" in parsed.query else {"connect_timeout": POSTGRES_CONNECT_TIMEOUT}
    return create_engine(parsed, json_serializer=compact_json, pool_pre_ping=True, connect_args=connect_args)


def shown_url(engine):
    """The engine's URL for a message: the password hidden."""
    return engine.url.render_as_string(hide_password=True)


class Database:
    def __init__(self, engine):
        self.engine = engine
        self._lock = eventlet.semaphore.Semaphore()

    def run(self, work, *args):
        """`work(connection, *args)` in one transaction, in a pool thread; blocks only the calling green thread."""
        with self._lock:
            return tpool.execute(self._transaction, work, args)

    def _transaction(self, work, args):
        with self.engine.begin() as connection:
            return work(connection, *args)

    def close(self):
        with self._lock:
            tpool.execute(self.engine.dispose)


def one_line(ex):
    """A database error's first line (SQLAlchemy adds a second, a link to its docs)."""
    lines = str(ex).strip().splitlines()
    return lines[0] if lines else type(ex).__name__
