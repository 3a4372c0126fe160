"""StreamMetrics: the running totals of one creator's stream, by the counting rules of docs/architecture.md.

- Gifts: a streakable gift (type 1) repeats while its streak runs (`streaking` true) and once more at
  the end; it is counted only at the end, with its final repeatCount. A streak whose end never
  comes is finalised after a quiet timeout, or when the stream ends, with its last repeatCount.
  Others count at once.
- Likes: the room total (the largest seen), never a sum of per-user batches.
- Viewers: the latest room total, and the peak.
- Comments, follows, shares, joins and subscriptions: one per event, into the total its type names (`metric` in
  assistant/events.py); the chat TikTok replays on connect (`history`) is not counted.
- PK battles (`battles`: won, lost, drawn): at a battle's end, from the result naming the winner, for the
  creator: the room's owner (TikTok's room info; until it is known, nothing is counted). A winner that is not
  the creator is a loss; no winner, a draw. TikTok may send an end again: the runner publishes one end with a
  result per battle (insights/battles.py), so each battle counts once.
"""

import time
from collections import OrderedDict

from . import events

# How many finalised-by-timeout streaks to remember, so a late end message is not counted twice.
_EXPIRED_STREAKS_KEPT = 1000


# The metrics object of the contract: its keys, and the attributes that hold them.
_FIELDS = (
    ("currentViewerCount", "current_viewers"),
    ("peakViewerCount", "peak_viewers"),
    ("totalLikes", "likes"),
    ("totalGifts", "gifts"),
    ("totalDiamonds", "diamonds"),
    ("totalComments", "comments"),
    ("totalFollows", "follows"),
    ("totalShares", "shares"),
    ("totalJoins", "joins"),
    ("totalSubscribes", "subscribes"),
)
BATTLE_OUTCOMES = ("won", "lost", "drawn")
_ATTRIBUTES = dict(_FIELDS)
# Type -> the attribute one event of it adds one to (its `metric` in assistant/events.py).
_TALLIES = {kind.name: _ATTRIBUTES[kind.metric] for kind in events.EVENT_TYPES if kind.metric}


def full_metrics(stored):
    """A metrics object with every key: `stored` (possibly empty: nothing counted yet) over zeros."""
    return {**{key: 0 for key, _ in _FIELDS}, "battles": dict.fromkeys(BATTLE_OUTCOMES, 0), **stored}


def _streak_key(event):
    return ((event.get("user") or {}).get("userId"), event.get("giftId"))


class StreamMetrics:
    def __init__(self, streak_timeout=10.0, clock=time.monotonic, on_gift=None, battle_outcome=None):
        """`on_gift(event, units)`: told of every gift as it is counted (the leaderboards count the same).
        `battle_outcome(event)`: how the battle a `battle` event ended went for the creator (won, lost, drawn), or
        None when it counts nothing (insights/battles.py BattleTracker.outcome); without it, battles are not
        counted."""
        self.current_viewers = 0
        self.peak_viewers = 0
        self.likes = 0
        self.gifts = 0
        self.diamonds = 0
        self.comments = 0
        self.follows = 0
        self.shares = 0
        self.joins = 0
        self.subscribes = 0
        self.battles = dict.fromkeys(BATTLE_OUTCOMES, 0)
        self._battle_outcome = battle_outcome
        self._streak_timeout = streak_timeout
        self._clock = clock
        self._on_gift = on_gift
        self._open_streaks = {}  # key -> (last gift event, when it arrived)
        self._expired_streaks = OrderedDict()  # key -> repeatCount already counted

    def apply(self, event):
        """Count one normalised event. Returns True when a total changed."""
        kind = event["type"]
        if kind == "gift":
            return self._apply_gift(event)
        tally = _TALLIES.get(kind)
        if tally is not None:
            if event.get("history"):
                return False
            setattr(self, tally, getattr(self, tally) + 1)
        elif kind == "like":
            total = event.get("totalLikes") or 0
            if total <= self.likes:
                return False
            self.likes = total
        elif kind == "viewers":
            self.current_viewers = event["viewerCount"]
            self.peak_viewers = max(self.peak_viewers, self.current_viewers)
        elif kind == "battle":
            return self._apply_battle(event)
        else:
            return False
        return True

    def add_folded(self, joins, likes_total):
        """Count joins and a room like total that were folded under load instead of sent as events."""
        changed = joins > 0 or likes_total > self.likes
        self.joins += joins
        self.likes = max(self.likes, likes_total)
        return changed

    def _apply_battle(self, event):
        outcome = self._battle_outcome(event) if self._battle_outcome is not None else None
        if outcome is None:
            return False
        self.battles[outcome] += 1
        return True

    def _apply_gift(self, event):
        key = _streak_key(event)
        if event["streaking"]:
            self._open_streaks[key] = (event, self._clock())
            return False
        self._open_streaks.pop(key, None)
        already_counted = self._expired_streaks.pop(key, 0)
        units = max(0, event["repeatCount"] - already_counted)
        self._count_gift(event, units)
        return units > 0

    def _count_gift(self, event, units):
        self.gifts += units
        self.diamonds += units * event["diamondCount"]
        if self._on_gift is not None:
            self._on_gift(event, units)

    def expire_streaks(self, everything=False):
        """Finalise streaks quiet for longer than the timeout (`everything`: all open ones, the stream
        ended): count them and return their end events."""
        now = self._clock()
        ended = []
        for key, (event, seen_at) in list(self._open_streaks.items()):
            if not everything and now - seen_at < self._streak_timeout:
                continue
            del self._open_streaks[key]
            self._count_gift(event, event["repeatCount"])
            self._expired_streaks[key] = event["repeatCount"]
            if len(self._expired_streaks) > _EXPIRED_STREAKS_KEPT:
                self._expired_streaks.popitem(last=False)
            final = {**event, "streaking": False}
            if not everything:
                final["timedOut"] = True
            ended.append(final)
        return ended

    def restore(self, stored):
        """Continue from stored totals (a runner taking over a creator from another process)."""
        for key, attribute in _FIELDS:
            setattr(self, attribute, int(stored.get(key, 0)))
        battles = stored.get("battles") or {}
        self.battles = {outcome: int(battles.get(outcome, 0)) for outcome in BATTLE_OUTCOMES}

    def to_dict(self):
        return {**{key: getattr(self, attribute) for key, attribute in _FIELDS}, "battles": dict(self.battles)}
