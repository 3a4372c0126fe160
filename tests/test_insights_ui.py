"""The dashboard's Insights in Chromium (docs/dashboard.md, "Insights"): the leaderboards, the charts of the
per-minute series and the viewer card, end to end (simulator -> server -> page), plus the rendering
of data the simulator cannot make (many minutes, hostile names, a failed request) fed straight into
the page's modules.

Screenshots go to pytest's tmp_path (docs/insights.png was taken the same way from a DEMO=1 server after
about ten minutes of traffic, so that its charts have some history: a test's live lasts a minute).
"""

import re
import uuid

from playwright.sync_api import expect
from support.browserpage import CHROMIUM, DESKTOP, PHONE, WAIT_MS, chat, gift_streak, marker, needs_chromium, user

pytest_plugins = ["support.browserfixtures"]
pytestmark = needs_chromium

SERIES_WAIT_MS = 20_000  # `series` comes at most every 5 s; a viewer card can be 2 s behind the feed


def board(window, name):
    """(nickname, value) of each entry of a board, in rank order."""
    return window.page.evaluate(
        """(id) => Array.from(document.querySelectorAll(`#${id} > li`)).map((li) => [
            li.querySelector('.board-nick').textContent, Number(li.dataset.value)])""",
        f"board-{name}",
    )


def expect_board(window, name, entries, timeout=WAIT_MS):
    rows = window.page.locator(f"#board-{name} > li")
    expect(rows).to_have_count(len(entries), timeout=timeout)
    for i, (_, value) in enumerate(entries):
        expect(rows.nth(i)).to_have_attribute("data-value", str(value), timeout=timeout)
    assert board(window, name) == [list(entry) for entry in entries]


def card_totals(window):
    keys = ("comments", "likes", "gifts", "diamonds", "follows", "shares")
    return {key: int(window.page.locator(f"#viewer-total-{key}").get_attribute("data-value")) for key in keys}


def open_card(window, link, state="ready", totals=None):
    """Click `link` (a name or a picture) until the card reaches `state` (with these `totals`): a card can
    be up to 2 s behind the feed, so a first answer may be not_found or short of the newest."""
    card = window.page.locator("#viewer-card")
    for _ in range(12):
        link.click()
        expect(card).to_be_visible()
        expect(card).not_to_have_attribute("data-state", "loading", timeout=WAIT_MS)
        shown = card.get_attribute("data-state")
        if shown == state and (totals is None or card_totals(window) | totals == card_totals(window)):
            return card
        window.page.keyboard.press("Escape")
        window.page.wait_for_timeout(500)
    raise AssertionError(f"the card did not reach {state!r}: it is {shown!r}: {card.text_content()}")


def single_gift(n, name, diamonds, nickname=None):
    return {"type": "gift", "user": user(n, nickname), "giftId": 6064, "giftName": name, "diamondCount": diamonds,
            "giftType": 2, "repeatCount": 1, "repeatEnd": True}


def like(n, count, total, nickname=None):
    return {"type": "like", "user": user(n, nickname), "count": count, "total": total}


# --- end to end -------------------------------------------------------------------------------------


def test_boards_and_charts_show_the_lives_counts(server, simulator, quiet_creator, open_dashboard):
    window = open_dashboard(server)
    name = quiet_creator("boards")
    window.watch(name, name)
    last = marker("last")
    simulator.inject(name, [
        {"type": "viewers", "viewerCount": 4321},
        *[chat(f"a{i}", 1, "Ann") for i in range(3)], *[chat(f"b{i}", 2, "Bob") for i in range(2)],
        *gift_streak(3, "Rose", 1, 5),  # a streak: 5 roses, counted once, at its end
        single_gift(4, "Galaxy", 1000, "Dee"),
        *gift_streak(5, "Rose", 1, 1),  # a streak of one
        like(6, 15, 15, "Liker Lou"), like(6, 5, 20, "Liker Lou"), like(7, 3, 23, "Max"),
        chat(last, 8, "Cy"),
    ])
    window.expect_chat(last)

    expect_board(window, "gifters", [("Dee", 1000), ("Viewer 3", 5), ("Viewer 5", 1)])
    gifts = window.page.locator("#board-gifters .board-sub")
    expect(gifts).to_have_text(["1 gift", "5 gifts", "1 gift"])
    expect_board(window, "chatters", [("Ann", 3), ("Bob", 2), ("Cy", 1)])
    expect_board(window, "likers", [("Liker Lou", 20), ("Max", 3)])
    expect(window.page.locator("#board-gifters > li").first.locator(".board-handle")).to_have_text("@viewer4")
    expect(window.page.locator("#board-gifters > li").first).to_have_attribute("data-rank", "1")
    expect(window.page.locator("#likers-note")).to_contain_text("lower bound")
    window.expect_metric("diamonds", 1006)

    # The charts: the minute(s) of this live, with the counts of the cards.
    viewers, activity = window.page.locator("#chart-viewers"), window.page.locator("#chart-activity")
    expect(viewers).not_to_have_attribute("data-points", "0", timeout=SERIES_WAIT_MS)
    expect(viewers).to_have_attribute("data-last", "4321", timeout=SERIES_WAIT_MS)
    expect(activity).to_have_attribute("data-total", "6", timeout=SERIES_WAIT_MS)  # comments
    expect(viewers.locator("canvas")).to_have_count(1)
    for metric, total in [("diamonds", 1006), ("likes", 23), ("comments", 6)]:
        window.page.click(f"#chart-metric button[data-metric='{metric}']")
        expect(window.page.locator(f"#chart-metric button[data-metric='{metric}']")).to_have_attribute(
            "aria-pressed", "true")
        expect(activity).to_have_attribute("data-metric", metric)
        expect(activity).to_have_attribute("data-total", str(total), timeout=SERIES_WAIT_MS)
    # uPlot's legend: the newest minute and its value when nothing is hovered
    expect(activity.locator(".chart-legend .u-value")).to_have_text([re.compile(r"^\d\d:\d\d$"), re.compile(r"^\d+$")])

    # Another creator: everything starts empty.
    other = quiet_creator("boards")
    window.watch(other, other)
    for name_ in ("gifters", "chatters", "likers"):
        expect(window.page.locator(f"#board-{name_} > li")).to_have_count(0)
    expect(viewers).to_have_attribute("data-points", "0")
    expect(window.page.locator("#board-chatters + .board-empty")).to_be_visible()


def test_a_name_opens_the_viewer_card(server, simulator, quiet_creator, open_dashboard):
    window = open_dashboard(server)
    name = quiet_creator("card")
    window.watch(name, name)
    lines = [marker(f"line{i}") for i in range(3)]
    rosa = "Rosa <b>Reads</b>"
    simulator.inject(name, [
        *[chat(text, 21, rosa) for text in lines],
        *[{**event, "user": user(21, rosa)} for event in gift_streak(21, "Rose", 1, 4)],
        like(21, 7, 7, rosa),
        chat(marker("other"), 22, "Someone Else"),
        {"type": "join", "user": user(23, "Just Joined")},
    ])
    window.expect_chat(lines[-1])
    expect(window.page.locator("#activity-feed > li")).to_have_count(1, timeout=WAIT_MS)

    # A chat name: a button with the viewer's id.
    name_button = window.page.locator("#chat-feed > li[data-user-id='1021'] button.nick").first
    expect(name_button).to_have_attribute("data-user-id", "1021")
    expect(name_button).to_have_text("Rosa <b>Reads</b>")
    card = open_card(window, name_button, totals={"comments": 3, "likes": 7, "gifts": 4})
    expect(window.page.locator("#viewer-card-name")).to_have_text("Rosa <b>Reads</b>")
    expect(window.page.locator("#viewer-card-handle")).to_have_text("@viewer21")
    expect(card).to_have_attribute("data-user-id", "1021")
    assert card.locator("b").count() == 0, "names are text, never markup"
    assert card_totals(window) == {"comments": 3, "likes": 7, "gifts": 4, "diamonds": 4, "follows": 0, "shares": 0}
    expect(window.page.locator("#viewer-card-comments .vc-comment")).to_have_text(list(reversed(lines)))
    expect(window.page.locator("#viewer-card-gifts > li")).to_have_count(1)
    expect(window.page.locator("#viewer-card-gifts .vc-gift-repeat")).to_have_text("×4")
    expect(window.page.locator("#viewer-first-seen")).to_have_text(re.compile(r"\d\d:\d\d:\d\d"))
    expect(window.page.locator("#viewer-card-close")).to_be_focused()

    # Esc closes it, and the focus goes back to the name.
    window.page.keyboard.press("Escape")
    expect(card).to_be_hidden()
    expect(card).to_have_attribute("data-state", "closed")
    expect(name_button).to_be_focused()

    # The gift feed's picture opens the same card; the close button closes it.
    open_card(window, window.page.locator("#gift-feed > li[data-user-id='1021'] .avatar.user-link"))
    expect(window.page.locator("#viewer-total-gifts")).to_have_attribute("data-value", "4")
    window.page.click("#viewer-card-close")
    expect(card).to_be_hidden()

    # A board's entry opens it too.
    open_card(window, window.page.locator("#board-chatters .board-who[data-user-id='1022']"))
    expect(window.page.locator("#viewer-card-name")).to_have_text("Someone Else")
    window.page.keyboard.press("Escape")

    # A viewer who only joined did nothing counted: said plainly.
    stranger = window.page.locator("#activity-feed button.nick[data-user-id='1023']")
    card = open_card(window, stranger, state="not_found")
    expect(window.page.locator("#viewer-card-status")).to_have_text("@viewer23 has done nothing in this live yet.")
    expect(window.page.locator("#viewer-card-body")).to_be_hidden()
    window.page.mouse.click(5, 5)  # beside the card
    expect(card).to_be_hidden()


# --- the page's modules, fed directly ---------------------------------------------------------------

# main.js replaced by one that builds only the Insights over the real page, and keeps it at hand.
STUB_MAIN = """
import { createInsights } from './insights.js';
window.__answers = {};
window.__asked = [];
window.__insights = createInsights({ requestViewer: (userId) => {
  window.__asked.push(userId);
  return new Promise((resolve) => setTimeout(() => resolve(window.__answers[userId]), 50));
} });
"""

MINUTE_MS = 60_000


def test_many_minutes_hostile_names_and_failures(server, browser):
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("dialog", lambda dialog: (errors.append(dialog.message), dialog.dismiss()))
    page.route("**/static/js/main.js", lambda route: route.fulfill(content_type="text/javascript", body=STUB_MAIN))
    try:
        page.goto(server.url + "/")
        page.wait_for_function("window.__insights")
        start = 1_795_000_000_000 // MINUTE_MS * MINUTE_MS
        points = [{"t": start + i * MINUTE_MS, "viewers": 100 + i, "likes": i, "diamonds": 0, "comments": 2,
                   "joins": 1, "follows": 0, "shares": 0} for i in range(30) if i != 10]  # minute 10: nothing came
        hostile = '<img src=x onerror="window.__pwned=1">'
        boards = {"gifters": [{"user": {"userId": "9", "uniqueId": "x", "nickname": hostile,
                                        "avatarUrl": "javascript:alert(1)"}, "diamonds": 12_345, "gifts": 2}],
                  "chatters": [], "likers": []}
        page.evaluate("([points, boards]) => __insights.snapshot({leaderboards: boards, "
                      "series: {bucketSeconds: 60, points}})", [points, boards])
        activity, viewers = page.locator("#chart-activity"), page.locator("#chart-viewers")
        expect(activity).to_have_attribute("data-points", "29")
        expect(activity).to_have_attribute("data-total", "58")
        expect(viewers).to_have_attribute("data-peak", "129")
        # a `series` event: the open minute changed, a new one began
        page.evaluate("(points) => __insights.series(points)", [
            {**points[-1], "comments": 7, "viewers": 140},
            {**points[-1], "t": points[-1]["t"] + MINUTE_MS, "comments": 1, "viewers": 150}])
        expect(activity).to_have_attribute("data-points", "30")
        expect(activity).to_have_attribute("data-total", str(58 - 2 + 7 + 1))
        expect(activity).to_have_attribute("data-last", "1")
        expect(viewers).to_have_attribute("data-peak", "150")
        # uPlot drew 32 minutes (the empty one included) and answers the cursor
        page.hover("#chart-viewers .u-over", position={"x": 5, "y": 20})
        expect(viewers.locator(".chart-legend .u-value").first).to_have_text(re.compile(r"^\d\d:\d\d$"))

        entry = page.locator("#board-gifters > li")
        expect(entry.locator(".board-nick")).to_have_text(hostile)
        expect(entry.locator(".board-number")).to_have_text(re.compile(r"^12[.,]3K$"))
        expect(entry.locator(".avatar-initials")).to_have_count(1)  # an unsafe picture URL is not loaded
        assert page.evaluate("window.__pwned") is None

        # The card: a request that fails is said plainly and can be tried again.
        page.evaluate("window.__answers['9'] = {ok: false, error: {code: 'timeout', message: 'late'}}")
        page.click("#board-gifters .board-who")
        card = page.locator("#viewer-card")
        expect(card).to_have_attribute("data-state", "error")
        expect(page.locator("#viewer-card-status")).to_contain_text("Could not load this card")
        expect(page.locator("#viewer-card-status")).to_contain_text("did not answer in time")
        page.evaluate("""window.__answers['9'] = {ok: true, viewer: {
            user: {userId: '9', uniqueId: 'x', nickname: 'X'}, firstSeen: 1, lastSeen: 2,
            totals: {comments: 0, likes: 0, gifts: 2, diamonds: 12345, follows: 0, shares: 0},
            comments: [], gifts: [{ts: 2, giftName: null, repeatCount: 2, diamonds: 12345}]}}""")
        page.click("#viewer-card-retry")
        expect(card).to_have_attribute("data-state", "ready")
        expect(page.locator("#viewer-total-diamonds")).to_have_attribute("data-value", "12345")
        expect(page.locator("#viewer-card-comments + .vc-empty")).to_be_visible()
        expect(page.locator("#viewer-card-gifts .vc-gift-name")).to_have_text("Gift")
        assert page.evaluate("window.__asked") == ["9", "9"]
        page.keyboard.press("Escape")
        expect(card).to_be_hidden()
        assert errors == []
    finally:
        context.close()


# --- a busy live, on a desktop and a phone ---------------------------------------------------------


def fits_the_phone(window):
    """Nothing scrolls sideways; the charts fill their boxes; the card fits the screen."""
    sizes = window.page.evaluate(
        """() => ({
            page: document.documentElement.scrollWidth,
            charts: Array.from(document.querySelectorAll('.chart')).map((c) => [
                c.getBoundingClientRect().width, c.querySelector('canvas').getBoundingClientRect().width]),
            boards: Array.from(document.querySelectorAll('.board')).map((b) => b.getBoundingClientRect().right),
            card: document.getElementById('viewer-card').getBoundingClientRect().toJSON(),
        })"""
    )
    assert sizes["page"] <= PHONE["width"], f"the page scrolls sideways: {sizes}"
    for box, canvas in sizes["charts"]:
        assert box - 40 <= canvas <= box, f"a chart does not fill its box: {sizes}"
    assert max(sizes["boards"]) <= PHONE["width"], sizes
    card = sizes["card"]
    assert card["width"] <= PHONE["width"] and card["bottom"] <= PHONE["height"] + 1, sizes


def test_a_busy_live_on_a_desktop_and_a_phone(server, simulator, open_dashboard, tmp_path):
    """Boards, charts and an open viewer card on a desktop and a phone, with generated traffic too: the
    phone's page fits its width, and screenshots of both go to tmp_path."""
    name = f"maya.sunny.{uuid.uuid4().hex[:8]}"  # a creator of this test's own
    simulator.configure(name, live=True, rate=25, viewers=18_400)
    desktop = open_dashboard(server)
    phone = open_dashboard(server, viewport=PHONE)
    desktop.watch(name, name)
    phone.watch(f"@{name}", name)
    long_name = "A Very Long Nickname That Goes On And On"
    simulator.inject(name, [
        *gift_streak(11, "Rose", 1, 12),
        single_gift(12, "Galaxy", 1000, "Lina Cookie"),
        single_gift(13, "Sports Car", 7000, long_name),
        *gift_streak(14, "Finger Heart", 5, 7),
        *[chat(f"this set is unreal 🔥 {i}", 13, long_name) for i in range(5)],
        like(15, 15, 48_215, "Noah Travels"),
    ])
    for window in (desktop, phone):
        expect(window.page.locator("#board-chatters .board-who[data-user-id='1013']")).to_have_count(1,
                                                                                                    timeout=WAIT_MS)
        expect(window.page.locator("#chart-activity")).not_to_have_attribute("data-points", "0",
                                                                             timeout=SERIES_WAIT_MS)
    simulator.configure(name, rate=0)  # hold still for the pictures
    for window in (desktop, phone):
        window.page.locator("#insights").scroll_into_view_if_needed()
        open_card(window, window.page.locator("#board-chatters .board-who[data-user-id='1013']"))
        expect(window.page.locator("#viewer-card-comments > li")).to_have_count(5)
    fits_the_phone(phone)
    for filename, window in {"insights.png": desktop, "insights-mobile.png": phone}.items():
        window.page.wait_for_timeout(300)
        window.page.screenshot(path=tmp_path / filename, animations="disabled")
        assert (tmp_path / filename).stat().st_size > 20_000
    print(f"screenshots in {tmp_path} ({CHROMIUM})")
