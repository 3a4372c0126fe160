"""Featuring a chat line on stream, end to end in Chromium (docs/overlays.md, "The featured widget"): two server
processes on one private Redis, the simulator's chat reaching the unmodified TikTokLive client in whichever
process runs the creator. A moderator's dashboard on one process features a line with the keyboard; overlays of
the other process show it (its markup as text), one for its featuredSeconds only; an overlay reloaded meanwhile
shows it again; "Stop featuring" takes it off everywhere. Screenshots of the widget over a checkerboard at
1920 x 1080 and at 400 x 700 with the builder's largest text size go to pytest's temporary folder
(UPDATE_SCREENSHOTS=1: docs/)."""

import os
import re
import shutil
import uuid

import pytest
from playwright.sync_api import expect
from support.browserpage import CHECKERBOARD, DESKTOP, REPO, WAIT_MS, Overlay, needs_chromium

pytest_plugins = ["support.browserfixtures"]
pytestmark = needs_chromium

MALLORY = {"userId": "3001", "uniqueId": "mallory", "nickname": "<b>Mal</b><img src=x onerror=alert(1)>"}
MARKUP = "<i>bold</i> <script>alert(1)</script> play my song!"
MAYA = {"userId": "3002", "uniqueId": "maya.sings", "nickname": "Maya ✨"}
FEATURED_ROW = re.compile(r"\bis-featured\b")


@pytest.fixture
def cluster(server_factory, redis_server):
    """Two processes on one Redis channel, records off (the line comes from the store's recent events)."""
    env = {"REDIS_URL": redis_server.url, "REDIS_CHANNEL": f"la-featured-{uuid.uuid4().hex[:8]}",
           "RUNNER_LEASE_SECONDS": 2, "RECORD_STREAMS": 0}
    return [server_factory(**env) for _ in range(2)]


def on_checkerboard(browser, url, viewport):
    """The overlay framed over a checkerboard (what OBS shows through), in a context of its own."""
    page = browser.new_context(viewport=viewport).new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.set_content(CHECKERBOARD.replace("URL", url))
    frame = page.frame_locator("iframe")
    expect(frame.locator("#overlay")).to_have_attribute("data-status", "connected", timeout=WAIT_MS)
    return page, frame, errors


def shoot(page, tmp_path, name):
    path = tmp_path / f"{name}.png"
    page.wait_for_timeout(600)  # the card's entrance over
    page.screenshot(path=path, animations="disabled")
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        shutil.copyfile(path, REPO / "docs" / path.name)
    return path


def row_of(dashboard, text):
    return dashboard.page.locator("#chat-feed > li", has=dashboard.page.locator(".chat-text", has_text=text))


def test_a_line_featured_on_one_process_shows_on_overlays_of_another(cluster, simulator, quiet_creator,
                                                                    open_dashboard, open_overlay, browser, tmp_path):
    first, second = cluster
    name = quiet_creator("feat")
    dashboard = open_dashboard(first)
    dashboard.watch(name, username=name)
    lasting = open_overlay(second, f"/overlay/{name}?widgets=featured&featuredSeconds=120")
    brief = open_overlay(second, f"/overlay/{name}?widgets=featured&featuredSeconds=3")
    simulator.inject(name, [{"type": "chat", "comment": MARKUP, "user": MALLORY},
                            {"type": "chat", "comment": "hi from Maya", "user": MAYA}])
    dashboard.expect_chat(MARKUP)
    dashboard.expect_chat("hi from Maya")

    # The keyboard: focus the line's button, Enter.
    button = row_of(dashboard, MARKUP).get_by_role("button", name="Feature on stream")
    button.focus()
    button.press("Enter")
    for overlay in (lasting, brief):
        card = overlay.page.locator("#featured .featured-card")
        expect(card.locator(".featured-text")).to_have_text(MARKUP, timeout=WAIT_MS)
        expect(card.locator(".featured-nick")).to_have_text(MALLORY["nickname"])
        assert card.locator("i, script, b, img[src='x']").count() == 0, "a viewer's markup stays text"
    strip = dashboard.page.locator("#chat-featured")
    expect(strip).to_have_attribute("data-state", "featured")
    expect(strip.locator(".featured-text")).to_have_text(MARKUP)
    featured_row = row_of(dashboard, MARKUP)
    expect(featured_row).to_have_class(FEATURED_ROW)
    expect(featured_row.get_by_role("button", name="Stop featuring")).to_have_attribute("aria-pressed", "true")
    dashboard.page.locator(".feed-chat").screenshot(path=tmp_path / "dashboard-featured.png", animations="disabled")

    # featuredSeconds=3: that overlay takes it off by itself; the other one keeps it.
    expect(brief.page.locator("#featured")).to_be_hidden(timeout=WAIT_MS)
    expect(lasting.page.locator("#featured .featured-text")).to_have_text(MARKUP)

    # A reload (OBS restarting the source) shows the line again, for what is left of its time.
    lasting.page.reload()
    lasting.wait_connected()
    expect(lasting.page.locator("#featured .featured-text")).to_have_text(MARKUP, timeout=WAIT_MS)
    late = open_overlay(first, f"/overlay/{name}?widgets=featured")
    expect(late.page.locator("#featured .featured-text")).to_have_text(MARKUP, timeout=WAIT_MS)

    # Another line replaces it at once, on every overlay.
    row_of(dashboard, "hi from Maya").hover()
    row_of(dashboard, "hi from Maya").get_by_role("button", name="Feature on stream").click()
    for overlay in (lasting, late):
        expect(overlay.page.locator("#featured .featured-text")).to_have_text("hi from Maya", timeout=WAIT_MS)
    expect(featured_row).not_to_have_class(FEATURED_ROW)

    for viewport, scale, shot in [({"width": 1920, "height": 1080}, 1, "overlay-featured"),
                                  ({"width": 400, "height": 700}, 3, "overlay-featured-400x700")]:
        page, frame, errors = on_checkerboard(
            browser, f"{second.url}/overlay/{name}?widgets=featured&featuredSeconds=120&fontScale={scale}", viewport)
        expect(frame.locator("#featured .featured-text")).to_have_text("hi from Maya", timeout=WAIT_MS)
        box = frame.locator("#featured .featured-card").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"], "the card fits the source's width"
        shoot(page, tmp_path, shot)
        page.context.close()
        assert not errors, errors
    print(f"screenshots in {tmp_path}")

    # Stop featuring, from the strip, with the keyboard.
    stop = dashboard.page.locator("#chat-featured-stop")
    stop.focus()
    stop.press("Enter")
    for overlay in (lasting, late):
        expect(overlay.page.locator("#featured")).to_be_hidden(timeout=WAIT_MS)
    expect(strip).to_be_hidden()
    again = Overlay(browser, f"{second.url}/overlay/{name}?widgets=featured")
    try:
        again.wait_connected()
        expect(again.page.locator("#featured")).to_have_attribute("data-told", "1", timeout=WAIT_MS)
        expect(again.page.locator("#featured")).to_be_hidden()
    finally:
        again.page.context.close()


def test_a_refused_feature_is_said_in_the_dashboard(server, simulator, quiet_creator, open_dashboard):
    name = quiet_creator("featgone")
    dashboard = open_dashboard(server, DESKTOP)
    dashboard.watch(name, username=name)
    simulator.inject(name, [{"type": "chat", "comment": "soon deleted", "user": MAYA, "messageId": "m1"},
                            {"type": "chat", "comment": "marker", "user": MAYA}])
    dashboard.expect_chat("marker")
    row = row_of(dashboard, "soon deleted")
    row.hover()
    button = row.get_by_role("button", name="Feature on stream")
    simulator.inject(name, [{"type": "chatDeleted", "messageIds": ["m1"]}])
    expect(row).to_have_count(0, timeout=WAIT_MS)  # TikTok deleted it: the dashboard took it away
    assert button.count() == 0
    # A line the server does not know: the refusal is shown, as text.
    answer = dashboard.page.evaluate("""async () => {
      const row = document.querySelector('#chat-feed > li[data-message-id]');
      row.dataset.messageId = '999999';
      row.querySelector('.feature-button').click();
    }""")
    assert answer is None
    error = dashboard.page.locator("#chat-featured .featured-error")
    expect(error).to_have_text("Could not feature it: No chat line with that messageId in this live", timeout=WAIT_MS)
    expect(dashboard.page.locator("#chat-featured")).to_have_attribute("data-state", "error")
