"""Captures (docs/captures.md), fast: the tlcap/1 file (assistant/captures.py), a runner's capture
(streams/capture.py), what the connection hands it, and the simulator's side of a replay (its checks, the two
fields it rewrites). End to end, capture then replay: tests/test_replay.py."""

import asyncio
import gzip
import json
import logging
import os
import time

import eventlet
import httpx
import pytest
from support.inprocess import running_app
from TikTokLive.proto import ProtoMessageFetchResult, WebcastPushFrame

from assistant.captures import CaptureError, CaptureFull, CaptureWriter, Item, capture_path, read_capture
from assistant.config import SettingsError
from assistant.simulator import protocol, replay
from assistant.simulator.model import Chat, SimUser
from assistant.simulator.state import Creator
from assistant.simulator.validation import BadRequest, parse_replay
from assistant.streams import capture as live_capture
from assistant.tiktok import connection

STARTED = 1796650000.5  # 2026-12-07T13:26:40.5Z
ITEMS = [Item(1796650000600, "fetch", b"\x0a\x03abc"), Item(1796650000700, "frame", bytes(range(256))),
         Item(1796650000800, "frame", b"")]


def write(path, *members, max_bytes=10**6):
    writer = CaptureWriter(path, "someone", "7300000000000000001", STARTED, max_bytes)
    for items in members:
        writer.write(items)
    writer.close()
    return writer


# -- the file -------------------------------------------------------------------------------------------------

def test_a_capture_reads_back_as_written(tmp_path):
    path = capture_path(tmp_path, "someone", "7300000000000000001", STARTED)
    assert path == tmp_path / "someone" / "7300000000000000001-20261207T132640Z.tlcap.jsonl.gz"
    write(path, ITEMS[:2], ITEMS[2:])
    capture = read_capture(path)
    assert capture.header == {"format": "tlcap/1", "username": "someone", "roomId": "7300000000000000001",
                              "startedAt": 1796650000500}
    assert capture.items == ITEMS and not capture.cut
    # Any gzip reader reads it: one JSON object a line, the items holding their time, kind and bytes only.
    with gzip.open(path, "rt") as lines:
        records = [json.loads(line) for line in lines]
    assert records[0] == capture.header
    assert [sorted(record) for record in records[1:]] == [["data", "kind", "t"]] * 3


def test_a_file_cut_short_reads_up_to_its_last_whole_member(tmp_path):
    path = tmp_path / "cut.tlcap.jsonl.gz"
    whole = write(path, ITEMS[:1], ITEMS[1:2]).size
    write(tmp_path / "more.tlcap.jsonl.gz", ITEMS[:1], ITEMS[1:2], ITEMS[2:])
    data = (tmp_path / "more.tlcap.jsonl.gz").read_bytes()
    path.write_bytes(data[: whole + (len(data) - whole) // 2])  # a crash in the middle of the third member
    capture = read_capture(path)
    assert capture.items == ITEMS[:2] and capture.cut
    lines = []
    with pytest.raises(EOFError), gzip.open(path, "rt") as reader:  # a streaming reader: the same, then an error
        lines.extend(reader)
    assert [json.loads(line)["t"] for line in lines[1:]] == [item.t for item in ITEMS[:2]]


def test_a_write_past_the_limit_writes_nothing(tmp_path):
    path = tmp_path / "full.tlcap.jsonl.gz"
    writer = CaptureWriter(path, "someone", "1", STARTED, max_bytes=400)
    writer.write(ITEMS[:1])
    size = path.stat().st_size
    with pytest.raises(CaptureFull):
        writer.write([Item(1, "frame", os.urandom(500))])
    writer.close()
    assert path.stat().st_size == size == writer.size
    assert read_capture(path).items == ITEMS[:1]


def test_a_capture_never_writes_over_a_file(tmp_path):
    path = capture_path(tmp_path, "someone", "1", STARTED)
    first, second = write(path, ITEMS), write(path, ITEMS[:1])
    assert first.path == path and second.path.name == "1-20261207T132640Z-2.tlcap.jsonl.gz"
    assert read_capture(path).items == ITEMS


@pytest.mark.parametrize(("username", "room_id"), [("../etc", "1"), ("someone", "../1"), ("a/b", "1"),
                                                   ("someone", "1x"), ("..", "1"), ("Someone", "1")])
def test_a_path_is_made_of_a_username_and_a_room_id_only(tmp_path, username, room_id):
    with pytest.raises(ValueError):
        capture_path(tmp_path, username, room_id, STARTED)


@pytest.mark.parametrize(("content", "message"), [
    (b"not gzip", "is not gzip data"),
    (gzip.compress(b"", mtime=0), "holds no line"),
    (gzip.compress(b'{"format": "tlcap/2"}\n', mtime=0), "line 1 is not a tlcap/1 header"),
    (gzip.compress(b'{"format": "tlcap/1"}\n{"t": 1, "kind": "ack", "data": ""}\n', mtime=0),
     "line 2 is not an item"),
    (gzip.compress(b'{"format": "tlcap/1"}\n{"t": 1, "kind": "frame", "data": "@@"}\n', mtime=0),
     "'data' is not base64"),
    (gzip.compress(b'{"format": "tlcap/1"}\n[1,\n', mtime=0), "line 2 is not JSON"),
    (gzip.compress(b"\xff\xfe\n", mtime=0), "is not UTF-8 text"),
])
def test_what_is_not_a_capture_is_refused_saying_why(tmp_path, content, message):
    path = tmp_path / "bad.tlcap.jsonl.gz"
    path.write_bytes(content)
    with pytest.raises(CaptureError, match=message):
        read_capture(path)


# -- a runner's capture -----------------------------------------------------------------------------------------

def green_wait_until(condition, timeout=10.0):
    """Give eventlet's hub turns (the capture's flusher, tpool's answers) until `condition()` holds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        eventlet.sleep(0.01)


def files(folder):
    return sorted(folder.glob("someone/*.tlcap.jsonl.gz"))


def test_a_runner_captures_each_room_to_a_file_of_its_own(tmp_path):
    capture = live_capture.LiveCapture(str(tmp_path), 10**6, "someone")
    capture.start()
    capture.add(7300000000000000001, "fetch", b"fetch 1")
    capture.add(7300000000000000001, "frame", b"frame 1")
    capture.add(7300000000000000001, "fetch", b"fetch 1 again")  # a reconnect to the same room: the same file
    capture.add(7300000000000000002, "fetch", b"fetch 2")  # a new LIVE: a new room, a new file
    capture.add(None, "frame", b"no room: nowhere")
    capture.stop()
    first, second = files(tmp_path)
    assert first.name.startswith("7300000000000000001-") and second.name.startswith("7300000000000000002-")
    assert [(item.kind, item.data) for item in read_capture(first).items] == [
        ("fetch", b"fetch 1"), ("frame", b"frame 1"), ("fetch", b"fetch 1 again")]
    assert [item.data for item in read_capture(second).items] == [b"fetch 2"]
    assert read_capture(second).header["roomId"] == "7300000000000000002"
    capture.add(7300000000000000002, "frame", b"after the stop")  # the stream is gone: nothing more is kept
    assert len(files(tmp_path)) == 2 and len(read_capture(second).items) == 1


def test_a_capture_is_written_while_it_runs_and_closed_at_the_end(tmp_path, monkeypatch):
    monkeypatch.setattr(live_capture, "FLUSH_SECONDS", 0.05)
    capture = live_capture.LiveCapture(str(tmp_path), 10**6, "someone")
    capture.start()
    try:
        capture.add(1, "fetch", b"fetch")
        green_wait_until(lambda: files(tmp_path))  # written without a stop or an end: a crash keeps it
        capture.add(1, "frame", b"frame")
        green_wait_until(lambda: len(read_capture(files(tmp_path)[0]).items) == 2)
        capture.end()  # the live is over: its file is closed; the same room again would be a new file
        capture.add(1, "frame", b"another live")
        green_wait_until(lambda: len(files(tmp_path)) == 2)
    finally:
        capture.stop()


def test_a_full_capture_stops_once_and_the_stream_goes_on(tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(live_capture, "FLUSH_SECONDS", 0.05)
    capture = live_capture.LiveCapture(str(tmp_path), 400, "someone")
    capture.start()
    try:
        capture.add(1, "fetch", b"fetch")
        green_wait_until(lambda: files(tmp_path))
        for _ in range(3):
            capture.add(1, "frame", os.urandom(300))  # past 400 bytes: the capture stops
            eventlet.sleep(0.2)
    finally:
        capture.stop()
    stops = [entry for entry in caplog.records if "stopped" in entry.getMessage()]
    assert len(stops) == 1 and "CAPTURE_MAX_MB" in stops[0].getMessage()
    assert [item.data for item in read_capture(files(tmp_path)[0]).items] == [b"fetch"]


def test_a_folder_that_refuses_the_file_stops_the_capture_not_the_stream(tmp_path, caplog):
    (tmp_path / "someone").write_text("a file where the folder should be")
    capture = live_capture.LiveCapture(str(tmp_path), 10**6, "someone")
    capture.start()
    capture.add(1, "fetch", b"fetch")  # never raises
    capture.stop()
    capture.add(1, "frame", b"frame")
    assert [entry.levelno for entry in caplog.records if "stopped" in entry.getMessage()] == [logging.WARNING]


def test_a_capture_folder_that_cannot_be_used_stops_the_start(tmp_path):
    (tmp_path / "taken").write_text("a file")
    with pytest.raises(SettingsError, match="^CAPTURE_DIR .*taken.* cannot be used"), \
            running_app(tmp_path, CAPTURE_DIR=str(tmp_path / "taken" / "captures")):
        pass


# -- what the connection hands over -----------------------------------------------------------------------------

FETCH_BODY = b"\x12\x05cursor"


def test_only_the_body_of_the_sign_servers_fetch_result_is_kept():
    """The sign server's answer carries a cookie (X-Set-TT-Cookie); the request, the API key and the session id:
    none of that is kept, only the body of a fetch result that came (200, on the fetch route)."""

    def sign_server(request):
        if request.url.path == "/webcast/fetch" and request.url.params.get("room_id") == "1":
            return httpx.Response(200, content=FETCH_BODY, headers={"X-Set-TT-Cookie": "ttwid=s3cret-cookie"})
        return httpx.Response(429 if request.url.path == "/webcast/fetch" else 200, content=b"other")

    async def scenario():
        kept = []
        async with httpx.AsyncClient(transport=httpx.MockTransport(sign_server), base_url="http://sign") as http:
            connection._keep_fetch_results(http, lambda kind, data: kept.append((kind, data)))
            answer = await http.get("/webcast/fetch", params={"room_id": "1", "session_id": "s3cret-session"},
                                    headers={"X-Api-Key": "s3cret-key"})
            assert answer.content == FETCH_BODY  # the route still reads the body
            await http.get("/webcast/fetch", params={"room_id": "2"})  # refused: nothing to keep
            await http.get("/webcast/sign_url")
        return kept

    assert asyncio.run(scenario()) == [("fetch", FETCH_BODY)]


# -- the simulator's side of a replay -------------------------------------------------------------------------------

def test_a_replayed_frame_changes_only_its_log_id():
    payload = protocol.compress(protocol.push_payload([], 7300000000000000001, "cursor-1"))
    captured = protocol.push_frame(payload, 123456789, gzipped=True)
    frame = WebcastPushFrame().parse(protocol.with_log_id(captured, 3))
    original = WebcastPushFrame().parse(captured)
    assert frame.log_id == 3 and original.log_id == 123456789
    original.log_id = 3
    assert frame == original  # the payload, its headers, seq_id: as captured
    assert protocol.with_log_id(b"\xff\xff\xff", 3) == b"\xff\xff\xff"  # garbled: sent as it came


def test_a_replayed_fetch_result_names_this_servers_push_socket_and_nothing_else():
    message = protocol.build_message(Chat(SimUser(1, "viewer", "Viewer"), "hello"), 7300000000000000001, "")
    captured = protocol.initial_fetch([message], 7300000000000000001, "cursor-9", "wss://webcast.tiktok.example/ws")
    rewritten = ProtoMessageFetchResult().parse(protocol.with_push_server(captured, "ws://127.0.0.1:8100/ws"))
    original = ProtoMessageFetchResult().parse(captured)
    assert rewritten.push_server == "ws://127.0.0.1:8100/ws"
    original.push_server = rewritten.push_server
    assert rewritten == original
    garbled = protocol.with_push_server(b"\xff\xff", "ws://127.0.0.1:8100/ws")
    assert garbled.endswith(b"ws://127.0.0.1:8100/ws")  # never TikTok's, even where it cannot be read


@pytest.mark.parametrize(("body", "message"), [
    ([], "the replay must be a JSON object"),
    ({}, "'path' is required"),
    ({"path": ""}, "'path' must be a non-empty string"),
    ({"path": "/no/such/capture.tlcap.jsonl.gz"}, "'path' must name a readable file"),
    ({"path": "."}, "'path' must name a readable file"),
    ({"path": __file__, "speed": 0.5}, "'speed' must be a number from 1 to 100"),
    ({"path": __file__, "speed": 101}, "'speed' must be a number from 1 to 100"),
    ({"path": __file__, "speed": True}, "'speed' must be a number"),
    ({"path": __file__, "loop": True}, "unknown field(s) in the replay: loop"),
])
def test_a_malformed_replay_is_refused_saying_why(body, message):
    with pytest.raises(BadRequest) as raised:
        parse_replay(body)
    assert message in str(raised.value)


def test_a_replay_takes_the_first_fetch_result_and_every_frame(tmp_path):
    path = tmp_path / "live.tlcap.jsonl.gz"
    write(path, [Item(1, "fetch", b"first"), Item(2, "frame", b"a"), Item(3, "fetch", b"reconnect"),
                 Item(4, "frame", b"b")])
    planned = replay.load(str(path), 10)
    assert (planned.fetch, [item.data for item in planned.frames]) == (b"first", [b"a", b"b"])
    assert planned.describe() == {"path": str(path), "sent": 0, "total": 3, "speed": 10, "startedAt": None}
    assert parse_replay({"path": str(path)}) == (str(path), 1.0)
    write(tmp_path / "empty.tlcap.jsonl.gz", [])
    with pytest.raises(CaptureError, match="holds nothing to replay"):
        replay.load(str(tmp_path / "empty.tlcap.jsonl.gz"), 1)


def test_the_captured_fetch_result_answers_one_sign_request(tmp_path):
    captured = protocol.initial_fetch([], 7300000000000000001, "cursor-1", "wss://webcast.tiktok.example/ws")
    write(tmp_path / "live.tlcap.jsonl.gz", [Item(1, "fetch", captured), Item(2, "frame", b"a")])
    creator = Creator.by_convention("someone", rate=0)
    assert replay.take_fetch(creator, "ws://127.0.0.1:8100/ws") is None  # no replay: the sign server's own
    creator.replay = replay.load(str(tmp_path / "live.tlcap.jsonl.gz"), 1)
    served = replay.take_fetch(creator, "ws://127.0.0.1:8100/ws")
    assert ProtoMessageFetchResult().parse(served).push_server == "ws://127.0.0.1:8100/ws"
    assert replay.take_fetch(creator, "ws://127.0.0.1:8100/ws") is None  # the next connect: the sign server's own
    assert (creator.replay.sent, creator.replay.total) == (1, 2)


def test_a_capture_of_frames_only_replays_its_frames(tmp_path):
    write(tmp_path / "frames.tlcap.jsonl.gz", [Item(1, "frame", b"a"), Item(2, "frame", b"b")])
    creator = Creator.by_convention("someone", rate=0)
    creator.replay = replay.load(str(tmp_path / "frames.tlcap.jsonl.gz"), 1)
    assert replay.take_fetch(creator, "ws://127.0.0.1:8100/ws") is None
    assert (creator.replay.total, [item.data for item in creator.replay.frames]) == (2, [b"a", b"b"])
