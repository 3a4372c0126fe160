"""Records benchmark: what recording every live into a database costs the dashboard, and whether it keeps up.

    .venv/bin/python bench/records.py [--quick] [--clients 20] [--rate 1000] [--seconds 30] [--rounds 1]
                                      [--modes off,sqlite,postgres] [--workers 2]
                                      [--profile [sqlite|postgres]] [--profile-seconds 20]

The issue's measurement (figures printed, never asserted): one creator flooded at 1,000 events/s, a
realistic mix (MIX: mostly chat, some likes, joins, gifts, a few follows and shares), watched by 20
clients, for 30 s (--quick: 10 s), on the same server three times, one after the other so that they
never share the CPU:

- off:      RECORD_STREAMS=0 (the baseline);
- sqlite:   a SQLite file of its own in a temporary folder (the default kind of database);
- postgres: a private throwaway PostgreSQL cluster on a free port (tests/support/pgserver.py; never the
            machine's own), a fresh database for the run. Left out, with a note, when PostgreSQL's
            server binaries are not installed (`make system-deps` installs them).

Everything runs on free ports of 127.0.0.1 and is stopped at the end: the TikTok LIVE simulator (its
flood API is the upstream; each chat reads "t=<send time, epoch ms> <n>"), the server (`python wsgi.py`
via tests/support/appserver.py), python-socketio clients in --workers processes (bench/clients.py, as in
bench/throughput.py). Before the measured flood a 2 s warm-up flood creates the live's record and
loads every code path; the clients count nothing sent before the measured flood.

How to read the figures:
- `live` latency: arrival at a client minus the simulator's send time written in each flood chat,
  p50 / p95 / p99 / max over every chat of every client (all processes are on this machine, so the clocks
  agree). "added p99" is a recording run's p99 less the off run's: the issue's target is under 20 ms.
- delivered: `live` events per client (median) against the events the server numbered (its seq moved)
  while the flood ran, and the share of the flood's chat the worst client got.
- written/s: from /debug's `records.written`, sampled every 0.5 s; "during the flood" is the rate between
  the samples 1 s after the flood started and its end (the steady state: the writer flushes every 0.5 s),
  beside the ingest rate (the server's seq over the same samples). "written" is the whole delta once the
  writer has caught up (queued 0, nothing new for 1.5 s), checked against a row count in the database
  (events of the creator's live numbered after the mark). "caught up" is the time from the flood's end
  to that point; "queued max" the largest `records.queued` seen (the bound is RECORD_QUEUE_EVENTS).
- CPU: the server process (all its threads, eventlet's tpool included; psutil) over the flood and its
  drain, as % of one core, and per numbered event; for Postgres also its server processes. RSS of the
  server at the end and its peak (sampled every 0.5 s). The database's size per event of the live (the
  warm-up's included): SQLite's pages in use (page_count x page_size), Postgres' four records tables with
  their indexes and TOAST (pg_total_relation_size).
- machine: the share of both CPUs busy over the run (/proc/stat) and how much of it processes outside
  this bench took. This machine has few cores and other work may run: with --rounds R each mode runs R
  times in rotating order and the table shows the median of each figure (every run is printed too).

--profile adds one more SQLite run (--profile postgres: Postgres) whose figures are not in the table:
py-spy records the server for 20 s of its flood (--quick: 8 s; --profile-seconds), 500 samples a
second asked, without pausing it (`py-spy record --pid <pid> --rate 500 --nonblocking --idle --format raw
--threads --function`; the raw file is kept and its path printed), and the top frames are printed,
inclusive and self: of the record writer (the stacks through Database._transaction, in eventlet's tpool
threads) and of the hub's thread (the runners, the emits), each as % of a core: samples over the
sampling rounds py-spy took (the hub's thread is in every one). py-spy's own idle detection is not
reliable here (in its default, pausing mode the waiting tpool threads show as busy), so every stack is
taken (--idle) and those ending in a wait (IDLE_LEAVES) are left out.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import uuid
from collections import Counter, defaultdict
from pathlib import Path

import psutil
import requests
import sqlalchemy

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "bench"))
sys.path.insert(0, str(REPO))

from clients import ClientPool  # noqa: E402
from cluster import (  # noqa: E402
    CLOCK_TICKS,
    cpu_seconds,
    debug,
    log_problems,
    machine_ticks,
    percentile,
    rss_bytes,
    stop_on_signals,
    table,
    tree_cpu_seconds,
)
from support.appserver import RunningServer  # noqa: E402
from support.pgserver import POSTGRES_BIN, PostgresServer  # noqa: E402
from support.simclient import SimulatorControl  # noqa: E402

from assistant.simulator import start_simulator  # noqa: E402

MODES = ("off", "sqlite", "postgres")
MIX = {"chat": 80, "like": 8, "join": 6, "gift": 4, "follow": 1, "share": 1}
WARMUP_SECONDS = 2.0
SAMPLE_SECONDS = 0.5
DRAIN_STALL_SECONDS = 5.0  # after the flood, this long without a new chat at any client ends the wait
CATCH_UP_SECONDS = 60.0  # after the flood, the writer gets at most this long to write what is queued
PROFILE_RATE = 500  # samples a second asked of py-spy (it takes fewer when it cannot keep up: counted)
ADDED_P99_TARGET_MS = 20.0


# --- the server under the load ------------------------------------------------------------------------------

class Sampler:
    """/debug and RSS of the server every SAMPLE_SECONDS in a thread: (monotonic time, written, queued,
    dropped, seq of the creator, rss)."""

    def __init__(self, server: RunningServer, creator: str) -> None:
        self.server, self.creator = server, creator
        self.samples: list[tuple[float, int, int, int, int, int]] = []
        self.errors = 0
        self._stop = threading.Event()
        self._http = requests.Session()
        self._thread = threading.Thread(target=self._run, name="records-sampler", daemon=True)
        self._thread.start()

    def take(self) -> tuple[float, int, int, int, int, int]:
        report = self._http.get(self.server.url + "/debug", timeout=30).json()
        records = report.get("records") or {}
        seq = next((s["seq"] for s in report["streams"] if s["username"] == self.creator), 0) or 0
        return (time.monotonic(), records.get("written", 0), records.get("queued", 0), records.get("dropped", 0),
                seq, rss_bytes(self.server.process.pid))

    def _run(self) -> None:
        while not self._stop.is_set():
            began = time.monotonic()
            try:
                self.samples.append(self.take())
            except (requests.RequestException, ValueError, KeyError):
                self.errors += 1
            self._stop.wait(max(0.0, SAMPLE_SECONDS - (time.monotonic() - began)))

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=35)
        self._http.close()


def postgres_cpu(pg) -> float:
    """CPU seconds of the private Postgres: its postmaster and the processes it has now."""
    if pg is None:
        return 0.0
    try:
        pid = int(Path(pg._data, "postmaster.pid").read_text().split()[0])
        main = psutil.Process(pid)
        total = 0.0
        for process in [main, *main.children(recursive=True)]:
            try:
                times = process.cpu_times()
                total += times.user + times.system
            except psutil.Error:
                continue
        return total
    except (OSError, ValueError, psutil.Error):
        return 0.0


def database_rows(url: str, creator: str, after_seq: int) -> dict:
    """Events in the database of the creator's lives: all, and those numbered after `after_seq`; the size."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    engine = sqlalchemy.create_engine(url)
    try:
        with engine.connect() as connection:
            counted = connection.execute(sqlalchemy.text(
                "SELECT count(*), count(CASE WHEN e.seq > :after THEN 1 END), max(e.seq) FROM events e "
                "JOIN lives l ON e.live_id = l.id WHERE l.username = :creator"),
                {"after": after_seq, "creator": creator}).one()
            lives = connection.execute(sqlalchemy.text("SELECT count(*) FROM lives WHERE username = :creator"),
                                       {"creator": creator}).scalar()
            if engine.dialect.name == "postgresql":  # the records' tables and indexes, not the empty database
                size = connection.execute(sqlalchemy.text(
                    "SELECT sum(pg_total_relation_size(c)) FROM unnest(ARRAY['events', 'lives', 'viewers', "
                    "'series_points']::regclass[]) AS c")).scalar()
            else:  # the pages in use, the WAL's included (this connection reads through it)
                size = (connection.exec_driver_sql("PRAGMA page_count").scalar()
                        * connection.exec_driver_sql("PRAGMA page_size").scalar())
        # int: Postgres's sum() is a numeric (a Decimal), which the medians of several rounds cannot mix with floats
        return {"rows": counted[0], "rowsAfter": counted[1], "maxSeq": counted[2], "lives": lives, "bytes": int(size)}
    finally:
        engine.dispose()


class Bench:
    def __init__(self, args, simulator, sim: SimulatorControl, pool: ClientPool, pg) -> None:
        self.args, self.simulator, self.sim, self.pool, self.pg = args, simulator, sim, pool, pg
        self.problems: list[str] = []

    def say(self, label: str, text: str) -> None:
        print(f"  [{label}] {text}", flush=True)

    def server_env(self, mode: str, folder: str) -> tuple[dict, str | None]:
        total = self.args.clients
        env = {"TIKTOK_SIMULATOR_URL": self.simulator.url, "MAX_SESSIONS": total + 1000,
               "MAX_SESSIONS_PER_IP": total + 1000, "MAX_CONNECTIONS": 20000, "WATCH_CALLS_PER_MINUTE": 1000,
               "CLEANUP_GRACE_SECONDS": 2}
        if mode == "off":
            env["RECORD_STREAMS"] = "0"
            return env, None
        url = f"sqlite:///{folder}/records.sqlite3" if mode == "sqlite" else self.pg.new_database()
        env["DATABASE_URL"] = url
        return env, url

    def profile_seconds(self) -> int:
        return self.args.profile_seconds or (8 if self.args.quick else 20)

    def wait_connected(self, server: RunningServer, creator: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while True:
            upstream = self.sim.connections().get(creator, 0)
            status = next((s["status"] for s in debug(server)["streams"] if s["username"] == creator),
                          None)
            if upstream >= 1 and status == "connected":
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"@{creator}: {upstream} upstream sockets, status {status} after {timeout:g} s")
            time.sleep(0.2)

    def writer_settled(self, server: RunningServer, timeout: float) -> tuple[dict, float]:
        """Wait until the record writer has nothing queued and wrote nothing new for 1.5 s (at most `timeout`);
        its stats and when it last wrote (monotonic)."""
        began = last_change = time.monotonic()
        last = None
        while True:
            stats = debug(server).get("records") or {}
            if stats.get("queued", 0) or (last is not None and stats.get("written") != last.get("written")):
                last_change = time.monotonic()
            last = stats
            if not stats or time.monotonic() - last_change >= 1.5 or time.monotonic() - began > timeout:
                return stats, last_change
            time.sleep(0.25)

    def run(self, mode: str, profile: bool = False) -> dict:
        args = self.args
        label = mode + (" + py-spy" if profile else "")
        folder = tempfile.mkdtemp(prefix="bench-records-")
        env, url = self.server_env(mode, folder)
        server = RunningServer(env)
        try:
            creator = f"brec_{mode[:3]}_{uuid.uuid4().hex[:8]}"
            self.sim.configure(creator, rate=0, viewers=1000)
            shares = self.pool.split(args.clients)
            per_worker = [{"count": share, "concurrency": 20} for share in shares]
            answers = self.pool.run("open", per_worker=per_worker, url=server.url, creator=creator)
            opened = sum(a["opened"] for a in answers)
            errors = [e for a in answers for e in a["errors"]][:3]
            self.wait_connected(server, creator)
            self.say(label, f"server pid {server.process.pid}; {opened} clients watching @{creator}"
                     + (f", {args.clients - opened} failed: {errors}" if opened < args.clients else ""))

            # Warm-up: the live's record is created, every code path loaded; then the writer settles.
            self.sim.flood(creator, args.rate, WARMUP_SECONDS, mix=MIX)
            time.sleep(WARMUP_SECONDS + 1.0)
            self.writer_settled(server, 30)

            # The measured flood.
            sampler = Sampler(server, creator)
            try:
                first = sampler.take()
                self.pool.run("mark", since_ms=time.time() * 1000)
                database_server = self.pg if mode == "postgres" else None
                cpu0, pg0, busy0 = tree_cpu_seconds(server.process.pid), postgres_cpu(database_server), machine_ticks()
                sim_cpu0 = cpu_seconds(self.simulator.process.pid)
                clients_cpu0 = sum(cpu_seconds(pid) for pid in self.pool.pids)
                t0 = time.monotonic()
                seconds = self.profile_seconds() + 3 if profile else args.seconds
                plan = self.sim.flood(creator, args.rate, seconds, mix=MIX)
                flood_end = t0 + seconds
                spy = None
                if profile:
                    time.sleep(1.0)
                    spy = self.start_profile(server.process.pid, self.profile_seconds())
                time.sleep(max(0.0, flood_end - time.monotonic()))
                chat_total = plan["counts"].get("chat", 0) * opened
                last, last_change, drain_end = -1, time.monotonic(), time.monotonic() + 60
                while time.monotonic() < drain_end:
                    seen = sum(a["seen"].get(creator, 0) for a in self.pool.run("progress"))
                    if seen >= chat_total:
                        break
                    if seen != last:
                        last, last_change = seen, time.monotonic()
                    elif time.monotonic() - last_change > DRAIN_STALL_SECONDS:
                        break
                    time.sleep(0.25)
                wall = time.monotonic() - t0
                cpu = tree_cpu_seconds(server.process.pid) - cpu0
                pg_cpu = postgres_cpu(database_server) - pg0
                busy1 = machine_ticks()
                sim_cpu = cpu_seconds(self.simulator.process.pid) - sim_cpu0
                clients_cpu = sum(cpu_seconds(pid) for pid in self.pool.pids) - clients_cpu0
                stats, last_write = self.writer_settled(server, CATCH_UP_SECONDS)
                caught_up = max(0.0, last_write - flood_end) if url else None
                end = sampler.take()
            finally:
                sampler.stop()
            profile_out = self.finish_profile(spy) if spy else None

            collected = self.pool.run("collect")
            clients = [c for a in collected for c in a.get(creator, {}).get("clients", [])]
            latencies = [v for a in collected for v in a.get(creator, {}).get("latencies", [])]
            self.pool.run("close")
            report = debug(server)
            stream = next((s for s in report["streams"] if s["username"] == creator), {})

            samples = [first, *sampler.samples, end]
            steady = [s for s in samples if t0 + 1.0 <= s[0] <= flood_end]
            written_rate = ingest_rate = None
            if len(steady) >= 2 and steady[-1][0] > steady[0][0]:
                span = steady[-1][0] - steady[0][0]
                written_rate = (steady[-1][1] - steady[0][1]) / span if url else None
                ingest_rate = (steady[-1][4] - steady[0][4]) / span
            numbered = end[4] - first[4]
            figures = {
                "mode": mode, "label": label, "clients": opened, "sent": plan["count"], "chat": plan["counts"].get(
                    "chat", 0), "numbered": numbered, "wall": wall, "seconds": seconds,
                "p50": percentile(latencies, 50), "p95": percentile(latencies, 95), "p99": percentile(latencies, 99),
                "max": max(latencies, default=None), "samples": len(latencies),
                "eventsMedian": statistics.median([c["events"] for c in clients]) if clients else 0,
                "eventsMin": min((c["events"] for c in clients), default=0),
                "chatShareMin": min((c["distinct"] / max(1, plan["counts"].get("chat", 0)) for c in clients),
                                    default=0.0),
                "shed": stream.get("shed"),
                "cpu": cpu, "cpuPercent": 100 * cpu / wall, "cpuPerEventUs": 1e6 * cpu / numbered if numbered else None,
                "pgCpuPercent": 100 * pg_cpu / wall if mode == "postgres" else None,
                "simCpuPercent": 100 * sim_cpu / wall, "clientsCpuPercent": 100 * clients_cpu / wall,
                "rss": end[5], "rssPeak": max(s[5] for s in samples),
                "machineBusy": (busy1[0] - busy0[0]) / max(1, busy1[1] - busy0[1]),
                "othersCpuPercent": 100 * max(0.0, (busy1[0] - busy0[0]) / CLOCK_TICKS - cpu - pg_cpu - sim_cpu
                                              - clients_cpu) / wall,
                "writtenRate": written_rate, "ingestRate": ingest_rate, "samplerErrors": sampler.errors,
                "profile": profile_out,
            }
            if url:
                figures.update(written=end[1] - first[1], dropped=end[3] - first[3],
                               queuedMax=max(s[2] for s in samples), caughtUp=caught_up,
                               writerStats=stats)
                figures["database"] = database_rows(url, creator, first[4])
            self.say(label, line(figures))
            return figures
        finally:
            server.stop()
            self.problems += log_problems(label, [server])
            shutil.rmtree(folder, ignore_errors=True)

    # -- py-spy ------------------------------------------------------------------------------------------------

    def start_profile(self, pid: int, seconds: int) -> dict:
        """py-spy on the server in a thread for `seconds` (1,000 samples a second, without pausing the server)."""
        spy = shutil.which("py-spy", path=str(Path(sys.executable).parent)) or shutil.which("py-spy")
        if spy is None:
            return {"error": "py-spy is not installed (.venv/bin/pip install -r requirements-dev.txt)"}
        runs = []
        out = tempfile.NamedTemporaryFile(prefix="bench-records-pyspy-", suffix=".txt", delete=False).name
        runs.append({"out": out, "command": [
            spy, "record", "--pid", str(pid), "--duration", str(seconds), "--rate", str(PROFILE_RATE), "--nonblocking",
            "--idle", "--format", "raw", "--threads", "--function", "--output", out]})

        def record() -> None:
            for run in runs:
                try:
                    done = subprocess.run(run["command"], capture_output=True, text=True, timeout=seconds + 60)
                    run["returncode"], run["output"] = done.returncode, (done.stdout + done.stderr).strip()
                except subprocess.TimeoutExpired as ex:
                    run["returncode"], run["output"] = None, f"timed out: {ex}"

        thread = threading.Thread(target=record, name="py-spy", daemon=True)
        thread.start()
        return {"thread": thread, "runs": runs, "seconds": seconds}

    def finish_profile(self, spy: dict) -> dict:
        if "error" in spy:
            return spy
        spy["thread"].join(timeout=spy["seconds"] + 90)
        out = {"seconds": spy["seconds"], "expected": spy["seconds"] * PROFILE_RATE}
        for run in spy["runs"]:
            key = "all"
            if run.get("returncode") != 0 or not Path(run["out"]).stat().st_size:
                out[key] = {"error": f"py-spy exited with {run.get('returncode')}: {run.get('output', '')[-500:]}"}
                continue
            said = [t for t in run.get("output", "").splitlines() if t.strip()]
            out[key] = {"out": run["out"], "command": " ".join(run["command"]), "said": said[-3:],
                        **summarize_profile(Path(run["out"]).read_text())}
            if out[key]["rounds"]:
                out["expected"] = out[key]["rounds"]  # the rounds py-spy took (fewer than asked when it lags)
        return out


# Leaf frames of a thread that waits (py-spy's own idle detection counts these threads as busy here).
IDLE_LEAVES = ("Condition.wait", "EpollSelector.select", "select ", "poll ", "Event.wait", "sleep ")


def summarize_profile(text: str) -> dict:
    """py-spy's raw (collapsed) stacks: the record writer's (stacks through Database._transaction, in eventlet's
    tpool threads) and the hub thread's (the one running eventlet's hub), idle waits left out."""
    threads: dict[str, Counter] = defaultdict(Counter)
    for row in text.splitlines():
        stack, _, count = row.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = stack.split(";")
        thread = next((f for f in frames if f.startswith("thread (")), "thread (?)")
        frames = [short(f) for f in frames if not f.startswith(("thread (", "process "))]
        threads[thread][tuple(frames)] += int(count)
    groups: dict[str, Counter] = {"writer": Counter(), "hub": Counter(), "idle": Counter(), "other": Counter()}
    rounds = 0  # with --idle the hub's thread is in every sampling round
    for stacks in threads.values():
        every = " ".join(" ".join(s) for s in stacks)
        hub = "Hub.run" in every or "GreenThread.main" in every
        if hub:
            rounds = max(rounds, sum(stacks.values()))
        for frames, count in stacks.items():
            if frames and frames[-1].startswith(IDLE_LEAVES):
                groups["idle"][frames] += count
            elif any(f.startswith("Database._transaction") for f in frames):
                groups["writer"][frames] += count
            elif hub:
                groups["hub"][frames] += count
            else:
                groups["other"][frames] += count
    out = {"threads": len(threads), "rounds": rounds}
    for kind, stacks in groups.items():
        inclusive, own = Counter(), Counter()
        for frames, count in stacks.items():
            for frame in set(frames):
                inclusive[frame] += count
            if frames:
                own[frames[-1]] += count
        out[kind] = {"samples": sum(stacks.values()), "inclusive": inclusive.most_common(60),
                     "self": own.most_common(15)}
    return out


def short(frame: str) -> str:
    """`function (path:line)` with the path from the project, site-packages or the standard library."""
    name, _, where = frame.partition(" (")
    where = where.rstrip(")").removeprefix(f"{REPO}/").split("site-packages/")[-1]
    return f"{name} ({where})" if where else name


# --- printing --------------------------------------------------------------------------------------------------

def ms(value) -> str:
    return "-" if value is None else f"{value:,.1f} ms"


def line(f: dict) -> str:
    text = (f"{f['clients']} clients, {f['numbered']:,} events numbered ({f['numbered'] / f['seconds']:,.0f}/s) of "
            f"{f['sent']:,} sent; live p50 {ms(f['p50'])} p95 {ms(f['p95'])} p99 {ms(f['p99'])} max {ms(f['max'])}; "
            f"per client {f['eventsMedian']:,.0f} events (min {f['eventsMin']:,}), chat {100 * f['chatShareMin']:.1f} "
            f"% (worst client); server CPU {f['cpuPercent']:.0f} %, RSS {f['rss'] / 2**20:.0f} MB")
    if "written" in f:
        db = f["database"]
        text += (f"; written {f['written']:,} ({fmt_rate(f['writtenRate'])} during the flood), {db['rowsAfter']:,} "
                 f"rows, dropped {f['dropped']:,}, queued max {f['queuedMax']:,}, caught up {f['caughtUp']:.1f} s "
                 f"after the flood")
    return text + f"; machine {100 * f['machineBusy']:.0f} % busy"


def fmt_rate(value) -> str:
    return "-" if value is None else f"{value:,.0f}/s"


def median_of(runs: list[dict], key: str):
    values = [r[key] for r in runs if r.get(key) is not None]
    return statistics.median(values) if values else None


def report(args, results: dict[str, list[dict]]) -> list[str]:
    modes = [m for m in MODES if results.get(m)]
    if not modes:
        return []
    runs = {m: results[m] for m in modes}
    med = {m: {key: median_of(runs[m], key) for key in (
        "p50", "p95", "p99", "max", "numbered", "sent", "eventsMedian", "chatShareMin", "cpuPercent", "cpuPerEventUs",
        "pgCpuPercent", "rss", "rssPeak", "writtenRate", "ingestRate", "written", "dropped", "queuedMax",
        "caughtUp", "machineBusy", "othersCpuPercent", "clients", "clientsCpuPercent", "simCpuPercent")} for m in modes}
    for m in modes:
        med[m]["rows"] = median_of([r["database"] for r in runs[m] if "database" in r], "rowsAfter")
        med[m]["rowsAll"] = median_of([r["database"] for r in runs[m] if "database" in r], "rows")
        med[m]["bytes"] = median_of([r["database"] for r in runs[m] if "database" in r], "bytes")
        med[m]["lives"] = median_of([r["database"] for r in runs[m] if "database" in r], "lives")

    def cell(m, key, fmt):
        value = med[m][key]
        return "-" if value is None else fmt(value)

    off = med.get("off")
    rounds = f", median of {args.rounds} runs each" if args.rounds > 1 else ""
    print(f"\nrecording off / on: 1 creator at {args.rate:,.0f} events/s ({mix_text()}), {args.clients} clients, "
          f"{args.seconds:g} s{rounds}")
    rows = [
        ["live latency p50", *[cell(m, "p50", ms) for m in modes]],
        ["live latency p95", *[cell(m, "p95", ms) for m in modes]],
        ["live latency p99", *[cell(m, "p99", ms) for m in modes]],
        ["live latency max", *[cell(m, "max", ms) for m in modes]],
        ["added p99 vs off (target < 20 ms)", *[
            "-" if m == "off" or not off or off["p99"] is None or med[m]["p99"] is None
            else f"{med[m]['p99'] - off['p99']:+,.1f} ms" for m in modes]],
        ["events numbered (sent)", *[f"{cell(m, 'numbered', '{:,.0f}'.format)} ({cell(m, 'sent', '{:,.0f}'.format)})"
                                     for m in modes]],
        ["events delivered per client (median)", *[cell(m, "eventsMedian", "{:,.0f}".format) for m in modes]],
        ["chat delivered, worst client", *[cell(m, "chatShareMin", lambda v: f"{100 * v:.2f} %") for m in modes]],
        ["ingest rate (server seq, steady)", *[cell(m, "ingestRate", fmt_rate) for m in modes]],
        ["written/s during the flood", *[cell(m, "writtenRate", fmt_rate) for m in modes]],
        ["written/s / ingest rate", *[
            "-" if med[m]["writtenRate"] is None or not med[m]["ingestRate"]
            else f"{med[m]['writtenRate'] / med[m]['ingestRate']:.3f}" for m in modes]],
        ["written in all / numbered", *[
            "-" if med[m]["written"] is None else f"{med[m]['written']:,.0f} / {med[m]['numbered']:,.0f}"
            for m in modes]],
        ["rows in the database (check)", *[cell(m, "rows", "{:,.0f}".format) for m in modes]],
        ["dropped", *[cell(m, "dropped", "{:,.0f}".format) for m in modes]],
        ["queued max", *[cell(m, "queuedMax", "{:,.0f}".format) for m in modes]],
        ["writer caught up after the flood", *[cell(m, "caughtUp", lambda v: f"{v:.1f} s") for m in modes]],
        ["server CPU (% of a core)", *[cell(m, "cpuPercent", lambda v: f"{v:.0f} %") for m in modes]],
        ["server CPU per event", *[cell(m, "cpuPerEventUs", lambda v: f"{v:,.0f} us") for m in modes]],
        ["Postgres CPU (% of a core)", *[cell(m, "pgCpuPercent", lambda v: f"{v:.0f} %") for m in modes]],
        ["server RSS end (peak)", *[f"{cell(m, 'rss', lambda v: f'{v / 2**20:.0f}')} "
                                    f"({cell(m, 'rssPeak', lambda v: f'{v / 2**20:.0f}')}) MB" for m in modes]],
        ["database size per event (all the live's)", *[
            "-" if med[m]["bytes"] is None or not med[m]["rowsAll"] else f"{med[m]['bytes'] / med[m]['rowsAll']:,.0f} B"
            for m in modes]],
        ["clients' / simulator's CPU (% of a core)", *[
            f"{cell(m, 'clientsCpuPercent', '{:.0f} %'.format)} / {cell(m, 'simCpuPercent', '{:.0f} %'.format)}"
            for m in modes]],
        ["machine CPUs busy (others, % of a core)", *[
            f"{cell(m, 'machineBusy', lambda v: f'{100 * v:.0f} %')} ({cell(m, 'othersCpuPercent', '{:.0f} %'.format)})"
            for m in modes]],
    ]
    table(rows, ["", *modes])

    notes, summary = [], []
    for m in modes:
        if m == "off":
            continue
        f = med[m]
        added = None if not off or off["p99"] is None or f["p99"] is None else f["p99"] - off["p99"]
        ratio = None if f["writtenRate"] is None or not f["ingestRate"] else f["writtenRate"] / f["ingestRate"]
        summary.append(f"{m}: written {fmt_rate(f['writtenRate'])} at {fmt_rate(f['ingestRate'])} ingest "
                       f"({'-' if ratio is None else f'{ratio:.2f}'}), added p99 "
                       f"{'-' if added is None else f'{added:+.1f} ms'}"
                       + ("" if added is None else " (target met)" if added < ADDED_P99_TARGET_MS
                          else " (TARGET MISSED)"))
        for r in runs[m]:
            db = r["database"]
            if db["rowsAfter"] != r["written"] or r["written"] != r["numbered"] or r["dropped"]:
                notes.append(f"{r['label']}: written {r['written']:,}, rows {db['rowsAfter']:,}, numbered "
                             f"{r['numbered']:,}, dropped {r['dropped']:,}: they should all agree (dropped 0)")
            if db["lives"] != 1:
                notes.append(f"{r['label']}: {db['lives']} lives recorded for the creator, 1 expected")
    for m in modes:
        if (med[m]["machineBusy"] or 0) > 0.9:
            notes.append(f"{m}: the machine's {os.cpu_count()} CPUs were {100 * med[m]['machineBusy']:.0f} % busy: "
                         f"latency shows this machine's limit as much as the code's; repeat with --rounds")
    if notes:
        print("\nnotes:\n" + "\n".join(f"  {n}" for n in notes))
    return summary


def report_profile(f: dict) -> None:
    p = f.get("profile") or {}
    print(f"\npy-spy on the server, {f['label']} run ({line(f)})")
    if "error" in p:
        print(f"  {p['error']}")
        return
    for key, title in (("all", "every thread"),):
        run = p.get(key) or {}
        if "error" in run:
            print(f"  {title}: {run['error']}")
            continue
        print(f"  {title}: {run['command']}\n    py-spy said: {' | '.join(run['said'])}")
        print(f"    raw stacks: {run['out']}; % of a core = samples / "
              f"{p['expected']:,}, the rounds py-spy took in {p['seconds']} s ({PROFILE_RATE} a second asked; "
              f"the hub's thread is in every one, idle or not)")
        for kind, name in (("writer", "record writer (tpool thread in Database._transaction)"),
                           ("hub", "hub thread, busy (runners, emits, Socket.IO)")):
            group = run[kind]
            total = group["samples"]
            print(f"    {name}: {total:,} samples = {100 * total / max(1, p['expected']):.0f} % of a core")
            if not total:
                continue
            skip = ("Thread.", "tworker", "tpool_trampoline", "Hub.run", "BaseEventLoop.", "Handle._run",
                    "GreenThread.main", "Hub.run.<locals>")
            shown = [(fr, n) for fr, n in group["inclusive"] if not fr.startswith(skip)]
            gap = "\n" + " " * 17
            print("      inclusive: " + gap.join(f"{100 * n / total:5.1f} %  {fr}"
                                              for fr, n in shown[:14 if kind == "writer" else 10]))
            print("      self:      " + gap.join(f"{100 * n / total:5.1f} %  {fr}" for fr, n in group["self"][:8]))


def mix_text() -> str:
    total = sum(MIX.values())
    return ", ".join(f"{100 * weight / total:.0f} % {kind}" for kind, weight in MIX.items())


# --- main -------------------------------------------------------------------------------------------------------

def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a 10 s flood per mode (about a minute and a half)")
    parser.add_argument("--clients", type=int, default=20, help="clients watching the creator (20)")
    parser.add_argument("--rate", type=float, default=1000.0, help="events/s of the flood (1000)")
    parser.add_argument("--seconds", type=float, help="length of the measured flood (30; --quick 10)")
    parser.add_argument("--rounds", type=int, default=1, help="runs of each mode, in rotating order; the table "
                        "shows the medians (1)")
    parser.add_argument("--modes", default=",".join(MODES), help="off,sqlite,postgres (all)")
    parser.add_argument("--workers", type=int, default=2, help="client processes (2)")
    parser.add_argument("--profile", nargs="?", const="sqlite", choices=("sqlite", "postgres"),
                        help="one more run (SQLite unless postgres is given) under py-spy; top frames printed")
    parser.add_argument("--profile-seconds", type=int, help="length of the py-spy recording (20; --quick 8)")
    args = parser.parse_args()
    if args.seconds is None:
        args.seconds = 10.0 if args.quick else 30.0
    args.modes = [m for m in MODES if m in args.modes.split(",")]
    if min(args.clients, args.workers, args.rounds) < 1 or args.rate <= 0 or args.seconds < 3 or not args.modes:
        parser.error("clients, workers, rounds at least 1; rate above 0; seconds at least 3; a known mode")
    return args


def main() -> int:
    args = parse_args()
    stop_on_signals()
    began = time.monotonic()
    load = " ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"bench/records.py: modes {', '.join(args.modes)}, 1 creator at {args.rate:,.0f} events/s for "
          f"{args.seconds:g} s, {args.clients} clients in {args.workers} processes, {args.rounds} round(s)"
          f"{', quick' if args.quick else ''}{f', py-spy on {args.profile}' if args.profile else ''}; "
          f"{os.cpu_count()} CPUs, load average {load} (everything shares this machine)", flush=True)
    results: dict[str, list[dict]] = defaultdict(list)
    profiled = None
    status = 0
    pool = simulator = sim = pg = None
    try:
        if "postgres" in args.modes or args.profile == "postgres":
            if POSTGRES_BIN is None:
                print("  PostgreSQL's server binaries are not installed (`make system-deps`): postgres left out")
                args.modes = [m for m in args.modes if m != "postgres"]
                args.profile = None if args.profile == "postgres" else args.profile
            else:
                pg = PostgresServer()
                print(f"  private PostgreSQL ({POSTGRES_BIN}) on port {pg.port}", flush=True)
        pool = ClientPool(args.workers, name="bench-records-clients")
        simulator = start_simulator(rate=0)
        sim = SimulatorControl(simulator.url, timeout=30)
        bench = Bench(args, simulator, sim, pool, pg)
        for round_ in range(args.rounds):
            order = args.modes[round_ % len(args.modes):] + args.modes[:round_ % len(args.modes)]
            for mode in order:
                try:
                    results[mode].append(bench.run(mode))
                except Exception:
                    traceback.print_exc()
                    status = 1
                    print(f"  [{mode}] failed; going on", flush=True)
                    pool.run("close", timeout=60)
        if args.profile:
            try:
                profiled = bench.run(args.profile, profile=True)
            except Exception:
                traceback.print_exc()
                status = 1
        summary = report(args, results)
        if profiled:
            report_profile(profiled)
        if bench.problems:
            print("\nserver logs:\n" + "\n".join(bench.problems))
        else:
            print("\nserver logs: no warnings, errors or tracebacks")
        if summary:
            print("\nsummary: " + "; ".join(summary))
    except KeyboardInterrupt:
        print("\ninterrupted: stopping the servers, clients, simulator and Postgres", flush=True)
        status = 130
    finally:
        for closer in (pool and pool.close, sim and sim.close, simulator and simulator.stop, pg and pg.close):
            if closer:
                try:
                    closer()
                except Exception:
                    traceback.print_exc()
    print(f"bench/records.py done in {time.monotonic() - began:.0f} s; load average now "
          f"{' '.join(f'{load:.1f}' for load in os.getloadavg())}")
    return status


if __name__ == "__main__":
    sys.exit(main())
