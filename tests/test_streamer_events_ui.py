"""Issue 23, "Every event a streamer sees", in Chromium: what the dashboard and the overlays make of the new
event types, end to end (the simulator sends TikTok's messages, the unmodified TikTokLive client takes them,
the server relays them, the page draws them).

A chat line TikTok deleted leaves the dashboard's chat, its search, the questions panel and the chat
overlay (drawn, held by a paused feed, or in a reloaded tab's snapshot); the battle card shows both hosts,
the scores as one bar (even while a score is masked), the countdown, the top supporters and the result; the
poll card its votes, TikTok's goal its progress; the pinned line sits above the chat until unpinned; the
header says "paused" while the creator has paused; TikTok's Q&A questions are in the questions panel,
marked Q&A; subscribers and super fans are in the activity feed and badges on the viewer card; a battle's
top supporters are in their board and on their cards, and the live's battles won on the battle card; a treasure
chest is in the gifts; an emote is a picture (http(s) only). The overlay's battle and poll widgets. And the
screenshots of docs/dashboard.md and docs/overlays.md (UPDATE_SCREENSHOTS=1 copies them into docs/).

The pure parts (the fold of these events, the views, the badges): tests/js/livestate.test.mjs.
"""

import os
import re
import shutil
import time

import pytest
from playwright.sync_api import expect
from support.browserpage import CHECKERBOARD, PHONE, REPO, WAIT_MS, chat, needs_chromium, user

from assistant.simulator.wire import avatar_url, gift_image_url

pytest_plugins = ["support.browserfixtures"]
pytestmark = needs_chromium

DESKTOP = {"width": 1440, "height": 900}


def message_id(n):
    """A chat line's messageId (TikTok's msg_id, a 64-bit number as a string)."""
    return str(7_301_000_000_000_000_000 + n)


def line(text, n, nickname=None):
    """A chat line from viewer `n` with a messageId of its own (message_id(n))."""
    return {**chat(text, n, nickname), "messageId": message_id(n)}


def in_ms(seconds):
    return int((time.time() + seconds) * 1000)


RIVAL = {"userId": "9002", "uniqueId": "rival.host", "nickname": "Rival <b>Host</b>"}
BATTLE_ID = "7302000000000000001"
POLL_ID = "7303000000000000001"


def battle(phase, teams, **fields):
    return {"type": "battle", "battleId": BATTLE_ID, "phase": phase, "teams": teams, **fields}


def poll(phase, votes, **fields):
    options = [{"text": text, "votes": n} for text, n in zip(("Rock", "Jazz <i>live</i>"), votes, strict=True)]
    return {"type": "poll", "pollId": POLL_ID, "phase": phase, "title": "Next song?", "options": options, **fields}


def texts(locator):
    return [text.strip() for text in locator.all_text_contents()]


def open_card(page, name):
    """Click `name` until the viewer card it opens is ready: a card can be up to 2 s behind the feed (the
    server stores the cards every 2 s), and "nothing in this live yet" is its answer until then."""
    card = page.locator("#viewer-card")
    deadline = time.monotonic() + WAIT_MS / 1000
    while True:
        name.click()
        expect(card).not_to_have_attribute("data-state", re.compile("^(closed|loading)$"), timeout=WAIT_MS)
        if card.get_attribute("data-state") == "ready" or time.monotonic() > deadline:
            break
        page.keyboard.press("Escape")
        page.wait_for_timeout(500)
    expect(card).to_have_attribute("data-state", "ready")


# --- a deleted line --------------------------------------------------------------------------------------


def test_a_deleted_chat_line_leaves_the_dashboard_its_search_and_the_chat_overlay(
        server, simulator, quiet_creator, open_dashboard, open_overlay):
    name = quiet_creator("deleted")
    window = open_dashboard(server)
    window.watch(name, name)
    overlay = open_overlay(server, f"/overlay/{name}?widgets=chat")
    page = window.page
    simulator.inject(name, [line("keep this line", 1), line("is this line deleted?", 2), line("keep this one too", 3)])
    window.expect_chat("keep this one too")
    expect(page.locator("#question-feed > li")).to_have_count(1)  # a question asked in the chat
    overlay_lines = overlay.page.locator("#chat-list .ov-text")
    expect(overlay_lines).to_have_count(3, timeout=WAIT_MS)
    page.fill("#chat-search", "line")
    count = page.locator("#chat-search-count")
    expect(count).to_have_attribute("data-shown", "2")

    simulator.inject(name, [{"type": "chatDeleted", "messageIds": [message_id(2)], "userIds": [user(2)["userId"]]}])
    expect(page.locator("#chat-feed > li")).to_have_count(2, timeout=WAIT_MS)
    assert window.chat_texts() == ["keep this line", "keep this one too"]
    expect(count).to_have_attribute("data-shown", "1")
    expect(count).to_have_attribute("data-total", "2")
    expect(page.locator("#question-feed > li")).to_have_count(0)
    expect(overlay_lines).to_have_count(2, timeout=WAIT_MS)
    assert texts(overlay_lines) == ["keep this line", "keep this one too"]

    # A line held by a paused feed (the mouse over it) goes too, and its "1 new" with it.
    page.fill("#chat-search", "")
    page.hover("#chat-feed")
    simulator.inject(name, [line("held, then deleted", 4)])
    expect(page.locator("#chat-new")).to_have_attribute("data-count", "1", timeout=WAIT_MS)
    simulator.inject(name, [{"type": "chatDeleted", "messageIds": [message_id(4)]}])
    expect(page.locator("#chat-new")).to_be_hidden(timeout=WAIT_MS)
    page.mouse.move(5, 5)
    simulator.inject(name, [line("after the pause", 5)])
    window.expect_chat("after the pause")
    assert window.chat_texts() == ["keep this line", "keep this one too", "after the pause"]

    # A reloaded tab and a reloaded overlay get the lines and their deletions in the snapshot: still gone.
    window.reload()
    window.expect_chat("after the pause")
    assert window.chat_texts() == ["keep this line", "keep this one too", "after the pause"]
    overlay.page.reload()
    overlay.wait_connected()
    expect(overlay_lines).to_have_count(3, timeout=WAIT_MS)
    assert texts(overlay_lines) == ["keep this line", "keep this one too", "after the pause"]


# --- the battle card ------------------------------------------------------------------------------------


def test_the_battle_card_shows_both_hosts_the_scores_the_countdown_and_the_result(
        server, simulator, quiet_creator, open_dashboard):
    name = quiet_creator("battle")
    owner = str(simulator.stream(name)["userId"])
    window = open_dashboard(server)
    window.watch(name, name)
    page = window.page
    card = page.locator("#battle-card")
    expect(page.locator("#live-now")).to_be_hidden()

    simulator.inject(name, [battle("started", [{}, {"host": RIVAL}], endsAt=in_ms(120))])
    expect(card).to_be_visible(timeout=WAIT_MS)
    expect(card).to_have_attribute("data-phase", "started")
    teams = card.locator(".battle-team")
    expect(teams).to_have_count(2)
    expect(teams.nth(0)).to_have_attribute("data-user-id", owner)
    expect(teams.nth(0)).to_have_attribute("data-own", "true")
    expect(teams.nth(0).locator(".nick")).to_have_text(name.capitalize())
    expect(teams.nth(1).locator(".nick")).to_have_text("Rival <b>Host</b>")  # text, never markup
    assert card.locator("b").count() == 0
    clock = card.locator(".battle-clock")
    first = int(clock.get_attribute("data-seconds"))
    assert 100 <= first <= 120, first
    expect(clock).to_have_text(re.compile(r"^[12]:\d\d$"))
    expect(clock).not_to_have_attribute("data-seconds", str(first), timeout=3_000)  # it ticks

    simulator.inject(name, [battle("scores", [{"score": 1500, "top": [{"user": user(1, "Priya"), "score": 1000},
                                                                       {"user": user(2, "Noah"), "score": 500}]},
                                              {"host": RIVAL, "score": 500, "top": [{"user": user(3, "Yuki"),
                                                                                     "score": 500}]}])])
    expect(teams.nth(0)).to_have_attribute("data-score", "1500", timeout=WAIT_MS)
    expect(teams.nth(1)).to_have_attribute("data-score", "500")
    expect(card.locator(".battle-score")).to_have_text(["1,500", "500"])
    segments = card.locator(".battle-segment")
    expect(segments).to_have_count(2)
    assert [segments.nth(n).get_attribute("data-share") for n in (0, 1)] == ["75.0", "25.0"]
    widths = [segments.nth(n).bounding_box()["width"] for n in (0, 1)]
    assert 2.5 < widths[0] / widths[1] < 3.5, widths  # the bar is drawn as it says
    expect(card.locator(".battle-top").nth(0).locator(".nick")).to_have_text(["Priya", "Noah"])
    expect(card.locator(".battle-top").nth(1).locator(".nick")).to_have_text(["Yuki"])

    # TikTok masks the rival's score: said so, and the bar stays even.
    simulator.inject(name, [battle("scores", [{"host": RIVAL, "score": None}])])
    expect(card).to_have_attribute("data-masked", "true", timeout=WAIT_MS)
    expect(teams.nth(1).locator(".battle-score")).to_have_text("hidden")
    expect(teams.nth(1)).to_have_attribute("data-score", "")
    expect(teams.nth(0)).to_have_attribute("data-score", "1500")
    assert [segments.nth(n).get_attribute("data-share") for n in (0, 1)] == ["50.0", "50.0"]

    simulator.inject(name, [battle("ended", [{"score": 2100}, {"host": RIVAL, "score": 1900}],
                                   result={"winner": owner})])
    expect(card).to_have_attribute("data-outcome", "won", timeout=WAIT_MS)
    expect(card).to_have_attribute("data-masked", "false")
    expect(card.locator(".battle-result")).to_have_text("Won")
    expect(card.locator(".battle-clock")).to_have_count(0)
    expect(card.locator(".battle-score")).to_have_text(["2,100", "1,900"])
    record = card.locator(".battle-record")  # this live's battles, from the metrics
    expect(record).to_have_attribute("data-won", "1", timeout=WAIT_MS)
    expect(record).to_have_text("This live1 won · 0 lost · 0 drawn")
    # The creator's top supporters of the ended battle: their board (and their cards, below).
    supporters = page.locator("#board-supporters > li")
    expect(supporters.locator(".board-nick")).to_have_text(["Priya", "Noah"], timeout=WAIT_MS)
    expect(supporters.first).to_have_attribute("data-value", "1000")
    expect(supporters.first.locator(".board-sub")).to_have_text("1 battle")

    # A reload keeps the battle (the snapshot's recent events), and a supporter's name opens their card.
    window.reload()
    expect(card).to_have_attribute("data-outcome", "won", timeout=WAIT_MS)
    expect(card.locator(".battle-top").nth(0).locator(".nick")).to_have_text(["Priya", "Noah"])
    open_card(page, card.locator(".battle-top .nick", has_text="Priya"))
    expect(page.locator("#viewer-card")).to_have_attribute("data-user-id", user(1)["userId"])
    expect(page.locator("#viewer-card-name")).to_have_text("Priya")
    expect(page.locator("#viewer-card-battles")).to_have_text("Top supporter in 1 PK battle · 1,000 points · won 1")


# --- the poll card and TikTok's goal ----------------------------------------------------------------------


def test_the_poll_card_and_tiktoks_goal_show_their_numbers(server, simulator, quiet_creator, open_dashboard):
    name = quiet_creator("poll")
    window = open_dashboard(server)
    window.watch(name, name)
    page = window.page
    card = page.locator("#poll-card")
    expect(card).to_be_hidden()

    simulator.inject(name, [poll("started", (0, 0), endsAt=in_ms(60)), poll("votes", (12, 4))])
    expect(card).to_have_attribute("data-total", "16", timeout=WAIT_MS)
    expect(card.locator(".poll-title")).to_have_text("Next song?")
    options = card.locator(".poll-option")
    expect(options.locator(".poll-text")).to_have_text(["Rock", "Jazz <i>live</i>"])
    expect(options.locator(".poll-votes")).to_have_text(["12 · 75%", "4 · 25%"])
    assert [options.nth(n).get_attribute("data-leads") for n in (0, 1)] == ["true", "false"]
    seconds = int(card.locator(".poll-clock").get_attribute("data-seconds"))
    assert 50 <= seconds <= 60, seconds
    expect(card.locator(".poll-total")).to_have_text("16 votes")

    simulator.inject(name, [poll("ended", (12, 9))])
    expect(card).to_have_attribute("data-phase", "ended", timeout=WAIT_MS)
    expect(card.locator(".poll-clock")).to_have_text("final")
    expect(options.locator(".poll-votes")).to_have_text(["12 · 57%", "9 · 43%"])

    goal = page.locator("#tiktok-goal")
    target = {"kind": "gift", "target": 1000}
    simulator.inject(name, [{"type": "goal", "goalId": "7304000000000000001", "phase": "set",
                             "description": "Road to 1000", "targets": [{**target, "progress": 250}]}])
    expect(goal).to_be_visible(timeout=WAIT_MS)
    expect(goal.locator(".tgoal-count")).to_have_text("250 / 1,000")
    simulator.inject(name, [{"type": "goal", "goalId": "7304000000000000001", "phase": "reached",
                             "description": "Road to 1000", "targets": [{**target, "progress": 1000}]}])
    expect(goal).to_have_attribute("data-reached", "true", timeout=WAIT_MS)
    expect(goal.locator(".tgoal-count")).to_have_text("1,000 / 1,000")
    simulator.inject(name, [{"type": "goal", "goalId": "7304000000000000001", "phase": "removed",
                             "description": "Road to 1000", "targets": [{**target, "progress": 1000}]}])
    expect(goal).to_be_hidden(timeout=WAIT_MS)
    expect(card).to_be_visible()  # the poll's result stays on the dashboard


# --- the rest: pin, pause, Q&A, subscribers, super fans, treasure chests, emotes ----------------------------


def test_the_pin_the_pause_qa_fans_chests_and_emotes(server, simulator, quiet_creator, open_dashboard):
    name = quiet_creator("streamer")
    window = open_dashboard(server)
    window.watch(name, name)
    page = window.page

    pinned = line("rules: be kind <3", 6, "Mod <Ava>")
    simulator.inject(name, [pinned, {"type": "pin", "messageId": pinned["messageId"], "chat": pinned}])
    pin = page.locator("#chat-pin")
    expect(pin).to_be_visible(timeout=WAIT_MS)
    expect(pin).to_have_attribute("data-message-id", pinned["messageId"])
    expect(pin.locator(".nick")).to_have_text("Mod <Ava>")
    expect(pin.locator(".pin-text")).to_have_text("rules: be kind <3")
    pin_box, feed_box = pin.bounding_box(), page.locator("#chat-feed").bounding_box()
    assert pin_box["y"] + pin_box["height"] <= feed_box["y"] + 1, "above the chat"
    simulator.inject(name, [{"type": "pin", "messageId": pinned["messageId"], "chat": None}])
    expect(pin).to_be_hidden(timeout=WAIT_MS)

    paused = page.locator("#live-paused")
    expect(paused).to_be_hidden()
    simulator.inject(name, [{"type": "pause"}])
    expect(paused).to_be_visible(timeout=WAIT_MS)
    expect(paused).to_have_text("paused")
    simulator.inject(name, [{"type": "resume"}])
    expect(paused).to_be_hidden(timeout=WAIT_MS)

    simulator.inject(name, [{"type": "question", "user": user(7, "Lina"), "text": "When is the next LIVE"}])
    asked = page.locator("#question-feed > li.is-qa")
    expect(asked).to_have_count(1, timeout=WAIT_MS)
    expect(asked.locator(".tag-qa")).to_have_text("Q&A")
    expect(asked.locator(".chat-text")).to_have_text("When is the next LIVE")
    assert window.chat_texts() == ["rules: be kind <3"], "TikTok's Q&A is not chat"

    simulator.inject(name, [{"type": "subscribe", "user": user(8, "Ines"), "months": 3},
                            {"type": "superfan", "user": user(8, "Ines"), "kind": "became"},
                            {"type": "superfan", "user": user(11, "Mateo"), "kind": "joined"}])
    activity = page.locator("#activity-feed")
    expect(activity.locator("li[data-type='subscribe'] .activity-text")).to_have_text(
        "Ines subscribed · 3 months", timeout=WAIT_MS)
    expect(activity.locator("li[data-type='superfan'] .activity-text")).to_have_text(
        ["Mateo is a super fan · joined", "Ines is a super fan · new"])
    open_card(page, activity.locator("li[data-type='subscribe'] .nick"))
    badges = page.locator("#viewer-card-badges .vc-badge")
    expect(badges).to_have_text(["Subscriber", "Super fan"], timeout=WAIT_MS)
    expect(badges.first).to_have_attribute("data-kind", "subscriber")
    expect(page.locator("#viewer-card-battles")).to_be_hidden()
    page.keyboard.press("Escape")
    open_card(page, activity.locator("li[data-type='superfan'] .nick").first)
    expect(badges).to_have_text(["Super fan"])
    page.keyboard.press("Escape")

    simulator.inject(name, [{"type": "envelope", "user": user(9, "Arjun"), "diamonds": 500, "people": 20,
                             "opensAt": None}])
    chest = page.locator("#gift-feed > li[data-type='envelope']")
    expect(chest).to_have_attribute("data-diamonds", "500", timeout=WAIT_MS)
    expect(chest.locator(".gift-name")).to_have_text("Treasure chest")
    expect(chest.locator(".envelope-note")).to_have_text("for 20 viewers")

    picture = gift_image_url(simulator.url, 5655)
    simulator.inject(name, [{"type": "emote", "user": user(10, "Kai"), "emotes": [
        {"emoteId": "e1", "imageUrl": picture}, {"emoteId": "e2", "imageUrl": "javascript:alert(1)"}]}])
    emote = page.locator("#chat-feed > li[data-type='emote']")
    expect(emote).to_have_count(1, timeout=WAIT_MS)
    expect(emote.locator("img.emote-image")).to_have_count(1)
    assert emote.locator("img.emote-image").get_attribute("src") == picture
    expect(emote.locator(".emote-image-fallback")).to_have_count(1)  # not a URL we show
    expect(emote.locator(".nick")).to_have_text("Kai")


# --- the overlay's battle and poll widgets -----------------------------------------------------------------


def test_the_battle_and_poll_overlay_widgets(server, simulator, quiet_creator, open_overlay):
    name = quiet_creator("ovbattle")
    owner = str(simulator.stream(name)["userId"])
    overlay = open_overlay(server, f"/overlay/{name}?widgets=battle,poll")
    page = overlay.page
    widget = page.locator("#battle")
    expect(widget).to_be_hidden()
    expect(page.locator("#poll")).to_be_hidden()

    simulator.inject(name, [battle("started", [{}, {"host": RIVAL}], endsAt=in_ms(90)),
                            battle("scores", [{"score": 300, "top": [{"user": user(1), "score": 300}]},
                                              {"host": RIVAL, "score": 100}]),
                            poll("started", (0, 0), endsAt=in_ms(60)), poll("votes", (3, 1))])
    expect(widget).to_be_visible(timeout=WAIT_MS)
    expect(widget.locator(".battle-team .nick")).to_have_text([name.capitalize(), "Rival <b>Host</b>"])
    expect(widget.locator(".battle-score")).to_have_text(["300", "100"])
    assert [widget.locator(".battle-segment").nth(n).get_attribute("data-share") for n in (0, 1)] == ["75.0", "25.0"]
    seconds = int(widget.locator(".battle-clock").get_attribute("data-seconds"))
    assert 70 <= seconds <= 90, seconds
    expect(widget.locator(".battle-top")).to_have_count(0)  # the overlay shows the bar, not the supporters
    expect(widget.locator(".user-link")).to_have_count(0)  # nothing to click in OBS
    expect(page.locator("#poll .poll-votes")).to_have_text(["3 · 75%", "1 · 25%"], timeout=WAIT_MS)

    simulator.inject(name, [battle("ended", [{"score": 300}, {"host": RIVAL, "score": 900}])])
    expect(widget).to_have_attribute("data-outcome", "lost", timeout=WAIT_MS)
    expect(widget.locator(".battle-result")).to_have_text("Lost")
    expect(widget.locator(".battle-team").first).to_have_attribute("data-user-id", owner)  # told from their side


# --- the pictures of docs/dashboard.md and docs/overlays.md ----------------------------------------------------


def _live_now(sim_url):
    """A busy moment: a battle with supporters, a poll, TikTok's goal, a pinned line."""
    def fan(n, nickname, unique_id):
        return {"userId": str(9100 + n), "uniqueId": unique_id, "nickname": nickname,
                "avatarUrl": avatar_url(sim_url, unique_id, nickname)}

    rival = {"userId": "9300", "uniqueId": "leo_beats", "nickname": "Leo Beats 🎧",
             "avatarUrl": avatar_url(sim_url, "leo_beats", "Leo Beats")}
    mod = fan(9, "Mod Ava", "mod.ava")
    pinned = {"type": "chat", "user": mod, "comment": "giveaway at 9pm: follow + share to enter 🎁",
              "messageId": message_id(99)}
    return [
        {"type": "viewers", "viewerCount": 18_400},
        {"type": "like", "count": 15, "total": 48_215},
        battle("started", [{}, {"host": rival}], endsAt=in_ms(163)),
        battle("scores", [
            {"score": 12_450, "top": [{"user": fan(1, "Priya", "priya.sings"), "score": 6_000},
                                      {"user": fan(2, "Noah Travels", "noah.travels"), "score": 3_100},
                                      {"user": fan(3, "Yuki", "yuki_hi"), "score": 990}]},
            {"host": rival, "score": 8_320,
             "top": [{"user": fan(4, "Camila 🔥 Starlight", "camila.star"), "score": 5_000},
                     {"user": fan(5, "Sam", "sam_plays"), "score": 2_999}]}]),
        {"type": "poll", "pollId": POLL_ID, "phase": "started", "title": "Which song next?", "endsAt": in_ms(42),
         "options": [{"text": t, "votes": 0} for t in ("Golden hour", "Levitating", "Something slow")]},
        {"type": "poll", "pollId": POLL_ID, "phase": "votes", "title": "Which song next?",
         "options": [{"text": "Golden hour", "votes": 128}, {"text": "Levitating", "votes": 96},
                     {"text": "Something slow", "votes": 31}]},
        {"type": "goal", "goalId": "7304000000000000001", "phase": "progress", "description": "Road to 1,000 roses 🌹",
         "targets": [{"kind": "gift", "target": 1000, "progress": 640}]},
        pinned,
        {"type": "pin", "messageId": pinned["messageId"], "chat": pinned},
        line("what song is this?", 12, "Leo"),
        {"type": "question", "user": fan(7, "Lina Cookie", "lina.cookie"), "text": "When is the next LIVE?"},
        {"type": "subscribe", "user": fan(8, "Ines Pixel", "ines.pixel"), "months": 3},
        {"type": "superfan", "user": fan(1, "Priya", "priya.sings"), "kind": "joined"},
        {"type": "envelope", "user": fan(6, "Wild Arjun", "wild.arjun"), "diamonds": 500, "people": 20,
         "opensAt": None},
    ]


def _keep(path, name):
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        shutil.copyfile(path, REPO / "docs" / name)


@pytest.mark.parametrize(("viewport", "suffix"), [(DESKTOP, ""), (PHONE, "-mobile")], ids=["desktop", "phone"])
def test_screenshots_of_the_battle_card_the_poll_and_the_battle_overlay(server, simulator, browser, open_dashboard,
                                                                       viewport, suffix, tmp_path):
    """docs/live-now.png, docs/live-now-mobile.png (the battle card and the poll on the dashboard), and
    docs/overlay-battle.png, docs/overlay-battle-mobile.png (the battle and poll widgets over a checkerboard)."""
    name = "maya.sunny"
    simulator.configure(name, live=True, rate=0, viewers=18_400)
    window = open_dashboard(server, viewport=viewport)
    window.watch(f"@{name}", name)
    shown = browser.new_context(viewport=viewport).new_page()
    try:
        shown.set_content(CHECKERBOARD.replace("URL", f"{server.url}/overlay/{name}?widgets=battle,poll"))
        expect(shown.frame_locator("iframe").locator("#overlay")).to_have_attribute(
            "data-status", "connected", timeout=WAIT_MS)
        simulator.inject(name, _live_now(simulator.url))
        page = window.page
        expect(page.locator("#battle-card .battle-top-row")).to_have_count(5, timeout=WAIT_MS)
        expect(page.locator("#poll-card")).to_have_attribute("data-total", "255")
        expect(shown.frame_locator("iframe").locator("#poll")).to_have_attribute("data-total", "255", timeout=WAIT_MS)
        if viewport is PHONE:  # the cards at the top of the screen
            page.evaluate("() => window.scrollTo(0, window.scrollY - 12"
                          " + document.getElementById('live-now').getBoundingClientRect().top)")
        cards = page.locator("#live-now").bounding_box()
        assert cards["x"] >= 0 and cards["x"] + cards["width"] <= viewport["width"], cards  # fits, no sideways scroll
        assert page.evaluate("() => document.documentElement.scrollWidth") <= viewport["width"]
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(600)  # pictures loaded, the bars' transitions over
        dashboard_shot = tmp_path / f"live-now{suffix}.png"
        page.screenshot(path=dashboard_shot, animations="disabled")
        _keep(dashboard_shot, dashboard_shot.name)
        overlay_shot = tmp_path / f"overlay-battle{suffix}.png"
        shown.wait_for_timeout(600)
        shown.screenshot(path=overlay_shot, animations="disabled")
        _keep(overlay_shot, overlay_shot.name)
    finally:
        shown.context.close()
    print(f"screenshots in {tmp_path}")
