"""The simulator, seen through the unmodified TikTokLive client (plain asyncio, no eventlet here)."""

import asyncio
import time

import pytest
import requests
from support.simclient import SimulatorControl, chat, unique_name
from TikTokLive import TikTokLiveClient
from TikTokLive.client.errors import (
    AgeRestrictedError,
    SignAPIError,
    SignatureRateLimitError,
    UserNotFoundError,
    UserOfflineError,
    WebcastBlockedError,
)
from TikTokLive.client.web.web_settings import WebDefaults
from TikTokLive.events import (
    EVENT_MAPPINGS,
    CommentEvent,
    ConnectEvent,
    DisconnectEvent,
    FollowEvent,
    GiftEvent,
    JoinEvent,
    LikeEvent,
    LiveEndEvent,
    RoomUserSeqEvent,
    ShareEvent,
)
from TikTokLive.events.custom_events import WebsocketResponseEvent
from websockets.exceptions import ConnectionClosedError

from assistant.simulator import protocol, start_simulator
from assistant.simulator.model import Battle, Chat, Follow, Gift, Join, Like, Poll, Rank, Raw, Share, Subscribe, Viewers
from assistant.simulator.traffic import TrafficGenerator

WATCHED = (ConnectEvent, CommentEvent, GiftEvent, LikeEvent, FollowEvent, ShareEvent, JoinEvent,
           RoomUserSeqEvent, LiveEndEvent, DisconnectEvent, WebsocketResponseEvent)
STREAM = "/_sim/streams/{name}"
EVENTS = STREAM + "/events"


def point_tiktoklive_at(monkeypatch, url: str) -> None:
    """Point TikTokLive at the simulator at `url` (set before any client is built; restored afterwards)."""
    monkeypatch.setattr(WebDefaults, "tiktok_app_url", url)
    monkeypatch.setattr(WebDefaults, "tiktok_webcast_url", url + "/webcast")
    monkeypatch.setattr(WebDefaults, "tiktok_sign_url", url)
    monkeypatch.delenv("SIGN_API_URL", raising=False)  # it would override tiktok_sign_url


@pytest.fixture
def tiktok(simulator, monkeypatch):
    """TikTokLive pointed at the shared simulator."""
    point_tiktoklive_at(monkeypatch, simulator.url)
    return simulator


class Watcher:
    """A TikTokLiveClient on one creator that records what it emits (of the types `watched`, ConnectEvent
    always)."""

    def __init__(self, name: str, watched: tuple = WATCHED) -> None:
        self.client = TikTokLiveClient(unique_id=name)
        self.events: list = []
        self.task: asyncio.Task | None = None
        for event_type in {ConnectEvent, *watched}:
            self.client.add_listener(event_type, self.events.append)

    async def start(self, **options) -> "Watcher":
        self.task = await self.client.start(**options)
        await self.wait_for(lambda: self.of(ConnectEvent), "the connect event")
        return self

    def of(self, event_type) -> list:
        return [e for e in self.events if type(e) is event_type]

    async def wait_for(self, condition, what: str, timeout: float = 5.0) -> None:
        await until(condition, f"{what} on @{self.client.unique_id}", timeout)

    async def stop(self) -> None:
        # Not disconnect(close_client=True): close() runs the loop's run_until_complete, which fails
        # inside a running loop.
        await self.client.disconnect()
        await self.client.web.close()


async def until(condition, what: str, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        await asyncio.sleep(0.02)


async def control(method, *args, **kwargs):
    """Call the control API off the event loop: the simulator may wait for our client to react."""
    return await asyncio.to_thread(method, *args, **kwargs)


async def watching(name: str, watched: tuple = WATCHED, **options) -> Watcher:
    return await Watcher(name, watched).start(**options)


def test_live_creator_delivers_every_injected_event(tiktok):
    name = unique_name()
    tiktok.configure(name.upper(), rate=0)  # names are case-insensitive; rate 0: injected events only
    alice = {"userId": 1001, "uniqueId": "alice.k", "nickname": "Alice K"}

    async def scenario():
        watcher = await watching("@" + name)
        result = await control(tiktok.inject, name, [
            {"type": "chat", "user": alice, "comment": "hello from the test"},
            {"type": "gift", "user": alice, "giftId": 5655, "giftName": "Rose", "diamondCount": 1,
             "giftType": 1, "repeatCount": 1, "repeatEnd": False},
            {"type": "gift", "user": alice, "giftId": 5655, "repeatCount": 4, "repeatEnd": False},
            {"type": "gift", "user": alice, "giftId": 5655, "repeatCount": 7, "repeatEnd": True},
            {"type": "gift", "user": alice, "giftId": 6369, "giftName": "Lion", "diamondCount": 29999,
             "giftType": 2},
            {"type": "like", "user": alice, "count": 12, "total": 3456},
            {"type": "follow", "user": alice},
            {"type": "share"},
            {"type": "join", "user": {"uniqueId": "bob_99"}},
            {"type": "viewers", "viewerCount": 4321},
        ])
        assert result == {"sent": 10, "sockets": 1}
        await watcher.wait_for(lambda: watcher.of(RoomUserSeqEvent), "the viewer count")

        [comment] = watcher.of(CommentEvent)
        assert comment.comment == "hello from the test"
        user = comment.user
        assert (user.nickname, user.unique_id, user.id) == ("Alice K", "alice.k", 1001)
        assert comment.user.avatar_thumb.url_list == [f"{tiktok.url}/_sim/avatar/alice.k.svg?name=Alice+K"]

        gifts = watcher.of(GiftEvent)
        assert [(g.gift.name, g.repeat_count, g.streaking) for g in gifts] == [
            ("Rose", 1, True), ("Rose", 4, True), ("Rose", 7, False), ("Lion", 1, False)]
        assert [g.gift.diamond_count for g in gifts] == [1, 1, 1, 29999]
        assert [g.gift.streakable for g in gifts] == [True, True, True, False]
        assert len({g.group_id for g in gifts[:3]}) == 1  # one streak
        assert gifts[2].repeat_end and gifts[2].value == pytest.approx(7 * 0.005)
        assert gifts[3].gift.image.url_list == [f"{tiktok.url}/_sim/gift/6369.svg"]

        [like] = watcher.of(LikeEvent)
        assert (like.count, like.total, like.user.unique_id) == (12, 3456, "alice.k")
        assert watcher.of(FollowEvent)[0].user.nickname == "Alice K"
        assert len(watcher.of(ShareEvent)) == 1
        assert watcher.of(JoinEvent)[0].user.unique_id == "bob_99"
        assert watcher.of(RoomUserSeqEvent)[0].total == 4321
        assert tiktok.connections().get(name) == 1

        assert await control(tiktok.end, name) == {"name": name, "closed": 1}
        await watcher.wait_for(lambda: watcher.of(DisconnectEvent), "the disconnect")
        assert len(watcher.of(LiveEndEvent)) == 1
        assert watcher.events.index(watcher.of(LiveEndEvent)[0]) < watcher.events.index(
            watcher.of(DisconnectEvent)[0])
        assert tiktok.connections().get(name, 0) == 0
        await watcher.stop()

        with pytest.raises(UserOfflineError):  # an ended stream stays ended
            await watching(name)

    asyncio.run(scenario())
    assert tiktok.stream(name)["live"] is False


@pytest.mark.parametrize("prefix, settings, error", [
    ("offline", {}, UserOfflineError),
    ("ghost", {}, UserNotFoundError),
    ("live", {"live": False}, UserOfflineError),
    ("live", {"exists": False}, UserNotFoundError),
])
def test_creators_not_live_raise_tiktoklive_errors(tiktok, prefix, settings, error):
    name = unique_name(prefix)
    if settings:
        tiktok.configure(name, **settings)

    async def scenario():
        with pytest.raises(error):
            await watching(name)

    asyncio.run(scenario())
    assert name not in tiktok.stats()["signRequestsByName"]  # it never got as far as the sign server


def test_a_planned_429_gives_the_wait_in_its_reset_time_not_in_remaining(tiktok):
    """As a RateLimit-headers server answers (tiktok_routes._rate_limited): `RateLimit-Remaining` 0, the reset
    a Unix time. TikTokLive 7.0.1 takes `Remaining` for the wait, so it reads 0 here: the app must not."""
    name = unique_name()
    planned = tiktok.sign_fail(429, times=1, retry_after=4, name=name)
    assert planned == {"status": 429, "times": 1, "retryAfter": 4, "retryAfterHeader": False, "name": name}

    async def scenario():
        with pytest.raises(SignatureRateLimitError) as caught:
            await watching(name)
        headers = caught.value.response.headers
        assert (headers["RateLimit-Remaining"], "Retry-After" in headers) == ("0", False)
        assert caught.value.retry_after == 0  # TikTokLive's reading
        assert abs(caught.value.reset_time - (time.time() + 4)) < 5
        watcher = await watching(name)  # only the next request was to fail
        await watcher.stop()

    asyncio.run(scenario())
    stats = tiktok.stats()
    assert (stats["signRequestsByName"][name], stats["pushConnectionsOpened"][name]) == (2, 1)



def test_sign_server_other_failure_raises_sign_api_error(tiktok):
    name = unique_name()
    tiktok.sign_fail(503, times=1, name=name)

    async def scenario():
        with pytest.raises(SignAPIError) as caught:
            await watching(name)
        assert caught.value.reason is SignAPIError.ErrorReason.SIGN_NOT_200

    asyncio.run(scenario())


def test_drop_closes_sockets_without_an_end(tiktok):
    name = unique_name()
    tiktok.configure(name, rate=0)

    async def scenario():
        first, second = await watching(name), await watching(name)
        assert tiktok.connections().get(name) == 2
        await control(tiktok.inject, name, [chat("both of you", "Sam", user_id="42")])
        for watcher in (first, second):
            await watcher.wait_for(lambda w=watcher: w.of(CommentEvent), "the shared comment")
            [comment] = watcher.of(CommentEvent)
            assert (comment.comment, comment.user.id, comment.user.unique_id) == ("both of you", 42, "u42")

        assert await control(tiktok.drop, name) == {"name": name, "closed": 2}
        for watcher in (first, second):
            await watcher.wait_for(lambda w=watcher: w.of(DisconnectEvent), "the disconnect")
            assert not watcher.of(LiveEndEvent)
            assert watcher.task.exception() is None
        assert tiktok.connections().get(name, 0) == 0

        third = await watching(name)  # the stream is still live
        assert tiktok.connections().get(name) == 1
        await control(tiktok.drop, name, abort=True)  # a cut connection: the client's task fails
        await third.wait_for(lambda: third.task.done(), "the client task to end")
        assert isinstance(third.task.exception(), ConnectionClosedError)
        assert not third.of(LiveEndEvent) and not third.of(DisconnectEvent)
        for watcher in (first, second, third):
            await watcher.stop()

    asyncio.run(scenario())
    assert tiktok.connections().get(name, 0) == 0
    assert tiktok.stats()["pushConnectionsOpened"][name] == 3


def test_clients_leaving_bring_connections_back_to_zero(tiktok):
    name = unique_name()

    async def scenario():
        watchers = [await watching(name) for _ in range(3)]
        assert tiktok.connections().get(name) == 3
        for left, watcher in enumerate(watchers, start=1):
            await watcher.stop()
            await until(lambda n=3 - left: tiktok.connections().get(name, 0) == n, f"{3 - left} sockets")

    asyncio.run(scenario())
    assert name not in tiktok.connections()


def test_two_creators_each_get_only_their_own_events(tiktok):
    names = [unique_name("alpha"), unique_name("beta")]
    for name in names:
        tiktok.configure(name, rate=0)

    async def scenario():
        # One of them asks for uncompressed frames (TikTokLive's compress_ws_events=False).
        watchers = [await watching(names[0]), await watching(names[1], compress_ws_events=False)]
        for name in names:
            await control(tiktok.inject, name, [{"type": "chat", "comment": f"marker for {name}"}])
        for watcher in watchers:
            await watcher.wait_for(lambda w=watcher: w.of(CommentEvent), "its marker")
        await asyncio.sleep(0.3)  # room for a stray message to show up
        for name, watcher in zip(names, watchers, strict=True):
            assert [c.comment for c in watcher.of(CommentEvent)] == [f"marker for {name}"]
            await watcher.stop()

    asyncio.run(scenario())


def test_generated_traffic_has_every_event_type(tiktok):
    name = unique_name()
    wanted = (CommentEvent, GiftEvent, LikeEvent, JoinEvent, FollowEvent, ShareEvent, RoomUserSeqEvent)
    shown = {"WebcastChatMessage", "WebcastGiftMessage", "WebcastLikeMessage", "WebcastMemberMessage",
             "WebcastSocialMessage", "WebcastRoomUserSeqMessage", "WebcastControlMessage"}

    async def scenario():
        watcher = await watching(name)
        await watcher.wait_for(lambda: all(watcher.of(t) for t in wanted), "every event type", timeout=10)

        def others():
            return {m.method for e in watcher.of(WebsocketResponseEvent) for m in e.raw.messages} - shown

        await watcher.wait_for(lambda: len(others()) >= 3, "types a dashboard does not show", timeout=10)
        assert others() <= set(EVENT_MAPPINGS), "all of them types TikTokLive knows"
        # Enough chat to judge its variety: the first few lines may come from one viewer by chance.
        await watcher.wait_for(lambda: len(watcher.of(CommentEvent)) >= 5, "five chat lines", timeout=10)
        likes = [e.total for e in watcher.of(LikeEvent)]
        assert likes == sorted(likes) and all(e.count >= 1 for e in watcher.of(LikeEvent))
        assert len({c.user.unique_id for c in watcher.of(CommentEvent)}) > 1
        assert all(c.user.nickname and c.user.avatar_thumb.url_list for c in watcher.of(CommentEvent))
        assert all(g.gift.diamond_count >= 1 and g.repeat_count >= 1 for g in watcher.of(GiftEvent))
        assert all(v.total > 0 for v in watcher.of(RoomUserSeqEvent))
        await watcher.stop()

    asyncio.run(scenario())
    # No push socket, no traffic: the room's like total stands still.
    total = tiktok.stream(name)["totalLikes"]
    time.sleep(0.6)
    assert tiktok.stream(name)["totalLikes"] == total


def test_a_raw_message_of_any_type_reaches_tiktoklive_as_that_type(tiktok):
    name = unique_name()
    tiktok.configure(name, rate=0)

    async def scenario():
        watcher = await watching(name)
        result = await control(tiktok.inject, name, [
            {"type": "raw", "method": "WebcastRankUpdateMessage",
             "message": {"group_type": 1, "updates": [{"rank_type": 8, "own_rank": 3}]}},
            {"type": "raw", "method": "WebcastPollMessage", "message": {"pollId": 77, "common": {"msg_id": 5}}},
        ])
        assert result == {"sent": 2, "sockets": 1}

        def received():  # TikTokLive emits the fetch result again with each of its messages
            return list({m.msg_id: m for e in watcher.of(WebsocketResponseEvent) for m in e.raw.messages}.values())

        await watcher.wait_for(lambda: len(received()) == 2, "both messages")
        rank, poll = (EVENT_MAPPINGS[m.method]().parse(m.payload) for m in received())
        assert (rank.group_type, rank.updates[0].rank_type, rank.updates[0].own_rank) == (1, 8, 3)
        assert rank.common.method == "WebcastRankUpdateMessage" and rank.common.msg_id == received()[0].msg_id
        assert rank.common.room_id == int(tiktok.stream(name)["roomId"]) and rank.common.create_time > 0
        assert (poll.poll_id, poll.common.msg_id, received()[1].msg_id) == (77, 5, 5), "a msg_id given is kept"
        await watcher.stop()

    asyncio.run(scenario())


def test_generator_streaks_and_totals_are_consistent():
    generator = TrafficGenerator("consistency")
    events, likes = [], 0
    for _ in range(240):  # a minute at 20 events a second
        batch = generator.tick(0.25, 20.0, 500, likes)
        likes = max([likes] + [e.total for e in batch if isinstance(e, Like)])
        events += batch
    events = [e for e in events if not isinstance(e, Battle | Poll | Subscribe)]  # stories.py's, tested apart
    assert len(events) == 1200
    assert {type(e) for e in events} == {Chat, Gift, Like, Follow, Share, Join, Viewers, Raw, Rank}
    background = [e for e in events if isinstance(e, Raw | Rank)]
    assert 0.05 < len(background) / len(events) < 0.15, "ranks and types a dashboard does not show: a modest share"
    assert len({e.method for e in background if isinstance(e, Raw)}) >= 4
    for event in background:  # each encodes with TikTokLive's own class for its method, and reads back with it
        message = protocol.build_message(event, 7, "")
        assert EVENT_MAPPINGS[message.method]().parse(message.payload).common.msg_id == message.msg_id
    like_totals = [e.total for e in events if isinstance(e, Like)]
    assert like_totals == sorted(like_totals)
    streaks: dict[int, list[Gift]] = {}
    for gift in (e for e in events if isinstance(e, Gift)):
        streaks.setdefault(gift.group_id, []).append(gift)
    for messages in streaks.values():
        counts = [m.repeat_count for m in messages]
        assert counts == sorted(counts) and len({m.user for m in messages}) == 1
        assert not any(m.repeat_end for m in messages[:-1])
        if not messages[0].gift.streakable:
            assert len(messages) == 1 and messages[0].repeat_end
    assert any(m[-1].repeat_end and m[-1].repeat_count > 1 for m in streaks.values())
    assert any(not m[0].gift.streakable for m in streaks.values())


def test_recent_chat_is_replayed_on_connect(tiktok):
    name = unique_name()
    tiktok.configure(name, rate=0)
    tiktok.inject(name, [{"type": "chat", "comment": f"old {i}"} for i in range(8)])

    async def scenario():
        watcher = await watching(name)
        await watcher.wait_for(lambda: len(watcher.of(CommentEvent)) == 6, "the replayed chat")
        await control(tiktok.inject, name, [{"type": "chat", "comment": "live one"}])
        await watcher.wait_for(lambda: len(watcher.of(CommentEvent)) == 7, "the live comment")
        comments = [c.comment for c in watcher.of(CommentEvent)]
        assert comments == [f"old {i}" for i in range(2, 8)] + ["live one"]
        # How a consumer tells the replay apart: it comes in the first fetch, flagged is_history.
        first_fetch = [e.raw for e in watcher.of(WebsocketResponseEvent) if e.raw.is_first]
        assert first_fetch and all(m.is_history for m in first_fetch[0].messages)
        replayed_ids = {m.msg_id for m in first_fetch[0].messages}
        assert [c.common.msg_id in replayed_ids for c in watcher.of(CommentEvent)] == [True] * 6 + [False]
        await watcher.stop()

    asyncio.run(scenario())


def test_room_info_and_gift_list_are_served(tiktok):
    name = unique_name()

    async def scenario():
        watcher = await watching(name, fetch_room_info=True, fetch_gift_info=True)
        assert watcher.client.room_info["owner"]["display_id"] == name
        assert {"Rose", "Lion", "Universe"} <= {g["name"] for g in watcher.client.gift_info["gifts"]}
        await watcher.stop()

    asyncio.run(scenario())


async def refused_socket(name: str) -> WebcastBlockedError:
    """Connect an anonymous TikTokLive client to `name`: the sign request passes, the push socket is refused."""
    client = TikTokLiveClient(unique_id=name)
    try:
        task = await client.start()
        with pytest.raises(WebcastBlockedError) as caught:
            await task
        return caught.value
    finally:
        await client.web.close()


def test_an_age_restricted_live_is_shown_only_to_a_logged_in_viewer(tiktok, monkeypatch):
    name = unique_name()
    assert tiktok.configure(name, rate=0, ageRestricted=True)["ageRestricted"] is True

    async def scenario():
        refusal = await refused_socket(name)
        assert "age restricted" in str(refusal)
        client = TikTokLiveClient(unique_id=name)
        client.web.params["room_id"] = tiktok.stream(name)["roomId"]
        with pytest.raises(AgeRestrictedError):
            await client.web.fetch_room_info()
        await client.web.close()
        # Logged in, TikTokLive sends the session id to the sign server (only to a host it is told to trust) and
        # the session cookie with the push socket's upgrade.
        monkeypatch.setenv("WHITELIST_AUTHENTICATED_SESSION_ID_HOST", tiktok.url.split("://", 1)[1])
        watcher = Watcher(name)
        watcher.client.web.set_session("0a1b2c3d4e5f60718293", "useast2a")
        await watcher.start()
        await control(tiktok.inject, name, [chat("for grown-ups")])
        await watcher.wait_for(lambda: watcher.of(CommentEvent), "the chat")
        await watcher.stop()

    asyncio.run(scenario())
    # The room info asks for the cookie as the socket does (httpx sends cookies set for .tiktok.com only there).
    room_id = tiktok.stream(name)["roomId"]
    answer = requests.get(f"{tiktok.url}/webcast/room/info/", params={"room_id": room_id}, timeout=5,
                          cookies={"sessionid": "0a1b2c3d4e5f60718293"})
    assert answer.json()["data"]["owner"]["display_id"] == name


def test_a_blocked_push_socket_is_refused_as_tiktok_refuses_it(tiktok):
    name = unique_name()
    assert tiktok.configure(name, rate=0, pushBlocked="DEVICE_BLOCKED")["pushBlocked"] == "DEVICE_BLOCKED"

    async def scenario():
        refusal = await refused_socket(name)
        assert refusal.__cause__.status_code == 200
        assert refusal.__cause__.headers["Handshake-Msg"] == "DEVICE_BLOCKED"
        await control(tiktok.configure, name, pushBlocked=None)
        watcher = await watching(name)
        await watcher.stop()

    asyncio.run(scenario())
    assert tiktok.stats()["pushConnectionsOpened"][name] == 1


def test_avatars_and_gift_images_are_svg(simulator):
    avatar = requests.get(f"{simulator.url}/_sim/avatar/maya.sunny12.svg", timeout=5)
    assert avatar.status_code == 200 and avatar.headers["Content-Type"].startswith("image/svg+xml")
    assert ">MS</text>" in avatar.text  # no name given: the handle's initials
    named = requests.get(f"{simulator.url}/_sim/avatar/itsmoonliam3.svg", params={"name": "Coffee Hana"}, timeout=5)
    assert ">CH</text>" in named.text, "the initials of the name shown, not of the handle"
    gift = requests.get(f"{simulator.url}/_sim/gift/5655.svg", timeout=5)
    assert gift.status_code == 200 and gift.text.startswith("<svg")
    assert requests.get(f"{simulator.url}/_sim/avatar/no%20way.svg", timeout=5).status_code == 404


@pytest.mark.parametrize("path, body, message", [
    (STREAM, b"{not json", "not valid JSON"),
    (STREAM, b'{"live": "yes"}', "'live' must be true or false"),
    (STREAM, b'{"viewers": -1}', "'viewers' must be between"),
    (STREAM, b'{"rate": "fast"}', "'rate' must be a number"),
    (STREAM, b'{"colour": "red"}', "unknown field(s)"),
    (STREAM, b"[]", "must be a JSON object"),
    (EVENTS, b'{"type": "chat"}', "must be a JSON list"),
    (EVENTS, b"[{", "not valid JSON"),
    (EVENTS, b'[{"type": "dance"}]', "unknown event type 'dance'"),
    (EVENTS, b'[{"type": "chat"}]', "'comment' is required"),
    (EVENTS, b'[{"type": "chat", "comment": 5}]', "'comment' must be a non-empty"),
    (EVENTS, b'[{"type": "gift", "repeatCount": "3"}]', "'repeatCount' must be an"),
    (EVENTS, b'[{"type": "like", "count": true}]', "'count' must be an integer"),
    (EVENTS, b'[{"type": "join", "user": "bob"}]', "'user' must be a JSON object"),
    (EVENTS, b'[{"type": "join", "user": {"uniqueId": "no way"}}]', "invalid 'uniqueId'"),
    (EVENTS, b'["chat"]', "event 0: an event must be a JSON object"),
    (EVENTS, b'[{"type": "join", "user": {"userId": "x1"}}]', "'userId' must be"),
    (EVENTS, b'[{"type": "raw"}]', "'method' is required"),
    (EVENTS, b'[{"type": "raw", "method": "WebcastDanceMessage"}]', "unknown method 'WebcastDanceMessage'"),
    (EVENTS, b'[{"type": "raw", "method": "WebcastPollMessage", "message": []}]', "'message' must be a JSON object"),
    (EVENTS, b'[{"type": "raw", "method": "WebcastPollMessage", "message": {"poll_id": 1, "colour": 2}}]',
     "'message.colour' does not fit TikTokLive's WebcastPollMessage"),
    (EVENTS, b'[{"type": "raw", "method": "WebcastRankUpdateMessage", "message": {"updates": [{"rank": 1}]}}]',
     "'message.updates' does not fit TikTokLive's WebcastRankUpdateMessage: Unknown field 'rank'"),
    (EVENTS, b'[{"type": "raw", "method": "WebcastPollMessage", "message": {"poll_id": "many"}}]',
     "'message.poll_id' does not fit"),
    (EVENTS, b'[{"type": "raw", "method": "WebcastPollMessage", "message": {"common": 1}}]',
     "'message.common' must be a JSON object"),
    (EVENTS, b'[{"type": "raw", "method": "WebcastPollMessage", "user": {}}]', "unknown field(s) in a raw event"),
    ("/_sim/streams/{name}/drop", b'{"abort": 1}', "'abort' must be true or false"),
    ("/_sim/streams/x/events", b"[]", "invalid creator name"),
    ("/_sim/sign/fail", b'{"status": 200, "times": 1}', "'status' must be between 400 and 599"),
    ("/_sim/sign/fail", b'{"status": 429}', "'times' is required"),
    ("/_sim/sign/fail", b'{"status": 429, "times": 1, "retryAfterHeader": 1}', "'retryAfterHeader' must be true"),
    (STREAM, b'{"ageRestricted": "yes"}', "'ageRestricted' must be true or false"),
    (STREAM, b'{"pushBlocked": ""}', "'pushBlocked' must be null or 1 to 200 printable ASCII"),
    (STREAM, b'{"pushBlocked": "bad\\r\\nSet-Cookie: x=1"}', "'pushBlocked' must be null or 1 to 200"),
    (STREAM, b'{"pushBlocked": 415}', "'pushBlocked' must be null or 1 to 200"),
])
def test_malformed_control_requests_answer_400(simulator, path, body, message):
    response = requests.post(simulator.url + path.format(name=unique_name()), data=body, timeout=5,
                             headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert message in response.json()["error"]


def test_reset_forgets_everything_and_closes_sockets(tiktok, fresh_simulator):
    name = unique_name()
    fresh_simulator.configure(name, rate=0, viewers=7)
    fresh_simulator.sign_fail(500, times=5, name=unique_name())

    async def scenario():
        watcher = await watching(name)
        await control(fresh_simulator.reset)
        await watcher.wait_for(lambda: watcher.of(DisconnectEvent), "the disconnect")
        assert fresh_simulator.connections() == {}
        assert fresh_simulator.stats() == {"signRequests": 0, "signRequestsByName": {}, "signRefused": 0,
                                           "pushConnectionsOpened": {}, "floodEventsSent": 0,
                                           "floodsRunning": 0}
        await watcher.stop()

    asyncio.run(scenario())
    assert fresh_simulator.stream(name)["rate"] == 20.0  # the default again


@pytest.mark.slow
def test_start_simulator_runs_a_child_process_and_stops_it():
    with start_simulator(rate=0) as running:
        assert running.running and running.url == f"http://127.0.0.1:{running.port}"
        control_api = SimulatorControl(running.url)
        assert control_api.connections() == {}
        control_api.close()
    assert not running.running
    running.stop()  # safe twice
