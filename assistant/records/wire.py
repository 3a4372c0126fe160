"""The framing between the server and its records writer process: one pickled message a frame (a 4-byte
length, then the pickle), over a socketpair. The messages are listed in process.py."""

import pickle
import struct

_LENGTH = struct.Struct("!I")


def send(sock, message):
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


def receive(sock):
    """The next message; EOFError once the other side has closed the socket."""
    (size,) = _LENGTH.unpack(_receive_exactly(sock, _LENGTH.size))
    return pickle.loads(_receive_exactly(sock, size))
