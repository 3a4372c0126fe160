"""A private, throwaway PostgreSQL cluster for tests: initdb into a temporary folder, a free port on
127.0.0.1, trust authentication, no fsync; removed at the end. Never the machine's own server.

initdb refuses to run as root, so as root the server's binaries run as the `postgres` system user
(Debian's package makes it) on a folder given to that user. Debian keeps the binaries off PATH, in
/usr/lib/postgresql/<version>/bin: the newest installed version is used.
"""

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from itertools import count

import psycopg

from .appserver import free_port


def _binaries():
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda path: int(path.split("/")[4]))
    return os.path.dirname(found[-1]) if found else None


POSTGRES_BIN = _binaries()


class PostgresServer:
    """`with PostgresServer() as server:` ... `server.url` (the database `records`), `server.new_database()`
    (a fresh one, its URL). `stop()` and `start()` (the same port, the same data) are for fault tests."""

    def __init__(self, nice=0):
        if POSTGRES_BIN is None:
            raise RuntimeError("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb)")
        self.port = free_port()
        self.folder = tempfile.mkdtemp(prefix="pgtest-")
        self._user = pwd.getpwnam("postgres") if os.geteuid() == 0 else None
        if self._user:
            os.chown(self.folder, self._user.pw_uid, self._user.pw_gid)
        self._data = os.path.join(self.folder, "data")
        self._numbers = count(1)
        self._nice = nice  # the server's niceness (a bench: the CPU it leaves to the processes measured)
        self.running = False
        try:
            self._run("initdb", "-D", self._data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync")
            self.start()
            self.url = self.new_database()
        except BaseException:
            self.close()
            raise

    def _run(self, program, *args, nice=0):
        command = [os.path.join(POSTGRES_BIN, program), *args]
        if self._user:
            command = ["runuser", "-u", "postgres", "--", *command]
        if nice:
            command = ["nice", "-n", str(nice), *command]
        done = subprocess.run(command, capture_output=True, text=True, cwd=self.folder)
        if done.returncode != 0:
            raise RuntimeError(f"{program} failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}")

    def start(self):
        options = f"-k {self.folder} -p {self.port} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "start", "-w", "-t", "30", "-D", self._data, "-l", os.path.join(self.folder, "log"),
                  "-o", options, nice=self._nice)
        self.running = True

    def stop(self):
        if self.running:
            self._run("pg_ctl", "stop", "-w", "-m", "fast", "-D", self._data)
            self.running = False

    def new_database(self):
        name = f"records{next(self._numbers)}"
        with psycopg.connect(f"postgresql://postgres@127.0.0.1:{self.port}/postgres", autocommit=True) as admin:
            admin.execute(f"CREATE DATABASE {name}")
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def close(self):
        try:
            self.stop()
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
