"""The chat tools in Chromium: the chat search, questions, keywords and mentions marked, gift alerts
with their sound, chat read aloud, "Silence all", and the tab's settings. The browser's
speechSynthesis and AudioContext are replaced in the page by recorders (STUBS), so the tests see
what would be said and rung. The pure modules' own tests run in Node (tests/js/).
"""

import os
import shutil
import subprocess

import pytest
from playwright.sync_api import expect
from support.browserpage import REPO, WAIT_MS, Dashboard, chat, gift_streak, needs_chromium, user

pytest_plugins = ["support.browserfixtures"]
pytestmark = needs_chromium

NODE = shutil.which("node")

# Recorders in place of the browser's voice and sound: window.__speech.spoken (what was said),
# .cancels, .autoEnd (a line ends by itself 20 ms after it starts, unless false), .end() (end the
# current line); window.__audio.contexts (AudioContexts made), .tones (oscillators started),
# .cancelled (envelopes cut short).
STUBS = """
(() => {
  const speech = { spoken: [], cancels: 0, autoEnd: true, current: null };
  speech.end = () => {
    const u = speech.current;
    speech.current = null;
    if (u && u.onend) u.onend({});
  };
  window.__speech = speech;
  const synth = {
    speaking: false, pending: false, paused: false,
    speak(u) {
      speech.spoken.push(u.text);
      speech.current = u;
      if (speech.autoEnd) setTimeout(() => { if (speech.current === u) speech.end(); }, 20);
    },
    cancel() {
      speech.cancels += 1;
      const u = speech.current;
      speech.current = null;
      if (u && u.onerror) u.onerror({ error: 'canceled' });
    },
    getVoices: () => [], pause() {}, resume() {}, addEventListener() {}, removeEventListener() {},
  };
  Object.defineProperty(window, 'speechSynthesis', { configurable: true, get: () => synth });
  window.SpeechSynthesisUtterance = class { constructor(text) { this.text = text; } };

  const audio = { contexts: 0, tones: 0, cancelled: 0 };
  window.__audio = audio;
  class Param {
    setValueAtTime() {} exponentialRampToValueAtTime() {} linearRampToValueAtTime() {}
    cancelScheduledValues() { audio.cancelled += 1; }
  }
  class Node { connect(n) { return n; } disconnect() {} }
  window.AudioContext = class extends Node {
    constructor() {
      super();
      audio.contexts += 1;
      Object.assign(this, { state: 'running', currentTime: 0, destination: new Node() });
    }
    resume() { this.state = 'running'; return Promise.resolve(); }
    createOscillator() {
      const o = new Node();
      o.frequency = new Param();
      o.start = () => { audio.tones += 1; };
      o.stop = () => {};
      return o;
    }
    createGain() { const g = new Node(); g.gain = new Param(); return g; }
  };
})();
"""


def stubbed(window):
    """The window again, reloaded with the recorders in place (for every page of its context)."""
    window.page.context.add_init_script(STUBS)
    window.reload()
    return window


def away(window):
    """The mouse off the feeds (a feed under the mouse holds its new rows)."""
    window.page.mouse.move(5, 5)


def set_keywords(window, text, count):
    window.page.click("#keywords-button")
    expect(window.page.locator("#keywords-panel")).to_be_visible()
    window.page.fill("#keywords-input", text)
    expect(window.page.locator("#keywords-count")).to_have_attribute("data-value", str(count), timeout=WAIT_MS)
    window.page.keyboard.press("Escape")
    expect(window.page.locator("#keywords-panel")).to_be_hidden()
    away(window)


def open_alerts(window):
    window.page.click("#alerts-button")
    expect(window.page.locator("#alerts-panel")).to_be_visible()


def close_panel(window):
    window.page.keyboard.press("Escape")
    expect(window.page.locator("#alerts-panel")).to_be_hidden()
    away(window)


def speech_mode(window, mode):
    window.page.click(f"label[for='speech-mode-{mode}']")
    expect(window.page.locator(f"#speech-mode-{mode}")).to_be_checked()


def rows(window):
    """{comment: {classes, hidden, marks: [(kind, text)], flags}} of every chat row."""
    return window.page.evaluate(
        """() => Object.fromEntries(Array.from(document.querySelectorAll('#chat-feed > li')).map((li) => [
            li.querySelector('.chat-text').textContent, {
                classes: ['is-question', 'has-keyword', 'is-mention', 'is-filtered-out']
                    .filter((c) => li.classList.contains(c)),
                hidden: li.offsetParent === null,
                marks: Array.from(li.querySelectorAll('mark')).map((m) => [m.className, m.textContent]),
                flags: Array.from(li.querySelectorAll('.chat-flag')).map((f) => f.textContent),
            }]))"""
    )


def spoken(window):
    return window.page.evaluate("window.__speech.spoken")


def audio(window):
    return window.page.evaluate("window.__audio")


def alerts(window):
    return window.page.locator("#gift-alerts .gift-alert")


def galaxy(n, nickname=None):
    return {"type": "gift", "user": user(n, nickname), "giftId": 6064, "giftName": "Galaxy", "diamondCount": 1000,
            "giftType": 2, "repeatCount": 1, "repeatEnd": True}


# --- reading the chat --------------------------------------------------------------------------------


def test_search_filters_and_highlights_the_chat_and_clearing_restores_it(server, simulator, quiet_creator,
                                                                          open_dashboard):
    window = open_dashboard(server)
    name = quiet_creator("search")
    window.watch(name, name)
    lines = ["Where is the GIVEAWAY?", "nice song", "giveaway giveaway!", "hello", "a.*b (x)"]
    simulator.inject(name, [chat("Where is the GIVEAWAY?", 1, "Ana"), chat("nice song", 2, "Ben"),
                            chat("giveaway giveaway!", 3, "Cleo"), chat("hello", 4, "Giveaway Fan"),
                            chat("a.*b (x)", 5, "Dee")])
    window.expect_chat("a.*b (x)")
    away(window)

    window.page.fill("#chat-search", "giveaway")
    shown = window.page.locator("#chat-feed > li:not(.is-filtered-out)")
    expect(shown).to_have_count(3)
    expect(window.page.locator("#chat-feed > li", has_text="nice song")).to_be_hidden()
    expect(window.page.locator("#chat-search-count")).to_have_text("3 of 5")
    marks = window.page.locator("#chat-feed mark.hl-search")
    assert marks.all_text_contents() == ["Giveaway", "giveaway", "giveaway", "GIVEAWAY"]  # newest row first
    assert window.chat_texts() == lines, "the text itself is unchanged"

    # New rows obey the search in force.
    simulator.inject(name, [chat("GiveAway now", 6), chat("unrelated", 7)])
    window.expect_chat("unrelated")
    expect(shown).to_have_count(4)
    expect(window.page.locator("#chat-feed > li", has_text="unrelated")).to_be_hidden()
    expect(window.page.locator("#chat-search-count")).to_have_text("4 of 7")

    # A username, with or without its @; the characters of a pattern are only themselves.
    window.page.fill("#chat-search", "@viewer2")
    expect(shown).to_have_count(1)
    expect(shown).to_contain_text("nice song")
    window.page.fill("#chat-search", ".*b (")
    expect(shown).to_have_count(1)
    expect(shown.locator("mark.hl-search")).to_have_text(".*b (")
    window.page.fill("#chat-search", "b.*")
    expect(shown).to_have_count(0)
    expect(window.page.locator("#chat-search-empty")).to_be_visible()
    expect(window.page.locator("#chat-search-empty")).to_contain_text("b.*")

    window.page.fill("#chat-search", "")
    expect(window.page.locator("#chat-feed > li.is-filtered-out")).to_have_count(0)
    expect(marks).to_have_count(0)
    expect(window.page.locator("#chat-search-count")).to_be_hidden()
    expect(window.page.locator("#chat-search-empty")).to_be_hidden()
    assert window.chat_texts() == [*lines, "GiveAway now", "unrelated"]


def test_questions_keywords_and_mentions_are_marked_and_keywords_are_plain_text(server, simulator, quiet_creator,
                                                                                open_dashboard):
    window = open_dashboard(server)
    name = quiet_creator("marks")
    window.watch(name, name)
    set_keywords(window, "<b>bold</b>, .*\n  pizza ,PIZZA", 3)
    chips = window.page.locator("#keywords-list li")
    assert chips.all_text_contents() == ["<b>bold</b>", ".*", "pizza"]
    assert window.page.locator("#keywords-list b").count() == 0

    comments = {
        "what time is it": ["is-question"],
        "you ok? 😂": ["is-question"],
        "nice stream": [],
        f"hey @{name.upper()} hi": ["is-mention"],
        f"@{name}fan hi": [],
        "I said <b>bold</b> here": ["has-keyword"],
        "a.*b": ["has-keyword"],
        "ab bold b": [],
        "Pizza time?": ["is-question", "has-keyword"],
    }
    simulator.inject(name, [chat(text, n) for n, text in enumerate(comments)])
    window.expect_chat("Pizza time?")
    seen = rows(window)
    assert {text: row["classes"] for text, row in seen.items()} == comments
    assert seen["I said <b>bold</b> here"]["marks"] == [["hl hl-keyword", "<b>bold</b>"]]
    assert seen["a.*b"]["marks"] == [["hl hl-keyword", ".*"]]
    assert seen[f"hey @{name.upper()} hi"]["marks"] == [["hl hl-mention", f"@{name.upper()}"]]
    assert seen["Pizza time?"]["flags"] == ["question", "keyword"]
    assert seen[f"hey @{name.upper()} hi"]["flags"] == ["mention"]
    assert window.page.locator("#chat-feed b").count() == 0, "markup in a keyword is shown as text"

    # The settings survive a reload: the keywords, and the rows of the snapshot marked again.
    window.reload()
    expect(window.page.locator("#keywords-count")).to_have_attribute("data-value", "3")
    window.expect_chat("Pizza time?")
    expect(window.page.locator("#chat-feed > li.has-keyword")).to_have_count(3)
    expect(window.page.locator("#chat-feed > li.is-mention")).to_have_count(1)

    # Each tab has its own: a second tab of the same browser starts empty, and its list stays its own.
    second = Dashboard(window.page.context.new_page(), server.url)
    second.load()
    expect(second.page.locator("#keywords-count")).to_have_attribute("data-value", "0")
    set_keywords(second, "other", 1)
    window.reload()
    expect(window.page.locator("#keywords-count")).to_have_attribute("data-value", "3")
    second.reload()
    expect(second.page.locator("#keywords-count")).to_have_attribute("data-value", "1")
    assert not second.page_errors and not second.console_errors


# --- alerts and speech -------------------------------------------------------------------------------


def test_gift_alerts_once_over_the_threshold_one_per_streak_and_none_by_default(server, simulator, quiet_creator,
                                                                                open_dashboard):
    window = stubbed(open_dashboard(server))
    name = quiet_creator("alerts")
    window.watch(name, name)

    # Off by default: a big gift and a question make no banner, no sound and no speech.
    simulator.inject(name, [galaxy(1), chat("is anyone there?", 2)])
    window.expect_chat("is anyone there?")
    expect(window.page.locator("#gift-feed > li")).to_have_count(1)
    window.page.wait_for_timeout(300)
    assert alerts(window).count() == 0
    assert audio(window) == {"contexts": 0, "tones": 0, "cancelled": 0}
    assert spoken(window) == []

    open_alerts(window)
    window.page.check("#alerts-enabled")
    window.page.fill("#alerts-threshold", "100")
    window.page.check("#alerts-sound")
    close_panel(window)
    assert audio(window)["contexts"] == 1, "the click on the sound switch lets the page play sound"

    simulator.inject(name, [galaxy(3, "Lina Cookie")])
    expect(alerts(window)).to_have_count(1, timeout=WAIT_MS)
    expect(alerts(window)).to_contain_text("Lina Cookie")
    expect(alerts(window)).to_have_attribute("data-diamonds", "1000")
    assert audio(window)["tones"] == 1

    # Under the threshold: 5 roses are 5 diamonds.
    simulator.inject(name, [{"type": "gift", "user": user(4), "giftId": 5655, "giftName": "Rose", "diamondCount": 1,
                             "giftType": 2, "repeatCount": 5, "repeatEnd": True}])
    expect(window.page.locator("#gift-feed > li")).to_have_count(3)
    window.page.wait_for_timeout(800)  # longer than the tones' minimum gap
    assert alerts(window).count() == 1

    # A streak of 30-diamond doughnuts crosses 100 at the 4th: one alert, counting up to the end.
    simulator.inject(name, gift_streak(5, "Doughnut", 30, 6))
    streak = window.page.locator("#gift-alerts .gift-alert", has_text="Doughnut")
    expect(streak).to_have_attribute("data-streaking", "false", timeout=WAIT_MS)
    expect(streak).to_have_attribute("data-repeat", "6")
    expect(streak).to_have_attribute("data-diamonds", "180")
    expect(alerts(window)).to_have_count(2)
    assert audio(window)["tones"] == 2

    # Silence all: the sound stops, a banner still shows, silently.
    window.page.click("#silence-all")
    away(window)
    expect(window.page.locator("#silence-all")).to_have_attribute("aria-pressed", "true")
    assert audio(window)["cancelled"] >= 1
    window.page.wait_for_timeout(800)
    simulator.inject(name, [galaxy(6, "Noah")])
    expect(window.page.locator("#gift-alerts .gift-alert", has_text="Noah")).to_have_count(1, timeout=WAIT_MS)
    assert audio(window)["tones"] == 2

    # The snapshot after a reload replays those gifts: no alert, no sound. The settings are kept.
    window.reload()
    expect(window.page.locator("#gift-feed > li")).to_have_count(5, timeout=WAIT_MS)
    window.page.wait_for_timeout(300)
    assert alerts(window).count() == 0
    assert audio(window)["tones"] == 0
    expect(window.page.locator("#silence-all")).to_have_attribute("aria-pressed", "true")
    open_alerts(window)
    expect(window.page.locator("#alerts-enabled")).to_be_checked()
    expect(window.page.locator("#alerts-sound")).to_be_checked()
    expect(window.page.locator("#alerts-threshold")).to_have_value("100")
    close_panel(window)


def test_speech_reads_what_its_mode_says_within_its_limits_and_silence_stops_it(server, simulator, quiet_creator,
                                                                                open_dashboard):
    window = stubbed(open_dashboard(server))
    name = quiet_creator("speech")
    window.watch(name, name)
    set_keywords(window, "pizza", 1)
    open_alerts(window)
    speech_mode(window, "questions")
    close_panel(window)
    status = window.page.locator("#speech-status")
    expect(status).to_have_attribute("data-state", "ready")

    simulator.inject(name, [chat(text, n) for n, text in
                            enumerate(["what is this", "nice", "how are you?", "pizza time", "you ok? 😂😂"], 1)])
    window.expect_chat("you ok? 😂😂")
    window.page.wait_for_function("() => window.__speech.spoken.length >= 3")
    window.page.wait_for_timeout(200)
    assert spoken(window) == ["Viewer 1 asks: what is this", "Viewer 3 asks: how are you?", "Viewer 5 asks: you ok?"]

    open_alerts(window)
    speech_mode(window, "keywords")
    close_panel(window)
    simulator.inject(name, [chat("why not?", 6), chat("PIZZA please", 7)])
    window.page.wait_for_function("() => window.__speech.spoken.length >= 4")
    open_alerts(window)
    speech_mode(window, "all")
    close_panel(window)
    simulator.inject(name, [chat("one", 8), chat("two 🔥", 9)])
    window.page.wait_for_function("() => window.__speech.spoken.length >= 6")
    window.page.wait_for_timeout(200)
    assert spoken(window)[3:] == ["Viewer 7 says: PIZZA please", "Viewer 8 says: one", "Viewer 9 says: two"]

    # Six lines started this minute, the default limit: the next ones wait, at most five of them.
    simulator.inject(name, [chat(f"wait {n}", 10 + n) for n in range(1, 9)])
    window.expect_chat("wait 8")
    expect(status).to_have_attribute("data-queued", "5")
    assert len(spoken(window)) == 6
    # A higher limit lets the five newest through; the three oldest were dropped.
    open_alerts(window)
    window.page.select_option("#speech-rate", "20")
    close_panel(window)
    window.page.wait_for_function("() => window.__speech.spoken.length >= 11")
    assert [line.split(": ")[1] for line in spoken(window)[6:]] == [f"wait {n}" for n in range(4, 9)]

    # Silence all: the voice stops at once and the queue empties; nothing comes back when it is undone.
    window.page.evaluate("window.__speech.autoEnd = false")
    simulator.inject(name, [chat("held 1", 30), chat("held 2", 31), chat("held 3", 32)])
    expect(status).to_have_attribute("data-queued", "2", timeout=WAIT_MS)
    cancels = window.page.evaluate("window.__speech.cancels")
    window.page.click("#silence-all")
    away(window)
    expect(status).to_have_attribute("data-state", "muted")
    expect(status).to_have_attribute("data-queued", "0")
    assert window.page.evaluate("window.__speech.cancels") > cancels
    simulator.inject(name, [chat("while silenced", 33)])
    window.expect_chat("while silenced")
    window.page.click("#silence-all")
    expect(window.page.locator("#silence-all")).to_have_attribute("aria-pressed", "false")
    window.page.wait_for_timeout(200)
    assert spoken(window)[11:] == ["Viewer 30 says: held 1"]

    # After a reload the mode is kept, but the browser speaks only once the page was clicked;
    # the snapshot's chat is never read.
    window.reload()
    window.expect_chat("while silenced")
    expect(status).to_have_attribute("data-state", "waiting")
    window.page.mouse.click(5, 5)
    expect(status).to_have_attribute("data-state", "ready")
    simulator.inject(name, [chat("after the reload", 40)])
    window.page.wait_for_function("() => window.__speech.spoken.length >= 1")
    assert spoken(window) == ["Viewer 40 says: after the reload"]


# --- the pure modules, and a picture ----------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.skipif(NODE is None, reason="node is not installed")
def test_the_pure_modules_in_node():
    result = subprocess.run([NODE, "--test", "tests/js/"], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_screenshot_of_the_chat_tools(server, simulator, quiet_creator, open_dashboard, tmp_path):
    """The chat with highlights, a gift alert and the Alerts popover; UPDATE_SCREENSHOTS=1 copies it to docs/."""
    window = stubbed(open_dashboard(server))
    name = "maya.sunny"
    simulator.configure(name, live=True, rate=0, viewers=18_400)
    window.watch(f"@{name}", name)
    set_keywords(window, "giveaway, song", 2)
    simulator.inject(name, [
        {"type": "viewers", "viewerCount": 18_400},
        {"type": "like", "count": 15, "total": 48_215},
        *gift_streak(11, "Rose", 1, 12),
        chat("hi everyone 👋", 1, "Priya"),
        chat("what song is this?", 2, "Noah Travels"),
        chat("this set is unreal 🔥", 3, "Yuki"),
        chat(f"@{name} you made my day 💖", 4, "Lina Cookie"),
        chat("is the giveaway still on?", 5, "Sam"),
        chat("greetings from Lisbon", 6, "Camila 🔥 Starlight"),
        chat("how long are you live tonight", 7, "Leo"),
        chat("the giveaway rules are pinned", 8, "Mod Ava"),
        {"type": "follow", "user": user(15, "Noah Travels")},
    ])
    window.expect_chat("the giveaway rules are pinned")
    open_alerts(window)
    window.page.check("#alerts-enabled")
    window.page.fill("#alerts-threshold", "500")
    window.page.check("#alerts-sound")
    speech_mode(window, "questions")
    close_panel(window)
    simulator.inject(name, [galaxy(12, "Lina Cookie")])
    expect(alerts(window)).to_have_count(1, timeout=WAIT_MS)
    open_alerts(window)
    window.page.wait_for_timeout(400)
    path = tmp_path / "chat-tools.png"
    window.page.screenshot(path=path, animations="disabled")
    assert path.stat().st_size > 20_000
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        shutil.copyfile(path, REPO / "docs" / "chat-tools.png")
    print(f"screenshot in {tmp_path}")
