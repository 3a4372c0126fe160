"""PK battles as a runner counts them (assistant/insights/battles.py, metrics.py, insights/viewers.py): each battle
event completed before it is numbered, the creator's wins, losses and draws counted once per battle, its top
supporters credited on their viewer cards and in the supporters' board; subscriptions counted, and badges. Fast:
the counting objects in process, wired as the runner wires them (streams/runner.py `_Intake`, `_count_afresh`).
"""

from assistant.insights import LiveInsights
from assistant.insights.battles import BattleTracker
from assistant.insights.viewers import ViewerCard
from assistant.metrics import StreamMetrics

CREATOR = {"userId": "44", "uniqueId": "creator44", "nickname": "Creator", "avatarUrl": "https://p16.example/c"}
RIVAL = {"userId": "43", "uniqueId": "rival43", "nickname": "Rival", "avatarUrl": "https://p16.example/r"}
FAN = {"userId": "1", "uniqueId": "fan1", "nickname": "Fan", "avatarUrl": ""}


def _bare(user):
    """A host as TikTok's scores name it: by id alone."""
    return {"userId": user["userId"], "uniqueId": "", "nickname": "", "avatarUrl": ""}


def _supporter(user_id, score):
    return {"user": {"userId": user_id, "uniqueId": "", "nickname": f"Fan {user_id}", "avatarUrl": ""}, "score": score}


def _battle(phase, teams, battle_id="b1", ends_at=None, winner=...):
    result = None if winner is ... else {"winner": winner}
    return {"type": "battle", "ts": 1000, "battleId": battle_id, "phase": phase, "endsAt": ends_at, "teams": teams,
            "result": result}


class Live:
    """A runner's counting: the tracker (kept across lives), the insights and the metrics."""

    def __init__(self, creator_id="44"):
        self.battles = BattleTracker()
        self.battles.know_creator(creator_id)
        self.insights = LiveInsights(100, self.battles)
        self.metrics = StreamMetrics(on_gift=self.insights.count_gift, battle_outcome=self.battles.outcome)
        self.published = []

    def take(self, event):
        event = self.battles.complete(event)
        if event is not None:
            self.metrics.apply(event)
            self.insights.apply(event, likes_added=0)
            self.published.append(event)
        return event


def test_scores_get_the_hosts_named_at_the_start_the_time_and_the_creators_side_first():
    live = Live()
    live.take(_battle("started", [{"host": RIVAL, "score": 0, "top": []}, {"host": CREATOR, "score": 0, "top": []}],
                      ends_at=5000))
    scores = live.take(_battle("scores", [{"host": _bare(RIVAL), "score": None, "top": []},
                                          {"host": _bare(CREATOR), "score": 300, "top": [_supporter("1", 300)]}]))
    assert [team["host"] for team in scores["teams"]] == [CREATOR, RIVAL]
    assert [team["score"] for team in scores["teams"]] == [300, None]  # a masked score stays masked
    assert scores["endsAt"] == 5000


def test_a_battle_counts_once_won_lost_or_drawn_for_the_creator_and_repeated_ends_are_dropped():
    live = Live()
    teams = [{"host": CREATOR, "score": 10, "top": []}, {"host": RIVAL, "score": 5, "top": []}]
    assert live.take(_battle("ended", teams, "b1", winner="44")) is not None
    assert live.take(_battle("ended", teams, "b1", winner="44")) is None  # TikTok's punishment round repeats it
    live.take(_battle("scores", teams, "b1"))  # a late score does not reopen it
    assert live.take(_battle("ended", teams, "b1", winner="44")) is None
    live.take(_battle("ended", teams, "b2", winner="43"))
    live.take(_battle("ended", teams, "b3", winner=None))
    live.take(_battle("ended", teams, "b4"))  # an end without a result: shown, counted nowhere
    assert live.metrics.to_dict()["battles"] == {"won": 1, "lost": 1, "drawn": 1}
    assert [event["battleId"] for event in live.published] == ["b1", "b1", "b2", "b3", "b4"]


def test_while_the_creator_is_unknown_no_battle_is_counted():
    live = Live(creator_id=None)
    live.take(_battle("ended", [{"host": CREATOR, "score": 1, "top": [_supporter("1", 5)]}], winner="44"))
    assert live.metrics.to_dict()["battles"] == {"won": 0, "lost": 0, "drawn": 0}
    assert live.insights.viewers.card("1") is None


def test_the_creators_top_supporters_are_credited_at_the_end_and_the_rivals_are_not():
    live = Live()
    live.take(_battle("started", [{"host": CREATOR, "score": 0, "top": []}, {"host": RIVAL, "score": 0, "top": []}]))
    live.take(_battle("scores", [{"host": _bare(CREATOR), "score": 1300, "top": [_supporter("1", 1000),
                                                                                _supporter("2", 300)]},
                                 {"host": _bare(RIVAL), "score": 900, "top": [_supporter("9", 900)]}]))
    # The end lists no supporters: the last ones seen in the scores count.
    live.take(_battle("ended", [{"host": _bare(CREATOR), "score": 1300, "top": []},
                                {"host": _bare(RIVAL), "score": 900, "top": []}], winner="44"))
    card = live.insights.viewers.card("1")
    assert card["battles"] == [{"battleId": "b1", "score": 1000, "result": "won"}]
    assert (card["totals"]["battlePoints"], card["totals"]["battlesSupported"]) == (1000, 1)
    assert live.insights.viewers.card("9") is None, "the other creator's supporters are not this live's"
    live.take(_battle("ended", [{"host": CREATOR, "score": 1, "top": [_supporter("2", 50)]}], "b2", winner="43"))
    board = live.insights.viewers.leaderboards()["supporters"]
    assert [(entry["user"]["userId"], entry["points"], entry["battles"]) for entry in board] == \
        [("1", 1000, 1), ("2", 350, 2)]
    assert live.insights.viewers.card("2")["battles"][-1] == {"battleId": "b2", "score": 50, "result": "lost"}


def test_a_supporter_keeps_the_name_their_card_had():
    live = Live()
    live.insights.apply({"type": "chat", "ts": 1, "user": FAN, "comment": "go"}, likes_added=0)
    live.take(_battle("ended", [{"host": CREATOR, "score": 1, "top": [_supporter("1", 5)]}], winner="44"))
    assert live.insights.viewers.card("1")["user"] == FAN


def test_battles_and_subscriptions_are_kept_across_a_restore():
    live = Live()
    live.take(_battle("ended", [{"host": CREATOR, "score": 1, "top": []}], winner="44"))
    live.metrics.apply({"type": "subscribe", "ts": 1, "user": FAN, "months": 1})
    stored = live.metrics.to_dict()
    assert stored["totalSubscribes"] == 1
    again = StreamMetrics()
    again.restore(stored)
    assert again.to_dict() == stored
    before = StreamMetrics()
    before.restore({"totalComments": 3})  # metrics stored before battles were counted
    assert before.to_dict()["battles"] == {"won": 0, "lost": 0, "drawn": 0}


def test_a_takeover_replays_the_stored_battles_so_a_repeated_end_still_counts_once():
    first = Live()
    first.take(_battle("started", [{"host": CREATOR, "score": 0, "top": []}, {"host": RIVAL, "score": 0, "top": []}]))
    first.take(_battle("ended", [{"host": CREATOR, "score": 1, "top": []}], winner="44"))
    successor = Live()
    successor.battles.replay(first.published)
    assert successor.take(_battle("ended", [{"host": CREATOR, "score": 1, "top": []}], winner="44")) is None
    scores = successor.take(_battle("scores", [{"host": _bare(RIVAL), "score": 2, "top": []}], "b1"))
    assert scores["teams"][0]["host"] == RIVAL


def test_subscribers_and_super_fans_get_a_badge_once():
    live = Live()
    for event in ({"type": "subscribe", "months": 1}, {"type": "subscribe", "months": 2},
                  {"type": "superfan", "kind": "joined"}):
        live.insights.apply({**event, "ts": 5, "user": FAN}, likes_added=0)
    card = live.insights.viewers.card("1")
    assert card["badges"] == ["subscriber", "superfan"] and not any(card["totals"].values())


def test_a_card_stored_before_battles_and_badges_reads_without_them():
    stored = {"user": FAN, "firstSeen": 1, "lastSeen": 2, "comments": [], "gifts": [],
              "totals": {"comments": 1, "likes": 0, "gifts": 0, "diamonds": 0, "follows": 0, "shares": 0}}
    card = ViewerCard.from_dict(stored).to_dict()
    assert (card["badges"], card["battles"], card["totals"]["battlePoints"]) == ([], [], 0)
