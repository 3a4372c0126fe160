"""The multi-user server, end to end: the real server, the simulator, real Socket.IO clients."""

import json
import re

import requests
from support.dashboardclient import wait_until
from support.simclient import chat, unique_name

DEBUG_SESSION_KEYS = {
    "sessionId", "kind", "username", "wall", "connectedClients", "isConnecting", "hasConnection", "createdAt",
    "lastActivity", "metrics",
}


def test_two_clients_two_creators_are_isolated(server, connect, simulator, quiet_creator):
    first, second = quiet_creator(), quiet_creator()
    one, two = connect(), connect()
    one.watch_until_connected(first)
    two.watch_until_connected(second)
    assert one.session["sessionId"] != two.session["sessionId"]

    simulator.inject(first, [chat("marker-one-A"), chat("marker-one-B")])
    simulator.inject(second, [chat("marker-two")])
    one.wait_for_event(lambda e: e.get("comment") == "marker-one-B")
    two.wait_for_event(lambda e: e.get("comment") == "marker-two")
    wait_until(lambda: (one.latest_metrics() or {}).get("totalComments") == 2, message="2 comments")
    wait_until(lambda: (two.latest_metrics() or {}).get("totalComments") == 1, message="1 comment")

    assert one.comments() == ["marker-one-A", "marker-one-B"]
    assert two.comments() == ["marker-two"]
    assert {p["username"] for p in one.payloads("live")} == {first}
    assert {p["username"] for p in two.payloads("live")} == {second}


def test_same_creator_shares_one_upstream_and_identical_events(server, connect, simulator, quiet_creator):
    name = quiet_creator()
    one, two = connect(), connect()
    one.watch_until_connected(name)
    two.watch_until_connected(name)
    assert one.session["sessionId"] != two.session["sessionId"]
    assert simulator.connections().get(name) == 1

    simulator.inject(name, [chat(f"line {i}", user_id=str(i + 1)) for i in range(5)])
    simulator.inject(name, [{"type": "like", "count": 3, "total": 42}])
    for client in (one, two):
        client.wait_for_event(lambda e: e["type"] == "like")
    assert one.live_events(name) == two.live_events(name)
    assert [e["seq"] for e in one.live_events(name)] == sorted({e["seq"] for e in one.live_events(name)})
    wait_until(lambda: (one.latest_metrics() or {}).get("totalLikes") == 42, message="likes")
    wait_until(lambda: one.latest_metrics() == two.latest_metrics(), message="identical metrics")

    late = connect()
    late.watch(name)
    snapshot = wait_until(lambda: late.payloads("snapshot"), message="snapshot")[-1]
    replayed = [e["comment"] for e in snapshot["recent"] if e["type"] == "chat"]
    assert replayed == [f"line {i}" for i in range(5)]
    assert snapshot["metrics"]["totalComments"] == 5
    assert simulator.connections().get(name) == 1


def test_session_survives_the_grace_and_is_removed_after_it(server, connect, simulator, quiet_creator):
    name = quiet_creator()
    client = connect()
    client.watch_until_connected(name)
    session_id, token = client.session["sessionId"], client.session["resumeToken"]
    client.disconnect()

    ids = [s["sessionId"] for s in server.debug()["sessions"]]
    assert session_id in ids, "kept during the grace"
    back = connect(auth={"resumeToken": token})
    wait_until(lambda: back.session, message="session")
    assert back.session["sessionId"] == session_id
    assert back.session["resumed"] is True
    assert back.session["username"] == name

    back.disconnect()
    wait_until(lambda: session_id not in [s["sessionId"] for s in server.debug()["sessions"]], timeout=10,
               message="session removed")
    wait_until(lambda: not simulator.connections().get(name), timeout=10, message="upstream closed")
    assert not [s for s in server.debug()["streams"] if s["username"] == name]
    # The runner closes its upstream connection first, then ends its threads and the live's record, then says so.
    wait_until(lambda: f"Runner for @{name} stopped" in server.log_text(), timeout=10, message="the runner stopped")
    assert f"Session {session_id} removed" in server.log_text()


def test_session_event_reports_status_username_and_totals(server_factory, connect, quiet_creator):
    server = server_factory()
    first = connect(url=server.url)
    wait_until(lambda: first.session, message="session")
    assert first.session["status"] == "idle"
    assert first.session["username"] is None
    assert first.session["totalSessions"] == 1

    name = quiet_creator()
    first.watch_until_connected(name)
    statuses = [s["status"] for s in first.payloads("session")]
    assert statuses[0] == "idle" and statuses[-1] == "connected"
    assert "connecting" in statuses
    assert first.session["username"] == name

    second = connect(url=server.url)
    wait_until(lambda: second.session, message="second session")
    assert second.session["totalSessions"] == 2
    wait_until(lambda: first.payloads("stats") and first.payloads("stats")[-1]["totalSessions"] == 2,
               message="stats with 2 sessions")
    second.disconnect()
    wait_until(lambda: first.payloads("stats")[-1]["totalSessions"] == 1, timeout=10,
               message="stats back to 1 after the grace")


def test_debug_has_the_seed_shape_and_no_secrets(server, connect, quiet_creator):
    client = connect()
    client.watch_until_connected(quiet_creator())
    idle = connect()
    wait_until(lambda: idle.session, message="session")
    response = requests.get(server.url + "/debug", timeout=5)
    report = response.json()
    assert set(report) == {"message", "totalSessions", "totalConnectedClients", "sessions", "streams", "signBudget",
                           "records", "actions"}
    assert set(report["records"]) == {"queued", "written", "dropped"}
    assert set(report["actions"]) == {"webhooks", "creators"}
    assert set(report["actions"]["webhooks"]) == {"pending", "delivered", "dead", "sending", "dropped"}
    assert isinstance(report["message"], str)
    assert report["totalSessions"] == len(report["sessions"]) >= 2
    assert isinstance(report["totalConnectedClients"], int)
    for session in report["sessions"]:
        assert set(session) == DEBUG_SESSION_KEYS
        assert isinstance(session["sessionId"], str)
        assert session["kind"] == "dashboard"  # overlays: tests/test_overlays.py
        assert session["username"] is None or isinstance(session["username"], str)
        assert isinstance(session["connectedClients"], int)
        assert isinstance(session["isConnecting"], bool) and isinstance(session["hasConnection"], bool)
        assert session["createdAt"].endswith("Z") and session["lastActivity"].endswith("Z")
        for key in ("currentViewerCount", "totalLikes", "totalGifts", "totalComments"):
            assert isinstance(session["metrics"][key], int)
    watched = next(s for s in report["sessions"] if s["sessionId"] == client.session["sessionId"])
    assert watched["hasConnection"] is True and watched["connectedClients"] == 1
    for stream in report["streams"]:
        assert set(stream) == {"username", "status", "sessions", "seq", "shed", "garbled", "skipped", "decodeCheck",
                               "connectedAt", "owner"}
        assert stream["shed"] == 0 and stream["garbled"] == 0, "nothing folded or garbled at this traffic"
        assert all(isinstance(count, int) for count in stream["skipped"].values())
        assert set(stream["decodeCheck"]) == {"checked", "differed", "referenceFailed", "dropped", "last"}
        assert stream["decodeCheck"]["differed"] == 0
    for secret in (client.session["resumeToken"], idle.session["resumeToken"]):
        assert secret not in response.text
    assert "resumeToken" not in response.text


def test_counting_rules(server, connect, simulator, quiet_creator):
    name = quiet_creator()
    client = connect()
    client.watch_until_connected(name)
    rose = {"type": "gift", "giftId": 5655, "giftName": "Rose", "diamondCount": 1, "giftType": 1,
            "user": {"userId": "77", "uniqueId": "gifter", "nickname": "Gifter"}}
    simulator.inject(name, [{**rose, "repeatCount": n, "repeatEnd": False} for n in range(1, 6)])
    simulator.inject(name, [{"type": "viewers", "viewerCount": 321}])
    wait_until(lambda: client.latest_metrics()["currentViewerCount"] == 321, message="viewers")
    assert client.latest_metrics()["totalGifts"] == 0, "a running streak adds nothing"
    assert client.latest_metrics()["totalDiamonds"] == 0

    simulator.inject(name, [{**rose, "repeatCount": 5, "repeatEnd": True}])
    wait_until(lambda: client.latest_metrics()["totalGifts"] == 5, message="streak counted at its end")
    assert client.latest_metrics()["totalDiamonds"] == 5

    simulator.inject(name, [{"type": "gift", "giftId": 6000, "giftName": "Lion", "diamondCount": 100,
                             "giftType": 2, "repeatCount": 1, "repeatEnd": False}])
    wait_until(lambda: client.latest_metrics()["totalGifts"] == 6, message="type-2 gift counted at once")
    assert client.latest_metrics()["totalDiamonds"] == 105

    simulator.inject(name, [{"type": "like", "count": 15, "total": 5000},
                            {"type": "like", "count": 2, "total": 4990},
                            {"type": "viewers", "viewerCount": 120}])
    wait_until(lambda: client.latest_metrics()["currentViewerCount"] == 120, message="latest viewers")
    metrics = client.latest_metrics()
    assert metrics["totalLikes"] == 5000
    assert metrics["peakViewerCount"] == 321

    gifts = [e for e in client.seen_events() if e["type"] == "gift" and e["giftName"] == "Rose"]
    assert [g["streaking"] for g in gifts] == [True] * 5 + [False]
    assert gifts[-1]["repeatCount"] == 5 and gifts[-1]["diamondCount"] == 1
    assert gifts[-1]["user"]["nickname"] == "Gifter"


BAD_WATCH_PAYLOADS = [
    ({"username": ""}, "invalid_username"),
    ({"username": "a"}, "invalid_username"),
    ({"username": "a" * 25}, "invalid_username"),
    ({"username": "<script>alert(1)</script>"}, "invalid_username"),
    ({"username": "two words"}, "invalid_username"),
    ({"username": "../../etc/passwd"}, "invalid_username"),
    ({"username": "a/b"}, "invalid_username"),
    ({"username": "https://evil.example/@name"}, "invalid_username"),
    ({"username": 12345}, "bad_request"),
    ({"username": None}, "bad_request"),
    ({"username": ["abc"]}, "bad_request"),
    ({"username": {"nested": "abc"}}, "bad_request"),
    ({}, "bad_request"),
    ("just-a-string", "bad_request"),
    (42, "bad_request"),
    ([1, 2, 3], "bad_request"),
    (None, "bad_request"),
    (("two", "arguments"), "bad_request"),
]


def test_bad_watch_input_gets_clear_errors_and_hurts_no_one(server, connect, simulator, quiet_creator):
    name = quiet_creator()
    bystander = connect()
    bystander.watch_until_connected(name)
    attacker = connect()
    for payload, code in BAD_WATCH_PAYLOADS:
        answer = attacker.call("watch", payload)
        assert answer["ok"] is False, payload
        assert answer["error"]["code"] == code, (payload, answer)
        assert answer["error"]["message"]
    assert attacker.call("unwatch", "not an object")["error"]["code"] == "bad_request"
    assert attacker.call("no-such-event", {"x": 1})["error"]["code"] == "bad_request"

    assert requests.get(server.url + "/healthz", timeout=5).json()["status"] == "ok"
    simulator.inject(name, [chat("still flowing")])
    bystander.wait_for_event(lambda e: e.get("comment") == "still flowing")
    assert "Traceback" not in server.log_text()


def test_watch_accepts_at_names_and_urls(server, connect, quiet_creator):
    name = quiet_creator()
    client = connect()
    for text in (f"@{name.upper()}", f"https://www.tiktok.com/@{name}/live", f" {name} "):
        answer = client.watch(text)
        assert answer["ok"] and answer["session"]["username"] == name, answer


def test_offline_and_missing_creators(server, connect):
    offline = connect()
    assert offline.watch(unique_name("offline"))["ok"]
    offline.wait_for_status("offline")
    wait_until(lambda: offline.payloads("error"), message="error event")
    assert offline.payloads("error")[-1]["code"] == "user_offline"

    ghost = connect()
    assert ghost.watch(unique_name("ghost"))["ok"]
    wait_until(lambda: ghost.payloads("error"), message="error event")
    assert ghost.payloads("error")[-1]["code"] == "user_not_found"
    ghost.wait_for_status("error")  # its `session` comes right after the `error` event, not with it
    assert "Traceback" not in server.log_text()


def test_switching_creator_leaves_the_old_room(server, connect, simulator, quiet_creator):
    first, second = quiet_creator(), quiet_creator()
    client = connect()
    client.watch_until_connected(first)
    client.watch(second)
    client.wait_for_status("connected")
    simulator.inject(first, [chat("from the old one")])
    simulator.inject(second, [chat("from the new one")])
    client.wait_for_event(lambda e: e.get("comment") == "from the new one")
    assert "from the old one" not in client.comments()
    assert client.call("unwatch", {})["session"]["status"] == "idle"


def test_demo_mode_serves_the_dashboard(server_factory):
    server = server_factory(DEMO="1", TIKTOK_SIMULATOR_URL="")
    assert requests.get(server.url + "/healthz", timeout=5).json()["status"] == "ok"
    log = server.log_text()
    assert f"Live Assistant listening on {server.url}" in log
    assert re.search(r"TikTok LIVE simulator on http://127\.0\.0\.1:\d+ \(control API under \S+/_sim\)", log), log
    assert "Eventlet is deprecated" not in log, "eventlet's notice is filtered at start"
    page = requests.get(server.url + "/", timeout=5)
    assert page.status_code == 200 and "<html" in page.text.lower()
    from support.dashboardclient import DashboardClient

    client = DashboardClient(server.url)
    try:
        client.watch_until_connected("demo_creator")
        client.wait_for_event(lambda e: e["type"] == "chat", timeout=15, message="generated chat")
    finally:
        client.disconnect()


def test_debug_json_is_json(server):
    assert json.loads(requests.get(server.url + "/debug", timeout=5).text)["totalSessions"] >= 0
