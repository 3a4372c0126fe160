"""Starting and stopping `python wsgi.py` as a new user does: a second server on a port or on a records file
already taken stops at once with one line and status 2, leaving the first one serving; Ctrl-C stops the
server (and the simulator of DEMO) as cleanly as SIGTERM."""

import os
import re
import signal
import subprocess
import sys

import psutil
import pytest
import requests
from support.appserver import REPO, RunningServer, free_port
from support.dashboardclient import DashboardClient, wait_until
from support.simclient import unique_name

pytestmark = pytest.mark.slow  # every test starts `python wsgi.py`

NO_SIMULATOR = {"TIKTOK_SIMULATOR_URL": "http://127.0.0.1:9"}  # a server that is only started and stopped


def _environment(overrides):
    return {**os.environ, "HOST": "127.0.0.1", "PORT": str(free_port()), "SECRET_KEY": "", "ACCESS_PASSWORD": "",
            "REDIS_URL": "", "PYTHONWARNINGS": "ignore::DeprecationWarning", **NO_SIMULATOR, **overrides}


def _refused_start(overrides):
    """Start `python wsgi.py`, which must stop by itself: (exit status, non-blank output lines)."""
    process = subprocess.Popen([sys.executable, "wsgi.py"], cwd=REPO, env=_environment(overrides), text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        output, _ = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
        pytest.fail(f"the second server did not stop by itself:\n{output}")
    return process.returncode, [line for line in output.splitlines() if line.strip()]


def _answers(server):
    return requests.get(server.url + "/healthz", timeout=5).json()["status"] == "ok"


# --- a port already in use ---------------------------------------------------------------------------------


def test_a_second_server_on_a_port_in_use_stops_with_one_line():
    first = RunningServer(NO_SIMULATOR)
    try:
        status, lines = _refused_start({"PORT": str(first.port), "RECORD_STREAMS": "0"})
        assert status == 2, lines
        assert lines == [f"Live Assistant: bad setting: port {first.port} is already in use on 127.0.0.1 "
                         "(another server listens there): stop it, or set another PORT"]
        assert all(_answers(first) for _ in range(20)), "the first server still gets every connection"
    finally:
        first.stop()
    assert "listening" in first.log_text() and "Traceback" not in first.log_text()


# --- a SQLite records file belongs to one server ---------------------------------------------------------------


def test_a_second_server_on_the_same_sqlite_file_stops_with_one_line(tmp_path):
    path = tmp_path / "records.sqlite3"
    url = f"sqlite:///{path}"
    first = RunningServer({**NO_SIMULATOR, "DATABASE_URL": url})
    try:
        status, lines = _refused_start({"DATABASE_URL": url})
        assert status == 2, lines
        assert len(lines) == 1, lines
        assert lines[0].startswith(f"Live Assistant: bad setting: DATABASE_URL: the records file {path} is in use "
                                   f"by another server (process {first.process.pid}). Give this one a file")
        assert "REDIS_URL" in lines[0] and "Postgres" in lines[0]
        assert _answers(first)

        # The records tool is no server: it migrates the file beside the running one.
        tool = subprocess.run([sys.executable, "-m", "assistant.records", "upgrade"], cwd=REPO, text=True,
                              env=_environment({"DATABASE_URL": url}), capture_output=True, timeout=60)
        assert tool.returncode == 0, tool.stderr
        assert re.fullmatch(rf"{re.escape(url)}: revision \S+\n", tool.stdout)
        assert _answers(first)
    finally:
        first.stop()
    assert "Traceback" not in first.log_text()

    # The lock goes with its process: the next server takes the file.
    again = RunningServer({**NO_SIMULATOR, "DATABASE_URL": url})
    again.stop()
    assert "Stopped" in again.log_text()


def test_the_processes_of_one_cluster_may_share_a_sqlite_file(tmp_path, redis_server):
    """With REDIS_URL the processes are one server: no lock, the warning that says to use Postgres."""
    env = {**NO_SIMULATOR, "DATABASE_URL": f"sqlite:///{tmp_path / 'records.sqlite3'}",
           "REDIS_URL": redis_server.url, "REDIS_CHANNEL": unique_name("share")}
    servers = [RunningServer(env)]
    try:
        servers.append(RunningServer(env))
        assert all(_answers(server) for server in servers)
    finally:
        for server in servers:
            server.stop()
    assert all("Set DATABASE_URL to a Postgres database" in server.log_text() for server in servers)


# --- Ctrl-C ---------------------------------------------------------------------------------------------------


def _assert_stopped_cleanly(server):
    log = server.log_text()
    assert server.process.returncode == 0, log
    assert "Traceback" not in log and " ERROR " not in log, log
    assert "Stopped" in log


def test_sigint_stops_the_server_as_cleanly_as_sigterm():
    server = RunningServer(NO_SIMULATOR)
    try:
        server.process.send_signal(signal.SIGINT)
        server.process.wait(timeout=15)
    finally:
        server.stop()
    _assert_stopped_cleanly(server)


@pytest.mark.timeout(180)
def test_ctrl_c_stops_a_demo_server_and_its_simulator():
    """A terminal's Ctrl-C: SIGINT to the whole foreground process group, while a creator is followed."""
    server = RunningServer({"DEMO": "1", "TIKTOK_SIMULATOR_URL": ""}, new_session=True)
    try:
        children = psutil.Process(server.process.pid).children()
        (simulator,) = [child for child in children if "assistant.simulator" in child.cmdline()]
        (writer,) = [child for child in children if child is not simulator]  # the records' writer process
        client = DashboardClient(server.url)
        try:
            client.watch_until_connected("demo_creator")
        finally:
            client.disconnect()
        os.killpg(server.process.pid, signal.SIGINT)
        server.process.wait(timeout=20)
    finally:
        server.stop()
    _assert_stopped_cleanly(server)
    wait_until(lambda: not simulator.is_running(), timeout=10, message="the simulator child gone")
    wait_until(lambda: not writer.is_running(), timeout=10, message="the records writer gone")
    assert "Upstream connection to @demo_creator dropped" not in server.log_text(), "closed before the simulator"
