"""TikTok's wire format, built with TikTokLive's own proto classes so clients parse what TikTok sends.

A push socket carries WebcastPushFrame frames whose payload is a (gzipped) ProtoMessageFetchResult;
the sign server's webcast fetch answers a bare ProtoMessageFetchResult. Each result holds
BaseProtoMessage items: a method name ("WebcastChatMessage") and that message's serialised bytes.
"""

from __future__ import annotations

import dataclasses
import functools
import gzip
import random
import time
from typing import NamedTuple
from urllib.parse import urlencode

from betterproto2 import encode_varint
from TikTokLive.events import EVENT_MAPPINGS
from TikTokLive.proto import (
    CommonMessageData,
    ControlAction,
    ImageModel,
    MemberMessageAction,
    ProtoMessageFetchResult,
    ProtoMessageFetchResultBaseProtoMessage,
    PushHeader,
    User,
    WebcastChatMessage,
    WebcastControlMessage,
    WebcastGiftMessage,
    WebcastLikeMessage,
    WebcastMemberMessage,
    WebcastPushFrame,
    WebcastRoomUserSeqMessage,
    WebcastSocialMessage,
)
from TikTokLive.proto import Gift as GiftProto

# Not re-exported by TikTokLive.proto; it is the same package TikTokLive parses with.
from TikTokLiveProto.v3.webcast.model.message.common import Text

from .model import Chat, Event, Follow, Garbled, Gift, Join, Like, Raw, Share, SimUser, Viewers

_VARINT, _LENGTH_DELIMITED = 0, 2  # protobuf wire types

PUSH_PATH = "/webcast/im/ws_proxy/ws_reuse_supplement/"

# WebcastSocialMessage.action values, and the display-text keys TikTok uses. TikTokLive turns a
# social message into a FollowEvent or ShareEvent by looking for "follow" / "share" in the key
# (see TikTokLiveClient.handle_custom_event), so no other message may carry those words there.
_SOCIAL_FOLLOW, _SOCIAL_SHARE = 1, 3
_FOLLOW_KEY = "pm_main_follow_message_viewer_2"
_SHARE_KEY = "pm_mt_guidance_share"
_JOIN_KEY = "live_room_enter_toast"
_GIFT_KEY = "live_gift_send_message_to_anchor"
# The display text (key, pattern) in the common header of each kind of message that has one.
_DISPLAY = {
    "gift": (_GIFT_KEY, "{0:user} sent {1:gift} x{2:string}"),
    "like": ("pm_mt_msg_viewer", "{0:user} liked the LIVE"),
    "follow": (_FOLLOW_KEY, "{0:user} followed the host"),
    "share": (_SHARE_KEY, "{0:user} shared the LIVE"),
    "join": (_JOIN_KEY, "{0:user} joined"),
}


def avatar_url(base_url: str, unique_id: str, nickname: str = "") -> str:
    """The viewer's avatar: a colour from the handle, the initials of the name shown (`nickname`)."""
    url = f"{base_url}/_sim/avatar/{unique_id}.svg"
    return f"{url}?{urlencode({'name': nickname})}" if nickname else url


def gift_image_url(base_url: str, gift_id: int) -> str:
    return f"{base_url}/_sim/gift/{gift_id}.svg"


def _now_ms() -> int:
    return int(time.time() * 1000)


def _new_id() -> int:
    return random.getrandbits(62)


def _image(url: str, uri: str) -> ImageModel:
    return ImageModel(url_list=[url], uri=uri, width=100, height=100)


def _user(user: SimUser, base_url: str) -> User:
    return User(
        id=user.user_id,
        id_str=str(user.user_id),
        display_id=user.unique_id,
        nickname=user.nickname,
        sec_uid=f"MS4wLjABAAAA{user.user_id:x}",
        avatar_thumb=_image(avatar_url(base_url, user.unique_id, user.nickname), f"sim/avatar/{user.unique_id}"),
    )


# Building and serialising messages with betterproto costs about half a millisecond apiece, most of it in
# the parts every message has: the common header and the viewer. Those are encoded here once per
# distinct value, or by hand, and put around the rest: protobuf lets fields stand in any order, so a
# parser reads exactly what one `bytes(message)` with `common` and `user` set would have given.


def _tag(number: int, wire_type: int) -> bytes:
    return encode_varint(number << 3 | wire_type)


def _varint_field(number: int, value: int) -> bytes:
    return _tag(number, _VARINT) + encode_varint(value)


def _bytes_field(number: int, data: bytes) -> bytes:
    return _tag(number, _LENGTH_DELIMITED) + encode_varint(len(data)) + data


@functools.cache
def _field_number(message_class: type, name: str) -> int:
    field = next(f for f in dataclasses.fields(message_class) if f.name == name)
    return field.metadata["betterproto"].number


@functools.lru_cache(maxsize=4096)
def _user_bytes(user: SimUser, base_url: str) -> bytes:
    return bytes(_user(user, base_url))


@functools.lru_cache(maxsize=64)
def _display_text_bytes(key: str, pattern: str) -> bytes:
    return bytes(Text(key=key, default_pattern=pattern))


class _Head(NamedTuple):
    """A message's CommonMessageData: its method and id, and its serialised form."""

    method: str
    msg_id: int
    encoded: bytes


def _common(method: str, room_id: int, display_key: str = "", pattern: str = "") -> _Head:
    msg_id = _new_id()
    number = functools.partial(_field_number, CommonMessageData)
    encoded = (
        _bytes_field(number("method"), method.encode())
        + _varint_field(number("msg_id"), msg_id)
        + _varint_field(number("room_id"), room_id)
        + _varint_field(number("create_time"), _now_ms())
        + _varint_field(number("is_show_msg"), 1)
    )
    if display_key:
        encoded += _bytes_field(number("display_text"), _display_text_bytes(display_key, pattern))
    return _Head(method, msg_id, encoded)


def _serialise(message, head: _Head, viewer: SimUser | None, base_url: str) -> ProtoMessageFetchResultBaseProtoMessage:
    """`message` with `head` as its `common` and `viewer` as its `user`, wrapped for a fetch result."""
    message_class = type(message)
    payload = _bytes_field(_field_number(message_class, "common"), head.encoded) + bytes(message)
    if viewer is not None:
        payload += _bytes_field(_field_number(message_class, "user"), _user_bytes(viewer, base_url))
    return _wrap(head.method, payload, head.msg_id)


def _wrap(method: str, payload: bytes, msg_id: int) -> ProtoMessageFetchResultBaseProtoMessage:
    return ProtoMessageFetchResultBaseProtoMessage(method=method, payload=payload, msg_id=msg_id)


# Careful with local names where proto messages are built: betterproto2's pydantic dataclasses finish
# building their schema on first use and resolve forward references like "common.Text" against the
# *calling frame's locals*, so a local called `common`, `base` or `data` breaks them.


# A truncated varint: no protobuf parser accepts it.
_GARBLED_PAYLOAD = b"\x0a\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"


def build_message(event: Event, room_id: int, base_url: str) -> ProtoMessageFetchResultBaseProtoMessage:
    """The BaseProtoMessage TikTok would push for `event` in room `room_id`."""
    viewer = getattr(event, "user", None)  # serialised apart: see _serialise
    match event:
        case Chat(_, comment):
            head = _common("WebcastChatMessage", room_id)
            message = WebcastChatMessage(content=comment, content_language="en")
        case Gift(_, gift, repeat_count, repeat_end, group_id):
            head = _common("WebcastGiftMessage", room_id, *_DISPLAY["gift"])
            message = WebcastGiftMessage(
                gift_id=gift.gift_id, repeat_count=repeat_count, combo_count=repeat_count, repeat_end=int(repeat_end),
                group_id=group_id, group_count=1, fan_ticket_count=gift.diamond_count * repeat_count,
                gift=GiftProto(
                    id=gift.gift_id, name=gift.name, diamond_count=gift.diamond_count, type=gift.gift_type,
                    combo=gift.streakable, describe=f"sent {gift.name}",
                    image=_image(gift_image_url(base_url, gift.gift_id), f"sim/gift/{gift.gift_id}"),
                ),
            )
        case Like(_, count, total):
            head = _common("WebcastLikeMessage", room_id, *_DISPLAY["like"])
            message = WebcastLikeMessage(count=count, total=total)
        case Follow():
            head = _common("WebcastSocialMessage", room_id, *_DISPLAY["follow"])
            message = WebcastSocialMessage(action=_SOCIAL_FOLLOW)
        case Share():
            head = _common("WebcastSocialMessage", room_id, *_DISPLAY["share"])
            message = WebcastSocialMessage(action=_SOCIAL_SHARE, share_type=1, share_count=1)
        case Join(user):
            head = _common("WebcastMemberMessage", room_id, *_DISPLAY["join"])
            message = WebcastMemberMessage(user_id=user.user_id, action=MemberMessageAction.JOINED)
        case Viewers(viewer_count):
            head = _common("WebcastRoomUserSeqMessage", room_id)
            message = WebcastRoomUserSeqMessage(total=viewer_count, total_user=viewer_count)
        case Garbled(method):
            return _wrap(method, _GARBLED_PAYLOAD, _new_id())
        case Raw(method, fields):
            return raw_message(method, fields, room_id)
        case _:
            raise TypeError(f"not a simulator event: {event!r}")
    return _serialise(message, head, viewer, base_url)


def raw_message(method: str, fields: dict, room_id: int) -> ProtoMessageFetchResultBaseProtoMessage:
    """A message of TikTokLive's type `method`, made from `fields` and encoded by the class TikTokLive parses
    that method with (its EVENT_MAPPINGS; field names as that class has them, or in camelCase, as betterproto2's
    from_dict takes them). Its `common` gets the method, a new msg_id, the room and the time, as every message
    the simulator sends, unless `fields` give them. Raises what betterproto2 raises on a field or value the class
    does not take."""
    message = EVENT_MAPPINGS[method].from_dict({name: value for name, value in fields.items() if name != "common"})
    head = CommonMessageData.from_dict(fields.get("common") or {})
    head.method = head.method or method
    head.msg_id = head.msg_id or _new_id()
    head.room_id = head.room_id or room_id
    head.create_time = head.create_time or _now_ms()
    message.common = head
    return _wrap(method, bytes(message), head.msg_id)


def end_message(room_id: int) -> ProtoMessageFetchResultBaseProtoMessage:
    """The control message of a stream that ended: TikTokLive emits LiveEndEvent and disconnects."""
    head = _common("WebcastControlMessage", room_id)
    message = WebcastControlMessage(action=ControlAction.STREAM_ENDED, tips="LIVE has ended")
    return _serialise(message, head, None, "")


def as_history(message: ProtoMessageFetchResultBaseProtoMessage) -> ProtoMessageFetchResultBaseProtoMessage:
    """`message` replayed in an initial fetch: same payload, id and send time, flagged is_history."""
    return ProtoMessageFetchResultBaseProtoMessage(
        method=message.method, payload=message.payload, msg_id=message.msg_id, is_history=True,
    )


def initial_fetch(
    messages: list[ProtoMessageFetchResultBaseProtoMessage], room_id: int, cursor: str, push_server: str,
) -> bytes:
    """The sign server's answer: where the push socket is, with the messages replayed on connect."""
    return _fetch_result(messages, ProtoMessageFetchResult(
        cursor=cursor, fetch_interval=1000, now=_now_ms(),
        internal_ext=_internal_ext(room_id, cursor), fetch_type=0, heartbeat_duration=10000, need_ack=True,
        push_server=push_server, is_first=True, history_no_more=True,
        route_params={"cursor": cursor, "internal_ext": _internal_ext(room_id, cursor)},
    ))


def push_payload(messages: list[ProtoMessageFetchResultBaseProtoMessage], room_id: int, cursor: str) -> bytes:
    """A pushed batch of messages, serialised (before any compression)."""
    return _fetch_result(messages, ProtoMessageFetchResult(
        cursor=cursor, fetch_interval=1000, now=_now_ms(), internal_ext=_internal_ext(room_id, cursor),
        need_ack=True,
    ))


def _fetch_result(messages: list[ProtoMessageFetchResultBaseProtoMessage], rest: ProtoMessageFetchResult) -> bytes:
    """`rest` with `messages` as its repeated `messages` field, each encoded by hand (see _serialise)."""
    number = _field_number(ProtoMessageFetchResult, "messages")
    return bytes(rest) + b"".join(_bytes_field(number, _base_message_bytes(message)) for message in messages)


def _base_message_bytes(message: ProtoMessageFetchResultBaseProtoMessage) -> bytes:
    number = functools.partial(_field_number, ProtoMessageFetchResultBaseProtoMessage)
    encoded = (
        _bytes_field(number("method"), message.method.encode())
        + _bytes_field(number("payload"), message.payload)
        + _varint_field(number("msg_id"), message.msg_id)
    )
    if message.is_history:
        encoded += _varint_field(number("is_history"), 1)
    return encoded


def push_frame(payload: bytes, log_id: int, gzipped: bool) -> bytes:
    """A "msg" WebcastPushFrame; `payload` is already gzipped when `gzipped` is true.

    The fixed fields are encoded once, the rest by hand: betterproto copies a large bytes field slowly
    (0.3 ms for 10 kB), and a flood sends 50 frames a second.
    """
    number = functools.partial(_field_number, WebcastPushFrame)
    return (_frame_head(gzipped) + _varint_field(number("seq_id"), log_id) + _varint_field(number("log_id"), log_id)
            + _bytes_field(number("payload"), payload))


@functools.cache
def _frame_head(gzipped: bool) -> bytes:
    """The push frame's fields other than seq_id, log_id and payload."""
    headers = [PushHeader(key="compress_type", value="gzip" if gzipped else "none")]
    return bytes(WebcastPushFrame(headers=headers, payload_encoding="pb", payload_type="msg"))


# --- a capture's bytes, replayed (replay.py) -----------------------------------------------------------
# Only the field that must change is replaced; every other byte stays as captured. Protobuf lets fields stand
# in any order, and for a field given more than once a parser keeps the last; the old one is dropped anyway.

_FIXED64, _FIXED32 = 1, 5


def read_varint(data: bytes, pos: int) -> tuple[int, int]:
    """The varint at `data[pos:]` and the position after it; ValueError when it runs past the end."""
    value = shift = 0
    while True:
        if pos >= len(data) or shift > 63:
            raise ValueError("a varint runs past the end")
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, pos


def _without_field(data: bytes, number: int) -> bytes:
    """`data`, a serialised message, without its top-level fields numbered `number`; ValueError when it does not
    read as protobuf."""
    kept = bytearray()
    pos = 0
    while pos < len(data):
        start = pos
        key, pos = read_varint(data, pos)
        wire_type = key & 7
        if wire_type == _VARINT:
            _, pos = read_varint(data, pos)
        elif wire_type == _LENGTH_DELIMITED:
            length, pos = read_varint(data, pos)
            pos += length
        elif wire_type in (_FIXED64, _FIXED32):
            pos += 8 if wire_type == _FIXED64 else 4
        else:
            raise ValueError(f"wire type {wire_type}")
        if pos > len(data):
            raise ValueError("a field runs past the end")
        if key >> 3 != number:
            kept += data[start:pos]
    return bytes(kept)


def with_log_id(frame: bytes, log_id: int) -> bytes:
    """A captured push frame with its `log_id` replaced: TikTokLive acks a frame by its log id
    (WebcastWSClient.send_ack), which names a frame of this server's socket. A frame that does not read as
    protobuf goes out as it was (a capture keeps garbled frames too)."""
    number = _field_number(WebcastPushFrame, "log_id")
    try:
        return _without_field(frame, number) + _varint_field(number, log_id)
    except ValueError:
        return frame


def with_push_server(fetch: bytes, push_server: str) -> bytes:
    """A captured sign-server fetch result naming this server's push socket. TikTokLive connects to
    `push_server`, with `route_params` in the query and its own `room_id` over any among them
    (ws_utils.build_webcast_uri, WebcastWSClient.connect), so that field alone would reach TikTok. Anything else
    (cursor, internal_ext, route_params, the messages) is the capture's: TikTokLive only hands those back,
    and this server reads none of them. A fetch result that does not read as protobuf gets the field appended
    all the same (a parser keeps the last): whatever reads it must never be sent to TikTok."""
    number = _field_number(ProtoMessageFetchResult, "push_server")
    try:
        kept = _without_field(fetch, number)
    except ValueError:
        kept = fetch
    return kept + _bytes_field(number, push_server.encode())


def compress(payload: bytes, level: int = 6) -> bytes:
    return gzip.compress(payload, compresslevel=level)


def parse_client_frame(data: bytes) -> WebcastPushFrame:
    """A frame a client sent (im_enter_room, hb heartbeat or ack)."""
    return WebcastPushFrame().parse(data)


def _internal_ext(room_id: int, cursor: str) -> str:
    return f"internal_src:dim|wss_push_room_id:{room_id}|wss_push_did:0|first_req_ms:0|fetch_time:{cursor}"
