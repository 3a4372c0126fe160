"""Decoded messages (the classes of `schema`) -> the contract's event dicts (docs/protocol.md, "The event object").

Each function takes one decoded message, the receive time `ts` (epoch ms) and whether it came in the
chat TikTok replays on connect (`history`), and returns the event, or None when the message is not
one the app relays (a social message that is neither a follow nor a share, a barrage that is not a super
fan's). The viewer is decoded here, from the bytes of the message's `user` field, so a DecodeError may come
from here too. The results are the ones TikTokLive's events gave through the app's former normalisation, which
reference.py keeps: tests/test_fast_decode.py and the decode check (streams/decodecheck.py) hold these to it.
The types a streamer sees beside chat and gifts (battles.py, and poll on here) read TikTok's values by the rules
of rules.py, which the reference follows too; the source of each field is in schema.py and rules.py
(TikTokLiveProto v3's schema).

An absent sub-message reads here as an empty one (upb), where TikTokLive has None: `HasField` tells them apart
where it matters.
"""

from . import battles, rules
from .users import first_url, inner_user, viewer

# GiftStruct.type of a gift that streaks (TikTokLive's ExtendedGift.streakable).
STREAKABLE_GIFT_TYPE = 1


def chat(message, ts, history):
    event = {"type": "chat", "ts": ts, "user": viewer(message), "comment": message.content,
             "messageId": str(message.common.msg_id)}
    if history:
        event["history"] = True
    return event


def gift(message, ts, history):
    details = message.gift  # an empty GiftStruct when absent: every field at its default, as before
    return {
        "type": "gift",
        "ts": ts,
        "user": viewer(message),
        "giftId": message.gift_id or details.id,
        "giftName": details.name,
        "diamondCount": details.diamond_count,
        "repeatCount": max(message.repeat_count, 1),
        # TikTokLive's GiftEvent.streaking: a streakable gift whose streak has not ended yet.
        "streaking": details.type == STREAKABLE_GIFT_TYPE and not message.repeat_end,
        "giftType": details.type,
        "imageUrl": first_url(details.image),
    }


def like(message, ts, history):
    return {"type": "like", "ts": ts, "user": viewer(message), "count": message.count, "totalLikes": message.total}


def join(message, ts, history):
    return {"type": "join", "ts": ts, "user": viewer(message)}


def social(message, ts, history):
    """A follow or a share, told apart as TikTokLive does: by the words in the display text's key."""
    key = message.common.display_text.key
    if "follow" in key:
        return {"type": "follow", "ts": ts, "user": viewer(message)}
    if "share" in key:
        return {"type": "share", "ts": ts, "user": viewer(message)}
    return None


def viewers(message, ts, history):
    return {"type": "viewers", "ts": ts, "viewerCount": message.total}


def control(message, ts, history):
    """The end (ended, suspended), a pause or a resume (rules.control)."""
    return rules.control(message.action, ts)


# --- the types a streamer sees beside those -----------------------------------------------------------------


def _options(content):
    return [{"text": option.display_content, "votes": option.votes} for option in content.option_list]


def poll(message, ts, history):
    """PollMessage: the content it carries says the phase; the start gives the title and the closing time."""
    has = message.HasField
    phase = rules.poll_phase(has("start_content"), has("update_votes_content"), has("end_content"))
    if phase is None:
        return None
    content = {"started": message.start_content, "votes": message.update_votes_content,
               "ended": message.end_content}[phase]
    start, info = message.start_content, message.poll_basic_info
    return {"type": "poll", "ts": ts, "pollId": str(message.poll_id) if message.poll_id else info.poll_id_str,
            "phase": phase, "title": start.title or info.title, "options": _options(content),
            "endsAt": rules.epoch_ms(start.end_time)}


def goal(message, ts, history):
    """GoalUpdateMessage: TikTok's own LIVE goal (LiveStreamGoal) and its sub-goals."""
    if not message.HasField("goal"):
        return None
    details = message.goal
    targets = [{"kind": rules.goal_kind(sub.HasField("gift"), sub.type), "target": sub.target,
                "progress": sub.progress} for sub in details.sub_goals]
    return {"type": "goal", "ts": ts, "goalId": details.id_str or str(details.id),
            "phase": rules.goal_phase(message.update_source, targets), "description": details.description,
            "targets": targets}


def subscribe(message, ts, history):
    """SubNotifyMessage: a subscription; `sub_month`, the months subscribed (0: not said)."""
    return {"type": "subscribe", "ts": ts, "user": viewer(message), "months": rules.positive(message.sub_month)}


def barrage(message, ts, history):
    """BarrageMessage: only a super fan's (rules.superfan_kind); TikTok sends barrages for much else."""
    kind = rules.superfan_kind((message.content.key, message.common_barrage_content.key))
    if kind is None:
        return None
    return {"type": "superfan", "ts": ts, "user": viewer(message), "kind": kind}


def question(message, ts, history):
    """QuestionNewMessage: a question of TikTok's Q&A (Question)."""
    if not message.HasField("data"):
        return None
    data = message.data
    return {"type": "question", "ts": ts, "user": inner_user(data), "questionId": str(data.question_id),
            "text": data.content}


def envelope(message, ts, history):
    """EnvelopeMessage: a treasure chest (MessageRedEnvelopInfo), or a super fan box (rules.is_super_fan_box);
    nothing when it is taken off the screen, or says nothing of itself. The sender is named by id, name and
    picture, not as a User."""
    if message.display == rules.ENVELOPE_HIDDEN or not message.HasField("envelope_info"):
        return None
    info = message.envelope_info
    sender = rules.plain_user(info.send_user_id, "", info.send_user_name, first_url(info.send_user_avatar)) \
        if info.send_user_id else None
    if rules.is_super_fan_box(info.business_type, message.common.display_text.key):
        return {"type": "superfan", "ts": ts, "user": sender, "kind": "box"}
    return {"type": "envelope", "ts": ts, "user": sender, "diamonds": info.diamond_count,
            "people": info.people_count, "opensAt": rules.epoch_ms(info.unpack_at)}


def emote(message, ts, history):
    """EmoteChatMessage: stickers in chat (EmoteModel); none, nothing to show."""
    if not message.emote_list:
        return None
    return {"type": "emote", "ts": ts, "user": viewer(message),
            "emotes": [{"emoteId": item.emote_id, "imageUrl": first_url(item.image)} for item in message.emote_list]}


def pin(message, ts, history):
    """RoomPinMessage: a chat message pinned (its WebcastChatMessage), or unpinned (PIN_CANCEL). A pinned
    message of another kind (a gift, a like...) is not relayed."""
    pinned = message.chat_message
    message_id = str(message.pin_msg_id or pinned.common.msg_id)
    if message.action == rules.PIN_CANCEL:
        return {"type": "pin", "ts": ts, "messageId": message_id, "chat": None}
    if not message.HasField("chat_message"):
        return None
    return {"type": "pin", "ts": ts, "messageId": message_id, "chat": {
        "type": "chat", "ts": pinned.common.create_time if pinned.common.create_time > 0 else ts,
        "user": inner_user(pinned), "comment": pinned.content, "messageId": message_id}}


def im_delete(message, ts, history):
    """ImDeleteMessage: chat TikTok removed, by message id and by viewer."""
    return rules.chat_deleted(ts, message.delete_msg_ids, message.delete_user_ids)


def rank(message, ts, history):
    """RankUpdateMessage: the first of its RankUpdates (the creator's place in a ranking)."""
    if not message.updates:
        return None
    update = message.updates[0]
    text = update.default_content
    return rules.rank(ts, update.rank_type, update.own_rank, text.default_pattern,
                      [piece.string_value for piece in text.pieces])


# Method name -> normaliser, for every message the app relays.
NORMALISERS = {
    "WebcastChatMessage": chat,
    "WebcastGiftMessage": gift,
    "WebcastLikeMessage": like,
    "WebcastMemberMessage": join,
    "WebcastSocialMessage": social,
    "WebcastRoomUserSeqMessage": viewers,
    "WebcastControlMessage": control,
    "WebcastLinkMicBattle": battles.link_mic_battle,
    "WebcastLinkMicArmies": battles.link_mic_armies,
    "WebcastPollMessage": poll,
    "WebcastGoalUpdateMessage": goal,
    "WebcastSubNotifyMessage": subscribe,
    "WebcastBarrageMessage": barrage,
    "WebcastQuestionNewMessage": question,
    "WebcastEnvelopeMessage": envelope,
    "WebcastEmoteChatMessage": emote,
    "WebcastRoomPinMessage": pin,
    "WebcastImDeleteMessage": im_delete,
    "WebcastRankUpdateMessage": rank,
}
