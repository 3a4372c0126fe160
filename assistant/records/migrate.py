"""The records' migrations (Alembic, in migrations/), run on a connection the caller holds: at every start
(`Records.from_config`) and by hand (`python -m assistant.records upgrade`)."""

import os

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext

MIGRATIONS = os.path.join(os.path.dirname(__file__), "migrations")


def upgrade(connection):
    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


def current(connection):
    """The database's revision, or None before the first upgrade."""
    return MigrationContext.configure(connection).get_current_revision()
