"""Floods: thousands of events a second to one creator's push sockets, for load tests and benchmarks.

`POST /_sim/streams/<name>/flood {rate, seconds, mix?}` plans a flood (`plan`) and runs it as one asyncio
task (`run`): every TICK_SECONDS it sends the events that fell due since the last frame, in frames of at
most MAX_FRAME_EVENTS, to whatever push sockets the creator has open at that moment.

Building a message with betterproto costs about a third of a millisecond (protocol.py), thirty times
too slow for 10,000 events a second. A flood therefore builds one message of each kind (and gift) with
`protocol.build_message`, for a stand-in viewer, cuts it apart, and keeps the bytes that never change:
each viewer's serialised user and per-viewer fields are spliced in once per viewer, and per event only
the msg_id (the app drops chat whose id it has seen, so every id is new; it appears twice, in the
common header and the fetch-result item, and is always a 9-byte varint so that no length moves) and,
for chat and likes, the text ("t=<epoch ms> <n>") or the room's like total, with their length prefixes.
Protobuf lets fields stand in any order, so a parser reads what it would read from a message built
whole. About 5 us an event.

What a flood sends, so that a consumer's totals can be checked (`FloodPlan.expected`):
- chat: "t=<send time in epoch ms> <n>", n = 0, 1, 2... within the flood;
- gifts: finished streaks (repeatEnd true) and one-off gifts, cycling through GIFT_CYCLE;
- likes: counts cycling through LIKE_COUNTS, each carrying the room's running total;
- join, follow, share: from a pool of FLOOD_USERS viewers;
- viewers: the creator's viewer count, unchanged.
Events go round the pool of viewers, and the kinds follow the mix's weights in a smooth round robin.
"""

from __future__ import annotations

import asyncio
import logging
import math
import random
import time
from dataclasses import dataclass, field

from TikTokLive.proto import (
    CommonMessageData,
    ProtoMessageFetchResult,
    ProtoMessageFetchResultBaseProtoMessage,
    WebcastChatMessage,
    WebcastGiftMessage,
    WebcastLikeMessage,
    WebcastMemberMessage,
    WebcastSocialMessage,
)

from . import catalogue, protocol, push, wire
from .model import Chat, Follow, Gift, GiftInfo, Join, Like, Share, SimUser, Viewers, stable_id
from .state import RECENT_CHAT, Creator, Simulator
from .validation import FLOOD_TYPES

log = logging.getLogger(__name__)

TICK_SECONDS = 0.02
# TikTokLive's websocket refuses messages over 1 MiB; 500 events are about 150 kB before compression.
MAX_FRAME_EVENTS = 500
# Level 1 compresses a flood frame to 15 % in a third of the time level 6 takes (0.3 ms for 200 chats).
GZIP_LEVEL = 1
FLOOD_USERS = 50
_GIFTS = {gift.name: gift for gift in catalogue.STREAK_GIFTS + catalogue.BIG_GIFTS}
# (gift, repeat count): streakable gifts arrive as finished streaks, the others one at a time.
GIFT_CYCLE: tuple[tuple[GiftInfo, int], ...] = (
    (_GIFTS["Rose"], 1), (_GIFTS["Finger Heart"], 5), (_GIFTS["Confetti"], 1), (_GIFTS["Doughnut"], 10),
    (_GIFTS["Galaxy"], 1),
)
LIKE_COUNTS = (1, 3, 5, 2, 8, 13, 4, 15, 6, 10)


def _cycle_sum(values: tuple[int, ...] | list[int], n: int) -> int:
    """The sum of the first `n` items of `values` repeated forever."""
    full, rest = divmod(n, len(values))
    return full * sum(values) + sum(values[:rest])


def _round_robin(weights: dict[str, int]) -> tuple[str, ...]:
    """One period of a smooth weighted round robin: each kind `weight` times, spread out evenly."""
    divisor = math.gcd(*weights.values())
    weights = {kind: weight // divisor for kind, weight in weights.items() if weight}
    total = sum(weights.values())
    current = dict.fromkeys(weights, 0)
    period = []
    for _ in range(total):
        for kind, weight in weights.items():
            current[kind] += weight
        chosen = max(current, key=current.__getitem__)
        current[chosen] -= total
        period.append(chosen)
    return tuple(period)


@dataclass
class FloodPlan:
    """What one flood will send: `count` events at `rate` a second, kinds repeating `pattern`."""

    rate: float
    seconds: float
    count: int
    pattern: tuple[str, ...]
    counts: dict[str, int]
    likes_start: int
    viewers: int

    def expected(self) -> dict[str, int]:
        """What the flood adds to a consumer's totals (likesTotal: the room's like total once it is over,
        if nothing else sends likes meanwhile)."""
        gifts = self.counts.get("gift", 0)
        likes = _cycle_sum(LIKE_COUNTS, self.counts.get("like", 0))
        return {
            "comments": self.counts.get("chat", 0),
            "gifts": _cycle_sum([repeat for _, repeat in GIFT_CYCLE], gifts),
            "diamonds": _cycle_sum([gift.diamond_count * repeat for gift, repeat in GIFT_CYCLE], gifts),
            "likes": likes,
            "likesTotal": self.likes_start + likes,
            "follows": self.counts.get("follow", 0),
            "shares": self.counts.get("share", 0),
            "joins": self.counts.get("join", 0),
        }

    def describe(self) -> dict:
        return {"count": self.count, "counts": self.counts, "rate": self.rate, "seconds": self.seconds,
                "expected": self.expected()}


def plan(rate: float, seconds: float, mix: dict[str, int], creator: Creator) -> FloodPlan:
    """The flood `rate` events a second for `seconds`, kinds weighted by `mix` (validated already)."""
    count = round(rate * seconds)
    pattern = _round_robin({kind: mix[kind] for kind in FLOOD_TYPES if mix.get(kind)})
    full, rest = divmod(count, len(pattern))
    counts = {kind: full * pattern.count(kind) + pattern[:rest].count(kind)
              for kind in FLOOD_TYPES if mix.get(kind)}
    return FloodPlan(rate=rate, seconds=seconds, count=count, pattern=pattern, counts=counts,
                     likes_start=creator.total_likes, viewers=creator.viewers)


def start(sim: Simulator, creator: Creator, flood: FloodPlan) -> asyncio.Task:
    """Run `flood` in a task of its own, which `Simulator.cancel_floods` (a reset) ends."""
    task = asyncio.create_task(run(sim, creator, flood), name=f"flood-{creator.name}")
    sim.floods.add(task)
    task.add_done_callback(sim.floods.discard)
    log.info("Flood of @%s: %d events at %g/s over %g s (%s)", creator.name, flood.count, flood.rate,
             flood.seconds, ", ".join(f"{kind} {n}" for kind, n in flood.counts.items()))
    return task


# --- encoding ---------------------------------------------------------------------------------------

_LENGTH_DELIMITED = 2


def _varint(value: int) -> bytes:
    out = bytearray()
    while value > 0x7F:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


_SMALL_VARINTS = [_varint(n) for n in range(1 << 14)]


def _length(value: int) -> bytes:
    return _SMALL_VARINTS[value] if value < 16384 else _varint(value)


# Ids between 2**56 and 2**63 are 9-byte varints: every message of a kind has the same length.
_FIRST_ID, _LAST_ID = 2**60, 2**63 - 1
_ID_BYTES = 9


def _number(message_class: type, name: str) -> int:
    return wire.field_number(message_class, name)


def _tag(message_class: type, name: str, wire_type: int = 0) -> bytes:
    return _varint(_number(message_class, name) << 3 | wire_type)


@dataclass(frozen=True)
class _Head:
    """A message's common header cut around its msg_id: `pre` + <9-byte id> + `post` is the whole field
    (tag and length included); `method` is the fetch-result item's method field."""

    pre: bytes
    post: bytes
    method: bytes


def _split(message: ProtoMessageFetchResultBaseProtoMessage) -> tuple[_Head, bytes]:
    """A message built by protocol.build_message, as its header around the id and the rest of its payload.

    build_message puts the common header (field 1 of every webcast message) first, its method then its
    msg_id first inside it: anything else means protocol.py changed, and this raises.
    """
    payload = message.payload
    common_tag = _varint(1 << 3 | _LENGTH_DELIMITED)
    if not payload.startswith(common_tag):
        raise ValueError(f"{message.method}: the common header does not come first")
    length, pos = protocol.read_varint(payload, len(common_tag))
    common, rest = payload[pos:pos + length], payload[pos + length:]
    method_field = wire.bytes_field(_number(CommonMessageData, "method"), message.method.encode())
    id_tag = _tag(CommonMessageData, "msg_id")
    if not common.startswith(method_field + id_tag + _varint(message.msg_id)):
        raise ValueError(f"{message.method}: the common header does not start with its method and msg_id")
    post = common[len(method_field) + len(id_tag) + len(_varint(message.msg_id)):]
    pre = common_tag + _length(len(method_field) + len(id_tag) + _ID_BYTES + len(post)) + method_field + id_tag
    base_method = wire.bytes_field(_number(ProtoMessageFetchResultBaseProtoMessage, "method"),
                                        message.method.encode())
    return _Head(pre, post, base_method), rest


_ITEM_TAG = _tag(ProtoMessageFetchResult, "messages", _LENGTH_DELIMITED)
_PAYLOAD_TAG = _tag(ProtoMessageFetchResultBaseProtoMessage, "payload", _LENGTH_DELIMITED)
_ITEM_ID_TAG = _tag(ProtoMessageFetchResultBaseProtoMessage, "msg_id")
_CONTENT_TAG = _tag(WebcastChatMessage, "content", _LENGTH_DELIMITED)
_LIKE_COUNT_TAG = _tag(WebcastLikeMessage, "count")
_LIKE_TOTAL_TAG = _tag(WebcastLikeMessage, "total")


def _item(head: _Head, msg_id: bytes, body: bytes) -> tuple[bytes, bytes]:
    """A fetch result's `messages` item (tag included) for a message of `body` after its header; and its
    payload."""
    payload = head.pre + msg_id + head.post + body
    item = head.method + _PAYLOAD_TAG + _length(len(payload)) + payload + _ITEM_ID_TAG + msg_id
    return _ITEM_TAG + _length(len(item)) + item, payload


# The flood's viewers, the same for every creator (their serialised form is cached once per process), and the
# stand-in that templates are built with: its user field is cut off and each viewer's spliced in.
_USER_RNG = random.Random("flood")
USERS: tuple[SimUser, ...] = tuple(catalogue.invent_user(_USER_RNG) for _ in range(FLOOD_USERS))
_PLACEHOLDER = SimUser(user_id=0, unique_id="placeholder", nickname="placeholder")
# Per-viewer fields other than the user: a gift's group_id (one streak per viewer and gift, as
# validation.py makes them) and a join's user_id. Built with 0 there, which protobuf leaves out.
_GIFT_GROUP_TAG = _tag(WebcastGiftMessage, "group_id")
_MEMBER_USER_ID_TAG = _tag(WebcastMemberMessage, "user_id")
_USER_FIELD = {kind: _number(message_class, "user") for kind, message_class in (
    ("chat", WebcastChatMessage), ("gift", WebcastGiftMessage), ("like", WebcastLikeMessage),
    ("join", WebcastMemberMessage), ("follow", WebcastSocialMessage), ("share", WebcastSocialMessage))}


class _Templates:
    """One room's pre-encoded flood messages, for the kinds of one flood.

    Built in a worker thread before the flood starts (`prepare`): the first message of each kind a
    process builds costs up to a third of a second (pydantic builds its schemas on first use), which the
    event loop, serving every other socket, must not wait for.
    """

    def __init__(self, room_id: int, base_url: str, kinds: set[str], viewers: int) -> None:
        self.room_id, self.base_url, self.viewers = room_id, base_url, viewers
        self.kinds = frozenset(kinds)
        self._fixed: dict[tuple[str, int, int], tuple[bytes, bytes]] = {}
        if "chat" in kinds:
            head, middle = self._cut(Chat(_PLACEHOLDER, "x"), "chat", _CONTENT_TAG + b"\x01x")
            self._chat = [(head, middle + self._user_field("chat", user)) for user in USERS]
        if "like" in kinds:
            head, middle = self._cut(Like(_PLACEHOLDER, 1, 1), "like",
                                     _LIKE_COUNT_TAG + b"\x01" + _LIKE_TOTAL_TAG + b"\x01")
            self._like = [(head, middle + self._user_field("like", user)) for user in USERS]
        for variant, (gift, repeat) in enumerate(GIFT_CYCLE if "gift" in kinds else ()):
            head, middle = self._cut(Gift(_PLACEHOLDER, gift, repeat, True, 0), "gift")
            for index, user in enumerate(USERS):
                group = _GIFT_GROUP_TAG + _varint(stable_id(f"{user.user_id}:{gift.gift_id}") % 2**48)
                self._fixed["gift", index, variant] = self._frame(head, middle + group + self._user_field("gift", user))
        for kind, event in (("join", Join(_PLACEHOLDER)), ("follow", Follow(_PLACEHOLDER)),
                            ("share", Share(_PLACEHOLDER))):
            if kind in kinds:
                head, middle = self._cut(event, kind)
                for index, user in enumerate(USERS):
                    extra = _MEMBER_USER_ID_TAG + _varint(user.user_id) if kind == "join" else b""
                    self._fixed[kind, index, 0] = self._frame(head, middle + extra + self._user_field(kind, user))
        if "viewers" in kinds:
            self._fixed["viewers", 0, 0] = self._frame(*_split(protocol.build_message(
                Viewers(viewers), room_id, base_url)))

    def _user_field(self, kind: str, user: SimUser) -> bytes:
        return wire.bytes_field(_USER_FIELD[kind], wire.user_bytes(user, self.base_url))

    def _cut(self, event, kind: str, prefix: bytes = b"") -> tuple[_Head, bytes]:
        """The placeholder's message of `kind` as its header and its payload after the header, less the
        varying fields in front (`prefix`, as built) and the placeholder's user field at the end."""
        head, rest = _split(protocol.build_message(event, self.room_id, self.base_url))
        suffix = self._user_field(kind, _PLACEHOLDER)
        if not (rest.startswith(prefix) and rest.endswith(suffix)):
            raise ValueError(f"{kind}: the message is not laid out as flood.py expects")
        return head, rest[len(prefix):-len(suffix)]

    @staticmethod
    def _frame(head: _Head, body: bytes) -> tuple[bytes, bytes]:
        """(before, between) of a message that changes only in its id: the item is before + id + between + id."""
        payload_length = len(head.pre) + _ID_BYTES + len(head.post) + len(body)
        item_length = (len(head.method) + len(_PAYLOAD_TAG) + len(_length(payload_length)) + payload_length
                       + len(_ITEM_ID_TAG) + _ID_BYTES)
        before = _ITEM_TAG + _length(item_length) + head.method + _PAYLOAD_TAG + _length(payload_length) + head.pre
        return before, head.post + body + _ITEM_ID_TAG

    def fixed(self, kind: str, user: int, variant: int = 0) -> tuple[bytes, bytes]:
        return self._fixed[kind, user, variant]

    def chat(self, user: int, msg_id: bytes, text: bytes) -> tuple[bytes, bytes]:
        """A chat message of `text` (item, payload)."""
        head, tail = self._chat[user]
        return _item(head, msg_id, _CONTENT_TAG + _length(len(text)) + text + tail)

    def like(self, user: int, msg_id: bytes, count: int, total: int) -> bytes:
        head, tail = self._like[user]
        return _item(head, msg_id, _LIKE_COUNT_TAG + _varint(count) + _LIKE_TOTAL_TAG + _varint(total) + tail)[0]


async def _prepare(creator: Creator, base_url: str, flood: FloodPlan) -> _Templates:
    """The templates `flood` needs, reused from the creator's last flood when they fit."""
    kinds = set(flood.counts)
    templates = creator.flood_templates
    if not (isinstance(templates, _Templates) and kinds <= templates.kinds
            and (templates.room_id, templates.base_url) == (creator.room_id, base_url)
            and ("viewers" not in kinds or templates.viewers == flood.viewers)):
        templates = await asyncio.to_thread(_Templates, creator.room_id, base_url, kinds, flood.viewers)
        creator.flood_templates = templates
    return templates


# --- running ----------------------------------------------------------------------------------------

@dataclass
class _Progress:
    """How far a flood has got: the next event's index, and the running chat, gift and like counters."""

    index: int = 0
    chats: int = 0
    gifts: int = 0
    likes: int = 0
    likes_total: int = 0
    next_id: int = field(default_factory=lambda: random.randrange(_FIRST_ID, _LAST_ID - 2**40))


def _slice(flood: FloodPlan, progress: _Progress, templates: _Templates | None, end: int,
           now_ms: int) -> tuple[list[bytes], list[tuple[bytes, int]]]:
    """Events progress.index .. end-1 as fetch-result items, and the last chats as (payload, id);
    with no templates, only the counters move (no socket to send to)."""
    pattern, period = flood.pattern, len(flood.pattern)
    items: list[bytes] = []
    chats: list[tuple[bytes, int]] = []
    for index in range(progress.index, end):
        kind = pattern[index % period]
        user = index % FLOOD_USERS
        if kind == "chat":
            n = progress.chats
            progress.chats += 1
            if templates is not None:
                msg_id = progress.next_id
                progress.next_id += 1
                item, payload = templates.chat(user, _varint(msg_id), b"t=%d %d" % (now_ms, n))
                items.append(item)
                chats.append((payload, msg_id))
            continue
        if kind == "like":
            count = LIKE_COUNTS[progress.likes % len(LIKE_COUNTS)]
            progress.likes += 1
            progress.likes_total += count
            if templates is not None:
                items.append(templates.like(user, _varint(progress.next_id), count, progress.likes_total))
                progress.next_id += 1
            continue
        variant = 0
        if kind == "gift":
            variant = progress.gifts % len(GIFT_CYCLE)
            progress.gifts += 1
        elif kind == "viewers":
            user = 0
        if templates is not None:
            before, between = templates.fixed(kind, user, variant)
            msg_id = _varint(progress.next_id)
            progress.next_id += 1
            items.append(before + msg_id + between + msg_id)
    progress.index = end
    return items, chats[-RECENT_CHAT:]


async def run(sim: Simulator, creator: Creator, flood: FloodPlan) -> None:
    """Send `flood`'s events on schedule (event i is due `i / rate` seconds after the start)."""
    loop = asyncio.get_running_loop()
    progress = _Progress(likes_total=flood.likes_start)
    try:
        templates = await _prepare(creator, sim.base_url, flood)
        started = woke = loop.time()
        while progress.index < flood.count:
            due = min(flood.count, int((loop.time() - started) * flood.rate) + 1)
            while progress.index < due:
                end = min(due, progress.index + MAX_FRAME_EVENTS)
                await _send(sim, creator, flood, progress, templates, end)
            if progress.index >= flood.count:
                break
            # Wake when the next event is due, but no more often than every tick: frames of several events.
            woke = max(woke + TICK_SECONDS, started + progress.index / flood.rate)
            await asyncio.sleep(max(0.0, woke - loop.time()))
    except Exception:  # logged here: nobody awaits this task
        log.exception("Flood of @%s failed after %d of %d events", creator.name, progress.index, flood.count)
        return
    log.info("Flood of @%s done: %d events in %.2f s", creator.name, flood.count, loop.time() - started)


async def _send(sim: Simulator, creator: Creator, flood: FloodPlan, progress: _Progress, templates: _Templates,
                end: int) -> None:
    """One frame: events progress.index .. end-1 to the creator's open sockets (counted, if none is open)."""
    async with creator.send_lock:
        progress.likes_total = max(progress.likes_total, creator.total_likes)
        sockets = push.open_sockets(creator) if creator.live else []
        first = progress.index
        items, chats = _slice(flood, progress, templates if sockets else None, end, int(time.time() * 1000))
        creator.total_likes = max(creator.total_likes, progress.likes_total)
        if not sockets:
            return
        payload = protocol.push_payload([], creator.room_id, creator.next_cursor()) + b"".join(items)
        if await push.send_payload(creator, sockets, payload, GZIP_LEVEL):
            sim.flood_events_sent += end - first
        for payload, msg_id in chats:
            creator.recent_chat.append(ProtoMessageFetchResultBaseProtoMessage(
                method="WebcastChatMessage", payload=payload, msg_id=msg_id))
