"""`python -m assistant.simulator --port 8100 [--rate 20] [--host 127.0.0.1]`"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from .server import serve
from .state import KEEPALIVE_SECONDS

log = logging.getLogger("assistant.simulator")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m assistant.simulator",
        description="TikTok LIVE in a box: a local server that the TikTokLive client can connect to.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="listen address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8100,
                        help="listen port; 0 picks a free one (default 8100)")
    parser.add_argument("--rate", type=float, default=20.0,
                        help="generated events a second per watched creator (default 20)")
    parser.add_argument("--keepalive-seconds", type=float, default=KEEPALIVE_SECONDS,
                        help="the longest a push socket goes without a frame; an empty one is sent then "
                             f"(default {KEEPALIVE_SECONDS:g}, as TikTok; tests shorten it)")
    parser.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    parser.add_argument("--stop-on-stdin-eof", action="store_true",
                        help="exit when standard input closes (start_simulator uses this to tie us to it)")
    args = parser.parse_args(argv)
    if args.rate < 0:
        parser.error("--rate must be 0 or more")
    if not 0 < args.keepalive_seconds <= 3600:
        parser.error("--keepalive-seconds must be above 0 and at most 3600")
    logging.basicConfig(level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        asyncio.run(serve(args.host, args.port, args.rate, args.stop_on_stdin_eof, args.keepalive_seconds))
    except OSError as exc:
        log.error("Cannot serve on %s:%d: %s", args.host, args.port, exc)
        return 1
    except KeyboardInterrupt:
        log.info("Interrupted before the simulator was up")
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
