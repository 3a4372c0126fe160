"""Access with ACCESS_PASSWORD set: the app in process (Flask's and Flask-SocketIO's test clients), then a
socket's refusal on the real server, and Chromium.

The module shares one app with access on (and one server, for the slow tests). Both trust one proxy
(TRUSTED_PROXIES=1), so each test logs in from an address of its own (X-Forwarded-For): the login rate limit
one test reaches locks out no other.
"""

import itertools
import re
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from playwright.sync_api import expect
from support.appserver import RunningServer
from support.browserpage import WAIT_MS, Dashboard, needs_chromium
from support.dashboardclient import refusal
from support.inprocess import running_app
from support.simclient import chat

from assistant import socketio
from assistant.access import LOGIN_ATTEMPTS, LOGIN_WINDOW_SECONDS
from assistant.attempts import FailedAttempts

pytest_plugins = ["support.browserfixtures"]

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
def app(tmp_path_factory):
    """The module's app in process, access on; no records (none are needed: no writer process)."""
    with running_app(tmp_path_factory.mktemp("access"), RECORD_STREAMS=False, **ACCESS) as app:
        yield app


@pytest.fixture(scope="module")
def server(simulator):
    """The module's server, access on (it replaces conftest's `server`, so `connect` uses it too)."""
    running = RunningServer({"TIKTOK_SIMULATOR_URL": simulator.url, "CLEANUP_GRACE_SECONDS": 2, **ACCESS})
    yield running
    running.stop()


def client_from_new_address(app):
    """A test client of `app` coming, through the trusted proxy, from an address no other test uses."""
    http = app.test_client()
    http.environ_base["HTTP_X_FORWARDED_FOR"] = next(_addresses)
    return http


def log_in(http, password=PASSWORD, headers=None, **fields):
    """POST the form; the answer itself (a 303 with the cookie, or a refusal), not where it leads."""
    return http.post("/login", data={"password": password, **fields}, headers=headers)


def logged_in_client(app):
    http = client_from_new_address(app)
    assert log_in(http).status_code == 303
    return http


# --- without a login ----------------------------------------------------------------------------------


def test_without_a_login_pages_go_to_the_form_and_the_rest_answers_401(app):
    http = client_from_new_address(app)
    for path in ("/", "/@someone?from=test", "/streams"):
        answer = http.get(path, headers=HTML)
        assert answer.status_code == 302, path
        location = urlsplit(answer.headers["Location"])
        assert location.path == "/login" and parse_qs(location.query)["next"] == [path]

    for path in ("/", "/debug", "/debug/runtime", "/api/streams", "/streams/1/export.csv"):
        answer = http.get(path)  # a script: Accept */*
        assert answer.status_code == 401, path
        assert answer.json["error"] == "unauthorized" and answer.json["message"]
    assert http.get("/debug", headers=HTML).status_code == 401, "JSON: never a redirect"
    assert http.post("/").status_code == 401

    bearer = {"Authorization": f"Bearer {ACCESS['DEBUG_TOKEN']}"}
    assert http.get("/debug", headers=bearer).json["totalSessions"] >= 0
    assert http.get("/healthz").json["status"] == "ok"
    for path in ("/static/css/theme.css", "/static/css/base.css", "/static/js/main.js"):
        assert http.get(path).status_code == 200, path
    form = http.get("/login")
    assert form.status_code == 200 and 'id="password-input"' in form.text
    assert "Log out" not in form.text


def test_a_socket_without_a_login_is_refused(server):
    assert refusal(server.url)["code"] == "unauthorized"
    assert refusal(server.url, headers={"Cookie": f"{COOKIE}=forged.cookie.value"})["code"] == "unauthorized"


# --- logging in ---------------------------------------------------------------------------------------


def test_a_wrong_password_is_answered_then_the_address_waits(app):
    http = client_from_new_address(app)
    page = log_in(http, "wrong", headers=HTML)
    assert page.status_code == 401
    assert re.search(r'id="login-message"[^>]*data-code="wrong_password"[^>]*>\s*Wrong password', page.text)
    for _ in range(LOGIN_ATTEMPTS - 1):
        answer = log_in(http, "still wrong")
        assert answer.status_code == 401 and answer.json == {"error": "wrong_password", "message": "Wrong password"}

    limited = log_in(http, PASSWORD)  # past the limit even the right password waits
    assert limited.status_code == 429
    body = limited.json
    assert body["error"] == "rate_limited" and 0 < body["retryAfter"] <= LOGIN_WINDOW_SECONDS
    assert limited.headers["Retry-After"] == str(body["retryAfter"])
    assert "Set-Cookie" not in limited.headers and http.get_cookie(COOKIE) is None
    page = log_in(http, headers=HTML)
    assert page.status_code == 429
    assert re.search(r"Too many attempts; try again in \d+ s", page.text)

    assert log_in(client_from_new_address(app)).status_code == 303, "another address is not held up"


def test_the_right_password_gives_a_safe_cookie_that_opens_pages_and_sockets(app):
    http = client_from_new_address(app)
    answer = log_in(http)
    assert answer.status_code == 303 and answer.headers["Location"] == "/"
    set_cookie = answer.headers["Set-Cookie"]
    assert set_cookie.startswith(f"{COOKIE}=")
    attributes = {part.strip().split("=")[0].lower() for part in set_cookie.split(";")[1:]}
    assert {"httponly", "path", "expires"} <= attributes and "samesite=lax" in set_cookie.lower()
    assert "secure" not in attributes, "plain http: a Secure cookie would never come back"
    over_https = log_in(client_from_new_address(app), headers={"X-Forwarded-Proto": "https"})
    assert "secure" in over_https.headers["Set-Cookie"].lower().split("; ")

    page = http.get("/", headers=HTML)
    assert page.status_code == 200 and 'id="logout-button"' in page.text
    assert http.get("/debug").status_code == 200, "a login opens /debug too"
    again = http.get("/login?next=/@someone", headers=HTML)
    assert again.status_code == 302 and again.headers["Location"] == "/@someone"

    socket = socketio.test_client(app, flask_test_client=http)  # the login cookie goes with the handshake
    assert socket.is_connected() and [event["name"] for event in socket.get_received()] == ["session"]
    socket.disconnect()
    assert not socketio.test_client(app, flask_test_client=client_from_new_address(app)).is_connected()


@pytest.mark.parametrize("target", [
    "//evil.example/", "https://evil.example/", "/\\evil.example", "\\\\evil.example", "/\t/evil.example",
    "javascript:alert(1)", "evil.example", "",
])
def test_next_never_leads_off_the_server(app, target):
    answer = log_in(client_from_new_address(app), next=target)
    assert answer.status_code == 303 and answer.headers["Location"] == "/"


def test_next_leads_back_to_the_page_asked_for(app):
    answer = log_in(client_from_new_address(app), next="/@someone?from=test")
    assert answer.headers["Location"] == "/@someone?from=test"
    form = client_from_new_address(app).get("/login", query_string={"next": "//evil.example"})
    assert 'name="next" value="/"' in form.text


def test_log_out_deletes_the_cookie(app):
    http = logged_in_client(app)
    answer = http.post("/logout")
    assert answer.status_code == 303 and answer.headers["Location"] == "/login"
    assert re.match(rf"{COOKIE}=;.*Expires=Thu, 01 Jan 1970", answer.headers["Set-Cookie"])
    assert http.get_cookie(COOKIE) is None
    assert http.get("/").status_code == 401


def test_a_new_password_ends_every_login(app, tmp_path):
    """The server restarted with a new ACCESS_PASSWORD (same SECRET_KEY): the logins made before are void."""
    login = logged_in_client(app).get_cookie(COOKIE).value
    with running_app(tmp_path, RECORD_STREAMS=False, **{**ACCESS, "ACCESS_PASSWORD": "a new password"}) as new:
        http = new.test_client()
        http.set_cookie(COOKIE, login)
        assert http.get("/").status_code == 401
        assert not socketio.test_client(new, flask_test_client=http).is_connected()


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
        with requests.Session() as http:
            http.headers["X-Forwarded-For"] = next(_addresses)
            assert http.post(server.url + "/login", data={"password": PASSWORD}, timeout=5).ok
            dashboard_html = http.get(server.url + "/@" + name, timeout=5).text
        page.route(server.url + "/@" + name, lambda route: route.fulfill(body=dashboard_html,
                                                                        content_type="text/html"))
        page.goto(server.url + "/@" + name)
        expect(page).to_have_url(server.url + f"/login?next=%2F%40{name}", timeout=WAIT_MS)
        assert not window.page_errors and not window.console_errors, (window.page_errors, window.console_errors)
    finally:
        window.close()
