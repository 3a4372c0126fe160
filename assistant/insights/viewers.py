"""ViewerTallies: what each viewer did in one live, for the leaderboards and the viewer card.

Counting follows the totals (metrics.py): a gift is counted when StreamMetrics counts it (a streak
once, at its end), live chat only (not the replayed history), and each viewer's like batches summed
(TikTok stops sending per-viewer likes on big lives: the likers' board is a lower bound).

PK battles: at a battle's end, the creator's top supporters in it (insights/battles.py) are credited on their
cards (`battles`: the battle, their points, how it went for the creator; `battlePoints` and `battlesSupported`
in the totals) and rank in the supporters' board (points over the live's battles). The opponent's supporters
are the other creator's viewers: they are not credited. A subscription or a super fan gives the card a badge
(`viewer_badge` in assistant/events.py).

Memory is bounded: past `max_viewers`, the least active quarter is forgotten (the busiest viewers, whom
the boards show, stay). A card keeps the viewer's last RECENT_PER_VIEWER comments, gifts and battles.
"""

import heapq
import operator

from .. import events

LEADERBOARD_SIZE = 10
RECENT_PER_VIEWER = 50
_TOTALS = ("comments", "likes", "gifts", "diamonds", "follows", "shares")
# Type -> the card's total an event of it adds to (its `viewer_total` in assistant/events.py).
_COUNTED = {kind.name: kind.viewer_total for kind in events.EVENT_TYPES if kind.viewer_total}
# Type -> the badge an event of it gives the card (its `viewer_badge`).
_BADGES = {kind.name: kind.viewer_badge for kind in events.EVENT_TYPES if kind.viewer_badge}


class ViewerCard:
    """One viewer's doings. Slots and lists made on first use: most viewers of a big live say one thing."""

    __slots__ = ("user", "first_seen", "last_seen", *_TOTALS, "battle_points", "battles_supported", "badges",
                 "_comments", "_gifts", "_battles")

    def __init__(self, user, ts):
        self.user = user
        self.first_seen = self.last_seen = ts
        self.comments = self.likes = self.gifts = self.diamonds = self.follows = self.shares = 0
        self.battle_points = self.battles_supported = 0
        self.badges = ()
        self._comments = self._gifts = self._battles = None

    @property
    def activity(self):
        """How much the viewer did: what decides who is forgotten first (battle points are about diamonds)."""
        return (self.diamonds + self.battle_points) * 10 + (self.comments + self.follows + self.shares) * 3 \
            + self.gifts + self.likes

    def add_badge(self, badge):
        if badge not in self.badges:
            self.badges = (*self.badges, badge)

    def add_battle(self, battle_id, score, outcome):
        self.battle_points += score
        self.battles_supported += 1
        self._battles = _appended(self._battles, {"battleId": battle_id, "score": score, "result": outcome})

    def add_comment(self, ts, comment):
        self.comments += 1
        self._comments = _appended(self._comments, {"ts": ts, "comment": comment})

    def add_gift(self, ts, name, units, diamonds):
        self.gifts += units
        self.diamonds += diamonds
        self._gifts = _appended(self._gifts, {"ts": ts, "giftName": name, "repeatCount": units, "diamonds": diamonds})

    def to_dict(self):
        return {
            "user": self.user,
            "firstSeen": self.first_seen,
            "lastSeen": self.last_seen,
            "totals": {**{name: getattr(self, name) for name in _TOTALS}, "battlePoints": self.battle_points,
                       "battlesSupported": self.battles_supported},
            "badges": list(self.badges),
            "comments": (self._comments or [])[-RECENT_PER_VIEWER:],
            "gifts": (self._gifts or [])[-RECENT_PER_VIEWER:],
            "battles": (self._battles or [])[-RECENT_PER_VIEWER:],
        }

    @classmethod
    def from_dict(cls, stored):
        """A card as to_dict made it; one stored before battles and badges were kept has none."""
        card = cls(stored["user"], stored["firstSeen"])
        card.last_seen = stored["lastSeen"]
        for name in _TOTALS:
            setattr(card, name, stored["totals"].get(name, 0))
        card.battle_points = stored["totals"].get("battlePoints", 0)
        card.battles_supported = stored["totals"].get("battlesSupported", 0)
        card.badges = tuple(stored.get("badges", ()))
        card._comments = list(stored["comments"]) or None
        card._gifts = list(stored["gifts"]) or None
        card._battles = list(stored.get("battles", ())) or None
        return card


def _appended(recent, item):
    """`recent` with `item` added, cut back to the last RECENT_PER_VIEWER now and then (amortised)."""
    if recent is None:
        return [item]
    recent.append(item)
    if len(recent) >= 2 * RECENT_PER_VIEWER:
        del recent[:-RECENT_PER_VIEWER]
    return recent


class ViewerTallies:
    def __init__(self, max_viewers=5000):
        self._max = max_viewers
        self._cards = {}  # userId -> ViewerCard
        self._changed = set()  # userIds whose card changed since take_changed()
        self._evicted = set()
        self.boards_changed = False

    def __len__(self):
        return len(self._cards)

    def apply(self, event):
        """An event of the live. Joins and replayed chat make no card (the viewer did nothing yet); gifts
        come through count_gift."""
        kind = event["type"]
        total = _COUNTED.get(kind)
        if total is None:
            badge = _BADGES.get(kind)
            card = self._card(event) if badge is not None else None
            if card is not None:
                card.add_badge(badge)
            return
        if event.get("history"):
            return
        card = self._card(event)
        if card is None:
            return
        if kind == "chat":  # the comment is kept for the card, and the chatters' board moves
            card.add_comment(event["ts"], event["comment"])
            self.boards_changed = True
        elif kind == "like":  # a viewer's batch of likes
            card.likes += event.get("count") or 0
            self.boards_changed = True
        else:
            setattr(card, total, getattr(card, total) + 1)

    def count_gift(self, event, units):
        """`units` of the gift were counted (a streak's end, or a gift that does not streak)."""
        card = self._card(event)
        if card is None or units <= 0:
            return
        card.add_gift(event["ts"], event.get("giftName"), units, units * event["diamondCount"])
        self.boards_changed = True

    def credit_supporters(self, event, supporters, outcome):
        """The creator's top `supporters` ([{user, score}]) of the battle that `event` ended, which went `outcome`
        for the creator (won, lost, drawn)."""
        for supporter in supporters:
            # TikTok names a supporter by id, nickname and picture only: a card's fuller user stays.
            card = self._card({"user": supporter["user"], "ts": event.get("ts")}, renames=False)
            if card is not None:
                card.add_battle(event.get("battleId"), supporter["score"], outcome)
                self.boards_changed = True

    def _card(self, event, renames=True):
        user = event.get("user")
        user_id = user and user.get("userId")
        if not user_id:
            return None
        card = self._cards.get(user_id)
        ts = event.get("ts") or 0
        if card is None:
            if len(self._cards) >= self._max:
                self._forget_least_active()
            card = self._cards[user_id] = ViewerCard(user, ts)
        else:
            if renames:
                card.user = user
            card.last_seen = max(card.last_seen, ts)
        self._changed.add(user_id)
        return card

    def _forget_least_active(self):
        """Forget the least active quarter (at least one), oldest first among equals: amortised O(log n)."""
        count = max(1, self._max // 4)
        least = heapq.nsmallest(count, self._cards.items(), key=lambda item: (item[1].activity, item[1].last_seen))
        for user_id, _ in least:
            del self._cards[user_id]
            self._changed.discard(user_id)
            self._evicted.add(user_id)

    def card(self, user_id):
        card = self._cards.get(user_id)
        return card.to_dict() if card else None

    def leaderboards(self):
        """The top LEADERBOARD_SIZE gifters (diamonds), chatters (comments), likers (like batches) and the creator's
        battle supporters (points over the live's battles, and in how many)."""
        self.boards_changed = False
        return {
            "gifters": [{"user": c.user, "diamonds": c.diamonds, "gifts": c.gifts} for c in self._top("diamonds")],
            "chatters": [{"user": c.user, "comments": c.comments} for c in self._top("comments")],
            "likers": [{"user": c.user, "likes": c.likes} for c in self._top("likes")],
            "supporters": [{"user": c.user, "points": c.battle_points, "battles": c.battles_supported}
                           for c in self._top("battle_points")],
        }

    def _top(self, total):
        value = operator.attrgetter(total)
        ranked = heapq.nlargest(LEADERBOARD_SIZE, self._cards.values(),
                                key=lambda card: (value(card), -card.first_seen))
        return [card for card in ranked if value(card) > 0]

    def cards(self):
        return [card.to_dict() for card in self._cards.values()]

    def take_changed(self):
        """(cards changed since the last call, as dicts; userIds forgotten since): what the store needs."""
        changed = [self._cards[user_id].to_dict() for user_id in self._changed]
        evicted = list(self._evicted)
        self._changed.clear()
        self._evicted.clear()
        return changed, evicted

    def restore(self, cards):
        """Continue from stored cards (a runner taking over a creator from another process)."""
        for stored in cards:
            self._cards[stored["user"]["userId"]] = ViewerCard.from_dict(stored)
        self.boards_changed = bool(cards)
