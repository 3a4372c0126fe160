"""The Socket.IO contract's handshake and answers (docs/protocol.md), in process: the app and
Flask-SocketIO's test client. A connect gets `session`; a resume token joins its session; bad input gets an
answer with its code, never a crash. With the simulator and real clients, end to end: test_server.py."""

import pytest
from support.inprocess import running_app
from test_server import BAD_WATCH_PAYLOADS

from assistant import socketio

SESSION_KEYS = {"sessionId", "resumeToken", "status", "username", "connectedClients", "totalSessions", "resumed"}


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    with running_app(tmp_path_factory.mktemp("sockets"), RECORD_STREAMS=False) as app:
        yield app


@pytest.fixture
def connect(app):
    """Open test clients of the app (`connect(auth=...)`), disconnected after the test."""
    clients = []

    def open_(auth=None):
        client = socketio.test_client(app, auth=auth)
        clients.append(client)
        return client

    yield open_
    for client in clients:
        if client.is_connected():
            client.disconnect()


def sessions(client):
    """The `session` events the client got since the last call."""
    return [event["args"][0] for event in client.get_received() if event["name"] == "session"]


def call(client, event, payload=None):
    """Emit with an ack and return the answer: a tuple payload as several arguments, None as none (as
    python-socketio's client sends them: support/dashboardclient.py)."""
    args = payload if isinstance(payload, tuple) else () if payload is None else (payload,)
    return client.emit(event, *args, callback=True)


def test_a_connect_gets_a_new_idle_session(connect):
    client = connect()
    assert client.is_connected()
    [session] = sessions(client)
    assert set(session) == SESSION_KEYS
    assert (session["status"], session["username"], session["resumed"], session["connectedClients"]) == \
        ("idle", None, False, 1)
    assert session["totalSessions"] >= 1 and session["sessionId"] and session["resumeToken"]


def test_a_resume_token_joins_its_session_and_an_unknown_one_makes_a_new_one(connect):
    first = sessions(connect())[0]
    [joined] = sessions(connect(auth={"resumeToken": first["resumeToken"], "lastSeq": 0}))
    assert joined["resumed"] is True and joined["sessionId"] == first["sessionId"]
    assert joined["connectedClients"] == 2

    [unknown] = sessions(connect(auth={"resumeToken": "not-a-token", "lastSeq": 5}))
    assert unknown["resumed"] is False
    assert unknown["resumeToken"] != "not-a-token" and unknown["sessionId"] != first["sessionId"]


def test_bad_input_gets_clear_errors(connect):
    client = connect()
    assert len(sessions(client)) == 1
    for payload, code in BAD_WATCH_PAYLOADS:
        answer = call(client, "watch", payload)
        assert answer["ok"] is False, payload
        assert answer["error"]["code"] == code, (payload, answer)
        assert answer["error"]["message"]
    assert call(client, "unwatch", "not an object")["error"]["code"] == "bad_request"
    assert call(client, "no-such-event", {"x": 1})["error"]["code"] == "bad_request"
    oversized = call(client, "watch", {"username": "x" * 20_000})  # past MAX_MESSAGE_BYTES
    assert oversized["error"]["code"] == "bad_request" and "larger than" in oversized["error"]["message"]
    assert client.is_connected() and sessions(client) == [], "nothing changed for the tab: no new `session`"
