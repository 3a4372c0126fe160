"""TikTok's real limits (docs/operations.md): the sign budget with its queue, and the stall watchdog.

These tests run on a simulator of their own: its sign limits and keep-alive (a frame every second, so
that a short STALL_SECONDS sees a quiet creator as alive) must not touch other tests' servers.
"""

import re
import time
import uuid

import pytest
from support.appserver import free_port
from support.dashboardclient import wait_until
from support.simclient import SimulatorControl, chat, unique_name

from assistant.simulator import start_simulator

STALL_SECONDS = 3


@pytest.fixture(scope="module")
def limited_simulator():
    with start_simulator(rate=0, keepalive_seconds=1) as running:
        control = SimulatorControl(running.url)
        yield control
        control.close()


@pytest.fixture
def start_server(server_factory, limited_simulator):
    """A server of the test's own on this module's simulator."""
    return lambda **overrides: server_factory(TIKTOK_SIMULATOR_URL=limited_simulator.url, **overrides)


def _creator(simulator, prefix):
    name = unique_name(prefix)
    simulator.configure(name, rate=0, viewers=10)
    return name


def test_the_sign_budget_queues_what_it_cannot_start_and_reconnects_first(limited_simulator, start_server, open_tab):
    simulator = limited_simulator
    simulator.reset()
    simulator.sign_limits(perMinute=3)
    try:
        server = start_server(SIGN_BUDGET="3/minute")
        first = [_creator(simulator, "budget") for _ in range(3)]
        later = [_creator(simulator, "waiting") for _ in range(3)]
        first_tabs = [open_tab(server.url) for _ in first]
        for tab, name in zip(first_tabs, first, strict=True):
            tab.watch_until_connected(name)
        later_tabs = [open_tab(server.url) for _ in later]
        for tab, name in zip(later_tabs, later, strict=True):
            assert tab.watch(name)["ok"], "a watch that must wait is acknowledged"
            tab.wait_for_status("queued")
            time.sleep(0.2)  # arrival order
        for tab in later_tabs:
            session = tab.session
            assert session["status"] == "queued" and session["retryAfter"] > 30, session
        assert [t.session["ahead"] for t in later_tabs] == [0, 1, 2]
        wait_until(lambda: len([p for p in later_tabs[0].payloads("session") if p["status"] == "queued"]) >= 3,
                   message="later session events")
        countdown = [p["retryAfter"] for p in later_tabs[0].payloads("session") if p["status"] == "queued"]
        assert countdown == sorted(countdown, reverse=True) and countdown[-1] < countdown[0], countdown

        # A drop while the budget is spent: the reconnect waits too, ahead of the new creators.
        simulator.drop(first[0])
        first_tabs[0].wait_for_status("queued", timeout=10)
        assert first_tabs[0].session["ahead"] == 0
        wait_until(lambda: later_tabs[0].session["ahead"] == 1, message="the new creators one place back")
        report = server.debug()
        assert report["signBudget"]["queued"] == [first[0], *later]
        assert report["signBudget"]["windows"] == [{"limit": 3, "seconds": 60, "used": 3, "left": 0}]

        first_tabs[0].wait_for_status("connected", timeout=75)
        later_tabs[0].wait_for_status("connected", timeout=10)
        later_tabs[1].wait_for_status("connected", timeout=10)
        # The starts are granted in queue order (their connections may then complete in either order).
        granted = re.findall(r"Runner for @(\S+): the sign budget allows its start now", server.log_text())
        assert granted == [first[0], later[0], later[1]], granted
        assert later_tabs[2].session["status"] == "queued", "the budget's fourth start waits for the next minute"
        stats = simulator.stats()
        assert stats["signRefused"] == 0, "the server never went past the sign server's limit"
        assert stats["signRequests"] == 6
    finally:
        simulator.sign_limits(perMinute=None)


def test_a_stalled_connection_is_checked_and_reconnected(limited_simulator, start_server, open_tab):
    simulator = limited_simulator
    server = start_server(STALL_SECONDS=STALL_SECONDS)
    name = _creator(simulator, "stall")
    tab = open_tab(server.url)
    tab.watch_until_connected(name)
    simulator.inject(name, [chat(f"before {i}", user_id=str(i + 1)) for i in range(5)])
    tab.wait_for_event(lambda e: e.get("comment") == "before 4")
    opened = simulator.stats()["pushConnectionsOpened"][name]

    simulator.stall(name, 30)
    stalled_at = time.monotonic()
    wait_until(lambda: simulator.stats()["pushConnectionsOpened"][name] == opened + 1,
               timeout=STALL_SECONDS + 5, message="a new push connection after the stall")
    assert time.monotonic() - stalled_at < STALL_SECONDS + 5
    tab.wait_for_status("connected")
    simulator.inject(name, [chat("after", user_id="9")])
    tab.wait_for_event(lambda e: e.get("comment") == "after")
    wait_until(lambda: tab.latest_metrics()["totalComments"] == 6, message="six comments counted")
    time.sleep(1)
    assert tab.latest_metrics()["totalComments"] == 6, "the chat TikTok replays on the reconnect is not counted again"
    assert simulator.connections().get(name) == 1
    assert "stalled: nothing received" in server.log_text()


def test_a_stall_that_ends_the_stream_is_not_reconnected(limited_simulator, start_server, open_tab):
    simulator = limited_simulator
    server = start_server(STALL_SECONDS=STALL_SECONDS)
    name = _creator(simulator, "stallend")
    tab = open_tab(server.url)
    tab.watch_until_connected(name)
    opened = simulator.stats()["pushConnectionsOpened"][name]
    simulator.stall(name, 60)
    simulator.configure(name, live=False)  # the room ends while its socket is silent
    tab.wait_for_status("ended", timeout=STALL_SECONDS + 10)
    time.sleep(2)
    assert simulator.stats()["pushConnectionsOpened"][name] == opened, "no reconnect after the end"
    assert tab.session["status"] == "ended"


def test_two_processes_share_one_budget(limited_simulator, start_server, open_tab, redis_server):
    simulator = limited_simulator
    channel = f"la-budget-{uuid.uuid4().hex[:8]}"
    env = {"SIGN_BUDGET": "2/minute", "REDIS_URL": redis_server.url, "REDIS_CHANNEL": channel}
    servers = [start_server(**env), start_server(**env)]
    names = [_creator(simulator, "shared") for _ in range(3)]
    before = simulator.stats()["signRequests"]
    one = open_tab(servers[0].url)
    one.watch_until_connected(names[0])
    two = open_tab(servers[1].url)
    two.watch_until_connected(names[1])
    three = open_tab(servers[1].url)
    assert three.watch(names[2])["ok"]
    three.wait_for_status("queued")
    assert three.session["retryAfter"] > 30
    time.sleep(2)
    assert three.session["status"] == "queued"
    assert simulator.stats()["signRequests"] - before == 2, "two starts in the cluster's minute, not two each"
    for server in servers:
        budget = server.debug()["signBudget"]
        assert budget["windows"][0]["used"] == 2 and budget["queued"] == [names[2]]


def test_a_429_from_the_sign_server_holds_every_start(limited_simulator, start_server, open_tab):
    simulator = limited_simulator
    server = start_server(SIGN_BUDGET="100/minute")
    refused, other = _creator(simulator, "refused"), _creator(simulator, "other")
    simulator.sign_fail(429, times=1, retry_after=6, name=refused)
    tab = open_tab(server.url)
    assert tab.watch(refused)["ok"]
    wait_until(lambda: any(e.get("code") == "rate_limited" for e in tab.payloads("error")), message="the 429")
    tab.wait_for_status("queued")
    assert tab.session["retryAfter"] <= 6
    second = open_tab(server.url)
    assert second.watch(other)["ok"]
    second.wait_for_status("queued")  # the budget has room, but the sign server said to wait
    assert server.debug()["signBudget"]["blockedUntil"]
    tab.wait_for_status("connected", timeout=15)
    second.wait_for_status("connected", timeout=15)
    assert "sign server refused a start" in server.log_text()


def test_a_429_is_waited_out_as_its_reset_says_not_as_tiktoklive_reads_it(limited_simulator, start_server, open_tab):
    """A 429 as a RateLimit-headers server sends it: `RateLimit-Remaining: 0` (the requests left),
    `RateLimit-Reset` a Unix time 45 s ahead, no `Retry-After`. TikTokLive 7.0.1 reads the wait from
    `Remaining`, so 0 s; the server waits 45 s, and says so."""
    simulator = limited_simulator
    server = start_server(SIGN_BUDGET="none")  # the creator's own retry: nothing else holds it back
    name = _creator(simulator, "reset")
    simulator.sign_fail(429, times=1, retry_after=45, name=name)
    tab = open_tab(server.url)
    assert tab.watch(name)["ok"]
    wait_until(lambda: tab.payloads("error"), timeout=15, message="the 429")
    refused_at = time.monotonic()
    [error] = tab.payloads("error")
    assert error["code"] == "rate_limited" and 43 <= error["retryAfter"] <= 45, error
    assert f"retrying in {error['retryAfter']} s" in error["message"]
    tab.wait_for_status("error")
    assert tab.session["error"] == error
    while time.monotonic() - refused_at < 40:
        assert simulator.stats()["signRequestsByName"][name] == 1, "a sign request again within 40 s"
        time.sleep(1)
    tab.wait_for_status("connected", timeout=20)
    assert simulator.stats()["signRequestsByName"][name] == 2


def _starts_used(server):
    return server.debug()["signBudget"]["windows"][0]["used"]


@pytest.mark.parametrize(("where", "cause"), [
    ("127.0.0.1:{closed}", "the connection was refused"),  # a port nothing listens on
    ("tiktok.invalid", "its address could not be looked up (Name or service not known)"),  # RFC 6761: never resolves
])
def test_tiktok_out_of_reach_is_said_plainly_and_spends_no_start(server_factory, open_tab, where, cause):
    """No network: every attempt fails at the room lookup, before any sign request, so the budget stays whole;
    the watchers learn why, in words (not only the log)."""
    server = server_factory(TIKTOK_SIMULATOR_URL="http://" + where.format(closed=free_port()),
                            SIGN_BUDGET="5/minute")
    tab = open_tab(server.url)
    assert tab.watch(unique_name("nonet"))["ok"]
    tab.wait_for_status("error", timeout=15)
    error = tab.session["error"]
    assert error["code"] == "upstream_error"
    assert error["message"].startswith(f"Cannot reach TikTok: {cause}."), error
    wait_until(lambda: server.log_text().count("Cannot reach TikTok") >= 3, timeout=20,
               message="three failed attempts (0.5-1, then 1-2 s apart)")
    assert _starts_used(server) == 0, "no sign request was made: no start spent"
    assert server.debug()["signBudget"]["windows"] == [{"limit": 5, "seconds": 60, "used": 0, "left": 5}]


def test_a_start_is_spent_on_the_sign_request_only(limited_simulator, start_server, open_tab):
    """A connect spends exactly one start; a creator found offline or missing at the lookup spends none."""
    simulator = limited_simulator
    server = start_server(SIGN_BUDGET="5/minute")
    name = _creator(simulator, "onestart")
    before = simulator.stats()["signRequests"]
    tab = open_tab(server.url)
    tab.watch_until_connected(name)
    assert _starts_used(server) == 1
    assert simulator.stats()["signRequests"] - before == 1

    for missing, status in ((f"offline{uuid.uuid4().hex[:8]}", "offline"), (f"ghost{uuid.uuid4().hex[:8]}", "error")):
        other = open_tab(server.url)
        assert other.watch(missing)["ok"]
        other.wait_for_status(status)
    assert _starts_used(server) == 1
    assert simulator.stats()["signRequests"] - before == 1
