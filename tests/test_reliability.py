"""Reliability and security: nothing lost, nothing leaked, nothing brought down."""

import time

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.appserver import RunningServer
from support.dashboardclient import DashboardClient, refusal, wait_until
from support.simclient import chat, unique_name


def test_a_client_that_comes_back_gets_exactly_what_it_missed(server, connect, simulator, quiet_creator):
    name = quiet_creator()
    client = connect()
    client.watch_until_connected(name)
    simulator.inject(name, [chat("before the cut")])
    client.wait_for_event(lambda e: e.get("comment") == "before the cut")
    token, session_id = client.session["resumeToken"], client.session["sessionId"]
    last_seq = max(e["seq"] for e in client.seen_events())
    client.disconnect()

    missed = [f"missed {i}" for i in range(100)]
    simulator.inject(name, [chat(text, user_id=str(i + 1)) for i, text in enumerate(missed)])
    wait_until(lambda: next(s for s in server.debug()["streams"] if s["username"] == name)["seq"] >= last_seq + 100,
               message="the runner got all 100")

    back = connect(auth={"resumeToken": token, "lastSeq": last_seq})
    wait_until(lambda: len(back.live_events(name)) >= 100, message="100 missed events")
    assert back.session["sessionId"] == session_id and back.session["resumed"]
    assert not back.payloads("snapshot"), "the missed events are still kept: no snapshot needed"
    replayed = back.live_events(name)
    assert [e["comment"] for e in replayed] == missed
    assert [e["seq"] for e in replayed] == list(range(last_seq + 1, last_seq + 101))

    simulator.inject(name, [chat("after the return")])
    back.wait_for_event(lambda e: e.get("comment") == "after the return")
    seqs = [e["seq"] for e in back.live_events(name)]
    assert seqs == sorted(set(seqs)), "in order, none twice"


def test_a_client_too_far_behind_gets_a_snapshot(server_factory, simulator, quiet_creator):
    server = server_factory(RECENT_EVENTS=20)
    name = quiet_creator()
    client = DashboardClient(server.url)
    client.watch_until_connected(name)
    token = client.session["resumeToken"]
    client.disconnect()
    simulator.inject(name, [chat(f"line {i}", user_id=str(i + 1)) for i in range(50)])
    wait_until(lambda: server.debug()["streams"][0]["seq"] >= 50, message="events in")

    back = DashboardClient(server.url, auth={"resumeToken": token, "lastSeq": 0})
    try:
        snapshot = wait_until(lambda: back.payloads("snapshot"), message="snapshot")[-1]
        assert [e["comment"] for e in snapshot["recent"]] == [f"line {i}" for i in range(30, 50)]
        assert snapshot["metrics"]["totalComments"] == 50
    finally:
        back.disconnect()


def test_upstream_drop_reconnects_without_double_counting(server, connect, simulator, quiet_creator):
    name = quiet_creator()
    client = connect()
    client.watch_until_connected(name)
    simulator.inject(name, [chat("said before the drop")])
    wait_until(lambda: client.latest_metrics()["totalComments"] == 1, message="1 comment")

    simulator.drop(name)
    client.wait_for_status("reconnecting", timeout=5)
    client.wait_for_status("connected", timeout=15)
    assert simulator.connections().get(name) == 1
    assert "Runner for @" + name + " reconnecting" in server.log_text()

    simulator.inject(name, [chat("said after the drop")])
    client.wait_for_event(lambda e: e.get("comment") == "said after the drop")
    wait_until(lambda: client.latest_metrics()["totalComments"] == 2, message="2 comments")
    time.sleep(0.5)
    assert client.latest_metrics()["totalComments"] == 2, "the chat replayed on reconnect is not counted again"
    assert client.comments() == ["said before the drop", "said after the drop"], "nor shown twice"


def test_stream_end_stops_for_good(server, connect, simulator, quiet_creator):
    name = quiet_creator()
    client = connect()
    client.watch_until_connected(name)
    opened = simulator.stats()["pushConnectionsOpened"][name]
    simulator.end(name)
    client.wait_for_status("ended", timeout=10)
    client.wait_for_event(lambda e: e["type"] == "end")
    time.sleep(10)
    assert simulator.stats()["pushConnectionsOpened"][name] == opened, "no reconnect after an end"
    assert not simulator.connections().get(name)
    assert client.session["status"] == "ended"


def test_sign_server_rate_limit_is_reported_and_respected(server, connect, simulator):
    name = unique_name()
    simulator.sign_fail(429, times=50, name=name)
    client = connect()
    assert client.watch(name)["ok"]
    error = wait_until(lambda: client.payloads("error"), message="error")[-1]
    assert error["code"] == "rate_limited"
    assert error["retryAfter"] >= 1
    assert client.session["status"] == "error"
    time.sleep(6)
    attempts = simulator.stats()["signRequestsByName"][name]
    # one attempt, then one per retry-after (a few seconds): never a tight loop
    assert 1 <= attempts <= 1 + 6 // error["retryAfter"] + 1, attempts
    simulator.sign_fail(429, times=0, name=name)


def test_a_streak_whose_end_never_comes_is_finalised(server_factory, simulator, quiet_creator):
    server = server_factory(GIFT_STREAK_TIMEOUT_SECONDS=1)
    name = quiet_creator()
    client = DashboardClient(server.url)
    try:
        client.watch_until_connected(name)
        rose = {"type": "gift", "giftId": 5655, "giftName": "Rose", "diamondCount": 1, "giftType": 1,
                "repeatEnd": False, "user": {"userId": "9", "uniqueId": "gone", "nickname": "Gone"}}
        simulator.inject(name, [{**rose, "repeatCount": n} for n in (1, 2, 3)])
        wait_until(lambda: client.latest_metrics()["totalGifts"] == 3, timeout=5, message="finalised streak")
        final = client.wait_for_event(lambda e: e["type"] == "gift" and not e["streaking"])
        assert final["repeatCount"] == 3 and final["timedOut"] is True
        simulator.inject(name, [{**rose, "repeatCount": 3, "repeatEnd": True}])
        time.sleep(1)
        assert client.latest_metrics()["totalGifts"] == 3, "a late end is not counted twice"
    finally:
        client.disconnect()


def test_a_malformed_upstream_message_is_logged_and_skipped(server_factory, simulator, quiet_creator):
    server = server_factory()
    name, other = quiet_creator(), quiet_creator()
    client, bystander = DashboardClient(server.url), DashboardClient(server.url)
    try:
        client.watch_until_connected(name)
        bystander.watch_until_connected(other)
        simulator.inject(name, [chat("before the garbage"), {"type": "garbled", "method": "WebcastChatMessage"},
                                {"type": "garbled", "method": "WebcastGiftMessage"}, chat("after the garbage")])
        simulator.inject(other, [chat("the other runner goes on")])
        client.wait_for_event(lambda e: e.get("comment") == "after the garbage")
        bystander.wait_for_event(lambda e: e.get("comment") == "the other runner goes on")
        assert client.comments() == ["before the garbage", "after the garbage"]
        assert client.session["status"] == "connected"
        assert "Failed to parse WebcastChatMessage" in server.log_text()
        streams = {s["username"]: s for s in server.debug()["streams"]}
        assert streams[name]["garbled"] == 2, "both skipped and counted"
        assert streams[other]["garbled"] == 0
    finally:
        client.disconnect()
        bystander.disconnect()


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
payloads = json_values | st.fixed_dictionaries({"username": json_values})


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(payload=payloads,
       event=st.sampled_from(["watch", "unwatch", "subscribe", "", "connect", "disconnect", "x" * 60]))
def test_random_payloads_are_answered_and_harm_no_one(fuzz_target, payload, event):
    server, fuzzer, _, _ = fuzz_target
    answer = fuzzer.call(event, payload)
    assert isinstance(answer, dict) and isinstance(answer["ok"], bool), answer
    if not answer["ok"]:
        assert answer["error"]["code"] in {"bad_request", "invalid_username", "rate_limited", "too_many_streams"}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(auth=json_values)
def test_random_connect_auth_never_breaks_the_server(fuzz_target, auth):
    server = fuzz_target[0]
    client = DashboardClient(server.url, auth=auth if isinstance(auth, dict) else {"resumeToken": auth})
    try:
        wait_until(lambda: client.session, message="session")
        assert client.session["resumed"] is False
    finally:
        client.disconnect()


def test_after_fuzzing_the_server_is_healthy(fuzz_target, simulator):
    server, _, bystander, name = fuzz_target
    assert requests.get(server.url + "/healthz", timeout=5).json()["status"] == "ok"
    simulator.inject(name, [chat("the bystander still hears")])
    bystander.wait_for_event(lambda e: e.get("comment") == "the bystander still hears")
    assert "Traceback" not in server.log_text()
    assert "ERROR" not in server.log_text()


def test_debug_token_guards_debug(server_factory):
    server = server_factory(DEBUG_TOKEN="s3cret-token")
    assert requests.get(server.url + "/debug", timeout=5).status_code == 401
    wrong = requests.get(server.url + "/debug", headers={"Authorization": "Bearer nope"}, timeout=5)
    assert wrong.status_code == 401 and wrong.json()["error"] == "unauthorized"
    right = requests.get(server.url + "/debug", headers={"Authorization": "Bearer s3cret-token"}, timeout=5)
    assert right.status_code == 200 and "sessions" in right.json()


def handshake(server, origin):
    """Open a Socket.IO connection (its first Engine.IO request) from a page at `origin`."""
    return requests.get(server.url + "/socket.io/", params={"EIO": "4", "transport": "polling"},
                        headers={"Origin": origin}, timeout=5)


def test_foreign_origin_is_refused(server):
    refused = handshake(server, "http://evil.example")
    assert refused.status_code == 400 and "origin" in refused.text.lower()
    assert handshake(server, server.url).status_code == 200


def test_allowed_origins_lets_a_listed_origin_in(server_factory):
    server = server_factory(ALLOWED_ORIGINS="https://dash.example.com, https://other.example.com")
    assert handshake(server, "https://dash.example.com").status_code == 200
    assert handshake(server, "https://other.example.com").status_code == 200
    assert handshake(server, "http://evil.example").status_code == 400


def test_sessions_per_ip_are_limited(server_factory):
    server = server_factory(MAX_SESSIONS_PER_IP=2)
    kept = [DashboardClient(server.url), DashboardClient(server.url)]
    try:
        error = refusal(server.url)
        assert error["code"] == "too_many_sessions" and error["message"]
    finally:
        for client in kept:
            client.disconnect()


def test_forwarded_addresses_count_only_behind_trusted_proxies(server_factory):
    server = server_factory(MAX_SESSIONS_PER_IP=1, TRUSTED_PROXIES=1)
    first = DashboardClient(server.url, headers={"X-Forwarded-For": "203.0.113.7"})
    other = DashboardClient(server.url, headers={"X-Forwarded-For": "198.51.100.9"})
    try:
        assert refusal(server.url, headers={"X-Forwarded-For": "203.0.113.7"})["code"] == "too_many_sessions"
    finally:
        first.disconnect()
        other.disconnect()

    untrusted = server_factory(MAX_SESSIONS_PER_IP=1)
    one = DashboardClient(untrusted.url, headers={"X-Forwarded-For": "203.0.113.7"})
    try:
        spoofed = refusal(untrusted.url, headers={"X-Forwarded-For": "198.51.100.9"})
        assert spoofed["code"] == "too_many_sessions", "a spoofed header does not buy a new address"
    finally:
        one.disconnect()


def test_watch_calls_are_rate_limited(server_factory, quiet_creator):
    server = server_factory(WATCH_CALLS_PER_MINUTE=3)
    client = DashboardClient(server.url)
    try:
        names = [quiet_creator() for _ in range(4)]
        for name in names[:3]:
            assert client.watch(name)["ok"]
        answer = client.watch(names[3])
        assert answer["error"]["code"] == "rate_limited" and answer["error"]["retryAfter"] >= 1
    finally:
        client.disconnect()


def test_too_many_streams(server_factory, quiet_creator):
    server = server_factory(MAX_STREAMS=1)
    one, two = DashboardClient(server.url), DashboardClient(server.url)
    try:
        assert one.watch(quiet_creator())["ok"]
        assert two.watch(quiet_creator())["error"]["code"] == "too_many_streams"
    finally:
        one.disconnect()
        two.disconnect()


def test_sigterm_closes_upstream_and_exits_quickly(server_factory, simulator, quiet_creator):
    server = server_factory()
    name = quiet_creator()
    client = DashboardClient(server.url)
    client.watch_until_connected(name)
    assert simulator.connections().get(name) == 1
    elapsed = server.terminate(timeout=10)
    assert elapsed < 10
    assert server.process.returncode == 0
    wait_until(lambda: not simulator.connections().get(name), timeout=3, message="upstream closed")
    assert "Runner for @" + name + " stopped" in server.log_text()
    client.disconnect()


@pytest.fixture(scope="module")
def fuzz_target(simulator):
    """A server for the fuzz tests, a fuzzing client, and a bystander watching a quiet creator."""
    server = RunningServer({"TIKTOK_SIMULATOR_URL": simulator.url, "CLEANUP_GRACE_SECONDS": 2,
                            "MAX_SESSIONS_PER_IP": 10_000, "WATCH_CALLS_PER_MINUTE": 1000})
    name = unique_name("bystand")
    simulator.configure(name, rate=0)
    bystander = DashboardClient(server.url)
    bystander.watch_until_connected(name)
    fuzzer = DashboardClient(server.url)
    yield server, fuzzer, bystander, name
    fuzzer.disconnect()
    bystander.disconnect()
    server.stop()
