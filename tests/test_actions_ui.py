"""Actions in Chromium, end to end (docs/actions.md): the real server, the simulator, the rules' API.

The overlay's `actions` widget shows what a rule fires when the simulator sends a follow: its text (markup in a
viewer's nickname stays text) and its uploaded image, over a checkerboard. The /actions page makes a rule with an
upload, lists it, disables and enables it, tests it, says the API's refusals beside the form, and deletes it.
Screenshots at 1440 x 900 and 390 x 844 go to pytest's temporary folder (UPDATE_SCREENSHOTS=1: docs/).
"""

import io
import os
import shutil

import requests
from PIL import Image, ImageDraw
from playwright.sync_api import expect
from support.browserpage import CHECKERBOARD, DESKTOP, PHONE, REPO, WAIT_MS, needs_chromium

pytest_plugins = ["support.browserfixtures"]
pytestmark = needs_chromium

HOSTILE = {"userId": "3001", "uniqueId": "mallory", "nickname": "<b>x</b><img src=x onerror=alert(1)>"}


def badge_png():
    """A small picture: a pink disc with a white heart-ish mark, on a transparent ground."""
    picture = Image.new("RGBA", (160, 160), (0, 0, 0, 0))
    draw = ImageDraw.Draw(picture)
    draw.ellipse((8, 8, 152, 152), fill=(255, 61, 113, 255))
    draw.polygon([(80, 124), (40, 78), (58, 50), (80, 66), (102, 50), (120, 78)], fill=(255, 255, 255, 255))
    out = io.BytesIO()
    picture.save(out, "PNG")
    return out.getvalue()


def upload(server, data, filename):
    answer = requests.post(f"{server.url}/api/media", files={"file": (filename, data, "image/png")}, timeout=10)
    assert answer.status_code in (200, 201), answer.text
    return answer.json()


def make_rule(server, body):
    answer = requests.post(f"{server.url}/api/actions", json=body, timeout=10)
    assert answer.status_code == 201, answer.text
    return answer.json()["rule"]


def shoot(page, tmp_path, name):
    path = tmp_path / f"{name}.png"
    page.screenshot(path=path, animations="disabled")
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        shutil.copyfile(path, REPO / "docs" / path.name)
    return path


def test_the_overlay_shows_an_actions_text_as_text_and_its_image(server, simulator, quiet_creator, browser,
                                                                   tmp_path):
    name = quiet_creator("actov")
    image = upload(server, badge_png(), "heart.png")
    make_rule(server, {"username": name, "name": "Follow thanks", "trigger": {"type": "follow"},
                       "actions": [{"type": "overlay", "text": "{nickname} followed!", "image": image["name"],
                                    "seconds": 30}]})
    page = browser.new_context(viewport={"width": 600, "height": 320}).new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.set_content(CHECKERBOARD.replace("URL", f"{server.url}/overlay/{name}?widgets=actions"))
        frame = page.frame_locator("iframe")
        expect(frame.locator("#overlay")).to_have_attribute("data-status", "connected", timeout=WAIT_MS)
        simulator.inject(name, [{"type": "follow", "user": HOSTILE}])
        card = frame.locator("#actions .overlay-action")
        expect(card.locator(".overlay-action-text")).to_have_text(
            "<b>x</b><img src=x onerror=alert(1)> followed!", timeout=WAIT_MS)
        assert card.locator("b").count() == 0, "a viewer's markup is text"
        picture = card.locator("img")
        expect(picture).to_have_count(1)
        expect(picture).to_have_attribute("src", image["url"])
        expect(picture).to_have_js_property("complete", True)
        assert picture.evaluate("(img) => img.naturalWidth") == 160, "the upload loaded from /media/"
        expect(frame.locator("#actions")).to_have_attribute("data-shown", "1")
        page.wait_for_timeout(600)  # the card's entrance over
        shoot(page, tmp_path, "overlay-actions")
        assert not errors, errors
    finally:
        page.context.close()


def test_the_actions_page_makes_lists_switches_tests_and_deletes_a_rule(server, quiet_creator, open_dashboard,
                                                                        browser, tmp_path):
    name = quiet_creator("actpage")
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(f"{server.url}/actions?username={name}")
        expect(page.locator("#filter-username")).to_have_value(f"@{name}")
        expect(page.locator("#rule-username")).to_have_value(name)
        expect(page.locator("#rules-empty")).to_be_visible(timeout=WAIT_MS)

        # A refusal of the API, said beside the form: a command that is not a word.
        page.fill("#rule-name", "Dance")
        page.select_option("#trigger-type", "command")
        page.fill("#trigger-command", "!two words")
        page.click("#rule-save")
        message = page.locator("#rule-message")
        expect(message).to_be_visible(timeout=WAIT_MS)
        assert "for example !dance" in message.text_content()
        expect(page.locator("#rules-empty")).to_be_visible()

        # The rule, with a picture uploaded from the action's own Upload.
        page.fill("#trigger-command", "!dance")
        item = page.locator("#action-list .action-item").first
        item.locator(".action-fields input[name='text']").fill("{nickname} wants a dance")
        item.locator("input[type=file]").first.set_input_files(
            files=[{"name": "heart.png", "mimeType": "image/png", "buffer": badge_png()}])
        expect(item.locator("select[name='image']")).not_to_have_value("", timeout=WAIT_MS)
        page.click("#add-action")
        added = page.locator("#action-list .action-item").nth(1)
        added.locator(".action-type").select_option("counter")
        added.locator("input[name='name']").fill("dances")
        page.fill("#cooldown-user", "30")
        page.click("#rule-save")
        rule = page.locator("#rules .rule")
        expect(rule).to_have_count(1, timeout=WAIT_MS)
        expect(message).to_be_hidden()
        expect(rule.locator(".rule-name")).to_have_text("Dance")
        expect(rule.locator(".rule-trigger")).to_contain_text("Command !dance · 30 s per viewer")
        expect(rule.locator(".rule-action")).to_have_text(["Overlay: “{nickname} wants a dance” · image · 5 s",
                                                           "Counter dances +1"])
        rule_id = rule.get_attribute("data-rule-id")
        expect(page.locator("#media-list .media-item")).to_have_count(1)

        # Disabled, enabled, tested.
        rule.locator(".switch").click()
        expect(rule).to_have_attribute("data-enabled", "false", timeout=WAIT_MS)
        assert requests.get(f"{server.url}/api/actions/{rule_id}", timeout=10).json()["rule"]["enabled"] is False
        rule.locator(".switch").click()
        expect(rule).to_have_attribute("data-enabled", "true", timeout=WAIT_MS)
        rule.locator(".rule-test").click()
        expect(rule.locator(".rule-note")).to_have_text("Tested: 2 actions done with a sample event.",
                                                        timeout=WAIT_MS)
        shoot(page, tmp_path, "actions")
        phone = browser.new_context(viewport=PHONE).new_page()
        phone.goto(f"{server.url}/actions?username={name}")
        expect(phone.locator("#rules .rule")).to_have_count(1, timeout=WAIT_MS)
        assert phone.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"], "fits a phone"
        shoot(phone, tmp_path, "actions-mobile")
        phone.context.close()

        # Deleted: asked twice.
        rule.locator(".rule-delete").click()
        expect(rule.locator(".rule-delete")).to_have_text("Delete it?")
        rule.locator(".rule-delete").click()
        expect(page.locator("#rules .rule")).to_have_count(0, timeout=WAIT_MS)
        assert requests.get(f"{server.url}/api/actions/{rule_id}", timeout=10).status_code == 404
        assert not errors, errors
    finally:
        context.close()
