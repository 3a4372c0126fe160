"""Soak benchmark: many connect / watch / disconnect cycles, then the grace; what is left behind?

    .venv/bin/python bench/soak.py [--cycles 2000] [--creators 50] [--workers 16] [--grace 3]

Starts the simulator and the real server (as the tests do), runs the cycles from a pool of
Socket.IO clients, waits out the cleanup grace, and prints the sessions, runners, greenlets and open
upstream connections left (target: zero of each, greenlets back to the idle baseline) and the
growth of the server's resident memory (target: under 20 MB).
"""

import argparse
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psutil
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from support.appserver import RunningServer  # noqa: E402
from support.dashboardclient import DashboardClient  # noqa: E402

from assistant.simulator import start_simulator  # noqa: E402


def runtime(server):
    return requests.get(server.url + "/debug/runtime", timeout=30).json()


def rss_mb(server):
    return psutil.Process(server.process.pid).memory_info().rss / 2**20


def one_cycle(server, creator):
    client = DashboardClient(server.url)
    try:
        answer = client.watch(creator)
        if not answer["ok"]:
            raise RuntimeError(answer)
        if not client.payloads("snapshot"):
            time.sleep(0.05)
    finally:
        client.disconnect()


def run_round(server, simulator, creators, args, baseline, rss_before):
    started = time.monotonic()
    failures = 0
    with ThreadPoolExecutor(args.workers) as pool:
        futures = [pool.submit(one_cycle, server, creators[i % args.creators]) for i in range(args.cycles)]
        for future in futures:
            if future.exception() is not None:
                failures += 1
    elapsed = time.monotonic() - started
    peak = runtime(server)
    print(f"{args.cycles} cycles over {args.creators} creators in {elapsed:.1f} s "
          f"({args.cycles / elapsed:.0f}/s), {failures} failed; right after: {peak}")

    # Engine.IO's ping green thread of a closed socket ends at its next ping (25 s): wait for that too.
    deadline = time.monotonic() + args.grace + 40
    while time.monotonic() < deadline:
        after = runtime(server)
        upstream = sum(requests.get(simulator.url + "/_sim/connections", timeout=30).json().values())
        if (after["sessions"], after["runners"], upstream) == (0, 0, 0) and (
            after["greenlets"] <= baseline["greenlets"]
        ):
            break
        time.sleep(1)
    print(f"settled {time.monotonic() - deadline + args.grace + 40:.0f} s after the last cycle")
    after = runtime(server)
    upstream = requests.get(simulator.url + "/_sim/connections", timeout=30).json()
    rss_after = rss_mb(server)
    print("after the grace:")
    print(f"  sessions left:             {after['sessions']}")
    print(f"  runners left:              {after['runners']}")
    print(f"  greenlets:                 {after['greenlets']} (idle baseline {baseline['greenlets']})")
    print(f"  open upstream connections: {sum(upstream.values())}")
    print(f"  resident memory:           {rss_before:.1f} MB -> {rss_after:.1f} MB "
          f"(growth {rss_after - rss_before:+.1f} MB, target < 20 MB)")
    log = server.log_text()
    if "Traceback" in log:
        start = log.index("Traceback")
        print("  the server log has tracebacks; the first:\n" + log[max(0, start - 300):start + 3000])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=2000)
    parser.add_argument("--creators", type=int, default=50)
    parser.add_argument("--workers", type=int, default=16)
    parser.add_argument("--grace", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=1, help="repeat the cycles (a leak grows every round)")
    parser.add_argument("--rate", type=float, default=5.0, help="simulated events/s per creator")
    args = parser.parse_args()

    with start_simulator(rate=args.rate) as simulator:
        server = RunningServer(
            {
                "TIKTOK_SIMULATOR_URL": simulator.url,
                "CLEANUP_GRACE_SECONDS": args.grace,
                "MAX_SESSIONS_PER_IP": args.cycles + 10,
                "MAX_SESSIONS": args.cycles + 10,
                "WATCH_CALLS_PER_MINUTE": 1000,
            }
        )
        try:
            creators = [f"soak_{i:02d}" for i in range(args.creators)]
            # Warm-up: imports, the first runner and upstream connection, and every event type parsed once
            # (TikTokLive's proto classes build their schemas on first use: a one-time cost, not growth).
            warm = DashboardClient(server.url)
            warm.watch_until_connected(creators[0])
            for kind in ("chat", "gift", "like", "join", "follow", "share", "viewers"):
                warm.wait_for_event(lambda event, kind=kind: event["type"] == kind, timeout=30, message=kind)
            warm.disconnect()
            while runtime(server)["runners"]:  # the warm-up runner goes after two graces
                time.sleep(0.5)
            baseline = runtime(server)
            rss_before = rss_mb(server)
            print(f"baseline: {baseline}, rss {rss_before:.1f} MB")

            for round_number in range(1, args.rounds + 1):
                print(f"round {round_number}:")
                run_round(server, simulator, creators, args, baseline, rss_before)
        finally:
            server.stop()


if __name__ == "__main__":
    main()
