"""The store's walls (`set_wall`, `summary_watched`): a session that follows many creators at a summary level
is one of their watchers, beside the creator it watches, on MemoryStore and RedisStore alike."""

import time
import uuid

import pytest

from assistant.store import StreamLimitError
from assistant.store.memory import MemoryStore
from assistant.store.redis import RedisStore


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.slow)])
def store(request):
    if request.param == "memory":
        return MemoryStore("solo", "host:solo", recent_events=5)
    redis_url = request.getfixturevalue("redis_server").url
    return RedisStore(redis_url, f"test-{uuid.uuid4().hex}", "solo", "host:solo", recent_events=5, lease_seconds=5)


def new_session(store):
    return store.create_session("10.0.0.1", "dashboard", 100, 100)


def test_a_wall_makes_its_creators_watched_and_summary_watched(store):
    now = time.time()
    session = new_session(store)
    record = store.set_wall(session.id, ["alice", "bob", "carol"], 10, now + 60)
    assert record.wall == ("alice", "bob", "carol") and record.username is None
    assert store.get_session(session.id).wall == ("alice", "bob", "carol")
    for name in ("alice", "bob", "carol"):
        assert store.watcher_ids(name) == [session.id]
        assert store.summary_watched(name)
        assert store.stream(name).watchers == 1
    assert sorted(store.unowned_streams()) == ["alice", "bob", "carol"]
    assert not store.summary_watched("dave")

    # a new wall replaces the old: bob is left, unwatched, due to stop at the given time
    record = store.set_wall(session.id, ["carol", "alice"], 10, now + 60)
    assert record.wall == ("carol", "alice")
    assert store.watcher_ids("bob") == [] and not store.summary_watched("bob")
    assert not store.stop_if_idle("bob", now + 59)
    assert store.stop_if_idle("bob", now + 60)
    assert not store.stop_if_idle("alice", now + 1000)

    assert store.set_wall(session.id, [], 10, now + 30).wall == ()
    assert store.watcher_ids("alice") == [] and not store.summary_watched("alice")
    assert store.set_wall("s_missing", ["alice"], 10, now) is None


def test_a_watch_and_a_wall_of_one_session_hold_a_creator_together(store):
    now = time.time()
    session = new_session(store)
    store.set_watching(session.id, "alice", 10, now + 60)
    store.set_wall(session.id, ["alice", "bob"], 10, now + 60)
    assert store.watcher_ids("alice") == [session.id]

    store.set_watching(session.id, None, 10, now)  # the watch ends; the wall still shows alice
    assert store.watcher_ids("alice") == [session.id]
    assert not store.stop_if_idle("alice", now + 1000)

    store.set_watching(session.id, "bob", 10, now)
    store.set_wall(session.id, [], 10, now)  # the wall goes; the watch of bob holds it
    assert store.watcher_ids("bob") == [session.id] and store.watcher_ids("alice") == []
    assert store.get_session(session.id).username == "bob"
    assert store.stop_if_idle("alice", now)


def test_a_removed_session_leaves_its_wall(store):
    now = time.time()
    session = new_session(store)
    other = new_session(store)
    store.set_wall(session.id, ["alice", "bob"], 10, now)
    store.set_wall(other.id, ["bob"], 10, now)
    assert sorted(store.watcher_ids("bob")) == sorted([session.id, other.id])
    assert store.remove_session(session.id, now).wall == ("alice", "bob")
    assert store.watcher_ids("alice") == [] and store.stop_if_idle("alice", now)
    assert store.watcher_ids("bob") == [other.id] and store.summary_watched("bob")


def test_a_wall_past_the_stream_limit_changes_nothing(store):
    now = time.time()
    first, second = new_session(store), new_session(store)
    store.set_watching(first.id, "alice", 3, now + 60)
    store.set_wall(second.id, ["alice", "bob"], 3, now + 60)
    with pytest.raises(StreamLimitError, match="2 of these are not followed yet"):
        store.set_wall(second.id, ["alice", "carol", "dave"], 3, now + 60)
    assert store.get_session(second.id).wall == ("alice", "bob")
    assert sorted(state.username for state in store.streams()) == ["alice", "bob"]
    store.set_wall(second.id, ["alice", "bob", "carol"], 3, now + 60)  # one more fits
    assert sorted(state.username for state in store.streams()) == ["alice", "bob", "carol"]


def test_the_series_of_the_last_minutes(store):
    now = time.time()
    session = new_session(store)
    store.set_wall(session.id, ["alice"], 10, now)
    store.claim_stream("alice")
    points = [{"t": minute * 60_000, "viewers": minute} for minute in range(10, 20)]
    assert store.publish("alice", [], {"seq": 0}, points)
    assert [point["t"] for point in store.series_since("alice", 15 * 60_000, 17 * 60_000)] == [
        15 * 60_000, 16 * 60_000, 17 * 60_000]
    assert store.series_since("alice", 30 * 60_000, 40 * 60_000) == []
