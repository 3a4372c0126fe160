"""Access with ACCESS_PASSWORD set: the real server, real HTTP and Socket.IO clients, and Chromium.

The module shares one server with access on. It trusts one proxy (TRUSTED_PROXIES=1), so each test logs
in from an address of its own (X-Forwarded-For): the login rate limit one test reaches locks out no other.
"""

import itertools
import re
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from appserver import RunningServer
from browserpage import WAIT_MS, Dashboard, needs_chromium
from dashboardclient import refusal
from playwright.sync_api import expect
from simclient import chat

from assistant.access import LOGIN_ATTEMPTS, LOGIN_WINDOW_SECONDS
from assistant.attempts import FailedAttempts

pytest_plugins = ["browserfixtures"]

PASSWORD = "correct horse battery staple"
ACCESS = {
    "ACCESS_PASSWORD": PASSWORD,
    "SECRET_KEY": "test-secret-key-0123456789abcdef",
    "DEBUG_TOKEN": "test-debug-token",
    "TRUSTED_PROXIES": 1,
}
COOKIE = "live_assistant_login"
HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}  # what a browser sends when it navigates
_addresses = (f"198.51.100.{n}" for n in itertools.count(1))


@pytest.fixture(scope="module")
def server(simulator):
    """The module's server, access on (it replaces conftest's `server`, so `connect` uses it too)."""
    running = RunningServer({"TIKTOK_SIMULATOR_URL": simulator.url, "CLEANUP_GRACE_SECONDS": 2, **ACCESS})
    yield running
    running.stop()


def client_from_new_address():
    """An HTTP client coming, through the trusted proxy, from an address no other test uses."""
    http = requests.Session()
    http.headers["X-Forwarded-For"] = next(_addresses)
    return http


def log_in(server, http, password=PASSWORD, headers=None, **fields):
    """POST the form; the answer itself (a 303 with the cookie, or a refusal), not where it leads."""
    return http.post(server.url + "/login", data={"password": password, **fields}, headers=headers,
                     allow_redirects=False, timeout=5)


def logged_in_client(server):
    http = client_from_new_address()
    assert log_in(server, http).status_code == 303
    return http


def cookie_header(http):
    return {"Cookie": f"{COOKIE}={http.cookies[COOKIE]}"}


# --- without a login ----------------------------------------------------------------------------------


def test_without_a_login_pages_go_to_the_form_and_the_rest_answers_401(server):
    http = client_from_new_address()
    for path in ("/", "/@someone?from=test", "/streams"):
        answer = http.get(server.url + path, headers=HTML, allow_redirects=False, timeout=5)
        assert answer.status_code == 302, path
        location = urlsplit(answer.headers["Location"])
        assert location.path == "/login" and parse_qs(location.query)["next"] == [path]

    for path in ("/", "/debug", "/debug/runtime", "/api/streams", "/streams/1/export.csv"):
        answer = http.get(server.url + path, allow_redirects=False, timeout=5)  # a script: Accept */*
        assert answer.status_code == 401, path
        assert answer.json()["error"] == "unauthorized" and answer.json()["message"]
    assert http.get(server.url + "/debug", headers=HTML, timeout=5).status_code == 401, "JSON: never a redirect"
    assert http.post(server.url + "/", timeout=5).status_code == 401

    bearer = {"Authorization": f"Bearer {ACCESS['DEBUG_TOKEN']}"}
    assert http.get(server.url + "/debug", headers=bearer, timeout=5).json()["totalSessions"] >= 0
    assert http.get(server.url + "/healthz", timeout=5).json()["status"] == "ok"
    for path in ("/static/css/theme.css", "/static/css/base.css", "/static/js/main.js"):
        assert http.get(server.url + path, timeout=5).status_code == 200, path
    form = http.get(server.url + "/login", timeout=5)
    assert form.status_code == 200 and 'id="password-input"' in form.text
    assert "Log out" not in form.text


def test_a_socket_without_a_login_is_refused(server):
    assert refusal(server.url)["code"] == "unauthorized"
    assert refusal(server.url, headers={"Cookie": f"{COOKIE}=forged.cookie.value"})["code"] == "unauthorized"


# --- logging in ---------------------------------------------------------------------------------------


def test_a_wrong_password_is_answered_then_the_address_waits(server):
    http = client_from_new_address()
    page = log_in(server, http, "wrong", headers=HTML)
    assert page.status_code == 401
    assert re.search(r'id="login-message"[^>]*data-code="wrong_password"[^>]*>\s*Wrong password', page.text)
    for _ in range(LOGIN_ATTEMPTS - 1):
        answer = log_in(server, http, "still wrong")
        assert answer.status_code == 401 and answer.json() == {"error": "wrong_password", "message": "Wrong password"}

    limited = log_in(server, http, PASSWORD)  # past the limit even the right password waits
    assert limited.status_code == 429
    body = limited.json()
    assert body["error"] == "rate_limited" and 0 < body["retryAfter"] <= LOGIN_WINDOW_SECONDS
    assert limited.headers["Retry-After"] == str(body["retryAfter"])
    assert COOKIE not in limited.cookies
    page = log_in(server, http, headers=HTML)
    assert page.status_code == 429
    assert re.search(r"Too many attempts; try again in \d+ s", page.text)

    assert log_in(server, client_from_new_address()).status_code == 303, "another address is not held up"


def test_the_right_password_gives_a_safe_cookie_that_opens_pages_and_sockets(server, connect, quiet_creator):
    http = client_from_new_address()
    answer = log_in(server, http)
    assert answer.status_code == 303 and answer.headers["Location"] == "/"
    set_cookie = answer.headers["Set-Cookie"]
    assert set_cookie.startswith(f"{COOKIE}=")
    attributes = {part.strip().split("=")[0].lower() for part in set_cookie.split(";")[1:]}
    assert {"httponly", "path", "expires"} <= attributes and "samesite=lax" in set_cookie.lower()
    assert "secure" not in attributes, "plain http: a Secure cookie would never come back"
    over_https = log_in(server, client_from_new_address(), headers={"X-Forwarded-Proto": "https"})
    assert "secure" in over_https.headers["Set-Cookie"].lower().split("; ")

    page = http.get(server.url + "/", headers=HTML, timeout=5)
    assert page.status_code == 200 and 'id="logout-button"' in page.text
    assert http.get(server.url + "/debug", timeout=5).status_code == 200, "a login opens /debug too"
    again = http.get(server.url + "/login?next=/@someone", headers=HTML, allow_redirects=False, timeout=5)
    assert again.status_code == 302 and again.headers["Location"] == "/@someone"

    client = connect(headers=cookie_header(http))
    client.watch_until_connected(quiet_creator("access"))


@pytest.mark.parametrize("target", [
    "//evil.example/", "https://evil.example/", "/\\evil.example", "\\\\evil.example", "/\t/evil.example",
    "javascript:alert(1)", "evil.example", "",
])
def test_next_never_leads_off_the_server(server, target):
    answer = log_in(server, client_from_new_address(), next=target)
    assert answer.status_code == 303 and answer.headers["Location"] == "/"


def test_next_leads_back_to_the_page_asked_for(server):
    answer = log_in(server, client_from_new_address(), next="/@someone?from=test")
    assert answer.headers["Location"] == "/@someone?from=test"
    form = requests.get(server.url + "/login", params={"next": "//evil.example"}, timeout=5)
    assert 'name="next" value="/"' in form.text


def test_log_out_deletes_the_cookie(server):
    http = logged_in_client(server)
    answer = http.post(server.url + "/logout", allow_redirects=False, timeout=5)
    assert answer.status_code == 303 and answer.headers["Location"] == "/login"
    assert re.match(rf"{COOKIE}=;.*Expires=Thu, 01 Jan 1970", answer.headers["Set-Cookie"])
    assert COOKIE not in http.cookies
    assert http.get(server.url + "/", timeout=5).status_code == 401


def test_a_new_password_ends_every_login(server, server_factory):
    """The server restarted with a new ACCESS_PASSWORD (same SECRET_KEY): the logins made before are void."""
    http = logged_in_client(server)
    new_password = server_factory(**{**ACCESS, "ACCESS_PASSWORD": "a new password"})
    assert requests.get(new_password.url + "/", headers=cookie_header(http), timeout=5).status_code == 401
    assert refusal(new_password.url, headers=cookie_header(http))["code"] == "unauthorized"


# --- the login limiter --------------------------------------------------------------------------------


def test_failed_attempts_slide_out_of_the_window_and_memory_stays_bounded():
    now = [1000.0]
    attempts = FailedAttempts(limit=3, window=60, max_addresses=100, clock=lambda: now[0])
    for _ in range(3):
        assert attempts.retry_after("a") == 0
        attempts.record_failure("a")
        now[0] += 10
    assert attempts.retry_after("a") == 30  # the first failure leaves the window 60 s after it
    now[0] += 30
    assert attempts.retry_after("a") == 0
    attempts.record_failure("a")
    attempts.forget("a")
    assert attempts.retry_after("a") == 0

    for n in range(10_000):
        attempts.record_failure(f"flood-{n}")
    assert len(attempts._failures) == 100


# --- in the browser -----------------------------------------------------------------------------------


@needs_chromium
def test_browser_logs_in_watches_and_logs_out(server, browser, simulator, quiet_creator):
    name = quiet_creator("browser")
    window = Dashboard(browser.new_context().new_page(), server.url)
    page = window.page
    try:
        page.goto(server.url + "/")
        expect(page).to_have_url(server.url + "/login?next=/")
        page.fill("#password-input", "not it")
        page.click("#login-button")
        expect(page.locator("#login-message")).to_have_text("Wrong password")
        page.fill("#password-input", PASSWORD)
        page.click("#login-button")
        expect(page).to_have_url(server.url + "/", timeout=WAIT_MS)
        window.wait_for_session()
        window.watch(name, name)
        simulator.inject(name, [chat("after the login")])
        window.expect_chat("after the login")

        page.click("#logout-button")
        expect(page).to_have_url(server.url + "/login")
        # A dashboard without a login (a login that expired while the page was open): the refused
        # socket sends the page to the form, which will bring it back here.
        dashboard_html = logged_in_client(server).get(server.url + "/@" + name, timeout=5).text
        page.route(server.url + "/@" + name, lambda route: route.fulfill(body=dashboard_html,
                                                                        content_type="text/html"))
        page.goto(server.url + "/@" + name)
        expect(page).to_have_url(server.url + f"/login?next=%2F%40{name}", timeout=WAIT_MS)
        assert not window.page_errors and not window.console_errors, (window.page_errors, window.console_errors)
    finally:
        window.close()
