"""The records: lives, their events, viewers and series points (written by hand to match schema.py).

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def _live_id(primary_key=False):
    return sa.Column("live_id", Id, sa.ForeignKey("lives.id", ondelete="CASCADE"), primary_key=primary_key,
                     nullable=False)


def upgrade():
    op.create_table(
        "lives",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("room_id", sa.String(32), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("started_at", sa.Float, nullable=False),
        sa.Column("ended_at", sa.Float),
        sa.Column("end_reason", sa.String(16)),
        sa.Column("updated_at", sa.Float, nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("metrics", sa.JSON, nullable=False),
        sa.Column("leaderboards", sa.JSON),
        sa.UniqueConstraint("username", "room_id", name="uq_lives_username_room"),
    )
    op.create_index("ix_lives_username", "lives", ["username"])
    op.create_index("ix_lives_started_at", "lives", ["started_at"])
    op.create_index("ix_lives_username_started_at", "lives", ["username", "started_at"])

    op.create_table(
        "events",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        _live_id(),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("ts", sa.BigInteger, nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("user_id", sa.String(64)),
        sa.Column("data", sa.JSON, nullable=False),
        sa.UniqueConstraint("live_id", "seq", name="uq_events_live_seq"),
    )
    op.create_index("ix_events_live_type_seq", "events", ["live_id", "type", "seq"])

    op.create_table(
        "viewers",
        _live_id(primary_key=True),
        sa.Column("user_id", sa.String(64), primary_key=True),
        sa.Column("unique_id", sa.String(64)),
        sa.Column("nickname", sa.String(128)),
        sa.Column("first_seen", sa.BigInteger, nullable=False),
        sa.Column("last_seen", sa.BigInteger, nullable=False),
        *(sa.Column(name, sa.Integer, nullable=False)
          for name in ("comments", "likes", "gifts", "diamonds", "follows", "shares")),
        sa.Column("card", sa.JSON, nullable=False),
    )

    op.create_table(
        "series_points",
        _live_id(primary_key=True),
        sa.Column("t", sa.BigInteger, primary_key=True),
        sa.Column("viewers", sa.Integer),
        *(sa.Column(name, sa.Integer, nullable=False)
          for name in ("likes", "diamonds", "comments", "joins", "follows", "shares")),
    )


def downgrade():
    for table in ("series_points", "viewers", "events", "lives"):
        op.drop_table(table)
