"""A live's PK battles as its report lists them (templates/report.html): for each battle, the opponent, the
final scores and the result from the creator's side; and the live's wins, losses and draws.

Read from the battle events (docs/protocol.md, `battle`) that Records.battle_events gives: of each battle,
the last event of each phase. The creator's side is the team whose host is the room's owner, that is the
creator whose live it is: the host whose uniqueId is the live's username, found in any battle of the live,
then known by its userId (a scores update may name hosts by id alone). The final scores are the last
scores TikTok sent (a score TikTok masks is null, and shown as masked); the result is the `ended` event's
`{winner}`: the creator's host won, another host won, or nobody (a draw).
"""

from dataclasses import dataclass

OUTCOMES = ("won", "lost", "drawn")


@dataclass(frozen=True)
class Side:
    host: dict  # the contract's user object ({} when TikTok named none)
    score: int | None  # None: masked by TikTok, or never sent


@dataclass(frozen=True)
class Battle:
    battle_id: str
    started_at: int  # epoch ms: its first event recorded
    ours: Side | None  # the creator's side; None when no team's host is the creator
    opponents: tuple[Side, ...]  # the other sides (every side, when the creator's is not known)
    outcome: str | None  # "won", "lost" or "drawn"; None: no end recorded (still running, or not seen)
    winner: dict | None  # the winning host, when there is one


def _hosts(events):
    """{userId: host} of every team of `events`, the last that has a uniqueId (a scores update from
    LinkMicArmies may name a host by id alone: the name and picture are then another event's)."""
    hosts = {}
    for event in events:
        for team in event.get("teams") or ():
            host = team.get("host") or {}
            user_id = str(host.get("userId") or "")
            if user_id and (user_id not in hosts or host.get("uniqueId")):
                hosts[user_id] = host
    return hosts


def _side(team, hosts):
    host = team.get("host") or {}
    score = team.get("score")
    return Side(host=hosts.get(str(host.get("userId") or ""), host),
                score=score if isinstance(score, int) and not isinstance(score, bool) else None)


def _battle(battle_id, phases, hosts, creator_id):
    """`phases`: the battle's events (the last of each phase), in seq order."""
    with_teams = [event for event in phases if event.get("teams")]
    sides = [_side(team, hosts) for team in (with_teams[-1]["teams"] if with_teams else [])]
    ours = next((side for side in sides if str(side.host.get("userId") or "") == creator_id), None)
    opponents = tuple(side for side in sides if side is not ours)
    ended = next((event for event in phases if event.get("phase") == "ended"), None)
    result = (ended or {}).get("result")
    outcome = winner = None
    if isinstance(result, dict):
        winner_id = result.get("winner")
        winner = None if winner_id is None else hosts.get(str(winner_id), {"userId": str(winner_id)})
        if winner_id is None:
            outcome = "drawn"
        elif ours is not None:
            outcome = "won" if str(winner_id) == creator_id else "lost"
    return Battle(battle_id=battle_id, started_at=phases[0]["ts"], ours=ours, opponents=opponents, outcome=outcome,
                  winner=winner)


def listed(events, username):
    """The battles of `events` (Records.battle_events) of `username`'s live, oldest first."""
    hosts = _hosts(events)
    creator_id = next((user_id for user_id, host in hosts.items()
                       if str(host.get("uniqueId") or "").lower() == username.lower()), None)
    by_id = {}
    for event in events:
        by_id.setdefault(str(event.get("battleId")), []).append(event)
    return [_battle(battle_id, phases, hosts, creator_id) for battle_id, phases in by_id.items()]


def tally(battles, metrics):
    """{won, lost, drawn}: the live's count (metrics `battles`, as the dashboard showed it) when it has one,
    else the battles listed counted."""
    counted = (metrics or {}).get("battles")
    if isinstance(counted, dict):
        return {outcome: int(counted.get(outcome) or 0) for outcome in OUTCOMES}
    return {outcome: sum(battle.outcome == outcome for battle in battles) for outcome in OUTCOMES}
