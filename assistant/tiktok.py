"""The only module that imports TikTokLive: client set-up, error mapping and event normalisation.

`TikTokStream` is one connection attempt to one creator's LIVE. Its coroutine runs on eventlet's
asyncio hub and must never touch Socket.IO, Redis or eventlet locks: it only hands normalised
events to the callbacks it was given, which put them on the runner's queue.
"""

import functools
import logging
import time

import httpx
from TikTokLive.client.client import TikTokLiveClient
from TikTokLive.client.errors import SignatureRateLimitError, UserNotFoundError, UserOfflineError
from TikTokLive.client.web.web_settings import WebDefaults
from TikTokLive.events import (
    CommentEvent,
    FollowEvent,
    GiftEvent,
    JoinEvent,
    LikeEvent,
    LiveEndEvent,
    RoomUserSeqEvent,
    ShareEvent,
    WebsocketResponseEvent,
)
from TikTokLive.proto.custom_proto import ControlAction

log = logging.getLogger(__name__)

# One TLS context for every TikTokLive client: httpx would otherwise load the CA bundle into a new
# context for each one (about 1 MB apiece), and a server starts a client per connection attempt.
_TLS_CONTEXT = httpx.create_ssl_context()


def point_at(base_url):
    """Send TikTokLive's web, webcast and sign-server requests to `base_url` (the simulator)."""
    base_url = base_url.rstrip("/")
    WebDefaults.tiktok_app_url = base_url
    WebDefaults.tiktok_webcast_url = base_url + "/webcast"
    WebDefaults.tiktok_sign_url = base_url


class UpstreamError(Exception):
    """A connection attempt failed; `code` is one of the contract's error codes."""

    def __init__(self, code, message, retry_after=None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.retry_after = retry_after


def _first_url(image):
    return image.url_list[0] if image is not None and image.url_list else ""


def _user(user):
    if user is None:
        return None
    return _shared_user(str(user.id), user.display_id or "", user.nickname or "", _first_url(user.avatar_thumb))


@functools.lru_cache(maxsize=4096)
def _shared_user(user_id, unique_id, nickname, avatar_url):
    """One dict per distinct viewer, shared by all their events (never mutated): the same chatters
    come back again and again, and a runner keeps hundreds of recent events."""
    return {"userId": user_id, "uniqueId": unique_id, "nickname": nickname, "avatarUrl": avatar_url}


def _retry_after(error):
    """Seconds until the sign server takes a new connection (at least 1; 60 when it does not say)."""
    try:
        return max(int(error.retry_after), 1)
    except (TypeError, ValueError):
        return 60


def _now_ms():
    return int(time.time() * 1000)


def _with_user(kind, event, **fields):
    return {"type": kind, "ts": _now_ms(), "user": _user(event.user), **fields}


def _chat(event):
    return _with_user("chat", event, comment=event.content)


def _gift(event):
    gift = event.gift
    return _with_user(
        "gift",
        event,
        giftId=event.gift_id or (gift.id if gift else 0),
        giftName=gift.name if gift else "",
        diamondCount=gift.diamond_count if gift else 0,
        repeatCount=max(event.repeat_count, 1),
        streaking=event.streaking,
        giftType=gift.type if gift else 0,
        imageUrl=_first_url(gift.image) if gift else "",
    )


def _like(event):
    return _with_user("like", event, count=event.count, totalLikes=event.total)


def _viewers(event):
    return {"type": "viewers", "ts": _now_ms(), "viewerCount": event.total}


def _end(event):
    reason = "suspended" if event.action == ControlAction.STREAM_SUSPENDED else "ended"
    return {"type": "end", "ts": _now_ms(), "reason": reason}


_NORMALISERS = {
    CommentEvent: _chat,
    GiftEvent: _gift,
    LikeEvent: _like,
    FollowEvent: lambda event: _with_user("follow", event),
    ShareEvent: lambda event: _with_user("share", event),
    JoinEvent: lambda event: _with_user("join", event),
    RoomUserSeqEvent: _viewers,
    LiveEndEvent: _end,
}


class TikTokStream:
    """One upstream connection to a creator: connect, relay events until the socket closes.

    `on_event(event, message_id)` gets each normalised event (message_id lets the runner drop the
    chat TikTok replays again on a reconnect); `on_connected()` is called once the push socket is up.
    """

    def __init__(self, username, on_event, on_connected):
        self.username = username
        self._on_event = on_event
        self._on_connected = on_connected
        self._client = None
        self._replaying = False
        self.ended = False

    async def run(self):
        """Connect and relay events until the socket closes: "ended" if the stream ended, else "dropped"."""
        self._client = client = TikTokLiveClient(
            unique_id=self.username, web_kwargs={"httpx_kwargs": {"verify": _TLS_CONTEXT}}
        )
        client.add_listener(WebsocketResponseEvent, self._on_response)
        for event_class, normalise in _NORMALISERS.items():
            client.add_listener(event_class, self._relay(normalise))
        try:
            task = await client.start(fetch_live_check=True)
        except UserOfflineError as ex:
            raise UpstreamError("user_offline", f"@{self.username} is not live right now") from ex
        except UserNotFoundError as ex:
            raise UpstreamError("user_not_found", f"@{self.username} does not exist on TikTok") from ex
        except SignatureRateLimitError as ex:
            retry_after = _retry_after(ex)
            message = f"TikTok's sign server is rate-limiting new connections; retrying in {retry_after} s"
            raise UpstreamError("rate_limited", message, retry_after) from ex
        except Exception as ex:
            raise UpstreamError("upstream_error", f"Could not connect to @{self.username}: {ex}") from ex
        self._on_connected()
        try:
            await task
        except Exception:
            log.warning("Upstream connection to @%s failed", self.username, exc_info=True)
        return "ended" if self.ended else "dropped"

    async def close(self):
        """Close the push socket and the HTTP client; safe to call more than once."""
        client, self._client = self._client, None
        if client is None:
            return
        try:
            await client.disconnect()
        finally:
            await client.web.close()

    def _on_response(self, event):
        # TikTokLive emits the raw fetch result just before the events parsed from it: the first
        # one (from the sign server) carries the chat TikTok replays on connect.
        self._replaying = bool(event.raw and event.raw.is_first)

    def _relay(self, normalise):
        def handler(event):
            try:
                normalised = normalise(event)
            except Exception:
                log.exception("Skipped a malformed %s from @%s", type(event).__name__, self.username)
                return
            if normalised["type"] == "end":
                self.ended = True
            if normalised["type"] == "chat" and self._replaying:
                normalised["history"] = True
            common = getattr(event, "common", None)
            self._on_event(normalised, common.msg_id if common is not None else 0)

        return handler
