"""ViewerTallies: what each viewer did in one live, for the leaderboards and the viewer card.

Counting follows the totals (metrics.py): a gift is counted when StreamMetrics counts it (a streak
once, at its end), live chat only (not the replayed history), and each viewer's like batches summed
(TikTok stops sending per-viewer likes on big lives: the likers' board is a lower bound).

Memory is bounded: past `max_viewers`, the least active tenth is forgotten (the busiest viewers, whom
the boards show, stay). A card keeps the viewer's last RECENT_PER_VIEWER comments and gifts.
"""

import heapq
from collections import deque

LEADERBOARD_SIZE = 10
RECENT_PER_VIEWER = 50
_TOTALS = ("comments", "likes", "gifts", "diamonds", "follows", "shares")
_COUNTED = frozenset(("chat", "like", "follow", "share"))


class ViewerCard:
    __slots__ = ("user", "first_seen", "last_seen", "totals", "comments", "gifts")

    def __init__(self, user, ts):
        self.user = user
        self.first_seen = self.last_seen = ts
        self.totals = dict.fromkeys(_TOTALS, 0)
        self.comments = deque(maxlen=RECENT_PER_VIEWER)
        self.gifts = deque(maxlen=RECENT_PER_VIEWER)

    @property
    def activity(self):
        """How much the viewer did: what decides who is forgotten first."""
        totals = self.totals
        return totals["diamonds"] * 10 + totals["comments"] * 3 + totals["follows"] * 3 + totals["shares"] * 3 \
            + totals["gifts"] + totals["likes"]

    def to_dict(self):
        return {
            "user": self.user,
            "firstSeen": self.first_seen,
            "lastSeen": self.last_seen,
            "totals": dict(self.totals),
            "comments": list(self.comments),
            "gifts": list(self.gifts),
        }

    @classmethod
    def from_dict(cls, stored):
        card = cls(stored["user"], stored["firstSeen"])
        card.last_seen = stored["lastSeen"]
        card.totals.update(stored["totals"])
        card.comments.extend(stored["comments"])
        card.gifts.extend(stored["gifts"])
        return card


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
        if kind not in _COUNTED or (kind == "chat" and event.get("history")):
            return
        card = self._card(event)
        if card is None:
            return
        if kind == "chat":
            card.totals["comments"] += 1
            card.comments.append({"ts": event["ts"], "comment": event["comment"]})
            self.boards_changed = True
        elif kind == "like":
            card.totals["likes"] += event.get("count") or 0
            self.boards_changed = True
        elif kind == "follow":
            card.totals["follows"] += 1
        elif kind == "share":
            card.totals["shares"] += 1

    def count_gift(self, event, units):
        """`units` of the gift were counted (a streak's end, or a gift that does not streak)."""
        card = self._card(event)
        if card is None or units <= 0:
            return
        diamonds = units * event["diamondCount"]
        card.totals["gifts"] += units
        card.totals["diamonds"] += diamonds
        card.gifts.append({"ts": event["ts"], "giftName": event.get("giftName"), "repeatCount": units,
                           "diamonds": diamonds})
        self.boards_changed = True

    def _card(self, event):
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
            card.user = user
            card.last_seen = max(card.last_seen, ts)
        self._changed.add(user_id)
        return card

    def _forget_least_active(self):
        """Forget the least active tenth (at least one), oldest first among equals: amortised O(log n)."""
        count = max(1, self._max // 10)
        least = heapq.nsmallest(count, self._cards.items(), key=lambda item: (item[1].activity, item[1].last_seen))
        for user_id, _ in least:
            del self._cards[user_id]
            self._changed.discard(user_id)
            self._evicted.add(user_id)

    def card(self, user_id):
        card = self._cards.get(user_id)
        return card.to_dict() if card else None

    def leaderboards(self):
        """The top LEADERBOARD_SIZE gifters (diamonds), chatters (comments) and likers (like batches)."""
        self.boards_changed = False
        return {
            "gifters": [{"user": c.user, "diamonds": c.totals["diamonds"], "gifts": c.totals["gifts"]}
                        for c in self._top("diamonds")],
            "chatters": [{"user": c.user, "comments": c.totals["comments"]} for c in self._top("comments")],
            "likers": [{"user": c.user, "likes": c.totals["likes"]} for c in self._top("likes")],
        }

    def _top(self, total):
        ranked = heapq.nlargest(LEADERBOARD_SIZE, self._cards.values(),
                                key=lambda card: (card.totals[total], -card.first_seen))
        return [card for card in ranked if card.totals[total] > 0]

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
