"""Webhooks benchmark: deliveries a second to a local receiver, and the CPU each costs, beside a bare loop.

    .venv/bin/python bench/webhooks.py [--quick] [--count 3000] [--rounds 3] [--modes bare,sqlite,postgres]
                                       [--concurrency 32]

Every mode runs in a child process set up as the server runs (tests/support/webhookchild.py: eventlet on its
asyncio hub, monkey_patch(select=False)), one mode at a time, posting to the same receiver (a threaded
http.server of this process on a free port of 127.0.0.1, keep-alive, answering 200 at once:
tests/support/webhookreceiver.py):

- bare:     the baseline: the same signed POSTs (the same body and headers) from `--concurrency` green threads
            with a plain httpx client; no queue, no database, no address check;
- sqlite:   `Webhooks` (assistant/actions/webhooks) on a SQLite file of its own: each delivery enqueued, written,
            claimed, sent through the checked transport, its result written;
- postgres: the same on a private throwaway PostgreSQL cluster (tests/support/pgserver.py; never the machine's
            own). Left out, with a note, where PostgreSQL's server binaries are not installed.

Figures (printed, never asserted), the median over --rounds runs in rotating order:
- burst: `--count` deliveries enqueued at once (bare: sent at once); deliveries/s from the command to the
  last one received (and, for the queue, to the last result written: every row `delivered`);
- CPU: the child process's user+system CPU over the burst, in ms per delivery (the receiver's is not in it;
  for Postgres neither is the database server's);
- one at a time: 20 single deliveries, each waited for: the median time from the command to its arrival at
  the receiver (the queue's added latency: its write and claim before the send).
Run it on an otherwise idle machine: other work on the CPUs shows in every figure.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
from sqlalchemy import func, insert, select

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO))

from support.pgserver import POSTGRES_BIN, PostgresServer  # noqa: E402
from support.webhookreceiver import WebhookReceiver  # noqa: E402

from assistant.records import migrate  # noqa: E402
from assistant.records.engine import database_url, make_engine  # noqa: E402
from assistant.records.schema import action_rules, webhook_deliveries  # noqa: E402

MODES = ("bare", "sqlite", "postgres")
RULE_ID, USERNAME, SECRET = "bench", "bench", "bench-secret"
EVENT = {"seq": 1, "type": "gift", "ts": 1_795_753_444_093,
         "user": {"userId": "1", "uniqueId": "fan", "nickname": "Fan"},
         "giftName": "Rose", "diamondCount": 1, "repeatCount": 5, "streaking": False}
WARMUP = 50
SINGLES = 20
WAIT_SECONDS = 300


class Child:
    """tests/support/webhookchild.py on a database, driven over its stdin."""

    def __init__(self, url, engine, concurrency):
        with engine.begin() as connection:
            migrate.upgrade(connection)
            connection.execute(insert(action_rules), [{
                "id": RULE_ID, "username": USERNAME, "name": "bench", "enabled": True, "trigger": {"type": "gift"},
                "cooldown": {"userSeconds": 0, "globalSeconds": 0}, "actions": [], "secret": SECRET,
                "created_at": 0.0, "updated_at": 0.0}])
        settings = {"url": url, "allowPrivate": True, "concurrency": concurrency}
        self.process = subprocess.Popen(
            [sys.executable, str(REPO / "tests" / "support" / "webhookchild.py"), json.dumps(settings)], cwd=REPO,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            env={**os.environ, "PYTHONPATH": str(REPO), "PYTHONWARNINGS": "ignore"})
        self.usage = psutil.Process(self.process.pid)
        assert self.read() == {"ready": True}

    def read(self):
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"the child exited ({self.process.wait()})")
        return json.loads(line)

    def send(self, op, **fields):
        self.process.stdin.write(json.dumps({"op": op, **fields}) + "\n")
        self.process.stdin.flush()

    def call(self, op, **fields):
        self.send(op, **fields)
        return self.read()

    def cpu(self):
        times = self.usage.cpu_times()
        return times.user + times.system

    def stop(self):
        self.call("stop")
        self.process.wait(30)


def wait_until(condition, what, pause=0.005):
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what}: not done in {WAIT_SECONDS} s")
        time.sleep(pause)


def delivered_rows(engine):
    with engine.connect() as connection:
        return connection.execute(select(func.count()).where(webhook_deliveries.c.status == "delivered")).scalar()


def deliver(child, mode, receiver, count, engine):
    """`count` deliveries at once; returns (seconds until all were received, until all were written: for the
    queue, every row `delivered`, read from the database by this process, not the child's)."""
    target = receiver.count + count
    began = time.monotonic()
    if mode == "bare":
        child.send("bare", url=receiver.url, secret=SECRET, count=count, event=EVENT)
    else:
        child.send("enqueueMany", ruleId=RULE_ID, username=USERNAME, url=receiver.url, event=EVENT, count=count)
    child.read()  # at once: its answer (the ids) must not sit in a full pipe, which would stop the child
    wait_until(lambda: receiver.count >= target, f"{mode}: {count} deliveries received")
    received = time.monotonic() - began
    if mode != "bare":
        wait_until(lambda: delivered_rows(engine) >= target, f"{mode}: results written", pause=0.02)
    return received, time.monotonic() - began


def single_delivery(child, mode, receiver):
    """Seconds from the command to the arrival of one delivery."""
    target = receiver.count + 1
    began = time.monotonic()
    if mode == "bare":
        child.send("bare", url=receiver.url, secret=SECRET, count=1, event=EVENT)
    else:
        child.send("enqueue", ruleId=RULE_ID, username=USERNAME, url=receiver.url, event=EVENT)
    wait_until(lambda: receiver.count >= target, f"{mode}: a single delivery", pause=0.0005)
    took = time.monotonic() - began
    child.read()
    return took


def one_run(mode, count, concurrency, postgres):
    with tempfile.TemporaryDirectory(prefix="bench-webhooks-") as folder, WebhookReceiver(record=False) as receiver:
        url = postgres.new_database() if mode == "postgres" else f"sqlite:///{folder}/webhooks.sqlite3"
        engine = make_engine(database_url(url, None))
        child = Child(url, engine, concurrency)
        try:
            deliver(child, mode, receiver, WARMUP, engine)  # connections open, code paths loaded
            cpu_before = child.cpu()
            received, written = deliver(child, mode, receiver, count, engine)
            cpu = child.cpu() - cpu_before
            singles = [single_delivery(child, mode, receiver) for _ in range(SINGLES)]
            return {"per_second": count / received, "written_per_second": count / written,
                    "cpu_ms": cpu * 1000 / count, "single_ms": statistics.median(singles) * 1000}
        finally:
            child.stop()
            engine.dispose()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 deliveries, one round")
    parser.add_argument("--count", type=int, help="deliveries in the burst (3000; --quick 1000)")
    parser.add_argument("--rounds", type=int, help="runs of each mode, rotating (3; --quick 1)")
    parser.add_argument("--modes", default=",".join(MODES), help="bare,sqlite,postgres (all)")
    parser.add_argument("--concurrency", type=int, default=32, help="sends at once (32, the product's)")
    options = parser.parse_args()
    count = options.count or (1000 if options.quick else 3000)
    rounds = options.rounds or (1 if options.quick else 3)
    modes = [mode for mode in options.modes.split(",") if mode]
    postgres = None
    if "postgres" in modes and POSTGRES_BIN is None:
        print("postgres: left out (PostgreSQL's server binaries are not installed: make system-deps)")
        modes.remove("postgres")
    elif "postgres" in modes:
        postgres = PostgresServer()
    results = {mode: [] for mode in modes}
    try:
        for round_number in range(rounds):
            order = modes[round_number % len(modes):] + modes[:round_number % len(modes)]
            for mode in order:
                figures = one_run(mode, count, options.concurrency, postgres)
                results[mode].append(figures)
                print(f"round {round_number + 1} {mode:8} " + "  ".join(f"{key} {value:.1f}"
                                                                   for key, value in figures.items()), flush=True)
    finally:
        if postgres is not None:
            postgres.close()
    print(f"\n{count} deliveries in a burst, {options.concurrency} at once, median of {rounds} round(s)")
    print(f"{'mode':10}{'received/s':>12}{'written/s':>12}{'CPU ms/delivery':>17}{'one at a time ms':>18}")
    for mode, runs in results.items():
        median = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
        written = "" if mode == "bare" else f"{median['written_per_second']:.0f}"
        print(f"{mode:10}{median['per_second']:>12.0f}{written:>12}{median['cpu_ms']:>17.2f}"
              f"{median['single_ms']:>18.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
