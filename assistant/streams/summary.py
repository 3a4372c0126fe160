"""The wall's `summary` of a creator: its status, totals, battle in progress and the last minutes of its series,
for the sessions that follow many creators at once (`watchMany`: docs/protocol.md, "summary"; docs/wall.md).

Two sides make the same object (`summary_payload`):
- the runner's `SummaryFeed` sends it to the creator's summary room (`summary:<username>`, cluster-wide like the
  creator's stream room) at most once a second, and only while some session has the creator on its wall
  (`Store.summary_watched`, looked at once a second) and something in it changed: never the chat lines, and a
  size that does not grow with the creator's traffic. After the first, its `series` holds only the minutes
  from the last one it sent (the open minute, usually one point);
- `stored_summary` reads it from the store, for a socket that joins a wall (the series' last SERIES_MINUTES
  whole): any process can, whichever runs the creator.

The battle in progress is not in the runner's other state: the feed stores it (StreamState.battle) when it
changes, wall or no wall, so that a joining wall sees a battle that started before it came.
"""

import time

from ..metrics import full_metrics

SUMMARY_INTERVAL_SECONDS = 1.0
SERIES_MINUTES = 30  # the sparkline's span
_MINUTE_MS = 60_000
# A battle whose time ran out this long ago without an end from TikTok is no longer shown as in progress.
BATTLE_GRACE_MS = 60_000
_UNKNOWN = object()  # what the feed stored of the battle before its first write: whatever a runner before it left


def summary_room(username):
    """The cluster-wide room of a creator's summaries: the walls that show it, never its stream's room."""
    return f"summary:{username}"


def series_start(now_ms):
    """The first minute of the series a summary shows: the open one and the SERIES_MINUTES - 1 before it."""
    return (int(now_ms) // _MINUTE_MS - (SERIES_MINUTES - 1)) * _MINUTE_MS


def battle_summary(event, now_ms):
    """What a tile shows of a battle in progress: `{battleId, score, opponentScore, opponent, endsAt}`, from its
    last event (the creator's side first: insights/battles.py); None when there is none, or its time ran out
    BATTLE_GRACE_MS ago."""
    if not event:
        return None
    ends_at = event.get("endsAt")
    if ends_at is not None and ends_at + BATTLE_GRACE_MS < now_ms:
        return None
    teams = event.get("teams") or []
    own = teams[0] if teams else {}
    others = teams[1:]
    opponent = (others[0].get("host") or {}) if others else {}
    return {
        "battleId": event.get("battleId"),
        "score": own.get("score"),
        "opponentScore": others[0].get("score") if others else None,
        "opponent": {"uniqueId": opponent.get("uniqueId", ""), "nickname": opponent.get("nickname", "")},
        "endsAt": ends_at,
    }


def summary_payload(username, status, queue, error, metrics, battle, points):
    """The `summary` event. `battle` shows only while connected: a creator offline or ended fights no battle."""
    payload = {"username": username, "status": status, "metrics": full_metrics(metrics or {}),
               "battle": battle if status == "connected" else None, "series": points}
    if status == "queued" and queue:
        payload["queue"] = {"retryAfter": queue["retryAfter"], "ahead": queue["ahead"]}
    if error is not None:
        payload["error"] = {"code": error.get("code"), "message": error.get("message")}
    return payload


def stored_summary(store, username, now=None):
    """The creator's summary as the store holds it, with the series' last SERIES_MINUTES (a joining wall's)."""
    now_ms = int((time.time() if now is None else now) * 1000)
    state = store.stream(username)
    if state is None:  # not followed (yet): it is, once the wall's watch made it so
        return summary_payload(username, "connecting", None, None, {}, None, [])
    points = store.series_since(username, series_start(now_ms), now_ms + _MINUTE_MS)
    battle = state.battle
    if battle and battle.get("endsAt") is not None and battle["endsAt"] + BATTLE_GRACE_MS < now_ms:
        battle = None
    return summary_payload(username, state.status, state.queue, state.error, state.metrics, battle, points)


class SummaryFeed:
    """A runner's summaries. `write(events, fields)`: the runner's store write (fenced by its lease); `emit(event,
    payload, to)`: its emit. `send_if_due` is called from the drain loop, several times a second."""

    def __init__(self, username, store, write, emit):
        self._username = username
        self._store = store
        self._write = write
        self._emit = emit
        self._room = summary_room(username)
        self._due = 0.0  # monotonic time of the next look
        self._sent = None  # the last summary sent, None: send the next one whatever it holds
        self._series = None  # the runner's ActivitySeries the summaries were made of
        self._series_from = 0  # the first minute the next summary's series holds
        self._battle_stored = _UNKNOWN

    def send_if_due(self, status, queue, error, metrics, battle_event, series):
        """Once a second: store the battle in progress when it changed; and when a wall shows this creator, send
        its summary if it changed. `metrics`: a callable giving the metrics dict (not made when not needed);
        `series`: the runner's ActivitySeries."""
        now = time.monotonic()
        if now < self._due:
            return
        self._due = now + SUMMARY_INTERVAL_SECONDS
        now_ms = int(time.time() * 1000)
        battle = battle_summary(battle_event, now_ms)
        if battle != self._battle_stored and self._write([], {"battle": battle}):
            self._battle_stored = battle
        if not self._store.summary_watched(self._username):
            self._sent = None  # a wall that comes gets the next one, changed or not
            return
        if series is not self._series:  # counted afresh (a new live, or one restored from its record): all of it
            self._series, self._series_from = series, 0
        points = series.since(max(self._series_from, series_start(now_ms)))
        summary = summary_payload(self._username, status, queue, error, metrics(), battle, points)
        if summary == self._sent:
            return
        self._sent = summary
        if points:
            self._series_from = points[-1]["t"]
        self._emit("summary", summary, self._room)
