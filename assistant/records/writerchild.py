"""The records' writer process's main loop (process.py starts it and says why it is a process of its own).

It imports only what it writes with (SQLAlchemy, the records' schema and batch insert): process.py starts it
without running the packages' __init__, so none of the server's modules (Flask, Socket.IO, eventlet,
TikTokLive) is loaded here.
"""

import os
import signal
import socket

from sqlalchemy.exc import InterfaceError, OperationalError

from .batch import write
from .engine import make_engine, one_line
from .wire import receive, send

WRITER_NICENESS = 10


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
            message = receive(sock)
            if message[0] == "init":
                engine = make_engine(message[1])
            elif message[0] == "ops":
                pending.extend(message[1])
            elif message[0] == "forget":
                ids.clear()
            elif message[0] == "write":
                answer = _write(engine, pending, ids, message[1])
                pending = []
                send(sock, answer)
    except (EOFError, ConnectionError):
        pass
    finally:
        if engine is not None:
            engine.dispose()
