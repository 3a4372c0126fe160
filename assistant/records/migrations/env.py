"""Alembic's environment for the records: always given a connection (migrate.py), never an alembic.ini."""

from alembic import context

from assistant.records.schema import metadata

context.configure(connection=context.config.attributes["connection"], target_metadata=metadata)
with context.begin_transaction():
    context.run_migrations()
