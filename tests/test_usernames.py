"""The username rule (assistant/usernames.py) against the table of what the connect field accepts and refuses
(tests/support/username_cases.py), in process: what it reads in each accepted input, and the `watch` answer to
each refused one. The browser's copy of the rule (static/js/usernames.js) meets the same table in Chromium
(test_dashboard_ux.py); a watch of each accepted input, on the real server: test_lifecycle.py."""

import pytest
from support.inprocess import running_app
from support.username_cases import ACCEPTED, REFUSED

from assistant import socketio
from assistant.usernames import parse_username


@pytest.mark.parametrize(("text", "username"), ACCEPTED)
def test_the_rule_reads_the_username(text, username):
    assert parse_username(text) == username


@pytest.fixture(scope="module")
def tab(tmp_path_factory):
    """One dashboard tab of an app in process, allowed as many watch calls as the table needs."""
    with running_app(tmp_path_factory.mktemp("usernames"), RECORD_STREAMS=False, WATCH_CALLS_PER_MINUTE=1000) as app:
        client = socketio.test_client(app)
        yield client
        client.disconnect()


@pytest.mark.parametrize(("text", "reason"), REFUSED)
def test_watch_refuses(tab, text, reason):
    answer = tab.emit("watch", {"username": text}, callback=True)
    assert answer["ok"] is False
    assert answer["error"]["code"] == "invalid_username"
    assert answer["error"]["reason"] == reason
    if reason == "short_link":
        assert "open it" in answer["error"]["message"] and "tiktok.com/@name" in answer["error"]["message"]
