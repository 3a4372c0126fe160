"""Checking control API bodies and turning them into simulator events and settings.

Anything malformed raises BadRequest with a message for the caller; the server answers 400.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from TikTokLive.events import EVENT_MAPPINGS

from . import catalogue, protocol
from .model import (
    Chat,
    Event,
    Follow,
    Garbled,
    Gift,
    GiftInfo,
    Join,
    Like,
    Raw,
    Share,
    SimUser,
    Viewers,
    normalise_name,
    stable_id,
)
from .state import SIGN_WINDOWS, SignFailure

INT32_MAX = 2**31 - 1
MAX_EVENTS = 1000
MAX_RATE = 1000.0
MAX_FLOOD_RATE = 50_000
MAX_FLOOD_SECONDS = 600
MAX_FLOOD_WEIGHT = 1000
MAX_SIGN_LIMIT = 1_000_000
MAX_STALL_SECONDS = 3600
MAX_REPLAY_SPEED = 100
FLOOD_TYPES = ("chat", "gift", "like", "join", "follow", "share", "viewers")
_MISSING: Any = object()


class BadRequest(ValueError):
    """A control request the simulator cannot act on."""


def _check_keys(obj: dict, allowed: set[str], what: str) -> None:
    unknown = sorted(set(obj) - allowed)
    if unknown:
        raise BadRequest(f"unknown field(s) in {what}: {', '.join(unknown)}")


def _int(obj: dict, key: str, default: Any = _MISSING, low: int = 0, high: int = INT32_MAX) -> int:
    value = obj.get(key, default)
    if value is _MISSING:
        raise BadRequest(f"'{key}' is required")
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadRequest(f"'{key}' must be an integer")
    if not low <= value <= high:
        raise BadRequest(f"'{key}' must be between {low} and {high}")
    return value


def _bool(obj: dict, key: str, default: Any = _MISSING) -> bool:
    value = obj.get(key, default)
    if value is _MISSING:
        raise BadRequest(f"'{key}' is required")
    if not isinstance(value, bool):
        raise BadRequest(f"'{key}' must be true or false")
    return value


def _str(obj: dict, key: str, default: Any = _MISSING, max_len: int = 500) -> str:
    value = obj.get(key, default)
    if value is _MISSING:
        raise BadRequest(f"'{key}' is required")
    if not isinstance(value, str) or not value.strip():
        raise BadRequest(f"'{key}' must be a non-empty string")
    if len(value) > max_len:
        raise BadRequest(f"'{key}' is longer than {max_len} characters")
    return value


def _object(body: Any, what: str) -> dict:
    if not isinstance(body, dict):
        raise BadRequest(f"{what} must be a JSON object")
    return body


def parse_name(raw: str, what: str = "creator name") -> str:
    name = normalise_name(raw)
    if name is None:
        raise BadRequest(f"invalid {what} {raw!r}: 2 to 24 letters, digits, '_' or '.'")
    return name


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
    body = _object(body, "the stream settings")
    _check_keys(body, {"live", "exists", "viewers", "rate", "newLive", "ageRestricted", "pushBlocked"},
                "the stream settings")
    settings: dict[str, Any] = {}
    for key in ("live", "exists", "newLive", "ageRestricted"):
        if key in body:
            settings[key] = _bool(body, key)
    if "pushBlocked" in body:
        settings["pushBlocked"] = _handshake_message(body["pushBlocked"])
    if "viewers" in body:
        settings["viewers"] = _int(body, "viewers")
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
    value = obj.get(key, _MISSING)
    if value is _MISSING:
        raise BadRequest(f"'{key}' is required")
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= high:
        raise BadRequest(f"'{key}' must be a number above 0 and at most {high:g}")
    return float(value)


def parse_flood(body: Any) -> tuple[float, float, dict[str, int]]:
    """`{rate, seconds, mix?}` → (events a second, seconds, {type: weight}); chat only without a mix."""
    body = _object(body, "the flood")
    _check_keys(body, {"rate", "seconds", "mix"}, "the flood")
    rate = _positive_number(body, "rate", MAX_FLOOD_RATE)
    seconds = _positive_number(body, "seconds", MAX_FLOOD_SECONDS)
    raw_mix = _object(body.get("mix", {"chat": 1}), "'mix'")
    unknown = sorted(set(raw_mix) - set(FLOOD_TYPES))
    if unknown:
        raise BadRequest(f"unknown event type(s) in 'mix': {', '.join(map(repr, unknown))}; "
                         f"expected some of {', '.join(FLOOD_TYPES)}")
    mix = {kind: _int(raw_mix, kind, high=MAX_FLOOD_WEIGHT) for kind in FLOOD_TYPES if kind in raw_mix}
    if not any(mix.values()):
        raise BadRequest("'mix' needs at least one type with a weight above 0")
    if round(rate * seconds) < 1:
        raise BadRequest("'rate' × 'seconds' makes no event")
    return rate, seconds, mix


def parse_sign_failure(body: Any) -> SignFailure:
    """`{status, times, retryAfter?, retryAfterHeader?, name?}` → the failure plan for the next sign requests."""
    body = _object(body, "the sign failure")
    _check_keys(body, {"status", "times", "retryAfter", "retryAfterHeader", "name"}, "the sign failure")
    return SignFailure(
        status=_int(body, "status", low=400, high=599), times=_int(body, "times", high=1000),
        retry_after=_int(body, "retryAfter", 3, high=3600),
        name=parse_name(_str(body, "name", max_len=64)) if "name" in body else None,
        retry_after_header=_bool(body, "retryAfterHeader", False),
    )


def parse_sign_limits(body: Any) -> dict[str, int | None]:
    """`{perMinute?, perHour?, perDay?}` → the limits to set (a positive integer) or remove (null)."""
    body = _object(body, "the sign limits")
    _check_keys(body, set(SIGN_WINDOWS), "the sign limits")
    limits: dict[str, int | None] = {}
    for window in SIGN_WINDOWS:
        if window not in body:
            continue
        try:
            limits[window] = None if body[window] is None else _int(body, window, low=1, high=MAX_SIGN_LIMIT)
        except BadRequest as exc:
            raise BadRequest(f"{exc}, or null to remove the limit") from exc
    return limits


def parse_stall(body: Any) -> float:
    """`{seconds}` → how long the push sockets open now send nothing."""
    body = _object(body, "the stall")
    _check_keys(body, {"seconds"}, "the stall")
    return _positive_number(body, "seconds", MAX_STALL_SECONDS)


def parse_drop(body: Any) -> bool:
    """`{abort?}` (or no body) → whether to cut the connections instead of closing them."""
    body = _object(body, "the drop options")
    _check_keys(body, {"abort"}, "the drop options")
    return _bool(body, "abort", False)


def parse_replay(body: Any) -> tuple[str, float]:
    """`{path, speed?}` → (the path of a readable file, the speed: 1 to MAX_REPLAY_SPEED, 1 by default). Whether
    the file is a capture is the replay's to say (replay.load)."""
    body = _object(body, "the replay")
    _check_keys(body, {"path", "speed"}, "the replay")
    path = _str(body, "path", max_len=4096)
    if not os.path.isfile(path) or not os.access(path, os.R_OK):
        raise BadRequest(f"'path' must name a readable file on the simulator's machine, not {path!r}")
    speed = body.get("speed", 1)
    if isinstance(speed, bool) or not isinstance(speed, int | float) or not 1 <= speed <= MAX_REPLAY_SPEED:
        raise BadRequest(f"'speed' must be a number from 1 to {MAX_REPLAY_SPEED}")
    return path, float(speed)


def _user_id(value: Any) -> int:
    """An integer or its decimal string (TikTok ids overflow JavaScript numbers, so JSON may quote them)."""
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 19:
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value < 2**63:
        raise BadRequest("'userId' must be a positive integer or a string of digits")
    return value


def _user(raw: Any, pick_user: Callable[[], SimUser]) -> SimUser:
    """`{userId, uniqueId, nickname}`, any of them missing; a stable identity follows from what is given."""
    if raw is None:
        return pick_user()
    raw = _object(raw, "'user'")
    _check_keys(raw, {"userId", "uniqueId", "nickname"}, "'user'")
    user_id = _user_id(raw["userId"]) if "userId" in raw else None
    unique_id = parse_name(_str(raw, "uniqueId", max_len=24), "'uniqueId'") if "uniqueId" in raw else None
    nickname = _str(raw, "nickname", max_len=64) if "nickname" in raw else None
    if user_id is None and unique_id is None and nickname is None:
        return pick_user()
    if unique_id is None:
        unique_id = f"user{user_id}" if user_id is not None else f"user{stable_id(nickname or '') % 10**9}"
    return SimUser(
        user_id=user_id if user_id is not None else stable_id(unique_id),
        unique_id=unique_id,
        nickname=nickname or unique_id,
    )


def _gift(event: dict, user: SimUser) -> Gift:
    gift_id = _int(event, "giftId", catalogue.ROSE.gift_id, low=1, high=2**63 - 1)
    known = catalogue.GIFTS_BY_ID.get(gift_id)
    gift = GiftInfo(
        gift_id=gift_id,
        name=_str(event, "giftName", known.name if known else f"Gift {gift_id}", max_len=64),
        diamond_count=_int(event, "diamondCount", known.diamond_count if known else 1),
        gift_type=_int(event, "giftType", known.gift_type if known else 1, high=100),
    )
    return Gift(
        user=user, gift=gift, repeat_count=_int(event, "repeatCount", 1, low=1),
        repeat_end=_bool(event, "repeatEnd", True),
        # One streak per user and gift, as TikTok's group_id.
        group_id=stable_id(f"{user.user_id}:{gift_id}") % 2**48,
    )


_FIELDS: dict[str, set[str]] = {
    "chat": {"comment"},
    "gift": {"giftId", "giftName", "diamondCount", "repeatCount", "repeatEnd", "giftType"},
    "like": {"count", "total"},
    "follow": set(),
    "share": set(),
    "join": set(),
    "viewers": {"viewerCount"},
    "garbled": {"method"},
    "raw": {"method", "message"},
}


def parse_events(body: Any, pick_user: Callable[[], SimUser], total_likes: int) -> list[Event]:
    """`[{type, user?, ...}]` → events, in order. Like totals default to the room's running total."""
    if not isinstance(body, list):
        raise BadRequest("the events must be a JSON list")
    if len(body) > MAX_EVENTS:
        raise BadRequest(f"at most {MAX_EVENTS} events at a time")
    events: list[Event] = []
    for index, raw in enumerate(body):
        try:
            event = _event(_object(raw, "an event"), pick_user, total_likes)
        except BadRequest as exc:
            raise BadRequest(f"event {index}: {exc}") from exc
        if isinstance(event, Like):
            total_likes = max(total_likes, event.total)
        events.append(event)
    return events


def _event(raw: dict, pick_user: Callable[[], SimUser], total_likes: int) -> Event:
    kind = raw.get("type")
    if kind not in _FIELDS:
        raise BadRequest(f"unknown event type {kind!r}; expected one of {', '.join(_FIELDS)}")
    if kind == "raw":
        _check_keys(raw, _FIELDS[kind] | {"type"}, "a raw event")
        return _raw(raw)
    _check_keys(raw, _FIELDS[kind] | {"type", "user"}, f"a {kind} event")
    if kind == "viewers":
        return Viewers(_int(raw, "viewerCount"))
    if kind == "garbled":
        return Garbled(_str(raw, "method", "WebcastChatMessage", max_len=100))
    user = _user(raw.get("user"), pick_user)
    if kind == "chat":
        return Chat(user, _str(raw, "comment"))
    if kind == "gift":
        return _gift(raw, user)
    if kind == "like":
        count = _int(raw, "count", 1, low=1)
        return Like(user, count, _int(raw, "total", total_likes + count, high=2**63 - 1))
    return {"follow": Follow, "share": Share, "join": Join}[kind](user)


def _raw(raw: dict) -> Raw:
    """`{method, message?}`: a message of any type TikTokLive knows, its fields as TikTokLive's class names them,
    checked by building it as it will be sent."""
    method = _str(raw, "method", max_len=100)
    if method not in EVENT_MAPPINGS:
        raise BadRequest(f"unknown method {method!r}: not one of the {len(EVENT_MAPPINGS)} message types TikTokLive "
                         "knows (its EVENT_MAPPINGS), such as 'WebcastRankUpdateMessage'")
    fields = _object(raw.get("message", {}), "'message'")
    if fields.get("common") is not None:
        _object(fields["common"], "'message.common'")
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
