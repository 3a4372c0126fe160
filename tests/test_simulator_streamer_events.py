"""What a streamer sees beside chat and gifts (battles, polls, the LIVE goal, subscriptions, super fans, Q&A, treasure
chests, emotes, pins, deleted chat, pauses, ranks), sent through the simulator's events API in the contract's shape
and received by the unmodified TikTokLive client as the message types TikTok sends them in."""

import asyncio

import pytest
import requests
from support.simclient import unique_name
from test_simulator import control, point_tiktoklive_at, watching
from TikTokLive.events import (
    BarrageEvent,
    CommentEvent,
    EmoteChatEvent,
    EnvelopeEvent,
    GoalUpdateEvent,
    ImDeleteEvent,
    LinkMicArmiesEvent,
    LinkMicBattleEvent,
    LivePauseEvent,
    LiveUnpauseEvent,
    PollEvent,
    QuestionNewEvent,
    RankUpdateEvent,
    RoomPinEvent,
    SubNotifyEvent,
    SuperFanBoxEvent,
)
from TikTokLive.proto import (
    BattleResultResult,
    BattleSettingsBattleStatus,
    ControlAction,
    EnvelopeBusinessType,
    GoalMessageSource,
    LinkMicArmiesTriggerReason,
    LinkMicBattleBattleAction,
    PinMessageActionType,
)

from assistant import events as contract
from assistant.simulator import validation
from assistant.simulator.model import Battle, Poll, Subscribe, room_owner, stable_id
from assistant.simulator.stories import BATTLE_EVENTS
from assistant.simulator.traffic import TrafficGenerator

WATCHED = (CommentEvent, LinkMicBattleEvent, LinkMicArmiesEvent, PollEvent, GoalUpdateEvent, SubNotifyEvent,
           BarrageEvent, SuperFanBoxEvent, QuestionNewEvent, EnvelopeEvent, EmoteChatEvent, RoomPinEvent,
           ImDeleteEvent, LivePauseEvent, LiveUnpauseEvent, RankUpdateEvent)
ALICE = {"userId": "1001", "uniqueId": "alice.k", "nickname": "Alice K"}
RIVAL = {"userId": "2002", "uniqueId": "rival.r", "nickname": "Rival R", "avatarUrl": "https://example.com/r.png"}
ENDS_AT = 1795753744091


@pytest.fixture
def tiktok(simulator, monkeypatch):
    """TikTokLive pointed at the shared simulator."""
    point_tiktoklive_at(monkeypatch, simulator.url)
    return simulator


def test_every_type_of_the_contract_but_end_is_one_the_events_api_takes():
    """`end` has an endpoint of its own (/_sim/streams/<name>/end)."""
    assert set(contract.NAMES) - {"end"} <= set(validation.EVENT_TYPES)


def test_a_battle_reaches_tiktoklive_from_start_to_result(tiktok):
    name = unique_name()
    tiktok.configure(name, rate=0)
    owner = int(tiktok.stream(name)["userId"])

    async def scenario():
        watcher = await watching(name, WATCHED, fetch_room_info=True)
        assert watcher.client.room_info["owner"]["id"] == owner, "the stream's userId is the room's owner"
        await control(tiktok.inject, name, [
            {"type": "battle", "battleId": "7302000000000000001", "phase": "started", "endsAt": ENDS_AT,
             "teams": [{}, {"host": RIVAL}]},
            {"type": "battle", "battleId": "7302000000000000001", "phase": "scores", "endsAt": ENDS_AT,
             "teams": [{"score": 1500, "top": [{"user": ALICE, "score": 1000}]}, {"host": RIVAL, "score": None}]},
            {"type": "battle", "battleId": "7302000000000000001", "phase": "ended",
             "teams": [{"score": 1600}, {"host": RIVAL, "score": None}], "result": {"winner": RIVAL["userId"]}},
            {"type": "battle", "battleId": "b2", "phase": "ended", "teams": [{"score": 70}, {"host": RIVAL,
                                                                                             "score": 70}]},
        ])
        await watcher.wait_for(lambda: len(watcher.of(LinkMicBattleEvent)) == 3, "the battles' messages")
        started, ended, draw = watcher.of(LinkMicBattleEvent)
        [scores] = watcher.of(LinkMicArmiesEvent)

        assert (started.battle_id, started.action) == (7302000000000000001, LinkMicBattleBattleAction.OPEN)
        assert started.battle_settings.status == BattleSettingsBattleStatus.BATTLE_STARTED
        assert started.battle_settings.end_time_ms == ENDS_AT
        hosts = {entry.key: entry.value.user for entry in started.anchors_info}
        assert list(hosts) == [owner, 2002], "a team without host is the creator's"
        assert (hosts[owner].display_id, hosts[2002].nick_name) == (name, "Rival R")
        assert hosts[2002].avatar_thumb.url_list == ["https://example.com/r.png"]
        assert not started.armies and not started.battle_result

        assert scores.trigger_reason == LinkMicArmiesTriggerReason.SCORE_UPDATE
        assert scores.battle_settings.end_time_ms == ENDS_AT
        mine, theirs = scores.armies[owner], scores.armies[2002]
        assert mine.hostscore == 1500
        assert [(army.user_id, army.nickname, army.score) for army in mine.user_armies] == [(1001, "Alice K", 1000)]
        # The rival's score is masked: the score control shows scores from its threshold up fuzzy, the owner's not.
        control_cfg = scores.fuzzy_display_config_v2
        assert control_cfg.normal_control_applied and mine.hostscore < control_cfg.threshold <= theirs.hostscore

        assert (ended.action, ended.battle_settings.status) == (
            LinkMicBattleBattleAction.FINISH, BattleSettingsBattleStatus.BATTLE_FINISHED)
        assert {key: (result.result, result.score) for key, result in ended.battle_result.items()} == {
            owner: (BattleResultResult.LOSE, 1600), 2002: (BattleResultResult.WIN, 1601)}
        assert ended.fuzzy_display_config_v2.threshold == 1601
        assert [entry.value.hostscore for entry in ended.armies] == [1600, 1601]
        # Even scores, no result given: a draw; a battle named "b2" has a number of its own.
        assert draw.battle_id == stable_id("b2") and draw.fuzzy_display_config_v2 is None
        assert {result.result for result in draw.battle_result.values()} == {BattleResultResult.DRAW}
        await watcher.stop()

    asyncio.run(scenario())


def test_each_other_type_reaches_tiktoklive_as_tiktok_sends_it(tiktok):
    name = unique_name()
    tiktok.configure(name, rate=0)
    owner = int(tiktok.stream(name)["userId"])
    poll = {"type": "poll", "pollId": "7303000000000000001", "title": "Next song?"}

    async def scenario():
        watcher = await watching(name, WATCHED)
        await control(tiktok.inject, name, [
            {"type": "chat", "user": ALICE, "comment": "pin me", "messageId": "m1"},
            {"type": "chat", "user": ALICE, "comment": "mine", "messageId": "7301000000000000009"},
            {**poll, "phase": "started", "endsAt": ENDS_AT, "options": [{"text": "Rock"}, {"text": "Jazz"}]},
            {**poll, "phase": "votes", "options": [{"text": "Rock", "votes": 12}, {"text": "Jazz", "votes": 7}]},
            {**poll, "phase": "ended", "options": [{"text": "Rock", "votes": 20}, {"text": "Jazz", "votes": 9}]},
            {"type": "goal", "goalId": "7304000000000000001", "phase": "progress", "description": "Road to 1000",
             "targets": [{"kind": "gift", "target": 1000, "progress": 250}]},
            {"type": "subscribe", "user": ALICE, "months": 3},
            {"type": "superfan", "user": ALICE, "kind": "became"},
            {"type": "superfan", "user": ALICE, "kind": "joined"},
            {"type": "superfan", "user": ALICE, "kind": "box"},
            {"type": "question", "questionId": "7305000000000000001", "user": ALICE, "text": "When is the next LIVE?"},
            {"type": "envelope", "user": ALICE, "diamonds": 100, "people": 10, "opensAt": 1795753504000},
            {"type": "emote", "user": ALICE, "emotes": [{"emoteId": "7306000000000000001"},
                                                          {"emoteId": "e2", "imageUrl": "javascript:alert(1)"}]},
            {"type": "pin", "messageId": "m1", "chat": {"type": "chat", "ts": 1795753440000, "user": ALICE,
                                                        "comment": "pin me", "messageId": "m1"}},
            {"type": "pin", "messageId": "m1", "chat": None},
            {"type": "chatDeleted", "messageIds": ["m1", "7301000000000000009"], "userIds": ["1001"]},
            {"type": "pause"},
            {"type": "resume"},
            {"type": "rank", "rankType": "daily", "position": 12, "text": "No. 12 in the daily ranking"},
        ])
        await watcher.wait_for(lambda: watcher.of(RankUpdateEvent), "the last message")

        pinned, mine = watcher.of(CommentEvent)
        assert (pinned.common.msg_id, mine.common.msg_id) == (stable_id("m1"), 7301000000000000009)

        started, votes, ended = watcher.of(PollEvent)
        assert [event.message_type for event in (started, votes, ended)] == [0, 2, 1]
        assert {event.poll_id for event in (started, votes, ended)} == {7303000000000000001}
        assert (started.start_content.title, started.start_content.end_time) == ("Next song?", ENDS_AT)
        assert [(o.display_content, o.votes) for o in started.start_content.option_list] == [("Rock", 0), ("Jazz", 0)]
        assert [o.votes for o in votes.update_votes_content.option_list] == [12, 7]
        assert [o.votes for o in ended.end_content.option_list] == [20, 9]
        assert votes.poll_basic_info.title == "Next song?" and votes.start_content is None

        [goal] = watcher.of(GoalUpdateEvent)
        assert (goal.goal.id, goal.goal.description, goal.update_source) == (
            7304000000000000001, "Road to 1000", GoalMessageSource.PROGRESS_UPDATE)
        [target] = goal.goal.sub_goals
        assert (target.type, target.target, target.progress, target.gift.name) == (1, 1000, 250, "Rose")

        [subscribe] = watcher.of(SubNotifyEvent)
        assert (subscribe.user.unique_id, subscribe.sub_month) == ("alice.k", 3)

        # A super fan is a barrage with TikTok's text key (TikTokLive 7.0.1 looks for it as `display_type`, a name
        # its v3 schema no longer has, so it emits the barrage only); a box is a chest of business type 19.
        became, joined = watcher.of(BarrageEvent)
        assert "ttlive_superfan" in became.content.key.lower() and "joined" not in became.content.key.lower()
        assert "ttlive_superfan_commentnotif_superfanjoined" in joined.content.key.lower()
        assert became.user.display_id == "alice.k" and became.content.pieces[0].user_value.user.id == 1001
        [box] = watcher.of(SuperFanBoxEvent)
        assert box.envelope_info.business_type == EnvelopeBusinessType.SUPER_FAN_BOX

        [question] = watcher.of(QuestionNewEvent)
        assert (question.data.question_id, question.data.content, question.data.user.display_id) == (
            7305000000000000001, "When is the next LIVE?", "alice.k")

        chest = [e for e in watcher.of(EnvelopeEvent) if e.envelope_info.business_type != 19]
        [info] = [e.envelope_info for e in chest]
        assert (info.diamond_count, info.people_count, info.unpack_at, info.send_user_id, info.send_user_name) == (
            100, 10, 1795753504, "1001", "Alice K")

        [emote] = watcher.of(EmoteChatEvent)
        assert emote.user.unique_id == "alice.k"
        assert [e.emote_id for e in emote.emote_list] == ["7306000000000000001", "e2"]
        assert emote.emote_list[1].image.url_list == ["javascript:alert(1)"], "TikTok's data, sent as given"
        picture = requests.get(emote.emote_list[0].image.url_list[0], timeout=10)
        assert picture.status_code == 200 and picture.headers["Content-Type"].startswith("image/svg+xml")

        pin, unpin = watcher.of(RoomPinEvent)
        assert (pin.action, pin.pin_msg_id, pin.chat_message.common.msg_id) == (
            PinMessageActionType.PIN, stable_id("m1"), stable_id("m1"))
        assert (pin.chat_message.content, pin.chat_message.user.display_id, pin.operator.id) == (
            "pin me", "alice.k", owner)
        assert pin.chat_message.common.create_time == 1795753440000, "the line's own time"
        assert (unpin.action, unpin.pin_msg_id, unpin.chat_message) == (
            PinMessageActionType.PIN_CANCEL, stable_id("m1"), None)

        [deleted] = watcher.of(ImDeleteEvent)
        assert (deleted.delete_msg_ids, deleted.delete_user_ids) == ([stable_id("m1"), 7301000000000000009], [1001])

        [pause], [resume] = watcher.of(LivePauseEvent), watcher.of(LiveUnpauseEvent)
        assert (pause.action, resume.action) == (ControlAction.STREAM_PAUSED, ControlAction.STREAM_UNPAUSED)

        [rank] = watcher.of(RankUpdateEvent)
        [update] = rank.updates
        assert (update.rank_type, update.own_rank, update.owneronrank) == (8, 12, True)
        assert [piece.string_value for piece in update.default_content.pieces] == ["No. 12 in the daily ranking"]
        await watcher.stop()

    asyncio.run(scenario())


BATTLE = {"type": "battle", "battleId": "b1"}
BAD = [
    ({"type": "battle"}, "'phase' is required"),
    ({**BATTLE, "phase": "over", "teams": [{}]}, "'phase' must be one of 'started', 'scores', 'ended'"),
    ({**BATTLE, "phase": "started", "teams": [{}]}, "a battle starts with its two sides: 'teams' must have 2"),
    ({**BATTLE, "phase": "scores", "teams": [{}, {}, {}]}, "'teams' must be a list of 1 to 2 items"),
    ({**BATTLE, "phase": "scores", "teams": [{}, {}]}, "'teams' must have a different host each"),
    ({**BATTLE, "phase": "started", "teams": [{}, {"host": RIVAL, "score": 5}]}, "a battle starts at 0 to 0"),
    ({**BATTLE, "phase": "scores", "teams": [{"score": -1}]}, "'score' must be between 0 and"),
    ({**BATTLE, "phase": "scores", "teams": [{"colour": 1}]}, "unknown field(s) in team 0: colour"),
    ({**BATTLE, "phase": "scores", "teams": [{}], "result": {"winner": None}}, "'result' comes with the end"),
    ({**BATTLE, "phase": "ended", "teams": [{"score": None}, {"host": RIVAL}]}, "needs its 'result' to end"),
    ({**BATTLE, "phase": "ended", "teams": [{}], "result": {"winner": "99"}}, "'result.winner' must be the userId"),
    ({**BATTLE, "phase": "scores", "teams": [{"top": [{"score": 1, "user": {"age": 3}}]}]},
     "unknown field(s) in 'user': age"),
    ({"type": "battle", "phase": "scores", "teams": [{}]}, "'battleId' is required"),
    ({"type": "poll", "pollId": 1, "phase": "votes", "title": "T", "options": [{"text": "a"}], "endsAt": ENDS_AT},
     "'endsAt' comes with a poll's start only"),
    ({"type": "poll", "pollId": 1, "phase": "started", "title": "T", "options": []}, "'options' must be a list of 1"),
    ({"type": "goal", "goalId": 1, "phase": "reached", "description": "d", "targets": [{"target": 5, "progress": 1,
                                                                                        "kind": "gift"}]},
     "a goal is 'reached' when every target's 'progress' is at its 'target'"),
    ({"type": "goal", "goalId": 1, "phase": "set", "description": "d", "targets": [{"target": 5, "kind": "hugs"}]},
     "a target's 'kind' must be \"gift\" or TikTok's number"),
    ({"type": "subscribe", "months": 0}, "'months' must be between 1 and"),
    ({"type": "superfan", "kind": "mega"}, "'kind' must be one of 'became', 'joined', 'box'"),
    ({"type": "question"}, "'text' is required"),
    ({"type": "envelope", "diamonds": 1, "people": 1, "opensAt": "soon"}, "'opensAt' must be an integer"),
    ({"type": "emote", "emotes": [{"imageUrl": "x"}]}, "'emoteId' is required"),
    ({"type": "pin", "messageId": "m1"}, "'chat' is required: the pinned chat event, or null to unpin"),
    ({"type": "pin", "messageId": "m1", "chat": {"comment": "x", "messageId": "m2"}},
     "'chat.messageId' must be the pin's 'messageId'"),
    ({"type": "chatDeleted"}, "a chatDeleted needs at least one of 'messageIds' and 'userIds'"),
    ({"type": "chatDeleted", "userIds": ["me"]}, "each of 'userIds' must be a positive integer"),
    ({"type": "pause", "seconds": 3}, "unknown field(s) in a pause event: seconds"),
    ({"type": "rank", "rankType": "yearly", "text": "t"}, "'rankType' must be one of hourly, weekly"),
    ({"type": "chat", "comment": "x", "messageId": ""}, "'messageId' must be a positive integer, a string of digits"),
]


@pytest.mark.parametrize("event, message", BAD, ids=[f"{i}-{event['type']}" for i, (event, _) in enumerate(BAD)])
def test_a_malformed_event_answers_400_with_what_is_wrong(simulator, event, message):
    name = unique_name()
    response = requests.post(f"{simulator.url}/_sim/streams/{name}/events", json=[{"type": "pause"}, event],
                             timeout=10)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error.startswith("event 1: ") and message in error, error


def test_the_stories_of_generated_traffic_hold_together():
    """Battles start, score and end with the side that scored most; polls start, count and end; the room's own
    gifts make the creator's score (fast, without a server)."""
    generator = TrafficGenerator("storyteller")
    owner = room_owner("storyteller").user_id
    events, sent_at = [], {}
    for tick in range(2000):  # 10,000 events at 20 a second, 0.25 s a tick
        now = 1_800_000_000_000 + tick * 250
        batch = generator.tick(0.25, 20.0, 500, 0, now=now)
        sent_at.update((id(event), now) for event in batch)
        events += batch
    battles = {}
    for event in events:
        if isinstance(event, Battle):
            battles.setdefault(event.battle_id, []).append(event)
    assert len(battles) >= 2
    for story in battles.values():
        assert story[0].phase == "started" and {t.score for t in story[0].teams} == {0}
        assert story[0].teams[0].host.user_id == owner
        # endsAt: when the battle's events will have come at the room's rate.
        assert story[0].ends_at == sent_at[id(story[0])] + BATTLE_EVENTS / 20 * 1000
        assert {e.ends_at for e in story} == {story[0].ends_at}
        if story[-1].phase != "ended":
            continue  # the last one may still run
        assert {e.phase for e in story[1:-1]} == {"scores"} and len(story) > 3
        final = {team.host.user_id: team.score for team in story[-1].teams}
        best = max(final.values())
        assert story[-1].winner == (None if list(final.values()).count(best) > 1 else
                                    next(host for host, score in final.items() if score == best))
        mine = [dict((t.host.user_id, t.score) for t in e.teams)[owner] for e in story]
        assert mine == sorted(mine), "scores only grow"
        assert all(len(team.top) <= 3 for e in story for team in e.teams)
    assert any(story[-1].phase == "ended" for story in battles.values())
    polls = [e for e in events if isinstance(e, Poll)]
    assert polls and polls[0].phase == "started" and polls[0].ends_at
    assert {e.phase for e in polls} == {"started", "votes", "ended"}
    subscriptions = [e for e in events if isinstance(e, Subscribe)]
    assert len(subscriptions) >= 5 and all(e.months >= 1 for e in subscriptions)


def test_generated_traffic_has_battles_polls_and_subscriptions(tiktok):
    name = unique_name()
    tiktok.configure(name, rate=1000)  # the stories are paced in events: a high rate tells them in seconds

    async def scenario():
        watcher = await watching(name, (LinkMicBattleEvent, LinkMicArmiesEvent, PollEvent, SubNotifyEvent))

        def seen():
            return ({e.action for e in watcher.of(LinkMicBattleEvent)}, bool(watcher.of(LinkMicArmiesEvent)),
                    {e.message_type for e in watcher.of(PollEvent)}, bool(watcher.of(SubNotifyEvent)))

        await watcher.wait_for(lambda: seen() == ({LinkMicBattleBattleAction.OPEN, LinkMicBattleBattleAction.FINISH},
                                                  True, {0, 1, 2}, True),
                               "a whole battle, a whole poll and a subscription", timeout=60)
        await control(tiktok.configure, name, rate=0)
        finished = next(e for e in watcher.of(LinkMicBattleEvent) if e.action == LinkMicBattleBattleAction.FINISH)
        assert len(finished.battle_result) == 2
        await watcher.stop()

    asyncio.run(scenario())
