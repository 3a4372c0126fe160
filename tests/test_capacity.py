"""Capacity: a flood keeps totals exact and loses no chat or gift, a flooded creator does not slow a quiet
one (recording on, compared with it off), and the connect path does not scan every session.

Bounds here are generous (machines are shared and noisy); bench/throughput.py measures the real figures.
"""

import gc
import os
import re
import statistics
import threading
import time

import pytest
import requests
from support.dashboardclient import DashboardClient, wait_until

from assistant.store import SessionLimitError
from assistant.store.memory import MemoryStore

# Latency and CPU measured under floods: run alone (make test runs these after the others).
pytestmark = pytest.mark.exclusive

FLOOD_CHAT = re.compile(r"t=(\d+) (\d+)")
QUIET_LATENCY_BOUND = 1.0  # seconds: the quiet creator's events arrive within this during the flood
HEALTHZ_BOUND = 1.0
# Recording on against off, in one test (issue: records took the quiet creator's p99 from 115 to 265-564 ms):
# at most this factor, plus an allowance in seconds for the jitter of a shared machine.
RECORDS_SLOWDOWN = 1.5
RECORDS_ALLOWANCE = 0.03
# As long as bench/throughput.py's scenario c: the records' writer works through most of the flood.
FLOOD_SECONDS = 8
# The server's own CPU (its writer process not counted) for the flood, records on against off. The latencies
# above vary with the machine: with 30aca6c's writer thread in the server's process, the quiet creator's p95
# rose 1.2x to 1.6x on a quiet day, inside their bound. The CPU does not vary so: 30aca6c measured 1.7x to 2.0x,
# the writer process 0.9x to 1.07x.
RECORDS_SERVER_CPU = 1.25
RECORDS_CPU_ALLOWANCE = 0.2  # seconds


def _flood_chat(client, name):
    """The flood's chat received: [(n, latency seconds)], in arrival order."""
    found = []
    for at, event in client.live_arrivals(name):
        match = event["type"] == "chat" and FLOOD_CHAT.fullmatch(event["comment"])
        if match:
            found.append((int(match.group(2)), at - int(match.group(1)) / 1000))
    return found


@pytest.fixture
def flood_server(server_factory):
    return server_factory(CLEANUP_GRACE_SECONDS=2)


def test_a_flood_keeps_totals_exact_and_every_chat_and_gift(flood_server, simulator, quiet_creator):
    name = quiet_creator("flood")
    client = DashboardClient(flood_server.url)
    try:
        client.watch_until_connected(name)
        plan = simulator.flood(name, rate=8000, seconds=2, mix={"chat": 2, "join": 10, "like": 5, "gift": 1})
        expected = plan["expected"]

        def caught_up():
            metrics = client.latest_metrics()
            return metrics and metrics["totalComments"] == expected["comments"] \
                and metrics["totalJoins"] == expected["joins"] and metrics["totalLikes"] == expected["likesTotal"] \
                and metrics["totalGifts"] == expected["gifts"]

        wait_until(caught_up, timeout=30, message=f"totals {expected}, have {client.latest_metrics()}")
        metrics = client.latest_metrics()
        assert metrics["totalDiamonds"] == expected["diamonds"]

        chat = [n for n, _ in _flood_chat(client, name)]
        assert chat == list(range(plan["counts"]["chat"])), "every chat line once, in order"
        gifts = [e for e in client.live_events(name) if e["type"] == "gift"]
        assert len(gifts) == plan["counts"]["gift"], "no gift line dropped"
        seqs = [e["seq"] for e in client.live_events(name)]
        assert seqs == list(range(seqs[0], seqs[0] + len(seqs))), "gapless: shed events take no seq"

        stream = next(s for s in flood_server.debug()["streams"] if s["username"] == name)
        shown_joins = sum(e["type"] == "join" for e in client.live_events(name))
        shown_likes = sum(e["type"] == "like" for e in client.live_events(name))
        assert stream["shed"] == plan["counts"]["join"] + plan["counts"]["like"] - shown_joins - shown_likes
        print(f"flood: {plan['count']} events, {stream['shed']} joins and likes folded into counts")
    finally:
        client.disconnect()


def _cpu_seconds(pid):
    """The CPU time a process has used itself (its children not counted), from /proc/<pid>/stat."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def _quiet_during_a_flood(server, simulator, quiet_creator):
    """Flood one creator at 10,000 events/s for FLOOD_SECONDS while a quiet one sends a chat every 100 ms to 3
    clients and /healthz is polled every 50 ms: the quiet chat's latencies (s), /healthz's (s), the flood's size
    and the server process's own CPU seconds from the flood's start until all of it arrived.

    The clients live in this process, which holds the flood's 80,000 events: its own garbage collector stopped
    everything here for 90 to 180 ms at a time (gc.callbacks showed it), and each pause counted as the server's
    latency. The collector is off while it measures."""
    flooded, quiet = quiet_creator("flooded"), quiet_creator("quiet")
    flood_client = DashboardClient(server.url)
    quiet_clients = [DashboardClient(server.url) for _ in range(3)]
    health = []
    stop = threading.Event()

    def poll_health():
        while not stop.is_set():
            started = time.monotonic()
            assert requests.get(server.url + "/healthz", timeout=10).ok
            health.append(time.monotonic() - started)
            time.sleep(0.05)

    gc.disable()
    try:
        flood_client.watch_until_connected(flooded)
        for client in quiet_clients:
            client.watch_until_connected(quiet)
        cpu_before = _cpu_seconds(server.process.pid)
        plan = simulator.flood(flooded, rate=10_000, seconds=FLOOD_SECONDS)
        poller = threading.Thread(target=poll_health, daemon=True)
        poller.start()
        sent = []
        started = time.monotonic()
        while time.monotonic() - started < FLOOD_SECONDS:
            sent.append(f"t={int(time.time() * 1000)} {len(sent)}")
            simulator.inject(quiet, [{"type": "chat", "comment": sent[-1],
                                      "user": {"userId": "5", "uniqueId": "u5", "nickname": "Quiet"}}])
            time.sleep(0.1)
        for client in quiet_clients:
            client.wait_for_event(lambda e: e.get("comment") == sent[-1], timeout=10, message="the quiet chat")
        stop.set()
        poller.join()
        wait_until(lambda: len(_flood_chat(flood_client, flooded)) >= plan["count"], timeout=60,
                   message="every chat of the flooded creator")
        cpu = _cpu_seconds(server.process.pid) - cpu_before

        latencies = []
        for client in quiet_clients:
            arrived = _flood_chat(client, quiet)
            assert [n for n, _ in arrived] == list(range(len(sent))), "the quiet creator's chat, all, in order"
            latencies += [latency for _, latency in arrived]
        assert [n for n, _ in _flood_chat(flood_client, flooded)] == list(range(plan["count"])), "none lost"
        return latencies, health, plan["count"], cpu
    finally:
        gc.enable()
        stop.set()
        for client in [flood_client, *quiet_clients]:
            client.disconnect()


def _wait_recorded(server, count):
    """The writer catches up with at least `count` events, and dropped none."""
    def caught_up():
        records = server.debug()["records"]
        return records["queued"] == 0 and records["written"] >= count

    wait_until(caught_up, timeout=60, message=f"{count} events recorded: {server.debug()['records']}")
    assert server.debug()["records"]["dropped"] == 0


def _ms(seconds):
    return f"{seconds * 1000:.0f} ms"


def test_a_flooded_creator_does_not_slow_a_quiet_one_with_records_on(server_factory, simulator, quiet_creator):
    """The same flood with recording off, then on (SQLite, the default): recording may not slow the quiet creator
    or /healthz by more than RECORDS_SLOWDOWN (and a small allowance for a shared machine), and the record
    must hold every event. Measured one after the other in one test, so that the machine's load counts alike."""
    figures = {}
    for mode, overrides in (("off", {"RECORD_STREAMS": "0"}), ("on", {})):
        server = server_factory(CLEANUP_GRACE_SECONDS=2, **overrides)
        latencies, health, flooded, cpu = _quiet_during_a_flood(server, simulator, quiet_creator)
        figures[mode] = {"p95": statistics.quantiles(latencies, n=20)[-1], "max": max(latencies),
                         "healthz": max(health), "cpu": cpu}
        print(f"records {mode}: the quiet creator's p95 {_ms(figures[mode]['p95'])}, max "
              f"{_ms(figures[mode]['max'])}; /healthz max {_ms(figures[mode]['healthz'])}; the server's own CPU "
              f"{cpu:.2f} s for {flooded} events")
        assert figures[mode]["max"] < QUIET_LATENCY_BOUND, f"a quiet event took {figures[mode]['max']:.3f} s"
        assert figures[mode]["healthz"] < HEALTHZ_BOUND, f"/healthz took {figures[mode]['healthz']:.3f} s"
        if mode == "on":
            _wait_recorded(server, flooded)
        server.stop()

    off, on = figures["off"], figures["on"]
    for key in ("p95", "healthz"):
        assert on[key] <= RECORDS_SLOWDOWN * off[key] + RECORDS_ALLOWANCE, \
            f"recording slowed the {key}: {_ms(on[key])} against {_ms(off[key])} with it off"
    assert on["cpu"] <= RECORDS_SERVER_CPU * off["cpu"] + RECORDS_CPU_ALLOWANCE, \
        f"recording took the server's own CPU from {off['cpu']:.2f} s to {on['cpu']:.2f} s: writes in its process?"


class _NoScan(dict):
    """A session index that fails a test if anything walks through it."""

    def values(self):
        raise AssertionError("scanned every session")

    __iter__ = items = values


def test_connecting_counts_sessions_per_address_without_a_scan():
    store = MemoryStore("i", "host:1", recent_events=10)
    store._sessions = _NoScan()
    made = [store.create_session("10.0.0.1", "dashboard", 100, 3) for _ in range(3)]
    with pytest.raises(SessionLimitError):
        store.create_session("10.0.0.1", "dashboard", 100, 3)
    other = store.create_session("10.0.0.2", "dashboard", 100, 3)
    for i, session in enumerate(made):
        store.attach_client(session.id, f"sid{i}")
    store.set_watching(made[0].id, "alice", max_streams=10, stop_due=0)
    store.set_watching(other.id, "alice", max_streams=10, stop_due=0)
    assert set(store.watcher_ids("alice")) == {made[0].id, other.id}
    assert store.totals() == (4, 3)

    store.detach_client(made[0].id, "sid0", cleanup_due=0)
    assert store.take_due_cleanups(now=1) == [made[0].id]
    assert store.remove_session(made[0].id, now=1).username == "alice"
    assert store.watcher_ids("alice") == [other.id]
    store.create_session("10.0.0.1", "dashboard", 100, 3)  # a place freed by the removal
    with pytest.raises(SessionLimitError):
        store.create_session("10.0.0.1", "dashboard", 100, 3)
