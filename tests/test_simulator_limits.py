"""TikTok's limits in the simulator: the sign server's rate limits, stalled push sockets, the keep-alive frame
and new rooms per LIVE. Seen through the unmodified TikTokLive client and through raw push sockets (which
show every frame, even one without messages)."""

import asyncio
import time

import aiohttp
import pytest
import requests
from support.simclient import SimulatorControl, chat, unique_name
from test_simulator import Watcher, control, point_tiktoklive_at, until, watching
from test_simulator_flood import RawPush, chat_text, read_frame
from TikTokLive.client.errors import SignatureRateLimitError
from TikTokLive.events import (
    CommentEvent,
    ConnectEvent,
    DisconnectEvent,
    LiveEndEvent,
)

from assistant.simulator import start_simulator
from assistant.simulator.protocol import PUSH_PATH
from assistant.simulator.state import KEEPALIVE_SECONDS

NO_LIMITS = {"perMinute": None, "perHour": None, "perDay": None}
QUICK_KEEPALIVE = 0.5


@pytest.fixture
def tiktok(simulator, monkeypatch):
    """TikTokLive pointed at the shared simulator."""
    point_tiktoklive_at(monkeypatch, simulator.url)
    return simulator


@pytest.fixture
def limited(fresh_simulator, monkeypatch):
    """The shared simulator, reset before and after: sign limits must not outlive the test that sets them."""
    point_tiktoklive_at(monkeypatch, fresh_simulator.url)
    yield fresh_simulator
    fresh_simulator.reset()


@pytest.fixture(scope="module")
def quick():
    """A simulator of its own whose keep-alive comes every QUICK_KEEPALIVE s, silent creators (rate 0)."""
    with start_simulator(rate=0, keepalive_seconds=QUICK_KEEPALIVE) as running:
        api = SimulatorControl(running.url)
        yield api
        api.close()


def sign_request(sim: SimulatorControl, name: str) -> requests.Response:
    """What TikTokLive asks the sign server when it connects to `name` (one sign request)."""
    room_id = sim.stream(name)["roomId"]
    return requests.get(f"{sim.url}/webcast/fetch", params={"room_id": room_id}, timeout=5)


def reset_in(refused: requests.Response) -> float:
    """The seconds from now to a 429's `RateLimit-Reset` (a Unix time)."""
    return int(refused.headers["RateLimit-Reset"]) - time.time()


def test_a_planned_429_sends_retry_after_when_asked(tiktok):
    name = unique_name()
    tiktok.configure(name, rate=0)
    tiktok.sign_fail(429, times=1, retry_after=9, name=name, retry_after_header=True)
    refused = sign_request(tiktok, name)
    assert (refused.status_code, refused.headers["Retry-After"], refused.headers["RateLimit-Remaining"]) == \
        (429, "9", "0")


def timed(watcher: Watcher) -> list[tuple[float, int]]:
    """(arrival, monotonic clock; messages) of every fetch result the TikTokLive client reads from now on.

    TikTokLive emits events per message (WebsocketResponseEvent included), so a fetch result without
    messages shows only here: in the method its read loop hands each fetch result to.
    """
    arrivals: list[tuple[float, int]] = []
    parse = watcher.client._parse_webcast_response

    def recording(webcast_response):
        arrivals.append((time.monotonic(), len(webcast_response.messages)))
        return parse(webcast_response)

    watcher.client._parse_webcast_response = recording
    return arrivals


def gaps(times: list[float]) -> list[float]:
    return [b - a for a, b in zip(times, times[1:], strict=False)]


# --- the sign server's limits ---------------------------------------------------------------------------

def test_sign_limits_refuse_past_the_limit_until_the_oldest_request_leaves(limited):
    name = unique_name()
    limited.configure(name, rate=0)
    assert limited.sign_limits(perMinute=3) == {"perMinute": 3, "perHour": None, "perDay": None}

    first = time.monotonic()
    assert [sign_request(limited, name).status_code for _ in range(3)] == [200, 200, 200]
    refused = sign_request(limited, name)
    assert refused.status_code == 429
    headers = refused.headers
    retry = reset_in(refused)
    # Until the first of the three leaves the minute, in whole seconds rounded up (the reset, a Unix time in
    # whole seconds, may be up to 1 s short of it).
    assert 60 - (time.monotonic() - first) - 2 <= retry <= 60
    assert (headers["RateLimit-Remaining"], headers["RateLimit-Limit"]) == ("0", "3")
    assert "Retry-After" not in headers
    assert refused.json()["limit_label"] == "3 per minute"

    async def refused_connect():
        with pytest.raises(SignatureRateLimitError) as caught:
            await watching(name)
        return caught.value

    error = asyncio.run(refused_connect())
    assert error.retry_after == 0  # TikTokLive 7.0.1 reads RateLimit-Remaining as the wait
    assert 0 < error.reset_time - time.time() <= 60
    stats = limited.stats()
    assert (stats["signRequests"], stats["signRequestsByName"][name], stats["signRefused"]) == (5, 5, 2)

    # Refused requests are not counted: three so far, so a fourth is let in under a limit of 4, a fifth not.
    limited.sign_limits(perMinute=4)
    assert [sign_request(limited, name).status_code for _ in range(2)] == [200, 429]

    # The other windows count the same requests; past several limits, the wait is the longest.
    assert limited.sign_limits(perMinute=None, perHour=4) == {"perMinute": None, "perHour": 4, "perDay": None}
    hourly = sign_request(limited, name)
    assert (hourly.status_code, hourly.headers["RateLimit-Limit"]) == (429, "4")
    assert 3600 - (time.monotonic() - first) - 2 <= reset_in(hourly) <= 3600
    limited.sign_limits(perMinute=4, perDay=4)
    daily = sign_request(limited, name)
    assert (daily.status_code, daily.headers["RateLimit-Limit"]) == (429, "4")
    assert reset_in(daily) > 86_000

    # Limits removed: TikTokLive connects again.
    assert limited.sign_limits(perMinute=None, perHour=None, perDay=None) == NO_LIMITS

    async def connect():
        watcher = await watching(name)
        await watcher.stop()

    asyncio.run(connect())


def test_reset_removes_the_sign_limits(limited):
    name = unique_name()
    limited.sign_limits(perDay=1)
    assert [sign_request(limited, name).status_code for _ in range(2)] == [200, 429]
    limited.reset()
    assert requests.get(f"{limited.url}/_sim/sign/limits", timeout=5).json() == NO_LIMITS
    assert limited.stats()["signRefused"] == 0
    assert [sign_request(limited, name).status_code for _ in range(3)] == [200, 200, 200]


# --- stalls -------------------------------------------------------------------------------------------

@pytest.mark.exclusive
def test_a_stall_silences_the_open_sockets_then_frames_resume(tiktok):
    name = unique_name("stall")  # generated traffic (20 events a second): a frame every 0.25 s
    seconds = 2.0

    async def scenario():
        watcher = await watching(name)
        watched = timed(watcher)
        raw = await RawPush(tiktok.url, name).open()
        await until(lambda: len(raw.frames) >= 2 and len(watched) >= 2, "frames before the stall", 5)

        asked = time.monotonic()
        answer = await control(tiktok.stall, name, seconds)
        answered = time.monotonic()
        assert answer == {"name": name, "stalled": 2, "seconds": seconds}

        newcomer = await RawPush(tiktok.url, name).open()  # opened during the stall: not stalled
        await until(lambda: tiktok.connections().get(name) == 3, "the third socket", 5)
        sent = await control(tiktok.inject, name, [chat("said during the stall", user_id="7")])
        assert sent == {"sent": 1, "sockets": 1}
        await asyncio.sleep(answered + seconds + 1.0 - time.monotonic())
        assert not watcher.of(DisconnectEvent), "a stall keeps the connection open"
        await newcomer.close()
        await raw.close()
        await watcher.stop()
        return watcher, watched, raw, newcomer, asked, answered

    watcher, watched, raw, newcomer, asked, answered = asyncio.run(scenario())
    ends = asked + seconds
    for what, timeline in (("raw socket", raw.frames), ("TikTokLive client", watched)):
        arrivals = [at for at, _ in timeline]
        # Frames already on their way when the stall began may land just after the answer.
        during = [at - asked for at in arrivals if answered + 0.1 < at < ends - 0.1]
        assert not during, f"the {what} got frames during the stall, at {during} s"
        assert max(gaps(arrivals)) >= seconds - 0.2, f"the {what} was never silent for the stall"
        assert any(ends - 0.1 <= at <= answered + seconds + 1.0 for at in arrivals), f"the {what} got no frame after it"

    # The newcomer heard the room during the stall, the injected chat included; the stalled sockets lost it.
    assert any(answered < at < ends - 0.1 for at, _ in newcomer.frames)
    assert "said during the stall" in [chat_text(p) for _, m, p, _ in newcomer.messages() if m == "WebcastChatMessage"]
    assert "said during the stall" not in [chat_text(p) for _, m, p, _ in raw.messages() if m == "WebcastChatMessage"]
    assert "said during the stall" not in [c.comment for c in watcher.of(CommentEvent)]


def test_a_stalled_socket_still_answers_websocket_pings(simulator):
    name = unique_name("ping")

    async def scenario():
        room_id = (await control(simulator.stream, name))["roomId"]
        url = simulator.url.replace("http://", "ws://") + f"{PUSH_PATH}?room_id={room_id}&compress=gzip"
        async with aiohttp.ClientSession() as session, session.ws_connect(
                url, protocols=("echo-protocol",), autoping=False) as ws:
            first = await ws.receive(timeout=5)  # generated traffic
            assert first.type == aiohttp.WSMsgType.BINARY
            await control(simulator.stall, name, 1.5)
            while True:  # what was already on its way
                try:
                    await ws.receive(timeout=0.3)
                except TimeoutError:
                    break
            await ws.ping(b"still there?")
            pong = await ws.receive(timeout=1)
            assert (pong.type, pong.data) == (aiohttp.WSMsgType.PONG, b"still there?")

    asyncio.run(scenario())


def test_stall_answers_for_a_creator_without_sockets(simulator):
    name = unique_name()
    assert simulator.stall(name.upper(), 1) == {"name": name, "stalled": 0, "seconds": 1.0}


# --- keep-alive -----------------------------------------------------------------------------------------

def test_the_keepalive_interval_is_tiktoks_ten_seconds_by_default():
    assert KEEPALIVE_SECONDS == 10


@pytest.mark.exclusive
@pytest.mark.slow
def test_a_silent_room_sends_an_empty_frame_every_keepalive_interval(quick, monkeypatch):
    point_tiktoklive_at(monkeypatch, quick.url)
    name = unique_name("quiet")

    async def scenario():
        raw = await RawPush(quick.url, name).open()
        opened = time.monotonic()
        watcher = await watching(name)
        watched = timed(watcher)
        await asyncio.sleep(4 * QUICK_KEEPALIVE + 0.2)
        await raw.close()
        await watcher.stop()
        return raw, opened, watcher, watched

    raw, opened, watcher, watched = asyncio.run(scenario())
    arrivals = [at for at, _ in raw.frames]
    assert len(arrivals) >= 4
    assert arrivals[0] - opened <= QUICK_KEEPALIVE + 0.4
    assert all(QUICK_KEEPALIVE - 0.2 <= gap <= QUICK_KEEPALIVE + 0.4 for gap in gaps(arrivals)), gaps(arrivals)
    assert all(read_frame(frame) == [] for _, frame in raw.frames), "a keep-alive carries no message"
    # TikTokLive reads them as fetch results with no messages, and acks them: no event reaches the app.
    assert len(watched) >= 3 and all(count == 0 for _, count in watched), watched
    assert all(QUICK_KEEPALIVE - 0.2 <= gap <= QUICK_KEEPALIVE + 0.4 for gap in gaps([at for at, _ in watched]))
    assert {type(event) for event in watcher.events} <= {ConnectEvent, DisconnectEvent}


@pytest.mark.exclusive
@pytest.mark.slow
def test_no_keepalive_while_traffic_flows_or_while_stalled(quick):
    busy, still = unique_name("busy"), unique_name("still")
    quick.configure(busy, rate=20)  # a frame every 0.25 s
    seconds = 1.5

    async def scenario():
        talking = await RawPush(quick.url, busy).open()
        opened = time.monotonic()
        silent = await RawPush(quick.url, still).open()
        await until(lambda: len(silent.frames) >= 1, "a first keep-alive", 2)
        asked = time.monotonic()
        await control(quick.stall, still, seconds)
        answered = time.monotonic()
        await asyncio.sleep(answered + seconds + 0.7 - time.monotonic())
        await talking.close()
        await silent.close()
        return talking, opened, silent, asked, answered

    talking, opened, silent, asked, answered = asyncio.run(scenario())
    # Traffic is enough: a keep-alive goes only to a socket that got no frame for the interval (on a busy
    # machine the traffic may pause that long).
    arrivals = [opened] + [at for at, _ in talking.frames]
    empty = [i for i, (_, frame) in enumerate(talking.frames) if not read_frame(frame)]
    assert len(talking.frames) >= 6 and len(empty) <= len(talking.frames) // 4
    assert all(arrivals[i + 1] - arrivals[i] >= QUICK_KEEPALIVE - 0.1 for i in empty)
    # Nothing during the stall (which began between `asked` and `answered`); the keep-alive that fell due
    # meanwhile comes as soon as it ends.
    after = [at for at, _ in silent.frames if at > answered + 0.05]
    assert after, "no keep-alive after the stall"
    assert asked + seconds - 0.05 <= after[0] <= answered + seconds + 0.4, (after[0] - asked, answered - asked)


# --- a new LIVE, a new room ---------------------------------------------------------------------------------

def test_new_live_gives_a_new_room_and_ends_the_old_one(tiktok):
    name = unique_name()
    before = tiktok.configure(name, rate=0)

    async def scenario():
        old = await watching(name)
        await control(tiktok.inject, name, [{"type": "like", "count": 5}, chat("from the first LIVE")])
        answer = await control(tiktok.configure, name, newLive=True)
        # The old room's socket got the end message, then went: by the answer it is closed.
        await old.wait_for(lambda: old.of(DisconnectEvent), "the disconnect")
        assert len(old.of(LiveEndEvent)) == 1
        assert tiktok.connections().get(name, 0) == 0

        new = await watching(name)
        assert new.client.room_id == int(answer["roomId"])
        assert not new.of(CommentEvent), "a new room replays no chat of the old one"
        await control(tiktok.inject, name, [chat("in the new room")])
        await new.wait_for(lambda: new.of(CommentEvent), "the chat of the new room")
        await old.stop()
        await new.stop()
        return answer

    answer = asyncio.run(scenario())
    assert answer["roomId"] != before["roomId"]
    assert (answer["live"], answer["totalLikes"]) == (True, 0)
    alive = requests.get(f"{tiktok.url}/webcast/room/check_alive/", timeout=5,
                         params={"room_ids": f"{before['roomId']},{answer['roomId']}"}).json()["data"]
    assert [room["alive"] for room in alive] == [False, True]

    offline = unique_name("offline")
    was = tiktok.stream(offline)
    went_live = tiktok.configure(offline, newLive=True)
    assert (was["live"], went_live["live"]) == (False, True) and went_live["roomId"] != was["roomId"]


# --- bad input --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("path, body, message", [
    ("/_sim/sign/limits", b"[]", "the sign limits must be a JSON object"),
    ("/_sim/sign/limits", b"", "the sign limits must be a JSON object"),
    ("/_sim/sign/limits", b'{"perMinute": 0}', "'perMinute' must be between 1 and"),
    ("/_sim/sign/limits", b'{"perHour": "5"}', "'perHour' must be an integer, or null"),
    ("/_sim/sign/limits", b'{"perDay": 2.5}', "'perDay' must be an integer"),
    ("/_sim/sign/limits", b'{"perDay": true}', "'perDay' must be an integer"),
    ("/_sim/sign/limits", b'{"perWeek": 3}', "unknown field(s) in the sign limits: perWeek"),
    ("/_sim/streams/{name}/stall", b"{}", "'seconds' is required"),
    ("/_sim/streams/{name}/stall", b'{"seconds": 0}', "'seconds' must be a number above 0"),
    ("/_sim/streams/{name}/stall", b'{"seconds": "2"}', "'seconds' must be a number above 0"),
    ("/_sim/streams/{name}/stall", b'{"seconds": 3601}', "at most 3600"),
    ("/_sim/streams/{name}/stall", b'{"seconds": 1, "all": true}', "unknown field(s) in the stall: all"),
    ("/_sim/streams/x/stall", b'{"seconds": 1}', "invalid creator name"),
    ("/_sim/streams/{name}", b'{"newLive": "yes"}', "'newLive' must be true or false"),
    ("/_sim/streams/{name}", b'{"newLive": true, "live": false}', "'newLive' starts a LIVE"),
    ("/_sim/streams/{name}", b'{"newLive": true, "exists": false}', "'newLive' starts a LIVE"),
])
def test_malformed_limit_requests_answer_400(simulator, path, body, message):
    response = requests.post(simulator.url + path.format(name=unique_name()), data=body, timeout=5,
                             headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert message in response.json()["error"]
    assert requests.get(f"{simulator.url}/_sim/sign/limits", timeout=5).json() == NO_LIMITS
