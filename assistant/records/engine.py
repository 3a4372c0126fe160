"""The records database's URL and engine, and the text the records store: what the server's reads
(database.py) and the writer process (writerchild.py) both need. No eventlet here: the writer process
imports this module, and nothing of the server's."""

import json
import os

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
                               connect_args={"check_same_thread": False})  # the server reads from tpool threads
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    connect_args = {} if "connect_timeout" in parsed.query else {"connect_timeout": POSTGRES_CONNECT_TIMEOUT}
    return create_engine(parsed, json_serializer=compact_json, pool_pre_ping=True, connect_args=connect_args)


def shown_url(engine):
    """The engine's URL for a message: the password hidden."""
    return engine.url.render_as_string(hide_password=True)


def one_line(ex):
    """A database error's first line (SQLAlchemy adds a second, a link to its docs)."""
    lines = str(ex).strip().splitlines()
    return lines[0] if lines else type(ex).__name__
