"""TikTokStream: one connection attempt to one creator's LIVE, relaying the contract's events.

Its coroutine runs on eventlet's asyncio hub and must never touch Socket.IO, Redis or eventlet locks:
it only hands normalised events to the callbacks it was given, which put them on the runner's queue.
"""

import logging
import time

from . import connection
from .decode import Decoder

log = logging.getLogger(__name__)


class TikTokStream:
    """One upstream connection to a creator: connect, relay events until the socket closes.

    `on_event(event, message_id)` gets each normalised event (message_id lets the runner drop the
    chat TikTok replays again on a reconnect); `on_connected(room_id, owner_id)` is called once the push socket
    is open, with the id (a string) of the room it joined (every LIVE of a creator is a new room) and its
    owner's user id (a string; None when TikTok's room info could not be read);
    `between_frames()`, a coroutine function, is awaited after each frame's events (a runner far behind
    can hold its reader there: the backlog then waits in the upstream socket, not in memory);
    `before_sign()`, a coroutine function, right before the sign-server request (never, when the attempt fails
    earlier: TikTok unreachable, the creator offline or unknown).
    `garbled` counts the frames and messages that could not be decoded (skipped, logged, never fatal);
    `skipped` ({method: count}) counts the messages of the types the app does not relay, into the dict given
    (the runner's, over all its connections); `check`: the runner's decode check, handed a share of the frames
    (decode.Decoder), or None. `capture`, when given, gets what TikTok sent, byte for byte, with the room it
    came from: `capture.add(room_id, kind, data)` (kind "fetch" or "frame"; streams/capture.py; memory only).
    """

    def __init__(self, username, on_event, on_connected, between_frames=None, before_sign=None, skipped=None,
                 check=None, capture=None):
        self.username = username
        self._on_event = on_event
        self._on_connected = on_connected
        self._between_frames = between_frames
        self._before_sign = before_sign
        self._capture = capture
        self._decoder = Decoder(username, skipped, check)
        self._client = None
        self._connected_at = None
        self.ended = False

    @property
    def garbled(self):
        return self._decoder.garbled

    async def run(self):
        """Connect and relay events until the socket closes: "ended" if the stream ended, else "dropped";
        UpstreamError (the contract's code) when the attempt fails before the push socket is open."""
        keep = self._keep if self._capture is not None else None
        self._client = connection.make_client(self.username, self._decoder, self._relay, self._opened,
                                              self._between_frames, self._before_sign, keep)
        task = await connection.start(self._client, self.username)
        try:
            await task
        except Exception as ex:
            refusal = connection.refused_socket(ex, self.username)
            if refusal is not None:
                raise refusal from ex
            log.warning("Upstream connection to @%s failed", self.username, exc_info=True)
        return "ended" if self.ended else "dropped"

    def _opened(self):
        self._connected_at = time.monotonic()
        self._on_connected(str(self._client.room_id), self._client.owner_id)

    def silent_for(self):
        """Seconds since anything (a frame of any kind) arrived on the push socket; None until connected."""
        if self._connected_at is None:
            return None
        return time.monotonic() - max(self._connected_at, self._decoder.last_frame_at or 0)

    async def room_alive(self):
        """TikTok's room-alive check for the room this connection joined: True, False, or None when it
        could not tell (the check failed: logged)."""
        try:
            return await connection.room_alive(self._client)
        except Exception as ex:
            log.info("Room check of @%s failed: %s", self.username, connection._reason(ex))
            return None

    async def close(self):
        """Close the push socket and the HTTP client; safe to call more than once."""
        client, self._client = self._client, None
        if client is None:
            return
        try:
            await client.disconnect()
        finally:
            await client.web.close()

    def _keep(self, kind, data):
        client = self._client  # None once closed
        if client is not None:
            self._capture.add(client.room_id, kind, data)

    def _relay(self, event, message_id):
        if event["type"] == "end":
            self.ended = True
        self._on_event(event, message_id)
