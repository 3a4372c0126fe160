"""The parts every message the simulator sends is made of: its common header, the viewer, pictures, and protobuf
fields encoded by hand. protocol.py (the viewers' events, fetch results, push frames) and streamer_messages.py
(the streamer's events: battles, polls...) build on them.

Careful with local names where proto messages are built: betterproto2's pydantic dataclasses finish building
their schema on first use and resolve forward references like "common.Text" or "battle.BattleSetting" against
the *calling frame's locals*, so a local called `common`, `base`, `battle` or `data` breaks them.
"""

from __future__ import annotations

import dataclasses
import functools
import random
import time
from typing import NamedTuple
from urllib.parse import urlencode

from betterproto2 import encode_varint
from TikTokLive.proto import CommonMessageData, ImageModel, ProtoMessageFetchResultBaseProtoMessage, User

# Not re-exported by TikTokLive.proto; it is the same package TikTokLive parses with.
from TikTokLiveProto.v3.webcast.model.message.common import Text

from .model import SimUser

VARINT, LENGTH_DELIMITED = 0, 2  # protobuf wire types


def avatar_url(base_url: str, unique_id: str, nickname: str = "") -> str:
    """The viewer's avatar: a colour from the handle, the initials of the name shown (`nickname`)."""
    url = f"{base_url}/_sim/avatar/{unique_id}.svg"
    return f"{url}?{urlencode({'name': nickname})}" if nickname else url


def gift_image_url(base_url: str, gift_id: int) -> str:
    return f"{base_url}/_sim/gift/{gift_id}.svg"


def now_ms() -> int:
    return int(time.time() * 1000)


def new_id() -> int:
    return random.getrandbits(62)


def image(url: str, uri: str) -> ImageModel:
    return ImageModel(url_list=[url], uri=uri, width=100, height=100)


def user_avatar(user: SimUser, base_url: str) -> ImageModel | None:
    """The viewer's picture: the URL a control API call gave (None when it gave ""), else the simulator's own
    (images.py)."""
    if user.avatar_url == "":
        return None
    url = user.avatar_url or avatar_url(base_url, user.unique_id, user.nickname)
    return image(url, f"sim/avatar/{user.unique_id}")


def user_proto(user: SimUser, base_url: str) -> User:
    return User(
        id=user.user_id,
        id_str=str(user.user_id),
        display_id=user.unique_id,
        nickname=user.nickname,
        sec_uid=f"MS4wLjABAAAA{user.user_id:x}",
        avatar_thumb=user_avatar(user, base_url),
    )


# Building and serialising messages with betterproto costs about half a millisecond apiece, most of it in
# the parts every message has: the common header and the viewer. Those are encoded here once per
# distinct value, or by hand, and put around the rest: protobuf lets fields stand in any order, so a
# parser reads exactly what one `bytes(message)` with `common` and `user` set would have given.


def tag(number: int, wire_type: int) -> bytes:
    return encode_varint(number << 3 | wire_type)


def varint_field(number: int, value: int) -> bytes:
    return tag(number, VARINT) + encode_varint(value)


def bytes_field(number: int, data: bytes) -> bytes:
    return tag(number, LENGTH_DELIMITED) + encode_varint(len(data)) + data


@functools.cache
def field_number(message_class: type, name: str) -> int:
    field = next(f for f in dataclasses.fields(message_class) if f.name == name)
    return field.metadata["betterproto"].number


@functools.lru_cache(maxsize=4096)
def user_bytes(user: SimUser, base_url: str) -> bytes:
    return bytes(user_proto(user, base_url))


@functools.lru_cache(maxsize=64)
def _display_text_bytes(key: str, pattern: str) -> bytes:
    return bytes(Text(key=key, default_pattern=pattern))


class Head(NamedTuple):
    """A message's CommonMessageData: its method and id, and its serialised form."""

    method: str
    msg_id: int
    encoded: bytes


def common_head(method: str, room_id: int, display_key: str = "", pattern: str = "",
                msg_id: int | None = None) -> Head:
    """The common header TikTok puts first in every message: its method, its id (`msg_id`, a new one unless
    given), the room, the time sent and, for messages a feed shows a line for, the line's text key and pattern."""
    msg_id = msg_id or new_id()
    number = functools.partial(field_number, CommonMessageData)
    encoded = (
        bytes_field(number("method"), method.encode())
        + varint_field(number("msg_id"), msg_id)
        + varint_field(number("room_id"), room_id)
        + varint_field(number("create_time"), now_ms())
        + varint_field(number("is_show_msg"), 1)
    )
    if display_key:
        encoded += bytes_field(number("display_text"), _display_text_bytes(display_key, pattern))
    return Head(method, msg_id, encoded)


def serialise(message, head: Head, viewer: SimUser | None, base_url: str) -> ProtoMessageFetchResultBaseProtoMessage:
    """`message` with `head` as its `common` and `viewer` as its `user`, wrapped for a fetch result."""
    message_class = type(message)
    payload = bytes_field(field_number(message_class, "common"), head.encoded) + bytes(message)
    if viewer is not None:
        payload += bytes_field(field_number(message_class, "user"), user_bytes(viewer, base_url))
    return wrap(head.method, payload, head.msg_id)


def wrap(method: str, payload: bytes, msg_id: int) -> ProtoMessageFetchResultBaseProtoMessage:
    return ProtoMessageFetchResultBaseProtoMessage(method=method, payload=payload, msg_id=msg_id)
