"""Walls on a server of several processes (docs/architecture.md, "Cluster mode"): a wall's creators spread over
the processes, each with one upstream connection, and their summaries reach the wall's socket through the
message queue, on whichever process it is."""

import uuid

import pytest
from support.dashboardclient import wait_until
from support.simclient import unique_name

LEASE_SECONDS = 3
GRACE_SECONDS = 2


@pytest.fixture
def two_processes(server_factory, redis_server):
    channel = f"la-test-{uuid.uuid4().hex[:8]}"
    env = {"REDIS_URL": redis_server.url, "REDIS_CHANNEL": channel, "RUNNER_LEASE_SECONDS": LEASE_SECONDS,
           "CLEANUP_GRACE_SECONDS": GRACE_SECONDS}
    return [server_factory(**env) for _ in range(2)]


def _latest(client, name):
    found = [payload for payload in client.payloads("summary") if payload["username"] == name]
    return found[-1] if found else None


def test_a_wall_over_two_processes(two_processes, open_tab, simulator):
    first, second = two_processes
    names = [unique_name("cwall") for _ in range(4)]
    for name in names:
        simulator.configure(name, rate=5, viewers=50)
    wall = open_tab(first.url)
    assert wall.call("watchMany", {"usernames": names})["ok"]
    for name in names:
        wait_until(lambda name=name: (_latest(wall, name) or {}).get("status") == "connected"
                   and _latest(wall, name)["metrics"]["totalJoins"] + _latest(wall, name)["metrics"]["totalComments"],
                   timeout=30, message=f"{name}'s numbers")
    owners = wait_until(lambda: (found := {s["username"]: s["owner"] for s in first.debug()["streams"]
                                           if s["username"] in names}) and all(found.values()) and found,
                        message="every creator owned")
    assert len(set(owners.values())) == 2, f"the creators spread over both processes: {owners}"
    assert all(simulator.connections().get(name) == 1 for name in names)

    other = open_tab(second.url)  # the same wall on the other process: no new upstream
    assert other.call("watchMany", {"usernames": names})["ok"]
    for name in names:
        wait_until(lambda name=name: len([p for p in other.payloads("summary") if p["username"] == name]) >= 2,
                   timeout=15, message=f"{name} on the second process")
    assert all(simulator.connections().get(name) == 1 for name in names)
    received = {event for event, _ in wall.received} | {event for event, _ in other.received}
    assert "live" not in received and "snapshot" not in received
