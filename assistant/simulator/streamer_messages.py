"""The messages TikTok sends for what a streamer sees beside their viewers' chat, gifts and the like: PK battles,
polls, the LIVE goal, subscriptions, super fans, Q&A, treasure chests, emotes, pins, deleted chat, pauses and
rankings (model.StreamerEvent).

Each event is one message, of the type TikTokLive maps to it (TikTokLive.events EVENT_MAPPINGS), built with the
classes of TikTokLive's TikTokLiveProto v3 schema; the schema's names are the fields' meaning. Where the schema
leaves a value open, the comment names the source of the one chosen. Times are epoch ms in the events and as the
schema's `_ms` fields say, seconds in an int32 (which cannot hold ms).
"""

from __future__ import annotations

from urllib.parse import quote

from TikTokLive.proto import (
    BattleResultResult,
    BattleSettingsBattleStatus,
    BattleType,
    CommonMessageData,
    ControlAction,
    EnvelopeBusinessType,
    EnvelopeDisplay,
    GoalMessageSource,
    ImageModel,
    LinkMicArmiesTriggerReason,
    LinkMicBattleBattleAction,
    MessageType,
    OldSubscribeStatus,
    PinMessageActionType,
    PollBasicInfo,
    PollEndContent,
    PollEndType,
    PollOptionInfo,
    PollStartContent,
    PollUpdateVotesContent,
    ProtoMessageFetchResultBaseProtoMessage,
    RankUpdate,
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
    WebcastSubNotifyMessage,
)
from TikTokLive.proto import Question as QuestionProto
from TikTokLiveProto.v3.webcast.model.base.emoji import EmoteModel
from TikTokLiveProto.v3.webcast.model.gift.model import (
    LiveStreamGoal,
    LiveStreamGoalIndicator,
    LiveStreamSubGoal,
    LiveStreamSubGoalGift,
    WebcastGoalUpdateMessage,
)
from TikTokLiveProto.v3.webcast.model.live.match import BattleBaseUserInfo, BattleUserInfo, HighScoreControlCfg
from TikTokLiveProto.v3.webcast.model.message.battle import (
    BattleResult,
    BattleSetting,
    BattleUserArmies,
    BattleUserArmy,
    BattleUserInfoWrapper,
    UserArmiesWrapper,
)
from TikTokLiveProto.v3.webcast.model.message.common import Text, TextPiece, TextPieceUser
from TikTokLiveProto.v3.webcast.model.message.redenvelope import MessageRedEnvelopInfo, WebcastEnvelopeMessage

from .catalogue import ROSE
from .model import (
    Battle,
    ChatDeleted,
    Emote,
    EmoteChat,
    Envelope,
    Goal,
    Pause,
    Pin,
    Poll,
    Question,
    Rank,
    Resume,
    SimUser,
    Subscribe,
    SuperFan,
    Team,
)
from .wire import common_head, image, now_ms, serialise, user_avatar, user_proto

# LiveStreamSubGoal.type, which the schema leaves a plain number: TikTokLiveSharp's SubGoalType enum
# (Models/Protobuf/Objects/Enums/SubGoalType.cs): 1 a gift, 2 subscriptions.
SUB_GOAL_GIFT = 1
# LiveStreamGoal.type and .status, plain numbers in the schema too: TikTokLiveSharp's GoalType (1 a LIVE's goal)
# and GoalStatus (2 ongoing, 3 finished, 4 deleted).
_GOAL_TYPE_STREAM = 1
# The gift a gift sub-goal counts: TikTok's most sent one (catalogue.py); the contract's target does not name it.
_SUB_GOAL_GIFT = LiveStreamSubGoalGift(name=ROSE.name, diamond_count=ROSE.diamond_count, type=ROSE.gift_type)
_GOAL_STATUS = {"set": 2, "progress": 2, "reached": 3, "removed": 4}
# LiveStreamGoalIndicator.op, TikTokLiveSharp's IndicatorOp: 1 add, 2 remove, 3 update.
_GOAL_INDICATOR_OP = {"set": 1, "progress": 3, "reached": 3, "removed": 2}
# GoalMessageSource (webcast.model.data): a goal set is committed, its progress updated; a removed one unpinned.
_GOAL_SOURCE = {"set": GoalMessageSource.COMMIT, "progress": GoalMessageSource.PROGRESS_UPDATE,
                "reached": GoalMessageSource.PROGRESS_UPDATE, "removed": GoalMessageSource.UNPIN}
# WebcastPollMessage.message_type: 0 a poll starts, 1 it ends, 2 its votes changed (TikTokLiveJava's
# TikTokCommonEventHandler.handlePollEvent); each with the content of that name.
_POLL_MESSAGE_TYPE = {"started": 0, "ended": 1, "votes": 2}
# A super fan is a barrage whose text key says so (TikTokLive's handle_custom_event: SuperFanJoinEvent for
# `ttlive_superfan_commentnotif_superfanjoined`, SuperFanEvent for any other `ttlive_superfan` key, both matched
# in lower case); the keys as a LIVE sent them (TikTok-Live-Connector users' captures: "ttlive_superFan_commentNotif_
# superFanJoined", "..._someoneBecameSuperFan"). The viewer is in the barrage's `user` and in its text's piece, where
# TikTok-Live-Connector's readers look (raw.user, else the text piece's user). A super fan box is a treasure chest
# of business type SUPER_FAN_BOX (TikTokLive's SuperFanBoxEvent).
_SUPER_FAN_TEXT = {
    "became": ("ttlive_superFan_commentNotif_someoneBecameSuperFan", "{0:user} became a super fan"),
    "joined": ("ttlive_superFan_commentNotif_superFanJoined", "{0:user}, a super fan, joined"),
}


def build_message(event, room_id: int, base_url: str) -> ProtoMessageFetchResultBaseProtoMessage:
    """The BaseProtoMessage TikTok would push for the streamer's `event` in room `room_id`."""
    viewer = None  # serialised apart, as in protocol.build_message: the messages whose `user` is the viewer
    match event:
        case Battle():
            return _battle(event, room_id, base_url)
        case Poll():
            method, message = "WebcastPollMessage", _poll(event)
        case Goal():
            method, message = "WebcastGoalUpdateMessage", _goal(event)
        case Subscribe(user, months):
            # SubNotify: the subscriber, and how many months (sub_month); a first month is FIRST, a renewal RESUB.
            method, viewer = "WebcastSubNotifyMessage", user
            message = WebcastSubNotifyMessage(
                sub_month=months or 0, message_type=MessageType.SUB_SUCCESS,
                old_subscribe_status=OldSubscribeStatus.RESUB if (months or 1) > 1 else OldSubscribeStatus.FIRST)
        case SuperFan(user, "box"):
            method, message = "WebcastEnvelopeMessage", _envelope(user, 0, 0, None, base_url,
                                                                  EnvelopeBusinessType.SUPER_FAN_BOX)
        case SuperFan(user, kind):
            key, pattern = _SUPER_FAN_TEXT[kind]
            text = Text(key=key, default_pattern=pattern,
                        pieces=[TextPiece(user_value=TextPieceUser(user=user_proto(user, base_url)))])
            method, viewer = "WebcastBarrageMessage", user
            message = WebcastBarrageMessage(content=text, common_barrage_content=text)
        case Question(question_id, user, text):
            method = "WebcastQuestionNewMessage"
            message = WebcastQuestionNewMessage(data=QuestionProto(
                question_id=question_id, content=text, user=user_proto(user, base_url)))
        case Envelope(user, diamonds, people, opens_at):
            method, message = "WebcastEnvelopeMessage", _envelope(user, diamonds, people, opens_at, base_url,
                                                                  EnvelopeBusinessType.BUSINESS_TYPE_USER_DIAMOND)
        case EmoteChat(user, emotes):
            method, viewer = "WebcastEmoteChatMessage", user
            message = WebcastEmoteChatMessage(emote_list=[
                EmoteModel(emote_id=emote.emote_id, image=_emote_image(emote, base_url)) for emote in emotes])
        case Pin():  # pinned by the room's owner (RoomPinMessage.operator)
            method, message = "WebcastRoomPinMessage", _pin(event, room_id, base_url)
        case ChatDeleted(message_ids, user_ids):
            method = "WebcastImDeleteMessage"
            message = WebcastImDeleteMessage(delete_msg_ids=list(message_ids), delete_user_ids=list(user_ids))
        case Pause() | Resume():
            # ControlAction 1 and 2: TikTokLive's LivePauseEvent and LiveUnpauseEvent (handle_custom_event).
            method = "WebcastControlMessage"
            message = WebcastControlMessage(
                action=ControlAction.STREAM_PAUSED if isinstance(event, Pause) else ControlAction.STREAM_UNPAUSED)
        case Rank(rank_type, position, text):
            # One RankUpdate: the ranking (ProfitRankType), the creator's place (own_rank; owneronrank: ranked at
            # all) and its line, a Text whose pattern puts its one piece in place; in the gift rankings' group
            # (EntranceGroupType GIFT), as the hourly and daily rankings are.
            method = "WebcastRankUpdateMessage"
            message = WebcastRankUpdateMessage(group_type=1, updates=[RankUpdate(
                rank_type=rank_type, own_rank=position or 0, owneronrank=position is not None,
                default_content=Text(default_pattern="{0:string}", pieces=[TextPiece(string_value=text)]))])
        case _:
            raise TypeError(f"not a simulator event: {event!r}")
    return serialise(message, common_head(method, room_id), viewer, base_url)


# --- PK battles ------------------------------------------------------------------------------------------------
# A 1v1 battle (BattleType NORMAL_BATTLE), laid out as TikTokLiveJava reads one (TikTokLinkMicBattleEvent,
# TikTokLinkMicArmiesEvent): its start is a LinkMicBattle with action OPEN and the hosts (anchors_info); the scores
# come in LinkMicArmies (armies: per host, its score `hostscore` and its supporters `user_armies`), sent "every time
# a battle participant receives points"; its end is a LinkMicBattle with action FINISH, each host's result
# (battle_result: WIN, LOSE or DRAW, and the final score) and the armies. Every one carries the battle's settings.


def _battle(event: Battle, room_id: int, base_url: str) -> ProtoMessageFetchResultBaseProtoMessage:
    scores, score_control = _shown_scores(event.teams)
    settings = _battle_settings(event)
    if event.phase == "scores":
        message = WebcastLinkMicArmies(
            battle_id=event.battle_id, battle_settings=settings, fuzzy_display_config_v2=score_control,
            trigger_reason=LinkMicArmiesTriggerReason.SCORE_UPDATE, update_battle_score_time=now_ms(),
            armies={team.host.user_id: _armies(team, scores, base_url) for team in event.teams})
        return serialise(message, common_head("WebcastLinkMicArmies", room_id), None, base_url)
    message = WebcastLinkMicBattle(
        battle_id=event.battle_id, battle_settings=settings, fuzzy_display_config_v2=score_control,
        anchors_info=[BattleUserInfoWrapper(key=team.host.user_id, value=BattleUserInfo(user=BattleBaseUserInfo(
            user_id=team.host.user_id, nick_name=team.host.nickname, display_id=team.host.unique_id,
            avatar_thumb=user_avatar(team.host, base_url)))) for team in event.teams])
    if event.phase == "started":
        message.action = LinkMicBattleBattleAction.OPEN
    else:
        message.action = LinkMicBattleBattleAction.FINISH
        message.battle_result = {team.host.user_id: BattleResult(
            user_id=team.host.user_id, score=scores[team.host.user_id], result=_outcome(event, team))
            for team in event.teams}
        message.armies = [UserArmiesWrapper(key=team.host.user_id, value=_armies(team, scores, base_url))
                          for team in event.teams]
    return serialise(message, common_head("WebcastLinkMicBattle", room_id), None, base_url)


def _battle_settings(event: Battle) -> BattleSetting:
    """The battle's id, type, status and times: when it ends (end_time_ms), and at its start also when it began
    and how long it lasts (start_time_ms, duration in seconds)."""
    settings = BattleSetting(
        battle_id=event.battle_id, battle_type=BattleType.NORMAL_BATTLE, end_time_ms=event.ends_at or 0,
        status=BattleSettingsBattleStatus.BATTLE_FINISHED if event.phase == "ended"
        else BattleSettingsBattleStatus.BATTLE_STARTED)
    if event.phase == "started":
        settings.start_time_ms = now_ms()
        if event.ends_at:
            settings.duration = max(0, (event.ends_at - settings.start_time_ms) // 1000)
    return settings


def _shown_scores(teams: tuple[Team, ...]) -> tuple[dict[int, int], HighScoreControlCfg | None]:
    """Each host's score as sent, and the score control that masks the scores given as None.

    HighScoreControlCfg (`fuzzy_display_config_v2` of both messages): with `normal_control_applied`, scores from
    `threshold` up are shown fuzzy to everyone but the users of `origin_display_to_user_list`. So a masked side's
    score is sent at the threshold, just above every side's that is shown; the hosts see theirs."""
    shown = [team.score for team in teams if team.score is not None]
    if len(shown) == len(teams):
        return {team.host.user_id: team.score for team in teams}, None
    threshold = max(shown, default=0) + 1
    control = HighScoreControlCfg(normal_control_applied=True, threshold=threshold,
                                  origin_display_to_user_list=[team.host.user_id for team in teams])
    return {team.host.user_id: threshold if team.score is None else team.score for team in teams}, control


def _armies(team: Team, scores: dict[int, int], base_url: str) -> BattleUserArmies:
    host_id = team.host.user_id
    return BattleUserArmies(hostscore=scores[host_id], anchor_id_str=str(host_id), user_armies=[
        BattleUserArmy(user_id=supporter.user.user_id, user_id_str=str(supporter.user.user_id),
                       nickname=supporter.user.nickname, score=supporter.score,
                       avatar_thumb=user_avatar(supporter.user, base_url))
        for supporter in team.top])


def _outcome(event: Battle, team: Team) -> BattleResultResult:
    if event.winner is None:
        return BattleResultResult.DRAW
    return BattleResultResult.WIN if team.host.user_id == event.winner else BattleResultResult.LOSE


# --- the rest --------------------------------------------------------------------------------------------------


def _poll(poll: Poll) -> WebcastPollMessage:
    """The poll's id and title (poll_basic_info) and the content of its phase. The schema gives a poll's end time
    only in its start (PollStartContent.end_time; its unit unknown: ms, as sent here, keeps the time whole)."""
    options = [PollOptionInfo(display_content=option.text, votes=option.votes, option_idx=index)
               for index, option in enumerate(poll.options)]
    message = WebcastPollMessage(
        poll_id=poll.poll_id, message_type=_POLL_MESSAGE_TYPE[poll.phase],
        poll_basic_info=PollBasicInfo(title=poll.title, poll_id_str=str(poll.poll_id)))
    if poll.phase == "started":
        message.start_content = PollStartContent(title=poll.title, option_list=options, start_time=now_ms(),
                                                 end_time=poll.ends_at or 0)
    elif poll.phase == "votes":
        message.update_votes_content = PollUpdateVotesContent(option_list=options)
    else:
        message.end_content = PollEndContent(option_list=options, end_type=PollEndType.POLL_END_BY_TIME)
    return message


def _goal(goal: Goal) -> WebcastGoalUpdateMessage:
    return WebcastGoalUpdateMessage(
        update_source=_GOAL_SOURCE[goal.phase],
        indicator=LiveStreamGoalIndicator(op=_GOAL_INDICATOR_OP[goal.phase]),
        goal=LiveStreamGoal(
            id=goal.goal_id, id_str=str(goal.goal_id), description=goal.description, type=_GOAL_TYPE_STREAM,
            status=_GOAL_STATUS[goal.phase],
            sub_goals=[LiveStreamSubGoal(
                id=index + 1, id_str=str(index + 1), type=target.kind, target=target.target, progress=target.progress,
                gift=_SUB_GOAL_GIFT if target.kind == SUB_GOAL_GIFT else None)
                for index, target in enumerate(goal.targets)]))


def _emote_image(emote: Emote, base_url: str) -> ImageModel | None:
    """The emote's picture: its URL as given ("": none), else the simulator's own (images.py)."""
    if emote.image_url == "":
        return None
    url = emote.image_url or f"{base_url}/_sim/emote/{quote(emote.emote_id, safe='')}.svg"
    return image(url, f"sim/emote/{emote.emote_id}")


def _envelope(user: SimUser, diamonds: int, people: int, opens_at: int | None, base_url: str,
              business_type: EnvelopeBusinessType) -> WebcastEnvelopeMessage:
    """A treasure chest shown new (EnvelopeDisplay NEW: TikTokLiveJava's handleEnvelop keeps only those), from
    `user`, with its diamonds, the viewers who may open it and when (unpack_at, an int32: epoch seconds)."""
    return WebcastEnvelopeMessage(display=EnvelopeDisplay.NEW, envelope_info=MessageRedEnvelopInfo(
        business_type=business_type, diamond_count=diamonds, people_count=people,
        unpack_at=(opens_at or 0) // 1000, send_user_id=str(user.user_id), send_user_name=user.nickname,
        send_user_avatar=user_avatar(user, base_url)))


def _pin(pin: Pin, room_id: int, base_url: str) -> WebcastRoomPinMessage:
    """A chat line pinned (PinMessageActionType PIN) with the line itself (chat_message, as it was sent: its own
    common header, msg_id and time), or unpinned (PIN_CANCEL); pin_msg_id names the line either way."""
    message = WebcastRoomPinMessage(pin_msg_id=pin.message_id, method="WebcastChatMessage",
                                    action=PinMessageActionType.PIN_CANCEL if pin.chat is None else
                                    PinMessageActionType.PIN)
    if pin.operator is not None:
        message.operator = user_proto(pin.operator, base_url)
    if pin.chat is not None:
        message.chat_message = WebcastChatMessage(
            common=CommonMessageData(method="WebcastChatMessage", msg_id=pin.message_id, room_id=room_id,
                                     create_time=pin.chat_ts or now_ms(), is_show_msg=True),
            content=pin.chat.comment, content_language="en", user=user_proto(pin.chat.user, base_url))
    return message
