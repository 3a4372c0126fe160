"""The simulator's vocabulary: creator names, viewers and the events a LIVE room carries.

Generated traffic and events injected through the control API are both expressed with these
classes, so one code path (protocol.build_message) turns either into TikTok's wire format.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

# TikTok usernames: letters, digits, "_" and "."; the simulator keeps them in lower case.
NAME_PATTERN = re.compile(r"^[a-z0-9_.]{2,24}$")


def normalise_name(raw: str) -> str | None:
    """Return `raw` as a stored creator name (lower case, no leading "@"), or None if it is not one."""
    name = raw.strip().lower().removeprefix("@")
    return name if NAME_PATTERN.match(name) else None


def stable_id(text: str) -> int:
    """A 19-digit TikTok-looking id derived from `text`, the same in every run."""
    digest = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")
    return 6_800_000_000_000_000_000 + digest % 600_000_000_000_000_000


@dataclass(frozen=True)
class SimUser:
    user_id: int
    unique_id: str
    nickname: str
    # As a control API call gave it ("": none); None: the simulator's own picture (images.py).
    avatar_url: str | None = None


def room_owner(name: str) -> SimUser:
    """The creator called `name` as TikTok names a room's owner (room info's `owner`, the LIVE page's user)."""
    return SimUser(user_id=stable_id(name), unique_id=name, nickname=name.capitalize())


@dataclass(frozen=True)
class GiftInfo:
    gift_id: int
    name: str
    diamond_count: int
    gift_type: int  # 1: streakable (sent again and again while a combo runs), anything else: one-off

    @property
    def streakable(self) -> bool:
        return self.gift_type == 1


@dataclass(frozen=True)
class Chat:
    user: SimUser
    comment: str
    message_id: int | None = None  # TikTok's msg_id; None: a new one when sent


@dataclass(frozen=True)
class Gift:
    user: SimUser
    gift: GiftInfo
    repeat_count: int
    repeat_end: bool
    group_id: int  # the same for every message of one streak


@dataclass(frozen=True)
class Like:
    user: SimUser
    count: int  # this user's batch
    total: int  # the room's total


@dataclass(frozen=True)
class Follow:
    user: SimUser


@dataclass(frozen=True)
class Share:
    user: SimUser


@dataclass(frozen=True)
class Join:
    user: SimUser


@dataclass(frozen=True)
class Viewers:
    viewer_count: int


@dataclass(frozen=True)
class Garbled:
    """A message whose payload is not valid protobuf: what a client must survive (log it, skip it)."""

    method: str


@dataclass(frozen=True)
class Raw:
    """A message of any of TikTokLive's types (a method of its EVENT_MAPPINGS), its fields as TikTokLive's class
    for that method names them (`common` included: its msg_id, room and time are filled in when sent).
    `fields` are checked (protocol.raw_message builds them) before a Raw is made."""

    method: str
    fields: dict = field(default_factory=dict, hash=False)


# --- what a streamer sees beside their viewers' chat, gifts, likes, follows, shares and joins -------------
# (docs/protocol.md, "The event object"; streamer_messages.py sends each as TikTok does.) Ids are TikTok's
# 64-bit numbers; times are epoch ms.


@dataclass(frozen=True)
class Supporter:
    user: SimUser
    score: int


@dataclass(frozen=True)
class Team:
    """One side of a PK battle: its host, its score (None: TikTok masks it) and its top supporters."""

    host: SimUser
    score: int | None
    top: tuple[Supporter, ...] = ()


@dataclass(frozen=True)
class Battle:
    """A PK battle's start, a change of its scores, or its end. `winner` (a host's user id, None for a draw) is
    only read at the end."""

    battle_id: int
    phase: str  # "started", "scores" or "ended"
    ends_at: int | None
    teams: tuple[Team, ...]
    winner: int | None = None


@dataclass(frozen=True)
class PollOption:
    text: str
    votes: int


@dataclass(frozen=True)
class Poll:
    poll_id: int
    phase: str  # "started", "votes" or "ended"
    title: str
    options: tuple[PollOption, ...]
    ends_at: int | None


@dataclass(frozen=True)
class GoalTarget:
    kind: int  # TikTok's sub-goal type: 1 a gift, 2 subscriptions (streamer_messages.SUB_GOAL_KINDS)
    target: int
    progress: int


@dataclass(frozen=True)
class Goal:
    """The creator's own LIVE goal, as TikTok shows it."""

    goal_id: int
    phase: str  # "set", "progress", "reached" or "removed"
    description: str
    targets: tuple[GoalTarget, ...]


@dataclass(frozen=True)
class Subscribe:
    user: SimUser
    months: int | None


@dataclass(frozen=True)
class SuperFan:
    user: SimUser
    kind: str  # "became", "joined" or "box"


@dataclass(frozen=True)
class Question:
    """A question of TikTok's Q&A."""

    question_id: int
    user: SimUser
    text: str


@dataclass(frozen=True)
class Envelope:
    """A treasure chest."""

    user: SimUser
    diamonds: int
    people: int
    opens_at: int | None


@dataclass(frozen=True)
class Emote:
    emote_id: str
    image_url: str | None  # "": none; None: the simulator's own picture (images.py)


@dataclass(frozen=True)
class EmoteChat:
    """Stickers sent in chat."""

    user: SimUser
    emotes: tuple[Emote, ...]


@dataclass(frozen=True)
class Pin:
    """A chat line pinned above the chat (`chat`, whose message_id is `message_id`, said at `chat_ts`, epoch ms;
    None: now) or unpinned (None), by `operator` (the room's owner)."""

    message_id: int
    chat: Chat | None
    operator: SimUser | None
    chat_ts: int | None = None


@dataclass(frozen=True)
class ChatDeleted:
    """Lines TikTok removed: by their ids, and every line of these viewers."""

    message_ids: tuple[int, ...]
    user_ids: tuple[int, ...]


@dataclass(frozen=True)
class Pause:
    """The creator paused the LIVE."""


@dataclass(frozen=True)
class Resume:
    """The creator resumed the LIVE they had paused."""


@dataclass(frozen=True)
class Rank:
    """The creator's place in one of TikTok's rankings (hourly...): `rank_type` is TikTok's ProfitRankType."""

    rank_type: int
    position: int | None
    text: str


StreamerEvent = (Battle | Poll | Goal | Subscribe | SuperFan | Question | Envelope | EmoteChat | Pin | ChatDeleted
                 | Pause | Resume | Rank)
Event = Chat | Gift | Like | Follow | Share | Join | Viewers | Garbled | Raw | StreamerEvent
