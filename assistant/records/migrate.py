"""The records' migrations (Alembic, in migrations/), run on a connection the caller holds: at every start
(`Records.from_config`) and by hand (`python -m assistant.records upgrade`)."""

import os

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

MIGRATIONS = os.path.join(os.path.dirname(__file__), "migrations")
LOCK_KEY = 0x7265636F7264  # "record": the Postgres advisory lock the migrating process holds


def upgrade(connection):
    """To the newest revision. On Postgres, processes starting together take turns (an advisory lock held
    until the transaction ends): the second finds the tables made, where it would fail making them again."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


def current(connection):
    """The database's revision, or None before the first upgrade."""
    return MigrationContext.configure(connection).get_current_revision()
