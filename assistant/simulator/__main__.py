"""`python -m assistant.simulator --port 8100 [--rate 20] [--host 127.0.0.1] [--replay FILE --as NAME [--speed 1]]`"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from ..captures import CaptureError
from . import replay
from .model import normalise_name
from .server import serve
from .state import KEEPALIVE_SECONDS
from .validation import MAX_REPLAY_SPEED

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
    parser.add_argument("--replay", metavar="FILE",
                        help="a capture (.tlcap.jsonl.gz) to send to the creator --as names, as TikTok sent it: "
                             "its fetch result at the next connect, then its frames (docs/captures.md)")
    parser.add_argument("--as", dest="replay_as", metavar="NAME", help="the creator --replay goes to")
    parser.add_argument("--speed", type=float, default=1.0,
                        help=f"the replay's pace: the capture's spacing divided by this, 1 to {MAX_REPLAY_SPEED} "
                             "(default 1)")
    parser.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    parser.add_argument("--stop-on-stdin-eof", action="store_true",
                        help="exit when standard input closes (start_simulator uses this to tie us to it)")
    args = parser.parse_args(argv)
    if args.rate < 0:
        parser.error("--rate must be 0 or more")
    if not 0 < args.keepalive_seconds <= 3600:
        parser.error("--keepalive-seconds must be above 0 and at most 3600")
    logging.basicConfig(level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    planned = _replay(parser, args)
    try:
        asyncio.run(serve(args.host, args.port, args.rate, args.stop_on_stdin_eof, args.keepalive_seconds, planned))
    except OSError as exc:
        log.error("Cannot serve on %s:%d: %s", args.host, args.port, exc)
        return 1
    except KeyboardInterrupt:
        log.info("Interrupted before the simulator was up")
        return 130
    return 0


def _replay(parser: argparse.ArgumentParser, args: argparse.Namespace) -> tuple[str, replay.Replay] | None:
    """(the creator, the replay) that --replay and --as ask for, read and checked; None without them."""
    if (args.replay is None) != (args.replay_as is None):
        parser.error("--replay and --as go together: --replay FILE --as NAME")
    if not 1 <= args.speed <= MAX_REPLAY_SPEED:
        parser.error(f"--speed must be from 1 to {MAX_REPLAY_SPEED}")
    if args.replay is None:
        return None
    name = normalise_name(args.replay_as)
    if name is None:
        parser.error(f"--as {args.replay_as!r} is not a creator name: 2 to 24 letters, digits, '_' or '.'")
    try:
        return name, replay.load(args.replay, args.speed)
    except CaptureError as exc:
        parser.error(f"--replay: {exc}")


if __name__ == "__main__":
    sys.exit(main())
