"""The series points and viewer cards of MemoryStore (one process), per creator, beside its stream state."""


class MemoryInsights:
    """A part of MemoryStore (store/base.py, the insights): its `_states`, `_series` and `_cards` dicts."""

    def save_insights(self, username, points, cards, forgotten, replace=False):
        if username not in self._states:
            return
        if replace:
            self._series.pop(username, None)
            self._cards.pop(username, None)
        self._save_points(username, points)
        stored = self._cards.setdefault(username, {})
        for card in cards:
            stored[card["user"]["userId"]] = card
        for user_id in forgotten:
            stored.pop(user_id, None)

    def _save_points(self, username, points):
        series = self._series.setdefault(username, {})
        for point in points:
            series[point["t"]] = point

    def series(self, username):
        series = self._series.get(username, {})
        return [series[t] for t in sorted(series)]

    def series_since(self, username, since, until):
        series = self._series.get(username, {})
        return [series[t] for t in sorted(t for t in series if since <= t <= until)]

    def insights(self, username):
        return self.series(username), list(self._cards.get(username, {}).values())

    def viewer(self, username, user_id):
        return self._cards.get(username, {}).get(user_id)
