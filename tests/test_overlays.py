"""Overlays for OBS (docs/overlays.md), end to end: the real server, the simulator, Chromium.

The overlay page is transparent, has no controls, shows injected chat, alerts a gift over minDiamonds once
(a streak updating it in place), caps its alert queue in a gift storm, moves its goal bar with the live's
diamonds (and keeps it across a reload), and answers bad options with one line and a 400. Its session shows
as `kind: overlay` in /debug. The dashboard's builder makes URLs that load. With ACCESS_PASSWORD set the
server signs the builder's URLs; the page and its socket take a valid signature only.

The option parser and the signature's pure parts: tests/test_overlay_options.py; the alert queue: tests/js/.
"""

import os
import re
import shutil
from urllib.parse import urlsplit

import pytest
import requests
from playwright.sync_api import expect
from support.appserver import RunningServer
from support.browserpage import (
    CHECKERBOARD,
    REPO,
    WAIT_MS,
    Dashboard,
    chat,
    gift_streak,
    marker,
    needs_chromium,
    user,
)
from support.dashboardclient import DashboardClient, refusal, wait_until

pytest_plugins = ["support.browserfixtures"]
pytestmark = needs_chromium

TRANSPARENT = "rgba(0, 0, 0, 0)"


def single_gift(n, name, diamonds):
    """A gift that does not streak (giftType 2), worth `diamonds`."""
    return {"type": "gift", "user": user(n), "giftId": 6000 + n % 50, "giftName": name, "diamondCount": diamonds,
            "giftType": 2, "repeatCount": 1, "repeatEnd": True}


# --- the page -----------------------------------------------------------------------------------------


def test_chat_overlay_is_transparent_without_controls_and_a_session_of_kind_overlay(
        server, simulator, quiet_creator, open_overlay):
    name = quiet_creator("ovchat")
    overlay = open_overlay(server, f"/overlay/{name}?widgets=chat&max=3")
    said = [marker(f"line{i}") for i in range(5)]
    simulator.inject(name, [chat(text, i) for i, text in enumerate(said)])
    rows = overlay.page.locator("#chat-list > li")
    expect(rows.last.locator(".ov-text")).to_have_text(said[-1], timeout=WAIT_MS)
    expect(rows).to_have_count(3)  # max=3: the last three, oldest first
    assert rows.locator(".ov-text").all_text_contents() == said[2:]

    looks = overlay.page.evaluate("""() => ({
        html: getComputedStyle(document.documentElement).backgroundColor,
        body: getComputedStyle(document.body).backgroundColor,
        overflow: [getComputedStyle(document.documentElement).overflow, getComputedStyle(document.body).overflow],
        controls: document.querySelectorAll('input, button, select, textarea, a[href], [contenteditable]').length,
        shadow: getComputedStyle(document.querySelector('.ov-text')).textShadow,
        backing: getComputedStyle(document.querySelector('.ov-row')).backgroundColor,
    })""")
    assert looks["html"] == looks["body"] == TRANSPARENT
    assert looks["overflow"] == ["hidden", "hidden"], "no scrollbars"
    assert looks["controls"] == 0
    assert looks["shadow"] != "none" and looks["backing"] != TRANSPARENT, "legible over any video"

    sessions = {s["sessionId"]: s for s in server.debug()["sessions"]}
    mine = sessions[overlay.session_id]
    assert mine["kind"] == "overlay" and mine["username"] == name and mine["connectedClients"] == 1
    assert all(s["kind"] in ("overlay", "dashboard") for s in sessions.values())

    overlay.page.reload()  # OBS reloads the source: the same session, resumed
    overlay.wait_connected()
    assert overlay.session_id == mine["sessionId"]


def test_a_gift_over_min_diamonds_alerts_once_and_its_streak_counts_up_in_place(
        server, simulator, quiet_creator, open_overlay):
    name = quiet_creator("ovalert")
    overlay = open_overlay(server, f"/overlay/{name}?widgets=alerts&minDiamonds=10&seconds=30")
    streak = gift_streak(7, "Rose", 10, 5)  # 10 diamonds a rose: the first one reaches minDiamonds
    simulator.inject(name, [single_gift(1, "Small", 9), *streak[:2]])  # 9 < 10: no alert
    card = overlay.page.locator("#alerts .overlay-alert")
    expect(card).to_have_attribute("data-repeat", "2", timeout=WAIT_MS)
    expect(card.locator(".overlay-alert-nick")).to_have_text("Viewer 7")
    expect(card.locator(".overlay-alert-name")).to_have_text("Rose")
    card.evaluate("(el) => { el.dataset.first = 'yes'; }")

    simulator.inject(name, streak[2:])
    expect(card).to_have_attribute("data-repeat", "5", timeout=WAIT_MS)
    expect(card).to_have_attribute("data-streaking", "false")
    assert card.get_attribute("data-first") == "yes", "the same alert, updated in place"
    assert card.get_attribute("data-diamonds") == "50"
    expect(card.locator(".gift-alert-repeat")).to_have_text("×5")
    expect(overlay.page.locator("#alerts .overlay-alert")).to_have_count(1)
    overlay.expect_data("#alerts", "shown", 1)
    overlay.expect_data("#alerts", "queued", 0)


def test_a_gift_storm_queues_at_most_the_cap(server, simulator, quiet_creator, open_overlay):
    name = quiet_creator("ovstorm")
    overlay = open_overlay(server, f"/overlay/{name}?widgets=alerts&queue=5&seconds=60")
    simulator.inject(name, [single_gift(n, f"Gift{n}", 1 + n) for n in range(100)])
    overlay.expect_data("#alerts", "dropped", 94)  # 1 on screen, 5 waiting, the rest dropped
    overlay.expect_data("#alerts", "queued", 5)
    overlay.expect_data("#alerts", "shown", 1)
    expect(overlay.page.locator("#alerts .overlay-alert")).to_have_count(1)


def test_the_goal_bar_moves_with_the_lives_diamonds_and_survives_a_reload(
        server, simulator, quiet_creator, open_overlay):
    name = quiet_creator("ovgoal")
    overlay = open_overlay(server, f"/overlay/{name}?widgets=goal&goal=diamonds:1000")
    goal = overlay.page.locator("#goal")
    expect(goal).to_have_attribute("data-value", "0")
    simulator.inject(name, [single_gift(1, "Lion", 200), *gift_streak(2, "Rose", 10, 5)])  # 200 + 50
    expect(goal).to_have_attribute("data-value", "250", timeout=WAIT_MS)
    expect(goal.locator(".goal-count")).to_have_text("250 / 1,000")
    assert goal.locator(".goal-fill").evaluate("(el) => el.style.width") == "25%"
    expect(goal).to_have_attribute("data-reached", "false")

    overlay.page.reload()
    overlay.wait_connected()
    expect(goal).to_have_attribute("data-value", "250", timeout=WAIT_MS)  # from the snapshot's totals
    simulator.inject(name, [single_gift(3, "Universe", 900)])
    expect(goal).to_have_attribute("data-reached", "true", timeout=WAIT_MS)
    assert goal.locator(".goal-fill").evaluate("(el) => el.style.width") == "100%"


BAD = [
    ("/overlay/someone", "Add widgets="),
    ("/overlay/someone?widgets=chat,confetti", "Unknown widget 'confetti'"),
    ("/overlay/someone?widgets=", "widgets must name"),
    ("/overlay/someone?widgets=goal", "The goal widget needs goal="),
    ("/overlay/someone?widgets=goal&goal=coins:5", "goal must be diamonds:N"),
    ("/overlay/someone?widgets=goal&goal=diamonds:-5", "The goal must be a whole number"),
    ("/overlay/someone?widgets=chat&max=0", "max must be a whole number from 1 to 50"),
    ("/overlay/someone?widgets=chat&max=99999999999999999999", "max must be a whole number"),
    ("/overlay/someone?widgets=alerts&minDiamonds=1.5", "minDiamonds must be a whole number"),
    ("/overlay/someone?widgets=alerts&tts=yes", "tts must be 0, 1, alerts, chat or alerts,chat"),
    ("/overlay/someone?widgets=chat&textColor=red", "textColor must be a colour as #rgb or #rrggbb"),
    ("/overlay/someone?widgets=chat&font=Comic%20Sans", "font must be one of system, sans, serif"),
    ("/overlay/someone?widgets=chat&fontScale=NaN", "fontScale must be a number"),
    ("/overlay/someone?widgets=chat&max=3&max=4", "max is given more than once"),
    ("/overlay/someone?widgets=chat&colour=red", "Unknown option 'colour'"),
    ("/overlay/not%20a%20name?widgets=chat", "is not a TikTok username"),
    ("/overlay/%F0%9F%92%A5?widgets=chat%00", "is not a TikTok username"),
    ("/overlay/someone?widgets=chat&seconds=%ff%fe", "seconds must be a whole number"),
]


def test_bad_options_answer_400_with_one_plain_line(server, open_overlay):
    for path, message in BAD:
        answer = requests.get(server.url + path, timeout=5)
        assert answer.status_code == 400, (path, answer.status_code)
        lines = re.findall(r'<p id="overlay-problem"[^>]*>([^<]*)</p>', answer.text)
        assert len(lines) == 1 and message in lines[0].replace("&#39;", "'"), (path, lines)

    overlay = open_overlay(server, "/overlay/someone?widgets=chat,confetti", connected=False)
    assert overlay.response.status == 400
    problem = overlay.page.locator("#overlay-problem")
    expect(problem).to_have_text("Unknown widget 'confetti': choose from chat, gifts, alerts, goal, battle, poll, "
                                 "actions, leaderboard, viewers, counter, featured.")
    assert overlay.page.locator("#overlay").count() == 0
    assert overlay.page.evaluate("() => getComputedStyle(document.body).backgroundColor") == TRANSPARENT


def test_the_builder_makes_urls_that_load_and_never_a_bad_one(server, simulator, quiet_creator, open_dashboard):
    name = quiet_creator("ovbuild")
    window = open_dashboard(server, path=f"/@{name}")
    window.expect_status("connected")
    page = window.page
    page.click("#overlay-builder summary")
    url = page.locator("#ob-url")
    expect(page.locator("#ob-username")).to_have_value(name)  # the creator the dashboard shows
    expect(url).to_have_value(f"{server.url}/overlay/{name}?widgets=chat", timeout=WAIT_MS)

    page.check("#ob-widget-goal")
    page.select_option("#ob-goal-metric", "likes")
    page.fill("#ob-goal-target", "300")
    page.check("#ob-widget-alerts")
    page.uncheck("#ob-sound")
    expected = f"{server.url}/overlay/{name}?widgets=chat,alerts,goal&goal=likes:300&sound=0"
    expect(url).to_have_value(expected, timeout=WAIT_MS)
    preview = page.frame_locator("#ob-preview")
    expect(preview.locator("#overlay")).to_have_attribute("data-status", "connected", timeout=WAIT_MS)
    expect(preview.locator("#goal .goal-label")).to_have_text("Like goal")
    assert requests.get(expected, timeout=5).status_code == 200
    window.expect_status("connected")  # the preview's session is its own: the dashboard still follows

    # Out of range: the server's rule, said of the field's label (not the URL's name), and no URL to copy.
    message = page.locator("#ob-message")
    page.fill("#ob-max", "0")
    expect(message).to_have_text("“Rows shown” must be a whole number from 1 to 50, not '0'.", timeout=WAIT_MS)
    expect(page.locator("#ob-max")).to_have_attribute("aria-invalid", "true")
    expect(url).to_have_value("")
    expect(page.locator("#ob-copy")).to_be_disabled()
    page.fill("#ob-max", "12")
    expect(url).to_have_value(re.compile(r"&max=12"), timeout=WAIT_MS)
    expect(page.locator("#ob-copy")).to_be_enabled()
    expect(page.locator("#ob-form [aria-invalid]")).to_have_count(0)
    for field, value, said in [
        ("#ob-font-scale", "5", "“Text size” must be a number from 0.5 to 3 (for example 1.5), not '5'."),
        ("#ob-seconds", "61", "“Each alert shows … s” must be a whole number from 2 to 60, not '61'."),
        ("#ob-queue", "0", "“Alerts waiting at most” must be a whole number from 1 to 100, not '0'."),
        ("#ob-min-diamonds", "0", "“Alert for gifts worth at least … diamonds” must be a whole number from 1 to "
                                  "1,000,000, not '0'."),
        ("#ob-goal-target", "", "“Goal” must be a whole number from 1 to 1,000,000,000, not ''."),
    ]:
        before = page.locator(field).input_value()
        page.fill(field, value)
        expect(message).to_have_text(said, timeout=WAIT_MS)
        expect(page.locator(field)).to_have_attribute("aria-invalid", "true")
        assert "fontScale" not in message.text_content() and "minDiamonds" not in message.text_content()
        page.fill(field, before)
        expect(url).not_to_have_value("", timeout=WAIT_MS)
    for widget in ("chat", "alerts", "goal"):
        page.uncheck(f"#ob-widget-{widget}")
    expect(message).to_have_text("Choose one or more widgets.", timeout=WAIT_MS)
    expect(url).to_have_value("")


def test_the_url_maker_answers_bad_requests_with_400(server):
    api = server.url + "/api/overlay-url"
    for body in (None, [], {"options": {"widgets": "chat"}}, {"username": "x y", "options": {"widgets": "chat"}},
                 {"username": "someone", "options": []}, {"username": "someone", "options": {"widgets": ["chat"]}},
                 {"username": "someone", "options": {"widgets": "chat", "sound": True}}):
        answer = requests.post(api, json=body, timeout=5)
        assert answer.status_code == 400 and answer.json()["error"] == "bad_request", body
    refused = requests.post(api, json={"username": "someone", "options": {"widgets": "chat", "max": "0"}}, timeout=5)
    assert refused.json() == {"error": "bad_request", "message": "max must be a whole number from 1 to 50, not '0'.",
                              "option": "max", "rule": "must be a whole number from 1 to 50, not '0'."}
    unknown = requests.post(api, json={"username": "someone", "options": {"widgets": "confetti"}}, timeout=5)
    assert set(unknown.json()) == {"error", "message"}, "no one option's value at fault"
    made = requests.post(api, json={"username": "@SomeOne", "options": {"widgets": "gifts,chat", "max": 8}}, timeout=5)
    assert made.json() == {"url": f"{server.url}/overlay/someone?widgets=chat,gifts",
                           "path": "/overlay/someone", "query": "widgets=chat,gifts"}


def test_a_big_font_scale_in_a_narrow_source_still_lays_out(server, simulator, quiet_creator, open_overlay,
                                                             tmp_path):
    """Issue 19, item 14: fontScale=3 in a 400x700 source: the goal's count whole, chat not a word a line; in a
    wide source the same URL is the full 60 px. A screenshot of the narrow one goes to tmp_path."""
    name = quiet_creator("ovscale")
    overlay = open_overlay(server, f"/overlay/{name}?widgets=chat,goal&goal=diamonds:5000&fontScale=3")
    page = overlay.page
    root_size = "() => parseFloat(getComputedStyle(document.documentElement).fontSize)"
    page.set_viewport_size({"width": 1200, "height": 700})
    assert page.evaluate(root_size) == 60, "fontScale=3: 3 x 20 px where the source is wide enough"

    page.set_viewport_size({"width": 400, "height": 700})
    simulator.inject(name, [single_gift(1, "Lion", 3999), chat("how long are you live tonight?", 2, "Leo"),
                            chat("what song is this? it is so good", 3, "Noah Travels")])
    overlay.expect_data("#goal", "value", 3999)
    expect(page.locator("#chat-list > li")).to_have_count(2, timeout=WAIT_MS)
    page.wait_for_timeout(400)  # the rows' entrance over
    assert page.evaluate(root_size) <= 400 / 18
    count = page.locator("#goal .goal-count")
    expect(count).to_have_text("3,999 / 5,000")
    box = count.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 400 and box["y"] + box["height"] <= 700, box
    assert count.evaluate("(el) => el.scrollWidth <= el.clientWidth")
    lines = page.eval_on_selector_all("#chat-list .ov-text", """(texts) => texts.map((t) =>
        new Set(Array.from(t.getClientRects(), (r) => Math.round(r.top))).size)""")  # the lines it takes
    assert lines and max(lines) <= 2, f"chat lines take {lines} lines each"
    page.screenshot(path=tmp_path / "overlay-fontscale3-400x700.png", animations="disabled")
    print(f"screenshot in {tmp_path}")


SHOTS = {  # widget: (query, size)
    "chat": ("widgets=chat&max=6", {"width": 520, "height": 400}),
    "gifts": ("widgets=gifts&max=4", {"width": 520, "height": 250}),
    "alerts": ("widgets=alerts&minDiamonds=100&seconds=60", {"width": 560, "height": 130}),
    "goal": ("widgets=goal&goal=diamonds:5000", {"width": 560, "height": 100}),
}


def named(events, n, nickname):
    return [{**event, "user": user(n, nickname)} for event in events]


def test_screenshots_of_each_widget_over_a_checkerboard(server, simulator, browser, tmp_path):
    """docs/overlay-<widget>.png: UPDATE_SCREENSHOTS=1 copies them there."""
    name = "maya.sunny"
    simulator.configure(name, live=True, rate=0, viewers=18_400)
    pages = []
    try:
        for query, size in SHOTS.values():
            page = browser.new_context(viewport=size).new_page()
            pages.append(page)
            page.set_content(CHECKERBOARD.replace("URL", f"{server.url}/overlay/{name}?{query}"))
            expect(page.frame_locator("iframe").locator("#overlay")).to_have_attribute(
                "data-status", "connected", timeout=WAIT_MS)
        simulator.inject(name, [
            chat("hi everyone 👋", 1, "Priya"), chat("what song is this?", 2, "Noah Travels"),
            chat("this set is unreal 🔥", 3, "Yuki"), chat("greetings from Lisbon", 6, "Camila 🔥 Starlight"),
            chat("how long are you live tonight?", 7, "Leo"), chat("the giveaway rules are pinned", 8, "Mod Ava"),
            *named(gift_streak(11, "Rose", 1, 12), 11, "Priya"), *named([single_gift(12, "Galaxy", 1000)], 12, "Sam"),
            *named(gift_streak(13, "Finger Heart", 5, 3), 13, "Yuki"),
            *named([single_gift(14, "Lion", 2999)], 14, "Lina Cookie"),
        ])
        for (widget, _), page in zip(SHOTS.items(), pages, strict=True):
            frame = page.frame_locator("iframe")
            ready = {"chat": frame.locator("#chat-list > li").nth(5), "gifts": frame.locator("#gift-list > li").nth(3),
                     "alerts": frame.locator(".overlay-alert"), "goal": frame.locator("#goal[data-value='4026']")}
            expect(ready[widget]).to_be_visible(timeout=WAIT_MS)
            page.wait_for_timeout(700)  # pictures loaded, the bar's transition over
            path = tmp_path / f"overlay-{widget}.png"
            page.screenshot(path=path, animations="disabled")
            if os.environ.get("UPDATE_SCREENSHOTS") == "1":
                shutil.copyfile(path, REPO / "docs" / path.name)
    finally:
        for page in pages:
            page.context.close()
    print(f"screenshots in {tmp_path}")


# --- with ACCESS_PASSWORD: signed URLs --------------------------------------------------------------

SECRET = {"ACCESS_PASSWORD": "overlay test password", "SECRET_KEY": "overlay-test-secret-0123456789abcdef"}


@pytest.fixture(scope="module")
def locked_server(simulator):
    running = RunningServer({"TIKTOK_SIMULATOR_URL": simulator.url, "CLEANUP_GRACE_SECONDS": 2, **SECRET})
    yield running
    running.stop()


def signed_url(server, username, options):
    http = requests.Session()
    assert http.post(server.url + "/login", data={"password": SECRET["ACCESS_PASSWORD"]},
                     allow_redirects=False, timeout=5).status_code == 303
    answer = http.post(server.url + "/api/overlay-url", json={"username": username, "options": options}, timeout=5)
    assert answer.status_code == 200
    return answer.json()


def test_signed_overlays_load_and_tampered_or_unsigned_ones_are_refused(
        locked_server, simulator, quiet_creator, open_overlay):
    server = locked_server
    name, other = quiet_creator("ovsign"), quiet_creator("ovsign")
    assert requests.post(server.url + "/api/overlay-url", json={"username": name, "options": {"widgets": "chat"}},
                         timeout=5).status_code == 401, "the URL maker needs a login"
    made = signed_url(server, name, {"widgets": "chat", "max": 5})
    assert re.fullmatch(r"widgets=chat&max=5&sig=[A-Za-z0-9_-]{43}", made["query"])
    sig = made["query"].rpartition("sig=")[2]

    def status(path):
        return requests.get(server.url + path, timeout=5, allow_redirects=False).status_code

    assert status(f"/overlay/{name}?widgets=chat&max=5") == 401
    assert status(f"/overlay/{name}?widgets=chat&max=5&sig=") == 401
    assert status(f"/overlay/{name}?widgets=chat&max=6&sig={sig}") == 403  # tampered options
    assert status(f"/overlay/{other}?widgets=chat&max=5&sig={sig}") == 403  # another creator
    assert status(f"/overlay/{name}?widgets=chat&max=5&sig={sig[:-1]}{'B' if sig[-1] == 'A' else 'A'}") == 403
    assert status(f"/overlay/{name}?widgets=chat&max=5&sig=x{sig}") == 403
    assert status(f"/overlay/{name}?max=5&widgets=chat&sig={sig}") == 200, "the options' order does not matter"
    # A URL signed before the overlay's second round of options (issue 25), under this SECRET_KEY: still valid.
    assert status("/overlay/maya.sunny?widgets=chat,alerts,goal&goal=likes:300&max=12&sound=0&tts=1&fontScale=1.5"
                  "&sig=z3C-ROyBG9nYAaUy420BcbwoKZ7MhepATZoID5k0PwI") == 200
    refused = requests.get(server.url + f"/overlay/{name}?widgets=chat&max=6&sig={sig}", timeout=5)
    assert "not valid" in refused.text and refused.headers["Cache-Control"] == "no-store"

    # The socket: let in by the page's signed query, and only for its creator.
    overlay_auth = {"kind": "overlay", "overlay": {"username": name, "query": "?" + made["query"]}}
    assert refusal(server.url, auth={**overlay_auth, "overlay": {"username": other, "query": made["query"]}})[
        "code"] == "unauthorized"
    assert refusal(server.url, auth={"kind": "overlay", "overlay": {"username": name, "query": "widgets=chat"}})[
        "code"] == "unauthorized"
    client = DashboardClient(server.url, auth=overlay_auth)
    try:
        wait_until(lambda: client.session, message="session")
        assert client.call("watch", {"username": other})["error"]["code"] == "unauthorized"
        assert client.call("viewer", {"userId": "1"})["error"]["code"] == "unauthorized"
        assert client.call("watch", {"username": "@" + name.upper()})["ok"] is True
    finally:
        client.disconnect()

    overlay = open_overlay(server, made["path"] + "?" + made["query"])  # Chromium, no login at all
    simulator.inject(name, [chat("signed and shown", 4)])
    expect(overlay.page.locator("#chat-list .ov-text")).to_have_text("signed and shown", timeout=WAIT_MS)
    debug = requests.get(server.url + "/debug", timeout=5)
    assert debug.status_code == 401, "an overlay's signature opens nothing else"


def test_the_builder_signs_its_urls_for_a_logged_in_user(locked_server, browser, quiet_creator):
    name = quiet_creator("ovsignb")
    window = Dashboard(browser.new_context().new_page(), locked_server.url)
    try:
        window.page.goto(locked_server.url + "/login")
        window.page.fill("#password-input", SECRET["ACCESS_PASSWORD"])
        window.page.click("#login-button")
        window.wait_for_session()
        window.page.click("#overlay-builder summary")
        window.page.fill("#ob-username", name)
        url = window.page.locator("#ob-url")
        expect(url).to_have_value(re.compile(rf"/overlay/{name}\?widgets=chat&sig=[A-Za-z0-9_-]{{43}}$"),
                                  timeout=WAIT_MS)
        preview = window.page.frame_locator("#ob-preview")
        expect(preview.locator("#overlay")).to_have_attribute("data-status", "connected", timeout=WAIT_MS)
        signed = urlsplit(url.input_value())
        assert requests.get(locked_server.url + signed.path + "?" + signed.query, timeout=5).status_code == 200
        assert not window.page_errors, window.page_errors
    finally:
        window.close()
