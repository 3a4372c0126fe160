"""The real Live Assistant server (`python wsgi.py`) in a child process, on a free port."""

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

from support import forkserver

REPO = Path(__file__).resolve().parents[2]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# The test suite sets this (conftest.py): its servers come from the fork server (support/forkserver.py). The
# benches measure servers started the ordinary way.
fork_servers = False


class RunningServer:
    """`port`: listen there (e.g. a stopped server's port, to restart it); also taken from a PORT
    override; else a free port. Unless the overrides say where (DATABASE_URL) or turn recording off,
    the server records into a SQLite file of its own, removed with it. `root`: the project whose
    wsgi.py runs (a copy of it, say); this repository by default. `new_session`: in a process group
    of its own, as a terminal's foreground job is (a test can signal the group: os.killpg)."""

    def __init__(self, env_overrides, port=None, root=REPO, new_session=False):
        self.port = port or int(env_overrides.get("PORT") or 0) or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._records_dir = None
        if "DATABASE_URL" not in env_overrides and "RECORD_STREAMS" not in env_overrides:
            self._records_dir = tempfile.TemporaryDirectory(prefix="live-assistant-records-")
            env_overrides = {**env_overrides, "DATABASE_URL": f"sqlite:///{self._records_dir.name}/records.sqlite3"}
        env = {
            **os.environ,
            "HOST": "127.0.0.1",
            "PORT": str(self.port),
            "PYTHONUNBUFFERED": "1",
            "PYTHONWARNINGS": "ignore::DeprecationWarning",
            **{key: str(value) for key, value in env_overrides.items()},
        }
        self._log = tempfile.NamedTemporaryFile(prefix="live-assistant-", suffix=".log", delete=False)
        if fork_servers and forkserver.can_serve(root, env):
            self.process = forkserver.spawn(env, self._log.name, new_session)
        else:
            self.process = subprocess.Popen(
                [sys.executable, "wsgi.py"], cwd=root, env=env, stdout=self._log, stderr=subprocess.STDOUT,
                start_new_session=new_session,
            )
        try:
            self._wait_until_up()
        except BaseException:
            self.stop()  # never leave a server behind that did not come up in time
            raise

    def _wait_until_up(self, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}:\n{self.log_text()}")
            try:
                if requests.get(self.url + "/healthz", timeout=1).ok:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"server did not start within {timeout} s:\n{self.log_text()}")

    def log_text(self):
        return Path(self._log.name).read_text(errors="replace")

    def debug(self, **kwargs):
        response = requests.get(self.url + "/debug", timeout=5, **kwargs)
        response.raise_for_status()
        return response.json()

    def terminate(self, timeout=10):
        """Send SIGTERM (what a PaaS sends) and return how long the process took to exit."""
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=timeout)
        return time.monotonic() - started

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()
        if self._records_dir is not None:
            self._records_dir.cleanup()
