"""The dashboard in a real browser, for the browser test modules: Debian's Chromium (driven by
Playwright through the fixtures in browserfixtures.py), a `Dashboard` window with what a user sees,
and events to inject into the simulator.

What the tests read is the stable interface documented at the top of templates/index.html
(element ids, `data-status`, `data-value`, `data-state`).
"""

import os
import re
import shutil
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
FEED_CAP = 200  # static/js/feeds.js DEFAULT_CAP
WAIT_MS = 15_000

# Browser test modules: `pytestmark = needs_chromium` and `pytest_plugins = ["support.browserfixtures"]`.
needs_chromium = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="Chromium is not installed (make system-deps installs it)"
)


# --- a dashboard window ---------------------------------------------------------------------------


class Dashboard:
    def __init__(self, page, url):
        self.page = page
        self.url = url
        self.console = []
        self.console_errors = []
        self.page_errors = []
        self.dialogs = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))
        page.on("dialog", self._dialog)

    def _console(self, message):
        self.console.append(message.text)
        network = ("Failed to load resource", "WebSocket connection to", "net::ERR_")
        if message.type == "error" and not any(text in message.text for text in network):
            self.console_errors.append(message.text)  # e.g. a Content-Security-Policy violation

    def _dialog(self, dialog):
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def load(self, path="/"):
        self.page.goto(self.url + path)
        self.wait_for_session()

    def reload(self):
        self.page.reload()
        self.wait_for_session()

    def wait_for_session(self):
        expect(self.page.locator("#session-id")).not_to_have_text("—", timeout=WAIT_MS)
        expect(self.page.locator("#session-status")).not_to_have_attribute("data-status", "connecting",
                                                                           timeout=WAIT_MS)

    def close(self):
        try:
            self.page.context.close()
        except PlaywrightError:
            pass  # already closed by the test

    # header
    @property
    def session_id(self):
        return self.page.locator("#session-id").text_content().strip()

    @property
    def status(self):
        return self.page.locator("#session-status").get_attribute("data-status")

    def expect_status(self, status, timeout=WAIT_MS):
        expect(self.page.locator("#session-status")).to_have_attribute("data-status", status, timeout=timeout)

    def expect_total_sessions(self, total, timeout=WAIT_MS):
        expect(self.page.locator("#total-sessions")).to_have_attribute("data-value", str(total), timeout=timeout)

    # form
    def watch(self, text, username=None, status="connected"):
        self.page.fill("#username-input", text)
        self.page.click("#connect-button")
        if username:
            expect(self.page.locator("#session-username")).to_have_attribute("data-value", username,
                                                                              timeout=WAIT_MS)
        if status:
            self.expect_status(status)

    # cards and feeds
    def metric(self, name):
        return int(self.page.locator(f"#metric-{name}").get_attribute("data-value"))

    def expect_metric(self, name, value, timeout=WAIT_MS):
        expect(self.page.locator(f"#metric-{name}")).to_have_attribute("data-value", str(value), timeout=timeout)

    def metrics(self):
        names = ["viewers", "peak-viewers", "likes", "gifts", "diamonds", "comments", "follows", "shares", "joins"]
        return {name: self.metric(name) for name in names}

    def chat_lines(self):
        """(nickname, text) of every chat row, oldest first."""
        rows = self.page.locator("#chat-feed > li")
        nicks = rows.locator(".nick").all_text_contents()
        texts = rows.locator(".chat-text").all_text_contents()
        return list(zip(reversed(nicks), reversed(texts), strict=True))

    def chat_texts(self):
        return [text for _, text in self.chat_lines()]

    def expect_chat(self, text, timeout=WAIT_MS):
        exactly = re.compile(f"^{re.escape(text)}$")
        expect(self.page.locator("#chat-feed .chat-text", has_text=exactly)).to_have_count(1, timeout=timeout)

    def gift_rows(self):
        return self.page.evaluate(
            """() => Array.from(document.querySelectorAll('#gift-feed > li')).map((li) => ({
                name: li.querySelector('.gift-name').textContent,
                nick: li.querySelector('.nick').textContent,
                repeat: Number(li.dataset.repeat),
                diamonds: Number(li.dataset.diamonds),
                streaking: li.dataset.streaking === 'true',
            }))"""
        )

    def row_counts(self):
        return self.page.evaluate(
            """() => Object.fromEntries(['chat-feed', 'gift-feed', 'activity-feed'].map(
                (id) => [id, document.getElementById(id).childElementCount]))"""
        )


# --- an overlay page ---------------------------------------------------------------------------------

OBS_SIZE = {"width": 600, "height": 800}

# A checkerboard behind the overlay, as image editors show see-through: what OBS lays over the video.
CHECKERBOARD = """<!doctype html><html><head><style>
html, body { margin: 0; height: 100%; }
body { background: #8a8f99 conic-gradient(#c5c8cf 25%, #8a8f99 0 50%, #c5c8cf 0 75%, #8a8f99 0) 0 0 / 32px 32px; }
iframe { display: block; width: 100%; height: 100%; border: 0; color-scheme: light; }
</style></head><body><iframe src="URL"></iframe></body></html>"""


class Overlay:
    """An overlay page in its own browser context (its own sessionStorage, like an OBS browser source)."""

    def __init__(self, browser, url, viewport=OBS_SIZE):
        self.page = browser.new_context(viewport=viewport).new_page()
        self.page_errors = []
        self.page.on("pageerror", lambda error: self.page_errors.append(str(error)))
        self.response = self.page.goto(url)

    def wait_connected(self):
        expect(self.page.locator("#overlay")).to_have_attribute("data-status", "connected", timeout=WAIT_MS)
        return self

    @property
    def session_id(self):
        return self.page.locator("#overlay").get_attribute("data-session-id")

    def data(self, selector, name):
        return self.page.locator(selector).get_attribute(f"data-{name}")

    def expect_data(self, selector, name, value, timeout=WAIT_MS):
        expect(self.page.locator(selector)).to_have_attribute(f"data-{name}", str(value), timeout=timeout)


# --- events to inject -----------------------------------------------------------------------------


def user(n, nickname=None):
    return {"userId": str(1000 + n), "uniqueId": f"viewer{n}", "nickname": nickname or f"Viewer {n}"}


def chat(text, n=1, nickname=None):
    return {"type": "chat", "comment": text, "user": user(n, nickname)}


def gift_streak(n, name, diamonds, count):
    """A streakable gift sent `count` times in one streak: count-1 updates, then the end."""
    return [
        {"type": "gift", "user": user(n), "giftId": 5655, "giftName": name, "diamondCount": diamonds,
         "giftType": 1, "repeatCount": i, "repeatEnd": i == count}
        for i in range(1, count + 1)
    ]


def marker(label):
    return f"{label}-{uuid.uuid4().hex[:8]}"
