"""Checking control API bodies and turning them into simulator events and settings.

Anything malformed raises BadRequest with a message for the caller; the server answers 400.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from TikTokLive.events import EVENT_MAPPINGS

from . import catalogue, protocol, streamer_parsing
from .checks import (
    INT64_MAX,
    MISSING,
    BadRequest,
    boolean,
    check_keys,
    integer,
    json_object,
    parse_name,
    text,
    tiktok_id,
    user,
)
from .model import Chat, Event, Follow, Garbled, Gift, GiftInfo, Join, Like, Raw, Share, SimUser, Viewers, stable_id
from .state import SIGN_WINDOWS, SignFailure

MAX_EVENTS = 1000
MAX_RATE = 1000.0
MAX_FLOOD_RATE = 50_000
MAX_FLOOD_SECONDS = 600
MAX_FLOOD_WEIGHT = 1000
MAX_SIGN_LIMIT = 1_000_000
MAX_STALL_SECONDS = 3600
MAX_REPLAY_SPEED = 100
FLOOD_TYPES = ("chat", "gift", "like", "join", "follow", "share", "viewers")


def _handshake_message(value: Any) -> str | None:
    """`pushBlocked`: null, or the reason the push socket's refusal gives (an HTTP header's value)."""
    if value is None:
        return None
    if not isinstance(value, str) or not 1 <= len(value) <= 200 or not all(" " <= c <= "~" for c in value):
        raise BadRequest("'pushBlocked' must be null or 1 to 200 printable ASCII characters (a header's value)")
    return value


def parse_config(body: Any) -> dict[str, Any]:
    """`{live?, exists?, viewers?, rate?, newLive?, ageRestricted?, pushBlocked?}` → the settings given,
    validated."""
    body = json_object(body, "the stream settings")
    check_keys(body, {"live", "exists", "viewers", "rate", "newLive", "ageRestricted", "pushBlocked"},
                "the stream settings")
    settings: dict[str, Any] = {}
    for key in ("live", "exists", "newLive", "ageRestricted"):
        if key in body:
            settings[key] = boolean(body, key)
    if "pushBlocked" in body:
        settings["pushBlocked"] = _handshake_message(body["pushBlocked"])
    if "viewers" in body:
        settings["viewers"] = integer(body, "viewers")
    if "rate" in body:
        rate = body["rate"]
        if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 <= rate <= MAX_RATE:
            raise BadRequest(f"'rate' must be a number between 0 and {MAX_RATE:g}")
        settings["rate"] = float(rate)
    if settings.get("live") and settings.get("exists") is False:
        raise BadRequest("a creator that does not exist cannot be live")
    if settings.get("newLive") and (settings.get("live") is False or settings.get("exists") is False):
        raise BadRequest("'newLive' starts a LIVE: it cannot go with 'live': false or 'exists': false")
    return settings


def _positive_number(obj: dict, key: str, high: float) -> float:
    value = obj.get(key, MISSING)
    if value is MISSING:
        raise BadRequest(f"'{key}' is required")
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= high:
        raise BadRequest(f"'{key}' must be a number above 0 and at most {high:g}")
    return float(value)


def parse_flood(body: Any) -> tuple[float, float, dict[str, int]]:
    """`{rate, seconds, mix?}` → (events a second, seconds, {type: weight}); chat only without a mix."""
    body = json_object(body, "the flood")
    check_keys(body, {"rate", "seconds", "mix"}, "the flood")
    rate = _positive_number(body, "rate", MAX_FLOOD_RATE)
    seconds = _positive_number(body, "seconds", MAX_FLOOD_SECONDS)
    raw_mix = json_object(body.get("mix", {"chat": 1}), "'mix'")
    unknown = sorted(set(raw_mix) - set(FLOOD_TYPES))
    if unknown:
        raise BadRequest(f"unknown event type(s) in 'mix': {', '.join(map(repr, unknown))}; "
                         f"expected some of {', '.join(FLOOD_TYPES)}")
    mix = {kind: integer(raw_mix, kind, high=MAX_FLOOD_WEIGHT) for kind in FLOOD_TYPES if kind in raw_mix}
    if not any(mix.values()):
        raise BadRequest("'mix' needs at least one type with a weight above 0")
    if round(rate * seconds) < 1:
        raise BadRequest("'rate' × 'seconds' makes no event")
    return rate, seconds, mix


def parse_sign_failure(body: Any) -> SignFailure:
    """`{status, times, retryAfter?, retryAfterHeader?, name?}` → the failure plan for the next sign requests."""
    body = json_object(body, "the sign failure")
    check_keys(body, {"status", "times", "retryAfter", "retryAfterHeader", "name"}, "the sign failure")
    return SignFailure(
        status=integer(body, "status", low=400, high=599), times=integer(body, "times", high=1000),
        retry_after=integer(body, "retryAfter", 3, high=3600),
        name=parse_name(text(body, "name", max_len=64)) if "name" in body else None,
        retry_after_header=boolean(body, "retryAfterHeader", False),
    )


def parse_sign_limits(body: Any) -> dict[str, int | None]:
    """`{perMinute?, perHour?, perDay?}` → the limits to set (a positive integer) or remove (null)."""
    body = json_object(body, "the sign limits")
    check_keys(body, set(SIGN_WINDOWS), "the sign limits")
    limits: dict[str, int | None] = {}
    for window in SIGN_WINDOWS:
        if window not in body:
            continue
        try:
            limits[window] = None if body[window] is None else integer(body, window, low=1, high=MAX_SIGN_LIMIT)
        except BadRequest as exc:
            raise BadRequest(f"{exc}, or null to remove the limit") from exc
    return limits


def parse_stall(body: Any) -> float:
    """`{seconds}` → how long the push sockets open now send nothing."""
    body = json_object(body, "the stall")
    check_keys(body, {"seconds"}, "the stall")
    return _positive_number(body, "seconds", MAX_STALL_SECONDS)


def parse_drop(body: Any) -> bool:
    """`{abort?}` (or no body) → whether to cut the connections instead of closing them."""
    body = json_object(body, "the drop options")
    check_keys(body, {"abort"}, "the drop options")
    return boolean(body, "abort", False)


def parse_replay(body: Any) -> tuple[str, float]:
    """`{path, speed?}` → (the path of a readable file, the speed: 1 to MAX_REPLAY_SPEED, 1 by default). Whether
    the file is a capture is the replay's to say (replay.load)."""
    body = json_object(body, "the replay")
    check_keys(body, {"path", "speed"}, "the replay")
    path = text(body, "path", max_len=4096)
    if not os.path.isfile(path) or not os.access(path, os.R_OK):
        raise BadRequest(f"'path' must name a readable file on the simulator's machine, not {path!r}")
    speed = body.get("speed", 1)
    if isinstance(speed, bool) or not isinstance(speed, int | float) or not 1 <= speed <= MAX_REPLAY_SPEED:
        raise BadRequest(f"'speed' must be a number from 1 to {MAX_REPLAY_SPEED}")
    return path, float(speed)


def _gift(event: dict, viewer: SimUser) -> Gift:
    gift_id = integer(event, "giftId", catalogue.ROSE.gift_id, low=1, high=INT64_MAX)
    known = catalogue.GIFTS_BY_ID.get(gift_id)
    gift = GiftInfo(
        gift_id=gift_id,
        name=text(event, "giftName", known.name if known else f"Gift {gift_id}", max_len=64),
        diamond_count=integer(event, "diamondCount", known.diamond_count if known else 1),
        gift_type=integer(event, "giftType", known.gift_type if known else 1, high=100),
    )
    return Gift(
        user=viewer, gift=gift, repeat_count=integer(event, "repeatCount", 1, low=1),
        repeat_end=boolean(event, "repeatEnd", True),
        # One streak per user and gift, as TikTok's group_id.
        group_id=stable_id(f"{viewer.user_id}:{gift_id}") % 2**48,
    )


# The viewers' events and the simulator's own (garbled, raw); the streamer's are streamer_parsing.FIELDS.
_FIELDS: dict[str, set[str]] = {
    "chat": {"comment", "messageId"},
    "gift": {"giftId", "giftName", "diamondCount", "repeatCount", "repeatEnd", "giftType"},
    "like": {"count", "total"},
    "follow": set(),
    "share": set(),
    "join": set(),
    "viewers": {"viewerCount"},
    "garbled": {"method"},
    "raw": {"method", "message"},
}
# Every type the events API takes.
EVENT_TYPES = (*_FIELDS, *streamer_parsing.FIELDS)


def parse_events(body: Any, pick_user: Callable[[], SimUser], total_likes: int,
                 owner: SimUser | None = None) -> list[Event]:
    """`[{type, user?, ...}]` → events, in order. Like totals default to the room's running total; `owner`, the
    room's owner, is the host of a battle's team given without one, and pins chat (None: no room to say)."""
    if not isinstance(body, list):
        raise BadRequest("the events must be a JSON list")
    if len(body) > MAX_EVENTS:
        raise BadRequest(f"at most {MAX_EVENTS} events at a time")
    events: list[Event] = []
    for index, raw in enumerate(body):
        try:
            event = _event(json_object(raw, "an event"), pick_user, total_likes, owner)
        except BadRequest as exc:
            raise BadRequest(f"event {index}: {exc}") from exc
        if isinstance(event, Like):
            total_likes = max(total_likes, event.total)
        events.append(event)
    return events


def _event(raw: dict, pick_user: Callable[[], SimUser], total_likes: int, owner: SimUser | None) -> Event:
    kind = raw.get("type")
    if isinstance(kind, str) and kind in streamer_parsing.FIELDS:
        return streamer_parsing.parse(kind, raw, pick_user, owner)
    if kind not in _FIELDS:
        raise BadRequest(f"unknown event type {kind!r}; expected one of {', '.join(EVENT_TYPES)}")
    if kind == "raw":
        check_keys(raw, _FIELDS[kind] | {"type"}, "a raw event")
        return _raw(raw)
    check_keys(raw, _FIELDS[kind] | {"type", "user"}, f"a {kind} event")
    if kind == "viewers":
        return Viewers(integer(raw, "viewerCount"))
    if kind == "garbled":
        return Garbled(text(raw, "method", "WebcastChatMessage", max_len=100))
    viewer = user(raw.get("user"), pick_user)
    if kind == "chat":
        message_id = tiktok_id(raw["messageId"], "'messageId'") if "messageId" in raw else None
        return Chat(viewer, text(raw, "comment"), message_id)
    if kind == "gift":
        return _gift(raw, viewer)
    if kind == "like":
        count = integer(raw, "count", 1, low=1)
        return Like(viewer, count, integer(raw, "total", total_likes + count, high=INT64_MAX))
    return {"follow": Follow, "share": Share, "join": Join}[kind](viewer)


def _raw(raw: dict) -> Raw:
    """`{method, message?}`: a message of any type TikTokLive knows, its fields as TikTokLive's class names them,
    checked by building it as it will be sent."""
    method = text(raw, "method", max_len=100)
    if method not in EVENT_MAPPINGS:
        raise BadRequest(f"unknown method {method!r}: not one of the {len(EVENT_MAPPINGS)} message types TikTokLive "
                         "knows (its EVENT_MAPPINGS), such as 'WebcastRankUpdateMessage'")
    fields = json_object(raw.get("message", {}), "'message'")
    if fields.get("common") is not None:
        json_object(fields["common"], "'message.common'")
    try:
        protocol.raw_message(method, fields, room_id=0)
    except Exception as exc:  # betterproto2 and pydantic raise many kinds
        raise BadRequest(_misfit(method, fields, exc)) from None
    return Raw(method, fields)


def _misfit(method: str, fields: dict, error: Exception) -> str:
    """Which field of `message` TikTokLive's class for `method` refuses, and why (the first found alone)."""
    for name, value in fields.items():
        try:
            protocol.raw_message(method, {name: value}, room_id=0)
        except Exception as exc:
            return f"'message.{name}' does not fit TikTokLive's {method}: {_reason(exc)}"
    return f"'message' does not fit TikTokLive's {method}: {_reason(error)}"


def _reason(error: Exception) -> str:
    """An error's text on one line, cut short (pydantic's run over several lines)."""
    text = error.args[0] if isinstance(error, KeyError) and error.args else str(error)
    text = " ".join(str(text).split()) or type(error).__name__
    return text if len(text) <= 300 else text[:299] + "…"
