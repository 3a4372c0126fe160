"""Run the simulator as a child process, from any program (the app under eventlet, tests, scripts).

Standard library only: importing this must not pull in aiohttp, TikTokLive or asyncio servers.
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
import threading
from collections import deque
from pathlib import Path
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

_READY = re.compile(r"listening on (http://\S+)")
# The child's log format is "%(asctime)s %(levelname)s %(name)s: %(message)s" (see __main__.py).
_LOG_LINE = re.compile(r"^\S+ \S+ (DEBUG|INFO|WARNING|ERROR|CRITICAL) (.*)$")
# The directory holding the `assistant` package, so the child finds it whatever our working directory.
_IMPORT_ROOT = str(Path(__file__).resolve().parents[2])


class RunningSimulator:
    """A simulator child process. `stop()` (or leaving a `with` block) ends it; safe to call twice."""

    def __init__(self, process: subprocess.Popen, url: str, relay: threading.Thread) -> None:
        self.process = process
        self.url = url
        self.port: int = urlsplit(url).port or 80
        self._relay = relay

    @property
    def running(self) -> bool:
        return self.process.poll() is None

    def stop(self, timeout: float = 5.0) -> None:
        """Terminate the child, wait for it, kill it if it does not go in `timeout` seconds."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                log.warning("Simulator (pid %d) ignored SIGTERM; killing it", self.process.pid)
                self.process.kill()
                self.process.wait()
        if self.process.stdin is not None and not self.process.stdin.closed:
            self.process.stdin.close()
        self._relay.join(timeout=2)

    def __enter__(self) -> RunningSimulator:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<RunningSimulator {self.url} pid={self.process.pid} running={self.running}>"


def start_simulator(port: int = 0, rate: float = 20.0, host: str = "127.0.0.1", *,
                    timeout: float = 30.0, keepalive_seconds: float | None = None) -> RunningSimulator:
    """Start `python -m assistant.simulator` and return once it listens (port 0: a free port).

    `keepalive_seconds` passes `--keepalive-seconds` (the simulator's own default, 10, when None).

    The child's log lines are relayed to this process's `logging` at their own level. The child
    also exits by itself when this process dies, since it stops when its standard input closes; a
    terminal's Ctrl-C does not reach it (its own process group): `stop()` ends it.
    """
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (_IMPORT_ROOT, env.get("PYTHONPATH")) if p)
    command = [sys.executable, "-m", "assistant.simulator", "--host", host, "--port", str(port),
               "--rate", str(float(rate)), "--stop-on-stdin-eof"]
    if keepalive_seconds is not None:
        command += ["--keepalive-seconds", str(float(keepalive_seconds))]
    # A process group of its own: a Ctrl-C in the terminal (SIGINT to the foreground group) reaches only this
    # process, which stops the child itself once its upstream connections are closed (the child going first
    # would drop them under it).
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, env=env, text=True, bufsize=1, process_group=0)
    found: dict[str, str] = {}
    ready = threading.Event()
    tail: deque[str] = deque(maxlen=20)
    relay = threading.Thread(target=_relay_output, args=(process, found, ready, tail),
                             name=f"simulator-{process.pid}-log", daemon=True)
    relay.start()
    ready.wait(timeout)
    simulator = RunningSimulator(process, found.get("url", ""), relay)
    if not found:
        simulator.stop()
        raise RuntimeError(f"The simulator did not start within {timeout:g} s "
                           f"(exit code {process.returncode}): " + " | ".join(tail))
    log.info("Started the TikTok LIVE simulator at %s (pid %d)", simulator.url, process.pid)
    return simulator


def _relay_output(process: subprocess.Popen, found: dict[str, str], ready: threading.Event,
                  tail: deque[str]) -> None:
    """Relay the child's log lines until it exits; note the address line when it comes."""
    assert process.stderr is not None
    for raw in process.stderr:
        line = raw.rstrip()
        tail.append(line)
        match = _LOG_LINE.match(line)
        if match:
            log.log(logging.getLevelName(match.group(1)), "[simulator] %s", match.group(2))
        else:
            log.warning("[simulator] %s", line)
        address = _READY.search(line)
        if address and not found:
            found["url"] = address.group(1)
            ready.set()
    ready.set()
