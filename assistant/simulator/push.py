"""The push side of a room: serving sockets, fan-out of messages, traffic, ending and dropping."""

from __future__ import annotations

import asyncio
import logging
import random

from aiohttp import WSCloseCode, WSMessage, WSMsgType
from TikTokLive.proto import ProtoMessageFetchResultBaseProtoMessage

from . import protocol
from .model import Chat, Event
from .state import Creator, PushSocket, Simulator

log = logging.getLogger(__name__)

# TikTok pushes in batches; the generator wakes this often and sends what accumulated.
TICK_SECONDS = 0.25
# After the end message TikTokLive closes the socket itself; whoever has not left by then is closed.
END_GRACE_SECONDS = 2.0
CLOSE_TIMEOUT_SECONDS = 5.0


async def serve_socket(creator: Creator, sock: PushSocket) -> None:
    """Read the client's frames (im_enter_room, hb, ack) until it leaves or a close is requested."""
    while True:
        receive = asyncio.ensure_future(sock.ws.receive())
        try:
            await asyncio.wait({receive, sock.close_request}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            if not receive.done():
                receive.cancel()
                await asyncio.wait({receive})
        if not receive.cancelled():
            if not _read(creator, sock, receive.result()):
                return
            continue
        code, reason = sock.close_request.result()
        # Called from this task, close() sends our close frame and waits for the client's.
        await sock.ws.close(code=code, message=reason.encode())
        return


def _read(creator: Creator, sock: PushSocket, msg: WSMessage) -> bool:
    """Note one message from the client; False when the socket is done."""
    if msg.type == WSMsgType.BINARY:
        try:
            frame = protocol.parse_client_frame(msg.data)
        except Exception:  # a client's garbage must not end its socket; betterproto raises various errors
            log.warning("Unreadable frame (%d bytes) from %s for @%s", len(msg.data), sock.peer, creator.name)
            return True
        log.debug("Client frame %r from %s for @%s", frame.payload_type, sock.peer, creator.name)
        return True
    if msg.type == WSMsgType.ERROR:
        log.warning("Push socket of @%s from %s failed: %s", creator.name, sock.peer, msg.data)
        return False
    if msg.type in (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED):
        return False
    log.debug("Ignored a %s message from %s for @%s", msg.type.name, sock.peer, creator.name)
    return True


async def broadcast(creator: Creator, messages: list[ProtoMessageFetchResultBaseProtoMessage]) -> int:
    """Push `messages` as one frame to each of the creator's open sockets; return how many got it."""
    if not messages:
        return 0
    async with creator.send_lock:
        sockets = open_sockets(creator)
        if not sockets:
            return 0
        payload = protocol.push_payload(messages, creator.room_id, creator.next_cursor())
        return await send_payload(creator, sockets, payload)


def open_sockets(creator: Creator) -> list[PushSocket]:
    return [s for s in creator.sockets if not s.ws.closed]


async def send_payload(creator: Creator, sockets: list[PushSocket], payload: bytes, gzip_level: int = 6) -> int:
    """Send a serialised fetch result as one frame to `sockets` (compressed once for those that asked);
    return how many took it. The caller holds the creator's send lock."""
    log_id = random.getrandbits(62)
    frames: dict[bool, bytes] = {}
    delivered = 0
    for sock in sockets:
        if sock.gzip not in frames:
            body = protocol.compress(payload, gzip_level) if sock.gzip else payload
            frames[sock.gzip] = protocol.push_frame(body, log_id, sock.gzip)
        try:
            await sock.ws.send_bytes(frames[sock.gzip])
            delivered += 1
        except ConnectionError as exc:
            log.debug("Push to %s for @%s failed: %s", sock.peer, creator.name, exc)
    return delivered


async def send_events(sim: Simulator, creator: Creator, events: list[Event]) -> int:
    """Send `events` now, in order, in one frame; chat also goes to the replay buffer."""
    messages = []
    for event in events:
        creator.apply(event)
        message = protocol.build_message(event, creator.room_id, sim.base_url)
        if isinstance(event, Chat):
            creator.recent_chat.append(message)
        messages.append(message)
    return await broadcast(creator, messages)


def attach(sim: Simulator, creator: Creator, sock: PushSocket) -> None:
    """A push socket opened: count it, and start the room's traffic if it is the first."""
    creator.sockets.add(sock)
    creator.pushes_opened += 1
    log.info("Push socket opened for @%s from %s (%d open)", creator.name, sock.peer, len(creator.sockets))
    if creator.traffic_task is None:
        creator.traffic_task = asyncio.create_task(_traffic_loop(sim, creator),
                                                   name=f"traffic-{creator.name}")


def detach(creator: Creator, sock: PushSocket) -> None:
    """A push socket closed: stop the room's traffic when no one is left to see it."""
    creator.sockets.discard(sock)
    sock.closed.set()
    log.info("Push socket closed for @%s from %s (%d open)", creator.name, sock.peer, len(creator.sockets))
    if not creator.sockets and creator.traffic_task is not None:
        creator.traffic_task.cancel()
        creator.traffic_task = None


async def _traffic_loop(sim: Simulator, creator: Creator) -> None:
    loop = asyncio.get_running_loop()
    last = loop.time()
    while True:
        await asyncio.sleep(TICK_SECONDS)
        now = loop.time()
        events = creator.traffic.tick(now - last, creator.rate, creator.viewers, creator.total_likes)
        last = now
        if creator.live:
            await send_events(sim, creator, events)


async def end_stream(creator: Creator) -> int:
    """The LIVE ends: the creator goes offline, sockets get the end control message, then close.

    Returns once every push socket of the creator is closed; the number there were.
    """
    creator.live = False
    sockets = list(creator.sockets)
    await broadcast(creator, [protocol.end_message(creator.room_id)])
    log.info("Stream of @%s ended (%d push socket(s))", creator.name, len(sockets))
    await _wait_closed(sockets, END_GRACE_SECONDS)
    await close_sockets(creator, WSCloseCode.OK, "stream ended")
    return len(sockets)


async def close_sockets(creator: Creator, code: int = WSCloseCode.GOING_AWAY, reason: str = "",
                        abort: bool = False) -> int:
    """Close the creator's push sockets, with a close frame or (abort) by cutting the connection.

    Returns once they are closed; the number there were.
    """
    sockets = list(creator.sockets)
    for sock in sockets:
        if abort and sock.transport is not None:
            sock.transport.abort()
        else:
            sock.request_close(code, reason)
    if not await _wait_closed(sockets, CLOSE_TIMEOUT_SECONDS):
        log.warning("Push sockets of @%s did not all close within %g s", creator.name, CLOSE_TIMEOUT_SECONDS)
    return len(sockets)


async def _wait_closed(sockets: list[PushSocket], timeout: float) -> bool:
    """Wait until all `sockets` are closed or `timeout` passes; True if they all closed."""
    waits = [asyncio.ensure_future(sock.closed.wait()) for sock in sockets]
    if not waits:
        return True
    _, pending = await asyncio.wait(waits, timeout=timeout)
    for wait in pending:
        wait.cancel()
    return not pending
