"""The control API's bodies for what a streamer sees beside their viewers' chat and gifts: each type in the
contract's shape (docs/protocol.md, "The event object"; docs/simulator.md), without `ts` and `seq`, checked and
turned into the model's events (model.StreamerEvent). Anything malformed raises BadRequest.

What TikTok cannot say is refused too, with the reason: a battle starts with its hosts alone, a poll's end time
comes with its start only, a goal is `reached` exactly when every target is met (streamer_messages.py says how
each travels).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from TikTokLiveProto.v3.webcast.model.data import ProfitRankType

from .checks import (
    INT32_MAX,
    INT64_MAX,
    MISSING,
    BadRequest,
    check_keys,
    integer,
    json_list,
    json_object,
    text,
    tiktok_id,
    user,
    user_id,
)
from .model import (
    Battle,
    Chat,
    ChatDeleted,
    Emote,
    EmoteChat,
    Envelope,
    Goal,
    GoalTarget,
    Pause,
    Pin,
    Poll,
    PollOption,
    Question,
    Rank,
    Resume,
    SimUser,
    StreamerEvent,
    Subscribe,
    SuperFan,
    Supporter,
    Team,
)
from .streamer_messages import SUB_GOAL_GIFT
from .wire import new_id

PickUser = Callable[[], SimUser]

# Each type's fields besides `type`, as the contract names them.
FIELDS: dict[str, set[str]] = {
    "battle": {"battleId", "phase", "endsAt", "teams", "result"},
    "poll": {"pollId", "phase", "title", "options", "endsAt"},
    "goal": {"goalId", "phase", "description", "targets"},
    "subscribe": {"user", "months"},
    "superfan": {"user", "kind"},
    "question": {"questionId", "user", "text"},
    "envelope": {"user", "diamonds", "people", "opensAt"},
    "emote": {"user", "emotes"},
    "pin": {"messageId", "chat"},
    "chatDeleted": {"messageIds", "userIds"},
    "pause": set(),
    "resume": set(),
    "rank": {"rankType", "position", "text"},
}
MAX_LIST = 1000  # ids in a chatDeleted
MAX_SUPPORTERS = 100  # a battle side's top supporters
MAX_OPTIONS = 10  # a poll's
MAX_TARGETS = 10  # a goal's
MAX_EMOTES = 10  # in one emote chat
# A ranking's name: ProfitRankType's (webcast.model.data), in lower case without "type_" and "_rank":
# TYPE_HOURLY_RANK is "hourly", TYPE_WEEKLY_ROOKIE "weekly_rookie", DAILY_ROOKIE "daily_rookie".
RANK_TYPES = {re.sub(r"^type_|_rank$", "", kind.name.lower()): kind.value for kind in ProfitRankType}


def parse(kind: str, raw: dict, pick_user: PickUser, owner: SimUser | None) -> StreamerEvent:
    """The event of type `kind` (one of FIELDS) that `raw` describes. `owner`: the room's owner, the host of a
    battle's team given without one and who pins chat (None: unknown, for a caller without a room)."""
    check_keys(raw, FIELDS[kind] | {"type"}, f"a {kind} event")
    return _PARSERS[kind](raw, pick_user, owner)


def _id(raw: dict, key: str, default: Any = MISSING) -> int:
    value = raw.get(key, default)
    if value is MISSING:
        raise BadRequest(f"'{key}' is required")
    return tiktok_id(value, f"'{key}'")


def _choice(raw: dict, key: str, choices: tuple[str, ...]) -> str:
    value = raw.get(key, MISSING)
    if value is MISSING:
        raise BadRequest(f"'{key}' is required")
    if value not in choices:
        raise BadRequest(f"'{key}' must be one of {', '.join(map(repr, choices))}, not {value!r}")
    return value


def _epoch_ms(raw: dict, key: str, high: int = INT64_MAX) -> int | None:
    """An optional time, epoch ms, or null."""
    if raw.get(key) is None:
        return None
    return integer(raw, key, low=1, high=high)


def _battle(raw: dict, pick_user: PickUser, owner: SimUser | None) -> Battle:
    phase = _choice(raw, "phase", ("started", "scores", "ended"))
    # A 1v1 battle (streamer_messages.py): its start names both sides, a change of scores one or both.
    teams = json_list(raw.get("teams", MISSING), "'teams'", 1, 2)
    if phase == "started" and len(teams) != 2:
        raise BadRequest("a battle starts with its two sides: 'teams' must have 2 items")
    teams = tuple(_team(team, index, pick_user, owner) for index, team in enumerate(teams))
    if len({team.host.user_id for team in teams}) != len(teams):
        raise BadRequest("'teams' must have a different host each (a team without 'host' is the creator's)")
    if phase == "started" and any(team.score != 0 or team.top for team in teams):
        raise BadRequest("a battle starts at 0 to 0: TikTok's start carries the hosts alone (no 'score' but 0, no "
                         "'top')")
    winner = None
    if phase == "ended":
        winner = _winner(raw.get("result"), teams)
    elif raw.get("result") is not None:
        raise BadRequest("'result' comes with the end of a battle (phase 'ended'), else null")
    return Battle(battle_id=_id(raw, "battleId"), phase=phase, ends_at=_epoch_ms(raw, "endsAt"), teams=teams,
                  winner=winner)


def _team(raw: Any, index: int, pick_user: PickUser, owner: SimUser | None) -> Team:
    raw = json_object(raw, f"team {index}")
    check_keys(raw, {"host", "score", "top"}, f"team {index}")
    if raw.get("host") is not None:
        host = user(raw["host"], pick_user)
    elif owner is not None:
        host = owner
    else:
        raise BadRequest(f"team {index} has no 'host', and no creator here to be it")
    score = None if "score" in raw and raw["score"] is None else integer(raw, "score", 0, high=INT64_MAX)
    top = json_list(raw.get("top", []), f"team {index}'s 'top'", 0, MAX_SUPPORTERS)
    return Team(host=host, score=score, top=tuple(_supporter(item, pick_user) for item in top))


def _supporter(raw: Any, pick_user: PickUser) -> Supporter:
    raw = json_object(raw, "a top supporter")
    check_keys(raw, {"user", "score"}, "a top supporter")
    return Supporter(user=user(raw.get("user"), pick_user), score=integer(raw, "score", high=INT64_MAX))


def _winner(result: Any, teams: tuple[Team, ...]) -> int | None:
    """The winning host's id at the end, None for a draw: as `result` says, else by the scores (the higher score
    wins a battle: TikTok's LIVE Match, as the TikFinity blog's "How to battle on TikTok LIVE" describes it)."""
    hosts = {team.host.user_id for team in teams}
    if result is not None:
        result = json_object(result, "'result'")
        check_keys(result, {"winner"}, "'result'")
        if "winner" not in result:
            raise BadRequest("'result' needs 'winner': the winning host's userId, or null for a draw")
        if result["winner"] is None:
            return None
        winner = user_id(result["winner"], "'result.winner'")
        if winner not in hosts:
            raise BadRequest("'result.winner' must be the userId of one of the teams' hosts, or null for a draw")
        return winner
    if any(team.score is None for team in teams):
        raise BadRequest("a battle whose scores are masked (null) needs its 'result' to end")
    best = max(team.score for team in teams)
    leaders = [team.host.user_id for team in teams if team.score == best]
    return leaders[0] if len(leaders) == 1 else None


def _poll(raw: dict, pick_user: PickUser, owner: SimUser | None) -> Poll:
    phase = _choice(raw, "phase", ("started", "votes", "ended"))
    ends_at = _epoch_ms(raw, "endsAt")
    if ends_at is not None and phase != "started":
        raise BadRequest("'endsAt' comes with a poll's start only (TikTok's PollStartContent.end_time): null for "
                         "its votes and its end")
    options = json_list(raw.get("options", MISSING), "'options'", 1, MAX_OPTIONS)
    return Poll(poll_id=_id(raw, "pollId"), phase=phase, title=text(raw, "title", max_len=300),
                options=tuple(_option(option) for option in options), ends_at=ends_at)


def _option(raw: Any) -> PollOption:
    raw = json_object(raw, "an option")
    check_keys(raw, {"text", "votes"}, "an option")
    return PollOption(text=text(raw, "text", max_len=100), votes=integer(raw, "votes", 0, high=INT64_MAX))


def _goal(raw: dict, pick_user: PickUser, owner: SimUser | None) -> Goal:
    phase = _choice(raw, "phase", ("set", "progress", "reached", "removed"))
    targets = tuple(_target(target) for target in json_list(raw.get("targets", MISSING), "'targets'", 1,
                                                            MAX_TARGETS))
    met = all(target.progress >= target.target for target in targets)
    if phase == "reached" and not met:
        raise BadRequest("a goal is 'reached' when every target's 'progress' is at its 'target'")
    if phase in ("set", "progress") and met:
        raise BadRequest(f"every target is met: that is phase 'reached', not {phase!r}")
    return Goal(goal_id=_id(raw, "goalId"), phase=phase, description=text(raw, "description", max_len=300),
                targets=targets)


def _target(raw: Any) -> GoalTarget:
    raw = json_object(raw, "a target")
    check_keys(raw, {"kind", "target", "progress"}, "a target")
    kind = raw.get("kind", MISSING)
    if kind == "gift":
        kind = SUB_GOAL_GIFT
    elif isinstance(kind, str) and kind.isascii() and kind.isdigit() and len(kind) <= 9:
        kind = int(kind)
    if isinstance(kind, bool) or not isinstance(kind, int) or not 0 <= kind <= INT32_MAX:
        raise BadRequest("a target's 'kind' must be \"gift\" or TikTok's number for it (LiveStreamSubGoal.type)")
    return GoalTarget(kind=kind, target=integer(raw, "target", low=1, high=INT64_MAX),
                      progress=integer(raw, "progress", 0, high=INT64_MAX))


def _subscribe(raw: dict, pick_user: PickUser, owner: SimUser | None) -> Subscribe:
    months = None if raw.get("months") is None else integer(raw, "months", low=1, high=INT32_MAX)
    return Subscribe(user=user(raw.get("user"), pick_user), months=months)


def _superfan(raw: dict, pick_user: PickUser, owner: SimUser | None) -> SuperFan:
    return SuperFan(user=user(raw.get("user"), pick_user), kind=_choice(raw, "kind", ("became", "joined", "box")))


def _question(raw: dict, pick_user: PickUser, owner: SimUser | None) -> Question:
    return Question(question_id=_id(raw, "questionId", new_id()), user=user(raw.get("user"), pick_user),
                    text=text(raw, "text"))


def _envelope(raw: dict, pick_user: PickUser, owner: SimUser | None) -> Envelope:
    # Its fields are int32s; the time it opens in seconds (streamer_messages._envelope).
    return Envelope(user=user(raw.get("user"), pick_user), diamonds=integer(raw, "diamonds"),
                    people=integer(raw, "people"), opens_at=_epoch_ms(raw, "opensAt", high=INT32_MAX * 1000))


def _emote(raw: dict, pick_user: PickUser, owner: SimUser | None) -> EmoteChat:
    emotes = []
    for item in json_list(raw.get("emotes", MISSING), "'emotes'", 1, MAX_EMOTES):
        item = json_object(item, "an emote")
        check_keys(item, {"emoteId", "imageUrl"}, "an emote")
        image_url = item.get("imageUrl")
        if image_url is not None and (not isinstance(image_url, str) or len(image_url) > 2000):
            raise BadRequest("an emote's 'imageUrl' must be a string of at most 2000 characters")
        emotes.append(Emote(emote_id=text(item, "emoteId", max_len=64), image_url=image_url))
    return EmoteChat(user=user(raw.get("user"), pick_user), emotes=tuple(emotes))


def _pin(raw: dict, pick_user: PickUser, owner: SimUser | None) -> Pin:
    message_id = _id(raw, "messageId")
    if "chat" not in raw:
        raise BadRequest("'chat' is required: the pinned chat event, or null to unpin")
    chat, said_at = None, None
    if raw["chat"] is not None:
        # The pinned chat event whole; its `ts`, when it was said, is the line's own (the event pinned is an
        # event of the past, `seq` aside).
        line = json_object(raw["chat"], "'chat'")
        check_keys(line, {"type", "ts", "user", "comment", "messageId"}, "'chat'")
        if line.get("type", "chat") != "chat":
            raise BadRequest("'chat' must be a chat event (type 'chat')")
        if "messageId" in line and tiktok_id(line["messageId"], "'chat.messageId'") != message_id:
            raise BadRequest("'chat.messageId' must be the pin's 'messageId'")
        said_at = _epoch_ms(line, "ts")
        chat = Chat(user(line.get("user"), pick_user), text(line, "comment"), message_id)
    return Pin(message_id=message_id, chat=chat, operator=owner, chat_ts=said_at)


def _chat_deleted(raw: dict, pick_user: PickUser, owner: SimUser | None) -> ChatDeleted:
    message_ids = tuple(tiktok_id(value, "each of 'messageIds'")
                        for value in json_list(raw.get("messageIds", []), "'messageIds'", 0, MAX_LIST))
    user_ids = tuple(user_id(value, "each of 'userIds'")
                     for value in json_list(raw.get("userIds", []), "'userIds'", 0, MAX_LIST))
    if not message_ids and not user_ids:
        raise BadRequest("a chatDeleted needs at least one of 'messageIds' and 'userIds'")
    return ChatDeleted(message_ids=message_ids, user_ids=user_ids)


def _rank(raw: dict, pick_user: PickUser, owner: SimUser | None) -> Rank:
    rank_type = raw.get("rankType", MISSING)
    if isinstance(rank_type, str) and rank_type.isascii() and rank_type.isdigit() and len(rank_type) <= 9:
        rank_type = int(rank_type)
    elif isinstance(rank_type, str) and rank_type in RANK_TYPES:
        rank_type = RANK_TYPES[rank_type]
    if isinstance(rank_type, bool) or not isinstance(rank_type, int) or not 0 <= rank_type <= INT32_MAX:
        raise BadRequest(f"'rankType' must be one of {', '.join(RANK_TYPES)} (TikTok's ProfitRankType) or its number")
    position = None if raw.get("position") is None else integer(raw, "position", low=1, high=INT64_MAX)
    return Rank(rank_type=rank_type, position=position, text=text(raw, "text", max_len=300))


_PARSERS: dict[str, Callable[[dict, PickUser, SimUser | None], StreamerEvent]] = {
    "battle": _battle, "poll": _poll, "goal": _goal, "subscribe": _subscribe, "superfan": _superfan,
    "question": _question, "envelope": _envelope, "emote": _emote, "pin": _pin, "chatDeleted": _chat_deleted,
    "pause": lambda raw, pick_user, owner: Pause(), "resume": lambda raw, pick_user, owner: Resume(),
    "rank": _rank,
}
