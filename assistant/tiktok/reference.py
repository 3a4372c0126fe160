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
every field): never on the per-frame path. The types a streamer sees beside chat and gifts came after the fast
path: they are made here from TikTokLive's events by the rules the fast path reads them by (rules.py), and a
pause or a resume from a control message as TikTokLive's LivePauseEvent and LiveUnpauseEvent. A super fan is
TikTokLive's SuperFanEvent, SuperFanJoinEvent or SuperFanBoxEvent (a barrage or an envelope), read from the same
text keys (rules.py says why `key`).
"""

import functools

from betterproto2 import Message, ProtoClassMetadata
from TikTokLive.client.ws.ws_utils import extract_webcast_response_message
from TikTokLive.events import EVENT_MAPPINGS
from TikTokLive.proto import ProtoMessageFetchResult, WebcastPushFrame
from TikTokLive.proto.proto_utils import common_display_type

from . import rules


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


# The types nearly every frame carries. The others the app relays (a battle, a poll...) come now and then: their
# classes are made the first time a frame carries one (streams/decodecheck.py, in a real thread).
_EVERY_FRAME = ("WebcastChatMessage", "WebcastGiftMessage", "WebcastLikeMessage", "WebcastMemberMessage",
                "WebcastSocialMessage", "WebcastRoomUserSeqMessage", "WebcastControlMessage")


def warm():
    """Ahead of the first frame: prepare the classes nearly every frame needs, the push frame's, the fetch
    result's and those of the types nearly every frame carries (about two seconds of CPU, once per process)."""
    _build(WebcastPushFrame, ProtoMessageFetchResult)
    prepare(_EVERY_FRAME)


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
    return rules.plain_user(user.id, user.display_id or "", user.nickname or "", _first_url(user.avatar_thumb))


def _with_user(type_name, event, ts, **fields):
    return {"type": type_name, "ts": ts, "user": _user(event.user), **fields}


def _message_id(message):
    return message.common.msg_id if message.common else 0


def _chat(event, ts, history):
    chat = _with_user("chat", event, ts, comment=event.content, messageId=str(_message_id(event)))
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
    return rules.control(event.action, ts)


# --- the types a streamer sees beside those: TikTokLive's events read by the rules of rules.py ------------------


def _settings_ends_at(settings):
    return rules.battle_ends_at(settings.start_time_ms, settings.duration, settings.end_time_ms) if settings else None


def _score_control(control):
    return (control.normal_control_applied, control.threshold) if control else (False, 0)


def _armies(pairs):
    """({host id: [(user, score)]}, {host id: score}) from (host id, BattleUserArmies or None) pairs."""
    supporters, scores = {}, {}
    for host_id, army in pairs:
        scores[host_id] = army.hostscore if army else 0
        supporters[host_id] = [(rules.plain_user(member.user_id, "", member.nickname, _first_url(member.avatar_thumb)),
                                member.score) for member in (army.user_armies if army else [])]
    return supporters, scores


def _battle_host(wrapper):
    info = wrapper.value.user if wrapper.value else None
    user_id = wrapper.key or (info.user_id if info else 0)
    if info is None:
        return user_id, rules.plain_user(user_id, "", "", "")
    return user_id, rules.plain_user(user_id, info.display_id, info.nick_name, _first_url(info.avatar_thumb))


def _battle(event, ts, history):
    settings = event.battle_settings
    phase = rules.battle_phase(event.action, settings.status if settings else 0)
    if phase is None:
        return None
    supporters, scores = _armies((wrapper.key, wrapper.value) for wrapper in event.armies)
    scores.update((user_id, result.score if result else 0) for user_id, result in event.battle_result.items())
    results = {user_id: result.result if result else 0 for user_id, result in event.battle_result.items()}
    return {"type": "battle", "ts": ts, "battleId": str(event.battle_id), "phase": phase,
            "endsAt": _settings_ends_at(settings),
            "teams": rules.battle_teams([_battle_host(wrapper) for wrapper in event.anchors_info], scores, supporters,
                                        _score_control(event.fuzzy_display_config_v2)),
            "result": rules.battle_result(results) if phase == "ended" else None}


def _armies_event(event, ts, history):
    if not event.armies:
        return None
    supporters, scores = _armies(event.armies.items())
    return {"type": "battle", "ts": ts, "battleId": str(event.battle_id), "phase": "scores",
            "endsAt": _settings_ends_at(event.battle_settings),
            "teams": rules.battle_teams([], scores, supporters, _score_control(event.fuzzy_display_config_v2)),
            "result": None}


def _poll(event, ts, history):
    phase = rules.poll_phase(event.start_content is not None, event.update_votes_content is not None,
                             event.end_content is not None)
    if phase is None:
        return None
    content = {"started": event.start_content, "votes": event.update_votes_content, "ended": event.end_content}[phase]
    start, info = event.start_content, event.poll_basic_info
    return {"type": "poll", "ts": ts,
            "pollId": str(event.poll_id) if event.poll_id else (info.poll_id_str if info else ""), "phase": phase,
            "title": (start.title if start else "") or (info.title if info else ""),
            "options": [{"text": option.display_content, "votes": option.votes} for option in content.option_list],
            "endsAt": rules.epoch_ms(start.end_time) if start else None}


def _goal(event, ts, history):
    goal = event.goal
    if goal is None:
        return None
    targets = [{"kind": rules.goal_kind(sub.gift is not None, sub.type), "target": sub.target,
                "progress": sub.progress} for sub in goal.sub_goals]
    return {"type": "goal", "ts": ts, "goalId": goal.id_str or str(goal.id),
            "phase": rules.goal_phase(event.update_source, targets), "description": goal.description,
            "targets": targets}


def _barrage(event, ts, history):
    keys = [text.key for text in (event.content, event.common_barrage_content) if text is not None]
    kind = rules.superfan_kind(keys)
    return None if kind is None else _with_user("superfan", event, ts, kind=kind)


def _question(event, ts, history):
    data = event.data
    if data is None:
        return None
    return {"type": "question", "ts": ts, "user": _user(data.user), "questionId": str(data.question_id),
            "text": data.content}


def _envelope(event, ts, history):
    info = event.envelope_info
    if event.display == rules.ENVELOPE_HIDDEN or info is None:
        return None
    sender = rules.plain_user(info.send_user_id, "", info.send_user_name, _first_url(info.send_user_avatar)) \
        if info.send_user_id else None
    if rules.is_super_fan_box(info.business_type, common_display_type(event.common)):
        return {"type": "superfan", "ts": ts, "user": sender, "kind": "box"}
    return {"type": "envelope", "ts": ts, "user": sender, "diamonds": info.diamond_count,
            "people": info.people_count, "opensAt": rules.epoch_ms(info.unpack_at)}


def _pin(event, ts, history):
    pinned = event.chat_message
    message_id = str(event.pin_msg_id or (_message_id(pinned) if pinned else 0))
    if event.action == rules.PIN_CANCEL:
        return {"type": "pin", "ts": ts, "messageId": message_id, "chat": None}
    if pinned is None:
        return None
    created = pinned.common.create_time if pinned.common else 0
    return {"type": "pin", "ts": ts, "messageId": message_id, "chat": {
        "type": "chat", "ts": created if created > 0 else ts, "user": _user(pinned.user), "comment": pinned.content,
        "messageId": message_id}}


def _rank(event, ts, history):
    if not event.updates:
        return None
    update = event.updates[0]
    text = update.default_content
    return rules.rank(ts, update.rank_type, update.own_rank, text.default_pattern if text else "",
                      [piece.string_value for piece in text.pieces] if text else [])


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
    "WebcastLinkMicBattle": _battle,
    "WebcastLinkMicArmies": _armies_event,
    "WebcastPollMessage": _poll,
    "WebcastGoalUpdateMessage": _goal,
    "WebcastSubNotifyMessage": lambda event, ts, history: _with_user("subscribe", event, ts,
                                                                     months=rules.positive(event.sub_month)),
    "WebcastBarrageMessage": _barrage,
    "WebcastQuestionNewMessage": _question,
    "WebcastEnvelopeMessage": _envelope,
    "WebcastEmoteChatMessage": lambda event, ts, history: _with_user(
        "emote", event, ts, emotes=[{"emoteId": item.emote_id, "imageUrl": _first_url(item.image)}
                                    for item in event.emote_list]) if event.emote_list else None,
    "WebcastRoomPinMessage": _pin,
    "WebcastImDeleteMessage": lambda event, ts, history: rules.chat_deleted(ts, event.delete_msg_ids,
                                                                            event.delete_user_ids),
    "WebcastRankUpdateMessage": _rank,
}
