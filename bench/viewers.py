"""Memory of one live's per-viewer tallies (assistant/viewers.py): 100,000 distinct viewers chat.

Figures, not assertions. For each bound (VIEWER_CARDS; the default first), it feeds the tallies a live
where every viewer says something once and a few hundred regulars keep talking and giving, then prints
the traced memory (tracemalloc) held by the tallies, the cards kept, the time per event, and the JSON
size of the cards the store keeps (what Redis holds per creator in cluster mode, before its overhead).
Run: `.venv/bin/python bench/viewers.py [--viewers 100000]`.
"""

import argparse
import gc
import json
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.insights.viewers import ViewerTallies  # noqa: E402

REGULARS = 300


def _user(n):
    return {"userId": str(7_000_000_000_000_000_000 + n), "uniqueId": f"viewer_{n}", "nickname": f"Viewer number {n}",
            "avatarUrl": f"https://p16-sign.tiktokcdn.com/avatar/{n:012d}~c5_100x100.webp"}


def _live(viewers):
    """The events: each viewer chats once; every 50th event a regular chats, every 200th one gives."""
    for n in range(viewers):
        yield "chat", {"type": "chat", "ts": n, "user": _user(REGULARS + n), "comment": f"hello from viewer {n}!"}
        if n % 50 == 0:
            yield "chat", {"type": "chat", "ts": n, "user": _user(n % REGULARS), "comment": "still watching"}
        if n % 200 == 0:
            yield "gift", {"type": "gift", "ts": n, "user": _user(n % REGULARS), "giftId": 5655, "giftName": "Rose",
                           "diamondCount": 1, "repeatCount": 5, "streaking": False}


def _feed(viewers, bound):
    tallies = ViewerTallies(max_viewers=bound)
    events = 0
    for kind, event in _live(viewers):
        if kind == "gift":
            tallies.count_gift(event, event["repeatCount"])
        else:
            tallies.apply(event)
        events += 1
    tallies.take_changed()
    return tallies, events


def measure(viewers, bound):
    """Time (a plain run), then memory (a run under tracemalloc, which slows everything down)."""
    gc.collect()
    started = time.perf_counter()
    tallies, events = _feed(viewers, bound)
    elapsed = time.perf_counter() - started
    boards_started = time.perf_counter()
    tallies.leaderboards()
    boards_ms = (time.perf_counter() - boards_started) * 1000
    stored = sum(len(json.dumps(tallies.card(user_id))) for user_id in list(tallies._cards))
    del tallies
    gc.collect()
    tracemalloc.start()
    tallies, _ = _feed(viewers, bound)
    gc.collect()
    held, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"bound": bound, "kept": len(tallies), "held": held, "peak": peak, "us_per_event": elapsed / events * 1e6,
            "boards_ms": boards_ms, "stored": stored}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--viewers", type=int, default=100_000)
    args = parser.parse_args()
    print(f"bench/viewers.py: {args.viewers:,} distinct viewers chat once, {REGULARS} regulars chat and give")
    print(f"{'bound':>8} {'kept':>8} {'held':>9} {'peak':>9} {'per event':>10} {'boards':>8} {'store JSON':>11}")
    for bound in (5000, 1000, args.viewers):
        r = measure(args.viewers, bound)
        print(f"{r['bound']:>8,} {r['kept']:>8,} {r['held'] / 1e6:>7.1f}MB {r['peak'] / 1e6:>7.1f}MB "
              f"{r['us_per_event']:>8.2f}us {r['boards_ms']:>6.1f}ms {r['stored'] / 1e6:>9.1f}MB")
    print("bound = VIEWER_CARDS (5000 by default); the last row is unbounded, for comparison")


if __name__ == "__main__":
    main()
