"""Actions (assistant/actions, docs/actions.md): the rules per creator, their named counters, the webhook
deliveries (the durable queue), and the media uploaded for the overlay (written by hand to match schema.py).

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    flag = sa.Boolean(create_constraint=False)
    op.create_table(
        "action_rules",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("enabled", flag, nullable=False),
        sa.Column("trigger", sa.JSON, nullable=False),
        sa.Column("cooldown", sa.JSON, nullable=False),
        sa.Column("actions", sa.JSON, nullable=False),
        sa.Column("secret", sa.String(128)),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
    )
    op.create_index("ix_action_rules_username", "action_rules", ["username"])
    op.create_table(
        "action_counters",
        sa.Column("username", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("value", sa.BigInteger, nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("rule_id", sa.String(32), sa.ForeignKey("action_rules.id", ondelete="CASCADE"), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("url", sa.String(2048), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("tries", sa.Integer, nullable=False),
        sa.Column("next_at", sa.Float, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
        sa.Column("last_status", sa.Integer),
        sa.Column("last_error", sa.String(300)),
        sa.Column("claim", sa.String(32)),
        sa.Column("claimed_until", sa.Float),
    )
    op.create_index("ix_webhook_deliveries_due", "webhook_deliveries", ["status", "next_at"])
    op.create_index("ix_webhook_deliveries_rule", "webhook_deliveries", ["rule_id", "created_at"])
    op.create_table(
        "media",
        sa.Column("name", sa.String(80), primary_key=True),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("content_type", sa.String(40), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
        sa.Column("original_name", sa.String(200)),
        sa.Column("created_at", sa.Float, nullable=False),
    )


def downgrade():
    op.drop_table("media")
    op.drop_table("webhook_deliveries")
    op.drop_table("action_counters")
    op.drop_table("action_rules")
