"""Issue 8, "Defects found trying it as a new user would", in Chromium: the username rule in the browser
(usernames.js against tests/support/username_cases.py and assistant/usernames.py), how the LIVE's end reads, a
server restart (the tab follows its creator again), feeds that hold still while read, addresses
(`/@name`), the header's labels, and gift names on a phone. Issue 19, its sequel: the header on a phone,
an empty chat while paused or searched, and a path the server does not have. Issue 21: every event type
of assistant/events.py drawn in the feed it names.
"""

import re

import pytest
import requests
from playwright.sync_api import expect
from support.browserpage import FEED_CAP, PHONE, WAIT_MS, chat, gift_streak, marker, needs_chromium, user
from support.simclient import unique_name
from support.username_cases import ACCEPTED, REFUSED

from assistant import events, usernames

pytest_plugins = ["support.browserfixtures"]
pytestmark = needs_chromium


def import_module(window, module, expression):
    """Evaluate `expression` (a function of the module `m`) in the page, with static/js/<module> imported."""
    script = f"async () => {{ const m = await import('/static/js/{module}'); return ({expression}); }}"
    return window.page.evaluate(script)


def new_button(window, feed="chat"):
    return window.page.locator(f"#{feed}-new")


def watch_frames(window):
    """A list that fills with the `watch` messages the page sends on the sockets it opens from now on."""
    frames = []

    def on_socket(ws):
        ws.on("framesent", lambda payload: frames.append(payload) if '"watch"' in str(payload) else None)

    window.page.on("websocket", on_socket)
    return frames


# --- 3. the username rule, the same in the browser as on the server ----------------------------------

# Beyond the table: Python's whitespace is not JavaScript's (U+0085 and U+001C are spaces to Python's
# strip() and \s, U+FEFF is not), and the letter case rules of each pattern.
MORE_INPUTS = [
    "\u0085ab", "ab\u0085", "\x1cab", "\ufeffab", "ab\u00a0", "\u3000@ab\u3000", "ab\n", "\tab\r\n",
    "tiktok.com/@ab?x\u0085y", "tiktok.com/@ab?x\ufeffy", "tiktok.com/@ab?x y", "@ab/LIVE", "tiktok.com/@ab/LIVE",
    "AB", "@ab/live/", "@ab//", "vm.tiktok.com", "VT.TIKTOK.COM/x", "tiktok.com/t/", "https://m.tiktok.com/t/abc",
    "vm.tiktok.com/ab cd", "a.", ".a", "...", "_", "a" * 24 + "/live", "@" + "a" * 25,
]


def python_answer(text):
    try:
        return {"username": usernames.parse_username(text)}
    except usernames.UsernameError as ex:
        return {"error": {"code": "invalid_username", "reason": ex.reason, "message": ex.message}}


def test_the_username_rule_in_the_browser_is_the_servers(server, open_dashboard):
    window = open_dashboard(server)
    inputs = [text for text, _ in ACCEPTED] + [text for text, _ in REFUSED] + MORE_INPUTS
    answers = import_module(window, "usernames.js", f"{inputs!r}.map((text) => m.parseUsername(text))")
    for text, username in ACCEPTED:
        assert answers.pop(0) == {"username": username}, text
    for text, reason in REFUSED:
        message = usernames.SHORT_LINK_MESSAGE if reason == "short_link" else usernames.INVALID_MESSAGE
        assert answers.pop(0) == {"error": {"code": "invalid_username", "reason": reason, "message": message}}, text
    for text, answer in zip(MORE_INPUTS, answers, strict=True):
        assert answer == python_answer(text), repr(text)
    for value in ("null", "undefined", "42", "['ab']", "{username: 'ab'}"):
        assert import_module(window, "usernames.js", f"m.parseUsername({value})")["error"]["reason"] == "invalid"

    # A refusal from the server (the last word) is explained the same way as the form's own.
    short = import_module(window, "messages.js",
                          "m.errorMessage({code: 'invalid_username', reason: 'short_link', message: 'x'})")
    assert "share link" in short and "tiktok.com/@name" in short

    # 9. the header's labels say what they count
    tabs = window.page.locator(".session-item", has=window.page.locator("#session-clients"))
    expect(tabs.locator("dt")).to_have_text("Tabs")
    expect(tabs).to_have_attribute("title", "Browser tabs attached to this session")
    everyone = window.page.locator(".session-item", has=window.page.locator("#total-sessions"))
    expect(everyone).to_have_attribute("title", re.compile("Every dashboard open on this server"))


def test_a_short_link_is_explained_at_once_and_a_live_link_is_followed(server, quiet_creator, open_dashboard):
    window = open_dashboard(server)
    sent = watch_frames(window)
    window.reload()  # a new socket, whose messages are seen

    window.watch("vm.tiktok.com/ZMabc123/", status=None)
    message = window.page.locator("#form-message")
    expect(message).to_have_attribute("data-code", "invalid_username")
    expect(message).to_contain_text("share link")
    expect(message).to_contain_text("copy the profile's address")
    assert window.page.input_value("#username-input") == "vm.tiktok.com/ZMabc123/"  # kept, to correct
    assert sent == [], "refused in the page, without a round trip"
    window.expect_status("idle")

    name = quiet_creator("link")
    window.watch(f"tiktok.com/@{name}/live", name)
    expect(message).to_be_hidden()
    assert len(sent) == 1


# --- 5. the LIVE's end, said once ----------------------------------------------------------------------


def test_the_end_row_says_how_the_live_ended(server, simulator, quiet_creator, open_dashboard):
    window = open_dashboard(server)
    name = quiet_creator("ends")
    window.watch(name, name)
    simulator.end(name)
    window.expect_status("ended")
    end_row = window.page.locator("#activity-feed > li[data-type='end']")
    expect(end_row).to_have_count(1, timeout=WAIT_MS)
    expect(end_row.locator(".activity-text")).to_have_text("The LIVE ended")
    # The simulator ends a LIVE one way only; the other reason, as the row is built from the event:
    texts = import_module(window, "rows.js", "['ended', 'suspended', 'unheard-of', 'constructor', undefined].map("
                          "(reason) => m.activityRow({type: 'end', seq: 1, ts: 1, reason})"
                          ".querySelector('.activity-text').textContent)")
    assert texts == ["The LIVE ended", "The LIVE was suspended"] + ["The LIVE ended"] * 3


# --- issue 21: each event type in its feed, from the list the page carries ---------------------------------


def test_every_event_type_is_drawn_in_the_feed_the_list_names(server, open_dashboard):
    """The list as the page gets it (#event-types, rendered from assistant/events.py), through eventtypes.js,
    feeds.js and rows.js: each type's sample is a row of its type in the feed the list names, an activity row
    says its verb; a type without a feed is in none."""
    window = open_dashboard(server)
    # chatDeleted's sample takes away chat's (the messageId they share): what it does is tested in
    # tests/test_streamer_events_ui.py.
    samples = [kind.sample(seq=seq) for seq, kind in enumerate(events.EVENT_TYPES, 1) if kind.name != "chatDeleted"]
    window.page.evaluate("""async ({samples, names}) => {
        const { createFeeds } = await import('/static/js/feeds.js');
        const lists = Object.fromEntries(names.map((name) => [name, document.createElement('ol')]));
        createFeeds(lists).push(samples);
        window.__eventTypeLists = lists;
    }""", {"samples": samples, "names": list(events.FEEDS)})
    shown = [kind for kind in events.EVENT_TYPES if kind.feed]
    window.page.wait_for_function(f"""() => Object.values(window.__eventTypeLists)
        .reduce((rows, list) => rows + list.childElementCount, 0) === {len(shown)}""", timeout=WAIT_MS)
    drawn = window.page.evaluate("""() => Object.fromEntries(Object.entries(window.__eventTypeLists).map(
        ([name, list]) => [name, [...list.children].reverse().map((row) => [row.dataset.type, row.textContent])]))""")
    for feed in events.FEEDS:
        assert [kind for kind, _ in drawn[feed]] == [kind.name for kind in shown if kind.feed == feed], feed
    for rows in drawn.values():
        for kind, text in rows:
            assert "undefined" not in text and "null" not in text, (kind, text)
            verb = events.BY_NAME[kind].verb
            if verb:
                assert f"{events.SAMPLE_USER['nickname']} {verb}" in text, (kind, text)


# --- 6. a server restart: the tab follows its creator again, and says so ---------------------------------


def test_after_a_server_restart_the_tab_follows_its_creator_again(server_factory, simulator, quiet_creator,
                                                                 open_dashboard):
    first = server_factory()
    name = quiet_creator("restart")
    window = open_dashboard(first)
    window.watch(name, name)
    before = marker("before-restart")
    simulator.inject(name, [chat(before)])
    window.expect_chat(before)
    window.expect_metric("comments", 1)
    old_session = window.session_id
    assert window.page.evaluate("sessionStorage.getItem('liveAssistant.username')") == name

    first.stop()
    window.expect_status("reconnecting")
    second = server_factory(PORT=first.port)
    notice = window.page.locator("#notice")
    expect(notice).to_be_visible(timeout=30_000)
    expect(notice).to_have_attribute("data-code", "session_restored")
    expect(notice).to_contain_text("The server restarted")
    expect(notice).to_contain_text("start again from zero")
    expect(window.page.locator("#session-username")).to_have_attribute("data-value", name)
    window.expect_status("connected")
    assert window.session_id != old_session
    window.expect_metric("comments", 0)
    assert window.page.evaluate("location.pathname") == f"/@{name}"

    after = marker("after-restart")
    simulator.inject(name, [chat(after)])
    window.expect_chat(after)
    window.expect_metric("comments", 1)
    # the line from before is TikTok's replay of its recent chat, shown as earlier, not counted
    assert window.chat_texts() == [before, after]
    expect(window.page.locator("#chat-feed > li.is-history")).to_have_count(1)
    assert [s["username"] for s in second.debug()["sessions"]] == [name]

    window.page.click("#notice-close")
    expect(notice).to_be_hidden()
    window.page.click("#disconnect-button")  # unwatching forgets the creator
    window.expect_status("idle")
    assert window.page.evaluate("sessionStorage.getItem('liveAssistant.username')") is None


# --- 7. feeds that hold still while read --------------------------------------------------------------


def test_hovering_a_feed_holds_it_and_n_new_shows_the_rest(server, simulator, quiet_creator, open_dashboard):
    window = open_dashboard(server)
    name = quiet_creator("hover")
    window.watch(name, name)
    shown = [marker(f"shown{i}") for i in range(5)]
    simulator.inject(name, [chat(text, i) for i, text in enumerate(shown)]
                     + gift_streak(1, "Rose", 1, 2)[:1])  # a streak running, its row on screen
    window.expect_chat(shown[-1])
    expect(window.page.locator("#gift-feed > li")).to_have_count(1)

    window.page.hover("#chat-feed")
    expect(window.page.locator(".feed-chat")).to_have_attribute("data-paused", "true")
    held = [marker(f"held{i}") for i in range(3)]
    simulator.inject(name, [chat(text, 10 + i) for i, text in enumerate(held)])
    expect(new_button(window)).to_have_text("3 new", timeout=WAIT_MS)
    expect(new_button(window)).to_have_attribute("data-count", "3")
    assert window.chat_texts() == shown, "the rows on screen did not move"
    window.expect_metric("comments", 8)  # the cards still count

    new_button(window).click()
    expect(new_button(window)).to_be_hidden()
    expect(window.page.locator("#chat-feed > li")).to_have_count(8)
    assert window.chat_texts() == shown + held
    assert window.page.evaluate("document.getElementById('chat-feed').scrollTop") == 0

    # Still under the mouse: the next ones are held again, until the mouse leaves.
    later = marker("later")
    simulator.inject(name, [chat(later, 20)])
    expect(new_button(window)).to_have_text("1 new", timeout=WAIT_MS)
    window.page.mouse.move(5, 5)
    window.expect_chat(later)
    expect(new_button(window)).to_be_hidden()
    expect(window.page.locator(".feed-chat")).to_have_attribute("data-paused", "false")

    # Gifts, paused: the streak on screen still counts up in place; a new gift is held and counted.
    window.page.hover("#gift-feed")
    simulator.inject(name, gift_streak(1, "Rose", 1, 4)[1:] + [
        {"type": "gift", "user": user(2), "giftId": 6064, "giftName": "Galaxy", "diamondCount": 1000,
         "giftType": 2, "repeatCount": 1, "repeatEnd": True}])
    expect(new_button(window, "gift")).to_have_text("1 new", timeout=WAIT_MS)
    streak = window.page.locator("#gift-feed > li")
    expect(streak).to_have_count(1)
    expect(streak).to_have_attribute("data-repeat", "4")
    expect(streak).to_have_attribute("data-streaking", "false")
    window.page.mouse.move(5, 5)
    expect(window.page.locator("#gift-feed > li")).to_have_count(2)
    assert [g["name"] for g in window.gift_rows()] == ["Galaxy", "Rose"]


def test_scrolling_a_feed_away_from_the_top_holds_it(server, simulator, quiet_creator, open_dashboard):
    window = open_dashboard(server)
    name = quiet_creator("scroll")
    window.watch(name, name)
    shown = [marker(f"line{i}") for i in range(40)]
    simulator.inject(name, [chat(text, i) for i, text in enumerate(shown)])
    window.expect_chat(shown[-1])
    window.page.mouse.move(5, 5)  # not over a feed: only the scrolling holds it

    window.page.evaluate("document.getElementById('chat-feed').scrollTop = 400")
    expect(window.page.locator(".feed-chat")).to_have_attribute("data-paused", "true")
    held = [marker("held-a"), marker("held-b")]
    simulator.inject(name, [chat(text, 50) for text in held])
    expect(new_button(window)).to_have_text("2 new", timeout=WAIT_MS)
    assert window.chat_texts() == shown
    assert window.page.evaluate("document.getElementById('chat-feed').scrollTop") == 400

    window.page.evaluate("document.getElementById('chat-feed').scrollTop = 0")  # back to the top
    window.expect_chat(held[-1])
    expect(new_button(window)).to_be_hidden()
    assert window.chat_texts() == shown + held


def test_a_long_paused_flood_keeps_the_feed_capped(server, simulator, quiet_creator, open_dashboard):
    window = open_dashboard(server)
    name = quiet_creator("pflood")
    window.watch(name, name)
    first = marker("first")
    simulator.inject(name, [chat(first)])
    window.expect_chat(first)
    window.page.hover("#chat-feed")
    window.page.evaluate(
        """() => {
            const list = document.getElementById('chat-feed');
            window.__maxRows = 0;
            new MutationObserver(() => {
                window.__maxRows = Math.max(window.__maxRows, list.childElementCount);
            }).observe(list, { childList: true });
        }"""
    )
    sent = [f"paused flood {n}" for n in range(1500)]
    for start in range(0, len(sent), 750):
        simulator.inject(name, [chat(text, n % 300) for n, text in enumerate(sent[start:start + 750])])
    window.expect_metric("comments", 1 + len(sent), timeout=30_000)
    expect(new_button(window)).to_have_attribute("data-count", str(len(sent)), timeout=WAIT_MS)
    expect(new_button(window)).to_have_text(re.compile(r"^1\D?500 new$"))
    assert window.chat_texts() == [first]

    new_button(window).click()
    window.expect_chat(sent[-1])
    assert window.row_counts()["chat-feed"] == FEED_CAP
    assert window.chat_texts() == sent[-FEED_CAP:], "the newest, in order"
    assert window.page.evaluate("window.__maxRows") <= FEED_CAP


# --- 8. an address per view: /@name ----------------------------------------------------------------


def test_the_address_opens_a_creator_and_follows_the_creator_watched(server, quiet_creator, open_dashboard):
    first, second = quiet_creator("addr"), quiet_creator("addr")
    window = open_dashboard(server, path=f"/@{first.upper()}/live")
    expect(window.page.locator("#session-username")).to_have_attribute("data-value", first, timeout=WAIT_MS)
    window.expect_status("connected")
    path = window.page.evaluate("() => location.pathname")
    assert path == f"/@{first}", "the address is the creator's own"

    window.watch(second, second)
    assert window.page.evaluate("location.pathname") == f"/@{second}"
    assert window.page.title() == f"@{second} · Live Assistant"

    window.page.go_back()
    expect(window.page.locator("#session-username")).to_have_attribute("data-value", first, timeout=WAIT_MS)
    window.expect_status("connected")
    assert window.page.evaluate("location.pathname") == f"/@{first}"
    window.page.go_forward()
    expect(window.page.locator("#session-username")).to_have_attribute("data-value", second, timeout=WAIT_MS)

    # A reload of /@name resumes the session: no second watch.
    session_id = window.session_id
    sent = watch_frames(window)
    window.reload()
    assert window.session_id == session_id
    window.expect_status("connected")
    expect(window.page.locator("#session-username")).to_have_attribute("data-value", second)
    window.page.wait_for_timeout(500)
    assert sent == [], "a reload of /@name resumes the session; it does not watch again"

    window.page.click("#disconnect-button")
    window.expect_status("idle")
    assert window.page.evaluate("location.pathname") == "/"
    window.page.go_back()
    expect(window.page.locator("#session-username")).to_have_attribute("data-value", second, timeout=WAIT_MS)


@pytest.mark.parametrize("path", ["/@not!valid", "/@vm.tiktok.com/ZMabc123"])
def test_an_address_that_is_not_a_username_is_explained(server, open_dashboard, path):
    window = open_dashboard(server, path=path)
    message = window.page.locator("#form-message")
    expect(message).to_have_attribute("data-code", "invalid_username")
    expect(message).to_contain_text("share link" if "vm." in path else "not a TikTok username")
    assert window.page.input_value("#username-input") == path[2:], "what was refused, to correct"
    window.expect_status("idle")
    expect(window.page.locator("#stream-banner")).to_have_attribute("data-state", "empty")


# --- 9. gift names on a phone -------------------------------------------------------------------------


def test_gift_names_are_not_cut_on_a_phone(server, simulator, quiet_creator, open_dashboard):
    window = open_dashboard(server, viewport=PHONE)
    name = quiet_creator("phone")
    window.watch(f"@{name}", name)
    simulator.inject(name, [
        *gift_streak(3, "Finger Heart", 5, 7),
        *gift_streak(4, "Doughnut", 30, 3)[:2],
        {"type": "gift", "user": user(5, "Camila 🔥 Starlight"), "giftId": 6064, "giftName": "Galaxy",
         "diamondCount": 1000, "giftType": 2, "repeatCount": 1, "repeatEnd": True},
        *gift_streak(6, "Rose", 1, 12),
    ])
    expect(window.page.locator("#gift-feed > li")).to_have_count(4, timeout=WAIT_MS)
    expect(window.page.locator("#gift-feed .gift-state", has_text="streak ended")).to_have_count(2)
    cut = window.page.evaluate(
        """() => Array.from(document.querySelectorAll('#gift-feed .gift-name'))
            .filter((el) => el.scrollWidth > el.clientWidth + 1 || el.getBoundingClientRect().width < 10)
            .map((el) => el.textContent)"""
    )
    assert cut == [], f"gift names cut at {PHONE['width']} px: {cut}"


# --- issue 19, item 10: the header on a phone -----------------------------------------------------------

# Each element, and the box it sits in, within the screen and not cut (its text wider than its box).
CUT_OR_OFF_SCREEN = """(ids) => ids.flatMap((id) => {
  const el = document.getElementById(id);
  const box = el.getBoundingClientRect();
  const cut = [el, el.closest('dd')].filter((e) => e.scrollWidth > e.clientWidth + 1);
  const off = box.width < 1 || box.left < 0 || box.right > document.documentElement.clientWidth;
  return cut.length || off ? [`${id}: ${Math.round(box.left)}-${Math.round(box.right)}, cut ${cut.length}`] : [];
})"""


def test_the_header_on_a_phone_shows_the_tabs_and_the_report_link(server, simulator, open_dashboard):
    name = unique_name("wwwwwwwwwww")  # 24 characters, wide ones
    simulator.configure(name, rate=0, viewers=10)
    window = open_dashboard(server, viewport=PHONE)
    window.watch(name, name)
    expect(window.page.locator("#report-link")).to_be_visible(timeout=WAIT_MS)  # the live is recorded
    expect(window.page.locator("#session-clients")).to_be_visible()
    expect(window.page.locator("#session-clients")).to_have_attribute("data-value", "1")
    assert window.page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    ids = ["session-id", "session-status", "session-username", "report-link", "total-sessions", "session-clients"]
    assert window.page.evaluate(CUT_OR_OFF_SCREEN, ids) == []


# --- issue 19, item 14: an empty chat, paused or searched --------------------------------------------------


def test_no_chat_yet_only_when_there_is_none_and_a_search_over_nothing_says_so(server, simulator, quiet_creator,
                                                                              open_dashboard):
    window = open_dashboard(server)
    name = quiet_creator("empty")
    window.watch(name, name)
    page = window.page
    no_chat = page.locator(".feed-chat .feed-empty")
    count = page.locator("#chat-search-count")
    nothing = page.locator("#chat-search-empty")
    expect(no_chat).to_be_visible()  # truly none
    expect(no_chat).to_have_text("No chat yet.")

    page.hover(".feed-chat .feed-empty")  # paused over an empty list: what comes is held
    expect(page.locator(".feed-chat")).to_have_attribute("data-paused", "true")
    simulator.inject(name, [chat(f"held line {n}", n) for n in range(3)])
    expect(new_button(window)).to_have_text("3 new", timeout=WAIT_MS)
    expect(no_chat).to_be_hidden()

    page.fill("#chat-search", "zzz")
    expect(nothing).to_be_visible()
    expect(nothing).to_have_text("No chat shown yet: lines with “zzz” will show here as they come.")
    expect(count).to_be_hidden()  # not "0 of 0"
    expect(no_chat).to_be_hidden()

    new_button(window).click()
    expect(page.locator("#chat-feed > li")).to_have_count(3)
    expect(nothing).to_have_text("No chat line here matches “zzz”.")
    expect(count).to_have_text("0 of 3")
    page.fill("#chat-search", "")
    expect(nothing).to_be_hidden()
    expect(page.locator("#chat-feed > li:not(.is-filtered-out)")).to_have_count(3)
    expect(no_chat).to_be_hidden()


# --- issue 19, item 14: a path the server does not have --------------------------------------------------


def test_unknown_paths_get_the_apps_404_page_and_json_under_api(server, browser):
    context = browser.new_context(viewport=PHONE)
    try:
        page = context.new_page()
        for path in ("/@", "/no/such/page", "/streamz"):
            response = page.goto(server.url + path)
            assert response.status == 404, path
            error = page.locator("#page-error")
            expect(error).to_have_attribute("data-status", "404")
            expect(page.locator("h1")).to_have_text("No such page")
            expect(page.locator("#page-error-message")).to_contain_text(f"There is no page at {path}.")
            expect(page.locator(".topbar .brand-name")).to_have_text("Live Assistant")  # the app's look
            assert error.evaluate("(el) => getComputedStyle(el).borderTopStyle") == "solid", "the panel's box"
            assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        page.click("text=Dashboard")
        expect(page.locator("#session-id")).not_to_have_text("—", timeout=WAIT_MS)
    finally:
        context.close()

    for path in ("/api/nope", "/api/streams/1/nothing"):
        answer = requests.get(server.url + path, timeout=5)
        assert answer.status_code == 404 and answer.headers["Content-Type"].startswith("application/json"), path
        assert answer.json() == {"error": "not_found", "message": f"No API route at {path}"}
    long_path = "/" + "x" * 300
    answer = requests.get(server.url + long_path, timeout=5)
    assert answer.status_code == 404 and "x" * 80 not in answer.text and f"at /{'x' * 79}…." in answer.text
