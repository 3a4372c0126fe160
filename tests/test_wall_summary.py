"""The wall's summaries in process (assistant/streams/summary.py): what a tile gets of a creator, how often, and
only while a wall shows it; the same object read from the store for a joining wall."""

import time

import pytest

from assistant.insights.battles import BattleTracker
from assistant.insights.series import ActivitySeries
from assistant.store.memory import MemoryStore
from assistant.streams import summary as summary_module
from assistant.streams.summary import SummaryFeed, battle_summary, stored_summary, summary_room

NOW_MS = int(time.time() // 60 * 60_000)  # this minute: a summary shows the last 30
CREATOR = {"userId": "44", "uniqueId": "maya", "nickname": "Maya"}
RIVAL = {"userId": "9002", "uniqueId": "rival.host", "nickname": "Rival <b>Host</b>", "avatarUrl": "https://x/y"}


class Clock:
    def __init__(self):
        self.now = 1000.0

    def monotonic(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(summary_module.time, "monotonic", clock.monotonic)
    return clock


@pytest.fixture
def store():
    store = MemoryStore("solo", "host:solo", recent_events=5)
    session = store.create_session("10.0.0.1", "dashboard", 10, 10)
    store.set_watching(session.id, "maya", 10, time.time())
    store.claim_stream("maya")
    store.session_id = session.id
    return store


def _feed(store):
    emitted = []

    def write(events, fields):
        return store.publish("maya", events, fields)

    feed = SummaryFeed("maya", store, write, lambda event, payload, to: emitted.append((event, payload, to)))
    return feed, emitted


def _battle_event(phase, own, rival, ends_at=None):
    return {"type": "battle", "battleId": "b1", "phase": phase, "endsAt": ends_at, "result": None,
            "teams": [{"host": CREATOR, "score": own, "top": []}, {"host": RIVAL, "score": rival, "top": []}]}


def test_a_battle_as_a_tile_shows_it():
    event = _battle_event("scores", 1500, None, ends_at=NOW_MS + 60_000)
    assert battle_summary(event, NOW_MS) == {"battleId": "b1", "score": 1500, "opponentScore": None,
                                              "opponent": {"uniqueId": "rival.host", "nickname": "Rival <b>Host</b>"},
                                              "endsAt": NOW_MS + 60_000}
    assert battle_summary(None, NOW_MS) is None
    assert battle_summary(event, NOW_MS + 121_000) is None, "its time ran out a minute ago: no longer shown"

    tracker = BattleTracker()
    tracker.know_creator("44")
    tracker.complete({**_battle_event("started", None, None), "teams": [{"host": RIVAL}, {"host": CREATOR}]})
    assert tracker.current["teams"][0]["host"]["userId"] == "44", "the creator's side first"
    tracker.complete(_battle_event("ended", 1, 2))
    assert tracker.current is None


def test_summaries_only_while_a_wall_shows_the_creator_at_most_once_a_second(store, clock):
    feed, emitted = _feed(store)
    series = ActivitySeries()
    series.apply({"type": "viewers", "ts": NOW_MS, "viewerCount": 80})
    metrics = {"totalDiamonds": 5}

    def tick():
        feed.send_if_due("connected", None, None, lambda: dict(metrics), None, series)

    tick()
    assert emitted == [], "no wall shows maya: no summary"
    store.set_wall(store.session_id, ["maya"], 10, time.time())
    clock.now += 0.5
    tick()
    assert emitted == [], "not a second since the last look"
    clock.now += 0.6
    tick()
    assert len(emitted) == 1
    event, summary, room = emitted[0]
    assert (event, room) == ("summary", summary_room("maya"))
    assert summary["status"] == "connected" and summary["metrics"]["totalDiamonds"] == 5
    assert summary["metrics"]["totalLikes"] == 0, "the whole metrics object"
    assert [point["viewers"] for point in summary["series"]] == [80]

    clock.now += 1.0
    tick()
    assert len(emitted) == 1, "nothing changed: nothing sent"
    metrics["totalDiamonds"] = 9
    series.apply({"type": "viewers", "ts": NOW_MS + 60_000, "viewerCount": 95})  # the next minute
    for _ in range(5):  # however often the drain loop asks, once a second
        clock.now += 0.25
        tick()
    assert len(emitted) == 2
    summary = emitted[1][1]
    assert summary["metrics"]["totalDiamonds"] == 9
    assert [point["viewers"] for point in summary["series"]] == [80, 95], "from the last summary's newest minute"
    clock.now += 1.0
    metrics["totalDiamonds"] = 10
    tick()
    assert [point["viewers"] for point in emitted[2][1]["series"]] == [95], "only the open minute now"

    store.set_wall(store.session_id, [], 10, time.time())
    clock.now += 1.0
    metrics["totalDiamonds"] = 11
    tick()
    assert len(emitted) == 3, "the wall left"


def test_a_battle_is_stored_for_a_joining_wall_and_the_queue_shown(store, clock):
    feed, emitted = _feed(store)
    series = ActivitySeries()
    store.publish("maya", [], {"status": "connected"})
    ends_at = int(time.time() * 1000) + 120_000
    feed.send_if_due("connected", None, None, dict, _battle_event("scores", 1500, 900, ends_at), series)
    joined = stored_summary(store, "maya")
    assert joined["battle"]["score"] == 1500 and joined["battle"]["opponentScore"] == 900
    assert emitted == []

    store.publish("maya", [], {"status": "queued", "queue": {"retryAfter": 41, "ahead": 2}})
    joined = stored_summary(store, "maya")
    assert joined["status"] == "queued" and joined["queue"] == {"retryAfter": 41, "ahead": 2}
    assert joined["battle"] is None, "a creator not connected fights no battle"
    clock.now += 1.0
    feed.send_if_due("connected", None, None, dict, None, series)
    store.publish("maya", [], {"status": "connected", "queue": None})
    assert stored_summary(store, "maya")["battle"] is None, "the battle's end is stored too"
    assert stored_summary(store, "nobody")["status"] == "connecting"
