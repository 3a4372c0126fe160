"""The two tiers of the suite (a pytest plugin: tests/conftest.py loads it).

`slow`: a test that starts a real part, a process of its own: the server (`python wsgi.py`), the simulator,
redis-server, PostgreSQL, Chromium, or the records' writer process for records of its own. A test that uses a
fixture of REAL_PARTS, itself or through another fixture, is marked here; a test that starts such a process
itself carries `@pytest.mark.slow` (or its module `pytestmark`). Everything else is the fast tier
(`pytest -m "not slow"`, `make check`): plain calls, and the app in the test's process through Flask's and
Flask-SocketIO's test clients.

So that the tiers cannot drift apart unseen, a fast test that starts a process fails, in its setup (its
fixtures) or its call, naming the command. Let through are the helpers the app itself starts in process: the
records' writer process (assistant/records/writerchild.py, started with every app in process that records), git
(/source lists the files it sends with it: assistant/source.py) and ldconfig (ctypes' find_library runs it when
assistant/heap.py is first imported).
"""

import os
import subprocess
import sys
from contextlib import contextmanager

import pytest

# Fixtures that start a real part; pytest's `item.fixturenames` holds every fixture a test needs, through
# others too (`connect` needs `server`, `open_dashboard` needs `browser`, `server` needs `simulator`...).
# open_records (test_records.py): Records of the test's own, each with its writer process (about 2 s of CPU).
REAL_PARTS = frozenset({"simulator", "server", "server_factory", "redis_server", "postgres_server", "browser",
                        "open_records"})

WRITER_MODULE = "assistant.records.writerchild"


@pytest.hookimpl(tryfirst=True)  # before -m deselects by mark
def pytest_collection_modifyitems(items):
    for item in items:
        if REAL_PARTS.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


def _command(args):
    """`args` as Popen takes it (a string, a path or a sequence), as a list of strings."""
    if isinstance(args, (str, bytes, os.PathLike)):
        args = [args]
    return [os.fsdecode(arg) for arg in args]


def _app_helper(args):
    """True for the helpers the app starts, which a fast test may start too: git, ldconfig, the records' writer."""
    command = _command(args)
    if os.path.basename(command[0]) in ("git", "ldconfig"):
        return True
    return command[:2] == [sys.executable, "-c"] and len(command) > 2 and WRITER_MODULE in command[2]


@contextmanager
def processes_refused(item):
    """For a fast test: Popen (subprocess, asyncio's subprocesses, Playwright's driver) refuses to start
    anything but the app's helpers. Teardowns are left alone: stopping PostgreSQL runs pg_ctl, and the
    session's fixtures may end after a fast test."""
    if item.get_closest_marker("slow"):
        yield
        return
    start = subprocess.Popen._execute_child

    def refuse(popen, args, *rest, **options):
        if not _app_helper(args):
            pytest.fail(f"{item.nodeid} is in the fast tier but started a process: {_command(args)}. "
                        "Mark it @pytest.mark.slow, or use a fixture of support.tiers.REAL_PARTS.")
        return start(popen, args, *rest, **options)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(subprocess.Popen, "_execute_child", refuse)
        yield


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item):
    with processes_refused(item):
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    with processes_refused(item):
        return (yield)
