"""TikTokLive keeps the connection; what arrives on it goes to our decoder instead of its own.

TikTokLive does the room lookup, the live check, the sign server, the push WebSocket, acks and
heartbeats. Per frame it would use betterproto2 (decode the push frame, the fetch result, then every
message of every type into pydantic dataclasses and event objects; encode the ack). Three seams, all
on the per-frame path, replace that:
- `_FastConnect` (TikTokLive's `WebcastConnect`, the iterator over the socket): TikTokLive opens the
  socket and maps its refusals, then the raw frames are read here and decoded by `Decoder.frame`.
  It yields what TikTokLive's own iterator yields, (frame, fetch result) with the attributes
  `WebcastWSClient.connect` reads for the room switch and the acks (`is_first`, `need_ack`,
  `internal_ext`, `log_id`), so that loop runs unchanged.
- `_FastWSClient.send_ack` (TikTokLive's `WebcastWSClient`): the same ack, encoded by upb.
- `_FastClient._parse_webcast_response` (called once per fetch result by TikTokLive's
  `_ws_client_loop`): relays the events of the fetch result and yields to the asyncio loop, instead of
  building TikTokLive's event objects.

Around the sign-server request (the only one in TikTokLive 7.0.1's connect, `TikTokLiveClient.start`:
`self._web.fetch_signed_websocket(...)`, after the room-id lookup and the live check, which go to TikTok
itself), not per frame: the room's info is asked first, for its owner (the creator's user id, whose PK battles
are won or lost) and, without a TikTok session, since an age-restricted room is only told apart there
(TikTokLive raises AgeRestrictedError from `fetch_room_info` alone); then `before_sign` is awaited, where the
sign budget is spent. And `on_open` is called once the push socket is up.

With a capture (`keep(kind, data)`, CAPTURE_DIR: docs/captures.md), what TikTok sent is handed over byte for
byte: each push frame as `_FastConnect` reads it off the socket, before any decoding ("frame"), and the body of
the sign server's answer ("fetch"), which TikTokLive's route reads and parses in one go
(`FetchSignedWebSocketRoute.__call__`: `response.content`, then `extract_webcast_response_message`), so it is
taken from the signer's httpx client by a response hook. Only bodies: never a header, cookie, key or URL.
"""

import asyncio
import functools
import logging
import os
import socket
import time

import httpx
from TikTokLive.client.client import TikTokLiveClient
from TikTokLive.client.errors import (
    AgeRestrictedError,
    SignAPIError,
    SignatureRateLimitError,
    UserNotFoundError,
    UserOfflineError,
    WebcastBlockedError,
)
from TikTokLive.client.web.web_settings import WebDefaults
from TikTokLive.client.ws.ws_client import WebcastWSClient
from TikTokLive.client.ws.ws_connect import WebcastConnect

from .decode import ack_frame
from .ratelimit import sign_wait

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


# The TikTok session (TIKTOK_SESSION_ID, TIKTOK_TARGET_IDC) every client logs in with, or None.
_session = None


def use_session(session_id, target_idc):
    """Log every client made from now on in to TikTok with this session (both None: anonymous).

    TikTokLive sends the session id to the sign server too, and only when the environment variable
    WHITELIST_AUTHENTICATED_SESSION_ID_HOST names the sign server's host (TikTokLive's
    `check_authenticated_session`); else each connect would fail. Raises ValueError (whose message names no
    secret) when that is not so."""
    global _session
    if session_id is None:
        _session = None
        return
    host = WebDefaults.tiktok_sign_url.split("://", 1)[-1]
    if os.environ.get("WHITELIST_AUTHENTICATED_SESSION_ID_HOST") != host:
        raise ValueError(f"TIKTOK_SESSION_ID is sent to the sign server ({host}), which TikTokLive allows only "
                         f"when WHITELIST_AUTHENTICATED_SESSION_ID_HOST={host} is set too")
    _session = (session_id, target_idc)


class UpstreamError(Exception):
    """A connection attempt failed; `code` is one of the contract's error codes."""

    def __init__(self, code, message, retry_after=None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.retry_after = retry_after


def _reason(error, limit=160):
    """The first line of an error, cut short: some carry a whole server answer, which users need not read."""
    text = (str(error).strip().splitlines() or [type(error).__name__])[0]
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _unreachable(error):
    """Plain words for why nothing answered (DNS, refused, timed out, no network) when that is what `error`
    comes from, else None (something answered, however badly)."""
    chain = []
    while error is not None and len(chain) < 10:
        chain.append(error)
        error = error.__cause__ or error.__context__
    if not any(isinstance(link, (httpx.NetworkError, httpx.TimeoutException)) for link in chain):
        return None
    for link in chain:
        if isinstance(link, socket.gaierror):
            return f"its address could not be looked up ({link.strerror or _reason(link)})"
        if isinstance(link, ConnectionRefusedError):
            return "the connection was refused"
        if isinstance(link, (httpx.TimeoutException, TimeoutError)):
            return "it did not answer in time"
    deepest = chain[-1]
    return (deepest.strerror if isinstance(deepest, OSError) and deepest.strerror else None) or _reason(deepest)


class _FastConnect(WebcastConnect):
    """TikTokLive's push-socket iterator, with the frames decoded by `decoder` instead of betterproto2."""

    def __init__(self, *, decoder, on_open, keep, **kwargs):
        super().__init__(**kwargs)
        self._decoder = decoder
        self._on_open = on_open
        self._keep = keep

    async def __aiter__(self):
        # TikTokLive's iterator opens the socket inside `async with` (turning a refusal into its
        # WebcastBlockedError), then yields the sign server's fetch result before reading any frame.
        # It is driven that far and kept suspended there; closing it closes the socket as it would.
        connection = super().__aiter__()
        try:
            first = await anext(connection)
            self._on_open()
            yield first
            async for data in self.ws:
                if isinstance(data, str):  # websockets hands text frames over as str
                    data = data.encode()
                if self._keep is not None:
                    self._keep("frame", data)
                decoded = self._decoder.frame(data)
                if decoded is not None:
                    yield decoded
        finally:
            await connection.aclose()


class _FastWSClient(WebcastWSClient):
    """TikTokLive's WebSocket client (room switch, acks, heartbeats), reading frames with `decoder`."""

    def __init__(self, decoder, on_open, keep):
        super().__init__()
        self._connect_generator_class = functools.partial(_FastConnect, decoder=decoder, on_open=on_open, keep=keep)

    async def send_ack(self, webcast_response, webcast_push_frame):
        if self.connected:
            await self.ws.send(ack_frame(webcast_push_frame.log_id, webcast_response.internal_ext))


class _FastClient(TikTokLiveClient):
    """A TikTokLiveClient that passes each fetch result to `decoder` and events to `on_event`, then awaits
    `between_frames()` (if given) before it reads the next frame; calls `on_open()` once the push socket is
    up; right before its sign-server request, reads the room's info (its owner; an anonymous client's room is
    refused there when age-restricted), then awaits `before_sign()` (if given); and hands what TikTok sent to
    `keep(kind, data)` (if given)."""

    def __init__(self, unique_id, decoder, on_event, on_open, between_frames=None, before_sign=None,
                 keep=None, web_kwargs=None):
        super().__init__(unique_id, web_kwargs=web_kwargs)
        # As TikTokLive builds it when given no ws_kwargs and no proxy.
        self._ws = _FastWSClient(decoder, on_open, keep)
        self._decoder = decoder
        self._on_event = on_event
        self._between_frames = between_frames
        self._end_task = None
        self.owner_id = None  # the room owner's user id (a string), once the room's info was read
        if _session is not None:
            self._web.set_session(*_session)
        sign = self._web.fetch_signed_websocket  # the route object, called by start() once per connect

        async def sign_when_allowed(*args, **kwargs):
            await self._read_room_info()
            if before_sign is not None:
                await before_sign()
            return await sign(*args, **kwargs)

        self._web.fetch_signed_websocket = sign_when_allowed
        if keep is not None:
            _keep_fetch_results(self._web.signer.client, keep)

    async def _read_room_info(self):
        """TikTok's room info (TikTokLive's fetch_room_info, `room/info`): its `owner` is the creator, whose PK
        battles count as won or lost (metrics.py). Without a TikTok session it is also where an age-restricted
        room is told apart. A room info that cannot be read costs only the owner's id: the connect itself
        tells what is wrong, if anything is."""
        try:
            info = await self._web.fetch_room_info()
        except AgeRestrictedError as ex:
            if _session is None:
                raise UpstreamError("age_restricted", f"@{self.unique_id}'s LIVE is age-restricted: TikTok shows "
                                    "it only to a logged-in viewer. Set TIKTOK_SESSION_ID and TIKTOK_TARGET_IDC "
                                    "(docs/configuration.md, \"Age-restricted rooms\")") from ex
            log.debug("Room info of @%s could not be read: %s", self.unique_id, _reason(ex))
            return
        except Exception as ex:
            log.debug("Room info of @%s could not be read: %s", self.unique_id, _reason(ex))
            return
        owner = info.get("owner") if isinstance(info, dict) else None
        owner_id = (owner.get("id_str") or owner.get("id")) if isinstance(owner, dict) else None
        self.owner_id = str(owner_id) if owner_id else None

    async def _parse_webcast_response(self, webcast_response):
        if self._decoder.relay(webcast_response, self._on_event) and self._end_task is None:
            # As TikTokLive does on a LiveEndEvent: close the socket (from a task of its own, since
            # disconnect() waits for the loop that runs this).
            self._end_task = self._asyncio_loop.create_task(self.disconnect())
        # One frame at a time: websockets hands over frames already received without suspending, so
        # without this a busy creator's backlog would hold the event loop and starve everyone else.
        await asyncio.sleep(0)
        if self._between_frames is not None:
            await self._between_frames()  # e.g. the runner holding its reader while it is far behind
        return
        yield  # an async generator, as TikTokLive iterates it; it yields none of TikTokLive's events


# The sign server's route of the fetch result, as TikTokLive's SDK asks it (EulerApiSdk's fetch_webcast_url).
_FETCH_PATH = "/webcast/fetch"


def _keep_fetch_results(signer_http, keep):
    """Hand the body of each fetch result the sign server gives (HTTP 200 on its fetch route) to `keep`. The
    signer's httpx client (each TikTokLiveClient has its own) reads it with a response hook; the route reads the
    same body afterwards (httpx keeps it once read)."""

    async def keep_fetch_result(response):
        if response.status_code == 200 and response.request.url.path.endswith(_FETCH_PATH):
            keep("fetch", await response.aread())

    hooks = signer_http.event_hooks
    signer_http.event_hooks = {**hooks, "response": [*hooks.get("response", []), keep_fetch_result]}


def make_client(username, decoder, on_event, on_open, between_frames=None, before_sign=None, keep=None):
    return _FastClient(username, decoder, on_event, on_open, between_frames, before_sign, keep,
                       web_kwargs={"httpx_kwargs": {"verify": _TLS_CONTEXT}})


async def start(client, username):
    """Connect `client`: the task reading the push socket, or UpstreamError with the contract's code."""
    try:
        return await client.start(fetch_live_check=True)
    except UpstreamError:
        raise
    except UserOfflineError as ex:
        raise UpstreamError("user_offline", f"@{username} is not live right now") from ex
    except UserNotFoundError as ex:
        raise UpstreamError("user_not_found", f"@{username} does not exist on TikTok") from ex
    except SignatureRateLimitError as ex:
        retry_after = sign_wait(ex.response.headers, time.time())
        message = f"TikTok's sign server is rate-limiting new connections; retrying in {retry_after} s"
        raise UpstreamError("rate_limited", message, retry_after) from ex
    except Exception as ex:
        cause = _unreachable(ex)
        if cause is None:
            raise UpstreamError("upstream_error", f"Could not connect to @{username}: {_reason(ex)}") from ex
        what = "TikTok's sign server" if isinstance(ex, SignAPIError) else "TikTok"
        message = f"Cannot reach {what}: {cause}. Check the internet connection of the computer running Live Assistant"
        raise UpstreamError("upstream_error", message) from ex


def refused_socket(error, username):
    """The UpstreamError for TikTok refusing the push socket (`error` raised by the connection's task), or
    None if `error` is something else. TikTok answers the socket's upgrade with HTTP 200 or 400 and a
    `Handshake-Msg` header (TikTokLive's WebcastConnect raises WebcastBlockedError from websockets'
    InvalidStatusCode; users report "DEVICE_BLOCKED", TikTok-Live-Connector issue 187, and "illegal app_id").
    The header is TikTok's text: shown cut short, on one line."""
    if not isinstance(error, WebcastBlockedError):
        return None
    headers = getattr(error.__cause__, "headers", None)
    said = headers.get("Handshake-Msg") if headers is not None else None
    reason = f"it said \"{_reason(said, 80)}\"" if said else "it gave no reason"
    return UpstreamError("upstream_blocked", f"TikTok refused the connection to @{username}'s LIVE ({reason}). "
                         "TikTok does this when it takes a connection for an automated viewer")


async def room_alive(client):
    """Whether the room `client` joined is still live (TikTok's room check_alive)."""
    return await client.web.fetch_is_live(room_id=client.room_id)


async def creator_live(username):
    """Whether `username` is live now: TikTok's room lookup and live check, no sign request (so no start
    of the sign budget). None when it could not tell."""
    client = TikTokLiveClient(username, web_kwargs={"httpx_kwargs": {"verify": _TLS_CONTEXT}})
    try:
        return await client.is_live()
    except Exception:
        return None
    finally:
        await client.web.close()
