"""The two renderers of a live's rows agree, in Chromium. A live's report is written on the server
(templates/_records.html and _panels.html: the chat, the gifts and the leaderboards, so that it reads
without JavaScript); the same rows are built in the page by static/js/rows.js, dom.js and leaderboards.js
(the dashboard's renderers), which the report uses for what it loads later: the live refresh
(reportlive.js) and the chat's search (reportchat.js).

The same events, both ways: a live still running is opened while it has no events (so every row it then
shows comes from the refresh, built by the scripts), the events are added to the records, the refresh
puts them in; the same live opened afresh has them from the server. Each row of the one must equal the
row of the other: tag by tag, every attribute (classes, data-*, titles, alt, aria), every text. Then the
chat's search: the server's rows of `?q=` against the rows the search box brings. And without
JavaScript, what a reader sees (the rows' text) is what the scripts write.

The events are chosen to be awkward: markup, entities, quotes, emoji, a leading `=`, blank and long lines,
right-to-left text, a line with TikTok's messageId and one TikTok deleted (kept, marked), a viewer without a
userId or a handle or any user at all, a picture and none, a gift
streak (one row, at its end), a gift worth five figures and one without a name or picture.
"""

import time
import uuid

import pytest
from playwright.sync_api import expect
from support.appserver import RunningServer
from support.browserpage import DESKTOP, needs_chromium
from support.recordrows import add_events, add_live, sqlite_url

from assistant.simulator.protocol import avatar_url, gift_image_url

pytest_plugins = ["support.browserfixtures"]
pytestmark = needs_chromium

ZONE = "America/Sao_Paulo"  # not UTC: the server writes rows' times in UTC, the page shows them in local time
REFRESH_MS = 25_000  # the report refreshes every 10 s (data-refresh-seconds)

# The markup rows get from the server that the scripts' rows have no use for: hooks for the page's own
# scripts. A picture from the server carries what report.js needs to put an initials circle in its place
# if it fails (data-hue-key, data-name; the scripts' pictures are replaced from their own closure), and
# loads lazily (a page of many rows); a row's time is written in UTC for report.js (localtime.js) to
# show in local time (class local-clock, data-local once done, the UTC text kept as its title).
SERVER_HOOKS = {
    "img": {"data-hue-key", "data-name", "loading"},
    "time": {"data-local", "title"},
}
SERVER_CLASSES = {"time": {"local-clock"}}

# A node as a comparable value: [tag, {attribute: value}, children] (class tokens sorted), or a text,
# adjacent texts joined. Whitespace-only text that shows nothing is left out: in a flex or grid box, or
# beside a block; between two inline elements it is a space, and kept.
CANONICAL = """(root) => {
  const inline = (node) => node instanceof Element && getComputedStyle(node).display.startsWith('inline');
  const shown = (text) => {
    if (text.data.trim()) return true;
    const style = getComputedStyle(text.parentElement);
    if (style.whiteSpace.startsWith('pre') || style.whiteSpace === 'break-spaces') return true;
    if (/flex|grid/.test(style.display)) return false;
    return inline(text.previousElementSibling) && inline(text.nextElementSibling);
  };
  const canon = (el) => {
    const attrs = {};
    for (const a of el.attributes) {
      attrs[a.name] = a.name === 'class' ? a.value.split(/\\s+/).filter(Boolean).sort().join(' ') : a.value;
    }
    const children = [];
    for (const child of el.childNodes) {
      if (child.nodeType === Node.ELEMENT_NODE) children.push(canon(child));
      else if (child.nodeType === Node.TEXT_NODE && shown(child)) {
        if (typeof children[children.length - 1] === 'string') children[children.length - 1] += child.data;
        else children.push(child.data);
      }
    }
    return [el.tagName.toLowerCase(), attrs, children];
  };
  return Array.from(root.children, canon);
}"""

# A list's rows as a reader sees their words: the text of each innermost element, times aside.
WORDS = """(list) => Array.from(list.children, (li) => Array.from(li.querySelectorAll('*'))
  .filter((el) => el.childElementCount === 0 && el.tagName !== 'TIME')
  .map((el) => el.textContent))"""

ROWS = {"chat": "#chat-feed", "gifts": "#gift-feed", "gifters": "#board-gifters", "chatters": "#board-chatters",
        "likers": "#board-likers"}


def _users(sim_url):
    def user(n, nickname, unique_id, picture=True):
        found = {"userId": str(9100 + n), "uniqueId": unique_id, "nickname": nickname}
        if picture:
            found["avatarUrl"] = avatar_url(sim_url, unique_id, nickname)
        return found

    return {
        "maya": user(1, "Maya ✨", "maya.sunny"),
        "leo": user(2, "Léo 🎧", "leo_beats", picture=False),
        "viewer": user(3, "Viewer 1", "viewer1", picture=False),
        "formula": {"userId": "9104", "nickname": "=HYPERLINK(\"http://x\")"},  # no handle, no picture
        "handle": {"uniqueId": "no.id_here"},  # no userId, no nickname
        "rtl": user(6, "مرحبا بك", "rtl.fan"),
    }


def _events(sim_url, start_ms):
    users = _users(sim_url)
    lines = [
        ("maya", 'hello <b>bold</b> & "quotes" \'single\' &amp; <script>alert(1)</script>'),
        ("formula", "=1+2"),
        ("leo", "🔥🔥 love this 👩‍👩‍👧 🇧🇷"),
        ("viewer", "  spaces either side  "),
        ("handle", "-@cmd|' /C calc'!A0"),
        ("rtl", "مرحبا! how are you?"),
        ("maya", "a much longer line of chat that goes on and on, to see that nothing cuts it or wraps it "
                 "differently in the one renderer than in the other, whatever the width of the feed"),
        (None, "from nobody at all"),
        ("viewer", ""),
        ("leo", "what song is this? SONG please"),
    ]
    events = []

    def add(event):
        events.append({"seq": len(events) + 1, "ts": start_ms + 1_234 * len(events) + 7, **event})

    add({"type": "chat", "user": users["maya"], "comment": "replayed on connect", "history": True})
    for who, text in lines:
        add({"type": "chat", "comment": text, **({"user": users[who]} if who else {})})
    add({"type": "chat", "user": users["leo"], "comment": "a line with TikTok's id",
         "messageId": "7301000000000000001"})
    add({"type": "chat", "user": users["formula"], "comment": "=deleted by TikTok", "messageId": "7301000000000000002",
         "deleted": True})  # as the records read it out (recordrows stores the mark in its column)
    for n in range(1, 6):  # a streak of five Roses: four updates, then its end
        add({"type": "gift", "user": users["maya"], "giftId": 5655, "giftName": "Rose", "diamondCount": 1,
             "repeatCount": n, "streaking": n < 5, "imageUrl": gift_image_url(sim_url, 5655)})
    add({"type": "gift", "user": users["rtl"], "giftId": 6369, "giftName": "Lion", "diamondCount": 29_999,
         "repeatCount": 1, "streaking": False, "imageUrl": gift_image_url(sim_url, 6369)})
    add({"type": "gift", "user": users["formula"], "giftId": 77, "diamondCount": 1, "repeatCount": 1,
         "streaking": False})  # no name, no picture
    add({"type": "gift", "user": users["handle"], "giftId": 5827, "giftName": "Ice cream <cone>",
         "diamondCount": 1, "repeatCount": 12, "streaking": False, "imageUrl": gift_image_url(sim_url, 5827)})
    add({"type": "like", "user": users["leo"], "count": 5, "totalLikes": 5})
    return users, events


def _leaderboards(users):
    return {
        "gifters": [{"user": users["rtl"], "diamonds": 29_999, "gifts": 1},
                    {"user": users["handle"], "diamonds": 12, "gifts": 12},
                    {"user": users["maya"], "diamonds": 5, "gifts": 5},
                    {"user": users["formula"], "diamonds": 1, "gifts": 1}],
        "chatters": [{"user": users["maya"], "comments": 12_345}, {"user": users["viewer"], "comments": 2},
                     {"user": users["handle"], "comments": 1}],
        "likers": [{"user": users["leo"], "likes": 10_000}, {"user": users["formula"], "likes": 1}],
    }


@pytest.fixture(scope="module")
def records(simulator, tmp_path_factory):
    """A server on a records file of its own, and what to fill a live with."""
    database = tmp_path_factory.mktemp("row-renderers") / "records.sqlite3"
    server = RunningServer({"TIKTOK_SIMULATOR_URL": simulator.url, "DATABASE_URL": sqlite_url(database)})
    yield server, database, simulator.url
    server.stop()


@pytest.fixture
def window(browser):
    """window(javascript=True): a browser window in ZONE's time; no JavaScript error allowed in any."""
    contexts, errors = [], []

    def open_(javascript=True):
        context = browser.new_context(viewport=DESKTOP, timezone_id=ZONE, locale="en-US",
                                      java_script_enabled=javascript)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        return page

    yield open_
    for context in contexts:
        context.close()
    assert not errors, f"errors in the page: {errors}"


def _canonical(page, selector):
    return page.locator(selector).evaluate(CANONICAL)


def _without_server_hooks(node):
    """The server's row without what only the page's scripts read (SERVER_HOOKS, SERVER_CLASSES)."""
    if isinstance(node, str):
        return node
    tag, attrs, children = node
    attrs = {name: value for name, value in attrs.items() if name not in SERVER_HOOKS.get(tag, ())}
    if tag in SERVER_CLASSES and "class" in attrs:
        attrs["class"] = " ".join(c for c in attrs["class"].split() if c not in SERVER_CLASSES[tag])
    return [tag, attrs, [_without_server_hooks(child) for child in children]]


def _first_difference(server, script, path="row"):
    """Where two canonical nodes first differ, in words (for the assertion's message)."""
    if isinstance(server, str) or isinstance(script, str):
        return f"{path}: server {server!r}, scripts {script!r}"
    if server[0] != script[0]:
        return f"{path}: <{server[0]}> from the server, <{script[0]}> from the scripts"
    path = f"{path} > {server[0]}.{server[1].get('class', '').replace(' ', '.')}"
    if server[1] != script[1]:
        keys = sorted(set(server[1]) | set(script[1]))
        return f"{path}: " + "; ".join(f"{k}: server {server[1].get(k)!r}, scripts {script[1].get(k)!r}"
                                       for k in keys if server[1].get(k) != script[1].get(k))
    for a, b in zip(server[2], script[2], strict=False):
        if a != b:
            return _first_difference(a, b, path)
    return f"{path}: {len(server[2])} children from the server, {len(script[2])} from the scripts"


def _assert_same_rows(server_rows, script_rows, what):
    assert len(server_rows) == len(script_rows), f"{what}: {len(server_rows)} rows vs {len(script_rows)}"
    for n, (server, script) in enumerate(zip(server_rows, script_rows, strict=True)):
        server = _without_server_hooks(server)
        assert server == script, f"{what}, row {n + 1}: {_first_difference(server, script)}"


def _wait_for_pictures(page):
    page.wait_for_load_state("networkidle")
    page.wait_for_function("() => Array.from(document.images).every((img) => img.complete)")


def test_the_server_and_the_scripts_render_a_lives_rows_alike(records, window):
    server, database, sim_url = records
    creator = f"rows.{uuid.uuid4().hex[:8]}"
    start_ms = int((time.time() - 600) * 1000)
    live_id = add_live(database, creator, "7311", status="live", started_at=start_ms / 1000)
    users, events = _events(sim_url, start_ms)
    whole_gifts = [e for e in events if e["type"] == "gift" and not e["streaking"]]
    chat = [e for e in events if e["type"] == "chat"]
    boards = _leaderboards(users)

    # The scripts' rows: the report opened with nothing in it, then refreshed with everything.
    live = window()
    live.goto(f"{server.url}/streams/{live_id}")
    expect(live.locator("#report")).to_have_attribute("data-refresh-seconds", "10")
    expect(live.locator("#chat-feed > li")).to_have_count(0)
    add_events(database, live_id, events, metrics={"totalComments": len(chat) - 1}, leaderboards=boards)
    expect(live.locator("#chat-feed > li")).to_have_count(len(chat), timeout=REFRESH_MS)
    expect(live.locator("#gift-feed > li")).to_have_count(len(whole_gifts), timeout=REFRESH_MS)
    expect(live.locator("#board-gifters > li")).to_have_count(len(boards["gifters"]), timeout=REFRESH_MS)
    _wait_for_pictures(live)

    # The server's rows: the same live opened now.
    fresh = window()
    fresh.goto(f"{server.url}/streams/{live_id}")
    expect(fresh.locator("#chat-feed > li")).to_have_count(len(chat))
    expect(fresh.locator("time.local-clock[data-local]")).to_have_count(len(chat) + len(whole_gifts))
    _wait_for_pictures(fresh)

    shown = {}
    for name, selector in ROWS.items():
        server_rows, script_rows = _canonical(fresh, selector), _canonical(live, selector)
        _assert_same_rows(server_rows, script_rows, name)
        shown[name] = server_rows
    assert [int(row[1]["data-seq"]) for row in shown["chat"]] == [e["seq"] for e in chat]
    assert [int(row[1]["data-seq"]) for row in shown["gifts"]] == [e["seq"] for e in whole_gifts]
    assert {name: len(rows) for name, rows in shown.items() if name in boards} == {
        name: len(entries) for name, entries in boards.items()}
    for name in ("gifters", "chatters", "likers"):  # the lists themselves too (data-count)
        assert fresh.locator(ROWS[name]).get_attribute("data-count") == live.locator(ROWS[name]).get_attribute(
            "data-count") == str(len(boards[name]))

    # The chat's search: the server's page for ?q= against the rows the search box brings in.
    searched = window()
    searched.goto(f"{server.url}/streams/{live_id}?q=song#chat")
    live.fill("#chat-search", "song")
    expect(live.locator("#chat-status")).to_contain_text("lines with “song”")
    expect(searched.locator("#chat-feed > li")).to_have_count(1)
    _assert_same_rows(_canonical(searched, "#chat-feed"), _canonical(live, "#chat-feed"), "chat searched")
    expect(live.locator("#chat-feed mark.hl-search")).to_have_count(2)

    # Without JavaScript: the words a reader sees are the scripts' (times aside: UTC there, local here).
    plain = window(javascript=False)
    plain.goto(f"{server.url}/streams/{live_id}")
    live.fill("#chat-search", "")
    expect(live.locator("#chat-feed > li")).to_have_count(len(chat))
    for name, selector in ROWS.items():
        assert plain.locator(selector).evaluate(WORDS) == live.locator(selector).evaluate(WORDS), name
