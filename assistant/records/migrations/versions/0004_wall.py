"""The wall (docs/wall.md): the roster of creators with their monthly targets, and the team's notes on a
creator's viewers (written by hand to match schema.py).

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "roster",
        sa.Column("username", sa.String(64), primary_key=True),
        sa.Column("display_name", sa.String(100)),
        sa.Column("targets", sa.JSON(none_as_null=True)),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
    )
    op.create_table(
        "viewer_notes",
        sa.Column("username", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.String(64), primary_key=True),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
    )


def downgrade():
    op.drop_table("viewer_notes")
    op.drop_table("roster")
