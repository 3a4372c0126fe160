"""TikTok refusing a LIVE: an age-restricted room without a TikTok login (TIKTOK_SESSION_ID), with one, and
a refused push socket (TikTokLive's WebcastBlockedError), as a tab sees them."""

import time

from support.dashboardclient import wait_until
from support.simclient import chat, unique_name

SESSION_ID = "5e55104a1d0f9c3b7e2a64d8c0b1f7a9"  # the form of a TikTok sessionid: 32 hex digits
TARGET_IDC = "useast2a"


def _login(simulator):
    """The settings of a server logged in to TikTok, trusting the simulator's sign server with the session."""
    return {"TIKTOK_SESSION_ID": SESSION_ID, "TIKTOK_TARGET_IDC": TARGET_IDC,
            "WHITELIST_AUTHENTICATED_SESSION_ID_HOST": simulator.url.split("://", 1)[1]}


def _sign_requests(simulator, name):
    return simulator.stats()["signRequestsByName"].get(name, 0)


def test_an_age_restricted_live_without_a_login_is_said_and_not_retried(simulator, server, open_tab):
    name = unique_name("adults")
    simulator.configure(name, rate=0, ageRestricted=True)
    tab = open_tab(server.url)
    assert tab.watch(name)["ok"]
    tab.wait_for_status("error")
    error = tab.session["error"]
    assert error["code"] == "age_restricted"
    assert "TIKTOK_SESSION_ID" in error["message"] and "TIKTOK_TARGET_IDC" in error["message"]
    assert [e["code"] for e in tab.payloads("error")] == ["age_restricted"]
    time.sleep(3)  # an upstream_error would have been retried twice by now (0.5-1 s, then 1-2 s)
    assert [e["code"] for e in tab.payloads("error")] == ["age_restricted"]
    assert tab.session["status"] == "error"
    assert _sign_requests(simulator, name) == 0, "found out before the sign request: no start spent"


def test_an_age_restricted_live_with_a_login_connects_and_the_session_is_in_no_log_line(
        simulator, server_factory, open_tab):
    name = unique_name("adults")
    simulator.configure(name, rate=0, ageRestricted=True)
    server = server_factory(**_login(simulator))
    tab = open_tab(server.url)
    tab.watch_until_connected(name)
    simulator.inject(name, [chat("only for grown-ups")])
    tab.wait_for_event(lambda event: event.get("comment") == "only for grown-ups")
    assert simulator.stream(name)["connections"] == 1
    log = server.log_text()
    assert SESSION_ID not in log and SESSION_ID[:8] not in log, "neither the session id nor TikTokLive's redaction"
    assert "Traceback" not in log


def test_a_refused_push_socket_is_said_in_tiktoks_words_then_retried(simulator, server, open_tab):
    name = unique_name("blocked")
    simulator.configure(name, rate=0, pushBlocked="DEVICE_BLOCKED")
    tab = open_tab(server.url)
    assert tab.watch(name)["ok"]
    tab.wait_for_status("error")
    error = tab.session["error"]
    assert error["code"] == "upstream_blocked"
    assert '"DEVICE_BLOCKED"' in error["message"] and f"@{name}" in error["message"]
    wait_until(lambda: _sign_requests(simulator, name) >= 2, timeout=10, message="a retry after a backoff")
    assert tab.session["status"] != "connected", "connected is said only once the push socket is open"
    simulator.configure(name, pushBlocked=None)
    tab.wait_for_status("connected", timeout=20)
    simulator.inject(name, [chat("let in")])
    tab.wait_for_event(lambda event: event.get("comment") == "let in")
