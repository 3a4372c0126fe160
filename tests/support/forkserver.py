"""Servers for the tests, started in a hundredth of the time: a fork server that has run wsgi.py's imports.

A server started the ordinary way (`python wsgi.py`) spends about 2.5 s of CPU before it listens, nearly all of
it importing (TikTokLive's message classes are made at import: 1.5 s of pydantic); the suite starts a few
hundred. This module, run as a script, is a process that runs wsgi.py up to its last line (eventlet's monkey
patching and every import, nothing started: no hub, no thread, no socket) and then forks a server for each
request, which goes on to that last line, `sys.exit(main())`: the real server, on the real code path, in a
process of its own. What differs from a fresh interpreter is only what was imported before the fork, with the
environment of the fork server's start: the request's environment replaces it before the server reads a
setting, and what wsgi.py's own start added to it (EVENTLET_HUB; a .env's values) is added again, as a fresh
start would (`_inherited`). `random` is reseeded in the child by CPython (os.register_at_fork).

Imported, it is the tests' side: `spawn` gives a handle with Popen's methods (pid, poll, wait, send_signal,
kill). The fork server is this process's child; the servers are the fork server's children, reaped there and
their exit status sent back. Closing the requests' pipe (this process ending) stops the servers left and the
fork server. Used by support.appserver for this repository's wsgi.py when the Python settings match
(`can_serve`); anything else starts the ordinary way.
"""

import importlib
import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# What the interpreter reads at its own start: a server that needs other values starts the ordinary way.
_INTERPRETER_SETTINGS = ("PYTHONWARNINGS", "PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE", "PYTHONPATH",
                         "PYTHONHASHSEED", "PYTHONOPTIMIZE", "PYTHONSAFEPATH")


def _interpreter_settings(env):
    return {name: env.get(name) for name in _INTERPRETER_SETTINGS}


# --- the tests' side -------------------------------------------------------------------------------------------

class _ForkServer:
    def __init__(self, env):
        self.settings = _interpreter_settings(env)
        self._process = subprocess.Popen([sys.executable, __file__], cwd=REPO, env=env,
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self._lock = threading.Lock()  # one request at a time: its answer is the next `started` line
        self._changed = threading.Condition()
        self._started = []
        self._exit_codes = {}
        threading.Thread(target=self._read_answers, daemon=True, name="forkserver-answers").start()

    def spawn(self, env, log_path, new_session):
        request = {"env": env, "log": str(log_path), "newSession": new_session}
        with self._lock:
            self._process.stdin.write(json.dumps(request).encode() + b"\n")
            self._process.stdin.flush()
            with self._changed:
                if not self._changed.wait_for(lambda: self._started or self._process.poll() is not None, 60):
                    raise RuntimeError("the fork server did not answer within 60 s")
                if not self._started:
                    raise RuntimeError(f"the fork server exited with {self._process.returncode}")
                return ForkedServer(self, self._started.pop())

    def exit_code(self, pid, timeout):
        with self._changed:
            self._changed.wait_for(lambda: pid in self._exit_codes, timeout)
            return self._exit_codes.get(pid)

    def _read_answers(self):
        for line in self._process.stdout:
            kind, pid, *code = line.split()
            with self._changed:
                if kind == b"started":
                    self._started.append(int(pid))
                else:
                    self._exit_codes[int(pid)] = int(code[0])
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()


class ForkedServer:
    """A forked server, with the part of subprocess.Popen's interface the tests use."""

    def __init__(self, fork_server, pid):
        self._fork_server = fork_server
        self.pid = pid
        self.returncode = None

    def poll(self):
        return self.wait(timeout=0) if self.returncode is None else self.returncode

    def wait(self, timeout=None):
        if self.returncode is None:
            self.returncode = self._fork_server.exit_code(self.pid, timeout)
            if self.returncode is None and timeout != 0:
                raise subprocess.TimeoutExpired(f"server {self.pid}", timeout)
        return self.returncode

    def send_signal(self, signum):
        if self.returncode is None:
            os.kill(self.pid, signum)

    def terminate(self):
        self.send_signal(signal.SIGTERM)

    def kill(self):
        self.send_signal(signal.SIGKILL)


_fork_server = None
_fork_server_lock = threading.Lock()


def can_serve(root, env):
    """Whether a server of `root` with this environment can come from the fork server."""
    return Path(root).resolve() == REPO and (
        _fork_server is None or _fork_server.settings == _interpreter_settings(env))


def spawn(env, log_path, new_session=False):
    """Start `python wsgi.py` of this repository with `env`, its output into `log_path`: a ForkedServer."""
    global _fork_server
    with _fork_server_lock:
        if _fork_server is None:
            _fork_server = _ForkServer(env)
    return _fork_server.spawn(env, log_path, new_session)


# --- the fork server ----------------------------------------------------------------------------------------

def _serve_requests(inherited):
    """Answer requests until the pipe closes; returns only in a forked server, ready to go on as one."""
    import posix  # os's read, waitpid and fork, never eventlet's green ones (the hub must not start here)
    import select

    servers = set()
    pending = b""
    while True:
        readable, _, _ = select.select([0], [], [], 0.05)
        _reap(posix, servers)
        if not readable:
            continue
        chunk = posix.read(0, 1 << 16)
        if not chunk:
            _stop(posix, servers)
        pending += chunk
        while b"\n" in pending:
            line, pending = pending.split(b"\n", 1)
            request = json.loads(line)
            pid = posix.fork()
            if pid == 0:
                _become_server(request, inherited)
                return
            servers.add(pid)
            posix.write(1, b"started %d\n" % pid)


def _become_server(request, inherited):
    if request["newSession"]:
        os.setsid()
    null = os.open(os.devnull, os.O_RDONLY)
    log = os.open(request["log"], os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    os.dup2(null, 0)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.close(null)
    os.close(log)
    os.environ.clear()
    os.environ.update({**inherited, **request["env"]})
    sys.argv = ["wsgi.py"]
    _fresh_hub()


def _fresh_hub():
    """Give the server an eventlet hub of its own. eventlet.monkey_patch made one in the fork server (an asyncio
    loop, never run, with nothing scheduled on it), whose selector the fork would share with every server; and
    eventlet's at-fork hook marks that loop running in the child, for a fork made inside the hub, which this one
    is not. The server gets a new hub on first use, as its own start would have made it."""
    import asyncio.events

    from eventlet import hubs

    asyncio.events._set_running_loop(None)
    hubs.get_hub().loop.close()  # this process's copies of its file descriptors
    del hubs._threadlocal.hub


def _reap(posix, servers):
    while servers:
        try:
            pid, status = posix.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        servers.discard(pid)
        posix.write(1, b"exited %d %d\n" % (pid, os.waitstatus_to_exitcode(status)))


def _stop(posix, servers):
    """The tests' process has gone: stop what it left running, then this process."""
    for pid in servers:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    os._exit(0)


def _inherited(environ_before):
    """What wsgi.py's start added to the environment, for each server to get again."""
    return {name: value for name, value in os.environ.items() if environ_before.get(name) != value}


if __name__ == "__main__":
    sys.path[0] = str(REPO)  # as `python wsgi.py` run in REPO has it
    environ_before = dict(os.environ)
    import wsgi  # everything up to `sys.exit(main())`

    importlib.import_module("assistant.tiktok")  # what create_app imports that takes the time: TikTokLive

    _serve_requests(_inherited(environ_before))
    sys.exit(wsgi.main())
