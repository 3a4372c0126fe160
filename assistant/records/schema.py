"""The records' tables (SQLAlchemy Core), one schema for SQLite and Postgres.

Times: a live's start, end and last update are epoch seconds (floats, as time.time()); events, viewers
and series points carry the contract's epoch milliseconds. Identifiers are BIGINT on Postgres and
INTEGER on SQLite, where only an INTEGER PRIMARY KEY is the autoincrementing row id.
The migrations (migrations/versions) create exactly these tables: a test compares the two.

The actions' tables (assistant/actions, docs/actions.md) live here too, one database for all: the rules per
creator, their named counters, the webhook deliveries (the durable queue, and each rule's list), and the
media uploaded for the overlay (images and sounds, served from instance/media/ once read). And the wall's:
the roster of creators with their monthly targets, and the team's notes on viewers (docs/wall.md).
"""

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    text,
)

TOTALS = ("comments", "likes", "gifts", "diamonds", "follows", "shares")  # a viewer's tallies
POINT_FIELDS = ("t", "viewers", "likes", "diamonds", "comments", "joins", "follows", "shares")  # a series point

MESSAGE_ID_CHARS = 32
Id = BigInteger().with_variant(Integer, "sqlite")
_HAS_MESSAGE_ID = text("message_id IS NOT NULL")

metadata = MetaData()

lives = Table(
    "lives",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("username", String(64), nullable=False, index=True),
    Column("room_id", String(32), nullable=False),
    Column("status", String(8), nullable=False),  # "live" or "ended"
    Column("started_at", Float, nullable=False),
    Column("ended_at", Float),
    Column("end_reason", String(16)),  # "ended" (TikTok's end), "new_live", "stopped"
    Column("updated_at", Float, nullable=False),
    Column("seq", BigInteger, nullable=False),  # the last seq stored
    Column("metrics", JSON, nullable=False),
    Column("leaderboards", JSON(none_as_null=True)),
    UniqueConstraint("username", "room_id", name="uq_lives_username_room"),
    Index("ix_lives_started_at", "started_at"),
    Index("ix_lives_username_started_at", "username", "started_at"),
)

events = Table(
    "events",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("live_id", Id, ForeignKey("lives.id", ondelete="CASCADE"), nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("ts", BigInteger, nullable=False),
    Column("type", String(16), nullable=False),
    Column("user_id", String(64)),
    Column("data", JSON, nullable=False),  # the contract's event object as emitted, seq included
    Column("message_id", String(MESSAGE_ID_CHARS)),  # a chat event's `messageId` (TikTok's id of the line), or null
    # TikTok deleted this chat line (a `chatDeleted` event named its messageId): read out as `deleted: true`
    Column("deleted", Boolean(create_constraint=False), nullable=False, server_default=false()),
    UniqueConstraint("live_id", "seq", name="uq_events_live_seq"),  # also the keyset-paging index
    Index("ix_events_live_type_seq", "live_id", "type", "seq"),
    # A chatDeleted finds its lines by messageId; only the chat lines are in it
    Index("ix_events_live_message", "live_id", "message_id", sqlite_where=_HAS_MESSAGE_ID,
          postgresql_where=_HAS_MESSAGE_ID),
)

viewers = Table(
    "viewers",
    metadata,
    Column("live_id", Id, ForeignKey("lives.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", String(64), primary_key=True),
    Column("unique_id", String(64)),
    Column("nickname", String(128)),
    Column("first_seen", BigInteger, nullable=False),
    Column("last_seen", BigInteger, nullable=False),
    *(Column(name, Integer, nullable=False) for name in TOTALS),
    Column("card", JSON, nullable=False),  # the viewer card as insights.viewers.ViewerCard.to_dict makes it
)

series_points = Table(
    "series_points",
    metadata,
    Column("live_id", Id, ForeignKey("lives.id", ondelete="CASCADE"), primary_key=True),
    Column("t", BigInteger, primary_key=True),  # the minute's start, epoch ms
    Column("viewers", Integer),
    *(Column(name, Integer, nullable=False) for name in POINT_FIELDS[2:]),
)


RULE_ID_CHARS = 32
DELIVERY_ID_CHARS = 32

action_rules = Table(
    "action_rules",
    metadata,
    Column("id", String(RULE_ID_CHARS), primary_key=True),
    Column("username", String(64), nullable=False, index=True),
    Column("name", String(100), nullable=False),
    Column("enabled", Boolean(create_constraint=False), nullable=False),
    Column("trigger", JSON, nullable=False),  # {type, ...}: actions/rules.py
    Column("cooldown", JSON, nullable=False),  # {userSeconds, globalSeconds}
    Column("actions", JSON, nullable=False),  # [{type, ...}]
    Column("secret", String(128)),  # the webhooks' HMAC key; null when the rule has no webhook
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
)

action_counters = Table(
    "action_counters",
    metadata,
    Column("username", String(64), primary_key=True),
    Column("name", String(40), primary_key=True),
    Column("value", BigInteger, nullable=False),
    Column("updated_at", Float, nullable=False),
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", String(DELIVERY_ID_CHARS), primary_key=True),  # the deliveryId, the same on every try
    Column("rule_id", String(RULE_ID_CHARS), ForeignKey("action_rules.id", ondelete="CASCADE"), nullable=False),
    Column("username", String(64), nullable=False),
    Column("url", String(2048), nullable=False),
    Column("body", Text, nullable=False),  # the exact JSON sent (and signed) on every try
    Column("status", String(10), nullable=False),  # "pending", "delivered" or "dead"
    Column("tries", Integer, nullable=False),
    Column("next_at", Float, nullable=False),  # epoch seconds of the next try (pending)
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    Column("last_status", Integer),  # the receiver's last HTTP status, or null (no answer)
    Column("last_error", String(300)),
    Column("claim", String(32)),  # the process sending it now, until claimed_until
    Column("claimed_until", Float),
    Index("ix_webhook_deliveries_due", "status", "next_at"),
    Index("ix_webhook_deliveries_rule", "rule_id", "created_at"),
)

media = Table(
    "media",
    metadata,
    Column("name", String(80), primary_key=True),  # the content's sha256 and its extension: one file, one name
    Column("kind", String(8), nullable=False),  # "image" or "sound"
    Column("content_type", String(40), nullable=False),
    Column("size", Integer, nullable=False),
    Column("data", LargeBinary, nullable=False),
    Column("original_name", String(200)),  # the uploaded file's name, shown in /actions (text only)
    Column("created_at", Float, nullable=False),
)


# The wall (docs/wall.md): the creators an agency follows, with their monthly targets, and the team's notes on
# a creator's viewers.
roster = Table(
    "roster",
    metadata,
    Column("username", String(64), primary_key=True),
    Column("display_name", String(100)),
    Column("targets", JSON(none_as_null=True)),  # {hours, validDays, diamonds}, each a number or null; or null
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
)

viewer_notes = Table(
    "viewer_notes",
    metadata,
    Column("username", String(64), primary_key=True),  # the creator whose viewer it is: notes are per creator
    Column("user_id", String(64), primary_key=True),
    Column("note", Text, nullable=False),
    Column("updated_at", Float, nullable=False),
)
