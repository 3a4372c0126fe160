"""Replay benchmark: a capture of a busy live as the traffic, into the project and into the bare baseline.

    .venv/bin/python bench/replay.py [--quick] [--rate 2000] [--seconds 10] [--clients 20] [--workers 2]

Floods (bench/throughput.py) send what the simulator builds at the moment; a capture (docs/captures.md) sends
frames as a server once received them, batches, compression and pace included, which is what a real live's
capture brings. Everything runs on free ports of 127.0.0.1 and is stopped at the end:

1. The capture, made from the simulator (never from a real person's live): the project (`python wsgi.py`
   with CAPTURE_DIR in a temporary folder, recording off) follows a silent creator; one chat, a pre-roll of
   PRE_ROLL_SECONDS, then a flood of --rate events/s for --seconds in a realistic mix (MIX; its chat reads
   "t=<send time, epoch ms> <n>"), then the LIVE's end; stopping that server closes the file.
2. The replay, on each server in turn (the project as throughput.py starts it, recording into a SQLite file
   of its own; then bench/bare_server.py, whose docstring says why it is the fair floor; never both at
   once): --clients python-socketio clients (bench/clients.py, in --workers processes) watch a creator of
   their own, to which the simulator replays the capture at speed 1, its own pace. The pre-roll lets every
   client join before the flood's frames come.

Figures (printed, never asserted):
- delivered: the flood's chat each client got (the worst client's share), and the events/s a client got
  (median): its `live` events over the flood's length in the capture.
- latency: arrival at a client minus when the replay sent that chat: the replay's start (`startedAt`) plus
  the chat's offset in the capture (its "t=" send time minus the capture's first frame), p50 / p99 / max.
  The capture's own receive delay (the send time is the simulator's at capture, a few ms before the
  frame's receive time) is counted in, the same for both servers.
- CPU: the server's process and its children over the replay, as % of one core, and per delivered event.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import traceback
import uuid
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))
sys.path.insert(0, str(REPO / "tests"))

from clients import ClientPool  # noqa: E402
from support.appserver import RunningServer  # noqa: E402
from support.dashboardclient import DashboardClient, wait_until  # noqa: E402
from throughput import KINDS, Server, fmt_ms, fmt_share, fmt_us, percentile, ratio, table  # noqa: E402

from assistant.captures import read_capture  # noqa: E402
from assistant.simulator import start_simulator  # noqa: E402

MIX = {"chat": 10, "like": 5, "join": 5, "gift": 1, "follow": 1, "share": 1, "viewers": 1}
PRE_ROLL_SECONDS = 3.0
DRAIN_SECONDS = 10.0  # after the replay's last frame, at most this long for the clients to get everything


class Sim:
    def __init__(self, url: str) -> None:
        self.url = url
        self.http = requests.Session()

    def __call__(self, method: str, path: str, body=None):
        response = self.http.request(method, self.url + path, json=body, timeout=60)
        response.raise_for_status()
        return response.json()

    def creator(self, prefix: str) -> str:
        name = f"{prefix}_{uuid.uuid4().hex[:8]}"
        self("POST", f"/_sim/streams/{name}", {"rate": 0, "viewers": 100})
        return name


def make_capture(sim: Sim, folder: str, rate: float, seconds: float) -> tuple[Path, int]:
    """Capture a flooded live (see the docstring): the file, and the flood's chat count."""
    server = RunningServer({"TIKTOK_SIMULATOR_URL": sim.url, "CAPTURE_DIR": folder, "RECORD_STREAMS": "0",
                            "CLEANUP_GRACE_SECONDS": 1})
    name = sim.creator("captured")
    tab = DashboardClient(server.url)
    try:
        tab.watch_until_connected(name)
        sim("POST", f"/_sim/streams/{name}/events", [{"type": "chat", "comment": "pre-roll"}])
        time.sleep(PRE_ROLL_SECONDS)
        chats = sim("POST", f"/_sim/streams/{name}/flood", {"rate": rate, "seconds": seconds, "mix": MIX})["counts"]
        wait_until(lambda: sim("GET", "/_sim/stats")["floodsRunning"] == 0, seconds + 30, 0.2, "the flood's end")
        time.sleep(1)  # the last frames reach the server
        sim("POST", f"/_sim/streams/{name}/end")
        tab.wait_for_event(lambda event: event["type"] == "end", timeout=30)
    finally:
        tab.disconnect()
        server.stop()  # the runner stops: the capture is written whole and closed
    return next(Path(folder, name).iterdir()), chats.get("chat", 0)


def replay(sim: Sim, pool: ClientPool, kind: str, path: Path, chats: int, args, folder: str) -> dict:
    """Replay the capture at `path` (its flood: `chats` chat lines) to `args.clients` clients of a `kind` server."""
    frames = [item for item in read_capture(path).items if item.kind == "frame"]
    span = (frames[-1].t - frames[0].t) / 1000
    clients = args.clients
    server = Server(kind, sim.url, f"sqlite:///{folder}/{uuid.uuid4().hex[:8]}.sqlite3" if kind == "project" else None)
    try:
        name = sim.creator(f"replay_{kind[:4]}")
        sim("POST", f"/_sim/streams/{name}/replay", {"path": str(path), "speed": 1})
        pool.run("mark", since_ms=0)  # the chat's send times are the capture's
        opened = pool.run("open", per_worker=[{"count": n} for n in pool.split(clients)], url=server.url,
                          creator=name)
        failed = sum(answer["failed"] for answer in opened)
        started_at = wait_until(lambda: sim("GET", f"/_sim/streams/{name}")["replay"]["startedAt"], 60, 0.1,
                                "the replay's start")
        cpu = server.cpu_seconds()
        deadline = time.monotonic() + span + DRAIN_SECONDS
        while time.monotonic() < deadline:
            progress = pool.run("progress")
            if sum(answer["seen"].get(name, 0) for answer in progress) >= chats * (clients - failed):
                break
            time.sleep(0.25)
        wall = time.time() - started_at / 1000
        cpu = server.cpu_seconds() - cpu
        entry = {"clients": [], "latencies": []}
        for answer in pool.run("collect"):
            got = answer.get(name, {"clients": [], "latencies": []})
            entry["clients"] += got["clients"]
            entry["latencies"] += got["latencies"]
        offset = started_at - frames[0].t  # the replay's clock against the capture's
        latencies = [latency - offset for latency in entry["latencies"]]
        events = [client["events"] for client in entry["clients"]] or [0]
        delivered = sum(events)
        return {
            "clients": len(entry["clients"]), "failed": failed,
            "shareMin": min((client["distinct"] / chats for client in entry["clients"]), default=0.0),
            "eventsPerSecond": statistics.median(events) / args.seconds,
            "p50": percentile(latencies, 50), "p99": percentile(latencies, 99), "max": max(latencies, default=None),
            "cpuPercent": 100 * cpu / wall, "cpuPerEventUs": 1e6 * cpu / delivered if delivered else None,
        }
    finally:
        try:
            pool.run("close")
        finally:
            server.stop()


def report(results: dict[str, dict | Exception]) -> None:
    def cell(kind, key, fmt):
        result = results.get(kind)
        return fmt(result[key]) if isinstance(result, dict) else "failed"

    def value(kind, key):
        result = results.get(kind)
        return result[key] if isinstance(result, dict) else None

    rows = [
        ("chat delivered (worst client)", cell("project", "shareMin", fmt_share), cell("bare", "shareMin", fmt_share),
         "-"),
        ("events/s a client got (median)", cell("project", "eventsPerSecond", "{:,.0f}".format),
         cell("bare", "eventsPerSecond", "{:,.0f}".format), "-"),
    ]
    for key, label in (("p50", "latency p50"), ("p99", "latency p99"), ("max", "latency max")):
        rows.append((label, cell("project", key, fmt_ms), cell("bare", key, fmt_ms),
                     ratio(value("project", key), value("bare", key))))
    rows.append(("CPU", cell("project", "cpuPercent", lambda v: f"{v:.0f} %"),
                 cell("bare", "cpuPercent", lambda v: f"{v:.0f} %"),
                 ratio(value("project", "cpuPercent"), value("bare", "cpuPercent"))))
    rows.append(("CPU per delivered event", cell("project", "cpuPerEventUs", fmt_us),
                 cell("bare", "cpuPerEventUs", fmt_us),
                 ratio(value("project", "cpuPerEventUs"), value("bare", "cpuPerEventUs"))))
    table("The capture replayed at its own pace", rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 events/s for 5 s, 10 clients")
    parser.add_argument("--rate", type=float, default=2000, help="the captured flood's events/s (default 2000)")
    parser.add_argument("--seconds", type=float, default=10, help="the captured flood's length (default 10)")
    parser.add_argument("--clients", type=int, default=20, help="clients watching the replay (default 20)")
    parser.add_argument("--workers", type=int, default=2, help="client processes (default 2)")
    args = parser.parse_args()
    if args.quick:
        args.rate, args.seconds, args.clients = 1000, 5, 10
    print(f"bench/replay.py: a flood of {args.rate:g} events/s for {args.seconds:g} s captured, replayed to "
          f"{args.clients} clients; {os.cpu_count()} CPUs, load average "
          f"{' '.join(f'{load:.1f}' for load in os.getloadavg())} (other work on the machine skews every figure)",
          flush=True)
    started = time.monotonic()
    folder = tempfile.mkdtemp(prefix="bench-replay-")
    pool = ClientPool(args.workers)
    try:
        with start_simulator(rate=0) as simulator:
            sim = Sim(simulator.url)
            path, chats = make_capture(sim, folder, args.rate, args.seconds)
            print(f"  captured {path.stat().st_size:,} bytes, {len(read_capture(path).items):,} items, "
                  f"{chats:,} flood chats ({time.monotonic() - started:.0f} s)", flush=True)
            results: dict[str, dict | Exception] = {}
            for kind in KINDS:
                began = time.monotonic()
                try:
                    results[kind] = replay(sim, pool, kind, path, chats, args, folder)
                except Exception as exc:
                    traceback.print_exc()
                    results[kind] = exc
                print(f"  [{kind}] {time.monotonic() - began:.0f} s", flush=True)
            report(results)
    finally:
        pool.close()
    print(f"\nbench/replay.py done in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
