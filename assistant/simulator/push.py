"""The push side of a room: serving sockets, fan-out of messages, traffic, keep-alive, stalls, ending and
dropping."""

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
    """The sockets that take the room's frames now: open, in the creator's current room, not stalled.

    Whatever is sent while a socket is stalled is lost for it, as on a connection that went silent."""
    now = asyncio.get_running_loop().time()
    return [s for s in creator.sockets
            if not s.ws.closed and s.room_id == creator.room_id and not s.stalled(now)]


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
        delivered += await _send(creator, sock, frames[sock.gzip])
    return delivered


async def send_frame(creator: Creator, sockets: list[PushSocket], frame: bytes) -> int:
    """Send a push frame, as it is, to `sockets`; return how many took it. The caller holds the creator's send
    lock."""
    delivered = 0
    for sock in sockets:
        delivered += await _send(creator, sock, frame)
    return delivered


async def _send(creator: Creator, sock: PushSocket, frame: bytes) -> bool:
    try:
        await sock.ws.send_bytes(frame)
    except ConnectionError as exc:
        log.debug("Push to %s for @%s failed: %s", sock.peer, creator.name, exc)
        return False
    sock.last_frame = asyncio.get_running_loop().time()
    return True


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
    """A push socket opened: count it, and start the room's traffic and keep-alive if it is the first."""
    creator.sockets.add(sock)
    creator.pushes_opened += 1
    log.info("Push socket opened for @%s from %s (%d open)", creator.name, sock.peer, len(creator.sockets))
    if creator.traffic_task is None:
        creator.traffic_task = asyncio.create_task(_traffic_loop(sim, creator),
                                                   name=f"traffic-{creator.name}")
    if creator.keepalive_task is None:
        creator.keepalive_task = asyncio.create_task(_keepalive_loop(sim, creator),
                                                     name=f"keepalive-{creator.name}")


def detach(creator: Creator, sock: PushSocket) -> None:
    """A push socket closed: stop the room's traffic and keep-alive when no one is left to see them."""
    creator.sockets.discard(sock)
    sock.closed.set()
    log.info("Push socket closed for @%s from %s (%d open)", creator.name, sock.peer, len(creator.sockets))
    if not creator.sockets:
        for task in (creator.traffic_task, creator.keepalive_task):
            if task is not None:
                task.cancel()
        creator.traffic_task = creator.keepalive_task = None


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


async def _keepalive_loop(sim: Simulator, creator: Creator) -> None:
    """Send an empty fetch result to each socket of the room that got no frame for `keepalive_seconds`
    (state.KEEPALIVE_SECONDS unless the command line says otherwise).

    A stalled socket is due again when its stall ends (so it hears from the room at once), and sockets of a
    room that is over (not live, or an old room after a new LIVE) get none.
    """
    loop = asyncio.get_running_loop()
    interval = sim.keepalive_seconds
    while True:
        now = loop.time()
        wake = now + interval
        due = []
        for sock in creator.sockets:
            if sock.ws.closed or not creator.live or sock.room_id != creator.room_id:
                continue
            at = max(sock.last_frame + interval, sock.stalled_until)
            if at <= now:
                due.append(sock)
            else:
                wake = min(wake, at)
        if due:
            async with creator.send_lock:
                sockets = set(open_sockets(creator))
                due = [sock for sock in due if sock in sockets]
                if due:
                    payload = protocol.push_payload([], creator.room_id, creator.next_cursor())
                    await send_payload(creator, due, payload)
        await asyncio.sleep(max(0.0, wake - loop.time()))


def stall(creator: Creator, seconds: float) -> int:
    """The creator's push sockets open now send nothing at all for `seconds` (no events, no keep-alive);
    they stay open, and the server still answers WebSocket pings. Returns how many there are.

    A socket already stalled for longer stays stalled for longer: a stall only ever lengthens."""
    until = asyncio.get_running_loop().time() + seconds
    sockets = [sock for sock in creator.sockets if not sock.ws.closed]
    for sock in sockets:
        sock.stalled_until = max(sock.stalled_until, until)
    log.info("Stalled %d push socket(s) of @%s for %g s", len(sockets), creator.name, seconds)
    return len(sockets)


async def end_stream(creator: Creator) -> int:
    """The LIVE ends: the creator goes offline, sockets get the end control message, then close.

    Returns once every push socket of the creator is closed; the number there were.
    """
    creator.live = False
    sockets = list(creator.sockets)
    log.info("Stream of @%s ended (%d push socket(s))", creator.name, len(sockets))
    await _end_room(creator, sockets, creator.room_id)
    return len(sockets)


async def new_live(creator: Creator) -> int:
    """The creator starts a new LIVE in a new room at once; the old room's push sockets get the end message
    (that LIVE is over) and are closed as at an end. New connections go to the new room meanwhile.

    Returns once the old room's sockets are closed; the number there were.
    """
    old_room = creator.room_id
    sockets = [sock for sock in creator.sockets if sock.room_id == old_room]
    creator.new_room()
    log.info("@%s started a new LIVE: room %d after %d (%d push socket(s) of the old room ended)",
             creator.name, creator.room_id, old_room, len(sockets))
    await _end_room(creator, sockets, old_room)
    return len(sockets)


async def _end_room(creator: Creator, sockets: list[PushSocket], room_id: int) -> None:
    """Send room `room_id`'s end message to `sockets` (not to the stalled ones: they send nothing), give the
    clients END_GRACE_SECONDS to leave, then close those still open."""
    now = asyncio.get_running_loop().time()
    async with creator.send_lock:
        hearing = [sock for sock in sockets if not sock.ws.closed and not sock.stalled(now)]
        if hearing:
            payload = protocol.push_payload([protocol.end_message(room_id)], room_id, creator.next_cursor())
            await send_payload(creator, hearing, payload)
    await _wait_closed(sockets, END_GRACE_SECONDS)
    await _close(creator, sockets, WSCloseCode.OK, "stream ended")


async def close_sockets(creator: Creator, code: int = WSCloseCode.GOING_AWAY, reason: str = "",
                        abort: bool = False) -> int:
    """Close the creator's push sockets, with a close frame or (abort) by cutting the connection.

    Returns once they are closed; the number there were.
    """
    return await _close(creator, list(creator.sockets), code, reason, abort)


async def _close(creator: Creator, sockets: list[PushSocket], code: int, reason: str, abort: bool = False) -> int:
    """Close `sockets` (see close_sockets); the number there were."""
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
