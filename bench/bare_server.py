"""The baseline of bench/throughput.py: a bare Flask-SocketIO server doing only what cannot be avoided.

    python bench/bare_server.py --port 5100 --simulator http://127.0.0.1:8100

What it does, and why that is the fair floor to hold the project against:
- The same stack as wsgi.py: eventlet on its asyncio hub (`EVENTLET_HUB=asyncio`,
  `monkey_patch(select=False)`), Flask-SocketIO's own eventlet server, the same asyncio-to-green
  bridge (a coroutine on the hub puts on an `eventlet.queue.LightQueue`, one green thread per creator
  drains it every 50 ms and emits).
- The same upstream, byte for byte: it opens the simulator's push socket for the creator (gzip, as
  TikTokLive asks) and receives the very frames the project's TikTokLive client receives, so both
  pay for the WebSocket, gunzip and protobuf parsing of identical traffic. A generator of ready-made
  event dicts would have hidden that cost from the baseline alone.
- Decoding is the least a faithful server needs: protobuf's C (upb) parser with a schema of only the
  fields the contract's events carry (TikTokLive 7.0.1's field numbers), into the contract's event
  dicts (`type, ts, user{userId, uniqueId, nickname, avatarUrl}`, and per type `comment`, gift fields,
  `count`/`totalLikes`, `viewerCount`, `reason`). This is what the hot path (docs/architecture.md) asks of the
  project, so the ratio shows the project's own overhead on top: sessions, runners, metrics,
  recording, shedding, de-duplication.
- The same contract towards clients: `watch {username}` is acked `{ok: true}` and joins the room
  `stream:<username>`; events go out numbered (`seq`) in `live {username, events}` batches to that
  room only: 50 ms after the first event queued, everything queued, in batches of at most 1,000.
  `GET /healthz` answers `{"status": "ok"}`.
Left out, since the project's figures should show their cost: sessions and resume, snapshots,
metrics, the TikTok sign flow (the room id comes from the simulator's control API), heartbeats and
acks upstream (the simulator ignores them), reconnects, limits. The upstream stays open until exit.
"""

import os

os.environ.setdefault("EVENTLET_HUB", "asyncio")

import eventlet  # noqa: E402

eventlet.monkey_patch(select=False)

import argparse  # noqa: E402
import asyncio  # noqa: E402
import functools  # noqa: E402
import gzip  # noqa: E402
import json  # noqa: E402
import logging  # noqa: E402
import time  # noqa: E402
import urllib.request  # noqa: E402
import warnings  # noqa: E402

from eventlet.asyncio import spawn_for_awaitable  # noqa: E402
from eventlet.queue import Empty, LightQueue  # noqa: E402
from flask import Flask, jsonify  # noqa: E402
from flask_socketio import SocketIO, join_room  # noqa: E402
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory  # noqa: E402

log = logging.getLogger("bare")

BATCH_WINDOW_SECONDS = 0.05
MAX_BATCH = 1000
# Buffered frames are decoded back to back; past this much work in a row the coroutine yields. (Yielding
# after every frame measured worse here: the long emits of the drain then interleave frame by frame.)
YIELD_AFTER_SECONDS = 0.02
PUSH_PATH = "/webcast/im/ws_proxy/ws_reuse_supplement/"

# --- the upstream schema: only what the events carry, with TikTokLive 7.0.1's field numbers ------------

_T = descriptor_pb2.FieldDescriptorProto
_STRING, _BYTES, _INT64, _INT32, _BOOL, _MESSAGE = (_T.TYPE_STRING, _T.TYPE_BYTES, _T.TYPE_INT64, _T.TYPE_INT32,
                                                    _T.TYPE_BOOL, _T.TYPE_MESSAGE)
_SCHEMA = {
    "PushHeader": [("key", 1, _STRING), ("value", 2, _STRING)],
    "PushFrame": [("headers", 5, "PushHeader*"), ("payload_type", 7, _STRING), ("payload", 8, _BYTES)],
    "Item": [("method", 1, _STRING), ("payload", 2, _BYTES), ("msg_id", 3, _INT64)],
    "FetchResult": [("messages", 1, "Item*"), ("is_first", 11, _BOOL)],
    "Image": [("url_list", 1, _STRING, True)],
    "User": [("id", 1, _INT64), ("nickname", 3, _STRING), ("avatar_thumb", 9, "Image"), ("display_id", 38, _STRING)],
    "Chat": [("user", 2, "User"), ("content", 3, _STRING)],
    "GiftInfo": [("image", 1, "Image"), ("id", 5, _INT64), ("type", 11, _INT32), ("diamond_count", 12, _INT32),
                 ("name", 16, _STRING)],
    "Gift": [("gift_id", 2, _INT64), ("repeat_count", 5, _INT32), ("user", 7, "User"), ("repeat_end", 9, _INT32),
             ("gift", 15, "GiftInfo")],
    "Like": [("count", 2, _INT32), ("total", 3, _INT64), ("user", 5, "User")],
    "Social": [("user", 2, "User"), ("action", 4, _INT64)],
    "Member": [("user", 2, "User"), ("action", 10, _INT32)],
    "RoomUserSeq": [("total", 3, _INT64)],
    "Control": [("action", 2, _INT32)],
}


def _messages():
    """The schema's message classes (upb), by name."""
    file = descriptor_pb2.FileDescriptorProto(name="bare_bench.proto", package="bare", syntax="proto3")
    for name, fields in _SCHEMA.items():
        message = file.message_type.add(name=name)
        for field_name, number, kind, *repeated in fields:
            field = message.field.add(name=field_name, number=number, label=_T.LABEL_OPTIONAL)
            if isinstance(kind, str):
                field.type, field.type_name = _MESSAGE, ".bare." + kind.rstrip("*")
                if kind.endswith("*"):
                    field.label = _T.LABEL_REPEATED
            else:
                field.type = kind
                if repeated:
                    field.label = _T.LABEL_REPEATED
    pool = descriptor_pool.DescriptorPool()
    pool.Add(file)
    return {name: message_factory.GetMessageClass(pool.FindMessageTypeByName("bare." + name)) for name in _SCHEMA}


M = _messages()


@functools.lru_cache(maxsize=4096)
def _shared_user(user_id, unique_id, nickname, avatar_url):
    return {"userId": user_id, "uniqueId": unique_id, "nickname": nickname, "avatarUrl": avatar_url}


def _user(user):
    urls = user.avatar_thumb.url_list
    return _shared_user(str(user.id), user.display_id, user.nickname, urls[0] if urls else "")


def _event(method, payload, now_ms):
    """The contract's event for one upstream message, or None for a type nobody reads."""
    if method == "WebcastChatMessage":
        m = M["Chat"].FromString(payload)
        return {"type": "chat", "ts": now_ms, "user": _user(m.user), "comment": m.content}
    if method == "WebcastMemberMessage":
        m = M["Member"].FromString(payload)
        return {"type": "join", "ts": now_ms, "user": _user(m.user)} if m.action == 1 else None
    if method == "WebcastLikeMessage":
        m = M["Like"].FromString(payload)
        return {"type": "like", "ts": now_ms, "user": _user(m.user), "count": m.count, "totalLikes": m.total}
    if method == "WebcastGiftMessage":
        m = M["Gift"].FromString(payload)
        gift = m.gift
        return {"type": "gift", "ts": now_ms, "user": _user(m.user), "giftId": m.gift_id or gift.id,
                "giftName": gift.name, "diamondCount": gift.diamond_count, "repeatCount": max(m.repeat_count, 1),
                "streaking": gift.type == 1 and not m.repeat_end, "giftType": gift.type,
                "imageUrl": gift.image.url_list[0] if gift.image.url_list else ""}
    if method == "WebcastSocialMessage":
        m = M["Social"].FromString(payload)
        kind = {1: "follow", 3: "share"}.get(m.action)
        return {"type": kind, "ts": now_ms, "user": _user(m.user)} if kind else None
    if method == "WebcastRoomUserSeqMessage":
        return {"type": "viewers", "ts": now_ms, "viewerCount": M["RoomUserSeq"].FromString(payload).total}
    if method == "WebcastControlMessage" and M["Control"].FromString(payload).action in (3, 4):
        return {"type": "end", "ts": now_ms, "reason": "ended"}
    return None


def decode_frame(data):
    """The contract's events in one push frame (gzipped or not); [] for heartbeats and acks."""
    frame = M["PushFrame"].FromString(data)
    if frame.payload_type != "msg":
        return []
    payload = frame.payload
    if any(h.key == "compress_type" and h.value == "gzip" for h in frame.headers):
        payload = gzip.decompress(payload)
    result = M["FetchResult"].FromString(payload)
    now_ms = int(time.time() * 1000)
    events = []
    for item in result.messages:
        event = _event(item.method, item.payload, now_ms)
        if event is not None:
            events.append(event)
    return events


# --- the server --------------------------------------------------------------------------------------

app = Flask(__name__)
socketio = SocketIO()
upstreams = {}


class Upstream:
    """One creator's push socket: a coroutine on the hub decodes and queues, a green thread emits."""

    def __init__(self, simulator_url, username):
        self.simulator_url = simulator_url.rstrip("/")
        self.username = username
        self.room = f"stream:{username}"
        self.queue = LightQueue()
        self.seq = 0
        eventlet.spawn(self._start)
        eventlet.spawn(self._drain)

    def _start(self):
        with urllib.request.urlopen(f"{self.simulator_url}/_sim/streams/{self.username}", timeout=10) as answer:
            room_id = json.load(answer)["roomId"]
        url = self.simulator_url.replace("http://", "ws://") + f"{PUSH_PATH}?room_id={room_id}&compress=gzip"
        spawn_for_awaitable(self._read(url))

    async def _read(self, url):
        from websockets.legacy.client import connect  # what TikTokLive 7.0.1 uses

        try:
            async with connect(url, subprotocols=["echo-protocol"], max_size=None, ping_interval=None) as ws:
                log.info("Upstream of @%s open", self.username)
                ran_since = time.monotonic()
                async for data in ws:
                    events = decode_frame(data)
                    if events:
                        self.queue.put(events)
                    if time.monotonic() - ran_since > YIELD_AFTER_SECONDS:
                        await asyncio.sleep(0)  # a run of buffered frames: let the green threads in
                        ran_since = time.monotonic()
        except Exception:
            log.exception("Upstream of @%s failed", self.username)
        log.info("Upstream of @%s closed", self.username)

    def _drain(self):
        while True:
            batch = list(self.queue.get())
            eventlet.sleep(BATCH_WINDOW_SECONDS)
            while True:  # everything queued: chunks of MAX_BATCH go out back to back
                try:
                    batch.extend(self.queue.get_nowait())
                except Empty:
                    break
            for start in range(0, len(batch), MAX_BATCH):
                chunk = batch[start:start + MAX_BATCH]
                for event in chunk:
                    self.seq += 1
                    event["seq"] = self.seq
                socketio.emit("live", {"username": self.username, "events": chunk}, to=self.room)


@app.get("/healthz")
def healthz():
    return jsonify(status="ok")


@socketio.on("watch")
def on_watch(payload=None):
    """A client follows a creator: it joins the creator's room; the upstream opens on first use."""
    username = str((payload or {}).get("username", "")).lower().lstrip("@")
    if not username:
        return {"ok": False, "error": {"code": "invalid_username", "message": "no username"}}
    join_room(f"stream:{username}")
    if username not in upstreams:
        upstreams[username] = Upstream(app.config["SIMULATOR_URL"], username)
    return {"ok": True}


def main():
    parser = argparse.ArgumentParser(description="bare Flask-SocketIO baseline for bench/throughput.py")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--simulator", required=True, help="the simulator's base URL")
    parser.add_argument("--max-connections", type=int, default=20000, help="eventlet's wsgi max_size")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    app.config["SIMULATOR_URL"] = args.simulator
    socketio.init_app(app, async_mode="eventlet", max_http_buffer_size=1_000_000)
    log.info("Bare server listening on http://%s:%d", args.host, args.port)
    socketio.run(app, host=args.host, port=args.port, max_size=args.max_connections, log_output=False)


if __name__ == "__main__":
    main()
