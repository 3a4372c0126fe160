"""PK battles: WebcastLinkMicBattle (the start, the end and its result) and WebcastLinkMicArmies (the scores and
the top supporters, as they change) -> the contract's `battle` events, on the fast path (normalise.py relays
them). What the values mean is in rules.py, which the reference (reference.py) reads them by too.

Fields, from TikTokLiveProto v3: a LinkMicBattle's `anchors_info` names the hosts (BattleUserInfoWrapper: the
host's user id and BattleBaseUserInfo), `battle_result` gives each host's BattleResult (a map by user id),
`armies` each host's BattleUserArmies (its score, `hostscore`, and its supporters, `user_armies`); a
LinkMicArmies's `armies` is the same map by host. Both carry the BattleSetting (times, status) and the score
control that masks scores (`fuzzy_display_config_v2`). A LinkMicArmies names the hosts by id alone: the runner
completes them from the battle's start (insights/battles.py).
"""

from . import rules
from .users import first_url, shared_user


def _supporters(armies):
    """{host's user id: [(user, score)]} and {host's user id: score} from (host id, BattleUserArmies) pairs."""
    supporters, scores = {}, {}
    for host_id, army in armies:
        scores[host_id] = army.hostscore
        supporters[host_id] = [
            (shared_user(str(member.user_id), "", member.nickname, first_url(member.avatar_thumb)), member.score)
            for member in army.user_armies
        ]
    return supporters, scores


def _settings(message):
    settings = message.battle_settings
    return rules.battle_ends_at(settings.start_time_ms, settings.duration, settings.end_time_ms)


def _control(message):
    control = message.fuzzy_display_config_v2
    return control.normal_control_applied, control.threshold


def _host(wrapper):
    info = wrapper.value.user
    user_id = wrapper.key or info.user_id
    return user_id, shared_user(str(user_id), info.display_id, info.nick_name, first_url(info.avatar_thumb))


def link_mic_battle(message, ts, history):
    phase = rules.battle_phase(message.action, message.battle_settings.status)
    if phase is None:
        return None
    supporters, scores = _supporters((wrapper.key, wrapper.value) for wrapper in message.armies)
    results = {}
    for entry in message.battle_result:  # a map: the last value of a key wins, as in betterproto2's dict
        results[entry.key] = entry.value
    scores.update((user_id, result.score) for user_id, result in results.items())
    return {
        "type": "battle", "ts": ts, "battleId": str(message.battle_id), "phase": phase, "endsAt": _settings(message),
        "teams": rules.battle_teams([_host(wrapper) for wrapper in message.anchors_info], scores, supporters,
                                    _control(message)),
        "result": rules.battle_result({user_id: result.result for user_id, result in results.items()})
        if phase == "ended" else None,
    }


def link_mic_armies(message, ts, history):
    """The scores, or None for a message without any (nothing to show)."""
    if not message.armies:
        return None
    armies = {}
    for entry in message.armies:
        armies[entry.key] = entry.value
    supporters, scores = _supporters(armies.items())
    return {
        "type": "battle", "ts": ts, "battleId": str(message.battle_id), "phase": "scores",
        "endsAt": _settings(message), "teams": rules.battle_teams([], scores, supporters, _control(message)),
        "result": None,
    }
