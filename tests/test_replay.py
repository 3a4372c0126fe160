"""Capture a live, then replay it (docs/captures.md), end to end: a server with CAPTURE_DIR on the shared simulator
records a creator's varied traffic; the capture, replayed into another creator, gives a dashboard the same events
in the same order, and the same totals; the simulator's command line replays it to TikTokLive itself."""

import asyncio
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import requests
from support.appserver import REPO, RunningServer
from support.dashboardclient import DashboardClient, wait_until
from support.simclient import chat, unique_name
from TikTokLive import TikTokLiveClient
from TikTokLive.client.web.web_settings import WebDefaults
from TikTokLive.client.ws.ws_utils import extract_webcast_response_message
from TikTokLive.events import (
    CommentEvent,
    FollowEvent,
    GiftEvent,
    JoinEvent,
    LikeEvent,
    LiveEndEvent,
    RoomUserSeqEvent,
    ShareEvent,
)
from TikTokLive.proto import ProtoMessageFetchResult, WebcastPushFrame

from assistant.captures import CaptureError, read_capture

SIGN_API_KEY = "k3y-never-in-a-capture"
SESSION_ID = "s3ssion-never-in-a-capture"
# TikTokLive's events, as the app names the same messages' events.
TIKTOKLIVE_TYPES = {CommentEvent: "chat", GiftEvent: "gift", LikeEvent: "like", FollowEvent: "follow",
                    ShareEvent: "share", JoinEvent: "join", RoomUserSeqEvent: "viewers", LiveEndEvent: "end"}


def viewer(number, nickname=None):
    return {"userId": str(1000 + number), "uniqueId": f"viewer{number}", "nickname": nickname or f"Viewer {number}"}


# Varied traffic in several frames: chat (one line in another script), a gift streak with its end and a one-off
# gift, likes, a follow, a share, a join, the viewer count, and a message no decoder can read.
TRAFFIC = [
    [chat("first!", "Ann", "1"), chat("ça va? 👋", "Бо", "2")],
    [{"type": "gift", "giftId": 5655, "repeatCount": 1, "repeatEnd": False, "user": viewer(3)},
     {"type": "gift", "giftId": 5655, "repeatCount": 4, "repeatEnd": False, "user": viewer(3)}],
    [{"type": "gift", "giftId": 5655, "repeatCount": 6, "repeatEnd": True, "user": viewer(3)},
     {"type": "gift", "giftId": 7934, "user": viewer(4)}],
    [{"type": "like", "count": 5, "user": viewer(5)}, {"type": "like", "count": 15, "user": viewer(6)},
     {"type": "follow", "user": viewer(7)}, {"type": "share", "user": viewer(8)}, {"type": "join", "user": viewer(9)}],
    [{"type": "viewers", "viewerCount": 77}, {"type": "garbled"}, chat("last words", "Ann", "1")],
]
FLOOD_MIX = {"chat": 3, "gift": 1, "like": 2, "join": 2, "follow": 1, "share": 1, "viewers": 1}


def shown(event):
    """What a dashboard shows of an event: everything but when it arrived and its number."""
    return {key: value for key, value in event.items() if key not in ("ts", "seq")}


def stream_debug(server, username):
    return next(stream for stream in server.debug()["streams"] if stream["username"] == username)


def _closed(path):
    """Whether the capture at `path` holds the live's end. The file is made before its first write (every 5 s, in
    tpool: streams/capture.py), so a machine under load may show it empty or with a member cut short: not yet."""
    try:
        return "WebcastControlMessage" in methods(read_capture(path))
    except CaptureError:
        return False


@pytest.fixture(scope="module")
def captured(simulator, tmp_path_factory):
    """A live captured by a server with CAPTURE_DIR: (the server, the file, the creator, what its dashboard got:
    the `live` events and the last metrics). The server logs in to the simulator's sign server with a key and a
    session id, which no capture may hold."""
    folder = tmp_path_factory.mktemp("captures")
    host = simulator.url.split("://", 1)[1]
    server = RunningServer({"TIKTOK_SIMULATOR_URL": simulator.url, "CLEANUP_GRACE_SECONDS": 2,
                            "CAPTURE_DIR": str(folder), "SIGN_API_KEY": SIGN_API_KEY, "TIKTOK_SESSION_ID": SESSION_ID,
                            "TIKTOK_TARGET_IDC": "useast2a", "WHITELIST_AUTHENTICATED_SESSION_ID_HOST": host})
    name = unique_name("captured")
    simulator.configure(name, rate=0, viewers=10)
    tab = DashboardClient(server.url)
    try:
        tab.watch_until_connected(name)
        for frame in TRAFFIC:
            simulator.inject(name, frame)
        flood = simulator.flood(name, rate=300, seconds=1, mix=FLOOD_MIX)
        wait_until(lambda: sum(event["type"] == "chat" and event["comment"].startswith("t=")
                               for event in tab.live_events(name)) == flood["counts"]["chat"],
                   message="the flood's chat")
        room_id = simulator.stream(name)["roomId"]
        simulator.end(name)
        tab.wait_for_event(lambda event: event["type"] == "end")
        path = wait_until(lambda: next(folder.glob(f"{name}/*"), None), 15, message="the capture's file")
        # Closed at the live's end: the end message is in it.
        wait_until(lambda: _closed(path), 15, message="the closed capture")
        metrics = final_metrics(server, tab, name)
        yield {"server": server, "path": path, "name": name, "roomId": room_id, "events": tab.live_events(name),
               "metrics": metrics}
    finally:
        tab.disconnect()
        server.stop()


def methods(capture):
    """The methods of the messages in a capture's fetch results and push frames, in order (TikTokLive's parse)."""
    found = []
    for item in capture.items:
        if item.kind == "fetch":
            result = ProtoMessageFetchResult().parse(item.data)
        else:
            frame = WebcastPushFrame().parse(item.data)
            if frame.payload_type != "msg":
                continue
            result = extract_webcast_response_message(frame)
        found += [message.method for message in result.messages]
    return found


def final_metrics(server, tab, username):
    """The creator's totals once its dashboard got the end: as the server stored them with the end's batch, and
    as the dashboard gets them (a `metrics` emit follows every change of a total)."""
    stored = next(session["metrics"] for session in server.debug()["sessions"] if session["username"] == username)
    wait_until(lambda: tab.latest_metrics() == stored, message="the final totals on the dashboard")
    return stored


def test_a_capture_holds_what_tiktok_sent_and_no_secret(captured):
    path, name = captured["path"], captured["name"]
    assert re.fullmatch(rf"{captured['roomId']}-\d{{8}}T\d{{6}}Z\.tlcap\.jsonl\.gz", path.name)
    capture = read_capture(path)
    assert capture.header["format"] == "tlcap/1" and capture.header["username"] == name
    assert capture.header["roomId"] == captured["roomId"] and not capture.cut
    assert [item.kind for item in capture.items][:2] == ["fetch", "frame"]
    assert {item.kind for item in capture.items[1:]} == {"frame"}
    # Every chat message, and the garbled one (a WebcastChatMessage that does not decode).
    assert methods(capture).count("WebcastChatMessage") == sum(e["type"] == "chat" for e in captured["events"]) + 1
    raw = path.read_bytes() + b"".join(item.data for item in capture.items)
    for secret in (SIGN_API_KEY, SESSION_ID, "ttwid", "sessionid", "X-Set-TT-Cookie"):
        assert secret.encode() not in raw
    assert "viewers' names and chat" in captured["server"].log_text()  # said at the start


def test_a_replay_gives_another_creator_the_same_events_in_the_same_order(captured, simulator):
    server, original = captured["server"], captured["events"]
    name = unique_name("replayed")
    simulator.configure(name, rate=0, viewers=10)
    answer = requests.post(f"{simulator.url}/_sim/streams/{name}/replay",
                           json={"path": str(captured["path"]), "speed": 100}, timeout=30)
    assert answer.status_code == 200, answer.text
    total = len(read_capture(captured["path"]).items)
    assert answer.json()["replay"] == {"path": str(captured["path"]), "sent": 0, "total": total, "speed": 100,
                                       "startedAt": None}
    tab = DashboardClient(server.url)
    try:
        assert tab.watch(name)["ok"]
        tab.wait_for_event(lambda event: event["type"] == "end", timeout=30)
        assert [shown(event) for event in tab.live_events(name)] == [shown(event) for event in original]
        assert {"chat", "gift", "like", "follow", "share", "join", "viewers", "end"} <= {e["type"] for e in original}
        assert final_metrics(server, tab, name) == captured["metrics"]
        assert stream_debug(server, name)["garbled"] == stream_debug(server, captured["name"])["garbled"] == 1
        assert simulator.stream(name)["replay"]["sent"] == total
    finally:
        tab.disconnect()


def test_the_simulators_command_line_replays_a_capture_to_tiktoklive(captured, monkeypatch):
    command = [sys.executable, "-m", "assistant.simulator", "--port", "0", "--rate", "0", "--stop-on-stdin-eof",
               "--replay", str(captured["path"]), "--as", "@Replayed_Here", "--speed", "100"]
    process = subprocess.Popen(command, cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
    try:
        url = listening_url(process)
        for setting, value in (("tiktok_app_url", url), ("tiktok_webcast_url", url + "/webcast"),
                               ("tiktok_sign_url", url)):
            monkeypatch.setattr(WebDefaults, setting, value)
        monkeypatch.delenv("SIGN_API_URL", raising=False)
        received = asyncio.run(tiktoklive_events("replayed_here"))
    finally:
        process.stdin.close()
        process.wait(timeout=15)
    expected = [(e["type"], e.get("comment")) for e in captured["events"] if e["type"] in TIKTOKLIVE_TYPES.values()]
    assert received == expected


def listening_url(process):
    """The address the simulator says it listens on; its log is read on (and dropped) so that it never blocks."""
    for line in process.stderr:
        found = re.search(r"listening on (http://\S+)", line)
        if found:
            threading.Thread(target=process.stderr.read, daemon=True).start()
            return found.group(1)
    raise AssertionError(f"the simulator exited with {process.wait()}")


async def tiktoklive_events(name):
    """What an unmodified TikTokLive client emits for `name` until the LIVE ends: (the app's type, comment)."""
    client = TikTokLiveClient(unique_id=name)
    received = []
    for event_type, kind in TIKTOKLIVE_TYPES.items():
        client.add_listener(event_type, lambda event, kind=kind: received.append(
            (kind, event.comment if kind == "chat" else None)))
    task = await client.start()
    try:
        await asyncio.wait_for(task, 30)  # TikTokLive disconnects by itself on the end message
    finally:
        await client.disconnect()
        await client.web.close()
    return received


def test_a_replay_of_what_is_not_a_capture_is_refused(simulator, tmp_path):
    not_a_capture = Path(tmp_path / "notes.txt")
    not_a_capture.write_text("hello")
    answer = requests.post(f"{simulator.url}/_sim/streams/{unique_name()}/replay", json={"path": str(not_a_capture)},
                           timeout=10)
    assert answer.status_code == 400 and "'path' is not a capture to replay" in answer.json()["error"]
