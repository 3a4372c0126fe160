"""The simulator's aiohttp application (HTTP and WebSocket on one port) and its serve loop."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys

from aiohttp import web

from . import control, images, push, replay, tiktok_routes
from .state import KEEPALIVE_SECONDS, Replay, Simulator

log = logging.getLogger(__name__)


def create_app(sim: Simulator) -> web.Application:
    app = web.Application(middlewares=[control.json_errors])
    app[tiktok_routes.SIMULATOR] = sim
    app.add_routes(tiktok_routes.routes)
    app.add_routes(control.routes)
    app.add_routes(images.routes)
    return app


async def _close_push_sockets(sim: Simulator) -> None:
    """Say goodbye (close 1001, going away) while the server still reads the clients' replies."""
    sim.cancel_floods()
    sim.cancel_replays()
    for creator in list(sim.creators.values()):
        await push.close_sockets(creator, reason="simulator shutting down")


def public_url(host: str, port: int) -> str:
    """The base URL clients use; a wildcard bind address is reached through loopback."""
    host = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


async def serve(host: str, port: int, rate: float, stop_on_stdin_eof: bool = False,
                keepalive_seconds: float = KEEPALIVE_SECONDS, planned: tuple[str, Replay] | None = None) -> None:
    """Serve until SIGINT or SIGTERM (or, if asked, until standard input closes); `planned`: (a creator, a
    replay for it), started once the server listens."""
    sim = Simulator(default_rate=rate, keepalive_seconds=keepalive_seconds)
    runner = web.AppRunner(create_app(sim), access_log=None, handle_signals=False)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
        sim.base_url = public_url(host, runner.addresses[0][1])
        # start_simulator() reads this line to learn the address: keep "listening on <url>" in it.
        log.info("TikTok LIVE simulator listening on %s (bound to %s, %g events/s)",
                 sim.base_url, host, rate)
        if planned is not None:
            name, capture = planned
            replay.start(sim, sim.creator(name), capture)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        watcher = asyncio.create_task(_stop_on_stdin_eof(stop)) if stop_on_stdin_eof else None
        await stop.wait()
        if watcher is not None:
            watcher.cancel()
        log.info("Simulator stopping")
        await _close_push_sockets(sim)
    finally:
        await runner.cleanup()
    log.info("Simulator stopped")


async def _stop_on_stdin_eof(stop: asyncio.Event) -> None:
    """Stop when the parent process goes away: it holds the other end of our standard input."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    await reader.read()
    log.info("Standard input closed: the parent process is gone")
    stop.set()
