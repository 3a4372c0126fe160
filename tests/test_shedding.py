"""The runner's bounded queue (streams/backlog.py): past SHED_BACKLOG, joins and likes are folded into
counts (exact totals, no rows, no seq); chat, gifts, follows, shares and the end are never dropped.

The runner is driven by hand here, both sides of its backlog: the upstream side puts events as the
asyncio reader does, then the drain loop runs, as it would once it gets the hub back.
"""

import asyncio

from assistant.store.memory import MemoryStore
from assistant.streams.backlog import PAUSE_BACKLOG, SHED_BACKLOG
from assistant.streams.runner import StreamRunner


def _runner(username, emit):
    """A runner that holds its creator in a store of its own (as the registry starts one)."""
    store = MemoryStore("i", "host:1", recent_events=500)
    session = store.create_session("127.0.0.1", "dashboard", 10, 10)
    store.set_watching(session.id, username, max_streams=10, stop_due=0)
    return StreamRunner(username, store.claim_stream(username), store, room=f"stream:{username}", emit=emit,
                        on_status=lambda runner: None)


def _user(n):
    return {"userId": str(n), "uniqueId": f"u{n}", "nickname": f"Viewer {n}", "avatarUrl": ""}


def _flood(count):
    """A mix like a busy LIVE: for every chat, three joins and two likes; a gift and a follow now and then."""
    events, likes_total = [], 0
    for i in range(count):
        kind = i % 8
        if kind == 0:
            events.append({"type": "chat", "ts": 1, "user": _user(i), "comment": f"line {i}"})
        elif kind in (1, 2, 3):
            events.append({"type": "join", "ts": 1, "user": _user(i)})
        elif kind in (4, 5):
            likes_total += 3
            events.append({"type": "like", "ts": 1, "user": _user(i), "count": 3, "totalLikes": likes_total})
        elif kind == 6:
            events.append({"type": "gift", "ts": 1, "user": _user(i), "giftId": 1, "giftName": "Rose",
                           "diamondCount": 2, "repeatCount": 1, "streaking": False, "giftType": 2, "imageUrl": ""})
        else:
            events.append({"type": "follow" if i % 16 == 7 else "share", "ts": 1, "user": _user(i)})
    return events


def _drained(runner):
    while runner._backlog.qsize():
        runner._drain_once()
    runner._drain_once()  # the folded counts of the last batch, and the metrics
    return runner


def test_a_backlog_folds_joins_and_likes_and_keeps_everything_else(caplog):
    emitted = []
    runner = _runner("flooded", emit=lambda *args: emitted.append(args))
    sent = _flood(8 * SHED_BACKLOG)
    for i, event in enumerate(sent):
        runner._backlog.put_event(dict(event), i + 1)
    _drained(runner)

    shown = [event for name, payload, _ in emitted if name == "live" for event in payload["events"]]
    kinds = [event["type"] for event in sent]
    assert runner.shed > 0, "the backlog passed SHED_BACKLOG: some joins and likes were folded"
    assert runner.shed == len(sent) - len(shown)
    never_shed = [e for e in sent if e["type"] not in ("join", "like")]
    shown_unsheddable = [{k: v for k, v in e.items() if k != "seq"} for e in shown if e["type"] not in ("join", "like")]
    assert shown_unsheddable == never_shed, "no chat, gift, follow or share dropped; in order"
    assert [e["seq"] for e in shown] == list(range(1, len(shown) + 1)), "shed events take no seq: no gap"

    metrics = runner.metrics.to_dict()
    assert metrics["totalComments"] == kinds.count("chat")
    assert metrics["totalJoins"] == kinds.count("join")
    assert metrics["totalLikes"] == max(e["totalLikes"] for e in sent if e["type"] == "like")
    assert metrics["totalGifts"] == kinds.count("gift") and metrics["totalDiamonds"] == 2 * kinds.count("gift")
    assert metrics["totalFollows"] == kinds.count("follow") and metrics["totalShares"] == kinds.count("share")
    assert [name for name, *_ in emitted].count("metrics") >= 1
    assert runner._store.snapshot("flooded")["series"] == runner.insights.series.points(), \
        "the series stored as counted, folded joins and likes included: what a snapshot shows"

    messages = [r.getMessage() for r in caplog.records if "flooded" in r.getMessage()]
    assert sum("folding joins and likes" in m for m in messages) == 1, "said once when shedding starts"
    assert sum("caught up" in m for m in messages) == 1, "and once when it stops"


def test_below_the_backlog_nothing_is_shed():
    emitted = []
    runner = _runner("calm", emit=lambda *args: emitted.append(args))
    sent = _flood(SHED_BACKLOG // 2)
    for i, event in enumerate(sent):
        runner._backlog.put_event(dict(event), i + 1)
    _drained(runner)
    assert runner.shed == 0
    assert sum(len(payload["events"]) for name, payload, _ in emitted if name == "live") == len(sent)


def test_the_upstream_reader_waits_while_the_backlog_is_full():
    runner = _runner("busy", emit=lambda *args: None)
    for i in range(PAUSE_BACKLOG):
        runner._backlog.put_event({"type": "chat", "ts": 1, "user": _user(i), "comment": "x"}, i + 1)

    async def reader_waits():
        waiting = asyncio.ensure_future(runner._backlog.between_frames())
        await asyncio.sleep(0.05)
        assert not waiting.done(), "held while the backlog is full"
        runner._backlog.take(timeout=0)  # the drain loop takes a batch: room again
        await asyncio.wait_for(waiting, timeout=1)

    asyncio.run(reader_waits())
