"""The records' writer process: the server's handle on it (`WriterProcess`) and its main loop (`main`).

Why a process: a write done in a thread of the server (SQLAlchemy building parameters, JSON encoding,
the driver's executemany) runs Python code that holds the GIL, about 20 us per event. Under a flood of
10,000 events a second that thread took the GIL a fifth of the time, and took it again each time the hub
let go of it for a system call: every creator's emits and /healthz waited (a quiet creator's p99 went
from 115 to 265-564 ms). In a process of its own the write has its own interpreter; all the server does
per flush is pickle the queued operations (about 1 us per event) and send them over a socketpair, in
frames that yield to the hub between them.

The protocol, one pickled message a frame (4-byte length, then the pickle), each answered only where said:
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
import pickle
import signal
import socket
import struct
import subprocess
import sys
import time

import eventlet
from sqlalchemy.exc import InterfaceError, OperationalError

from .batch import write
from .database import make_engine, one_line

_LENGTH = struct.Struct("!I")
_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # holds assistant/
_ENTRY = "import sys; from assistant.records.process import main; main(int(sys.argv[1]))"
WRITER_NICENESS = 10
FRAME_EVENTS = 500  # events pickled into one frame, between which the hub runs other green threads


class WriterGone(Exception):
    """The writer process is not there (it died, or was never started); the write did not happen."""


def _send(sock, message):
    data = pickle.dumps(message, pickle.HIGHEST_PROTOCOL)
    sock.sendall(_LENGTH.pack(len(data)) + data)


def _receive_exactly(sock, size):
    chunks = []
    while size:
        chunk = sock.recv(min(size, 1 << 20))
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def _receive(sock):
    (size,) = _LENGTH.unpack(_receive_exactly(sock, _LENGTH.size))
    return pickle.loads(_receive_exactly(sock, size))


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
        # Not `-m assistant.records.process`: the package imports this module before runpy would run it.
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, (_ROOT, os.environ.get("PYTHONPATH"))))}
        try:
            self._process = subprocess.Popen(
                [sys.executable, "-c", _ENTRY, str(theirs.fileno())],
                pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL, env=env)
        finally:
            theirs.close()
        self._sock = ours
        _send(ours, ("init", self._url))

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
                _send(self._sock, ("forget",))
                self._forget = False
            for frame in _frames(ops):
                _send(self._sock, ("ops", frame))
                eventlet.sleep(0)
            _send(self._sock, ("write", time.time()))
            return _receive(self._sock)
        except (OSError, EOFError) as ex:
            self._stop()
            raise WriterGone(f"the records writer process stopped ({type(ex).__name__})") from ex

    def close(self):
        self._stop()


def _write(engine, ops, ids, now):
    try:
        with engine.begin() as connection:
            write(connection, ops, ids, now)
        return ("ok",)
    except Exception as ex:  # any failure is answered, never raised: the server decides what to do
        ids.clear()  # ids inserted by the rolled-back transaction are not there
        unreachable = isinstance(ex, (OperationalError, InterfaceError))
        return ("unreachable" if unreachable else "refused", one_line(ex))


def main(fd):
    # Ctrl-C and a platform's SIGTERM reach the whole process group: the server stops this process, by
    # closing the socket once it has flushed what is queued.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    # Background work: where the CPU is short (2 cores, a flood), the server's hub goes first. The writer
    # catches up when the flood ends; its queue in the server is bounded (RECORD_QUEUE_EVENTS).
    os.nice(WRITER_NICENESS)
    sock = socket.socket(fileno=fd)
    sock.setblocking(True)
    engine, ids, pending = None, {}, []
    try:
        while True:
            message = _receive(sock)
            if message[0] == "init":
                engine = make_engine(message[1])
            elif message[0] == "ops":
                pending.extend(message[1])
            elif message[0] == "forget":
                ids.clear()
            elif message[0] == "write":
                answer = _write(engine, pending, ids, message[1])
                pending = []
                _send(sock, answer)
    except (EOFError, ConnectionError):
        pass
    finally:
        if engine is not None:
            engine.dispose()
