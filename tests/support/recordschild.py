"""The records under eventlet as wsgi.py runs them (asyncio hub, monkey_patch(select=False)), for
test_records: events written by the writer's own green thread, read back, and the hub's longest pause
while that happened; printed as one JSON line.
`python tests/support/recordschild.py <database url> <instance folder>` (PYTHONPATH: the repository)."""

import os
import sys
import warnings

os.environ["EVENTLET_HUB"] = "asyncio"
warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

import eventlet  # noqa: E402

eventlet.monkey_patch(select=False)

import json  # noqa: E402
import time  # noqa: E402

from assistant.records import Records  # noqa: E402

BATCHES, PER_BATCH = 20, 100


def main(url, instance):
    settings = {"RECORD_STREAMS": True, "DATABASE_URL": url, "RECORD_RETENTION_DAYS": 30,
                "RECORD_QUEUE_EVENTS": 50_000}
    records = Records.from_config(settings, instance)
    gaps = []

    def heartbeat():  # wakes every 10 ms unless something blocks the hub
        last = time.monotonic()
        while True:
            eventlet.sleep(0.01)
            now = time.monotonic()
            gaps.append(now - last)
            last = now

    eventlet.spawn(heartbeat)
    records.open_live("carol", "room1", time.time(), 0, {})
    seq = 0
    for _ in range(BATCHES):
        batch = []
        for _ in range(PER_BATCH):
            seq += 1
            batch.append({"seq": seq, "type": "chat", "ts": 1_700_000_000_000 + seq, "comment": f"line, \"{seq}\" 🎉"})
        records.add_events("carol", "room1", batch, seq, {"totalComments": seq})
        eventlet.sleep(0.05)
    deadline = time.monotonic() + 10
    while records.stats()["written"] < seq and time.monotonic() < deadline:
        eventlet.sleep(0.05)  # no flush(): the writer's green thread writes by itself
    live = records.latest("carol")
    seqs = [event["seq"] for event in records.iter_events(live.id)]
    print(json.dumps({"stats": records.stats(), "seq": live.seq, "metrics": live.metrics, "health": records.health(),
                      "exported": seqs == list(range(1, seq + 1)), "maxGap": max(gaps)}))
    records.close()


if __name__ == "__main__":
    main(*sys.argv[1:])
