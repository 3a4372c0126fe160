"""The normalisers of the events a streamer sees beside chat and gifts, one TikTok message at a time: messages built
with TikTokLive's own proto classes (TikTokLiveProto v3), serialised as TikTok sends them, decoded by the fast path
(assistant/tiktok/decode.py) into the contract's events (docs/protocol.md), with the values each rule of
assistant/tiktok/rules.py gives. The reference (TikTokLive's decode, assistant/tiktok/reference.py) must make the
same event: tests/test_fast_decode.py holds the two equal on generated messages, these on the meaningful ones.
Fast: no server.
"""

import pytest
from TikTokLive.proto import (
    BattleResultResult,
    BattleSettingsBattleStatus,
    CommonMessageData,
    ControlAction,
    EnvelopeBusinessType,
    EnvelopeDisplay,
    GoalMessageSource,
    ImageModel,
    LinkMicBattleBattleAction,
    PinMessageActionType,
    ProfitRankType,
    User,
    WebcastBarrageMessage,
    WebcastChatMessage,
    WebcastControlMessage,
    WebcastEmoteChatMessage,
    WebcastImDeleteMessage,
    WebcastLinkMicArmies,
    WebcastLinkMicBattle,
    WebcastPollMessage,
    WebcastQuestionNewMessage,
    WebcastRankUpdateMessage,
    WebcastRoomPinMessage,
    WebcastSocialMessage,
    WebcastSubNotifyMessage,
)
from TikTokLiveProto.v3.webcast.model.base.emoji import EmoteModel
from TikTokLiveProto.v3.webcast.model.gift.model import (
    LiveStreamGoal,
    LiveStreamSubGoal,
    LiveStreamSubGoalGift,
    WebcastGoalUpdateMessage,
)
from TikTokLiveProto.v3.webcast.model.live.match import BattleBaseUserInfo, BattleUserInfo, HighScoreControlCfg
from TikTokLiveProto.v3.webcast.model.message import (
    PollBasicInfo,
    PollEndContent,
    PollOptionInfo,
    PollStartContent,
    PollUpdateVotesContent,
    Question,
    RankUpdate,
)
from TikTokLiveProto.v3.webcast.model.message.battle import (
    BattleResult,
    BattleSetting,
    BattleUserArmies,
    BattleUserArmy,
    BattleUserInfoWrapper,
)
from TikTokLiveProto.v3.webcast.model.message.common import Text, TextPiece
from TikTokLiveProto.v3.webcast.model.message.redenvelope import MessageRedEnvelopInfo, WebcastEnvelopeMessage

from assistant.tiktok import decode, reference

# TikTokLive's event classes get their field metadata first (reference.own_event_metadata says why).
reference.own_event_metadata()

TS = 1_795_753_444_091
START_MS = 1_795_753_400_000
CREATOR, RIVAL = 7001, 7002


def _event(method, message):
    """The fast path's event for one message, after checking that the reference makes the same."""
    payload = bytes(message)
    fast = decode.decode_message(method, payload, TS, False)
    assert fast == reference.decode_message(method, payload, TS, False)
    return fast[0]


def _user(user_id, unique_id="", nickname="", avatar=""):
    return {"userId": str(user_id), "uniqueId": unique_id, "nickname": nickname, "avatarUrl": avatar}


def _image(url):
    return ImageModel(url_list=[url])


VIEWER = User(id=42, display_id="viewer42", nickname="Viewer 42", avatar_thumb=_image("https://p16.example/a.webp"))
VIEWER_USER = _user(42, "viewer42", "Viewer 42", "https://p16.example/a.webp")


def test_chat_carries_tiktoks_message_id_as_a_string():
    message = WebcastChatMessage(common=CommonMessageData(msg_id=7_301_000_000_000_000_001), user=VIEWER, content="hi")
    assert _event("WebcastChatMessage", message) == {
        "type": "chat", "ts": TS, "user": VIEWER_USER, "comment": "hi", "messageId": "7301000000000000001"}


# --- PK battles ---------------------------------------------------------------------------------------------


def _host(user_id, name):
    return BattleUserInfoWrapper(key=user_id, value=BattleUserInfo(user=BattleBaseUserInfo(
        user_id=user_id, nick_name=name.title(), display_id=name, avatar_thumb=_image(f"https://p16.example/{name}"))))


def _army(score, *supporters):
    return BattleUserArmies(hostscore=score, user_armies=[
        BattleUserArmy(user_id=user_id, nickname=f"Fan {user_id}", score=points) for user_id, points in supporters])


def test_a_battle_starts_with_both_hosts_named_and_its_time():
    message = WebcastLinkMicBattle(
        battle_id=9001, action=LinkMicBattleBattleAction.OPEN,
        battle_settings=BattleSetting(start_time_ms=START_MS, duration=300,
                                      status=BattleSettingsBattleStatus.BATTLE_STARTED),
        anchors_info=[_host(CREATOR, "creator"), _host(RIVAL, "rival")])
    assert _event("WebcastLinkMicBattle", message) == {
        "type": "battle", "ts": TS, "battleId": "9001", "phase": "started", "endsAt": START_MS + 300_000,
        "teams": [
            {"host": _user(CREATOR, "creator", "Creator", "https://p16.example/creator"), "score": 0, "top": []},
            {"host": _user(RIVAL, "rival", "Rival", "https://p16.example/rival"), "score": 0, "top": []},
        ],
        "result": None,
    }


def test_scores_come_from_the_armies_with_the_top_supporters_highest_first_and_masked_scores_null():
    message = WebcastLinkMicArmies(
        battle_id=9001, armies={CREATOR: _army(1500, (1, 300), (2, 1000)), RIVAL: _army(900, (3, 900))},
        fuzzy_display_config_v2=HighScoreControlCfg(normal_control_applied=True, threshold=1000))
    event = _event("WebcastLinkMicArmies", message)
    assert (event["phase"], event["endsAt"], event["result"]) == ("scores", None, None)
    mine, theirs = event["teams"]
    assert mine == {"host": _user(CREATOR), "score": None,  # 1500 is past TikTok's threshold: masked
                    "top": [{"user": _user(2, "", "Fan 2"), "score": 1000},
                            {"user": _user(1, "", "Fan 1"), "score": 300}]}
    assert theirs == {"host": _user(RIVAL), "score": 900, "top": [{"user": _user(3, "", "Fan 3"), "score": 900}]}


def test_without_tiktoks_score_control_every_score_shows():
    message = WebcastLinkMicArmies(battle_id=9001, armies={CREATOR: _army(1_000_000)})
    assert _event("WebcastLinkMicArmies", message)["teams"][0]["score"] == 1_000_000


@pytest.mark.parametrize(("results", "winner"), [
    ({CREATOR: BattleResultResult.WIN, RIVAL: BattleResultResult.LOSE}, str(CREATOR)),
    ({CREATOR: BattleResultResult.LOSE, RIVAL: BattleResultResult.WIN}, str(RIVAL)),
    ({CREATOR: BattleResultResult.DRAW, RIVAL: BattleResultResult.DRAW}, None),
])
def test_a_battle_ends_with_its_result_naming_the_winner(results, winner):
    message = WebcastLinkMicBattle(
        battle_id=9001, action=LinkMicBattleBattleAction.FINISH,
        battle_settings=BattleSetting(status=BattleSettingsBattleStatus.BATTLE_FINISHED,
                                      end_time_ms=START_MS + 300_000),
        battle_result={user_id: BattleResult(user_id=user_id, result=outcome, score=100 * n)
                       for n, (user_id, outcome) in enumerate(results.items(), 1)},
        anchors_info=[_host(CREATOR, "creator"), _host(RIVAL, "rival")])
    event = _event("WebcastLinkMicBattle", message)
    assert (event["phase"], event["endsAt"], event["result"]) == ("ended", START_MS + 300_000, {"winner": winner})
    assert [team["score"] for team in event["teams"]] == [100, 200]


def test_a_battle_end_without_a_result_names_none_and_an_invitation_is_not_relayed():
    ended = WebcastLinkMicBattle(battle_id=9001,
                                 action=LinkMicBattleBattleAction.LINK_MIC_BATTLE_BATTLE_ACTION_CUT_SHORT)
    assert _event("WebcastLinkMicBattle", ended)["result"] is None
    invited = WebcastLinkMicBattle(battle_id=9002, action=LinkMicBattleBattleAction.INVITE,
                                   anchors_info=[_host(CREATOR, "creator")])
    assert _event("WebcastLinkMicBattle", invited) is None


# --- polls and TikTok's goal ----------------------------------------------------------------------------------


def _options(*pairs):
    return [PollOptionInfo(display_content=text, votes=votes, option_idx=n) for n, (text, votes) in enumerate(pairs)]


def test_a_poll_starts_counts_votes_and_ends():
    start = WebcastPollMessage(poll_id=5001, start_content=PollStartContent(
        title="Next song?", end_time=1_795_753_500, option_list=_options(("Rock", 0), ("Jazz", 0))))
    assert _event("WebcastPollMessage", start) == {
        "type": "poll", "ts": TS, "pollId": "5001", "phase": "started", "title": "Next song?",
        "options": [{"text": "Rock", "votes": 0}, {"text": "Jazz", "votes": 0}], "endsAt": 1_795_753_500_000}
    counted = PollUpdateVotesContent(option_list=_options(("Rock", 12), ("Jazz", 7)))
    votes = WebcastPollMessage(poll_id=5001, poll_basic_info=PollBasicInfo(title="Next song?"),
                               update_votes_content=counted)
    assert _event("WebcastPollMessage", votes) == {
        "type": "poll", "ts": TS, "pollId": "5001", "phase": "votes", "title": "Next song?",
        "options": [{"text": "Rock", "votes": 12}, {"text": "Jazz", "votes": 7}], "endsAt": None}
    end = WebcastPollMessage(poll_id=5001, end_content=PollEndContent(option_list=_options(("Rock", 20), ("Jazz", 9))))
    assert _event("WebcastPollMessage", end)["phase"] == "ended"
    assert _event("WebcastPollMessage", WebcastPollMessage(poll_id=5001)) is None


def _goal(source, *targets):
    return WebcastGoalUpdateMessage(update_source=source, goal=LiveStreamGoal(
        id=6001, description="Road to 1000", sub_goals=[
            LiveStreamSubGoal(type=kind, target=target, progress=progress,
                              gift=LiveStreamSubGoalGift(name="Rose") if kind == 1 else None)
            for kind, target, progress in targets]))


@pytest.mark.parametrize(("source", "progress", "phase"), [
    (GoalMessageSource.COMMIT, 0, "set"),
    (GoalMessageSource.PIN, 10, "set"),
    (GoalMessageSource.PROGRESS_UPDATE, 250, "progress"),
    (GoalMessageSource.PROGRESS_UPDATE, 1000, "reached"),
    (GoalMessageSource.UNPIN, 250, "removed"),
    (GoalMessageSource.SUSPEND, 1000, "removed"),
])
def test_tiktoks_goal_is_set_progresses_is_reached_or_removed(source, progress, phase):
    event = _event("WebcastGoalUpdateMessage", _goal(source, (1, 1000, progress), (2, 50, 50)))
    assert event == {"type": "goal", "ts": TS, "goalId": "6001", "phase": phase, "description": "Road to 1000",
                     "targets": [{"kind": "gift", "target": 1000, "progress": progress},
                                 {"kind": "2", "target": 50, "progress": 50}]}


# --- viewers: subscriptions, super fans, questions, treasure chests, emotes --------------------------------------


def test_a_subscription_with_and_without_its_months():
    assert _event("WebcastSubNotifyMessage", WebcastSubNotifyMessage(user=VIEWER, sub_month=3)) == {
        "type": "subscribe", "ts": TS, "user": VIEWER_USER, "months": 3}
    assert _event("WebcastSubNotifyMessage", WebcastSubNotifyMessage(user=VIEWER))["months"] is None


# (Parameters not named `content` or `common`: pydantic completes a class on its first instance, resolving its
# annotations in the caller's names too, and WebcastBarrageMessage's name a module `common`.)
@pytest.mark.parametrize(("content_key", "common_key", "kind"), [
    ("ttlive_superfan_commentnotif_superfanjoined", "", "joined"),
    ("", "pm_mt_ttlive_superfan_became", "became"),
    ("TTLIVE_SUPERFAN_x", "", "became"),
    ("live_gift_gallery", "", None),
])
def test_a_super_fan_is_a_barrage_marked_as_tiktoklive_reads_it(content_key, common_key, kind):
    message = WebcastBarrageMessage(user=VIEWER, content=Text(key=content_key),
                                    common_barrage_content=Text(key=common_key))
    event = _event("WebcastBarrageMessage", message)
    assert event == (None if kind is None else {"type": "superfan", "ts": TS, "user": VIEWER_USER, "kind": kind})


def test_a_question_of_tiktoks_q_and_a():
    message = WebcastQuestionNewMessage(data=Question(question_id=8001, content="When next?", user=VIEWER))
    assert _event("WebcastQuestionNewMessage", message) == {
        "type": "question", "ts": TS, "user": VIEWER_USER, "questionId": "8001", "text": "When next?"}


def _envelope(business_type=EnvelopeBusinessType.BUSINESS_TYPE_USER_DIAMOND, display=EnvelopeDisplay.NEW):
    return WebcastEnvelopeMessage(display=display, envelope_info=MessageRedEnvelopInfo(
        business_type=business_type, diamond_count=100, people_count=10, unpack_at=1_795_753_504,
        send_user_id="42", send_user_name="Viewer 42", send_user_avatar=_image("https://p16.example/a.webp")))


def test_a_treasure_chest_a_super_fan_box_and_a_chest_taken_off_the_screen():
    sender = _user(42, "", "Viewer 42", "https://p16.example/a.webp")
    assert _event("WebcastEnvelopeMessage", _envelope()) == {
        "type": "envelope", "ts": TS, "user": sender, "diamonds": 100, "people": 10, "opensAt": 1_795_753_504_000}
    assert _event("WebcastEnvelopeMessage", _envelope(EnvelopeBusinessType.SUPER_FAN_BOX)) == {
        "type": "superfan", "ts": TS, "user": sender, "kind": "box"}
    assert _event("WebcastEnvelopeMessage", _envelope(display=EnvelopeDisplay.HIDE)) is None


def test_an_emote_in_chat():
    message = WebcastEmoteChatMessage(user=VIEWER, emote_list=[
        EmoteModel(emote_id="e1", image=_image("https://p16.example/e1.webp")), EmoteModel(emote_id="e2")])
    assert _event("WebcastEmoteChatMessage", message) == {
        "type": "emote", "ts": TS, "user": VIEWER_USER,
        "emotes": [{"emoteId": "e1", "imageUrl": "https://p16.example/e1.webp"}, {"emoteId": "e2", "imageUrl": ""}]}


# --- the room: pins, deleted chat, pause, ranks ---------------------------------------------------------------


def test_a_chat_line_pinned_then_unpinned_and_a_pinned_gift_not_relayed():
    pinned = WebcastChatMessage(common=CommonMessageData(msg_id=7301, create_time=TS - 5000), user=VIEWER, content="hi")
    message = WebcastRoomPinMessage(action=PinMessageActionType.PIN, pin_msg_id=7301, chat_message=pinned)
    assert _event("WebcastRoomPinMessage", message) == {"type": "pin", "ts": TS, "messageId": "7301", "chat": {
        "type": "chat", "ts": TS - 5000, "user": VIEWER_USER, "comment": "hi", "messageId": "7301"}}
    unpinned = WebcastRoomPinMessage(action=PinMessageActionType.PIN_CANCEL, pin_msg_id=7301)
    assert _event("WebcastRoomPinMessage", unpinned) == {"type": "pin", "ts": TS, "messageId": "7301", "chat": None}
    gift = WebcastRoomPinMessage(action=PinMessageActionType.PIN, pin_msg_id=7302,
                                 social_message=WebcastSocialMessage())
    assert _event("WebcastRoomPinMessage", gift) is None


def test_deleted_chat_by_message_and_by_viewer():
    message = WebcastImDeleteMessage(delete_msg_ids=[7301, 7302], delete_user_ids=[42])
    assert _event("WebcastImDeleteMessage", message) == {
        "type": "chatDeleted", "ts": TS, "messageIds": ["7301", "7302"], "userIds": ["42"]}
    assert _event("WebcastImDeleteMessage", WebcastImDeleteMessage()) is None


@pytest.mark.parametrize(("action", "expected"), [
    (ControlAction.STREAM_PAUSED, {"type": "pause", "ts": TS}),
    (ControlAction.STREAM_UNPAUSED, {"type": "resume", "ts": TS}),
    (ControlAction.STREAM_ENDED, {"type": "end", "ts": TS, "reason": "ended"}),
    (ControlAction.STREAM_SUSPENDED, {"type": "end", "ts": TS, "reason": "suspended"}),
])
def test_control_pauses_resumes_and_ends(action, expected):
    assert _event("WebcastControlMessage", WebcastControlMessage(action=action)) == expected


def test_a_rank_names_its_ranking_and_place_with_tiktoks_text():
    message = WebcastRankUpdateMessage(updates=[RankUpdate(
        rank_type=ProfitRankType.TYPE_HOURLY_RANK, own_rank=12, default_content=Text(
            default_pattern="No. {0:string} in {1:string}", pieces=[TextPiece(string_value="12"),
                                                                    TextPiece(string_value="LIVE hourly")]))])
    assert _event("WebcastRankUpdateMessage", message) == {
        "type": "rank", "ts": TS, "rankType": "hourly", "position": 12, "text": "No. 12 in LIVE hourly"}
    unranked = WebcastRankUpdateMessage(updates=[RankUpdate(rank_type=ProfitRankType.TYPE_WEEKLY_ROOKIE)])
    assert _event("WebcastRankUpdateMessage", unranked) == {
        "type": "rank", "ts": TS, "rankType": "weekly_rookie", "position": None, "text": ""}
