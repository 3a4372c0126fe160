"""Shared test fixtures."""

import pytest
from support import appserver
from support.appserver import RunningServer
from support.dashboardclient import DashboardClient
from support.simclient import SimulatorControl, unique_name

from assistant.simulator import start_simulator
from assistant.tiktok.reference import own_event_metadata

pytest_plugins = ["support.tiers"]  # the fast tier and the slow one

# Tests parse with TikTokLive's clients and build TikTokLive's messages in one process, in whatever order the
# workers run them: its event classes get metadata of their own first (assistant/tiktok/reference.py).
own_event_metadata()

# The suite's servers come from a fork server that has done wsgi.py's imports once (support/forkserver.py).
appserver.fork_servers = True

# --- TikTok LIVE simulator -------------------------------------------------------------------------

SIMULATOR_RATE = 20.0


@pytest.fixture(scope="session")
def simulator():
    """One simulator child process for the whole run, driven through its control API.

    Tests share it: give each test its own creator names (support.simclient.unique_name) and read the
    per-creator counters, since other tests' clients (an app server's runners) may use it too.
    """
    with start_simulator(rate=SIMULATOR_RATE) as running:
        control = SimulatorControl(running.url)
        yield control
        control.close()


@pytest.fixture
def fresh_simulator(simulator):
    """The shared simulator, reset first: no creators, counters at zero, no planned sign failures.

    A reset closes every push socket, whoever holds it: use it only where a clean slate matters.
    """
    simulator.reset()
    return simulator


# --- the Live Assistant server ---------------------------------------------------------------------

TEST_GRACE_SECONDS = 2


def _server_env(simulator, overrides):
    """The decode check is off unless a test sets DECODE_CHECK_RATE (tests/test_message_types.py): its first
    stream makes TikTokLive's classes ready in the background, seconds of CPU on a machine the tests share."""
    return {"TIKTOK_SIMULATOR_URL": simulator.url, "CLEANUP_GRACE_SECONDS": TEST_GRACE_SECONDS, "DECODE_CHECK_RATE": 0,
            **overrides}


@pytest.fixture(scope="module")
def server(simulator):
    """The real server (`python wsgi.py`) on a free port, shared by a test module."""
    running = RunningServer(_server_env(simulator, {}))
    yield running
    running.stop()


@pytest.fixture
def server_factory(simulator):
    """Start servers of a test's own, with environment overrides: `server_factory(MAX_STREAMS=1)`."""
    started = []

    def start(**overrides):
        running = RunningServer(_server_env(simulator, overrides))
        started.append(running)
        return running

    yield start
    for running in started:
        running.stop()


@pytest.fixture
def open_tab():
    """Open dashboard clients to any server: `open_tab(url, auth=None, headers=None)`; closed after the test."""
    clients = []

    def open_client(url, auth=None, headers=None):
        client = DashboardClient(url, auth=auth, headers=headers)
        clients.append(client)
        return client

    yield open_client
    for client in clients:
        client.disconnect()


@pytest.fixture
def connect(server, open_tab):
    """Open dashboard clients to the module's server (or to `url=`); closed after the test."""

    def open_client(auth=None, url=None, headers=None):
        return open_tab(url or server.url, auth=auth, headers=headers)

    return open_client


@pytest.fixture
def quiet_creator(simulator):
    """Make live creators with no generated traffic: they send only what a test injects."""

    def make(prefix="quiet"):
        name = unique_name(prefix)
        simulator.configure(name, rate=0, viewers=10)
        return name

    return make


# --- a private Redis -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def redis_server():
    """One private redis-server for the run (skipped where none is installed); tests sharing it use a
    key prefix (REDIS_CHANNEL) of their own."""
    from support.redisserver import REDIS_SERVER, RedisServer

    if REDIS_SERVER is None:
        pytest.skip("redis-server is not installed")
    with RedisServer() as running:
        yield running


# --- databases for the records ---------------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres_server():
    """One private, throwaway PostgreSQL cluster for the run (skipped where PostgreSQL is not installed)."""
    from support.pgserver import POSTGRES_BIN, PostgresServer

    if POSTGRES_BIN is None:
        pytest.skip("PostgreSQL is not installed (make system-deps)")
    with PostgresServer() as running:
        yield running


@pytest.fixture(scope="session")
def postgres_url(postgres_server):
    return postgres_server.url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.slow)])
def database_url(request, tmp_path):
    """An empty database of each kind, the test's own: a SQLite file, or a new database in the cluster."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'records.sqlite3'}"
    return request.getfixturevalue("postgres_server").new_database()
