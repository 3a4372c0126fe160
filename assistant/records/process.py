"""The records' writer process: the server's handle on it (`WriterProcess`); its main loop is writerchild.py.

Why a process: a write done in a thread of the server (SQLAlchemy building parameters, JSON encoding,
the driver's executemany) runs Python code that holds the GIL, about 20 us per event. Under a flood of
10,000 events a second that thread took the GIL a fifth of the time, and took it again each time the hub
let go of it for a system call: every creator's emits and /healthz waited (a quiet creator's p99 went
from 115 to 265-564 ms). In a process of its own the write has its own interpreter; all the server does
per flush is pickle the queued operations (about 1 us per event) and send them over a socketpair, in
frames that yield to the hub between them.

The protocol (framed by wire.py), each message answered only where said:
  ("init", url)   the database to write to (sent on the socket, not in argv, where `ps` would show a password)
  ("ops", [op])   operations to write (records.writer queues them: (kind, (username, room_id), args))
  ("forget",)     lives were deleted: the cached live ids must be looked up again
  ("write", now)  write the operations received since the last write, in one transaction, `now` (the
                  server's time.time() at the flush) their time of update; answered with
                  ("ok",), ("unreachable", reason) (the database cannot be reached: worth trying again)
                  or ("refused", reason) (the database refused the data)
The process ends at end of file: when the server closes the socket, or dies (even by SIGKILL).
"""

import os
import socket
import subprocess
import sys
import time

import eventlet

from .wire import receive, send

_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # holds assistant/
# The writer needs SQLAlchemy and the records' own modules, not the server's: empty stand-ins for the packages
# `assistant` and `assistant.records` keep their __init__ (Flask, Socket.IO, eventlet, TikTokLive's imports:
# about a second of CPU at every server start) from running. The project's folder is argv[2].
_ENTRY = "\n".join((
    "import os, sys, types",
    "for name in ('assistant', 'assistant.records'):",
    "    package = sys.modules[name] = types.ModuleType(name)",
    "    package.__path__ = [os.path.join(sys.argv[2], *name.split('.'))]",
    "from assistant.records.writerchild import main",
    "main(int(sys.argv[1]))",
))
FRAME_EVENTS = 500  # events pickled into one frame, between which the hub runs other green threads


class WriterGone(Exception):
    """The writer process is not there (it died, or was never started); the write did not happen."""


def _frames(ops):
    """`ops` cut into lists of about FRAME_EVENTS events each (an operation is never split)."""
    frame, events = [], 0
    for op in ops:
        frame.append(op)
        events += len(op[2][0]) if op[0] == "events" else 1
        if events >= FRAME_EVENTS:
            yield frame
            frame, events = [], 0
    if frame:
        yield frame


class WriterProcess:
    """The writer process, started at once (its imports take about a second) and again by the write after
    it died; one write at a time (RecordWriter's lock sees to that)."""

    def __init__(self, url):
        self._url = url  # a SQLAlchemy URL string, password included
        self._sock = self._process = None
        self._forget = False
        self._start()

    def _start(self):
        ours, theirs = socket.socketpair()
        try:
            self._process = subprocess.Popen(
                [sys.executable, "-c", _ENTRY, str(theirs.fileno()), _ROOT],
                pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL)
        finally:
            theirs.close()
        self._sock = ours
        send(ours, ("init", self._url))

    def _stop(self):
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        if self._process is not None:
            self._process.wait()  # it ends at end of file, after the write it may be in
            self._process = None

    def forget_lives(self):
        self._forget = True

    def write(self, ops):
        """Write `ops` in one transaction: ("ok",), ("unreachable", reason) or ("refused", reason).
        Raises WriterGone when the process died (it is started again at the next write)."""
        try:
            if self._sock is None:
                self._start()
                self._forget = False  # a new process has no cached ids
            if self._forget:
                send(self._sock, ("forget",))
                self._forget = False
            for frame in _frames(ops):
                send(self._sock, ("ops", frame))
                eventlet.sleep(0)
            send(self._sock, ("write", time.time()))
            return receive(self._sock)
        except (OSError, EOFError) as ex:
            self._stop()
            raise WriterGone(f"the records writer process stopped ({type(ex).__name__})") from ex

    def close(self):
        self._stop()
