"""Actions benchmark: what a creator's rules cost per event when none of them fires.

    .venv/bin/python bench/actions.py [--events 200000] [--rounds 5]

The runner hands every published batch to its CreatorActions (assistant/actions/creator.py), which evaluates the
creator's enabled rules (evaluator.py). The issue's target: a few µs per event at most when no rule matches. This
bench times `CreatorActions.published` on batches of a realistic flood (the mix of bench/records.py: mostly chat,
some likes, joins and gifts, a few follows and shares; 50 events a batch) in this process, with:

- none:     no rules (the baseline: the call the runner makes for every batch);
- 20 other: 20 rules on types the flood has little of and that never match here (a gift by a name nobody sends,
            minDiamonds above any gift, a battle's end, TikTok's goal);
- 20 chat:  20 command and keyword rules whose words no line holds: every chat line is checked by each (the worst
            case for rules that do not fire);
- 40 mixed: both sets, and likes milestones too high to pass, firstChat on a live where everyone chatted already.

Each figure is the median of --rounds rounds of --events events, in ns per event, beside the baseline of the same
run. Nothing is emitted or queued (no rule fires: the bench checks it). CPU time of this process
(time.process_time), garbage collection left on as in the server.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from assistant.actions.creator import CreatorActions  # noqa: E402
from assistant.actions.evaluator import CreatorRules  # noqa: E402
from assistant.events import BY_NAME  # noqa: E402

MIX = {"chat": 60, "like": 20, "join": 14, "gift": 4, "follow": 1, "share": 1}  # bench/records.py's proportions
BATCH = 50
WORDS = ["hello", "wow", "love this", "where are you from", "🔥🔥", "nice", "haha", "hi from Brazil", "cute", "lol"]


def _rule(number, trigger):
    return {"id": f"r{number}", "username": "bench", "name": f"rule {number}", "enabled": True, "trigger": trigger,
            "cooldown": {"userSeconds": 0, "globalSeconds": 0}, "actions": [{"type": "tts", "text": "{user}"}]}


def rule_sets():
    other = [_rule(n, trigger) for n, trigger in enumerate(
        [{"type": "gift", "giftName": f"Nobody sends {n}"} for n in range(8)]
        + [{"type": "gift", "minDiamonds": 1_000_000 + n} for n in range(6)]
        + [{"type": "battle", "phase": "ended"}] * 3 + [{"type": "goal"}] * 3)]
    chat = [_rule(100 + n, trigger) for n, trigger in enumerate(
        [{"type": "command", "command": f"!cmd{n}"} for n in range(10)]
        + [{"type": "keyword", "keyword": f"keyword number {n}"} for n in range(10)])]
    mixed = other + chat + [_rule(200, {"type": "likes", "every": 10**9}), _rule(201, {"type": "firstChat"})]
    return {"none": [], "20 other": other, "20 chat": chat, "40 mixed": mixed}


def flood(count, seed=1):
    """`count` events of the mix, as the runner publishes them (numbered, with users)."""
    rng = random.Random(seed)
    kinds = rng.choices(list(MIX), weights=list(MIX.values()), k=count)
    events = []
    for seq, kind in enumerate(kinds, 1):
        event = BY_NAME[kind].sample(seq=seq)
        user_id = str(rng.randrange(1, 5000))
        event["user"] = {"userId": user_id, "uniqueId": f"viewer{user_id}", "nickname": f"Viewer {user_id}"}
        if kind == "chat":
            event["comment"] = rng.choice(WORDS)
        elif kind == "gift":
            event["streaking"] = rng.random() < 0.7
        events.append(event)
    return [events[i:i + BATCH] for i in range(0, len(events), BATCH)]


class _Quiet:
    """The process's Actions as CreatorActions needs it, counting what would be done (nothing, here)."""

    def __init__(self):
        self.fired = 0

    def perform(self, *args):
        self.fired += 1


def per_event_ns(rules, batches, events):
    quiet = _Quiet()
    creator = CreatorActions(quiet, "bench", lambda *args: None, "stream:bench")
    creator.rules = CreatorRules(rules, chatters=[str(n) for n in range(1, 5000)])
    started = time.process_time()
    for batch in batches:
        creator.published(batch)
    spent = time.process_time() - started
    if quiet.fired:
        raise RuntimeError(f"{quiet.fired} rules fired: the bench's rules must match nothing")
    return spent * 1e9 / events


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    batches = flood(args.events)
    sets = rule_sets()
    print(f"Actions: CreatorActions.published per event, {args.events:,} events in batches of {BATCH}, "
          f"median of {args.rounds} rounds (mix {MIX})", flush=True)
    results = {name: [] for name in sets}
    for _ in range(args.rounds):
        for name, rules in sets.items():  # interleaved: a slow moment of the machine hits every set alike
            results[name].append(per_event_ns(rules, batches, args.events))
    baseline = statistics.median(results["none"])
    print("| rules | ns per event | added to none | rounds (ns) |\n|---|---|---|---|")
    for name, values in results.items():
        median = statistics.median(values)
        print(f"| {name} | {median:,.0f} | {median - baseline:+,.0f} ns | "
              f"{', '.join(f'{v:,.0f}' for v in values)} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
