"""Cluster benchmark: several `python wsgi.py` processes on one Redis, beside one process on its own.

    .venv/bin/python bench/cluster.py [--quick] [--processes 3] [--clients 300] [--creators 30]
                                      [--rate 20] [--seconds 30] [--workers 4] [--no-baseline]

The issue's measurement (figures printed, never asserted): 3 processes x 300 clients over 30 creators
at 20 events/s each, for 30 s. Everything runs on free ports of 127.0.0.1 and is stopped at the end,
also on Ctrl-C or a failure:

- a private redis-server (tests/support/redisserver.py) and the TikTok LIVE simulator, every creator silent
  (`rate` 0) except for a chat flood of --rate events/s for --seconds: each chat reads
  "t=<send time, epoch ms> <n>", the time the latency is measured from;
- the cluster: --processes servers with REDIS_URL and a REDIS_CHANNEL of their own, session limits
  high enough for every client to come from 127.0.0.1, and otherwise the defaults (CLEANUP_GRACE_SECONDS
  30, RUNNER_LEASE_SECONDS 10 unless --lease);
- the clients: --clients per process, creators given round-robin (so every process has watchers of
  every creator and every event crosses the Socket.IO Redis queue), connecting one to each process in
  turn as behind a round-robin load balancer, python-socketio over WebSocket, in
  --workers child processes so the client side is not the bottleneck. Each records, per `live` event,
  its `seq` and arrival time. A `watch` not answered ok is tried again (up to 3 times, as a user would)
  and the refusals are printed;
- then, as every benchmark of this repository shows a baseline, the same load (the same clients,
  creators, rate and length) on ONE process without Redis (the in-memory store).

How to read the figures:
- upstream connections: push sockets open at the simulator, per creator, sampled every second over
  the run, and push sockets opened over the run. Cluster mode promises exactly one per creator.
- creators per process: the `owner` (`host:pid`) of each creator in /debug's `streams`, when the flood
  starts and at the end (they differ when creators moved: a lease that lapsed, a failover).
- delivered / expected: per client, the distinct `seq`s it received (a repeated seq dropped and counted
  as a repeat) against the events the creator's runner numbered while the flood ran, i.e. the creator's
  seq range over all its clients (lowest to highest). A gap is a seq in that range the client never got.
  "numbered / sent" compares the runners' seq ranges with what the simulator sent (a loss upstream),
  and "of what the simulator sent" is the share of the sent events that reached the clients.
- latency: arrival at the client minus the simulator's send time written in the chat (every process
  is on this machine, so the clocks agree), p50 / p99 / max over every event of every client; the part
  after the server received the event (its `ts`) is shown beside it.
- the drain: after the flood, the wait until every client has every event, or 5 s pass without a new
  one (at most --drain s). A server behind on its upstream sockets catches up meanwhile.
- CPU: from /proc/<pid>/stat (utime + stime) over the flood and its drain, as % of one core; per event
  it is divided by the events delivered to clients. Redis: INFO cpu (used_cpu_sys + used_cpu_user)
  over the same time, INFO memory used_memory_human, DBSIZE, and INFO stats (total_commands_processed
  over the time, instantaneous_ops_per_sec sampled every second). RSS from /proc/<pid>/status at the
  end.
- server logs: warnings, errors and tracebacks in the servers' logs are printed at the end, with the
  logs' paths.
- cluster / single: the ratios of the two runs. Every process (servers, Redis, simulator, clients)
  shares this machine's CPUs: when the machine was busy nearly all the time, the figures show this
  machine's limit, not the cluster's, and the output says so, with the CPU that processes outside
  this bench took meanwhile (/proc/stat's busy time less ours).

With --quick: 3 x 60 clients over 6 creators for 15 s (about a minute and a half, both runs; the full
run takes about two and a half minutes).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import signal
import statistics
import sys
import time
import traceback
import uuid
from contextlib import ExitStack
from pathlib import Path

import psutil
import redis
import requests

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "bench"))
sys.path.insert(0, str(REPO))

from clients import ClientPool, quietly  # noqa: E402
from support.appserver import RunningServer  # noqa: E402
from support.redisserver import RedisServer  # noqa: E402
from support.simclient import SimulatorControl  # noqa: E402

from assistant.simulator import start_simulator  # noqa: E402

FLOOD_CHAT = re.compile(r"t=(\d+) (\d+)$")  # the simulator's flood chat: send time (epoch ms), n
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
SATURATED_BUSY = 0.9  # the machine's CPUs busy this share of the time: it, not the code, set the figures
MAX_LATENCY_SAMPLES = 400_000  # per worker and kind, per collect
DRAIN_STALL_SECONDS = 5.0  # after the flood, this long without a new event ends the wait
WATCH_ATTEMPTS = 3  # a `watch` that is not answered ok is tried again (as a user would), and counted


# --- clients, in worker processes ----------------------------------------------------------------------

class _Watcher:
    """One dashboard-like Socket.IO client on one server process, watching one creator."""

    def __init__(self, worker: _Worker, server: int, creator: str) -> None:
        import socketio

        self.server, self.creator = server, creator
        self.sio = socketio.AsyncClient(reconnection=False, handle_sigint=False)  # Ctrl-C: the bench stops us
        self._worker = worker
        self.reset()
        self.sio.on("live", self._on_live)
        self.sio.on("session", self._on_session)
        self.sio.on("disconnect", self._on_disconnect)

    def reset(self) -> None:
        self.seqs: set[int] = set()
        self.highest = 0
        self.repeats = 0
        self.reordered = 0
        self.latencies: list[float] = []  # ms, simulator send -> arrival
        self.server_latencies: list[float] = []  # ms, the server's `ts` -> arrival
        self.not_connected = 0  # `session` events with another status than "connected" (since the mark)
        self.disconnected = False

    async def _on_live(self, payload: dict) -> None:
        now_ms = time.time() * 1000
        worker = self._worker
        if not worker.marked:
            return
        for event in payload.get("events") or ():
            seq = event.get("seq")
            if not isinstance(seq, int) or event.get("history"):
                continue
            sent_ms = None
            comment = event.get("comment")
            if event.get("type") == "chat" and isinstance(comment, str):
                match = FLOOD_CHAT.match(comment)
                if match:
                    sent_ms = int(match.group(1))
                    if sent_ms < worker.since_ms:
                        continue  # sent before the mark
            if seq in self.seqs:
                self.repeats += 1
                continue
            if seq < self.highest:
                self.reordered += 1
            self.seqs.add(seq)
            self.highest = max(self.highest, seq)
            if sent_ms is not None:
                self.latencies.append(now_ms - sent_ms)
                if isinstance(event.get("ts"), int | float):
                    self.server_latencies.append(now_ms - event["ts"])

    async def _on_session(self, payload: dict) -> None:
        if self._worker.marked and isinstance(payload, dict) and payload.get("status") != "connected":
            self.not_connected += 1

    async def _on_disconnect(self, *args) -> None:
        self.disconnected = True


class _Worker:
    """One worker process's clients and the commands the bench sends it."""

    def __init__(self) -> None:
        self.watchers: list[_Watcher] = []
        self.since_ms = 0.0
        self.marked = False

    async def open(self, targets: list[tuple[int, str, str]], concurrency: int = 20, timeout: float = 180) -> dict:
        """Connect a client to each (server index, url, creator) and watch the creator; they stay connected."""
        failures: list[str] = []
        refused: list[str] = []  # watch answers other than ok that a retry got past
        gate = asyncio.Semaphore(max(1, concurrency))
        started = time.monotonic()

        async def one(server: int, url: str, creator: str) -> None:
            async with gate:
                watcher = _Watcher(self, server, creator)
                try:
                    await watcher.sio.connect(url, transports=["websocket"], wait_timeout=30)
                    for attempt in range(WATCH_ATTEMPTS):
                        answer = await watcher.sio.call("watch", {"username": creator}, timeout=30)
                        if isinstance(answer, dict) and answer.get("ok"):
                            break
                        if attempt == WATCH_ATTEMPTS - 1:
                            raise RuntimeError(f"watch answered {answer!r}"[:200])
                        refused.append(f"watch answered {answer!r}"[:200])
                        await asyncio.sleep(0.2 * (attempt + 1))
                    self.watchers.append(watcher)
                except Exception as exc:  # counted and reported: a bench goes on
                    failures.append(f"{type(exc).__name__}: {exc}"[:200])
                    await quietly(watcher.sio.disconnect())

        tasks = [asyncio.ensure_future(one(*target)) for target in targets]
        _, pending = await asyncio.wait(tasks, timeout=timeout) if tasks else (set(), set())
        for task in pending:
            task.cancel()
        failures += ["timed out"] * len(pending)
        return {"opened": len(targets) - len(failures), "failed": len(failures), "errors": failures[:3],
                "retried": len(refused), "retryErrors": sorted(set(refused))[:3],
                "seconds": time.monotonic() - started}

    def mark(self, since_ms: float) -> dict:
        """Forget what was received; from now on record events (flood chat sent at or after `since_ms`)."""
        self.since_ms, self.marked = since_ms, True
        for watcher in self.watchers:
            watcher.reset()
        return {"clients": len(self.watchers)}

    def progress(self) -> dict:
        return {"received": sum(len(w.seqs) for w in self.watchers)}

    def collect(self) -> dict:
        """Per client: its seq range, distinct seqs, repeats...; latency samples by server index."""
        clients, latencies, server_latencies = [], {}, {}
        for w in self.watchers:
            clients.append({"server": w.server, "creator": w.creator, "distinct": len(w.seqs),
                            "lo": min(w.seqs) if w.seqs else None, "hi": max(w.seqs) if w.seqs else None,
                            "repeats": w.repeats, "reordered": w.reordered, "notConnected": w.not_connected,
                            "disconnected": w.disconnected})
            latencies.setdefault(w.server, []).extend(w.latencies)
            server_latencies.setdefault(w.server, []).extend(w.server_latencies)
        return {"clients": clients, "latencies": _thinned(latencies), "serverLatencies": _thinned(server_latencies)}

    async def close(self) -> dict:
        watchers, self.watchers = self.watchers, []
        self.marked = False
        await asyncio.gather(*(quietly(w.sio.disconnect()) for w in watchers))
        return {"closed": len(watchers)}


def _thinned(by_server: dict[int, list[float]]) -> dict[int, list[float]]:
    total = sum(len(values) for values in by_server.values())
    if total <= MAX_LATENCY_SAMPLES:
        return by_server
    keep = MAX_LATENCY_SAMPLES / total
    return {server: values[:: max(1, round(1 / keep))] for server, values in by_server.items()}


# --- what the processes use ------------------------------------------------------------------------------

def cpu_seconds(pid: int) -> float:
    """utime + stime of a process, from /proc/<pid>/stat (0 once it is gone)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = text[text.rindex(")") + 2:].split()  # after "pid (comm) ": state is fields[0], utime fields[11]
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def tree_cpu_seconds(pid: int) -> float:
    """cpu_seconds of a server and of its children now (the records' writer process): what it costs."""
    try:
        children = psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return 0.0
    return cpu_seconds(pid) + sum(cpu_seconds(child.pid) for child in children)


def rss_bytes(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def machine_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of every CPU, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    total = sum(values[:8])  # guest time is already in user
    return total - idle, total


class RedisProbe:
    """INFO figures of the private redis-server."""

    def __init__(self, url: str) -> None:
        self.client = redis.Redis.from_url(url, socket_timeout=10)

    def cpu(self) -> float:
        info = self.client.info("cpu")
        return float(info["used_cpu_sys"]) + float(info["used_cpu_user"])

    def commands(self) -> int:
        return int(self.client.info("stats")["total_commands_processed"])

    def ops_per_second(self) -> int:
        return int(self.client.info("stats")["instantaneous_ops_per_sec"])

    def memory(self) -> dict:
        info = self.client.info("memory")
        return {"used": info["used_memory_human"], "peak": info["used_memory_peak_human"],
                "usedBytes": int(info["used_memory"]), "keys": int(self.client.dbsize())}

    def close(self) -> None:
        self.client.close()


# --- one run: a set of server processes under the load ---------------------------------------------------

class Run:
    """The load on `servers` (and Redis when `redis_probe` is given); `measure()` returns the figures."""

    def __init__(self, label: str, args, servers: list[RunningServer], sim: SimulatorControl, sim_pid: int,
                 pool: ClientPool, redis_probe: RedisProbe | None) -> None:
        self.label, self.args, self.servers, self.sim, self.sim_pid = label, args, servers, sim, sim_pid
        self.pool, self.redis = pool, redis_probe
        tag = uuid.uuid4().hex[:6]
        self.creators = [f"bc{label[0]}{tag}_{i:03d}" for i in range(args.creators)]

    def say(self, text: str) -> None:
        print(f"  [{self.label}] {text}", flush=True)

    def targets(self) -> list[list[tuple[int, str, str]]]:
        """Every client as (server index, url, creator), dealt out over the workers.

        The load is the same whatever the number of servers: --processes x --clients in all. A server's
        j-th client watches creator j mod --creators, and the clients come in the order a round-robin
        load balancer would send them: one to each server in turn."""
        total = self.args.processes * self.args.clients
        count = len(self.servers)
        everyone = []
        for index in range(total):
            server, j = index % count, index // count
            everyone.append((server, self.servers[server].url, self.creators[j % len(self.creators)]))
        return [everyone[worker::self.pool.size] for worker in range(self.pool.size)]

    def wait_upstream(self, timeout: float = 90) -> None:
        """Until every creator has an open push socket and /debug says each is connected."""
        deadline = time.monotonic() + timeout
        wanted = set(self.creators)
        while True:
            open_now = {name for name, count in self.sim.connections().items() if count >= 1}
            streams = {s["username"]: s for s in debug(self.servers[0])["streams"]}
            connected = {name for name in wanted if streams.get(name, {}).get("status") == "connected"}
            if wanted <= open_now and connected == wanted:
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"after {timeout:g} s {len(wanted & open_now)} of {len(wanted)} creators have an "
                                   f"upstream connection and {len(connected)} are connected")
            time.sleep(0.5)

    def owned(self, report: dict) -> tuple[list[int], int]:
        """From a /debug report: how many of our creators each process runs, and how many none of them."""
        by_pid = {s.process.pid: i for i, s in enumerate(self.servers)}
        owned, ownerless = [0] * len(self.servers), 0
        for stream in report["streams"]:
            if stream["username"] not in self.creators:
                continue
            owner = stream.get("owner")
            pid = int(owner.rsplit(":", 1)[1]) if owner else None
            if pid in by_pid:
                owned[by_pid[pid]] += 1
            else:
                ownerless += 1
        return owned, ownerless

    def process_cpu(self) -> dict[str, float]:
        out = {f"server{i}": tree_cpu_seconds(s.process.pid) for i, s in enumerate(self.servers)}
        out["simulator"] = cpu_seconds(self.sim_pid)
        out["clients"] = sum(cpu_seconds(p.pid) for p in self.pool.processes)
        for index, process in enumerate(self.pool.processes):
            out[f"client{index}"] = cpu_seconds(process.pid)
        return out

    def measure(self) -> dict:
        args = self.args
        for name in self.creators:
            self.sim.configure(name, rate=0, viewers=1000)
        started = time.monotonic()
        answers = self.pool.run("open", per_worker=[{"targets": t} for t in self.targets()],
                                concurrency=max(1, 60 // self.pool.size))
        opened = sum(a["opened"] for a in answers)
        failed = sum(a["failed"] for a in answers)
        errors = [e for a in answers for e in a["errors"]][:3]
        retried = sum(a["retried"] for a in answers)
        retry_errors = sorted({e for a in answers for e in a["retryErrors"]})[:3]
        self.say(f"{opened} clients connected and watching in {time.monotonic() - started:.1f} s, {failed} failed"
                 + (f" (first errors: {errors})" if errors else "")
                 + (f"; {retried} watch call(s) not answered ok and tried again: {retry_errors}" if retried else ""))
        self.wait_upstream()
        time.sleep(1.0)  # the runners' first batches and metrics go out; the stats broadcasts settle
        report = debug(self.servers[0])
        sessions = report["totalSessions"]
        owners_start = self.owned(report)
        before_opened = self.sim.stats()["pushConnectionsOpened"]

        # The flood, with everything's CPU counted from here to the last delivery.
        self.pool.run("mark", since_ms=time.time() * 1000 - 1)
        cpu0, busy0, redis_cpu0, commands0 = self.process_cpu(), machine_ticks(), None, None
        if self.redis:
            redis_cpu0, commands0 = self.redis.cpu(), self.redis.commands()
        t0 = time.monotonic()
        sent = {name: self.sim.flood(name, args.rate, args.seconds, mix={"chat": 1})["count"] for name in self.creators}
        flood_end = time.monotonic() + args.seconds
        self.say(f"{args.creators} floods of {args.rate:g} chat/s for {args.seconds:g} s started "
                 f"({len(self.creators) and time.monotonic() - t0:.2f} s to start them all); {sessions} sessions")
        upstream_max: dict[str, int] = {}
        upstream_samples: list[int] = []
        ops_samples: list[int] = []
        expected_total = sum(sent.values()) * (opened // max(1, len(self.creators)))
        while time.monotonic() < flood_end:
            connections = self.sim.connections()
            upstream_samples.append(sum(connections.get(name, 0) for name in self.creators))
            for name in self.creators:
                upstream_max[name] = max(upstream_max.get(name, 0), connections.get(name, 0))
            if self.redis:
                ops_samples.append(self.redis.ops_per_second())
            time.sleep(max(0.0, min(1.0, flood_end - time.monotonic())))
        # Drain: until every client has everything, or nothing new arrived for DRAIN_STALL_SECONDS (a
        # server behind on its upstream sockets catches up meanwhile), at most --drain seconds.
        last_count, last_change, drain_end = -1, time.monotonic(), time.monotonic() + args.drain
        while time.monotonic() < drain_end:
            received = sum(a["received"] for a in self.pool.run("progress"))
            if received >= expected_total:
                break
            if received != last_count:
                last_count, last_change = received, time.monotonic()
            elif time.monotonic() - last_change > DRAIN_STALL_SECONDS:
                break
            time.sleep(0.25)
        drained = time.monotonic() - flood_end
        wall = time.monotonic() - t0
        cpu1, busy1 = self.process_cpu(), machine_ticks()
        figures: dict = {"wall": wall, "drained": drained, "drainCapped": drained >= args.drain,
                         "opened": opened, "failed": failed, "errors": errors, "sessions": sessions,
                         "retried": retried, "retryErrors": retry_errors}
        if self.redis:
            figures["redisCpu"] = self.redis.cpu() - redis_cpu0
            figures["redisCommands"] = self.redis.commands() - commands0
            figures["redisOps"] = ops_samples
            figures["redisMemory"] = self.redis.memory()
        figures["cpu"] = {key: cpu1[key] - cpu0.get(key, 0.0) for key in cpu1}
        figures["machineBusy"] = (busy1[0] - busy0[0]) / max(1, busy1[1] - busy0[1])
        ours = sum(v for k, v in figures["cpu"].items() if k != "clients") + figures.get("redisCpu", 0.0)
        figures["othersCpu"] = max(0.0, (busy1[0] - busy0[0]) / CLOCK_TICKS - ours)  # the rest of the machine
        figures["rss"] = [rss_bytes(s.process.pid) for s in self.servers]
        figures["pids"] = [s.process.pid for s in self.servers]

        # Upstream connections and owners, at the end of the run.
        connections = self.sim.connections()
        after_opened = self.sim.stats()["pushConnectionsOpened"]
        figures["upstreamEnd"] = {name: connections.get(name, 0) for name in self.creators}
        figures["upstreamMax"] = upstream_max
        figures["upstreamSamples"] = upstream_samples
        figures["pushOpenedDuring"] = sum(after_opened.get(n, 0) - before_opened.get(n, 0) for n in self.creators)
        figures["pushOpenedTotal"] = sum(after_opened.get(n, 0) for n in self.creators)
        report = debug(self.servers[0])
        figures["ownedStart"], _ = owners_start
        figures["owned"], figures["ownerless"] = self.owned(report)
        figures["streamsStatus"] = {s["username"]: s["status"] for s in report["streams"] if s["username"] in sent}
        figures["shed"] = sum(s.get("shed") or 0 for s in report["streams"] if s["username"] in sent)

        figures.update(self.judge(self.pool.run("collect"), sent))
        self.pool.run("close")
        return figures

    def judge(self, answers: list[dict], sent: dict[str, int]) -> dict:
        clients = [c for a in answers for c in a["clients"]]
        servers = range(len(self.servers))
        latencies = {i: [v for a in answers for v in a["latencies"].get(i, ())] for i in servers}
        server_latencies = {i: [v for a in answers for v in a["serverLatencies"].get(i, ())] for i in servers}
        ranges: dict[str, tuple[int, int]] = {}
        for c in clients:
            if c["lo"] is None:
                continue
            lo, hi = ranges.get(c["creator"], (c["lo"], c["hi"]))
            ranges[c["creator"]] = (min(lo, c["lo"]), max(hi, c["hi"]))
        per_server = {i: {"delivered": 0, "expected": 0, "clients": 0} for i in servers}
        shares, gaps, gapped = [], 0, 0
        for c in clients:
            lo, hi = ranges.get(c["creator"], (1, 0))
            expected = hi - lo + 1
            missing = expected - c["distinct"]
            gaps += missing
            gapped += missing > 0
            shares.append(c["distinct"] / expected if expected > 0 else 0.0)
            entry = per_server[c["server"]]
            entry["delivered"] += c["distinct"]
            entry["expected"] += expected
            entry["clients"] += 1
        for i in servers:
            per_server[i]["p50"] = percentile(latencies[i], 50)
            per_server[i]["p99"] = percentile(latencies[i], 99)
        every = [v for values in latencies.values() for v in values]
        every_server = [v for values in server_latencies.values() for v in values]
        delivered = sum(c["distinct"] for c in clients)
        return {
            "clients": len(clients), "delivered": delivered,
            "expected": sum(entry["expected"] for entry in per_server.values()),
            "shareMin": min(shares, default=None), "shareMedian": statistics.median(shares) if shares else None,
            "gaps": gaps, "gappedClients": gapped, "repeats": sum(c["repeats"] for c in clients),
            "reordered": sum(c["reordered"] for c in clients),
            "notConnected": sum(c["notConnected"] for c in clients),
            "disconnected": sum(c["disconnected"] for c in clients),
            "sent": sum(sent.values()), "numbered": sum(hi - lo + 1 for lo, hi in ranges.values()),
            "sentToClients": sum(sent.get(c["creator"], 0) for c in clients),
            "creatorsHeard": len(ranges), "perServer": per_server,
            "p50": percentile(every, 50), "p99": percentile(every, 99), "max": max(every, default=None),
            "serverP50": percentile(every_server, 50), "serverP99": percentile(every_server, 99),
            "serverMax": max(every_server, default=None),
        }


def debug(server: RunningServer) -> dict:
    """/debug of one process (cluster-wide in cluster mode); slow under load, hence the long timeout."""
    response = requests.get(server.url + "/debug", timeout=60)
    response.raise_for_status()
    return response.json()


def percentile(values, q):
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


# --- starting things ---------------------------------------------------------------------------------------

def server_env(args, simulator_url: str, redis_url: str | None, channel: str | None) -> dict:
    """The servers' settings: the defaults (CLEANUP_GRACE_SECONDS, RUNNER_LEASE_SECONDS... as deployed) but
    for the limits that would refuse this many clients from 127.0.0.1."""
    total = args.processes * args.clients
    env = {"TIKTOK_SIMULATOR_URL": simulator_url, "MAX_SESSIONS": total + 1000,
           "MAX_SESSIONS_PER_IP": total + 1000, "MAX_CONNECTIONS": max(20000, 2 * total),
           "MAX_STREAMS": max(100, 2 * args.creators), "WATCH_CALLS_PER_MINUTE": 1000}
    if redis_url:
        env.update(REDIS_URL=redis_url, REDIS_CHANNEL=channel, RUNNER_LEASE_SECONDS=args.lease)
    return env


def stop_all(servers: list[RunningServer]) -> None:
    """SIGTERM to every server at once, then wait for each (RunningServer.stop kills one that hangs)."""
    for server in servers:
        if server.process.poll() is None:
            server.process.send_signal(signal.SIGTERM)
    for server in servers:
        server.stop()


LOG_LEVEL = re.compile(r"^\S+ \S+ (WARNING|ERROR|CRITICAL) (.*)$")  # "<date> <time> LEVEL logger: message"
FRAME = re.compile(r'^\s+File "([^"]+)", line (\d+), in (\S+)')


def log_problems(label: str, servers: list[RunningServer]) -> list[str]:
    """The servers' logged warnings and errors and their tracebacks' exceptions (with the innermost
    frame), counted, with each log's path."""
    out = []
    for index, server in enumerate(servers):
        counts: dict[str, int] = {}
        lines = server.log_text().splitlines()
        frame = None
        in_traceback = False
        for line in lines:
            level = LOG_LEVEL.match(line)
            if level:
                key = f"{level.group(1)} {level.group(2)}"[:240]
                counts[key] = counts.get(key, 0) + 1
                in_traceback = False
            elif line.startswith("Traceback"):
                in_traceback, frame = True, None
            elif in_traceback and FRAME.match(line):
                path, number, function = FRAME.match(line).groups()
                path = path.removeprefix(f"{REPO}/").split("site-packages/")[-1]
                frame = f"{path}:{number} in {function}"
            elif in_traceback and line and not line[0].isspace() and not line.startswith("During handling"):
                key = f"  {line[:200]}" + (f" (at {frame})" if frame else "")
                counts[key] = counts.get(key, 0) + 1
                in_traceback = False
        if counts:
            out.append(f"[{label}] process #{index + 1} (pid {server.process.pid}, log {server._log.name}):")
            out += [f"  {count:>5} x {text}" for text, count in counts.items()]
    return out


def run_cluster(args, simulator, sim: SimulatorControl, pool: ClientPool, problems: list[str]) -> dict:
    with ExitStack() as stack:  # Redis goes when the cluster has gone
        redis_server = stack.enter_context(RedisServer())
        probe = RedisProbe(redis_server.url)
        stack.callback(probe.close)
        channel = f"la-bench-{uuid.uuid4().hex[:8]}"
        servers: list[RunningServer] = []
        try:
            for _ in range(args.processes):
                servers.append(RunningServer(server_env(args, simulator.url, redis_server.url, channel)))
            print(f"  [cluster] redis-server on port {redis_server.port} (pid {redis_server.process.pid}), "
                  f"{len(servers)} processes: pids {', '.join(str(s.process.pid) for s in servers)}", flush=True)
            return Run("cluster", args, servers, sim, simulator.process.pid, pool, probe).measure()
        finally:
            stop_all(servers)
            problems += log_problems("cluster", servers)


def run_single(args, simulator, sim: SimulatorControl, pool: ClientPool, problems: list[str]) -> dict:
    servers: list[RunningServer] = []
    try:
        servers.append(RunningServer(server_env(args, simulator.url, None, None)))
        print(f"  [single] 1 process without Redis: pid {servers[0].process.pid}", flush=True)
        return Run("single", args, servers, sim, simulator.process.pid, pool, None).measure()
    finally:
        stop_all(servers)
        problems += log_problems("single", servers)


# --- printing ------------------------------------------------------------------------------------------------

def ms(value) -> str:
    return "-" if value is None else f"{value:,.0f} ms"


def pct(part, whole) -> str:
    return "-" if not whole else f"{100 * part / whole:.2f} %"


def ratio(a, b) -> str:
    return "-" if a is None or b is None or not b else f"{a / b:.2f}x"


def core(seconds: float, wall: float) -> str:
    return f"{100 * seconds / wall:.0f} %"


def table(rows, header) -> None:
    """The first column left-aligned, the others right-aligned; cells printed as str()."""
    rows = [[str(cell) for cell in row] for row in [header, *rows]]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for row in rows:
        print("  " + row[0].ljust(widths[0]) + "  " + "  ".join(cell.rjust(widths[i + 1])
                                                                 for i, cell in enumerate(row[1:])))


def server_cpu(f: dict) -> float:
    return sum(value for key, value in f["cpu"].items() if key.startswith("server"))


def per_event_us(seconds: float | None, f: dict) -> float | None:
    return None if seconds is None or not f.get("delivered") else 1e6 * seconds / f["delivered"]


def report_run(label: str, f: dict, args) -> None:
    wall = f["wall"]
    capped = ", cut at --drain: events still on the way were not counted" if f["drainCapped"] else ""
    print(f"\n{label}: {len(f['pids'])} process(es), {f['clients']} clients, {args.creators} creators at "
          f"{args.rate:g} events/s for {args.seconds:g} s (measured over {wall:.1f} s: the flood and "
          f"{f['drained']:.1f} s of drain{capped})")
    rows = []
    for i, pid in enumerate(f["pids"]):
        s = f["perServer"][i]
        rows.append((f"#{i + 1}", str(pid), str(s["clients"]), str(f["owned"][i]), core(f["cpu"][f"server{i}"], wall),
                     f"{f['rss'][i] / 2**20:.0f} MB", pct(s["delivered"], s["expected"]), ms(s["p50"]), ms(s["p99"])))
    rows.append(("all", "", str(f["clients"]), str(sum(f["owned"])), core(server_cpu(f), wall),
                 f"{sum(f['rss']) / 2**20:.0f} MB", pct(f["delivered"], f["expected"]), ms(f["p50"]), ms(f["p99"])))
    table(rows, ("process", "pid", "clients", "creators (end)", "CPU", "RSS", "delivered", "p50", "p99"))
    if len(f["pids"]) > 1:
        print(f"  creators owned per process when the flood started: {' / '.join(map(str, f['ownedStart']))}; "
              f"at the end: {' / '.join(map(str, f['owned']))}")
    upstream_end = f["upstreamEnd"]
    one_each = all(v == 1 for v in upstream_end.values()) and all(v == 1 for v in f["upstreamMax"].values())
    samples = f["upstreamSamples"]
    print(f"  upstream connections: {sum(upstream_end.values())} open at the end for {args.creators} creators "
          f"(one each throughout: {'yes' if one_each else 'NO'}; sampled every second: "
          f"{min(samples, default=0)}..{max(samples, default=0)}; most on one creator "
          f"{max(f['upstreamMax'].values(), default=0)}); push sockets opened during the flood "
          f"{f['pushOpenedDuring']}, since the start {f['pushOpenedTotal']}")
    if f["ownerless"]:
        print(f"  {f['ownerless']} creator(s) had no owner among these processes in /debug")
    statuses = set(f["streamsStatus"].values())
    share_min = "-" if f["shareMin"] is None else f"{100 * f['shareMin']:.2f} %"
    print(f"  events: the runners numbered {f['numbered']:,} of the {f['sent']:,} chat the simulator sent "
          f"({f['creatorsHeard']} creators heard); delivered {f['delivered']:,} / {f['expected']:,} expected "
          f"({pct(f['delivered'], f['expected'])}; of what the simulator sent: "
          f"{pct(f['delivered'], f['sentToClients'])}); per client min "
          f"{share_min}; gaps {f['gaps']:,} in "
          f"{f['gappedClients']} client(s); repeated seqs {f['repeats']}; out of order {f['reordered']}; "
          f"shed {f['shed']}; creators' status at the end: {', '.join(sorted(statuses))}")
    if f["notConnected"] or f["disconnected"]:
        print(f"  during the run: {f['notConnected']} `session` events with a status other than connected, "
              f"{f['disconnected']} client(s) disconnected")
    print(f"  latency, simulator send -> client: p50 {ms(f['p50'])}, p99 {ms(f['p99'])}, max {ms(f['max'])}; "
          f"server receipt (ts) -> client: p50 {ms(f['serverP50'])}, p99 {ms(f['serverP99'])}, "
          f"max {ms(f['serverMax'])}")
    cpu = f["cpu"]
    workers = [cpu[key] for key in sorted(cpu) if key.startswith("client") and key != "clients"]
    print(f"  CPU (% of one core): servers {core(server_cpu(f), wall)}"
          + (f", Redis {core(f['redisCpu'], wall)}" if "redisCpu" in f else "")
          + f", simulator {core(cpu['simulator'], wall)}, clients {core(cpu['clients'], wall)} "
          f"(per worker {', '.join(core(w, wall) for w in workers)}), other processes on the machine "
          f"{core(f['othersCpu'], wall)}; the machine's {os.cpu_count()} CPUs {100 * f['machineBusy']:.0f} % busy")
    events = f["delivered"]
    if events:
        print(f"  CPU per delivered event: servers {per_event_us(server_cpu(f), f):.1f} us"
              + (f", Redis {per_event_us(f['redisCpu'], f):.2f} us" if "redisCpu" in f else ""))
    if "redisMemory" in f:
        memory, ops = f["redisMemory"], f["redisOps"]
        print(f"  Redis: memory {memory['used']} (peak {memory['peak']}), {memory['keys']:,} keys; "
              f"{f['redisCommands'] / wall:,.0f} commands/s over the run (instantaneous_ops_per_sec sampled: "
              f"mean {statistics.mean(ops) if ops else 0:,.0f}, max {max(ops, default=0):,})")
    if f["failed"]:
        print(f"  {f['failed']} client(s) failed to connect or watch: {f['errors']}")
    if f["retried"]:
        print(f"  {f['retried']} watch call(s) were not answered ok and tried again: {f['retryErrors']}")


def saturated(f: dict) -> bool:
    return f["machineBusy"] >= SATURATED_BUSY


def report_comparison(c: dict, s: dict) -> None:
    cw, sw = c["wall"], s["wall"]
    rows = [
        ("delivered / numbered by the runners", pct(c["delivered"], c["expected"]),
         pct(s["delivered"], s["expected"]), ""),
        ("delivered / sent by the simulator", pct(c["delivered"], c["sentToClients"]),
         pct(s["delivered"], s["sentToClients"]), ""),
        ("latency p50", ms(c["p50"]), ms(s["p50"]), ratio(c["p50"], s["p50"])),
        ("latency p99", ms(c["p99"]), ms(s["p99"]), ratio(c["p99"], s["p99"])),
        ("latency max", ms(c["max"]), ms(s["max"]), ratio(c["max"], s["max"])),
        ("server CPU (all processes, % of a core)", core(server_cpu(c), cw), core(server_cpu(s), sw),
         ratio(server_cpu(c) / cw, server_cpu(s) / sw)),
        ("server CPU per delivered event", f"{per_event_us(server_cpu(c), c) or 0:.1f} us",
         f"{per_event_us(server_cpu(s), s) or 0:.1f} us",
         ratio(per_event_us(server_cpu(c), c), per_event_us(server_cpu(s), s))),
        ("servers + Redis CPU per delivered event",
         f"{per_event_us(server_cpu(c) + c.get('redisCpu', 0.0), c) or 0:.1f} us",
         f"{per_event_us(server_cpu(s), s) or 0:.1f} us",
         ratio(per_event_us(server_cpu(c) + c.get("redisCpu", 0.0), c), per_event_us(server_cpu(s), s))),
        ("server RSS (all processes)", f"{sum(c['rss']) / 2**20:.0f} MB", f"{sum(s['rss']) / 2**20:.0f} MB",
         ratio(sum(c["rss"]), sum(s["rss"]))),
        ("machine CPUs busy", f"{100 * c['machineBusy']:.0f} %", f"{100 * s['machineBusy']:.0f} %", ""),
        ("of which other processes (% of a core)", core(c["othersCpu"], cw), core(s["othersCpu"], sw), ""),
    ]
    print("\ncluster vs single process (the same clients, creators and rate)")
    table(rows, ("", "cluster", "single", "cluster/single"))


def summary(args, c: dict | None, s: dict | None) -> str:
    parts = []
    if c:
        upstream = sum(c["upstreamEnd"].values())
        one_each = all(v == 1 for v in c["upstreamMax"].values()) and upstream == args.creators
        parts.append(f"cluster {args.processes}x{args.clients} clients, {args.creators} creators @{args.rate:g}/s, "
                     f"{args.seconds:g} s: upstream {upstream}/{args.creators} "
                     f"({'one each' if one_each else 'NOT one each'})"
                     f", delivered {pct(c['delivered'], c['expected'])} of the numbered events "
                     f"({pct(c['delivered'], c['sentToClients'])} of those sent), p99 {ms(c['p99'])}"
                     + (f", Redis CPU {core(c['redisCpu'], c['wall'])} {c['redisMemory']['used']} "
                        f"{c['redisCommands'] / c['wall']:,.0f} cmd/s" if "redisCpu" in c else "")
                     + (" (machine saturated)" if saturated(c) else ""))
    if s:
        parts.append(f"single process: delivered {pct(s['delivered'], s['expected'])} "
                     f"({pct(s['delivered'], s['sentToClients'])} of those sent), p99 {ms(s['p99'])}"
                     + (" (machine saturated)" if saturated(s) else ""))
    if c and s:
        parts.append(f"cluster/single p99 {ratio(c['p99'], s['p99'])}, server CPU/event "
                     f"{ratio(per_event_us(server_cpu(c), c), per_event_us(server_cpu(s), s))}")
    return "; ".join(parts)


# --- main --------------------------------------------------------------------------------------------------------

def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="3 x 60 clients over 6 creators for 15 s (about 90 s in all)")
    parser.add_argument("--processes", type=int, help="server processes in the cluster (default 3)")
    parser.add_argument("--clients", type=int, help="clients per process (default 300; --quick 60)")
    parser.add_argument("--creators", type=int, help="creators (default 30; --quick 6)")
    parser.add_argument("--rate", type=float, help="chat events/s per creator (default 20)")
    parser.add_argument("--seconds", type=float, help="length of the flood (default 30; --quick 15)")
    parser.add_argument("--workers", type=int, help="client processes (default 4; --quick 2)")
    parser.add_argument("--drain", type=float, default=90.0,
                        help="seconds to wait after the flood for late events, at most (90)")
    parser.add_argument("--lease", type=float, default=10.0, help="RUNNER_LEASE_SECONDS of the cluster (10)")
    parser.add_argument("--no-baseline", action="store_true", help="skip the single-process run")
    args = parser.parse_args()
    defaults = ({"processes": 3, "clients": 60, "creators": 6, "rate": 20.0, "seconds": 15.0, "workers": 2}
                if args.quick else
                {"processes": 3, "clients": 300, "creators": 30, "rate": 20.0, "seconds": 30.0, "workers": 4})
    for key, value in defaults.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    if min(args.processes, args.clients, args.creators, args.workers) < 1 or args.rate <= 0 or args.seconds <= 0:
        parser.error("processes, clients, creators and workers must be at least 1; rate and seconds above 0")
    return args


def _interrupt(signum, frame):
    """Ctrl-C or SIGTERM: stop the run; the clean-up that follows is not interrupted by a second one."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise KeyboardInterrupt(f"signal {signum}")


def stop_on_signals() -> None:
    """Ctrl-C and SIGTERM end the run as a KeyboardInterrupt, so that its clean-up runs."""
    signal.signal(signal.SIGTERM, _interrupt)
    if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:  # started in the background: stays ignored
        signal.signal(signal.SIGINT, _interrupt)


def main() -> int:
    args = parse_args()
    stop_on_signals()
    began = time.monotonic()
    total = args.processes * args.clients
    print(f"bench/cluster.py: {args.processes} processes x {args.clients} clients ({total}) over {args.creators} "
          f"creators at {args.rate:g} events/s each for {args.seconds:g} s, {args.workers} client processes"
          f"{', quick' if args.quick else ''}; {os.cpu_count()} CPUs, load average "
          f"{' '.join(f'{load:.1f}' for load in os.getloadavg())} (everything shares this machine)", flush=True)
    results: dict[str, dict] = {}
    problems: list[str] = []  # from the servers' logs
    checked: list[str] = []  # the runs that completed (their servers' logs read)
    status = 0
    with ExitStack() as stack:
        try:
            pool = ClientPool(args.workers, worker_class=_Worker, name="bench-cluster-clients")
            stack.callback(pool.close)
            simulator = start_simulator(rate=0)
            stack.callback(simulator.stop)
            sim = SimulatorControl(simulator.url, timeout=30)
            stack.callback(sim.close)
            phases = [("cluster", lambda: run_cluster(args, simulator, sim, pool, problems))]
            if not args.no_baseline:
                phases.append(("single", lambda: run_single(args, simulator, sim, pool, problems)))
            for label, phase in phases:
                print(f"\n{label} ...", flush=True)
                try:
                    results[label] = phase()
                    checked.append(label)
                except Exception:
                    traceback.print_exc()
                    status = 1
                    print(f"  [{label}] failed; going on with what was measured", flush=True)
                    try:
                        pool.run("close", timeout=60)
                    except Exception:
                        traceback.print_exc()
        except KeyboardInterrupt:
            print("\ninterrupted: stopping the servers, clients, simulator and Redis", flush=True)
            status = 130

    cluster, single = results.get("cluster"), results.get("single")
    if cluster:
        report_run("cluster (Redis)", cluster, args)
    if single:
        report_run("single process (memory store)", single, args)
    if cluster and single:
        report_comparison(cluster, single)
    for label, figures in results.items():
        if saturated(figures):
            print(f"\nnote: during the {label} run this machine's {os.cpu_count()} CPUs were "
                  f"{100 * figures['machineBusy']:.0f} % busy (servers, Redis, simulator and {total} clients "
                  f"together, and {core(figures['othersCpu'], figures['wall'])} of a core used by other processes "
                  f"than this bench's): the load was at or past what this machine can run, so latency (and "
                  f"delivery) may show the machine's limit rather than the code's.")
    if problems:
        print("\nserver logs:")
        print("\n".join(problems))
    elif checked:
        print(f"\nserver logs ({', '.join(checked)}): no warnings, errors or tracebacks")
    print(f"\nsummary: {summary(args, cluster, single)}")
    print(f"bench/cluster.py done in {time.monotonic() - began:.0f} s")
    return status


if __name__ == "__main__":
    sys.exit(main())
