"""Viewers across lives on the dashboard, in Chromium (docs/wall.md; docs/dashboard.md "Insights"): the viewer
card shows the viewer's history over the creator's recorded lives and the team's note, which it edits (saved,
shown again on the next opening, as text, then deleted); the leaderboards switch between "this live" and the
last 30 days of the records. Screenshots at 1440x900 and 390x844 go to tmp_path."""

from playwright.sync_api import expect
from support.browserpage import CHROMIUM, DESKTOP, PHONE, WAIT_MS, chat, marker, needs_chromium

pytest_plugins = ["support.browserfixtures"]
pytestmark = needs_chromium

NOTE = "Regular since spring <b>not markup</b>\n=1+1 stays text"


def open_card(window, user_id):
    """Click the viewer's name in the chat until the card is ready (a card can be 2 s behind the feed)."""
    card = window.page.locator("#viewer-card")
    for _ in range(12):
        window.page.locator(f"#chat-feed > li[data-user-id='{user_id}'] button.nick").first.click()
        expect(card).not_to_have_attribute("data-state", "loading", timeout=WAIT_MS)
        if card.get_attribute("data-state") == "ready":
            return card
        window.page.keyboard.press("Escape")
        window.page.wait_for_timeout(500)
    raise AssertionError(f"the card did not load: {card.text_content()}")


def test_the_card_keeps_a_note_and_the_boards_go_back_30_days(server, simulator, quiet_creator, open_dashboard,
                                                               tmp_path):
    window = open_dashboard(server)
    page = window.page
    name = quiet_creator("notes")
    window.watch(name, name)
    last = marker("last")
    simulator.inject(name, [chat("hello", 31, "Rosa"), chat("again", 31, "Rosa"), chat(last, 32, "Bob")])
    window.expect_chat(last)

    open_card(window, "1031")
    expect(page.locator("#viewer-card-history")).to_have_text("Seen in this live only, of the recorded lives · "
                                                             "2 comments")
    note = page.locator("#viewer-note")
    expect(note).to_be_visible()
    expect(page.locator("#viewer-note-input")).to_have_value("")
    expect(page.locator("#viewer-note-save")).to_be_disabled()
    page.fill("#viewer-note-input", NOTE)
    expect(note).to_have_attribute("data-state", "dirty")
    page.click("#viewer-note-save")
    expect(note).to_have_attribute("data-state", "saved", timeout=WAIT_MS)
    expect(page.locator("#viewer-note-status")).to_have_text("Saved for your team")
    page.screenshot(path=tmp_path / "card-note-desktop.png", animations="disabled")

    page.keyboard.press("Escape")
    open_card(window, "1032")
    expect(page.locator("#viewer-note-input")).to_have_value("", timeout=WAIT_MS)  # a note is on one viewer
    page.keyboard.press("Escape")
    open_card(window, "1031")
    expect(page.locator("#viewer-note-input")).to_have_value(NOTE)  # kept by the server, as text
    assert page.locator("#viewer-card b").count() == 0
    page.fill("#viewer-note-input", "   ")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#viewer-note-status")).to_have_text("Note deleted", timeout=WAIT_MS)
    expect(page.locator("#viewer-note-input")).to_have_value("")
    page.keyboard.press("Escape")

    # The boards: this live, then the records' last 30 days (written every few seconds), then this live again
    expect(page.locator("#board-chatters > li")).to_have_count(2, timeout=WAIT_MS)
    page.click("#boards-range button[data-range='days']")
    expect(page.locator("#boards-range button[data-range='days']")).to_have_attribute("aria-pressed", "true")
    status = page.locator("#boards-range-status")
    expect(status).to_have_attribute("data-state", "ready", timeout=WAIT_MS)
    expect(status).to_have_text(f"@{name}'s recorded lives of the last 30 days")
    for _ in range(20):  # the viewers' rows reach the records on their own rhythm; the range refreshes each minute
        if page.locator("#board-chatters > li").count() == 2:
            break
        page.click("#boards-range button[data-range='live']")
        page.click("#boards-range button[data-range='days']")
        expect(status).to_have_attribute("data-state", "ready", timeout=WAIT_MS)
        page.wait_for_timeout(500)
    expect(page.locator("#board-chatters > li")).to_have_count(2)
    expect(page.locator("#board-chatters > li").first).to_have_attribute("data-value", "2")
    expect(page.locator("#board-chatters .board-nick").first).to_have_text("Rosa")
    page.locator("#insights").scroll_into_view_if_needed()
    page.screenshot(path=tmp_path / "boards-30-days-desktop.png", animations="disabled")

    simulator.inject(name, [chat(marker("more"), 33, "Cleo")])  # this live moves on meanwhile
    expect(page.locator("#board-chatters > li")).to_have_count(2)
    page.click("#boards-range button[data-range='live']")
    expect(status).to_be_hidden()
    expect(page.locator("#board-chatters > li")).to_have_count(3, timeout=WAIT_MS)

    phone = open_dashboard(server, viewport=PHONE)
    phone.watch(name, name)
    phone.expect_chat(last)
    open_card(phone, "1031")
    phone.page.fill("#viewer-note-input", "Seen on a phone")
    phone.page.click("#viewer-note-save")
    expect(phone.page.locator("#viewer-note")).to_have_attribute("data-state", "saved", timeout=WAIT_MS)
    width = phone.page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width} px wide on a {PHONE['width']} px phone"
    phone.page.screenshot(path=tmp_path / "card-note-phone.png", animations="disabled")
    print(f"screenshots in {tmp_path} ({CHROMIUM}, {DESKTOP}, {PHONE})")
