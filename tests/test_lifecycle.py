"""Lifecycle defects a new user ran into: when the upstream closes, a shutdown during a cleanup, final
totals at the end of a LIVE, links in the connect field, and what the log says."""

import random
import re
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from support.appserver import RunningServer
from support.dashboardclient import DashboardClient, wait_until
from support.simclient import chat, unique_name
from support.username_cases import ACCEPTED

# --- the upstream closes when the session goes, not a second grace later ---------------------------


@pytest.mark.exclusive
def test_upstream_closes_within_5_s_of_the_session_removal(server_factory, simulator, quiet_creator):
    server = server_factory(CLEANUP_GRACE_SECONDS=2)
    name = quiet_creator("close")
    client = DashboardClient(server.url)
    client.watch_until_connected(name)
    session_id = client.session["sessionId"]
    simulator.wait_for_connections(name, 1)
    client.disconnect()

    wait_until(lambda: session_id not in [s["sessionId"] for s in server.debug()["sessions"]], timeout=10,
               message="the session removed after the grace")
    removed_at = time.monotonic()
    wait_until(lambda: not simulator.connections().get(name), timeout=5, message="the upstream closed")
    assert time.monotonic() - removed_at < 5
    assert not server.debug()["streams"]
    log = server.log_text()
    assert f"Runner for @{name} has no sessions; stopping" in log


def test_a_live_session_that_switches_leaves_the_old_runner_a_grace(server_factory, simulator, quiet_creator):
    server = server_factory(CLEANUP_GRACE_SECONDS=3)
    first, second = quiet_creator("first"), quiet_creator("second")
    client = DashboardClient(server.url)
    try:
        client.watch_until_connected(first)
        client.watch_until_connected(second)
        streams = {s["username"]: s for s in server.debug()["streams"]}
        assert streams[first]["sessions"] == 0, "kept for the grace: the session may switch back"
        assert simulator.connections().get(first) == 1

        client.watch_until_connected(first)  # back within the grace: the same upstream connection
        assert simulator.stats()["pushConnectionsOpened"][first] == 1
        wait_until(lambda: not simulator.connections().get(second), timeout=10,
                   message="the second creator's upstream closed after the grace")
        assert simulator.connections().get(first) == 1
    finally:
        client.disconnect()


# --- a SIGTERM while a cleanup is due ---------------------------------------------------------------

SIGTERM_RACES = 14
RACE_GRACE = 1.0


def _race_once(simulator, offset):
    """Disconnect a tab, send SIGTERM `offset` seconds from the end of the grace; return the server."""
    name = unique_name("race")
    simulator.configure(name, rate=0)
    server = RunningServer({"TIKTOK_SIMULATOR_URL": simulator.url, "CLEANUP_GRACE_SECONDS": RACE_GRACE})
    try:
        client = DashboardClient(server.url)
        client.watch_until_connected(name)
        client.disconnect()
        time.sleep(max(0.0, RACE_GRACE + offset))
        server.terminate(timeout=15)
    finally:
        server.stop()
    return server


@pytest.mark.timeout(360)  # 14 server starts
def test_sigterm_during_a_pending_cleanup_leaves_no_traceback(simulator):
    # Cleanups are swept every half second (maintenance.TICK_SECONDS): one falls due up to 0.5 s after the grace.
    offsets = [random.uniform(-0.25, 0.6) for _ in range(SIGTERM_RACES)]
    with ThreadPoolExecutor(max_workers=3) as pool:
        servers = list(pool.map(lambda offset: _race_once(simulator, offset), offsets))
    for offset, server in zip(offsets, servers, strict=True):
        log = server.log_text()
        assert server.process.returncode == 0, (offset, log)
        assert "Traceback" not in log and " ERROR " not in log, (offset, log)
        assert "Stopped" in log


# --- the totals shown at the end are final -------------------------------------------------------------


@pytest.mark.exclusive
def test_an_open_streak_is_counted_when_the_stream_ends(server, simulator, quiet_creator):
    name = quiet_creator("final")
    client = DashboardClient(server.url)
    try:
        client.watch_until_connected(name)
        user = {"userId": "77", "uniqueId": "u77", "nickname": "Streaker"}
        simulator.inject(name, [
            {"type": "gift", "user": user, "giftId": 5655, "giftName": "Rose", "diamondCount": 5, "giftType": 1,
             "repeatCount": count, "repeatEnd": False} for count in (1, 2, 3)])
        client.wait_for_event(lambda e: e["type"] == "gift" and e["repeatCount"] == 3)
        assert client.latest_metrics()["totalGifts"] == 0, "a running streak is not counted yet"

        simulator.end(name)
        ended_at = time.monotonic()
        wait_until(lambda: (client.latest_metrics() or {}).get("totalGifts") == 3, timeout=1.5,
                   message="the open streak counted at the end")
        assert time.monotonic() - ended_at < 1.5
        assert client.latest_metrics()["totalDiamonds"] == 15
        client.wait_for_status("ended")
        events = client.live_events(name)
        final = [e for e in events if e["type"] == "gift" and not e["streaking"]]
        end = [e for e in events if e["type"] == "end"]
        assert len(final) == 1 and final[0]["repeatCount"] == 3 and "timedOut" not in final[0]
        assert len(end) == 1 and final[0]["seq"] < end[0]["seq"], "the streak's last row comes before the end"
        time.sleep(1)
        assert client.latest_metrics()["totalGifts"] == 3, "final means final"
    finally:
        client.disconnect()


# --- links the connect field invites (what it refuses, in process: test_usernames.py) ----------------------


@pytest.fixture(scope="module")
def table_client(simulator):
    """One session on a server of its own that lets it change creator as often as the table needs."""
    server = RunningServer({"TIKTOK_SIMULATOR_URL": simulator.url, "CLEANUP_GRACE_SECONDS": 1,
                            "WATCH_CALLS_PER_MINUTE": 1000})
    client = DashboardClient(server.url)
    yield client
    client.disconnect()
    server.stop()


@pytest.mark.parametrize(("text", "username"), ACCEPTED)
def test_watch_accepts(table_client, text, username):
    answer = table_client.watch(text)
    assert answer["ok"], answer
    assert answer["session"]["username"] == username


# --- the log: one line per event of note, no query strings, never a secret ---------------------------


def test_the_log_holds_no_secret_token_or_query_string(server_factory, simulator, quiet_creator):
    secrets = {"SIGN_API_KEY": "sign-key-" + unique_name("k"), "SECRET_KEY": "secret-key-" + unique_name("s"),
               "DEBUG_TOKEN": "debug-token-" + unique_name("d")}
    server = server_factory(CLEANUP_GRACE_SECONDS=1, **secrets)
    auth = {"Authorization": f"Bearer {secrets['DEBUG_TOKEN']}"}
    name = quiet_creator("logs")
    tokens = []
    client = DashboardClient(server.url)
    try:
        client.watch_until_connected(name)  # a connect
        tokens.append(client.session["resumeToken"])
        simulator.inject(name, [chat("hello")])
        simulator.drop(name)  # a reconnect
        client.wait_for_status("reconnecting")
        client.wait_for_status("connected")
        simulator.sign_fail(500, times=1, name=name)  # failures: the sign server, then its rate limit
        simulator.drop(name)
        wait_until(lambda: client.payloads("error"), message="the sign failure reported")
        client.wait_for_status("connected", timeout=20)
        simulator.sign_fail(429, times=1, retry_after=1, name=name)
        simulator.drop(name)
        wait_until(lambda: any(e["code"] == "rate_limited" for e in client.payloads("error")), timeout=20,
                   message="the rate limit reported")
        client.wait_for_status("connected", timeout=20)
        for prefix in ("ghost", "offline"):
            other = DashboardClient(server.url)
            other.watch(unique_name(prefix))
            wait_until(lambda other=other: other.payloads("error"), message=f"{prefix} reported")
            tokens.append(other.session["resumeToken"])
            other.disconnect()
        server.debug(headers=auth)
    finally:
        client.disconnect()
    wait_until(lambda: "Session " + client.session["sessionId"] + " removed" in server.log_text(), timeout=10,
               message="cleanup logged")
    server.stop()

    log = server.log_text()
    for secret in [*secrets.values(), *tokens]:
        assert secret not in log
    assert not re.search(r"(?:https?|wss?)://\S*\?[^\s…]", log), "a URL with its query string"
    long_lines = [line for line in log.splitlines() if len(line) > 300]
    assert not long_lines, long_lines[:3]
    assert f"Runner for @{name} reconnecting" in log
    assert "Traceback" not in log

