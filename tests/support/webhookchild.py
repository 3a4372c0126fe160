"""The webhooks' dispatcher in a process of its own, under eventlet as wsgi.py runs it (asyncio hub,
monkey_patch(select=False)), for the tests that kill it (kill -9) and for the bench.

    python tests/support/webhookchild.py '<settings JSON>'     (PYTHONPATH: the repository)

settings: {"url": database URL, "allowPrivate", "maxBackoff", "deadline", "claimSeconds", "sendTimeout",
"pollSeconds", "concurrency"} (all but url optional: the defaults are the product's). It migrates the database,
starts `Webhooks`, prints {"ready": true}, then reads one JSON command a line on stdin and prints one JSON
answer a line: {"op": "enqueue", "ruleId", "username", "url", "event"} -> {"deliveryId"}; {"op": "enqueueMany",
..., "count"} -> {"deliveryIds"}; {"op": "recent", "ruleId"} -> {"deliveries"}; {"op": "stats"} -> stats;
{"op": "stop"} -> {"stopped": true}, then exits. For the bench's baseline: {"op": "bare", "url", "secret", "count"}
sends the same signed POSTs with a plain httpx client from as many green threads, no queue -> {"ok": 2xx answers}.
"""

import os
import sys
import warnings

os.environ["EVENTLET_HUB"] = "asyncio"
warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

import eventlet  # noqa: E402

eventlet.monkey_patch(select=False)

import json  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402

import httpx  # noqa: E402
from eventlet import tpool  # noqa: E402

from assistant.actions.webhooks import RetryPolicy, Webhooks  # noqa: E402
from assistant.actions.webhooks.dispatcher import CLAIM_SECONDS, CONCURRENCY, POLL_SECONDS, SEND_TIMEOUT  # noqa: E402
from assistant.actions.webhooks.retries import DEADLINE_SECONDS, MAX_BACKOFF_SECONDS  # noqa: E402
from assistant.actions.webhooks.sender import headers  # noqa: E402
from assistant.actions.webhooks.signing import delivery_body  # noqa: E402
from assistant.logs import configure_logging  # noqa: E402
from assistant.records import migrate  # noqa: E402
from assistant.records.database import Database  # noqa: E402
from assistant.records.engine import make_engine  # noqa: E402


def answer(value):
    sys.stdout.write(json.dumps(value) + "\n")
    sys.stdout.flush()


_bare_clients = {}  # the baseline's client, made once (as the dispatcher's is): a new one loads the CA bundle


def send_bare(url, secret, count, event, concurrency):
    """The baseline: `count` signed POSTs from `concurrency` green threads with a plain httpx client."""
    if concurrency not in _bare_clients:
        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        _bare_clients[concurrency] = httpx.Client(timeout=SEND_TIMEOUT, limits=limits, follow_redirects=False)
    client = _bare_clients[concurrency]

    def post(n):
        delivery_id = uuid.uuid4().hex
        body = delivery_body(delivery_id, "bench", "bench", {**event, "n": n}, int(time.time() * 1000))
        return client.post(url, content=body, headers=headers(delivery_id, secret, body)).is_success

    return sum(eventlet.GreenPool(concurrency).imap(post, range(count)))


def main(settings):
    engine = make_engine(settings["url"])
    with engine.begin() as connection:
        migrate.upgrade(connection)
    policy = RetryPolicy(settings.get("maxBackoff", MAX_BACKOFF_SECONDS), settings.get("deadline", DEADLINE_SECONDS))
    webhooks = Webhooks(Database(engine), settings.get("allowPrivate", False), policy=policy,
                        send_timeout=settings.get("sendTimeout", SEND_TIMEOUT),
                        claim_seconds=settings.get("claimSeconds", CLAIM_SECONDS),
                        poll_seconds=settings.get("pollSeconds", POLL_SECONDS),
                        concurrency=settings.get("concurrency", CONCURRENCY))
    webhooks.start()
    answer({"ready": True})
    while line := tpool.execute(sys.stdin.readline):  # a blocking read, off the hub
        command = json.loads(line)
        op = command["op"]
        if op == "enqueue":
            answer({"deliveryId": webhooks.enqueue(command["ruleId"], command["username"], command["url"],
                                                   command["event"])})
        elif op == "enqueueMany":
            answer({"deliveryIds": [webhooks.enqueue(command["ruleId"], command["username"], command["url"],
                                                     {**command["event"], "n": n}) for n in range(command["count"])]})
        elif op == "recent":
            answer({"deliveries": webhooks.recent(command["ruleId"])})
        elif op == "stats":
            answer(webhooks.stats())
        elif op == "bare":
            answer({"ok": send_bare(command["url"], command["secret"], command["count"], command.get("event", {}),
                                    settings.get("concurrency", CONCURRENCY))})
        elif op == "stop":
            webhooks.stop()
            answer({"stopped": True})
            return


if __name__ == "__main__":
    configure_logging()  # the server's: INFO, redacted, the HTTP libraries' per-request lines quiet
    main(json.loads(sys.argv[1]))
