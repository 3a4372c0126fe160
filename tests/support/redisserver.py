"""A private redis-server for tests, on a free port, with no persistence (a restart loses everything)."""

import shutil
import signal
import subprocess
import time

import redis

from .appserver import free_port

REDIS_SERVER = shutil.which("redis-server")


class RedisServer:
    """`with RedisServer() as server:` ... `server.url`. `stop()`, `start()` (the same port) and
    `restart()` are for fault tests; `pause()`/`resume()` freeze the process (a Redis that hangs)."""

    def __init__(self):
        if REDIS_SERVER is None:
            raise RuntimeError("redis-server is not installed")
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None
        self.start()

    def start(self, timeout=10):
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--daemonize", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.5, socket_timeout=0.5)
        deadline = time.monotonic() + timeout
        try:
            while True:
                if self.process.poll() is not None:
                    raise RuntimeError(f"redis-server exited with {self.process.returncode}")
                try:
                    client.ping()
                    return
                except redis.ConnectionError:
                    if time.monotonic() > deadline:
                        self.stop()
                        raise RuntimeError(f"redis-server did not answer within {timeout} s") from None
                    time.sleep(0.05)
        finally:
            client.close()

    def stop(self):
        if self.process is None:
            return
        self.resume()  # a frozen process would not act on SIGTERM
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def restart(self):
        self.stop()
        self.start()

    def pause(self):
        self.process.send_signal(signal.SIGSTOP)

    def resume(self):
        self.process.send_signal(signal.SIGCONT)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
