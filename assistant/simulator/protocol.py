"""TikTok's wire format, built with TikTokLive's own proto classes so clients parse what TikTok sends.

A push socket carries WebcastPushFrame frames whose payload is a (gzipped) ProtoMessageFetchResult;
the sign server's webcast fetch answers a bare ProtoMessageFetchResult. Each result holds
BaseProtoMessage items: a method name ("WebcastChatMessage") and that message's serialised bytes.
"""

from __future__ import annotations

import functools
import gzip

from TikTokLive.events import EVENT_MAPPINGS
from TikTokLive.proto import (
    CommonMessageData,
    ControlAction,
    MemberMessageAction,
    ProtoMessageFetchResult,
    ProtoMessageFetchResultBaseProtoMessage,
    PushHeader,
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

from . import streamer_messages
from .model import Chat, Event, Follow, Garbled, Gift, Join, Like, Raw, Share, Viewers
from .wire import (
    LENGTH_DELIMITED,
    VARINT,
    bytes_field,
    common_head,
    field_number,
    gift_image_url,
    image,
    new_id,
    now_ms,
    serialise,
    varint_field,
    wrap,
)
from .wire import (
    avatar_url as avatar_url,  # re-exported: the pictures' URLs, for the routes and the tests
)

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


# A truncated varint: no protobuf parser accepts it.
_GARBLED_PAYLOAD = b"\x0a\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"


def build_message(event: Event, room_id: int, base_url: str) -> ProtoMessageFetchResultBaseProtoMessage:
    """The BaseProtoMessage TikTok would push for `event` in room `room_id`."""
    viewer = getattr(event, "user", None)  # serialised apart: see wire.serialise
    match event:
        case Chat(_, comment, message_id):
            head = common_head("WebcastChatMessage", room_id, msg_id=message_id)
            message = WebcastChatMessage(content=comment, content_language="en")
        case Gift(_, gift, repeat_count, repeat_end, group_id):
            head = common_head("WebcastGiftMessage", room_id, *_DISPLAY["gift"])
            message = WebcastGiftMessage(
                gift_id=gift.gift_id, repeat_count=repeat_count, combo_count=repeat_count, repeat_end=int(repeat_end),
                group_id=group_id, group_count=1, fan_ticket_count=gift.diamond_count * repeat_count,
                gift=GiftProto(
                    id=gift.gift_id, name=gift.name, diamond_count=gift.diamond_count, type=gift.gift_type,
                    combo=gift.streakable, describe=f"sent {gift.name}",
                    image=image(gift_image_url(base_url, gift.gift_id), f"sim/gift/{gift.gift_id}"),
                ),
            )
        case Like(_, count, total):
            head = common_head("WebcastLikeMessage", room_id, *_DISPLAY["like"])
            message = WebcastLikeMessage(count=count, total=total)
        case Follow():
            head = common_head("WebcastSocialMessage", room_id, *_DISPLAY["follow"])
            message = WebcastSocialMessage(action=_SOCIAL_FOLLOW)
        case Share():
            head = common_head("WebcastSocialMessage", room_id, *_DISPLAY["share"])
            message = WebcastSocialMessage(action=_SOCIAL_SHARE, share_type=1, share_count=1)
        case Join(user):
            head = common_head("WebcastMemberMessage", room_id, *_DISPLAY["join"])
            message = WebcastMemberMessage(user_id=user.user_id, action=MemberMessageAction.JOINED)
        case Viewers(viewer_count):
            head = common_head("WebcastRoomUserSeqMessage", room_id)
            message = WebcastRoomUserSeqMessage(total=viewer_count, total_user=viewer_count)
        case Garbled(method):
            return wrap(method, _GARBLED_PAYLOAD, new_id())
        case Raw(method, fields):
            return raw_message(method, fields, room_id)
        case _:
            return streamer_messages.build_message(event, room_id, base_url)
    return serialise(message, head, viewer, base_url)


def raw_message(method: str, fields: dict, room_id: int) -> ProtoMessageFetchResultBaseProtoMessage:
    """A message of TikTokLive's type `method`, made from `fields` and encoded by the class TikTokLive parses
    that method with (its EVENT_MAPPINGS; field names as that class has them, or in camelCase, as betterproto2's
    from_dict takes them). Its `common` gets the method, a new msg_id, the room and the time, as every message
    the simulator sends, unless `fields` give them. Raises what betterproto2 raises on a field or value the class
    does not take."""
    message = EVENT_MAPPINGS[method].from_dict({name: value for name, value in fields.items() if name != "common"})
    head = CommonMessageData.from_dict(fields.get("common") or {})
    head.method = head.method or method
    head.msg_id = head.msg_id or new_id()
    head.room_id = head.room_id or room_id
    head.create_time = head.create_time or now_ms()
    message.common = head
    return wrap(method, bytes(message), head.msg_id)


def end_message(room_id: int) -> ProtoMessageFetchResultBaseProtoMessage:
    """The control message of a stream that ended: TikTokLive emits LiveEndEvent and disconnects."""
    head = common_head("WebcastControlMessage", room_id)
    message = WebcastControlMessage(action=ControlAction.STREAM_ENDED, tips="LIVE has ended")
    return serialise(message, head, None, "")


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
        cursor=cursor, fetch_interval=1000, now=now_ms(),
        internal_ext=_internal_ext(room_id, cursor), fetch_type=0, heartbeat_duration=10000, need_ack=True,
        push_server=push_server, is_first=True, history_no_more=True,
        route_params={"cursor": cursor, "internal_ext": _internal_ext(room_id, cursor)},
    ))


def push_payload(messages: list[ProtoMessageFetchResultBaseProtoMessage], room_id: int, cursor: str) -> bytes:
    """A pushed batch of messages, serialised (before any compression)."""
    return _fetch_result(messages, ProtoMessageFetchResult(
        cursor=cursor, fetch_interval=1000, now=now_ms(), internal_ext=_internal_ext(room_id, cursor),
        need_ack=True,
    ))


def _fetch_result(messages: list[ProtoMessageFetchResultBaseProtoMessage], rest: ProtoMessageFetchResult) -> bytes:
    """`rest` with `messages` as its repeated `messages` field, each encoded by hand (see _serialise)."""
    number = field_number(ProtoMessageFetchResult, "messages")
    return bytes(rest) + b"".join(bytes_field(number, _base_message_bytes(message)) for message in messages)


def _base_message_bytes(message: ProtoMessageFetchResultBaseProtoMessage) -> bytes:
    number = functools.partial(field_number, ProtoMessageFetchResultBaseProtoMessage)
    encoded = (
        bytes_field(number("method"), message.method.encode())
        + bytes_field(number("payload"), message.payload)
        + varint_field(number("msg_id"), message.msg_id)
    )
    if message.is_history:
        encoded += varint_field(number("is_history"), 1)
    return encoded


def push_frame(payload: bytes, log_id: int, gzipped: bool) -> bytes:
    """A "msg" WebcastPushFrame; `payload` is already gzipped when `gzipped` is true.

    The fixed fields are encoded once, the rest by hand: betterproto copies a large bytes field slowly
    (0.3 ms for 10 kB), and a flood sends 50 frames a second.
    """
    number = functools.partial(field_number, WebcastPushFrame)
    return (_frame_head(gzipped) + varint_field(number("seq_id"), log_id) + varint_field(number("log_id"), log_id)
            + bytes_field(number("payload"), payload))


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
        if wire_type == VARINT:
            _, pos = read_varint(data, pos)
        elif wire_type == LENGTH_DELIMITED:
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
    number = field_number(WebcastPushFrame, "log_id")
    try:
        return _without_field(frame, number) + varint_field(number, log_id)
    except ValueError:
        return frame


def with_push_server(fetch: bytes, push_server: str) -> bytes:
    """A captured sign-server fetch result naming this server's push socket. TikTokLive connects to
    `push_server`, with `route_params` in the query and its own `room_id` over any among them
    (ws_utils.build_webcast_uri, WebcastWSClient.connect), so that field alone would reach TikTok. Anything else
    (cursor, internal_ext, route_params, the messages) is the capture's: TikTokLive only hands those back,
    and this server reads none of them. A fetch result that does not read as protobuf gets the field appended
    all the same (a parser keeps the last): whatever reads it must never be sent to TikTok."""
    number = field_number(ProtoMessageFetchResult, "push_server")
    try:
        kept = _without_field(fetch, number)
    except ValueError:
        kept = fetch
    return kept + bytes_field(number, push_server.encode())


def compress(payload: bytes, level: int = 6) -> bytes:
    return gzip.compress(payload, compresslevel=level)


def parse_client_frame(data: bytes) -> WebcastPushFrame:
    """A frame a client sent (im_enter_room, hb heartbeat or ack)."""
    return WebcastPushFrame().parse(data)


def _internal_ext(room_id: int, cursor: str) -> str:
    return f"internal_src:dim|wss_push_room_id:{room_id}|wss_push_did:0|first_req_ms:0|fetch_time:{cursor}"
