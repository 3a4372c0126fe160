"""Replays: a capture (tlcap/1, assistant/captures.py; docs/captures.md) sent to a creator's TikTokLive clients as
TikTok sent it.

`POST /_sim/streams/<name>/replay {path, speed?}` and `python -m assistant.simulator --replay FILE --as NAME`.
The source of every behaviour here is the capture itself: its bytes go out unchanged but for two fields,
- the capture's first fetch result answers the creator's next sign request (tiktok_routes.sign_fetch), with
  `push_server` naming this server's push socket (protocol.with_push_server says why only that field);
- its push frames go out in order, each as captured but for its `log_id`, renumbered 1, 2, 3... (the ids
  this server's socket acks are its own: protocol.with_log_id), to every push socket the creator has open
  when the frame falls due: frame i at the replay's start + (t_i - t_first) / speed. The replay starts
  when the creator has a push socket open (at once if one is open already). Frames whose time comes while
  no socket is open are lost, as on TikTok.
A capture's later fetch results (a reconnect of the runner that captured) are not replayed: a reconnect of the
replay's clients gets this server's own. The creator's generated traffic is stopped (`rate` 0) and it is made
live if it was not: the clients hear the capture only (and the keep-alive, push.py).
"""

from __future__ import annotations

import asyncio
import logging
import time

from ..captures import CaptureError, read_capture
from . import protocol, push
from .state import Creator, Replay, Simulator

log = logging.getLogger(__name__)

SOCKET_POLL_SECONDS = 0.05  # how often a replay looks whether the creator has a push socket open yet


def load(path: str, speed: float) -> Replay:
    """The replay of the capture at `path` (CaptureError when it is not one); the first fetch result, the
    frames. A capture of nothing at all is refused too (CaptureError)."""
    capture = read_capture(path)
    fetch = next((item.data for item in capture.items if item.kind == "fetch"), None)
    frames = [item for item in capture.items if item.kind == "frame"]
    total = len(frames) + (fetch is not None)
    if not total:
        raise CaptureError(f"{path} holds nothing to replay (no fetch result, no frame)")
    if capture.cut:
        log.warning("%s was cut short (a crash while it was written?): its last whole part is replayed", path)
    return Replay(path=str(path), speed=speed, fetch=fetch, frames=frames, total=total)


def start(sim: Simulator, creator: Creator, replay: Replay) -> None:
    """Replay to `creator` (instead of the replay it had, if any), in a task that a reset or a stop cancels."""
    if creator.replay is not None and creator.replay.task is not None:
        creator.replay.task.cancel()
    if not creator.live:
        creator.exists = creator.live = True
        creator.new_room()
    creator.rate = 0.0
    creator.replay = replay
    replay.task = asyncio.create_task(_run(creator, replay), name=f"replay-{creator.name}")
    log.info("Replaying %s to @%s at speed %g: %d frames%s", replay.path, creator.name, replay.speed,
             len(replay.frames), ", the fetch result at the next connect" if replay.fetch is not None else "")


def take_fetch(creator: Creator | None, push_server: str) -> bytes | None:
    """The capture's fetch result for this sign request of `creator`'s room (once), or None."""
    replay = creator.replay if creator is not None else None
    if replay is None or replay.fetch is None:
        return None
    fetch, replay.fetch = replay.fetch, None
    replay.sent += 1
    log.info("Sign request of @%s answered with the fetch result of %s", creator.name, replay.path)
    return protocol.with_push_server(fetch, push_server)


async def _run(creator: Creator, replay: Replay) -> None:
    try:
        await _send_frames(creator, replay)
    except Exception:
        log.exception("Replay of %s to @%s failed", replay.path, creator.name)


async def _send_frames(creator: Creator, replay: Replay) -> None:
    while not push.open_sockets(creator):
        await asyncio.sleep(SOCKET_POLL_SECONDS)
    loop = asyncio.get_running_loop()
    started, first = loop.time(), replay.frames[0].t if replay.frames else 0
    replay.started_at = int(time.time() * 1000)
    for log_id, item in enumerate(replay.frames, 1):
        await asyncio.sleep(max(0.0, started + (item.t - first) / 1000 / replay.speed - loop.time()))
        async with creator.send_lock:
            await push.send_frame(creator, push.open_sockets(creator), protocol.with_log_id(item.data, log_id))
        replay.sent += 1
    log.info("Replay of %s to @%s done: %d frames", replay.path, creator.name, len(replay.frames))
