"""ActivitySeries: per-minute points of one live, for the charts (docs/dashboard.md, "Insights").

A point is `{t (epoch ms, the minute's start), viewers, likes, diamonds, comments, joins, follows,
shares}`: viewers is the last count seen in the minute, the others how many happened in it (likes: how
much the room's like total rose, the same total as the metrics). Events are put in the minute of their
own `ts`. The whole live is kept, up to MAX_POINTS minutes (24 h); the oldest go first.

Two records of what changed: the points not stored yet (the runner stores them with the events that changed
them, in one write, so that a snapshot's series holds every point up to its `seq`, the open minute
included), and the points not sent yet (the `series` event carries them at most every few seconds).
"""

from .. import events

BUCKET_SECONDS = 60
MAX_POINTS = 24 * 60
_BUCKET_MS = BUCKET_SECONDS * 1000
# Type -> the point's count one event of it adds one to (its `series_field` in assistant/events.py).
_COUNTS = {kind.name: kind.series_field for kind in events.EVENT_TYPES if kind.series_field}


def _empty(t):
    return {"t": t, "viewers": 0, "likes": 0, "diamonds": 0, "comments": 0, "joins": 0, "follows": 0, "shares": 0}


class ActivitySeries:
    def __init__(self):
        self._points = {}  # t -> point, in time order (minutes only ever come in order, or late)
        self._changed = set()  # not sent yet
        self._unstored = set()

    def apply(self, event, likes_added=0):
        """One event; `likes_added`: how much it raised the room's like total."""
        kind = event["type"]
        field = None if event.get("history") else _COUNTS.get(kind)  # replayed chat is not counted
        if kind == "viewers":
            self._point(event)["viewers"] = event["viewerCount"]
        elif field:
            self._point(event)[field] += 1
        if likes_added > 0:
            self._point(event)["likes"] += likes_added

    def count_gift(self, event, units):
        if units > 0:
            self._point(event)["diamonds"] += units * event["diamondCount"]

    def add_folded(self, ts, joins, likes_added):
        """Joins and likes counted under load without events (runner shedding)."""
        point = self._point({"ts": ts})
        point["joins"] += joins
        point["likes"] += max(0, likes_added)

    def _point(self, event):
        t = int(event.get("ts") or 0) // _BUCKET_MS * _BUCKET_MS
        point = self._points.get(t)
        if point is None:
            point = self._points[t] = _empty(t)
            if len(self._points) > MAX_POINTS:
                oldest = min(self._points)
                del self._points[oldest]
                self._changed.discard(oldest)
                self._unstored.discard(oldest)
        self._changed.add(t)
        self._unstored.add(t)
        return point

    def points(self):
        return [dict(self._points[t]) for t in sorted(self._points)]

    def since(self, t):
        """The points from minute `t` on, in time order."""
        return [dict(self._points[minute]) for minute in sorted(minute for minute in self._points if minute >= t)]

    def take_changed(self):
        """The points changed since the last call, in time order: what the next `series` event carries."""
        changed = [dict(self._points[t]) for t in sorted(self._changed) if t in self._points]
        self._changed.clear()
        return changed

    def unstored_points(self):
        """The points changed since `mark_stored`, in time order (kept as unstored until the write succeeded)."""
        return [dict(self._points[t]) for t in sorted(self._unstored)]

    def mark_stored(self):
        self._unstored.clear()

    def restore(self, points):
        """Continue from stored points (a runner taking over a creator from another process)."""
        for point in points:
            self._points[point["t"]] = {**_empty(point["t"]), **point}
