"""Fixtures of the browser test modules (`pytest_plugins = ["support.browserfixtures"]`): one Chromium per
module, and dashboard windows and overlay pages closed (and checked for JavaScript errors) after each test."""

import pytest
from playwright.sync_api import sync_playwright

from .browserpage import CHROMIUM, CHROMIUM_ARGS, DESKTOP, OBS_SIZE, Dashboard, Overlay


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def open_dashboard(browser):
    """open_dashboard(server, viewport=DESKTOP, path="/"): a new browser window (its own context, so
    its own sessionStorage, like a separate browser) showing the dashboard at `path`, once its session
    is known."""
    opened = []

    def open_(server, viewport=DESKTOP, path="/"):
        context = browser.new_context(viewport=viewport)
        dashboard = Dashboard(context.new_page(), server.url)
        opened.append(dashboard)
        dashboard.load(path)
        return dashboard

    yield open_
    for dashboard in opened:
        dashboard.close()
    for dashboard in opened:
        assert not dashboard.page_errors, f"JavaScript errors in the page: {dashboard.page_errors}"
        assert not dashboard.console_errors, f"errors in the console: {dashboard.console_errors}"


@pytest.fixture
def open_overlay(browser):
    """open_overlay(server, "/overlay/<name>?...", connected=True, viewport=OBS_SIZE): an Overlay; closed (and
    checked for JavaScript errors) after the test."""
    opened = []

    def open_(server, path, connected=True, viewport=OBS_SIZE):
        overlay = Overlay(browser, server.url + path, viewport)
        opened.append(overlay)
        return overlay.wait_connected() if connected else overlay

    yield open_
    for overlay in opened:
        overlay.page.context.close()
    for overlay in opened:
        assert not overlay.page_errors, f"JavaScript errors in the overlay: {overlay.page_errors}"
