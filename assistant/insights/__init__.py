"""LiveInsights: the leaderboards, the per-minute series and the viewer cards of one live, kept by the
creator's runner and published on their own rhythms (docs/dashboard.md, "Insights"): the boards when they
change, at most every BOARDS_SECONDS; the series' changed points at most every SERIES_SECONDS (they reach
the store sooner, with the events that changed them: ActivitySeries); the viewer cards to the store every
CARDS_SECONDS (any process answers a `viewer` request from there).
"""

from .battles import BattleTracker
from .series import ActivitySeries
from .viewers import ViewerTallies

BOARDS_SECONDS = 1.0
SERIES_SECONDS = 5.0
CARDS_SECONDS = 2.0


class LiveInsights:
    def __init__(self, max_viewers, battles=None):
        """`battles`: the runner's BattleTracker (insights/battles.py), which names a battle's supporters."""
        self.viewers = ViewerTallies(max_viewers)
        self.series = ActivitySeries()
        self._battles = battles if battles is not None else BattleTracker()
        self._boards_sent = None
        self._boards_at = self._series_at = self._cards_at = 0.0

    def apply(self, event, likes_added):
        self.viewers.apply(event)
        self.series.apply(event, likes_added)
        if event["type"] == "battle":  # an end with a result credits the creator's top supporters
            outcome = self._battles.outcome(event)
            if outcome is not None:
                self.viewers.credit_supporters(event, self._battles.supporters(event), outcome)

    def count_gift(self, event, units):
        self.viewers.count_gift(event, units)
        self.series.count_gift(event, units)

    def restore(self, points, cards):
        self.series.restore(points)
        self.viewers.restore(cards)

    def chatters(self):
        """The viewers who chatted this live, as far as the viewer cards know (the actions' firstChat)."""
        return [card["user"]["userId"] for card in self.viewers.cards() if card["comments"]]

    def take_all(self):
        """(every series point, every viewer card), nothing left to send as changed: what replaces the stored
        ones when the counts were replaced (restored from a record, or a new live)."""
        self.series.take_changed()
        self.series.mark_stored()
        self.viewers.take_changed()
        return self.series.points(), self.viewers.cards()

    def due_leaderboards(self, now):
        """The boards, when they changed and are due; else None."""
        if not self.viewers.boards_changed or now - self._boards_at < BOARDS_SECONDS:
            return None
        self._boards_at = now
        boards = self.viewers.leaderboards()
        if boards == self._boards_sent:
            return None
        self._boards_sent = boards
        return boards

    def due_points(self, now):
        """The series' changed points, when due; else an empty list."""
        if now - self._series_at < SERIES_SECONDS:
            return []
        self._series_at = now
        return self.series.take_changed()

    def due_cards(self, now):
        """(changed cards, forgotten userIds) when due; else ([], [])."""
        if now - self._cards_at < CARDS_SECONDS:
            return [], []
        self._cards_at = now
        return self.viewers.take_changed()
