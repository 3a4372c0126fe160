"""`Webhooks`: enqueue deliveries without waiting, and send them from green threads (eventlet), at least once.

One green thread, the pump, does every database call of the dispatcher, each a single transaction through
`Database.run`: the deliveries enqueued since its last turn, the results of the tries that ended, and a claim
of as many due deliveries as there are free senders (queue.cycle). It turns when something is enqueued or a
try ends, and at least every POLL_SECONDS (retries that came due, deliveries other processes enqueued). The
senders, up to `concurrency` green threads, each POST one claimed delivery (sender.send). A burst of a thousand
deliveries is thus a few transactions, not a thousand.

Every process runs one: on SQLite the server's only process, on Postgres every process of a cluster, the
claims (queue.py) keeping two from sending one delivery at once.
"""

import json
import logging
import time
import uuid

import eventlet
from eventlet.queue import LightQueue
from eventlet.timeout import with_timeout

from . import queue
from .addresses import resolve, split_url
from .retries import RetryPolicy
from .sender import Outcome, send
from .signing import delivery_body
from .transport import make_client

logger = logging.getLogger(__name__)

SEND_TIMEOUT = 5.0  # seconds for a try, all told
CLAIM_SECONDS = 30.0  # how long a claim holds: past the send timeout, so only a dead or frozen claimer loses it
POLL_SECONDS = 1.0
CONCURRENCY = 32  # sends at once per process
PRUNE_SECONDS = 60.0
KEEP_PER_RULE = 50  # finished deliveries kept per rule (its list in /actions), past KEEP_SECONDS
KEEP_SECONDS = 24 * 3600.0
MAX_UNWRITTEN = 50_000  # enqueued deliveries held while the database is away; past it new ones are dropped
RETRY_WRITE_SECONDS = 1.0
DEFAULT_POLICY = RetryPolicy()


def _ms(seconds):
    return None if seconds is None else int(seconds * 1000)


class Webhooks:
    """`Webhooks(database, allow_private)` (an assistant.records.database.Database on the records' URL), then
    `start()`; `enqueue(...)` from any green thread; `recent(rule_id)` and `stats()` read; `stop()` at the end.
    The keyword arguments are for tests and benches; the defaults are the documented behaviour."""

    def __init__(self, database, allow_private=False, *, policy=DEFAULT_POLICY, send_timeout=SEND_TIMEOUT,
                 claim_seconds=CLAIM_SECONDS, poll_seconds=POLL_SECONDS, concurrency=CONCURRENCY, resolver=resolve,
                 verify=True):
        self._database = database
        self._policy = policy
        self._send_timeout = send_timeout
        self._claim_seconds = claim_seconds
        self._poll_seconds = poll_seconds
        self._client = make_client(send_timeout, allow_private, resolver, verify, max_connections=concurrency)
        self._senders = eventlet.GreenPool(concurrency)
        self._unwritten = []  # rows enqueued, not in the database yet
        self._writing = []  # rows of the transaction under way (still listed by `recent` until it commits)
        self._results = []  # outcomes of tries, not in the database yet
        self._wake = LightQueue(maxsize=1)
        self._pump = None
        self._stopping = False
        self._sending = 0
        self._dropped = 0
        self._database_failing = False
        self._next_prune = 0.0
        self._soonest_retry = None  # the earliest next try of this process's failed deliveries

    # --- the caller's side ------------------------------------------------------------------------------

    def enqueue(self, rule_id, username, url, event):
        """Queue one POST of `event` (the contract's event dict) to `url` for rule `rule_id`; returns its
        deliveryId at once: the row is written by the pump's next turn, then sent. Raises WebhookUrlError for a
        URL of the wrong form (rules.py has checked it already; its addresses are checked when connecting)."""
        split_url(url)
        now = time.time()
        delivery_id = uuid.uuid4().hex
        if len(self._unwritten) >= MAX_UNWRITTEN:
            self._dropped += 1
            if self._dropped == 1 or self._dropped % 1000 == 0:
                logger.error("webhooks: %d deliveries dropped: %d wait for the database already",
                             self._dropped, MAX_UNWRITTEN)
            return delivery_id
        body = delivery_body(delivery_id, rule_id, username, event, _ms(now)).decode("ascii")
        self._unwritten.append({"id": delivery_id, "rule_id": rule_id, "username": username, "url": url,
                                "body": body, "status": queue.PENDING, "tries": 0, "next_at": now,
                                "created_at": now, "updated_at": now, "last_status": None, "last_error": None,
                                "claim": None, "claimed_until": None})
        self._wake_pump()
        return delivery_id

    def recent(self, rule_id, limit=50):
        """The rule's newest deliveries, newest first: [{deliveryId, url, status, tries, createdAt, updatedAt,
        nextAt, lastStatus, lastError, eventType}] (times epoch ms; nextAt null unless pending)."""
        held = (*self._writing, *self._unwritten)
        waiting = [row for row in reversed(held) if row["rule_id"] == rule_id][:limit]
        stored = self._database.run(queue.recent, rule_id, limit - len(waiting)) if len(waiting) < limit else []
        return [self._shown(row) for row in (*waiting, *stored)]

    def stats(self):
        """{pending, delivered, dead, sending, dropped} for /debug: rows in the database (pending includes those
        enqueued here and not yet written), tries in flight in this process, deliveries dropped here."""
        counts = self._database.run(queue.counts)
        return {"pending": counts.get(queue.PENDING, 0) + len(self._writing) + len(self._unwritten),
                "delivered": counts.get(queue.DELIVERED, 0), "dead": counts.get(queue.DEAD, 0),
                "sending": self._sending, "dropped": self._dropped}

    @staticmethod
    def _shown(row):
        try:
            event_type = json.loads(row["body"])["event"]["type"]
        except (ValueError, KeyError, TypeError):
            event_type = None
        pending = row["status"] == queue.PENDING
        return {"deliveryId": row["id"], "url": row["url"], "status": row["status"], "tries": row["tries"],
                "createdAt": _ms(row["created_at"]), "updatedAt": _ms(row["updated_at"]),
                "nextAt": _ms(row["next_at"]) if pending else None, "lastStatus": row["last_status"],
                "lastError": row["last_error"], "eventType": event_type}

    # --- the pump ----------------------------------------------------------------------------------------

    def start(self):
        self._pump = eventlet.spawn(self._run)

    def stop(self):
        """Stop claiming, let the tries in flight end (each within the send timeout), write what is held."""
        if self._pump is None:
            return
        self._stopping = True
        self._wake_pump()
        self._pump.wait()
        self._pump = None
        self._client.close()

    def _wake_pump(self):
        if self._wake.qsize() == 0:
            self._wake.put_nowait(None)

    def _run(self):
        while not self._stopping:
            # woken, or the poll: retries that came due, deliveries other processes enqueued
            with_timeout(self._wait_seconds(), self._wake.get, timeout_value=None)
            try:
                if not self._turn(claim=not self._stopping):
                    eventlet.sleep(RETRY_WRITE_SECONDS)
                self._prune_when_due()
            except Exception:  # a defect: logged; the pump goes on (the deliveries are in the database)
                logger.exception("webhooks: the dispatcher's turn failed")
                eventlet.sleep(RETRY_WRITE_SECONDS)
        self._senders.waitall()
        if not self._turn(claim=False):
            logger.error("webhooks: stopped with %d deliveries and %d results not written (the database failed)",
                         len(self._unwritten), len(self._results))

    def _wait_seconds(self):
        """Until the next poll, or sooner when a retry of ours is due sooner (a 1 s retry is not left to wait
        for a poll)."""
        if self._soonest_retry is None:
            return self._poll_seconds
        wait = self._soonest_retry - time.time()
        if wait <= 0:
            self._soonest_retry = None
        return min(max(wait, 0.0), self._poll_seconds)

    def _turn(self, claim):
        """One database transaction: write what is held, claim due deliveries and start their senders. False
        when the database failed (what was held is kept for the next turn)."""
        rows, results = self._unwritten, self._results
        self._unwritten, self._results = [], []
        token = uuid.uuid4().hex
        now = time.time()
        limit = self._senders.free() if claim else 0
        self._writing = rows
        try:
            claimed = self._database.run(queue.cycle, rows, results, token, now, now + self._claim_seconds, limit)
        except Exception:
            self._writing = []
            self._unwritten[:0], self._results[:0] = rows, results
            if not self._database_failing:
                logger.exception("webhooks: the database failed; %d deliveries and %d results held, trying again",
                                 len(self._unwritten), len(self._results))
            self._database_failing = True
            return False
        self._writing = []
        if self._database_failing:
            logger.info("webhooks: the database answers again")
            self._database_failing = False
        for delivery in claimed:
            self._senders.spawn_n(self._try, delivery, token)
        return True

    def _try(self, delivery, token):
        self._sending += 1
        try:
            outcome = send(self._client, delivery, self._send_timeout)
        except Exception as ex:  # a defect: logged, and the delivery tried again like any failure
            logger.exception("webhooks: sending %s failed", delivery["id"])
            outcome = Outcome(False, None, f"internal error ({type(ex).__name__})")
        finally:
            self._sending -= 1
        self._results.append(self._result(delivery, token, outcome, time.time()))
        self._wake_pump()

    def _result(self, delivery, token, outcome, now):
        """The row's update after a try: delivered, pending with its next try, or dead past the deadline."""
        tries = delivery["tries"] + 1
        next_at = None if outcome.delivered else self._policy.next_try(tries, delivery["created_at"], now)
        if outcome.delivered:
            status = queue.DELIVERED
        else:
            status = queue.PENDING if next_at is not None else queue.DEAD
        if next_at is not None and (self._soonest_retry is None or next_at < self._soonest_retry):
            self._soonest_retry = next_at
        return {"b_id": delivery["id"], "b_claim": token, "b_status": status, "b_tries": tries,
                "b_next_at": now if next_at is None else next_at, "b_updated_at": now,
                "b_last_status": outcome.status, "b_last_error": (outcome.error or "")[: queue.ERROR_CHARS] or None}

    def _prune_when_due(self):
        now = time.time()
        if now < self._next_prune:
            return
        self._next_prune = now + PRUNE_SECONDS
        try:
            pruned = self._database.run(queue.prune, now - KEEP_SECONDS, KEEP_PER_RULE)
        except Exception:
            logger.exception("webhooks: pruning old deliveries failed")
            return
        if pruned:
            logger.info("webhooks: %d old deliveries pruned", pruned)
