"""Reading one value of a control API body: checked, with a message for the caller when it is not what it must be.

Each raises BadRequest, which the server answers with 400 `{"error"}` (control.json_errors).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from .model import SimUser, normalise_name, stable_id

INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1
MISSING: Any = object()


class BadRequest(ValueError):
    """A control request the simulator cannot act on."""


def check_keys(obj: dict, allowed: set[str], what: str) -> None:
    unknown = sorted(set(obj) - allowed)
    if unknown:
        raise BadRequest(f"unknown field(s) in {what}: {', '.join(unknown)}")


def integer(obj: dict, key: str, default: Any = MISSING, low: int = 0, high: int = INT32_MAX) -> int:
    value = obj.get(key, default)
    if value is MISSING:
        raise BadRequest(f"'{key}' is required")
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadRequest(f"'{key}' must be an integer")
    if not low <= value <= high:
        raise BadRequest(f"'{key}' must be between {low} and {high}")
    return value


def boolean(obj: dict, key: str, default: Any = MISSING) -> bool:
    value = obj.get(key, default)
    if value is MISSING:
        raise BadRequest(f"'{key}' is required")
    if not isinstance(value, bool):
        raise BadRequest(f"'{key}' must be true or false")
    return value


def text(obj: dict, key: str, default: Any = MISSING, max_len: int = 500) -> str:
    value = obj.get(key, default)
    if value is MISSING:
        raise BadRequest(f"'{key}' is required")
    if not isinstance(value, str) or not value.strip():
        raise BadRequest(f"'{key}' must be a non-empty string")
    if len(value) > max_len:
        raise BadRequest(f"'{key}' is longer than {max_len} characters")
    return value


def json_object(body: Any, what: str) -> dict:
    if not isinstance(body, dict):
        raise BadRequest(f"{what} must be a JSON object")
    return body


def json_list(value: Any, what: str, low: int, high: int) -> list:
    if not isinstance(value, list) or not low <= len(value) <= high:
        raise BadRequest(f"{what} must be a list of {low} to {high} items")
    return value


def parse_name(raw: str, what: str = "creator name") -> str:
    name = normalise_name(raw)
    if name is None:
        raise BadRequest(f"invalid {what} {raw!r}: 2 to 24 letters, digits, '_' or '.'")
    return name


def user_id(value: Any, what: str = "'userId'") -> int:
    """An integer or its decimal string (TikTok ids overflow JavaScript numbers, so JSON may quote them)."""
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 19:
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= INT64_MAX:
        raise BadRequest(f"{what} must be a positive integer or a string of digits")
    return value


def tiktok_id(value: Any, what: str) -> int:
    """One of TikTok's 64-bit ids (a message's, a battle's...): a positive integer or its decimal string, as the
    contract carries them; or any other name (at most 64 characters), for a test's convenience, which stands for a
    number of its own, the same wherever the name is used (a chat's `messageId` "m1" and a pin's)."""
    if isinstance(value, str) and not (value.isascii() and value.isdigit()):
        if not 1 <= len(value) <= 64:
            raise BadRequest(f"{what} must be a positive integer, a string of digits, or a name of 1 to 64 "
                             "characters")
        return stable_id(value)
    return user_id(value, what)


def user(raw: Any, pick_user: Callable[[], SimUser]) -> SimUser:
    """`{userId, uniqueId, nickname, avatarUrl}`, any of them missing; a stable identity follows from what is
    given. `avatarUrl` is sent as TikTok sends a picture's URL, whatever it is (viewers' pictures are TikTok's
    data, not ours to vouch for), and "" as no picture at all; without it the simulator's own picture is."""
    if raw is None:
        return pick_user()
    raw = json_object(raw, "'user'")
    check_keys(raw, {"userId", "uniqueId", "nickname", "avatarUrl"}, "'user'")
    number = user_id(raw["userId"]) if "userId" in raw else None
    unique_id = parse_name(text(raw, "uniqueId", max_len=24), "'uniqueId'") if "uniqueId" in raw else None
    nickname = text(raw, "nickname", max_len=64) if "nickname" in raw else None
    avatar = raw.get("avatarUrl")
    if avatar is not None and (not isinstance(avatar, str) or len(avatar) > 2000):
        raise BadRequest("'avatarUrl' must be a string of at most 2000 characters")
    if number is None and unique_id is None and nickname is None:
        regular = pick_user()
        return regular if avatar is None else dataclasses.replace(regular, avatar_url=avatar)
    if unique_id is None:
        unique_id = f"user{number}" if number is not None else f"user{stable_id(nickname or '') % 10**9}"
    return SimUser(
        user_id=number if number is not None else stable_id(unique_id),
        unique_id=unique_id,
        nickname=nickname or unique_id,
        avatar_url=avatar,
    )
