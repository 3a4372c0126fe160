"""The overlay's second round (issue 25, docs/overlays.md) in Chromium, end to end: the real server, the simulator
reached by TikTokLive, real events.

The leaderboard, viewers and counter widgets follow the live; alerts for follows, shares and subscriptions name the
viewer (as text), a likes milestone alert says the milestone; tts=chat reads chat with the dashboard's cleaning and
caps; the styling options reach the computed style (textColor colours the text); the builder makes URLs with them
that load. Screenshots of each widget over a checkerboard at 1920 x 1080, and at 400 x 700 with the largest text
size the builder allows, go to pytest's temporary folder (UPDATE_SCREENSHOTS=1: docs/). The parser's refusals
(bad colours and fonts are 400s): tests/test_overlay_options.py.
"""

import os
import re
import shutil

import requests
from playwright.sync_api import expect
from support.browserpage import CHECKERBOARD, REPO, WAIT_MS, chat, gift_streak, needs_chromium, user

pytest_plugins = ["support.browserfixtures"]
pytestmark = needs_chromium

HOSTILE = {"userId": "3001", "uniqueId": "mallory", "nickname": "<b>x</b><img src=x onerror=alert(1)>"}


def single_gift(n, name, diamonds, nickname=None):
    return {"type": "gift", "user": user(n, nickname), "giftId": 6000 + n % 50, "giftName": name,
            "diamondCount": diamonds, "giftType": 2, "repeatCount": 1, "repeatEnd": True}


def like(n, count, total, nickname=None):
    return {"type": "like", "user": user(n, nickname), "count": count, "total": total}


def set_counter(server, username, name, value):
    answer = requests.put(f"{server.url}/api/actions/counters/{username}/{name}", json={"value": value}, timeout=10)
    assert answer.status_code == 200, answer.text


def test_the_leaderboard_viewers_and_counter_widgets_follow_the_live(server, simulator, quiet_creator, open_overlay):
    name = quiet_creator("ovboard")
    set_counter(server, name, "deaths", 4)
    overlay = open_overlay(server, f"/overlay/{name}?widgets=leaderboard,viewers,counter&rows=2&counter=deaths")
    page = overlay.page
    overlay.expect_data("#counter", "value", 4)  # rendered by the server at load
    expect(page.locator("#counter .ov-stat-label")).to_have_text("deaths")
    expect(page.locator("#leaderboard .leaderboard-title")).to_have_text("Top gifters")

    simulator.inject(name, [single_gift(1, "Lion", 500, "Lina"), single_gift(2, "Rose", 10, "Sam"),
                            *gift_streak(3, "Finger Heart", 50, 3), {"type": "viewers", "viewerCount": 4321}])
    rows = page.locator("#leaderboard-list > li")
    expect(rows).to_have_count(2, timeout=WAIT_MS)  # rows=2: the top two of three
    expect(rows.locator(".board-nick")).to_have_text(["Lina", "Viewer 3"], timeout=WAIT_MS)
    assert [rows.nth(i).get_attribute("data-value") for i in range(2)] == ["500", "150"]
    overlay.expect_data("#viewers", "value", 4321)
    expect(page.locator("#viewers .ov-stat-value")).to_have_text("4,321")

    set_counter(server, name, "deaths", 7)  # the `counter` event
    set_counter(server, name, "other", 99)  # another counter: not this widget's
    overlay.expect_data("#counter", "value", 7)
    expect(page.locator("#counter .ov-stat-value")).to_have_text("7")

    chatters = open_overlay(server, f"/overlay/{name}?widgets=leaderboard&board=chatters&rows=1")
    simulator.inject(name, [chat("hi", 5, "Chatty"), chat("hello again", 5, "Chatty"), chat("yo", 6)])
    expect(chatters.page.locator("#leaderboard-list .board-nick")).to_have_text(["Chatty"], timeout=WAIT_MS)
    expect(chatters.page.locator("#leaderboard .leaderboard-title")).to_have_text("Top chatters")
    chatters.page.reload()  # the snapshot's boards
    chatters.wait_connected()
    expect(chatters.page.locator("#leaderboard-list .board-nick")).to_have_text(["Chatty"], timeout=WAIT_MS)


def test_follow_share_and_subscribe_alerts_name_the_viewer(server, simulator, quiet_creator, open_overlay):
    name = quiet_creator("ovfollow")
    overlay = open_overlay(server, f"/overlay/{name}?widgets=alerts&alertOn=follow,share,subscribe&seconds=2")
    card = overlay.page.locator("#alerts .overlay-alert")
    simulator.inject(name, [single_gift(9, "Lion", 500), {"type": "follow", "user": HOSTILE}])  # no gift alerts
    expect(card).to_have_attribute("data-kind", "follow", timeout=WAIT_MS)
    expect(card.locator(".overlay-alert-nick")).to_have_text(HOSTILE["nickname"])  # text, not markup
    expect(card.locator(".overlay-alert-verb")).to_have_text("followed")
    assert overlay.page.locator("#alerts img[src='x'], #alerts b").count() == 0

    simulator.inject(name, [{"type": "share", "user": user(2, "Priya")},
                            {"type": "subscribe", "user": user(3, "Yuki")}])
    expect(card.locator(".overlay-alert-nick")).to_have_text("Priya", timeout=WAIT_MS)
    expect(card.locator(".overlay-alert-verb")).to_have_text("shared the LIVE")
    expect(card.locator(".overlay-alert-nick")).to_have_text("Yuki", timeout=WAIT_MS)
    expect(card.locator(".overlay-alert-verb")).to_have_text("subscribed")
    overlay.expect_data("#alerts", "shown", 3)


def test_a_likes_milestone_alert_says_the_milestone(server, simulator, quiet_creator, open_overlay):
    name = quiet_creator("ovlikes")
    overlay = open_overlay(server, f"/overlay/{name}?widgets=alerts&alertOn=gift,likes:1000&seconds=2")
    card = overlay.page.locator("#alerts .overlay-alert")
    simulator.inject(name, [like(1, 15, 900)])
    overlay.expect_data("#alerts", "queued", 0)
    simulator.inject(name, [like(2, 400, 1300)])
    expect(card).to_have_attribute("data-milestone", "1000", timeout=WAIT_MS)
    expect(card.locator(".overlay-alert-milestone")).to_have_text("1,000")
    expect(card).to_contain_text("The LIVE passed1,000likes")
    simulator.inject(name, [like(3, 5000, 7400)])  # several at once: the highest, once
    expect(card).to_have_attribute("data-milestone", "7000", timeout=WAIT_MS)
    overlay.expect_data("#alerts", "shown", 2)

    overlay.page.reload()  # a reload does not alert again for what was passed before it
    overlay.wait_connected()
    simulator.inject(name, [like(4, 1, 7401)])
    overlay.page.wait_for_function("() => document.querySelector('#alerts').dataset.shown === '0'")
    simulator.inject(name, [like(5, 700, 8100)])
    expect(card).to_have_attribute("data-milestone", "8000", timeout=WAIT_MS)
    overlay.expect_data("#alerts", "shown", 1)  # 8,000 only: not again 1,000 to 7,000


FAKE_VOICE = """() => {
  window.__spoken = [];
  class Utterance { constructor(text) { this.text = text; } }
  const synth = {
    speak(u) { window.__spoken.push(u.text); setTimeout(() => u.onend && u.onend(), 30); },
    cancel() {}, getVoices() { return []; },
  };
  Object.defineProperty(window, 'speechSynthesis', { value: synth, configurable: true });
  Object.defineProperty(window, 'SpeechSynthesisUtterance', { value: Utterance, configurable: true });
}"""


def test_chat_read_aloud_on_the_overlay_with_the_dashboards_cleaning_and_caps(
        server, simulator, quiet_creator, browser):
    name = quiet_creator("ovtts")
    context = browser.new_context(viewport={"width": 600, "height": 400})
    try:
        context.add_init_script(f"({FAKE_VOICE})()")  # the browser's voice, recorded
        page = context.new_page()
        page.goto(f"{server.url}/overlay/{name}?widgets=alerts&tts=chat&ttsRate=3")
        expect(page.locator("#overlay")).to_have_attribute("data-status", "connected", timeout=WAIT_MS)
        simulator.inject(name, [chat("looooooool see https://evil.example/x 🔥🔥", 1, "Maya 🌸"),
                                *(chat(f"line {i}", 10 + i) for i in range(2, 12))])
        # The first line is read at once; the ten others came in the same batch: 5 wait at most (the older ones
        # are skipped), and 3 lines a minute: two more, then the rate holds.
        page.wait_for_function("() => window.__spoken.length === 3")
        spoken = page.evaluate("() => window.__spoken")
        assert spoken[0] == "Maya says: loool see link", spoken
        assert spoken[1:] == ["Viewer 17 says: line 7", "Viewer 18 says: line 8"]
        page.wait_for_timeout(500)  # nothing more may start within the minute
        assert page.evaluate("() => window.__spoken.length") == 3
        assert page.locator("#overlay").get_attribute("data-chat-spoken") == "3"
    finally:
        context.close()


def test_the_styling_options_reach_the_computed_style(server, simulator, quiet_creator, open_overlay):
    name = quiet_creator("ovstyle")
    overlay = open_overlay(server, f"/overlay/{name}?widgets=chat,viewers&textColor=%2300ff00&accentColor=3af"
                                   "&font=mono&align=right&background=0&direction=top")
    page = overlay.page
    simulator.inject(name, [chat("first", 1, "Ana"), chat("second", 2, "Ben")])
    rows = page.locator("#chat-list > li")
    expect(rows).to_have_count(2, timeout=WAIT_MS)
    page.wait_for_timeout(400)  # the rows' entrance over
    looks = page.evaluate("""() => {
        const style = (selector) => getComputedStyle(document.querySelector(selector));
        const rows = document.querySelectorAll('#chat-list > li');
        return {
            text: style('.ov-text').color, nick: style('.ov-nick').color, font: style('body').fontFamily,
            backing: style('.ov-row').backgroundColor, pill: style('#viewers').backgroundColor,
            newestOnTop: rows[1].getBoundingClientRect().top < rows[0].getBoundingClientRect().top,
            rightEdge: Math.round(rows[1].getBoundingClientRect().right), width: document.documentElement.clientWidth,
        };
    }""")
    assert looks["text"] == "rgb(0, 255, 0)", "textColor colours the text"
    assert looks["nick"] == "rgb(51, 170, 255)", "accentColor: the names"
    assert "monospace" in looks["font"]
    assert looks["backing"] == looks["pill"] == "rgba(8, 10, 16, 0)", "background=0: no backing"
    assert looks["newestOnTop"], "direction=top"
    assert looks["width"] - looks["rightEdge"] < 30, "align=right"

    plain = open_overlay(server, f"/overlay/{name}?widgets=chat")
    expect(plain.page.locator("#chat-list > li")).to_have_count(2, timeout=WAIT_MS)
    assert plain.page.evaluate("() => getComputedStyle(document.querySelector('.ov-text')).color") == \
        "rgb(255, 255, 255)", "the theme's without the option"
    assert plain.page.evaluate("() => getComputedStyle(document.querySelector('.ov-row')).backgroundColor") == \
        "rgba(8, 10, 16, 0.6)"


def test_the_builder_offers_the_new_widgets_and_styles(server, simulator, quiet_creator, open_dashboard):
    name = quiet_creator("ovbuild2")
    window = open_dashboard(server, path=f"/@{name}")
    window.expect_status("connected")
    page = window.page
    page.click("#overlay-builder summary")
    url = page.locator("#ob-url")
    expect(url).to_have_value(f"{server.url}/overlay/{name}?widgets=chat", timeout=WAIT_MS)
    page.uncheck("#ob-widget-chat")
    page.check("#ob-widget-leaderboard")
    page.select_option("#ob-board", "likers")
    page.fill("#ob-rows", "3")
    page.check("#ob-widget-alerts")
    page.check("#ob-alert-follow")
    page.check("#ob-alert-likes")
    page.fill("#ob-likes-every", "500")
    page.check("#ob-tts-chat")
    page.check("#ob-text-color-on")
    page.fill("#ob-text-color", "#ffcc00")
    page.select_option("#ob-font", "rounded")
    page.select_option("#ob-align", "center")
    page.fill("#ob-background", "0.3")
    expected = (f"{server.url}/overlay/{name}?widgets=alerts,leaderboard&tts=chat&board=likers&rows=3"
                "&alertOn=gift,follow,likes:500&textColor=%23ffcc00&font=rounded&align=center&background=0.3")
    expect(url).to_have_value(expected, timeout=WAIT_MS)
    preview = page.frame_locator("#ob-preview")
    expect(preview.locator("#overlay")).to_have_attribute("data-status", "connected", timeout=WAIT_MS)
    expect(preview.locator("#leaderboard .leaderboard-title")).to_have_text("Top likers")
    assert requests.get(expected, timeout=5).status_code == 200

    message = page.locator("#ob-message")
    page.fill("#ob-likes-every", "0")
    expect(message).to_have_text("“Likes, every” must be a whole number from 1 to 1,000,000,000, not '0'.",
                                 timeout=WAIT_MS)
    expect(url).to_have_value("")
    page.fill("#ob-likes-every", "500")
    page.check("#ob-widget-counter")
    expect(message).to_have_text("“Counter” must be a counter's name: 1 to 40 letters, digits, - or _, not ''.",
                                 timeout=WAIT_MS)
    expect(page.locator("#ob-counter")).to_have_attribute("aria-invalid", "true")
    page.fill("#ob-counter", "deaths")
    expect(url).to_have_value(re.compile(r"&counter=deaths"), timeout=WAIT_MS)
    for kind in ("gift", "follow", "likes"):
        page.uncheck(f"#ob-alert-{kind}")
    expect(message).to_have_text(re.compile("^Choose what alerts"), timeout=WAIT_MS)
    expect(url).to_have_value("")


SHOTS = {  # name: (query, events' part)
    "leaderboard": "widgets=leaderboard&rows=5",
    "viewers-counter": "widgets=viewers,counter&counter=deaths",
    "follow": "widgets=alerts&alertOn=follow&seconds=60",
    "likes": "widgets=alerts&alertOn=likes:10000&seconds=60",
    "styled": "widgets=chat&max=5&textColor=%23fff3c4&accentColor=%2338bdf8&font=serif&align=right&background=0.85"
              "&direction=top",
}
SIZES = {"1920x1080": ({"width": 1920, "height": 1080}, ""), "400x700": ({"width": 400, "height": 700}, "&fontScale=3")}


def test_screenshots_of_each_new_widget_over_a_checkerboard(server, simulator, browser, tmp_path):
    """docs/overlay-<name>-<size>.png: UPDATE_SCREENSHOTS=1 copies them there. 400 x 700 with fontScale=3, the
    largest text size the builder allows."""
    name = "lina.cookie"
    simulator.configure(name, live=True, rate=0, viewers=18_400)
    set_counter(server, name, "deaths", 12)
    pages = {}
    try:
        for size, (viewport, extra) in SIZES.items():
            for shot, query in SHOTS.items():
                page = browser.new_context(viewport=viewport).new_page()
                pages[shot, size] = page
                page.set_content(CHECKERBOARD.replace("URL", f"{server.url}/overlay/{name}?{query}{extra}"))
                expect(page.frame_locator("iframe").locator("#overlay")).to_have_attribute(
                    "data-status", "connected", timeout=WAIT_MS)
        simulator.inject(name, [
            single_gift(1, "Lion", 2999, "Lina Cookie"), single_gift(2, "Galaxy", 1000, "Sam"),
            *[{**event, "user": user(3, "Priya")} for event in gift_streak(3, "Rose", 1, 12)],
            single_gift(4, "Finger Heart", 5, "Yuki"), single_gift(5, "Doughnut", 30, "Camila 🔥 Starlight"),
            chat("hi everyone 👋", 6, "Priya"), chat("what song is this?", 7, "Noah Travels"),
            chat("greetings from Lisbon", 8, "Camila 🔥 Starlight"), chat("this set is unreal 🔥", 9, "Yuki"),
            chat("how long are you live tonight?", 10, "Leo"),
            {"type": "viewers", "viewerCount": 18_400}, like(11, 3000, 10_250),
            {"type": "follow", "user": user(12, "Noah Travels")},
        ])
        for (shot, size), page in pages.items():
            frame = page.frame_locator("iframe")
            ready = {"leaderboard": frame.locator("#leaderboard-list > li").nth(4),
                     "viewers-counter": frame.locator("#viewers[data-value='18400']"),
                     "follow": frame.locator(".overlay-alert[data-kind='follow']"),
                     "likes": frame.locator(".overlay-alert[data-milestone='10000']"),
                     "styled": frame.locator("#chat-list > li").nth(4)}
            expect(ready[shot]).to_be_visible(timeout=WAIT_MS)
            page.wait_for_timeout(700)  # pictures loaded, the entrances over
            path = tmp_path / f"overlay-{shot}-{size}.png"
            page.screenshot(path=path, animations="disabled")
            if os.environ.get("UPDATE_SCREENSHOTS") == "1":
                shutil.copyfile(path, REPO / "docs" / path.name)
    finally:
        for page in pages.values():
            page.context.close()
    print(f"screenshots in {tmp_path}")
