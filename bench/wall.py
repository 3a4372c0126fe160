"""A 50-creator wall (docs/wall.md): the server's CPU and the bytes a second to the wall's tab, beside a baseline
in the same run: the same creators, the same traffic, watched by one ordinary dashboard tab each (`watch`).

    .venv/bin/python bench/wall.py [--creators 50] [--rate 100] [--seconds 20] [--workers 2]

Started here on free ports of 127.0.0.1 and stopped at the end: the TikTok LIVE simulator, whose flood mode
(a mix of chat, likes, joins, gifts, viewer counts, follows and shares: MIX) is each creator's upstream at
`--rate` events a second once every creator is connected; then, one at a time (they never share the CPU), two
project servers (`python wsgi.py`, records off, as bench/throughput.py starts it):
  wall  one client that sends `watchMany` with every creator and receives `summary` events;
  tabs  one client per creator that sends `watch` and receives `live`, `metrics`, `leaderboards`, `series`.
Five seconds into the flood, both are measured for `--seconds`: the server's CPU (its process and its
children, psutil), the bytes its clients received (the Socket.IO packets' text, as Engine.IO hands it over:
WebSocket framing, 2 to 4 bytes a message, left out), the messages, and for the wall the summaries a second per
creator (at most 1 by the contract). Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from clients import ClientPool, quietly  # noqa: E402
from throughput import Server  # noqa: E402

from assistant.simulator import start_simulator  # noqa: E402

CONNECT_TIMEOUT_SECONDS = 180


class _Tally:
    """What a worker's clients received since the last `mark`: bytes and messages per event, summaries per creator."""

    def __init__(self) -> None:
        self.bytes = Counter()
        self.messages = Counter()
        self.summaries = Counter()
        self.status = {}


class _Counting:
    """A json module for python-socketio that counts each packet's text; `live` batches stay text (not decoded:
    the bench's clients must not be its bottleneck)."""

    tally = _Tally()

    @staticmethod
    def dumps(obj, **kwargs):
        return json.dumps(obj, **kwargs)

    @classmethod
    def loads(cls, text, **kwargs):
        if not isinstance(text, str) or not text.startswith('["'):
            return json.loads(text, **kwargs)
        name = text[2:text.index('"', 2)]
        cls.tally.bytes[name] += len(text.encode())
        cls.tally.messages[name] += 1
        if name == "live":
            return ["live", text]
        packet = json.loads(text, **kwargs)
        if name == "summary":
            summary = packet[1]
            cls.tally.summaries[summary["username"]] += 1
            cls.tally.status[summary["username"]] = summary["status"]
        return packet


class WallWorker:
    """A client process's commands (bench/clients.py ClientPool runs them)."""

    def __init__(self) -> None:
        self.clients = []

    async def _connect(self, url):
        import socketio

        client = socketio.AsyncClient(reconnection=False, json=_Counting)
        client.on("*", lambda *args: None)
        await client.connect(url, transports=["websocket"], wait_timeout=30)
        self.clients.append(client)
        return client

    async def open_wall(self, url: str, usernames: list[str]) -> dict:
        if not usernames:  # the wall is one tab: one worker holds it
            return {"ok": True, "answer": ""}
        client = await self._connect(url)
        answer = await client.call("watchMany", {"usernames": usernames}, timeout=30)
        return {"ok": bool(answer.get("ok")), "answer": str(answer)[:200]}

    async def open_tabs(self, url: str, usernames: list[str]) -> dict:
        failed = 0
        for username in usernames:
            client = await self._connect(url)
            answer = await client.call("watch", {"username": username}, timeout=30)
            failed += not answer.get("ok")
        return {"opened": len(usernames), "failed": failed}

    def mark(self) -> dict:
        _Counting.tally = _Tally()
        return {}

    def collect(self) -> dict:
        tally = _Counting.tally
        return {"bytes": dict(tally.bytes), "messages": dict(tally.messages), "summaries": dict(tally.summaries),
                "status": dict(tally.status)}

    async def close(self) -> dict:
        clients, self.clients = self.clients, []
        await asyncio.gather(*(quietly(client.disconnect()) for client in clients))
        return {"closed": len(clients)}


# The flood's mix of event types (the simulator's flood mode: the fast way to make a busy upstream).
MIX = {"chat": 40, "like": 20, "join": 15, "gift": 10, "viewers": 5, "follow": 5, "share": 5}


def _connected(simulator_url: str, names: list[str]) -> int:
    connections = requests.get(f"{simulator_url}/_sim/connections", timeout=30).json()
    return sum(1 for name in names if connections.get(name))


def _flood(simulator_url: str, names: list[str], rate: float, seconds: float) -> None:
    for name in names:
        requests.post(f"{simulator_url}/_sim/streams/{name}/flood", json={"rate": rate, "seconds": seconds,
                      "mix": MIX}, timeout=30).raise_for_status()


def run(kind: str, simulator_url: str, names: list[str], pool: ClientPool, seconds: float, rate: float) -> dict:
    """One server, one way of watching: its figures over `seconds` once every creator is connected."""
    server = Server("project", simulator_url)
    try:
        if kind == "wall":
            (answer, *_) = pool.run("open_wall", url=server.url, usernames=names,
                                    per_worker=[{}] + [{"usernames": []}] * (pool.size - 1))
            if not answer["ok"]:
                raise RuntimeError(f"watchMany answered {answer['answer']}")
        else:
            shares = [names[index::pool.size] for index in range(pool.size)]
            pool.run("open_tabs", url=server.url, per_worker=[{"usernames": share} for share in shares])
        deadline = time.monotonic() + CONNECT_TIMEOUT_SECONDS
        while _connected(simulator_url, names) < len(names):
            if time.monotonic() > deadline:
                raise RuntimeError(f"only {_connected(simulator_url, names)} of {len(names)} creators connected")
            time.sleep(0.5)
        _flood(simulator_url, names, rate, seconds + 8)
        time.sleep(5)  # every runner busy
        pool.run("mark")
        cpu, started = server.cpu_seconds(), time.monotonic()
        time.sleep(seconds)
        cpu, wall_seconds = server.cpu_seconds() - cpu, time.monotonic() - started
        replies = pool.run("collect")
    finally:
        pool.run("close")
        server.stop()
    total_bytes, messages, summaries = Counter(), Counter(), Counter()
    for reply in replies:
        total_bytes.update(reply["bytes"])
        messages.update(reply["messages"])
        summaries.update(reply["summaries"])
    rates = [summaries[name] / wall_seconds for name in names]
    return {"cpuPercent": 100 * cpu / wall_seconds, "bytesPerSecond": sum(total_bytes.values()) / wall_seconds,
            "messagesPerSecond": sum(messages.values()) / wall_seconds,
            "byEvent": {name: count / wall_seconds for name, count in total_bytes.most_common()},
            "summaryRate": (min(rates), max(rates)) if kind == "wall" else None, "seconds": wall_seconds}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--creators", type=int, default=50)
    parser.add_argument("--rate", type=float, default=100, help="events a second per creator (default 100)")
    parser.add_argument("--seconds", type=float, default=20, help="the measured window (default 20)")
    parser.add_argument("--workers", type=int, default=2, help="client processes (default 2)")
    args = parser.parse_args()
    print(f"bench/wall.py: {args.creators} creators at {args.rate:g} events/s each, {args.seconds:g} s measured; "
          f"{os.cpu_count()} CPUs, load average {' '.join(f'{v:.1f}' for v in os.getloadavg())} (other work on "
          "the machine skews every figure)", flush=True)
    pool = ClientPool(args.workers, worker_class=WallWorker, name="bench-wall")
    results = {}
    try:
        with start_simulator(rate=0) as simulator:
            names = [f"wall{index:02d}_{uuid.uuid4().hex[:6]}" for index in range(args.creators)]
            for name in names:
                requests.post(f"{simulator.url}/_sim/streams/{name}", json={"rate": 0, "viewers": 800},
                              timeout=5).raise_for_status()
            for kind in ("wall", "tabs"):
                began = time.monotonic()
                results[kind] = result = run(kind, simulator.url, names, pool, args.seconds, args.rate)
                print(f"  [{kind}] {time.monotonic() - began:.0f} s: server CPU {result['cpuPercent']:.0f} %, "
                      f"{result['bytesPerSecond']:,.0f} bytes/s to the client(s)", flush=True)
    finally:
        pool.close()
    wall, tabs = results["wall"], results["tabs"]
    print(f"\n{'':34}{'wall (1 tab)':>16}{f'tabs ({args.creators})':>16}")
    print(f"{'server CPU':34}{wall['cpuPercent']:>15.0f}%{tabs['cpuPercent']:>15.0f}%")
    print(f"{'bytes a second to the client(s)':34}{wall['bytesPerSecond']:>16,.0f}{tabs['bytesPerSecond']:>16,.0f}")
    print(f"{'messages a second':34}{wall['messagesPerSecond']:>16,.1f}{tabs['messagesPerSecond']:>16,.1f}")
    per_creator = wall["bytesPerSecond"] / args.creators
    print(f"{'bytes a second per creator':34}{per_creator:>16,.0f}{tabs['bytesPerSecond'] / args.creators:>16,.0f}")
    low, high = wall["summaryRate"]
    print(f"\nthe wall's summaries a second per creator: {low:.2f} to {high:.2f} (at most 1 by the contract)")
    print("bytes a second by event: wall " + ", ".join(f"{k} {v:,.0f}" for k, v in wall["byEvent"].items())
          + "; tabs " + ", ".join(f"{k} {v:,.0f}" for k, v in tabs["byEvent"].items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
