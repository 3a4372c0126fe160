"""What TikTok's values mean for the events a streamer sees beside chat and gifts (docs/protocol.md,
"The event object"), read alike by the fast normaliser (normalise.py, from the upb messages of schema.py) and the
reference (reference.py, from TikTokLive's event objects): the decode check compares how the two decode, not two
readings of the values.

Sources: TikTokLiveProto v3's schema (the messages of webcast.im, the enums of webcast.im and webcast.model.data,
the battle classes of webcast.model.message.battle and webcast.model.live.match) and TikTokLive 7's client
(`handle_custom_event`). Each rule names its own.
"""

import re

from TikTokLiveProto.v3.webcast.model.data import ProfitRankType

# ControlAction (webcast.im): 1 paused, 2 unpaused, 3 ended, 4 suspended. TikTokLive's LivePauseEvent,
# LiveUnpauseEvent and LiveEndEvent (handle_custom_event).
STREAM_PAUSED, STREAM_UNPAUSED, STREAM_ENDED, STREAM_SUSPENDED = 1, 2, 3, 4

# LinkMicBattleBattleAction (webcast.im): 4 OPEN, 5 FINISH, 6 CUT_SHORT; the others (invite, reject, cancel,
# accept, quit...) are the invitation's steps, before or without a battle.
_BATTLE_OPEN, _BATTLE_ENDING_ACTIONS = 4, frozenset({5, 6})
# BattleSettingsBattleStatus (webcast.model.data): 1 STARTED, 2 FINISHED, 3 PUNISH_STARTED, 4 PUNISH_FINISHED
# (the punishment round follows the result).
_BATTLE_STARTED, _BATTLE_ENDED_STATUSES = 1, frozenset({2, 3, 4})
# BattleResultResult (webcast.model.data): WIN 0, LOSE 1, DRAW 2.
_WIN, _DRAW = 0, 2

# EnvelopeDisplay (webcast.model.data): 2 HIDE: the chest is taken off the screen (opened or gone), not a new one.
ENVELOPE_HIDDEN = 2
# EnvelopeBusinessType.SUPER_FAN_BOX (webcast.model.data), or the display key TikTokLive looks for: TikTokLive's
# SuperFanBoxEvent (handle_custom_event, "mirroring the JS connector").
_SUPER_FAN_BOX = 19
_SUPER_FAN_BOX_KEY = "ttlive_superfanbox"
# A barrage's text key: TikTokLive's SuperFanJoinEvent (the more specific, checked first), then SuperFanEvent.
# TikTokLive 7 reads them as `display_type`, v2's name of Text field 1; v3's Text calls that field `key` (see
# TikTokLive.proto.proto_utils.common_display_type), so both read `key`, the field TikTok sends the marker in.
_SUPER_FAN_JOINED_KEY = "ttlive_superfan_commentnotif_superfanjoined"
_SUPER_FAN_KEY = "ttlive_superfan"

# PinMessageActionType (webcast.im): 1 PIN, 2 PIN_CANCEL.
PIN_CANCEL = 2

# GoalMessageSource (webcast.model.data): 1 COMMIT, 2 PROGRESS_UPDATE, 3 PIN, 4 UNPIN, 5 REVIEW_CALLBACK,
# 6 SUSPEND, 7 CHALLENGE_PROMPT.
_GOAL_SET_SOURCES = frozenset({1, 3})
_GOAL_REMOVED_SOURCES = frozenset({4, 6})

# ProfitRankType (webcast.model.data) by number: TYPE_HOURLY_RANK -> "hourly", TYPE_WEEKLY_ROOKIE -> "weekly_rookie".
_RANK_TYPES = {kind.value: re.sub(r"^type_|_rank$", "", kind.name.lower()) for kind in ProfitRankType}
# A Text's default_pattern names its pieces `{0:string}`, `{1:user}`...: each is put in place by its string value.
_PLACEHOLDER = re.compile(r"\{(\d+):[^}]*\}")
# Epoch times below this are in seconds (2001 in ms; TikTok's fields of both units are much later than that).
_EPOCH_MS_FROM = 10**12


def control(action, ts):
    """A ControlMessage's event: the end, a pause or a resume; None for another action."""
    if action == STREAM_SUSPENDED:
        return {"type": "end", "ts": ts, "reason": "suspended"}
    if action == STREAM_ENDED:
        return {"type": "end", "ts": ts, "reason": "ended"}
    if action == STREAM_PAUSED:
        return {"type": "pause", "ts": ts}
    if action == STREAM_UNPAUSED:
        return {"type": "resume", "ts": ts}
    return None


def epoch_ms(value):
    """An epoch time TikTok sent, in seconds or milliseconds, as milliseconds; None when unset (0 or less)."""
    if value <= 0:
        return None
    return value if value >= _EPOCH_MS_FROM else value * 1000


def positive(value):
    """A count or place TikTok sent, or None when it sent none (0 or less)."""
    return value if value > 0 else None


def plain_user(user_id, unique_id, nickname, avatar_url):
    return {"userId": str(user_id), "uniqueId": unique_id, "nickname": nickname, "avatarUrl": avatar_url}


# --- PK battles (WebcastLinkMicBattle, WebcastLinkMicArmies) --------------------------------------------------


def battle_phase(action, status):
    """A LinkMicBattle's phase, from its action and its settings' status: `started`, `ended`, or None for the
    invitation's steps (nothing to show yet)."""
    if action in _BATTLE_ENDING_ACTIONS or status in _BATTLE_ENDED_STATUSES:
        return "ended"
    if action == _BATTLE_OPEN or status == _BATTLE_STARTED:
        return "started"
    return None


def battle_ends_at(start_ms, duration_s, end_ms):
    """When the battle's time runs out (BattleSetting: `end_time_ms`, else `start_time_ms` + `duration` seconds),
    epoch ms; None when the settings do not say."""
    if end_ms > 0:
        return end_ms
    if start_ms > 0 and duration_s > 0:
        return start_ms + duration_s * 1000
    return None


def shown_score(score, control_applied, threshold):
    """A host's score as viewers see it: None when TikTok masks it. HighScoreControlCfg (the messages'
    `fuzzy_display_config_v2`): with `normal_control_applied`, scores from `threshold` up are shown fuzzy to all
    but the users of `origin_display_to_user_list`."""
    return None if control_applied and score >= threshold else score


def battle_result(results):
    """The result of an ended battle from BattleResult's `result` per host ({user id: result}): {"winner": the
    one host who won}, or {"winner": None} for a draw (a host's DRAW, or not exactly one WIN); None when TikTok
    sent no result."""
    if not results:
        return None
    outcomes = list(results.values())
    winners = [user_id for user_id, outcome in results.items() if outcome == _WIN]
    if _DRAW in outcomes or len(winners) != 1:
        return {"winner": None}
    return {"winner": str(winners[0])}


def battle_teams(hosts, scores, supporters, control):
    """The battle's sides. `hosts`: [(user id, user)] in TikTok's order (any host known only by a score or its
    supporters follows, by id alone); `scores`: {user id: score}; `supporters`: {host's user id: [(user, score)]};
    `control`: (normal_control_applied, threshold) of the message's score control."""
    known = dict(hosts)
    for user_id in [*scores, *supporters]:
        if user_id not in known:
            known[user_id] = plain_user(user_id, "", "", "")
    return [
        {
            "host": host,
            "score": shown_score(scores.get(user_id, 0), *control),
            "top": [{"user": user, "score": score}
                    for user, score in sorted(supporters.get(user_id, ()), key=lambda pair: -pair[1])],
        }
        for user_id, host in known.items()
    ]


# --- polls, goals, super fans, ranks ---------------------------------------------------------------------------


def poll_phase(started, votes, ended):
    """A PollMessage's phase, from which content it carries (start_content, update_votes_content, end_content)."""
    if ended:
        return "ended"
    if votes:
        return "votes"
    if started:
        return "started"
    return None


def goal_kind(has_gift, number):
    """A sub-goal's kind: `gift` when it counts a gift (LiveStreamSubGoal.gift), else TikTok's type number."""
    return "gift" if has_gift else str(number)


def goal_phase(source, targets):
    """A GoalUpdateMessage's phase, from its update_source and its sub-goals: `removed` (unpinned, suspended),
    `reached` (every target met), `set` (committed, pinned), else `progress`."""
    if source in _GOAL_REMOVED_SOURCES:
        return "removed"
    if targets and all(target["progress"] >= target["target"] > 0 for target in targets):
        return "reached"
    if source in _GOAL_SET_SOURCES:
        return "set"
    return "progress"


def superfan_kind(keys):
    """A barrage's super fan kind from its text keys (`content`, `common_barrage_content`): `joined`, `became`, or
    None for another barrage."""
    keys = [key.lower() for key in keys if key]
    if any(_SUPER_FAN_JOINED_KEY in key for key in keys):
        return "joined"
    if any(_SUPER_FAN_KEY in key for key in keys):
        return "became"
    return None


def is_super_fan_box(business_type, display_key):
    return business_type == _SUPER_FAN_BOX or _SUPER_FAN_BOX_KEY in display_key.lower()


def chat_deleted(ts, message_ids, user_ids):
    """ImDeleteMessage's `delete_msg_ids` and `delete_user_ids` as a `chatDeleted`; None when it names none."""
    if not message_ids and not user_ids:
        return None
    return {"type": "chatDeleted", "ts": ts, "messageIds": [str(each) for each in message_ids],
            "userIds": [str(each) for each in user_ids]}


def rank(ts, number, own_rank, pattern, pieces):
    """A RankUpdate as a `rank`: its ranking (`rank_type`), the creator's place in it (`own_rank`: 0, not
    ranked) and its line (`default_content`: its pattern and its pieces' string values)."""
    return {"type": "rank", "ts": ts, "rankType": rank_type(number), "position": positive(own_rank),
            "text": formatted(pattern, pieces)}


def rank_type(number):
    """A ranking's name (ProfitRankType), or TikTok's number for one the schema does not know."""
    return _RANK_TYPES.get(number, str(int(number)))


def formatted(pattern, pieces):
    """A Text as shown: its default_pattern with each `{n:...}` replaced by the n-th piece's string value."""
    return _PLACEHOLDER.sub(lambda match: pieces[int(match[1])] if int(match[1]) < len(pieces) else "", pattern)
