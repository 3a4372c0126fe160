"""TikTokLive's own decode of what the push socket carries, then the app's normalisation as it was before the
fast path: the reference the fast decode is held to (streams/decodecheck.py, on a share of the frames of every
stream; tests/test_fast_decode.py, on generated ones).

What TikTokLive's client does with a frame (`WebcastWSClient.connect`, `_parse_webcast_response_message`,
`handle_custom_event`): the push frame and its fetch result are read with betterproto2
(`extract_webcast_response_message`), then every message, of every type, with the class TikTokLive maps its
method to (`EVENT_MAPPINGS`): a payload that class cannot read raises here. Of TikTokLive's derived events the
app used: the end (LiveEndEvent) from a control message whose action is "ended" or "suspended"; a follow or a
share (FollowEvent, ShareEvent: the social message under another name) from a social message whose display
text's key holds "follow" or "share". One departure, which the fast path makes too: TikTokLive derives follows
and shares from a message of ANY type with such a key (parsing its payload as a social message, which fails for
most types and ends the connection); both read them from social messages only, as TikTok-Live-Connector does.

Then the normalisation of TikTokLive's event objects into the contract's events, as the app did before the fast
path (assistant/tiktok.py as of aa809e3). About half a millisecond a message (betterproto2 and pydantic build
every field): never on the per-frame path.
"""

import functools

from betterproto2 import Message, ProtoClassMetadata
from TikTokLive.client.ws.ws_utils import extract_webcast_response_message
from TikTokLive.events import EVENT_MAPPINGS
from TikTokLive.proto import ControlAction, ProtoMessageFetchResult, WebcastPushFrame
from TikTokLive.proto.proto_utils import common_display_type


def read_frame(data):
    """The fetch result a push frame carries, as TikTokLive reads it; None for a frame without messages (a
    heartbeat, an ack). Raises what betterproto2 or gzip raise on a frame they cannot read."""
    push_frame = WebcastPushFrame().parse(data)
    if push_frame.payload_type != "msg":
        return None
    return extract_webcast_response_message(push_frame)


def decode_message(method, payload, ts, history):
    """What TikTokLive and the former normalisation make of one message: (event or None, its message id); None
    for a method TikTokLive does not know. `ts`: the receive time (epoch ms); `history`: it came in the first
    fetch result (the chat TikTok replays on connect). Raises what TikTokLive's parse raises."""
    event_class = _event_class(method)
    if event_class is None:
        return None
    event = event_class().parse(payload)
    normalise = NORMALISERS.get(method)
    common = event.common
    return (normalise(event, ts, history) if normalise is not None else None), (common.msg_id if common else 0)


def own_event_metadata():
    """Give each of TikTokLive's event classes field metadata of its own now (see `_event_class`): a process
    that also builds TikTokLive's message classes itself (the tests, the simulator's encoding in process) would
    otherwise parse a CommentEvent's viewer as a plain User, without `unique_id`, if a WebcastChatMessage was
    used first."""
    for method in EVENT_MAPPINGS:
        _event_class(method)


@functools.cache
def _event_class(method):
    """TikTokLive's class for `method`, with field metadata of its own. betterproto2 makes a class's metadata on
    first use and keeps it on the class, where subclasses find it too: had a base class been used first (a
    WebcastGiftMessage nested in another message), TikTokLive's event class (GiftEvent) would parse with the
    base's fields (a plain Gift, not TikTokLive's ExtendedGift) for the rest of the process."""
    event_class = EVENT_MAPPINGS.get(method)
    if event_class is not None and "_betterproto_meta" not in vars(event_class):
        event_class._betterproto_meta = ProtoClassMetadata(event_class)
    return event_class


def warm():
    """Ahead of the first frame: prepare the classes nearly every frame needs, the push frame's, the fetch
    result's and those of the types the app relays (about two seconds of CPU, once per process)."""
    _build(WebcastPushFrame, ProtoMessageFetchResult)
    prepare(NORMALISERS)


def prepare(methods):
    """Make TikTokLive's classes for messages of these methods ready, and every class they hold: betterproto2
    builds a class's field metadata, and pydantic completes its schema, on its first use (up to a tenth of a
    second a class, once per process), which the decode check keeps apart from the decode it paces. Not for
    two threads at once (the decode check runs one frame at a time)."""
    for method in methods:
        _prepare(method)


@functools.cache
def _prepare(method):
    event_class = _event_class(method)
    if event_class is not None:
        _build(event_class)


_BUILT = set()  # the classes whose metadata is built, with all the classes they hold


def _build(*classes):
    pending = list(classes)
    while pending:
        cls = pending.pop()
        if cls not in _BUILT:
            _BUILT.add(cls)
            cls()  # pydantic completes the dataclass's schema on its first instance
            pending.extend(held for held in cls._betterproto.cls_by_field.values()
                           if isinstance(held, type) and issubclass(held, Message))


# --- the former normalisation: TikTokLive's events -> the contract's events ------------------------------


def _first_url(image):
    return image.url_list[0] if image is not None and image.url_list else ""


def _user(user):
    if user is None:
        return None
    return {"userId": str(user.id), "uniqueId": user.display_id or "", "nickname": user.nickname or "",
            "avatarUrl": _first_url(user.avatar_thumb)}


def _with_user(kind, event, ts, **fields):
    return {"type": kind, "ts": ts, "user": _user(event.user), **fields}


def _chat(event, ts, history):
    chat = _with_user("chat", event, ts, comment=event.content)
    if history:
        chat["history"] = True
    return chat


def _gift(event, ts, history):
    gift = event.gift
    return _with_user(
        "gift", event, ts,
        giftId=event.gift_id or (gift.id if gift else 0),
        giftName=gift.name if gift else "",
        diamondCount=gift.diamond_count if gift else 0,
        repeatCount=max(event.repeat_count, 1),
        streaking=event.streaking,
        giftType=gift.type if gift else 0,
        imageUrl=_first_url(gift.image) if gift else "",
    )


def _social(event, ts, history):
    key = common_display_type(event.common)
    if "follow" in key:
        return _with_user("follow", event, ts)
    if "share" in key:
        return _with_user("share", event, ts)
    return None


def _control(event, ts, history):
    if event.action not in (ControlAction.STREAM_ENDED, ControlAction.STREAM_SUSPENDED):
        return None
    return {"type": "end", "ts": ts, "reason": "suspended" if event.action == ControlAction.STREAM_SUSPENDED
            else "ended"}


# Method -> the former normalisation of TikTokLive's event for it: one for each method the fast path relays
# (decode.RELAYED), or the decode check would find every such message different.
NORMALISERS = {
    "WebcastChatMessage": _chat,
    "WebcastGiftMessage": _gift,
    "WebcastLikeMessage": lambda event, ts, history: _with_user("like", event, ts, count=event.count,
                                                                  totalLikes=event.total),
    "WebcastMemberMessage": lambda event, ts, history: _with_user("join", event, ts),
    "WebcastSocialMessage": _social,
    "WebcastRoomUserSeqMessage": lambda event, ts, history: {"type": "viewers", "ts": ts, "viewerCount": event.total},
    "WebcastControlMessage": _control,
}
