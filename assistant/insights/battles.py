"""BattleTracker: the PK battles of one live as its runner sees them, so that each `battle` event it publishes
stands on its own and each battle's end is counted once.

TikTok names a battle's hosts in full only at its start (LinkMicBattle's `anchors_info`); the scores that follow
(LinkMicArmies) name them by id alone, and may leave out when the battle's time runs out (assistant/tiktok/
battles.py). TikTok may also send the end again (its punishment round follows the result). So each battle event,
before it is numbered:
- gets the hosts' names and pictures, and `endsAt`, from the battle's earlier events when it lacks them;
- has the creator's side first (the room's owner: `owner_id`), then the others in TikTok's order, so that a
  score bar can put the creator on one side without knowing who the creator is;
- once the battle ended with a result, a further end of it is dropped (`complete` returns None): the metrics
  count each end (metrics.py), the supporters count once (`supporters`).

At the (first) end with a result, `supporters` names the creator's top supporters in it: the end's own list of
the creator's side, or else the last one seen in its scores (insights/viewers.py credits them on the viewer
cards and in the supporters' board).

`current` is the battle in progress (the wall's summary shows its score: streams/summary.py).

Memory is bounded (the last BATTLES_KEPT battles). After a takeover the runner replays the stored recent events
(`replay`); after a restart, the battles of the live's record (records/reads.py `battle_events`).
"""

from collections import OrderedDict

BATTLES_KEPT = 50


def _named(user):
    return bool(user and (user.get("nickname") or user.get("uniqueId")))


class _Battle:
    __slots__ = ("hosts", "ends_at", "top", "ended")

    def __init__(self):
        self.hosts = {}  # userId -> the host's user, as named in full
        self.ends_at = None
        self.top = []  # the creator's side's last top supporters
        self.ended = False  # an end with a result was published


class BattleTracker:
    def __init__(self):
        self.owner_id = None  # the creator's user id (TikTok's room info), once known
        self.current = None  # the last event of the battle in progress, as `complete` made it; None: none
        self._battles = OrderedDict()  # battleId -> _Battle, oldest first

    def know_creator(self, owner_id):
        """The room's owner, from TikTok's room info on a connection; None (it could not be read) keeps the last."""
        if owner_id is not None:
            self.owner_id = owner_id

    def complete(self, event):
        """The battle event to publish (a new dict, hosts named and the creator's side first), or None for an end
        of a battle that ended already."""
        battle = self._battle(event.get("battleId"))
        ended = event.get("phase") == "ended" and event.get("result") is not None
        if battle.ended and event.get("phase") == "ended":
            return None
        teams = [self._team(battle, team) for team in event.get("teams") or ()]
        teams.sort(key=lambda team: (team.get("host") or {}).get("userId") != self.owner_id)
        if event.get("endsAt") is not None:
            battle.ends_at = event["endsAt"]
        own = next((team for team in teams if (team.get("host") or {}).get("userId") == self.owner_id), None)
        if own is not None and own.get("top"):
            battle.top = own["top"]
        battle.ended = battle.ended or ended
        completed = {**event, "endsAt": battle.ends_at, "teams": teams}
        self.current = None if event.get("phase") == "ended" else completed
        return completed

    def outcome(self, event):
        """How the battle an event ended went for the creator: won, lost or drawn; None for an event that is not
        an end with a result, or while the creator is not known (nothing is counted then)."""
        result = event.get("result")
        if event.get("phase") != "ended" or result is None or self.owner_id is None:
            return None
        winner = result.get("winner")
        return "drawn" if winner is None else "won" if winner == self.owner_id else "lost"

    def supporters(self, event):
        """The creator's top supporters of a battle that just ended with a result ([{user, score}]): those
        `complete` kept for it."""
        battle = self._battles.get(event.get("battleId"))
        return list(battle.top) if battle is not None else []

    def replay(self, events):
        """Learn the battles of events published before (a takeover: the stored recent events), crediting nobody."""
        for event in events:
            if event.get("type") == "battle":
                self.complete(event)

    def _battle(self, battle_id):
        battle = self._battles.get(battle_id)
        if battle is None:
            battle = self._battles[battle_id] = _Battle()
            if len(self._battles) > BATTLES_KEPT:
                self._battles.popitem(last=False)
        return battle

    @staticmethod
    def _team(battle, team):
        host = team.get("host")
        user_id = (host or {}).get("userId")
        if _named(host):
            battle.hosts[user_id] = host
        elif user_id in battle.hosts:
            return {**team, "host": battle.hosts[user_id]}
        return team
