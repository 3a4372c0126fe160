"""The dashboard in a real browser: Debian's Chromium driven by Playwright, against the real server and
the TikTok LIVE simulator. The seed's Tests 1-4, HTML in user text, reload, heavy traffic, screenshots.

The browser, the `Dashboard` window and the events to inject are in support/browserpage.py.

Screenshots go to pytest's tmp_path; with UPDATE_SCREENSHOTS=1 they are also copied to docs/.
"""

import os
import re
import shutil
import time
import uuid

import pytest
from playwright.sync_api import expect
from support.appserver import free_port
from support.browserpage import (
    FEED_CAP,
    PHONE,
    REPO,
    WAIT_MS,
    Dashboard,
    chat,
    gift_streak,
    marker,
    needs_chromium,
    user,
)
from support.dashboardclient import wait_until

pytest_plugins = ["support.browserfixtures"]
pytestmark = needs_chromium


# --- the seed's tests ------------------------------------------------------------------------------


def test_two_windows_two_creators_see_only_their_own_data(server_factory, simulator, quiet_creator,
                                                          open_dashboard):
    """Seed Test 1: two windows, two creators; different sessions, no data crosses over."""
    server = server_factory(CLEANUP_GRACE_SECONDS=5)
    first, second = quiet_creator("one"), quiet_creator("two")
    one, two = open_dashboard(server), open_dashboard(server)
    one.watch(first, first)
    two.watch(f"https://www.tiktok.com/@{second}/live", second)
    assert one.session_id and two.session_id and one.session_id != two.session_id

    mark_one, mark_two = marker("only-one"), marker("only-two")
    simulator.inject(first, [chat(mark_one, 1, "Ann"), *gift_streak(1, "RoseOne", 1, 3),
                             {"type": "follow", "user": user(2)}, {"type": "like", "count": 5, "total": 50}])
    simulator.inject(second, [chat(mark_two, 3, "Bob"), chat(mark_two + "-b", 4),
                              *gift_streak(3, "LionTwo", 10, 2), {"type": "share", "user": user(4)},
                              {"type": "share", "user": user(5)}, {"type": "like", "count": 7, "total": 700}])

    one.expect_chat(mark_one)
    two.expect_chat(mark_two)
    one.expect_metric("gifts", 3)
    two.expect_metric("gifts", 2)
    one.expect_metric("likes", 50)
    two.expect_metric("likes", 700)
    two.expect_metric("shares", 2)

    assert one.chat_texts() == [mark_one]
    assert two.chat_texts() == [mark_two, mark_two + "-b"]
    assert [(g["name"], g["repeat"], g["diamonds"], g["streaking"]) for g in one.gift_rows()] == [
        ("RoseOne", 3, 3, False)]
    assert [(g["name"], g["repeat"], g["diamonds"], g["streaking"]) for g in two.gift_rows()] == [
        ("LionTwo", 2, 20, False)]
    assert one.metrics() | {"viewers": 0, "peak-viewers": 0} == {
        "viewers": 0, "peak-viewers": 0, "likes": 50, "gifts": 3, "diamonds": 3, "comments": 1,
        "follows": 1, "shares": 0, "joins": 0}
    assert two.metrics() | {"viewers": 0, "peak-viewers": 0} == {
        "viewers": 0, "peak-viewers": 0, "likes": 700, "gifts": 2, "diamonds": 20, "comments": 2,
        "follows": 0, "shares": 2, "joins": 0}
    assert one.page.locator("#session-username").text_content() == f"@{first}"
    assert two.page.locator("#session-username").text_content() == f"@{second}"


def test_two_windows_same_creator_see_the_same_data_over_one_upstream(server_factory, simulator,
                                                                     quiet_creator, open_dashboard):
    """Seed Test 2: two windows, one creator; own sessions, identical chat and counters, one connection."""
    server = server_factory(CLEANUP_GRACE_SECONDS=5)
    name = quiet_creator("same")
    one, two = open_dashboard(server), open_dashboard(server)
    one.watch(name, name)
    two.watch(f"@{name.upper()}", name)
    assert one.session_id != two.session_id

    lines = [marker(f"line{i}") for i in range(5)]
    simulator.inject(name, [chat(line, i) for i, line in enumerate(lines)]
                     + gift_streak(7, "Rose", 1, 4)
                     + [{"type": "viewers", "viewerCount": 4321}, {"type": "like", "count": 3, "total": 12345},
                        {"type": "join", "user": user(8)}, {"type": "follow", "user": user(9)}])
    for window in (one, two):
        window.expect_chat(lines[-1])
        window.expect_metric("gifts", 4)
        window.expect_metric("likes", 12345)
        window.expect_metric("viewers", 4321)
    assert one.chat_lines() == two.chat_lines()
    assert one.chat_texts() == lines
    assert one.metrics() == two.metrics()
    assert one.gift_rows() == two.gift_rows()
    # 12,345 likes is shown compact, with the exact number in the title
    likes = one.page.locator("#metric-likes")
    assert re.sub(r"\D", "", likes.get_attribute("title")) == "12345"
    assert likes.text_content().strip() != likes.get_attribute("title")
    assert simulator.connections().get(name) == 1
    streams = [s for s in server.debug()["streams"] if s["username"] == name]
    assert len(streams) == 1 and streams[0]["sessions"] == 2


def test_closed_window_is_cleaned_up_after_the_grace(server_factory, simulator, quiet_creator, open_dashboard):
    """Seed Test 3: a closed window's session stays for the grace, then goes, and so does the upstream."""
    grace = 4
    server = server_factory(CLEANUP_GRACE_SECONDS=grace)
    name = quiet_creator("gone")
    window = open_dashboard(server)
    window.watch(name, name)
    session_id = window.session_id
    simulator.wait_for_connections(name, 1)

    window.page.context.close()
    closed_at = time.monotonic()

    def detached():
        sessions = {s["sessionId"]: s for s in server.debug()["sessions"]}
        return session_id in sessions and sessions[session_id]["connectedClients"] == 0

    wait_until(detached, timeout=grace, message="the closed window's session, kept with no clients")
    wait_until(lambda: session_id not in [s["sessionId"] for s in server.debug()["sessions"]],
               timeout=grace + 10, message="the session removed after the grace")
    assert time.monotonic() - closed_at >= grace - 0.5, "removed before the grace was over"
    wait_until(lambda: not simulator.connections().get(name), timeout=grace + 10,
               message="the upstream connection closed")
    # The runner closes its upstream connection first, then ends its threads and the live's record, then says so.
    wait_until(lambda: f"Runner for @{name} stopped" in server.log_text(), timeout=10, message="the runner stopped")
    assert f"Session {session_id} removed" in server.log_text()


def test_header_shows_session_status_creator_and_active_sessions(server_factory, quiet_creator,
                                                                 open_dashboard):
    """Seed Test 4: session ID, status, creator and the live total of active sessions in the header."""
    grace = 2
    server = server_factory(CLEANUP_GRACE_SECONDS=grace)
    window = open_dashboard(server)
    session_id = window.session_id
    assert re.fullmatch(r"[\w-]{8,}", session_id), session_id
    window.expect_status("idle")
    assert window.page.locator("#session-username").text_content() == "—"
    window.expect_total_sessions(1)
    expect(window.page.locator("#stream-banner")).to_have_attribute("data-state", "empty")
    assert any(f"Live Assistant session {session_id}" in line for line in window.console), window.console

    name = quiet_creator("head")
    window.page.fill("#username-input", name)
    window.page.click("#connect-button")
    expect(window.page.locator("#session-username")).to_have_text(f"@{name}", timeout=WAIT_MS)
    window.expect_status("connected")
    expect(window.page.locator("#stream-banner")).to_be_hidden()
    assert window.session_id == session_id

    other = open_dashboard(server)
    window.expect_total_sessions(2)
    other.expect_total_sessions(2)
    other.page.context.close()
    window.expect_total_sessions(1, timeout=(grace + 10) * 1000)

    window.page.click("#disconnect-button")
    window.expect_status("idle")
    expect(window.page.locator("#session-username")).to_have_text("—")

    server.stop()  # the server goes away: the page says it is reconnecting
    window.expect_status("reconnecting")
    expect(window.page.locator("#stream-banner")).to_have_attribute("data-state", "disconnected")


# --- beyond the seed ------------------------------------------------------------------------------


def test_html_in_chat_is_shown_as_text(server_factory, simulator, quiet_creator, open_dashboard):
    server = server_factory(CLEANUP_GRACE_SECONDS=5)
    name = quiet_creator("xss")
    window = open_dashboard(server)
    window.watch(name, name)
    nickname = '<img src=x onerror="window.__pwned=1;alert(1)">'
    comment = '<img src=x onerror="window.__pwned=2;alert(2)"><script>window.__pwned=3</script><b>bold</b>'
    simulator.inject(name, [chat(comment, 5, nickname), {"type": "follow", "user": user(5, nickname)}])
    window.expect_chat(comment)
    expect(window.page.locator("#activity-feed > li")).to_have_count(1, timeout=WAIT_MS)
    window.page.wait_for_timeout(500)  # would-be handlers get their chance to run

    assert window.chat_lines() == [(nickname, comment)]
    assert window.page.locator("#activity-feed .nick").text_content() == nickname
    assert window.page.evaluate("window.__pwned") is None
    assert window.dialogs == []
    for feed in ("#chat-feed", "#activity-feed"):
        assert window.page.locator(f"{feed} script, {feed} b, {feed} img[src='x']").count() == 0
    assert window.page.locator("img[src='x'], img[src$='/x']").count() == 0


def test_reload_keeps_the_session(server_factory, simulator, quiet_creator, open_dashboard):
    server = server_factory(CLEANUP_GRACE_SECONDS=20)
    name = quiet_creator("reload")
    window = open_dashboard(server)
    window.watch(name, name)
    session_id = window.session_id
    before = marker("before-reload")
    simulator.inject(name, [chat(before), *gift_streak(2, "Rose", 1, 2)])
    window.expect_chat(before)
    window.expect_metric("gifts", 2)

    window.reload()
    assert window.session_id == session_id
    window.expect_status("connected")
    expect(window.page.locator("#session-username")).to_have_text(f"@{name}")
    window.expect_chat(before)  # from the snapshot sent on resume
    window.expect_metric("gifts", 2)
    assert any(f"Live Assistant session {session_id} (resumed)" in line for line in window.console)

    after = marker("after-reload")
    simulator.inject(name, [chat(after)])
    window.expect_chat(after)
    assert window.chat_texts() == [before, after]
    debug = {s["sessionId"]: s for s in server.debug()["sessions"]}
    assert debug[session_id]["connectedClients"] == 1
    assert server.debug()["totalSessions"] == 1


def test_switching_creator_shows_only_the_new_one(server_factory, simulator, quiet_creator, open_dashboard):
    server = server_factory(CLEANUP_GRACE_SECONDS=5)
    first, second = quiet_creator("from"), quiet_creator("to")
    window = open_dashboard(server)
    window.watch(first, first)
    old = marker("old")
    simulator.inject(first, [chat(old), {"type": "like", "count": 1, "total": 111}])
    window.expect_chat(old)
    window.expect_metric("likes", 111)

    window.watch(second, second)
    expect(window.page.locator("#chat-feed > li")).to_have_count(0)
    window.expect_metric("likes", 0)
    late, new = marker("late-old"), marker("new")
    simulator.inject(first, [chat(late), {"type": "like", "count": 1, "total": 999}])
    simulator.inject(second, [chat(new), {"type": "like", "count": 1, "total": 222}])
    window.expect_chat(new)
    window.expect_metric("likes", 222)
    window.page.wait_for_timeout(500)
    assert window.chat_texts() == [new]
    assert window.metric("likes") == 222


def test_errors_offline_missing_and_ended_are_shown_plainly(server_factory, simulator, quiet_creator,
                                                            open_dashboard):
    server = server_factory(CLEANUP_GRACE_SECONDS=5)
    window = open_dashboard(server)
    message = window.page.locator("#form-message")
    banner = window.page.locator("#stream-banner")

    window.watch("not a name!", status=None)
    expect(message).to_have_attribute("data-code", "invalid_username", timeout=WAIT_MS)
    expect(message).to_contain_text("not a TikTok username")

    window.watch(f"ghost{uuid.uuid4().hex[:8]}", status="error")
    expect(banner).to_have_attribute("data-state", "error")
    expect(banner).to_contain_text("does not exist")

    window.watch(f"offline{uuid.uuid4().hex[:8]}", status="offline")
    expect(banner).to_have_attribute("data-state", "offline")
    expect(banner).to_contain_text("not live right now")

    name = quiet_creator("ends")
    window.watch(name, name)
    expect(banner).to_be_hidden()
    simulator.end(name)
    window.expect_status("ended")
    expect(banner).to_have_attribute("data-state", "ended")
    expect(banner).to_contain_text("has ended")


def test_tiktok_out_of_reach_is_explained_in_the_banner(server_factory, open_dashboard):
    """No network: the banner says that TikTok cannot be reached, and why, not only that something failed."""
    server = server_factory(TIKTOK_SIMULATOR_URL=f"http://127.0.0.1:{free_port()}", SIGN_BUDGET="5/minute")
    window = open_dashboard(server)
    window.watch(f"nonet{uuid.uuid4().hex[:8]}", status="error")
    banner = window.page.locator("#stream-banner")
    expect(banner).to_have_attribute("data-state", "error")
    expect(window.page.locator("#stream-banner-detail")).to_have_text(
        "Cannot reach TikTok: the connection was refused. Check the internet connection of the computer running "
        "Live Assistant. Retrying by itself.")
    assert server.debug()["signBudget"]["windows"][0]["used"] == 0


def test_limits_and_upstream_trouble_are_explained(server_factory, simulator, quiet_creator, open_dashboard):
    """Too many creator changes (with when to retry), too many sessions, and a dropped upstream."""
    server = server_factory(CLEANUP_GRACE_SECONDS=5, WATCH_CALLS_PER_MINUTE=1, MAX_SESSIONS=1)
    window = open_dashboard(server)
    name = quiet_creator("limits")
    window.watch(name, name)

    window.watch(quiet_creator("limits"), status=None)
    message = window.page.locator("#form-message")
    expect(message).to_have_attribute("data-code", "rate_limited", timeout=WAIT_MS)
    expect(message).to_contain_text(re.compile(r"Try again in \d+ seconds"))
    expect(window.page.locator("#session-username")).to_have_text(f"@{name}")  # still on the first

    refused = Dashboard(window.page.context.browser.new_context().new_page(), server.url)
    try:
        refused.page.goto(server.url + "/")
        refused.expect_status("error")
        banner = refused.page.locator("#stream-banner")
        expect(banner).to_have_attribute("data-state", "error")
        expect(banner).to_contain_text("Too many dashboards")
        assert refused.page_errors == []
    finally:
        refused.close()

    simulator.drop(name)
    expect(window.page.locator("#session-status")).to_have_attribute(
        "data-status", re.compile("reconnecting|connecting"), timeout=WAIT_MS)
    window.expect_status("connected")  # the server reconnects by itself
    later = marker("after-drop")
    simulator.inject(name, [chat(later)])
    window.expect_chat(later)


@pytest.mark.exclusive
def test_heavy_traffic_keeps_the_page_responsive_and_the_feeds_capped(server_factory, simulator,
                                                                      quiet_creator, open_dashboard):
    """10,000 events, 1,000 a second (or as fast as the simulator takes them): no animation frame is
    late by more than 500 ms, no feed holds more than its cap, and the chat shown is the newest, in order."""
    server = server_factory(CLEANUP_GRACE_SECONDS=5)
    name = quiet_creator("flood")
    window = open_dashboard(server)
    window.watch(name, name)
    # A heartbeat in the page: the longest time between two animation frames, the frames that came
    # late, the longest task, and the most rows a feed ever held.
    window.page.evaluate(
        """() => {
            const ids = ['chat-feed', 'gift-feed', 'activity-feed'];
            const probe = window.__probe = { maxGap: 0, frames: 0, maxRows: 0, late: [], longestTask: 0 };
            new PerformanceObserver((list) => {
                for (const entry of list.getEntries()) {
                    probe.longestTask = Math.max(probe.longestTask, Math.round(entry.duration));
                }
            }).observe({ type: 'longtask' });
            let last = performance.now();
            const tick = (now) => {
                const gap = now - last;
                probe.maxGap = Math.max(probe.maxGap, gap);
                if (gap > 250) probe.late.push([Math.round(last), Math.round(gap)]);
                probe.frames += 1;
                last = now;
                for (const id of ids) {
                    probe.maxRows = Math.max(probe.maxRows, document.getElementById(id).childElementCount);
                }
                requestAnimationFrame(tick);
            };
            requestAnimationFrame(tick);
        }"""
    )

    # The simulator takes at most 1,000 events a call (it builds them in about half a second): one call
    # a second; the server relays each call's events in a few `live` batches.
    per_batch, batches_per_second, seconds = 1000, 1, 10
    sent_chat = []
    started = time.monotonic()
    for batch in range(batches_per_second * seconds):
        events = []
        for i in range(per_batch):
            n = batch * per_batch + i
            kind = i % 10
            if kind < 5:
                sent_chat.append(f"flood chat {n}")
                events.append(chat(sent_chat[-1], n % 500))
            elif kind < 7:
                events.append({"type": "join", "user": user(n % 500)})
            elif kind == 7:
                events.append({"type": "gift", "user": user(n % 50), "giftId": 5655, "giftName": "Rose",
                               "diamondCount": 1, "giftType": 1, "repeatCount": i // 10 + 1,
                               "repeatEnd": i // 10 == 9})
            elif kind == 8:
                events.append({"type": "like", "count": 5, "total": n * 5})
            else:
                events.append({"type": "follow" if n % 20 == 9 else "share", "user": user(n % 500)})
        simulator.inject(name, events)
        pause = started + (batch + 1) / batches_per_second - time.monotonic()
        if pause > 0:
            time.sleep(pause)
    elapsed = time.monotonic() - started
    total = per_batch * batches_per_second * seconds
    print(f"injected {total} events in {elapsed:.1f} s ({total / elapsed:.0f} a second)")

    window.expect_chat(sent_chat[-1], timeout=30_000)
    window.expect_metric("comments", len(sent_chat), timeout=30_000)
    probe = window.page.evaluate("window.__probe")
    print(f"page: {probe}")
    counts = window.row_counts()
    assert probe["frames"] > seconds * 10, probe
    assert probe["maxGap"] < 500, f"the page stalled for {probe['maxGap']:.0f} ms"
    assert probe["maxRows"] <= FEED_CAP, probe
    assert counts["chat-feed"] == FEED_CAP and counts["activity-feed"] == FEED_CAP, counts
    assert counts["gift-feed"] <= FEED_CAP, counts
    assert window.chat_texts() == sent_chat[-FEED_CAP:], "the newest chat, in order, none missing"


def test_screenshots_of_a_busy_dashboard(server_factory, simulator, open_dashboard, tmp_path):
    """Desktop and phone screenshots of a dashboard full of data; UPDATE_SCREENSHOTS=1 copies them to docs/."""
    server = server_factory(CLEANUP_GRACE_SECONDS=5)
    name = "maya.sunny"
    simulator.configure(name, live=True, rate=25, viewers=18_400)
    desktop = open_dashboard(server)
    phone = open_dashboard(server, viewport=PHONE)
    desktop.watch(f"https://www.tiktok.com/@{name}/live", name)
    phone.watch(f"@{name}", name)
    simulator.inject(name, [
        {"type": "like", "count": 15, "total": 48_215},
        *gift_streak(11, "Rose", 1, 12),
        {"type": "gift", "user": user(12, "Lina Cookie"), "giftId": 6064, "giftName": "Galaxy",
         "diamondCount": 1000, "giftType": 2, "repeatCount": 1, "repeatEnd": True},
        *gift_streak(14, "Finger Heart", 5, 7),
        {"type": "follow", "user": user(15, "Noah Travels")},
        chat("this set is unreal 🔥", 13, "Priya"),
        {"type": "share", "user": user(16, "Yuki")},
        {"type": "gift", "user": user(17, "Sam"), "giftId": 5655, "giftName": "Rose", "diamondCount": 1,
         "giftType": 1, "repeatCount": 4, "repeatEnd": False},
    ])
    for window in (desktop, phone):
        window.page.wait_for_function(
            "() => document.querySelectorAll('#chat-feed > li').length >= 16"
            " && document.querySelectorAll('#gift-feed > li').length >= 6"
            " && document.querySelectorAll('#activity-feed > li').length >= 12",
            timeout=30_000)
        expect(window.page.locator("#stream-banner")).to_be_hidden()
    # Hold still for the pictures: no row caught fading in.
    simulator.configure(name, rate=0)
    for window in (desktop, phone):
        window.page.wait_for_timeout(600)

    shots = {"dashboard.png": desktop, "dashboard-mobile.png": phone}
    for filename, window in shots.items():
        window.page.screenshot(path=tmp_path / filename, full_page=window is phone, animations="disabled")
        assert (tmp_path / filename).stat().st_size > 20_000
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        for filename in shots:
            shutil.copyfile(tmp_path / filename, REPO / "docs" / filename)
    print(f"screenshots in {tmp_path}")
