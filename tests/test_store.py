"""The store contract (assistant/store/base.py), run against MemoryStore and RedisStore alike; then what
only a shared store does: several processes (instances) on one Redis, dead ones, and Redis outages."""

import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis
from support.redisserver import REDIS_SERVER, RedisServer

from assistant.store import SessionLimitError, StoreUnavailable, StreamLimitError, signbudget
from assistant.store.memory import MemoryStore
from assistant.store.redis import RedisStore

RECENT = 5
LEASE = 5.0  # long enough never to lapse during a test, unless the test means it to
SHORT_LEASE = 0.3
IP = "10.0.0.1"
NEW, RECONNECT = signbudget.NEW_CREATOR, signbudget.RECONNECT


EMPTY_SNAPSHOT = {"username": "alice", "seq": 0, "metrics": {}, "recent": [], "leaderboards": None, "series": []}


def events(first, last):
    return [{"type": "chat", "seq": seq, "comment": f"hello {seq}"} for seq in range(first, last + 1)]


def seqs(evts):
    return [event["seq"] for event in evts]


@pytest.fixture
def make_redis(redis_server):
    """RedisStores of one deployment (a key prefix of the test's own), one per `instance`: the processes."""
    channel = f"test-{uuid.uuid4().hex}"

    def make(instance, lease=LEASE, url=None):
        return RedisStore(url or redis_server.url, channel, instance, f"host:{instance}", recent_events=RECENT,
                          lease_seconds=lease)

    make.channel = channel
    return make


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.slow)])
def store(request):
    if request.param == "memory":
        return MemoryStore("solo", "host:solo", recent_events=RECENT)
    return request.getfixturevalue("make_redis")("solo")


def new_session(store, ip=IP):
    return store.create_session(ip, "dashboard", 100, 100)


def watched(store, username, now):
    """A session watching `username`; returns its id."""
    session_id = new_session(store).id
    store.set_watching(session_id, username, 100, now)
    return session_id


# --- the contract, on both stores ------------------------------------------------------------------


def test_sessions_are_created_and_found_by_token(store):
    before = time.time()
    record = store.create_session(IP, "dashboard", 10, 10)
    assert record.ip == IP and record.kind == "dashboard" and record.username is None and record.clients == 0
    assert before <= record.created_at == record.last_activity <= time.time()
    other = store.create_session("10.0.0.2", "probe", 10, 10)

    assert store.find_session(record.token) == record
    assert store.get_session(other.id) == other
    assert store.get_sessions([record.id, "s_missing", other.id]) == {record.id: record, other.id: other}
    assert sorted(r.id for r in store.all_sessions()) == sorted([record.id, other.id])
    for token in (None, "", 42, "no such token", record.id):
        assert store.find_session(token) is None
    assert store.get_session("s_missing") is None
    assert store.totals() == (2, 0)


def test_session_limits(store):
    first = store.create_session(IP, "dashboard", 3, 2)
    store.create_session(IP, "dashboard", 3, 2)
    with pytest.raises(SessionLimitError, match="limit 2"):
        store.create_session(IP, "dashboard", 3, 2)
    store.create_session("10.0.0.2", "dashboard", 3, 2)
    with pytest.raises(SessionLimitError, match="session limit"):
        store.create_session("10.0.0.3", "dashboard", 3, 2)

    store.remove_session(first.id, time.time())
    store.create_session(IP, "dashboard", 3, 2)  # both limits have room again
    assert store.totals() == (3, 0)


def test_clients_attach_and_detach(store):
    record, other = new_session(store), new_session(store)
    assert store.heartbeat(0) is False
    assert store.attach_client(record.id, "a").clients == 1
    assert store.attach_client(record.id, "a").clients == 1  # the same socket twice counts once
    assert store.attach_client(record.id, "b").clients == 2
    assert store.attach_client(other.id, "c").clients == 1
    assert store.totals() == (2, 3)

    due = time.time() + 100
    assert store.detach_client(record.id, "a", due).clients == 1
    assert store.take_due_cleanups(due + 1) == []  # a socket is left
    assert store.detach_client(record.id, "b", due).clients == 0
    assert store.get_session(record.id).clients == 0
    assert store.totals() == (2, 1)

    assert store.attach_client("s_missing", "x") is None
    assert store.detach_client("s_missing", "x", due) is None
    store.touch("s_missing")
    assert store.get_session("s_missing") is None


def test_touch_updates_the_last_activity(store):
    record = new_session(store)
    time.sleep(0.01)
    store.touch(record.id)
    assert store.get_session(record.id).last_activity > record.last_activity


def test_cleanups_fall_due_once_and_an_attach_cancels_them(store):
    now = time.time()
    kept, left = new_session(store), new_session(store)
    for record in (kept, left):
        store.attach_client(record.id, f"sid-{record.id}")
        store.detach_client(record.id, f"sid-{record.id}", now + 10)
    store.attach_client(kept.id, "again")

    assert store.take_due_cleanups(now + 9) == []
    assert store.take_due_cleanups(now + 10) == [left.id]
    assert store.take_due_cleanups(now + 1000) == []


def test_a_session_with_a_client_is_not_removed(store):
    now = time.time()
    record = new_session(store)
    store.set_watching(record.id, "alice", 10, now)
    store.attach_client(record.id, "a")
    assert store.remove_session(record.id, now) is None
    assert store.get_session(record.id).clients == 1

    store.detach_client(record.id, "a", now)
    removed = store.remove_session(record.id, now)
    assert removed.id == record.id and removed.username == "alice" and removed.token == record.token
    assert store.remove_session(record.id, now) is None
    assert store.get_session(record.id) is None and store.find_session(record.token) is None
    assert store.take_due_cleanups(now + 1000) == []
    assert store.totals() == (0, 0)
    # its watch ended: alice is unwatched, due to stop now
    assert store.watcher_ids("alice") == []
    assert store.stop_if_idle("alice", now)


def test_watchers_and_when_an_unwatched_creator_stops(store):
    now = time.time()
    first, second = new_session(store), new_session(store)
    assert store.set_watching(first.id, "alice", 10, now).username == "alice"
    store.set_watching(second.id, "alice", 10, now)
    assert sorted(store.watcher_ids("alice")) == sorted([first.id, second.id])
    state = store.stream("alice")
    assert (state.status, state.seq, state.metrics, state.owner, state.watchers) == ("connecting", 0, {}, None, 2)

    store.set_watching(first.id, "bob", 10, now + 60)
    assert store.watcher_ids("alice") == [second.id]
    assert not store.stop_if_idle("alice", now + 1000)  # watched

    assert store.set_watching(second.id, None, 10, now + 60).username is None  # alice lingers 60 s
    assert store.stream("alice").watchers == 0
    assert not store.stop_if_idle("alice", now + 59)
    store.set_watching(second.id, "alice", 10, now + 60)  # watched again: the stop is off
    store.set_watching(second.id, None, 10, now + 30)
    assert not store.stop_if_idle("alice", now + 29)
    assert store.stop_if_idle("alice", now + 30)
    assert store.stream("alice") is None
    assert [state.username for state in store.streams()] == ["bob"]

    assert store.set_watching("s_missing", "carol", 10, now) is None
    assert store.stream("carol") is None
    assert store.stop_if_idle("nobody", now)  # unknown: nothing to keep running


def test_stream_limit_counts_creators_waiting_to_stop(store):
    now = time.time()
    first, second = new_session(store), new_session(store)
    store.set_watching(first.id, "alice", 1, now + 60)
    with pytest.raises(StreamLimitError):
        store.set_watching(second.id, "bob", 1, now + 60)
    assert store.get_session(second.id).username is None
    store.set_watching(second.id, "alice", 1, now + 60)  # followed already

    store.set_watching(first.id, None, 1, now + 60)
    store.set_watching(second.id, None, 1, now + 60)
    with pytest.raises(StreamLimitError):
        store.set_watching(second.id, "bob", 1, now + 60)
    assert store.stop_if_idle("alice", now + 60)
    store.set_watching(second.id, "bob", 1, now + 60)
    assert [state.username for state in store.streams()] == ["bob"]


def test_claim_renew_and_drop(store):
    now = time.time()
    assert store.claim_stream("alice") is None  # not followed
    session_id = watched(store, "alice", now)
    store.set_watching(session_id, None, 10, now + 60)
    assert store.claim_stream("alice") is None  # nobody watches it
    assert store.unowned_streams() == []

    store.set_watching(session_id, "alice", 10, now)
    assert store.unowned_streams() == ["alice"]
    state = store.claim_stream("alice")
    assert (state.username, state.seq, state.owner, state.watchers) == ("alice", 0, store.name, 1)
    assert store.claim_stream("alice") is None  # held already
    assert store.unowned_streams() == []
    assert store.process_loads()[store.instance] == 1

    assert store.renew_stream("alice", {"status": "connected", "connected_at": now, "seq": 0})
    state = store.stream("alice")
    assert (state.status, state.connected_at, state.owner) == ("connected", now, store.name)

    store.drop_lease("alice")
    assert store.stream("alice").owner is None
    assert store.unowned_streams() == ["alice"]
    assert store.process_loads()[store.instance] == 0
    resumed = store.claim_stream("alice")
    assert (resumed.status, resumed.connected_at, resumed.owner) == ("connected", now, store.name)

    assert not store.renew_stream("nobody", {"seq": 1})


def test_publish_needs_the_lease(store):
    now = time.time()
    watched(store, "alice", now)
    assert not store.publish("alice", events(1, 3), {"seq": 3})
    assert store.snapshot("alice") == EMPTY_SNAPSHOT

    store.claim_stream("alice")
    assert store.publish("alice", events(1, 3), {"seq": 3, "metrics": {"likes": 7}, "shed": 2})
    assert store.publish("alice", [], {"status": "connected", "error": None})
    state = store.stream("alice")
    assert (state.seq, state.metrics, state.shed, state.status) == (3, {"likes": 7}, 2, "connected")

    store.drop_lease("alice")
    assert not store.publish("alice", events(4, 4), {"seq": 4})
    assert store.snapshot("alice")["seq"] == 3


def test_what_tiktok_sent_that_was_not_shown_is_kept_with_the_state(store):
    watched(store, "alice", time.time())
    store.claim_stream("alice")
    assert (store.stream("alice").skipped, store.stream("alice").decode_check) == ({}, None), "nothing yet"
    skipped = {"WebcastRankUpdateMessage": 3, "WebcastPollMessage": 1}
    check = {"checked": 4, "differed": 1, "referenceFailed": 0, "dropped": 0,
             "last": {"method": "WebcastChatMessage", "field": "user.nickname"}}
    assert store.publish("alice", events(1, 1), {"seq": 1, "skipped": skipped, "decode_check": check})
    state = store.stream("alice")
    assert (state.skipped, state.decode_check) == (skipped, check)
    assert store.renew_stream("alice", {"skipped": {**skipped, "WebcastPollMessage": 2}})
    assert store.stream("alice").skipped["WebcastPollMessage"] == 2


def test_the_log_is_capped_and_catch_up_says_when_events_are_gone(store):
    watched(store, "alice", time.time())
    assert store.events_since("alice", 0) == []
    store.claim_stream("alice")
    store.publish("alice", events(1, 3), {"seq": 3})
    assert seqs(store.events_since("alice", 0)) == [1, 2, 3]
    assert seqs(store.events_since("alice", 1)) == [2, 3]
    assert store.events_since("alice", 3) == []
    assert store.events_since("alice", 10) == []

    store.publish("alice", events(4, 6), {"seq": 6})
    store.publish("alice", events(7, 8), {"seq": 8})
    assert seqs(store.snapshot("alice")["recent"]) == [4, 5, 6, 7, 8]  # RECENT kept
    assert seqs(store.events_since("alice", 3)) == [4, 5, 6, 7, 8]
    assert store.events_since("alice", 2) is None  # event 3 is gone
    assert store.events_since("alice", 0) is None
    assert seqs(store.events_since("alice", 6)) == [7, 8]
    assert store.events_since("unknown", 0) == []


def test_snapshot(store):
    assert store.snapshot("alice") == EMPTY_SNAPSHOT
    watched(store, "alice", time.time())
    store.claim_stream("alice")
    published = events(1, 2)
    published[1].update(comment="two\nlines, \u2028 \U0001f389 \ud83d", user={"id": 7234567890123456789})
    store.publish("alice", published, {"seq": 2, "metrics": {"chats": 2}})
    assert store.snapshot("alice") == {"username": "alice", "seq": 2, "metrics": {"chats": 2}, "recent": published,
                                       "leaderboards": None, "series": []}
    boards = {"gifters": [], "chatters": [{"user": {"userId": "7"}, "comments": 2}], "likers": []}
    store.publish("alice", [], {"leaderboards": boards})
    late, early = {"t": 120_000, "comments": 1}, {"t": 60_000, "comments": 2}
    store.save_insights("alice", [late, early], [], [])
    snapshot = store.snapshot("alice")
    assert snapshot["leaderboards"] == boards and snapshot["series"] == [early, late]
    # The points an event changed go in with it: a snapshot's series matches its seq.
    open_minute = {"t": 180_000, "comments": 1}
    store.publish("alice", events(3, 3), {"seq": 3}, [{**late, "comments": 2}, open_minute])
    snapshot = store.snapshot("alice")
    assert snapshot["seq"] == 3 and snapshot["series"] == [early, {**late, "comments": 2}, open_minute]


def test_insights_points_and_viewer_cards(store):
    watched(store, "alice", time.time())
    store.claim_stream("alice")
    card = {"user": {"userId": "7", "nickname": "Seven"}, "totals": {"comments": 1}, "comments": ["hi \U0001f389"]}
    other = {"user": {"userId": "8"}, "totals": {}}
    store.save_insights("alice", [{"t": 0, "likes": 3}], [card, other], [])
    assert store.viewer("alice", "7") == card and store.viewer("alice", "9") is None
    store.save_insights("alice", [{"t": 0, "likes": 5}], [], ["8"])
    assert store.viewer("alice", "8") is None
    assert store.insights("alice") == ([{"t": 0, "likes": 5}], [card])
    assert store.series("alice") == [{"t": 0, "likes": 5}]
    assert store.viewer("bob", "7") is None and store.insights("bob") == ([], [])


def test_stop_if_idle_forgets_the_creator(store):
    now = time.time()
    session_id = watched(store, "alice", now)
    store.claim_stream("alice")
    store.publish("alice", events(1, 2), {"seq": 2})
    store.save_insights("alice", [{"t": 0, "likes": 1}], [{"user": {"userId": "7"}}], [])
    assert not store.stop_if_idle("alice", now)
    store.set_watching(session_id, None, 10, now + 5)
    assert not store.stop_if_idle("alice", now)
    assert store.stop_if_idle("alice", now + 5)

    assert store.stream("alice") is None and store.streams() == []
    assert store.snapshot("alice") == EMPTY_SNAPSHOT and store.insights("alice") == ([], [])
    assert not store.publish("alice", events(3, 3), {"seq": 3})
    assert not store.renew_stream("alice", {"seq": 3})
    store.set_watching(session_id, "alice", 10, now)  # followed anew: from scratch
    assert store.claim_stream("alice").seq == 0


def test_retire_detaches_this_process_and_gives_its_creators_up(store):
    now = time.time()
    session_id = watched(store, "alice", now)
    store.heartbeat(1)
    store.attach_client(session_id, "a")
    store.claim_stream("alice")
    store.publish("alice", events(1, 2), {"seq": 2})

    store.retire(now + 10)
    assert store.get_session(session_id).clients == 0
    assert store.totals() == (1, 0)
    assert store.take_due_cleanups(now + 10) == [session_id]
    state = store.stream("alice")  # kept for a successor
    assert (state.seq, state.owner) == (2, None)
    assert store.unowned_streams() == ["alice"]
    assert store.claim_stream("alice").seq == 2


def test_a_featured_line_is_kept_replaced_cleared_and_forgotten_after_its_time(store):
    line = {"event": {"type": "chat", "seq": 4, "comment": "<b>hi</b>", "messageId": "71"}, "at": 1_000}
    assert store.featured("alice") is None and store.clear_featured("alice") is False
    store.set_featured("alice", line, 30)
    assert store.featured("alice") == line and store.featured("bob") is None
    other = {**line, "event": {**line["event"], "messageId": "72"}}
    store.set_featured("alice", other, 30)
    assert store.featured("alice") == other, "one featured line per creator: the new one replaces it"
    assert store.clear_featured("alice") is True
    assert store.featured("alice") is None and store.clear_featured("alice") is False
    store.set_featured("alice", line, 0.2)
    deadline = time.monotonic() + 5
    while store.featured("alice") is not None:
        assert time.monotonic() < deadline, "the featured line outlived its keep"
        time.sleep(0.05)


# --- the sign-server budget, on both stores --------------------------------------------------------


def epoch():
    """A whole number of seconds near the real time: the tests' times add up exactly."""
    return float(int(time.time()))


def test_sign_starts_are_granted_within_the_budget_and_the_wait_past_it_is_the_shared_arithmetic(store):
    limits, t = ((2, 10),), epoch()
    assert store.take_sign_start("a", NEW, limits, t) == (True, 0.0, 0)
    assert store.take_sign_start("b", NEW, limits, t + 1) == (True, 0.0, 0)
    starts = [t, t + 1]

    granted, wait, ahead = store.take_sign_start("c", NEW, limits, t + 2)
    assert (granted, ahead) == (False, 0)
    assert wait == signbudget.wait_seconds(starts, limits, 0, t + 2) == 9  # a's start ages out at t + 11
    granted, wait, ahead = store.take_sign_start("d", NEW, limits, t + 3)
    assert (granted, ahead) == (False, 1)
    assert wait == signbudget.wait_seconds(starts, limits, 1, t + 3) == 9  # b's at t + 12 (c takes a's)
    assert store.sign_budget(limits, t + 3) == {"used": [2], "queued": ["c", "d"], "blockedUntil": None}

    assert store.take_sign_start("c", NEW, limits, t + 10.5) == (False, 0.5, 0)
    assert store.take_sign_start("c", NEW, limits, t + 11) == (True, 0.0, 0)
    starts = [t + 1, t + 11]
    granted, wait, ahead = store.take_sign_start("d", NEW, limits, t + 11)
    assert (granted, wait, ahead) == (False, signbudget.wait_seconds(starts, limits, 0, t + 11), 0) and wait == 1
    assert store.sign_budget(limits, t + 11) == {"used": [2], "queued": ["d"], "blockedUntil": None}
    assert store.take_sign_start("d", NEW, limits, t + 12) == (True, 0.0, 0)
    assert store.sign_budget(limits, t + 12) == {"used": [2], "queued": [], "blockedUntil": None}
    assert store.sign_budget(limits, t + 30) == {"used": [0], "queued": [], "blockedUntil": None}


def test_every_window_of_the_sign_budget_counts(store):
    limits, t = ((5, 10), (2, 100)), epoch()
    assert store.take_sign_start("a", NEW, limits, t)[0]
    assert store.take_sign_start("b", NEW, limits, t + 20)[0]
    granted, wait, ahead = store.take_sign_start("c", NEW, limits, t + 30)
    assert (granted, ahead) == (False, 0)
    assert wait == signbudget.wait_seconds([t, t + 20], limits, 0, t + 30) == 71
    assert store.sign_budget(limits, t + 30) == {"used": [1, 2], "queued": ["c"], "blockedUntil": None}
    assert not store.take_sign_start("c", NEW, limits, t + 40)[0]
    assert store.take_sign_start("c", NEW, limits, t + 101)[0]


def test_the_sign_queue_puts_reconnects_first_then_arrivals_in_order(store):
    limits, t = ((1, 10),), epoch()
    assert store.take_sign_start("x", NEW, limits, t)[0]  # the budget is spent until t + 11
    assert store.take_sign_start("n1", NEW, limits, t + 1)[2] == 0
    assert store.take_sign_start("n2", NEW, limits, t + 2)[2] == 1
    assert store.take_sign_start("r", RECONNECT, limits, t + 3)[2] == 0  # asked later, goes first
    assert store.take_sign_start("n1", NEW, limits, t + 4)[2] == 1
    assert store.take_sign_start("n2", RECONNECT, limits, t + 5)[2] == 2  # keeps its first priority
    assert store.sign_budget(limits, t + 5)["queued"] == ["r", "n1", "n2"]

    # the budget is there again, for the head only
    for position, name in enumerate(("n1", "n2"), 1):
        wait = signbudget.wait_seconds([], limits, position, t + 11)
        assert store.take_sign_start(name, NEW, limits, t + 11) == (False, wait, position)
    assert store.sign_budget(limits, t + 11) == {"used": [0], "queued": ["r", "n1", "n2"], "blockedUntil": None}
    assert store.take_sign_start("r", RECONNECT, limits, t + 11.5) == (True, 0.0, 0)
    granted, wait, ahead = store.take_sign_start("n2", NEW, limits, t + 12)
    assert (granted, ahead) == (False, 1) and wait == signbudget.wait_seconds([t + 11.5], limits, 1, t + 12)
    assert store.take_sign_start("n1", NEW, limits, t + 22.5) == (True, 0.0, 0)
    assert store.sign_budget(limits, t + 22.5)["queued"] == ["n2"]


def test_a_creator_leaves_the_sign_queue(store):
    limits, t = ((1, 10),), epoch()
    store.take_sign_start("x", NEW, limits, t)
    store.take_sign_start("a", NEW, limits, t + 1)
    store.take_sign_start("b", NEW, limits, t + 2)
    store.leave_sign_queue("a")
    store.leave_sign_queue("nobody")
    assert store.sign_budget(limits, t + 2)["queued"] == ["b"]
    assert store.take_sign_start("b", NEW, limits, t + 3)[2] == 0
    assert store.take_sign_start("a", NEW, limits, t + 4)[2] == 1  # back, as a new arrival
    store.leave_sign_queue("b")
    assert store.take_sign_start("a", NEW, limits, t + 11) == (True, 0.0, 0)
    assert store.sign_budget(limits, t + 11)["queued"] == []


def test_creators_that_stop_asking_leave_the_sign_queue(store):
    limits, t = ((1, 100),), epoch()
    store.take_sign_start("x", NEW, limits, t)  # the budget is spent throughout
    for n, name in enumerate(("a", "b", "c"), 1):
        assert store.take_sign_start(name, NEW, limits, t + n)[2] == n - 1
    stale = signbudget.STALE_SECONDS
    assert store.take_sign_start("b", NEW, limits, t + 1 + stale)[2] == 1  # a asked just STALE_SECONDS ago
    assert store.take_sign_start("c", NEW, limits, t + 1.5 + stale)[2] == 1  # a is gone now
    assert store.sign_budget(limits, t + 1.5 + stale)["queued"] == ["b", "c"]
    assert store.take_sign_start("a", NEW, limits, t + 2 + stale)[2] == 2  # back at the end


def test_the_sign_server_blocks_every_start(store):
    limits, t = ((5, 10),), epoch()
    store.block_sign_starts(t + 30)
    assert store.take_sign_start("a", NEW, limits, t) == (False, 30.0, 0)
    assert store.take_sign_start("b", NEW, limits, t + 1) == (False, 29.0, 1)
    store.block_sign_starts(t + 20)  # never shortened
    assert store.sign_budget(limits, t + 1) == {"used": [0], "queued": ["a", "b"], "blockedUntil": t + 30}
    assert store.take_sign_start("a", NEW, limits, t + 29.5) == (False, 0.5, 0)
    assert store.take_sign_start("a", NEW, limits, t + 30) == (True, 0.0, 0)
    assert store.take_sign_start("b", NEW, limits, t + 30) == (True, 0.0, 0)
    assert store.sign_budget(limits, t + 30) == {"used": [2], "queued": [], "blockedUntil": None}

    assert store.take_sign_start("c", NEW, limits, t + 31)[0]
    store.block_sign_starts(t + 35)
    granted, wait, _ = store.take_sign_start("d", NEW, limits, t + 32)
    assert not granted and wait == 3


# --- many processes on one Redis -------------------------------------------------------------------


def test_a_creator_runs_in_one_process_and_moves_with_its_state(make_redis):
    a, b = make_redis("a"), make_redis("b")
    watched(a, "alice", time.time())
    assert a.claim_stream("alice").owner == "host:a"
    assert b.claim_stream("alice") is None
    assert b.unowned_streams() == []
    assert not b.renew_stream("alice", {"seq": 99})
    assert not b.publish("alice", events(1, 1), {"seq": 1})
    assert b.snapshot("alice")["seq"] == 0

    assert a.publish("alice", events(1, 3), {"seq": 3, "metrics": {"likes": 5}, "connected_at": 12.5})
    assert b.stream("alice").owner == "host:a"
    assert b.snapshot("alice")["recent"] == events(1, 3)

    a.drop_lease("alice")
    assert b.unowned_streams() == ["alice"]
    state = b.claim_stream("alice")
    assert (state.seq, state.metrics, state.connected_at, state.owner) == (3, {"likes": 5}, 12.5, "host:b")
    assert not a.publish("alice", events(4, 4), {"seq": 4})
    assert not a.renew_stream("alice", {"seq": 4})
    assert a.process_loads() == {"a": 0}  # b has not said it is alive yet
    b.heartbeat(1)
    assert a.process_loads() == {"a": 0, "b": 1}


def test_a_lapsed_lease_is_taken_back_unless_another_process_took_it(make_redis):
    a, b = make_redis("a", SHORT_LEASE), make_redis("b")
    watched(a, "alice", time.time())
    a.claim_stream("alice")
    time.sleep(SHORT_LEASE + 0.1)
    assert b.unowned_streams() == ["alice"]
    assert a.renew_stream("alice", {"seq": 0})
    assert b.stream("alice").owner == "host:a"

    time.sleep(SHORT_LEASE + 0.1)
    assert b.claim_stream("alice").owner == "host:b"
    assert not a.renew_stream("alice", {"seq": 0})
    assert not a.publish("alice", events(1, 1), {"seq": 1})


def test_seq_never_goes_back(make_redis):
    """A renewal carries the fields read before it was sent: a publish may have overtaken it."""
    a = make_redis("a")
    watched(a, "alice", time.time())
    a.claim_stream("alice")
    a.publish("alice", events(1, 5), {"seq": 5})
    assert a.renew_stream("alice", {"seq": 3, "status": "connected"})
    assert (a.stream("alice").seq, a.stream("alice").status) == (5, "connected")


def test_a_dead_process_is_reaped_by_exactly_one_survivor(make_redis):
    dead, x, y = make_redis("dead", SHORT_LEASE), make_redis("x"), make_redis("y")
    now = time.time()
    alone, shared = watched(dead, "alice", now), new_session(dead).id
    dead.heartbeat(1)
    dead.attach_client(alone, "d1")
    dead.attach_client(shared, "d2")
    x.attach_client(shared, "x1")
    dead.claim_stream("alice")

    x.heartbeat(0)
    y.heartbeat(0)
    time.sleep(SHORT_LEASE + 0.1)  # `dead` stops beating
    assert set(x.process_loads()) == {"x", "y"}
    assert x.unowned_streams() == ["alice"]  # its lease lapsed too: a survivor takes alice over
    with ThreadPoolExecutor(2) as pool:
        reaped = list(pool.map(lambda store: store.reap_dead_processes(now + 10), (x, y)))
    assert sorted(map(sorted, reaped)) == [[], sorted([alone, shared])]

    assert x.get_session(alone).clients == 0
    assert x.get_session(shared).clients == 1
    assert x.totals() == (2, 1)
    assert x.take_due_cleanups(now + 10) == [alone]
    assert x.reap_dead_processes(now + 10) == [] and y.reap_dead_processes(now + 10) == []


def test_each_due_cleanup_goes_to_one_process(make_redis):
    a, b = make_redis("a"), make_redis("b")
    now = time.time()
    ids = []
    for n in range(30):
        session_id = new_session(a).id
        a.attach_client(session_id, f"sid{n}")
        a.detach_client(session_id, f"sid{n}", now)
        ids.append(session_id)
    with ThreadPoolExecutor(2) as pool:
        taken = [item for part in pool.map(lambda store: store.take_due_cleanups(now), (a, b, a, b)) for item in part]
    assert sorted(taken) == sorted(ids)


def test_a_creator_nobody_runs_is_forgotten_when_its_stop_is_due(make_redis):
    """Its owner retired (or died: its lease lapsed) and its last watcher left: no runner's stop_if_idle
    will forget it."""
    owner, survivor = make_redis("owner"), make_redis("survivor")
    now = time.time()
    session_id = watched(owner, "alice", now)
    owner.claim_stream("alice")
    survivor.remove_session(session_id, now)  # unwatched: due to stop now
    survivor.take_due_cleanups(now)
    assert survivor.stream("alice") is not None  # its owner stops it itself
    owner.retire(now)
    survivor.take_due_cleanups(now)
    assert survivor.stream("alice") is None and survivor.streams() == []
    survivor.set_watching(new_session(survivor).id, "bob", 1, now)  # it no longer counts to MAX_STREAMS


def test_a_creator_whose_state_expired_starts_afresh(make_redis, redis_server):
    store = make_redis("a")
    watched(store, "alice", time.time())
    store.claim_stream("alice")
    store.publish("alice", events(1, 2), {"seq": 2})
    client = redis.Redis.from_url(redis_server.url)
    try:
        state, log = f"{make_redis.channel}:state:alice", f"{make_redis.channel}:log:alice"
        assert 0 < client.pttl(state) <= 60_000 and 0 < client.pttl(log) <= 60_000
        client.delete(state, log)  # as when they expire
    finally:
        client.close()
    assert store.stream("alice") is None and store.streams() == []
    assert not store.renew_stream("alice", {"seq": 2})
    assert store.unowned_streams() == ["alice"]  # still watched
    assert store.claim_stream("alice").seq == 0


def test_snapshots_are_consistent_while_events_are_published(make_redis):
    owner, reader = make_redis("owner"), make_redis("reader")
    watched(owner, "alice", time.time())
    owner.claim_stream("alice")
    done = threading.Event()

    def publish():
        for seq in range(1, 301, 3):
            owner.publish("alice", events(seq, seq + 2), {"seq": seq + 2})
        done.set()

    thread = threading.Thread(target=publish)
    thread.start()
    while not done.is_set():
        snapshot = reader.snapshot("alice")
        assert seqs(snapshot["recent"]) == list(range(max(1, snapshot["seq"] - RECENT + 1), snapshot["seq"] + 1))
    thread.join()
    assert reader.snapshot("alice")["seq"] == 300


def test_nothing_is_left_in_redis_once_everything_is_gone(make_redis, redis_server):
    a, b, dead = make_redis("a"), make_redis("b"), make_redis("dead", SHORT_LEASE)
    now = time.time()
    a.heartbeat(0)
    b.heartbeat(0)
    first, second = new_session(a, "10.0.0.1").id, new_session(b, "10.0.0.2").id
    a.attach_client(first, "a1")
    b.attach_client(second, "b1")
    dead.attach_client(second, "d1")
    time.sleep(SHORT_LEASE + 0.1)
    assert a.reap_dead_processes(now) == [second]
    a.set_watching(first, "carol", 10, now)
    a.set_watching(first, "alice", 10, now)  # carol: unwatched, and nobody ever ran it
    b.set_watching(second, "bob", 10, now)
    a.claim_stream("alice")
    b.claim_stream("bob")
    a.publish("alice", events(1, 3), {"seq": 3, "metrics": {"chats": 3}})
    b.publish("bob", events(1, 2), {"seq": 2})
    a.renew_stream("alice", {"seq": 3})

    a.detach_client(first, "a1", now)
    b.detach_client(second, "b1", now)
    for session_id in a.take_due_cleanups(now):
        assert a.remove_session(session_id, now)
    assert a.stop_if_idle("alice", now) and b.stop_if_idle("bob", now)
    a.retire(now)
    b.retire(now)

    client = redis.Redis.from_url(redis_server.url)
    try:
        assert client.keys(f"{make_redis.channel}:*") == []
    finally:
        client.close()


def test_heartbeat_says_when_this_process_was_reaped(make_redis):
    a, b = make_redis("a", SHORT_LEASE), make_redis("b")
    session_id = new_session(b).id
    assert a.heartbeat(0) is False  # a first registration
    assert a.heartbeat(1) is False
    time.sleep(SHORT_LEASE + 0.1)  # a Redis outage longer than the lease, say
    b.reap_dead_processes(time.time())
    assert a.heartbeat(1) is True
    assert a.heartbeat(1) is False

    time.sleep(SHORT_LEASE + 0.1)
    b.reap_dead_processes(time.time())
    assert a.attach_client(session_id, "s1").clients == 1  # registers a again, before its heartbeat
    assert a.heartbeat(1) is True
    assert a.heartbeat(1) is False

    fresh = make_redis("fresh")
    assert fresh.attach_client(session_id, "s2").clients == 2
    assert fresh.heartbeat(0) is False


def test_processes_share_one_sign_budget_and_one_queue(make_redis):
    a, b = make_redis("a"), make_redis("b")
    limits, t = ((2, 10),), epoch()
    assert a.take_sign_start("x", NEW, limits, t)[0]
    assert b.take_sign_start("y", NEW, limits, t + 1)[0]
    assert a.take_sign_start("z", NEW, limits, t + 2) == (False, 9.0, 0)
    assert b.take_sign_start("w", NEW, limits, t + 3)[2] == 1
    assert b.take_sign_start("r", RECONNECT, limits, t + 4)[2] == 0
    expected = {"used": [2], "queued": ["r", "z", "w"], "blockedUntil": None}
    assert a.sign_budget(limits, t + 4) == b.sign_budget(limits, t + 4) == expected

    a.leave_sign_queue("r")
    b.block_sign_starts(t + 20)
    assert a.sign_budget(limits, t + 5)["blockedUntil"] == t + 20
    assert b.take_sign_start("z", NEW, limits, t + 12) == (False, 8.0, 0)
    assert b.take_sign_start("z", NEW, limits, t + 20) == (True, 0.0, 0)
    assert a.take_sign_start("w", NEW, limits, t + 20) == (True, 0.0, 0)
    assert b.sign_budget(limits, t + 20) == {"used": [2], "queued": [], "blockedUntil": None}


def test_concurrent_asks_never_overspend_the_sign_budget(make_redis):
    stores = [make_redis("a"), make_redis("b"), make_redis("c")]
    limits, t = ((3, 10),), epoch()
    pending = {f"creator{n}": stores[n % 3] for n in range(12)}
    granted = []
    with ThreadPoolExecutor(6) as pool:
        for _ in range(6):
            names = list(pending)
            answers = pool.map(lambda name: pending[name].take_sign_start(name, NEW, limits, t), names)
            granted += [name for name, (ok, _, _) in zip(names, answers, strict=True) if ok]
            for name in granted:
                pending.pop(name, None)
    assert len(granted) == 3
    budget = stores[0].sign_budget(limits, t)
    assert budget["used"] == [3] and sorted(budget["queued"]) == sorted(pending)


def test_the_sign_budget_keys_expire(make_redis, redis_server):
    store = make_redis("a")
    limits, t = ((1, 10), (5, 30)), time.time()
    store.take_sign_start("x", NEW, limits, t)
    store.take_sign_start("y", NEW, limits, t)
    store.block_sign_starts(t + 5)
    client = redis.Redis.from_url(redis_server.url)
    try:
        ttl = {name: client.pttl(f"{make_redis.channel}:sign:{name}")
               for name in ("starts", "queue", "asked", "blocked")}
    finally:
        client.close()
    assert 30_000 < ttl["starts"] <= 31_000
    assert 0 < ttl["queue"] <= signbudget.STALE_SECONDS * 1000 and 0 < ttl["asked"] <= signbudget.STALE_SECONDS * 1000
    assert 5_000 < ttl["blocked"] <= 6_000


# --- Redis outages ---------------------------------------------------------------------------------


@pytest.fixture
def private_redis():
    """A redis-server of the test's own, to stop and restart."""
    if REDIS_SERVER is None:
        pytest.skip("redis-server is not installed")
    with RedisServer() as server:
        yield server


def assert_unavailable_soon(call):
    started = time.monotonic()
    with pytest.raises(StoreUnavailable):
        call()
    assert time.monotonic() - started < 3


@pytest.mark.slow
def test_an_outage_raises_store_unavailable_and_the_store_recovers(private_redis):
    store = RedisStore(private_redis.url, "outage", "i", "host:i", recent_events=RECENT, lease_seconds=LEASE)
    record = new_session(store)

    private_redis.restart()  # everything lost, the scripts too; the pooled connection is dead
    assert store.get_session(record.id) is None
    assert store.find_session(new_session(store).token) is not None

    private_redis.stop()
    for call in (store.ping, store.totals, lambda: new_session(store), lambda: store.snapshot("alice"),
                 lambda: store.publish("alice", events(1, 1), {"seq": 1})):
        assert_unavailable_soon(call)

    private_redis.start()
    store.ping()
    assert store.totals() == (0, 0)
    new_session(store)

    private_redis.pause()  # a Redis that accepts and never answers
    try:
        assert_unavailable_soon(store.totals)
    finally:
        private_redis.resume()
    assert store.totals() == (1, 0)
