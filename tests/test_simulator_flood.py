"""Simulator floods (`POST /_sim/streams/<name>/flood`): pre-encoded events at thousands a second.

Two consumers: the unmodified TikTokLive client for what a flood's messages mean (types, totals), and
a raw push socket, read with a few lines of protobuf walking, for the rate: TikTokLive's own decoding
(half a millisecond a message) could not keep up with 10,000 events a second.
"""

import asyncio
import gzip
import re
import time

import aiohttp
import pytest
import requests
from support.simclient import unique_name
from test_simulator import control, until
from TikTokLive import TikTokLiveClient
from TikTokLive.client.web.web_settings import WebDefaults
from TikTokLive.events import (
    CommentEvent,
    ConnectEvent,
    FollowEvent,
    GiftEvent,
    JoinEvent,
    LikeEvent,
    RoomUserSeqEvent,
    ShareEvent,
)
from TikTokLive.proto import ProtoMessageFetchResult, WebcastChatMessage

from assistant.simulator.protocol import PUSH_PATH

FLOOD = "/_sim/streams/{name}/flood"
CHAT_TEXT = re.compile(r"^t=(\d{13}) (\d+)$")


# --- a raw push socket --------------------------------------------------------------------------------

def _fields(data: bytes):
    """(field number, value) of a protobuf message: ints for varints, bytes for length-delimited fields."""
    pos, end = 0, len(data)
    while pos < end:
        key, pos = _varint(data, pos)
        number, wire_type = key >> 3, key & 7
        if wire_type == 0:
            value, pos = _varint(data, pos)
        elif wire_type == 2:
            length, pos = _varint(data, pos)
            value, pos = data[pos:pos + length], pos + length
        elif wire_type == 1:
            value, pos = data[pos:pos + 8], pos + 8
        elif wire_type == 5:
            value, pos = data[pos:pos + 4], pos + 4
        else:
            raise ValueError(f"wire type {wire_type}")
        yield number, value


def _varint(data: bytes, pos: int):
    value = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, pos


def read_frame(frame: bytes):
    """A push frame's messages as (method, payload, msg_id), unzipped if its header says gzip.

    Field numbers: WebcastPushFrame headers 5 (key 1, value 2), payload_type 7, payload 8;
    ProtoMessageFetchResult messages 1; BaseProtoMessage method 1, payload 2, msg_id 3.
    """
    fields = list(_fields(frame))
    if dict(fields).get(7) != b"msg":
        return []
    headers = dict(dict(_fields(value)).values() for number, value in fields if number == 5)
    payload = dict(fields)[8]
    if headers.get(b"compress_type") == b"gzip":
        payload = gzip.decompress(payload)
    messages = []
    for number, value in _fields(payload):
        if number == 1:
            item = dict(_fields(value))
            messages.append((item[1].decode(), item[2], item[3]))
    return messages


def chat_text(payload: bytes) -> str:
    """WebcastChatMessage.content (field 3)."""
    return next(value for number, value in _fields(payload) if number == 3).decode()


class RawPush:
    """One push socket opened by hand (as TikTokLive would, minus the sign server); keeps what arrives."""

    def __init__(self, url: str, name: str) -> None:
        self.url, self.name = url, name
        self.frames: list[tuple[float, bytes]] = []  # (arrival, monotonic clock), raw frame
        self._session: aiohttp.ClientSession | None = None
        self._ws = None
        self._reader: asyncio.Task | None = None

    async def open(self, gzipped: bool = True) -> "RawPush":
        self._session = aiohttp.ClientSession()
        async with self._session.get(f"{self.url}/_sim/streams/{self.name}") as response:
            room_id = (await response.json())["roomId"]
        compress = "gzip" if gzipped else ""
        ws_url = self.url.replace("http://", "ws://") + f"{PUSH_PATH}?room_id={room_id}&compress={compress}"
        self._ws = await self._session.ws_connect(ws_url, protocols=("echo-protocol",), max_msg_size=0)
        self._reader = asyncio.create_task(self._read())
        return self

    async def _read(self) -> None:
        async for message in self._ws:
            if message.type == aiohttp.WSMsgType.BINARY:
                self.frames.append((time.monotonic(), message.data))

    @property
    def closed(self) -> bool:
        return self._reader is not None and self._reader.done()

    def messages(self) -> list[tuple[float, str, bytes, int]]:
        """(arrival, method, payload, msg_id) of every message received, in order."""
        return [(at, *message) for at, frame in self.frames for message in read_frame(frame)]

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            await asyncio.wait({self._reader}, timeout=5)
        if self._session is not None:
            await self._session.close()


def chats(push: RawPush) -> list[tuple[float, int, int, int]]:
    """(arrival, send time in epoch ms, n, msg_id) of the flood chat a raw socket received."""
    found = []
    for at, method, payload, msg_id in push.messages():
        if method == "WebcastChatMessage":
            sent_ms, n = CHAT_TEXT.match(chat_text(payload)).groups()
            found.append((at, int(sent_ms), int(n), msg_id))
    return found


# --- tests ----------------------------------------------------------------------------------------------

def test_flood_reaches_10000_events_a_second_in_order(simulator):
    name = unique_name("flood")
    simulator.configure(name, rate=0)
    sent_before = simulator.stats()["floodEventsSent"]

    async def scenario():
        push = await RawPush(simulator.url, name).open()
        await until(lambda: simulator.connections().get(name) == 1, "the push socket", 5)
        started_ms = time.time() * 1000
        answer = await control(simulator.flood, name, rate=10_000, seconds=2)
        assert (answer["count"], answer["counts"]) == (20_000, {"chat": 20_000})
        assert answer["expected"]["comments"] == 20_000

        # The control API stays responsive while the flood runs.
        asked = time.monotonic()
        await control(simulator.connections)
        control_latency = time.monotonic() - asked

        deadline = time.monotonic() + 20
        while (await control(simulator.stats))["floodEventsSent"] - sent_before < 20_000:
            assert time.monotonic() < deadline, "the flood did not finish within 20 s"
            await asyncio.sleep(0.1)
        await asyncio.sleep(0.3)  # the last frames on their way; nothing more may come
        received = chats(push)
        await push.close()
        return started_ms, received, push.frames, control_latency

    started_ms, received, frames, control_latency = asyncio.run(scenario())
    assert [n for _, _, n, _ in received] == list(range(20_000))
    assert len({msg_id for *_, msg_id in received}) == 20_000  # the app de-duplicates chat by id
    sent_times = [sent_ms for _, sent_ms, _, _ in received]
    assert sent_times == sorted(sent_times) and started_ms - 1000 <= sent_times[0] <= sent_times[-1]

    # The rates: events after the first frame over the time since it was sent, or since it arrived.
    after_first = 20_000 - len(read_frame(frames[0][1]))
    sent_rate = after_first / ((sent_times[-1] - sent_times[0]) / 1000)
    received_rate = after_first / (frames[-1][0] - frames[0][0])
    print(f"\nflood: 20,000 chat events in {len(frames)} frames, sent at {sent_rate:,.0f} events/s, received at "
          f"{received_rate:,.0f}/s; a control call during it took {control_latency * 1000:.0f} ms")
    assert sent_rate >= 5_000 and received_rate >= 5_000  # 10,000 on a quiet machine; shared ones are noisy
    assert control_latency < 1.0
    assert simulator.stats()["floodEventsSent"] - sent_before == 20_000


@pytest.fixture
def tiktok(simulator, monkeypatch):
    """Point TikTokLive at the simulator (restored afterwards)."""
    monkeypatch.setattr(WebDefaults, "tiktok_app_url", simulator.url)
    monkeypatch.setattr(WebDefaults, "tiktok_webcast_url", simulator.url + "/webcast")
    monkeypatch.setattr(WebDefaults, "tiktok_sign_url", simulator.url)
    monkeypatch.delenv("SIGN_API_URL", raising=False)
    return simulator


def test_flood_mix_reads_right_through_tiktoklive(tiktok):
    name = unique_name("flood")
    tiktok.configure(name, rate=0, viewers=321)
    tiktok.inject(name, [{"type": "like", "count": 7, "total": 1000}])  # the room's total so far
    mix = {"chat": 5, "join": 10, "like": 5, "gift": 1, "follow": 1, "share": 1, "viewers": 1}
    kinds = (CommentEvent, JoinEvent, LikeEvent, GiftEvent, FollowEvent, ShareEvent, RoomUserSeqEvent)

    async def scenario():
        client = TikTokLiveClient(unique_id=name)
        events = []
        for kind in (ConnectEvent, *kinds):
            client.add_listener(kind, events.append)
        await client.start()
        await until(lambda: any(isinstance(e, ConnectEvent) for e in events), "the connect event", 5)
        answer = await control(tiktok.flood, name, rate=400, seconds=1, mix=mix)
        await until(lambda: sum(not isinstance(e, ConnectEvent) for e in events) >= answer["count"],
                    f"{answer['count']} events", 15)
        await asyncio.sleep(0.2)
        await client.disconnect()
        await client.web.close()
        return answer, events

    answer, events = asyncio.run(scenario())
    counts = answer["counts"]
    assert answer["count"] == 400 and sum(counts.values()) == 400 and counts.keys() == mix.keys()
    assert all(abs(counts[kind] - 400 * weight / 24) <= weight for kind, weight in mix.items())
    of = {kind: [e for e in events if type(e) is event_class] for kind, event_class in zip(mix, kinds, strict=True)}
    assert {kind: len(received) for kind, received in of.items()} == counts

    matches = [CHAT_TEXT.match(c.comment) for c in of["chat"]]
    assert [int(m.group(2)) for m in matches] == list(range(counts["chat"]))
    assert len({c.common.msg_id for c in of["chat"]}) == counts["chat"]
    assert all(c.user.unique_id and c.user.nickname for c in of["chat"])

    expected = answer["expected"]
    gifts = of["gift"]
    assert not any(g.streaking for g in gifts)  # finished streaks and one-off gifts: each counts at once
    assert sum(g.repeat_count for g in gifts) == expected["gifts"]
    assert sum(g.gift.diamond_count * g.repeat_count for g in gifts) == expected["diamonds"]
    totals = [like.total for like in of["like"]]
    assert totals == sorted(totals) and totals[0] > 1000
    assert totals[-1] == expected["likesTotal"] == 1000 + expected["likes"] == tiktok.stream(name)["totalLikes"]
    assert sum(like.count for like in of["like"]) == expected["likes"]
    assert (expected["joins"], expected["follows"], expected["shares"]) == (
        counts["join"], counts["follow"], counts["share"])
    assert {v.total for v in of["viewers"]} == {321}


@pytest.mark.exclusive
def test_flood_without_sockets_answers_and_reaches_sockets_opened_during_it(simulator):
    name = unique_name("flood")
    simulator.configure(name, rate=0)

    async def scenario():
        asked = time.monotonic()
        answer = await control(simulator.flood, name, rate=200, seconds=4)
        assert time.monotonic() - asked < 1.0 and answer["count"] == 800
        await asyncio.sleep(0.6)
        push = await RawPush(simulator.url, name).open(gzipped=False)
        await until(lambda: any(n == 799 for _, _, n, _ in chats(push)), "the flood's last chat", 10)
        received = [n for _, _, n, _ in chats(push)]
        await push.close()
        return received

    received = asyncio.run(scenario())
    # What was sent before the socket opened is gone; from then on nothing is missing.
    assert 50 < received[0] < 799 and received == list(range(received[0], 800))


def test_flood_chat_is_replayed_to_a_new_connection(tiktok):
    name = unique_name("flood")
    tiktok.configure(name, rate=0)

    async def scenario():
        first = await RawPush(tiktok.url, name).open()
        await until(lambda: tiktok.connections().get(name) == 1, "the push socket", 5)
        await control(tiktok.flood, name, rate=100, seconds=0.5)
        await until(lambda: len(chats(first)) == 50, "50 chats", 5)
        await first.close()

        client = TikTokLiveClient(unique_id=name)
        replayed = []
        client.add_listener(CommentEvent, replayed.append)
        await client.start()
        await until(lambda: len(replayed) == 6, "the replayed chat", 5)
        await client.disconnect()
        await client.web.close()
        return replayed

    replayed = asyncio.run(scenario())
    assert [int(CHAT_TEXT.match(c.comment).group(2)) for c in replayed] == list(range(44, 50))


def test_reset_stops_floods(fresh_simulator):
    name = unique_name("flood")
    fresh_simulator.configure(name, rate=0)

    async def scenario():
        push = await RawPush(fresh_simulator.url, name).open()
        await until(lambda: fresh_simulator.connections().get(name) == 1, "the push socket", 5)
        await control(fresh_simulator.flood, name, rate=1000, seconds=600)
        await until(lambda: len(push.frames) >= 5, "some frames", 5)
        await control(fresh_simulator.reset)
        await until(lambda: push.closed, "the socket to close", 5)
        await push.close()

    asyncio.run(scenario())
    stats = fresh_simulator.stats()
    assert (stats["floodEventsSent"], stats["floodsRunning"]) == (0, 0)


def test_a_flood_message_parses_with_tiktoklive_proto_classes(simulator):
    name = unique_name("flood")
    simulator.configure(name, rate=0)

    async def scenario():
        push = await RawPush(simulator.url, name).open()
        await until(lambda: simulator.connections().get(name) == 1, "the push socket", 5)
        await control(simulator.flood, name, rate=50, seconds=0.1)
        await until(lambda: chats(push), "a chat", 5)
        await push.close()
        return push.frames[0][1]

    frame = asyncio.run(scenario())
    [(method, payload, msg_id)] = read_frame(frame)
    result = ProtoMessageFetchResult().parse(gzip.decompress(dict(_fields(frame))[8]))
    assert [m.msg_id for m in result.messages] == [msg_id] and result.need_ack
    chat = WebcastChatMessage().parse(payload)
    assert CHAT_TEXT.match(chat.content).group(2) == "0"
    assert chat.common.msg_id == msg_id and chat.common.method == method == "WebcastChatMessage"
    assert str(chat.common.room_id) == simulator.stream(name)["roomId"]
    assert chat.user.display_id and chat.user.avatar_thumb.url_list


@pytest.mark.parametrize("body, message", [
    (b"{nope", "not valid JSON"),
    (b"[]", "the flood must be a JSON object"),
    (b"{}", "'rate' is required"),
    (b'{"rate": 100}', "'seconds' is required"),
    (b'{"rate": 0, "seconds": 1}', "'rate' must be a number above 0 and at most 50000"),
    (b'{"rate": -5, "seconds": 1}', "'rate' must be a number above 0"),
    (b'{"rate": "fast", "seconds": 1}', "'rate' must be a number"),
    (b'{"rate": true, "seconds": 1}', "'rate' must be a number"),
    (b'{"rate": 50001, "seconds": 1}', "at most 50000"),
    (b'{"rate": 100, "seconds": 601}', "'seconds' must be a number above 0 and at most 600"),
    (b'{"rate": 100, "seconds": 0}', "'seconds' must be a number above 0"),
    (b'{"rate": 0.1, "seconds": 1}', "makes no event"),
    (b'{"rate": 100, "seconds": 1, "burst": 3}', "unknown field(s) in the flood: burst"),
    (b'{"rate": 100, "seconds": 1, "mix": ["chat"]}', "'mix' must be a JSON object"),
    (b'{"rate": 100, "seconds": 1, "mix": {"dance": 1}}', "unknown event type(s) in 'mix': 'dance'"),
    (b'{"rate": 100, "seconds": 1, "mix": {"chat": 0}}', "at least one type with a weight above 0"),
    (b'{"rate": 100, "seconds": 1, "mix": {"chat": -1}}', "'chat' must be between 0 and 1000"),
    (b'{"rate": 100, "seconds": 1, "mix": {"chat": 1.5}}', "'chat' must be an integer"),
    (b'{"rate": 100, "seconds": 1, "mix": {"garbled": 1}}', "unknown event type(s)"),
])
def test_malformed_floods_answer_400(simulator, body, message):
    response = requests.post(simulator.url + FLOOD.format(name=unique_name("flood")), data=body, timeout=5,
                             headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert message in response.json()["error"]


def test_flood_of_an_invalid_creator_name_answers_400(simulator):
    response = requests.post(simulator.url + FLOOD.format(name="x"), json={"rate": 1, "seconds": 1}, timeout=5)
    assert response.status_code == 400 and "invalid creator name" in response.json()["error"]
