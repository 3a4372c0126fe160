"""The assistant's data of a live (docs/dashboard.md, "Insights"): leaderboards, the per-minute series and
the viewer card, counted by the same rules as the totals, identical in every tab, bounded in memory."""

import tracemalloc

import pytest
from support.dashboardclient import wait_until
from support.simclient import chat

from assistant.insights import LiveInsights
from assistant.insights.series import ActivitySeries
from assistant.insights.viewers import ViewerTallies
from assistant.metrics import StreamMetrics

MINUTE_MS = 60_000


def _user(n):
    return {"userId": str(n), "uniqueId": f"u{n}", "nickname": f"Viewer {n}", "avatarUrl": ""}


def _gift(n, repeat, streaking, diamonds=1, ts=0, gift_id=5655):
    return {"type": "gift", "ts": ts, "user": _user(n), "giftId": gift_id, "giftName": "Rose",
            "diamondCount": diamonds, "repeatCount": repeat, "streaking": streaking}


def _counted(events, clock=lambda: 0.0):
    """Events through the totals and the insights, as a runner applies them."""
    insights = LiveInsights(max_viewers=1000)
    metrics = StreamMetrics(streak_timeout=10, clock=clock, on_gift=insights.count_gift)
    for event in events:
        before = metrics.likes
        metrics.apply(event)
        insights.apply(event, likes_added=metrics.likes - before)
    return metrics, insights


# --- counting, in process ---------------------------------------------------------------------------


def test_the_boards_count_like_the_totals():
    events = [_gift(1, n, True) for n in range(1, 6)] + [_gift(1, 5, False)]  # a streak: 5 roses, once
    events += [_gift(2, 1, False, diamonds=100, gift_id=6000)]  # a lion, at once
    events += [{"type": "chat", "ts": 0, "user": _user(3), "comment": "old", "history": True}]
    events += [{"type": "chat", "ts": 0, "user": _user(3), "comment": f"c{i}"} for i in range(3)]
    events += [{"type": "chat", "ts": 0, "user": _user(4), "comment": "hi"}]
    events += [{"type": "like", "ts": 0, "user": _user(5), "count": 15, "totalLikes": 15},
               {"type": "like", "ts": 0, "user": _user(5), "count": 5, "totalLikes": 20},
               {"type": "like", "ts": 0, "user": _user(4), "count": 3, "totalLikes": 23}]
    metrics, insights = _counted(events)
    boards = insights.viewers.leaderboards()
    assert [(g["user"]["userId"], g["diamonds"], g["gifts"]) for g in boards["gifters"]] == [("2", 100, 1), ("1", 5, 5)]
    assert sum(g["diamonds"] for g in boards["gifters"]) == metrics.diamonds
    assert [(c["user"]["userId"], c["comments"]) for c in boards["chatters"]] == [("3", 3), ("4", 1)]
    assert sum(c["comments"] for c in boards["chatters"]) == metrics.comments, "history chat is not counted"
    assert [(likers["user"]["userId"], likers["likes"]) for likers in boards["likers"]] == [("5", 20), ("4", 3)]


def test_a_streak_that_never_ends_counts_once_when_it_times_out():
    now = [0.0]
    metrics, insights = _counted([_gift(1, 3, True)], clock=lambda: now[0])
    now[0] = 11
    metrics.expire_streaks()
    metrics.apply(_gift(1, 3, False))  # the end message, late: nothing more
    assert insights.viewers.leaderboards()["gifters"][0]["gifts"] == metrics.gifts == 3


def test_series_points_fall_in_the_minute_of_their_timestamp():
    start = 1_700_000_040_000 + 40_000  # 40 s into a minute
    minute = start // MINUTE_MS * MINUTE_MS
    events = [{"type": "viewers", "ts": start, "viewerCount": 10},
              {"type": "chat", "ts": start + 1000, "user": _user(1), "comment": "a"},
              {"type": "chat", "ts": start + 1000, "user": _user(1), "comment": "h", "history": True},
              {"type": "join", "ts": start + 19_000, "user": _user(2)},
              {"type": "viewers", "ts": start + 19_999, "viewerCount": 12},
              {"type": "chat", "ts": start + 20_000, "user": _user(1), "comment": "b"},  # the next minute
              {"type": "like", "ts": start + 21_000, "user": _user(1), "count": 7, "totalLikes": 107},
              {"type": "like", "ts": start + 22_000, "user": _user(1), "count": 3, "totalLikes": 104},
              {"type": "follow", "ts": start + 23_000, "user": _user(3)},
              {"type": "share", "ts": start + 24_000, "user": _user(3)},
              _gift(4, 2, False, diamonds=5, ts=start + 25_000)]
    _, insights = _counted(events)
    first, second = insights.series.points()
    assert first == {"t": minute, "viewers": 12, "likes": 0, "diamonds": 0, "comments": 1, "joins": 1,
                     "follows": 0, "shares": 0}
    assert second == {"t": minute + MINUTE_MS, "viewers": 0, "likes": 107, "diamonds": 10, "comments": 1,
                      "joins": 0, "follows": 1, "shares": 1}, "likes: how far the room total rose"
    assert insights.series.take_changed() == [first, second]
    assert insights.series.take_changed() == []


def test_series_keep_a_day_of_minutes():
    series = ActivitySeries()
    for minute in range(24 * 60 + 5):
        series.apply({"type": "join", "ts": minute * MINUTE_MS})
    points = series.points()
    assert len(points) == 24 * 60 and points[0]["t"] == 5 * MINUTE_MS


def test_viewer_memory_stays_bounded_with_100_000_chatters():
    tracemalloc.start()
    tallies = ViewerTallies(max_viewers=500)
    for n in range(20):  # the regulars, who talk and give
        tallies.count_gift(_gift(n, 1, False, diamonds=10), 1)
    for n in range(100_000):
        tallies.apply({"type": "chat", "ts": n, "user": _user(1000 + n), "comment": "hello there"})
        if n % 1000 == 0:
            tallies.apply({"type": "chat", "ts": n, "user": _user(n % 20), "comment": "still here"})
    assert len(tallies) <= 500
    gifters = tallies.leaderboards()["gifters"]
    assert len(gifters) == 10 and all(int(g["user"]["userId"]) < 20 for g in gifters), "the busiest are kept"
    card = tallies.card("0")
    assert card["totals"]["diamonds"] == 10 and card["comments"][-1]["comment"] == "still here"
    tallies.take_changed()
    held, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert held < 1_000_000, f"{held:,} bytes held for 500 viewers"


def test_a_card_keeps_the_last_50_comments_and_gifts():
    tallies = ViewerTallies()
    for n in range(60):
        tallies.apply({"type": "chat", "ts": n, "user": _user(1), "comment": f"line {n}"})
        tallies.count_gift({**_gift(1, 1, False, diamonds=2), "ts": n}, 1)
    card = tallies.card("1")
    assert [c["comment"] for c in card["comments"]] == [f"line {n}" for n in range(10, 60)]
    assert len(card["gifts"]) == 50 and card["totals"] == {"comments": 60, "likes": 0, "gifts": 60, "diamonds": 120,
                                                           "follows": 0, "shares": 0, "battlePoints": 0,
                                                           "battlesSupported": 0}
    assert (card["firstSeen"], card["lastSeen"]) == (0, 59)
    assert tallies.card("2") is None


# --- on the real server ---------------------------------------------------------------------------


def _boards(payload):
    return {key: payload[key] for key in ("gifters", "chatters", "likers")}


def test_two_tabs_and_a_late_joiner_see_the_same_boards_series_and_cards(server, connect, simulator, quiet_creator):
    name = quiet_creator("boards")
    simulator.inject(name, [chat("before anyone watched", user_id="9")])  # replayed on connect: history
    first, second = connect(), connect()
    first.watch_until_connected(name)
    second.watch_until_connected(name)
    rose = {"type": "gift", "giftId": 5655, "giftName": "Rose", "diamondCount": 1, "giftType": 1,
            "user": {"userId": "77", "uniqueId": "gifter", "nickname": "Gifter"}}
    simulator.inject(name, [{**rose, "repeatCount": n, "repeatEnd": False} for n in range(1, 4)])
    simulator.inject(name, [{**rose, "repeatCount": 3, "repeatEnd": True},
                            {"type": "gift", "giftId": 6000, "giftName": "Lion", "diamondCount": 100, "giftType": 2,
                             "repeatCount": 1, "repeatEnd": False,
                             "user": {"userId": "78", "uniqueId": "lion", "nickname": "Lion"}},
                            chat("hello", user_id="5"), chat("how are you?", user_id="5"), chat("hi", user_id="6"),
                            {"type": "like", "count": 12, "total": 12,
                             "user": {"userId": "6", "uniqueId": "u6", "nickname": "Six"}}])

    def settled(client):
        boards = client.payloads("leaderboards")
        return boards and len(boards[-1]["gifters"]) == 2 and boards[-1]["likers"] and boards[-1]["chatters"] and \
            boards[-1]["chatters"][0]["comments"] == 2

    wait_until(lambda: settled(first) and settled(second), timeout=10, message="the boards")
    boards = _boards(first.payloads("leaderboards")[-1])
    assert boards == _boards(second.payloads("leaderboards")[-1])
    assert [(g["user"]["uniqueId"], g["diamonds"], g["gifts"]) for g in boards["gifters"]] == [("lion", 100, 1),
                                                                                             ("gifter", 3, 3)]
    assert [(c["user"]["userId"], c["comments"]) for c in boards["chatters"]] == [("5", 2), ("6", 1)]
    assert [(likers["user"]["userId"], likers["likes"]) for likers in boards["likers"]] == [("6", 12)]

    late = connect()
    late.watch(name)
    wait_until(lambda: late.payloads("snapshot"), message="the late joiner's snapshot")
    snapshot = late.payloads("snapshot")[-1]
    assert _boards(snapshot["leaderboards"]) == boards and snapshot["leaderboards"]["username"] == name
    wait_until(lambda: first.payloads("series"), timeout=10, message="a series update")
    wait_until(lambda: _series_comments(connect_snapshot(connect, name)) == 3, timeout=10,
               message="the stored series")
    series = connect_snapshot(connect, name)["series"]
    assert series["bucketSeconds"] == 60 and series["username"] == name
    assert all(point["t"] % MINUTE_MS == 0 for point in series["points"])

    wait_until(lambda: first.call("viewer", {"userId": "5"})["ok"], timeout=5, message="the stored card")
    card = second.call("viewer", {"userId": "5"})["viewer"]
    assert [c["comment"] for c in card["comments"]] == ["hello", "how are you?"]
    assert card["totals"]["comments"] == 2 and card["user"]["userId"] == "5" and card["firstSeen"] <= card["lastSeen"]
    assert first.call("viewer", {"userId": "77"})["viewer"]["gifts"] == [
        {"ts": first.call("viewer", {"userId": "77"})["viewer"]["gifts"][0]["ts"], "giftName": "Rose",
         "repeatCount": 3, "diamonds": 3}]
    assert first.call("viewer", {"userId": "123456"})["error"]["code"] == "not_found"
    assert first.call("viewer", {"userId": "9"})["error"]["code"] == "not_found", "history chat is not activity"


def test_a_late_joiners_snapshot_holds_the_open_minute(server, connect, simulator, quiet_creator):
    """The snapshot's series holds every point up to its seq, the minute still open included: the points are
    stored with their events, not only when the next `series` event is due (every 5 s)."""
    name = quiet_creator("openminute")
    first = connect()
    first.watch_until_connected(name)
    for pair in (("one", "two"), ("three", "four")):  # the second pair comes well within 5 s of the first
        simulator.inject(name, [chat(text, user_id="5") for text in pair])
        first.wait_for_event(lambda e, last=pair[-1]: e.get("comment") == last)
    chats = [e for e in first.live_events(name) if e["type"] == "chat" and not e.get("history")]
    minutes = {}
    for event in chats:
        minute = event["ts"] // MINUTE_MS * MINUTE_MS
        minutes[minute] = minutes.get(minute, 0) + 1

    snapshot = connect_snapshot(connect, name)
    assert snapshot["seq"] >= chats[-1]["seq"]
    assert {p["t"]: p["comments"] for p in snapshot["series"]["points"] if p["comments"]} == minutes, \
        snapshot["series"]


def connect_snapshot(connect, name):
    client = connect()
    client.watch(name)
    wait_until(lambda: client.payloads("snapshot"), message="a snapshot")
    snapshot = client.payloads("snapshot")[-1]
    client.disconnect()
    return snapshot


def _series_comments(snapshot):
    return sum(point["comments"] for point in snapshot["series"]["points"])


@pytest.mark.parametrize("payload", [None, {}, {"userId": 5}, {"userId": ""}, {"userId": "x" * 65}, ["5"],
                                     {"userId": None}])
def test_bad_viewer_requests_are_answered_bad_request(server, connect, quiet_creator, payload):
    client = connect()
    client.watch_until_connected(quiet_creator("card"))
    answer = client.call("viewer", payload)
    assert answer["ok"] is False and answer["error"]["code"] == "bad_request" and answer["error"]["message"]


def test_a_viewer_request_before_watching_is_refused(connect):
    client = connect()
    wait_until(lambda: client.session, message="session")
    assert client.call("viewer", {"userId": "5"})["error"]["code"] == "bad_request"
