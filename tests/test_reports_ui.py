"""The records' pages in Chromium: /streams lists the lives (on a phone too), a live's report shows its
totals, charts (canvas), leaderboards and chat, whose search and next pages come from the events API
without a reload; the dashboard links to the creator's report once one is recorded; the report of a
live still running refreshes in place (totals, boards, charts, new chat and gifts) until the live
ends, its totals written as the server writes them.

Screenshots (1440 wide, and /streams at 390 wide) go to pytest's tmp_path, or to SCREENSHOTS_DIR when set
(docs/streams.png, docs/streams-mobile.png and docs/report.png were taken with SCREENSHOTS_DIR=docs).
"""

import os
import re
import time
import uuid
from pathlib import Path

import pytest
import requests
from playwright.sync_api import expect
from support.appserver import RunningServer
from support.browserpage import DESKTOP, PHONE, WAIT_MS, needs_chromium
from support.dashboardclient import wait_until
from support.recordrows import add_live, sqlite_url
from support.recordsample import counted, sample_events, with_battles, with_deletions
from support.simclient import chat, unique_name

pytest_plugins = ["support.browserfixtures"]
pytestmark = needs_chromium


@pytest.fixture(scope="module")
def recorded(simulator, tmp_path_factory):
    """A server whose database holds a busy live of `creator` (45 minutes) and a few other lives."""
    database = tmp_path_factory.mktemp("records-ui") / "records.sqlite3"
    server = RunningServer({"TIKTOK_SIMULATOR_URL": simulator.url, "DATABASE_URL": sqlite_url(database)})
    creator = f"maya.sunny{uuid.uuid4().hex[:6]}"
    now = time.time() // 60 * 60  # lives start on a minute: each minute has its viewer count
    for n, (name, hours_ago, minutes) in enumerate([("coffee.hana", 30, 25), ("pixel.leo", 26, 50),
                                                   ("amara_music", 7, 35), ("liam.vibes", 3, 20)]):
        _add_sample(database, simulator.url, name, now - hours_ago * 3600, minutes, seed=n)
    _add_sample(database, simulator.url, "nova.kai", now - 600, 10, seed=7, status="live")
    live_id = _add_sample(database, simulator.url, creator, now - 2 * 3600, 45, seed=13,
                          battles=["won", "lost", "won", "drawn", "won"], deletions=6)
    yield {"server": server, "creator": creator, "id": live_id, "database": database}
    server.stop()


def _add_sample(database, sim_url, username, started_at, minutes, seed, status="ended", battles=(), deletions=0):
    events = sample_events(sim_url, username, int(started_at * 1000), minutes=minutes, seed=seed)
    if battles:
        events = with_battles(events, sim_url, username, battles, masked_last=True)
    if deletions:
        events = with_deletions(events, deletions)
    metrics, boards, points = counted(events)
    return add_live(database, username, str(7_300_000_000_000 + seed), events, started_at=started_at, status=status,
                    metrics=metrics, leaderboards=boards, points=points, minutes=minutes)


@pytest.fixture
def page(browser):
    """A browser window at 1440x900; no JavaScript error and no console error allowed."""
    context = browser.new_context(viewport=DESKTOP)
    window = context.new_page()
    errors = []
    window.on("pageerror", lambda error: errors.append(str(error)))
    window.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    yield window
    context.close()
    assert not errors, f"errors in the page: {errors}"


def _screenshot(window, name, tmp_path):
    folder = Path(os.environ.get("SCREENSHOTS_DIR") or tmp_path)
    window.screenshot(path=str(folder / name))


def test_streams_then_the_report_with_chat_and_charts(recorded, page, tmp_path):
    server, creator = recorded["server"], recorded["creator"]
    page.goto(server.url + "/streams")
    row = page.locator(f'#lives tbody tr[data-username="{creator}"]')
    expect(row).to_have_count(1)
    expect(page.locator('#lives tbody tr[data-status="live"]')).to_have_count(1)
    page.wait_for_timeout(300)  # local times shown
    _screenshot(page, "streams.png", tmp_path)

    row.locator(".live-link").click()
    expect(page).to_have_url(re.compile(rf"/streams/{recorded['id']}$"))
    expect(page.locator("#report-title")).to_contain_text(f"@{creator}")
    chat = page.locator("#chat-feed > li")
    expect(chat).to_have_count(100)
    for chart in ("#chart-viewers", "#chart-activity"):
        expect(page.locator(f"{chart} canvas")).to_have_count(1)
        assert int(page.locator(chart).get_attribute("data-points")) >= 45
    expect(page.locator("#board-gifters > li")).to_have_count(10)
    page.wait_for_load_state("networkidle")  # the pictures in view
    # a taller window for the picture: the title and exports, the totals, charts, boards and the chat's start
    page.set_viewport_size({"width": 1440, "height": 1240})
    page.wait_for_timeout(300)
    _screenshot(page, "report.png", tmp_path)
    page.set_viewport_size({"width": 1440, "height": 900})

    # the next page, then a search, both from the events API without a reload
    first_seq = int(chat.first.get_attribute("data-seq"))
    page.click("#chat-more")
    expect(chat).to_have_count(200)
    seqs = [int(s) for s in page.eval_on_selector_all("#chat-feed > li", "(rows) => rows.map((r) => r.dataset.seq)")]
    assert seqs == sorted(seqs) and seqs[0] == first_seq and len(set(seqs)) == 200
    page.fill("#chat-search", "SONG")
    expect(page.locator("#chat-status")).to_contain_text("lines with “SONG”")
    texts = page.locator("#chat-feed .chat-text").all_text_contents()
    assert texts and all("song" in text.lower() for text in texts)
    expect(page.locator("#chat-feed mark.hl-search").first).to_have_text(re.compile("song", re.I))
    assert "q=SONG" in page.url
    page.fill("#chat-search", "")
    expect(chat).to_have_count(100)


def test_the_report_shows_the_battles_and_the_deleted_lines(recorded, page, browser, tmp_path):
    server = recorded["server"]
    page.goto(f"{server.url}/streams/{recorded['id']}")
    battles = page.locator("#battle-list tbody tr")
    expect(battles).to_have_count(5)
    assert [row.get_attribute("data-outcome") for row in battles.all()] == ["won", "lost", "won", "drawn", "won"]
    tally = page.locator("#battle-tally")
    expect(tally).to_have_text(re.compile(r"3\s+won\s+1\s+lost\s+1\s+drawn"))
    expect(battles.last.locator(".battle-masked")).to_have_text("masked")
    expect(battles.first.locator(".battle-host img, .battle-host .avatar-initials")).to_have_count(1)
    deleted = page.locator("#chat-feed > li.is-deleted")
    assert deleted.count() >= 1, "a deleted line among the first hundred"
    expect(deleted.first.locator(".tag-deleted")).to_have_text("deleted")
    assert deleted.first.locator(".chat-text").evaluate("(el) => getComputedStyle(el).textDecorationLine") == \
        "line-through"
    page.wait_for_load_state("networkidle")
    page.locator("#battles").scroll_into_view_if_needed()
    _screenshot(page, "report-battles.png", tmp_path)
    deleted.first.scroll_into_view_if_needed()
    _screenshot(page, "report-deleted.png", tmp_path)

    # the search brings rows from the events API: a deleted one is marked the same way
    line = deleted.first.locator(".chat-text").text_content()
    page.fill("#chat-search", line)
    expect(page.locator("#chat-status")).to_contain_text("lines with")
    expect(page.locator("#chat-feed > li.is-deleted .tag-deleted").first).to_have_text("deleted")

    context = browser.new_context(viewport=PHONE)
    try:
        phone = context.new_page()
        phone.goto(f"{server.url}/streams/{recorded['id']}")
        expect(phone.locator("#battle-list tbody tr")).to_have_count(5)
        phone.locator("#battles").scroll_into_view_if_needed()
        phone.wait_for_timeout(300)
        _screenshot(phone, "report-battles-mobile.png", tmp_path)
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        for outcome in phone.locator("#battle-list .battle-outcome").all():  # the result, without scrolling
            box = outcome.bounding_box()
            assert box["x"] + box["width"] <= PHONE["width"], box
    finally:
        context.close()


def test_streams_on_a_phone_scrolls_the_table_inside_its_panel(recorded, browser, tmp_path):
    """Issue 19, item 10: at 390 wide the page is no wider than the screen; the table scrolls in its panel."""
    context = browser.new_context(viewport=PHONE)
    try:
        page = context.new_page()
        page.goto(recorded["server"].url + "/streams")
        row = page.locator(f'#lives tbody tr[data-username="{recorded["creator"]}"]')
        expect(row).to_have_count(1)
        page.wait_for_timeout(300)  # local times shown
        _screenshot(page, "streams-mobile.png", tmp_path)
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        panel = page.locator(".lives-panel")
        sizes = panel.evaluate("(el) => ({scroll: el.scrollWidth, client: el.clientWidth})")
        assert sizes["scroll"] > sizes["client"], f"the table is wider than a phone: it scrolls in its panel {sizes}"

        csv = row.locator(".col-actions a", has_text="CSV")
        csv.scroll_into_view_if_needed()
        box, frame = csv.bounding_box(), panel.bounding_box()
        assert panel.evaluate("(el) => el.scrollLeft") > 0, "the panel scrolled, not the page"
        assert page.evaluate("window.scrollX") == 0
        assert frame["x"] <= box["x"] and box["x"] + box["width"] <= frame["x"] + frame["width"] <= PHONE["width"]
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    finally:
        context.close()


def test_the_dashboard_links_to_the_creators_report_once_one_is_recorded(recorded, open_dashboard, quiet_creator):
    server = recorded["server"]
    window = open_dashboard(server)
    link = window.page.locator("#report-link")
    expect(link).to_be_hidden()
    expect(window.page.locator("#nav-records")).to_have_attribute("href", "/streams")

    # Offline and never recorded: no report to open (issue 19, item 14).
    never = unique_name("offline")
    window.watch(never, never, status="offline")
    window.page.wait_for_timeout(1500)  # the page has asked the records by now
    expect(link).to_be_hidden()

    # Offline, but a past live of theirs is recorded: its report.
    recorded_before = unique_name("offline")
    add_live(recorded["database"], recorded_before, "7300000000099", started_at=time.time() - 7200, minutes=20)
    window.watch(recorded_before, recorded_before, status="offline")
    expect(link).to_be_visible()
    expect(link).to_have_attribute("href", f"/streams/latest?username={recorded_before}")

    # Live: recorded from its connection on, the link comes a moment later.
    name = quiet_creator("linked")
    window.watch(name, name)
    expect(link).to_be_visible(timeout=WAIT_MS)
    expect(link).to_have_attribute("href", f"/streams/latest?username={name}")
    assert requests.get(f"{server.url}/streams/latest", params={"username": name}, timeout=10,
                        allow_redirects=False).status_code == 302


# A report refreshing every 2 s, not the page's 10: set when the page is parsed, before its scripts run.
REFRESH_EVERY_2_S = """document.addEventListener('readystatechange', () => {
  const report = document.getElementById('report');
  if (report && report.dataset.refreshSeconds) report.dataset.refreshSeconds = '2';
}, { once: true });"""

ROSES = {"type": "gift", "giftId": 5655, "giftName": "Rose", "diamondCount": 1, "giftType": 1, "repeatCount": 3,
         "repeatEnd": True, "user": {"userId": "77", "uniqueId": "gifter", "nickname": "Gifter"}}


def _tab_hidden(window, hidden):
    """As if the tab were hidden (another tab in front) or shown again: document.hidden and its event."""
    window.evaluate("""(hidden) => {
      Object.defineProperty(document, 'hidden', { configurable: true, get: () => hidden });
      document.dispatchEvent(new Event('visibilitychange'));
    }""", hidden)


def test_a_running_lives_report_refreshes_in_place_until_it_ends(recorded, page, open_tab, simulator, quiet_creator):
    server = recorded["server"]
    name = quiet_creator("reported")
    client = open_tab(server.url)  # a dashboard watches: the server records the live
    client.watch_until_connected(name)
    simulator.inject(name, [chat("the first line")])

    def recorded_live():
        lives = requests.get(f"{server.url}/api/streams", params={"username": name}, timeout=10).json()["streams"]
        return lives and lives[0]["metrics"].get("totalComments") == 1 and lives[0]["id"]

    live_id = wait_until(recorded_live, message="the live recorded with its first line")

    page.add_init_script(REFRESH_EVERY_2_S)
    asked = []  # the report's requests to the API
    page.on("request", lambda r: asked.append(r.url) if f"/api/streams/{live_id}" in r.url else None)
    page.goto(f"{server.url}/streams/{live_id}")
    expect(page.locator("#report")).to_have_attribute("data-refresh-seconds", "2")
    page.evaluate("window.sameDocument = true")
    badge = page.locator("#report-status .badge")
    expect(badge).to_have_text("live now")
    rows = page.locator("#chat-feed > li")
    expect(rows).to_have_count(1)

    # new chat and a gift: at the end of their lists, the totals, boards and charts moving, no reload
    simulator.inject(name, [{**chat(f"line {n}", user_id=str(n)), "messageId": f"m{n}"} for n in (2, 3, 4)] + [ROSES])
    expect(rows).to_have_count(4)
    assert rows.locator(".chat-text").all_text_contents() == ["the first line", "line 2", "line 3", "line 4"]
    # TikTok deletes a line shown: the next round marks it (the record keeps it)
    simulator.inject(name, [{"type": "chatDeleted", "messageIds": ["m3"], "userIds": ["3"]}])
    expect(rows.nth(2)).to_have_class(re.compile(r"\bis-deleted\b"))
    expect(rows.nth(2).locator(".tag-deleted")).to_have_text("deleted")
    assert page.locator("#chat-feed > li.is-deleted").count() == 1
    gifts = page.locator("#gift-feed > li")
    expect(gifts).to_have_count(1)
    expect(gifts.first).to_have_attribute("data-diamonds", "3")
    expect(gifts.first.locator(".nick")).to_have_text("Gifter")
    expect(page.locator("#metric-comments")).to_have_text("4")
    expect(page.locator("#chat-count")).to_have_text("4")
    expect(page.locator("#metric-diamonds")).to_have_text("3")
    expect(page.locator("#board-gifters > li")).to_have_count(1)
    expect(page.locator("#board-chatters > li")).to_have_count(4)

    # a hidden tab asks nothing; shown again, it catches up at once
    _tab_hidden(page, True)
    page.wait_for_timeout(200)  # a round under way ends
    count = len(asked)
    simulator.inject(name, [chat("line 5", user_id="5")])
    page.wait_for_timeout(2500)
    assert len(asked) == count, asked[count:]
    expect(rows).to_have_count(4)
    _tab_hidden(page, False)
    expect(rows).to_have_count(5, timeout=1500)

    # while a search is shown, new lines only say how many they are; clicking shows them
    page.fill("#chat-search", "line 3")
    expect(rows).to_have_count(1)
    simulator.inject(name, [chat("line 6", user_id="6")])
    note = page.locator("#chat-new")
    expect(note).to_have_text("1 new line")
    expect(rows).to_have_count(1)
    note.click()
    expect(rows).to_have_count(6)
    expect(rows.last.locator(".chat-text")).to_have_text("line 6")
    expect(page.locator("#chat-search")).to_have_value("")
    expect(note).to_be_hidden()

    # the end: the badge and the "when" line say so, and the refreshing stops
    simulator.end(name)
    expect(badge).to_have_text("ended")
    expect(badge).to_have_attribute("data-status", "ended")
    expect(page.locator(".report-when")).to_contain_text("The LIVE ended")
    expect(page.locator("#report")).to_have_attribute("data-status", "ended")
    expect(page.locator("#chart-activity")).to_have_attribute("data-total", "6")  # the whole series, comments
    assert page.locator("#chart-viewers").get_attribute("data-points") == page.locator(
        "#chart-activity").get_attribute("data-points") != "0"
    count = len(asked)
    page.wait_for_timeout(2500)
    assert len(asked) == count, asked[count:]
    assert page.evaluate("window.sameDocument"), "no reload"


def _big_gift(diamonds, n):
    return {"type": "gift", "giftId": 9000 + n, "giftName": "Universe", "diamondCount": diamonds, "giftType": 2,
            "repeatCount": 1, "repeatEnd": True, "user": {"userId": str(90 + n), "uniqueId": f"big{n}",
                                                          "nickname": f"Big {n}"}}


def test_a_refreshed_reports_totals_read_as_the_server_wrote_them(recorded, browser, open_tab, simulator,
                                                                    quiet_creator):
    """Issue 19, item 14: "10,000" from the server stays exact after a refresh ("10,653", not "10.7K"), in a
    reader's locale whose own format differs (de-DE would write "10.653")."""
    server = recorded["server"]
    name = quiet_creator("exact")
    client = open_tab(server.url)
    client.watch_until_connected(name)
    simulator.inject(name, [_big_gift(10_000, 1)])

    def recorded_live():
        lives = requests.get(f"{server.url}/api/streams", params={"username": name}, timeout=10).json()["streams"]
        return lives and lives[0]["metrics"].get("totalDiamonds") == 10_000 and lives[0]["id"]

    live_id = wait_until(recorded_live, message="the live recorded with its gift")
    context = browser.new_context(viewport=DESKTOP, locale="de-DE")
    try:
        page = context.new_page()
        page.add_init_script(REFRESH_EVERY_2_S)
        page.goto(f"{server.url}/streams/{live_id}")
        diamonds = page.locator("#metric-diamonds")
        expect(diamonds).to_have_text("10,000")  # as the server wrote it
        simulator.inject(name, [_big_gift(653, 2)])
        expect(diamonds).to_have_attribute("data-value", "10653", timeout=WAIT_MS)
        expect(diamonds).to_have_text("10,653")
        assert diamonds.get_attribute("title") is None
        expect(page.locator("#metric-gifts")).to_have_text("2")
    finally:
        context.close()
