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


Event = Chat | Gift | Like | Follow | Share | Join | Viewers | Garbled | Raw
