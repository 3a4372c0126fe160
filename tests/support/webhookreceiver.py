"""A real HTTP receiver of webhooks for tests and benches: a threaded http.server on a free port of 127.0.0.1
(or `https` with a certificate) that records every POST and answers as planned.

`receiver.plan(500, 503)` queues answers for the next POSTs (after them: 200); an answer is a status, or
HANG (hold the request without answering until the receiver closes or `hang_seconds` pass, then drop the
connection: a timeout for the sender). `receiver.requests` lists what came (`Received`); `wait_for(n)` polls
until n have come. `record=False` (a bench) only counts them.
"""

import ssl
import threading
import time
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HANG = "hang"


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict  # header names in lower case
    body: bytes
    at: float  # time.monotonic() when it came
    sni: str | None  # the TLS server name the client sent (https only)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as real receivers do
    disable_nagle_algorithm = True  # the head and the body are two writes: without it each answer waits 40 ms

    def do_POST(self):  # noqa: N802 (http.server's name)
        receiver = self.server.receiver
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        answer = receiver.take_answer()
        receiver.add(Received(self.path, {name.lower(): value for name, value in self.headers.items()}, body,
                              time.monotonic(), getattr(self.connection, "receiver_sni", None)))
        if answer == HANG:
            receiver.closing.wait(receiver.hang_seconds)
            self.close_connection = True
            return
        self.send_response(answer)
        if 300 <= answer < 400:
            self.send_header("Location", "/redirected")
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, format, *args):  # noqa: A002 (http.server's signature): quiet
        return


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # the listen backlog (socketserver's 5 drops connections a sender opens at once)


class WebhookReceiver:
    def __init__(self, certificate=None, hang_seconds=15.0, record=True):
        self.hang_seconds = hang_seconds
        self.closing = threading.Event()
        self.requests = []
        self.count = 0
        self._record = record
        self._answers = deque()
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.receiver = self
        self.port = self._server.server_address[1]
        scheme = "http"
        if certificate is not None:  # (certificate file, key file)
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*certificate)
            context.sni_callback = self._remember_sni
            self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
            scheme = "https"
        self.url = f"{scheme}://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @staticmethod
    def _remember_sni(connection, server_name, _context):
        connection.receiver_sni = server_name

    def plan(self, *answers):
        with self._lock:
            self._answers.extend(answers)

    def take_answer(self):
        with self._lock:
            return self._answers.popleft() if self._answers else 200

    def add(self, received):
        with self._lock:
            self.count += 1
            if self._record:
                self.requests.append(received)

    def wait_for(self, count, timeout=30.0):
        """The first `count` requests, once they have come (polled, with a deadline)."""
        deadline = time.monotonic() + timeout
        while self.count < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"the receiver got {self.count} requests, not {count}, in {timeout} s")
            time.sleep(0.02)
        with self._lock:
            return list(self.requests[:count])

    def close(self):
        self.closing.set()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
