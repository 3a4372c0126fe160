"""Decoded messages (the classes of `schema`) -> the contract's event dicts (docs/protocol.md, "The event object").

Each function takes one decoded message, the receive time `ts` (epoch ms) and whether it came in the
chat TikTok replays on connect (`history`), and returns the event, or None when the message is not
one the app relays (a social message that is neither a follow nor a share, a pause). The viewer is
decoded here, from the bytes of the message's `user` field, so a DecodeError may come from here too.
The results are the ones TikTokLive's events gave through the app's former normalisation, which
reference.py keeps: tests/test_fast_decode.py and the decode check (streams/decodecheck.py) hold these to it.
"""
import functools

from . import schema

# WebcastControlMessage.action (TikTokLive's ControlAction): the stream ended, or TikTok suspended it.
# Pause (1) and unpause (2) are not an end.
STREAM_ENDED, STREAM_SUSPENDED = 3, 4
# GiftStruct.type of a gift that streaks (TikTokLive's ExtendedGift.streakable).
STREAKABLE_GIFT_TYPE = 1


@functools.lru_cache(maxsize=4096)
def shared_user(user_id, unique_id, nickname, avatar_url):
    """One dict per distinct viewer, shared by all their events (never mutated): the same chatters
    come back again and again, and a runner keeps hundreds of recent events."""
    return {"userId": user_id, "uniqueId": unique_id, "nickname": nickname, "avatarUrl": avatar_url}


def _first_url(image):
    urls = image.url_list
    return urls[0] if urls else ""


# Keyed by the viewer's bytes (a few hundred each from the simulator, up to a few KB from TikTok).
@functools.lru_cache(maxsize=2048)
def user(encoded):
    """The viewer of a message, from its `user` field as bytes: decoded once per distinct encoding."""
    viewer = schema.User.FromString(encoded)
    return shared_user(str(viewer.id), viewer.display_id, viewer.nickname, _first_url(viewer.avatar_thumb))


def _user(message):
    return user(message.user) if message.HasField("user") else None


def chat(message, ts, history):
    event = {"type": "chat", "ts": ts, "user": _user(message), "comment": message.content}
    if history:
        event["history"] = True
    return event


def gift(message, ts, history):
    details = message.gift  # an empty GiftStruct when absent: every field at its default, as before
    return {
        "type": "gift",
        "ts": ts,
        "user": _user(message),
        "giftId": message.gift_id or details.id,
        "giftName": details.name,
        "diamondCount": details.diamond_count,
        "repeatCount": max(message.repeat_count, 1),
        # TikTokLive's GiftEvent.streaking: a streakable gift whose streak has not ended yet.
        "streaking": details.type == STREAKABLE_GIFT_TYPE and not message.repeat_end,
        "giftType": details.type,
        "imageUrl": _first_url(details.image),
    }


def like(message, ts, history):
    return {"type": "like", "ts": ts, "user": _user(message), "count": message.count, "totalLikes": message.total}


def join(message, ts, history):
    return {"type": "join", "ts": ts, "user": _user(message)}


def social(message, ts, history):
    """A follow or a share, told apart as TikTokLive does: by the words in the display text's key."""
    key = message.common.display_text.key
    if "follow" in key:
        return {"type": "follow", "ts": ts, "user": _user(message)}
    if "share" in key:
        return {"type": "share", "ts": ts, "user": _user(message)}
    return None


def viewers(message, ts, history):
    return {"type": "viewers", "ts": ts, "viewerCount": message.total}


def control(message, ts, history):
    action = message.action
    if action == STREAM_SUSPENDED:
        return {"type": "end", "ts": ts, "reason": "suspended"}
    if action == STREAM_ENDED:
        return {"type": "end", "ts": ts, "reason": "ended"}
    return None


# Method name -> normaliser, for every message the app relays.
NORMALISERS = {
    "WebcastChatMessage": chat,
    "WebcastGiftMessage": gift,
    "WebcastLikeMessage": like,
    "WebcastMemberMessage": join,
    "WebcastSocialMessage": social,
    "WebcastRoomUserSeqMessage": viewers,
    "WebcastControlMessage": control,
}
