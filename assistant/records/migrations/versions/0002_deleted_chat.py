"""Deleted chat: a chat event's TikTok message id (`messageId`), indexed, and the mark `deleted`, which a
`chatDeleted` event sets on the chat lines it names (written by hand to match schema.py).

Both columns are added without rewriting the events: SQLite's ADD COLUMN and Postgres' (11 and later) with a
constant default only change the table's definition. The events recorded before have no messageId.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_HAS_MESSAGE_ID = sa.text("message_id IS NOT NULL")


def upgrade():
    op.add_column("events", sa.Column("message_id", sa.String(32)))
    op.add_column("events", sa.Column("deleted", sa.Boolean(create_constraint=False), nullable=False,
                                      server_default=sa.false()))
    op.create_index("ix_events_live_message", "events", ["live_id", "message_id"], sqlite_where=_HAS_MESSAGE_ID,
                    postgresql_where=_HAS_MESSAGE_ID)


def downgrade():
    op.drop_index("ix_events_live_message", table_name="events")
    with op.batch_alter_table("events") as batch:  # SQLite drops a column only by copying the table
        batch.drop_column("deleted")
        batch.drop_column("message_id")
