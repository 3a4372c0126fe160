"""StreamRunner: one upstream TikTok connection per creator, shared by every session watching it.

Two green threads per runner:
- the supervisor runs one connection attempt after another (`TikTokStream.run` on eventlet's asyncio
  hub via `spawn_for_awaitable`), with reconnects, exponential backoff with jitter, sign-server
  rate-limit waits, and no retry once the stream has ended;
- the drain loop takes what the asyncio side put on the queue, numbers events (`seq`), counts them,
  keeps the recent ones, and emits batched `live`, throttled `metrics` and `error` to the room.
Asyncio code never emits: it only puts on the queue (see DESIGN.md, "Runtime").
"""

import asyncio
import logging
import random
import time
from collections import OrderedDict, deque
from datetime import UTC, datetime

import eventlet
from eventlet.asyncio import spawn_for_awaitable
from eventlet.queue import Empty, LightQueue

from .memory import release_freed_memory
from .metrics import StreamMetrics
from .tiktok import TikTokStream, UpstreamError

log = logging.getLogger(__name__)

BATCH_WINDOW_SECONDS = 0.05  # how long a burst may gather before one `live` emit
METRICS_INTERVAL_SECONDS = 0.25  # at most ~4 `metrics` emits a second
MAX_BATCH = 1000
# The queue from the upstream reader to the drain loop is bounded (in items). Past SHED_BACKLOG, joins
# and likes are folded into counts instead of queued (totals stay exact; no row, no seq); past
# PAUSE_BACKLOG the reader waits between frames, so that a flood backs up into its own upstream
# socket. Chat, gifts, follows, shares and the end are never dropped.
SHED_BACKLOG = 1000
PAUSE_BACKLOG = 4000
PAUSE_SECONDS = 0.01
SHEDDABLE = frozenset(("join", "like"))
OFFLINE_POLL_SECONDS = 30  # how often to look again whether an offline creator went live
MAX_BACKOFF_SECONDS = 60
STOP_TIMEOUT_SECONDS = 5
# Chat ids remembered to drop what TikTok replays on a reconnect (it replays its last few lines).
_MESSAGE_IDS_KEPT = 256


async def _settled(awaitable):
    """Await and return (result, exception). Nothing may escape a coroutine run by `spawn_for_awaitable`:
    eventlet would report it from the hub as an unhandled error, on top of re-raising it to the waiter."""
    try:
        return await awaitable, None
    except (Exception, asyncio.CancelledError) as ex:  # a cancelled close or attempt is an outcome too
        return None, ex


def backoff_delay(failures):
    """Seconds before reconnect attempt number `failures` (0-based): 0.5-1 s, then doubling, capped."""
    return min(MAX_BACKOFF_SECONDS, 2.0**failures) * random.uniform(0.5, 1.0)


class StreamRunner:
    def __init__(self, username, room, emit, on_status, recent_events=500, streak_timeout=10.0):
        self.username = username
        self.room = room
        self.status = "connecting"
        self.error = None  # {code, message, retryAfter?} of the last failure, while it holds
        self.seq = 0
        self.connected_at = None
        self.metrics = StreamMetrics(streak_timeout=streak_timeout)
        self.recent = deque(maxlen=recent_events)
        self._emit = emit
        self._on_status = on_status
        self._queue = LightQueue()
        self._message_ids = OrderedDict()
        self._stream = None  # the current connection attempt, and the green thread awaiting it
        self._attempt = None
        self._supervisor = None
        self._drainer = None
        self._stopped = False
        self._metrics_dirty = False
        self._metrics_sent_at = 0.0
        self.shed = 0  # joins and likes folded into counts, in all
        self._garbled_before = 0  # undecodable upstream input in finished attempts
        self._shedding = False
        self._folded_joins = 0
        self._folded_likes_total = 0

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self):
        log.info("Runner for @%s started", self.username)
        self._drainer = eventlet.spawn(self._drain_forever)
        self._supervisor = eventlet.spawn(self._supervise)

    def restart_if_finished(self):
        """A new viewer of an ended (or failed) stream: try the creator again."""
        if self._supervisor.dead:  # the supervisor gives up only on an end or a creator that does not exist
            self._supervisor = eventlet.spawn(self._supervise)

    def stop(self):
        """Close the upstream connection and end both green threads; safe to call twice."""
        if self._stopped:
            return
        self._stopped = True
        # Close first, here: a killed supervisor would run the close in its `finally` without anyone
        # waiting for it, and a shutting-down process would exit before the socket is closed.
        self._close_stream()
        if self._supervisor is not None:
            self._supervisor.kill()
        if self._drainer is not None:
            self._drainer.kill()
        log.info("Runner for @%s stopped", self.username)

    def _close_stream(self):
        """Close the current connection attempt; if it will not close in time, cancel its coroutine."""
        stream, attempt = self._stream, self._attempt
        self._stream = self._attempt = None
        if stream is None:
            return
        self._garbled_before += stream.garbled
        try:
            with eventlet.Timeout(STOP_TIMEOUT_SECONDS):
                _, error = spawn_for_awaitable(_settled(stream.close())).wait()
        except eventlet.Timeout:
            error = "timed out"
        if error is not None:
            log.warning("Closing the upstream connection to @%s failed: %s", self.username, error)
        if attempt is not None and not attempt.dead:
            attempt.kill()  # cancels the coroutine: nothing goes on reading from TikTok

    # -- what sessions read -------------------------------------------------------------------

    @property
    def garbled(self):
        """Upstream frames and messages that could not be decoded (skipped), over every attempt."""
        return self._garbled_before + (self._stream.garbled if self._stream is not None else 0)

    @property
    def is_connecting(self):
        return self.status in ("connecting", "reconnecting")

    @property
    def has_connection(self):
        return self.status == "connected"

    def snapshot(self):
        return {
            "username": self.username,
            "seq": self.seq,
            "metrics": self.metrics.to_dict(),
            "recent": list(self.recent),
        }

    def events_since(self, last_seq):
        """The kept events after `last_seq`, in order; None when some of them are no longer kept."""
        if last_seq >= self.seq:
            return []
        if not self.recent or self.recent[0]["seq"] > last_seq + 1:
            return None
        return [event for event in self.recent if event["seq"] > last_seq]

    # -- the supervisor: one connection attempt after another ----------------------------------

    def _supervise(self):
        failures = 0
        while not self._stopped:
            self._stream = TikTokStream(self.username, self._put_event, self._put_connected, self._wait_for_room)
            self._queue.put(("status", "reconnecting" if self.connected_at else "connecting", None))
            self._attempt = spawn_for_awaitable(_settled(self._stream.run()))
            try:
                outcome, error = self._attempt.wait()
            finally:
                self._close_stream()
            if self._stopped:
                return
            if error is not None:
                delay = self._after_failure(error, failures)
                failures += 1
            elif outcome == "ended":
                self._queue.put(("status", "ended", None))
                return
            else:
                log.info("Upstream connection to @%s dropped; reconnecting", self.username)
                self._queue.put(("status", "reconnecting", None))
                failures = 0
                delay = backoff_delay(failures)
            if delay is None:
                return
            eventlet.sleep(delay)

    def _after_failure(self, err, failures):
        """Report a failed attempt; return the seconds to wait before the next, or None to give up."""
        if not isinstance(err, UpstreamError):
            log.error("Upstream connection to @%s failed unexpectedly", self.username, exc_info=err)
            err = UpstreamError("upstream_error", f"The connection to @{self.username} failed")
        error = {"code": err.code, "message": err.message}
        if err.code == "user_not_found":
            self._queue.put(("status", "error", error))
            return None
        if err.code == "user_offline":
            self._queue.put(("status", "offline", error))
            return OFFLINE_POLL_SECONDS
        if err.code == "rate_limited":
            error["retryAfter"] = err.retry_after
            self._queue.put(("status", "error", error))
            return err.retry_after + random.uniform(0, 1)
        log.warning("Upstream connection to @%s failed: %s", self.username, err.message)
        self._queue.put(("status", "error", error))
        return backoff_delay(failures)

    # -- called from the asyncio side: only queue puts -------------------------------------------

    def _put_event(self, event, message_id):
        if self._stopped:
            return
        if event["type"] in SHEDDABLE and self._queue.qsize() >= SHED_BACKLOG:
            self._fold(event)
        else:
            self._queue.put(("event", event, message_id))

    def _fold(self, event):
        """Count a join or like without queueing it: the drain loop adds the counts to the totals."""
        if not self._shedding:
            self._shedding = True
            log.warning("Runner for @%s is behind (%d queued): folding joins and likes into counts",
                        self.username, self._queue.qsize())
        self.shed += 1
        if event["type"] == "join":
            self._folded_joins += 1
        else:
            self._folded_likes_total = max(self._folded_likes_total, event.get("totalLikes") or 0)

    async def _wait_for_room(self):
        """Awaited by the upstream reader between frames: holds it while the drain loop is far behind."""
        while not self._stopped and self._queue.qsize() >= PAUSE_BACKLOG:
            await asyncio.sleep(PAUSE_SECONDS)

    def _put_connected(self):
        self._queue.put(("status", "connected", None))

    # -- the drain loop ------------------------------------------------------------------------

    def _drain_forever(self):
        while True:
            try:
                self._drain_once()
            except Exception:
                log.exception("Runner for @%s: failed to publish a batch", self.username)

    def _drain_once(self):
        try:
            first = self._queue.get(timeout=METRICS_INTERVAL_SECONDS)
        except Empty:
            items = []
        else:
            if self._queue.qsize() < MAX_BATCH:  # a full batch waiting already: no reason to let more gather
                eventlet.sleep(BATCH_WINDOW_SECONDS)
            items = [first]
            while len(items) < MAX_BATCH:
                try:
                    items.append(self._queue.get_nowait())
                except Empty:
                    break
        batch = []
        for item in items:
            if item[0] == "status":
                self._publish(batch)
                batch = []
                self._set_status(item[1], item[2])
            else:
                self._ingest(item[1], item[2], batch)
        self._finalise_streaks(batch)
        self._publish(batch)
        self._take_folded()
        self._send_metrics_if_due()

    def _take_folded(self):
        joins, likes_total = self._folded_joins, self._folded_likes_total
        self._folded_joins = self._folded_likes_total = 0
        if self.metrics.add_folded(joins, likes_total):
            self._metrics_dirty = True
        if self._shedding and self._queue.qsize() < SHED_BACKLOG // 2:
            self._shedding = False
            log.info("Runner for @%s caught up (%d joins and likes folded so far)", self.username, self.shed)

    def _finalise_streaks(self, batch, everything=False):
        """Count the streaks that timed out (`everything`: all open ones) and add their closing rows."""
        for ended_streak in self.metrics.expire_streaks(everything):
            self._metrics_dirty = True
            batch.append(self._number(ended_streak))

    def _ingest(self, event, message_id, batch):
        if event["type"] == "chat" and message_id:
            if message_id in self._message_ids:
                return  # chat TikTok replayed again after a reconnect: shown and counted already
            self._message_ids[message_id] = None
            if len(self._message_ids) > _MESSAGE_IDS_KEPT:
                self._message_ids.popitem(last=False)
        if event["type"] == "end":  # the totals shown with the end are final: no streak is left open
            self._finalise_streaks(batch, everything=True)
        if self.metrics.apply(event):
            self._metrics_dirty = True
        batch.append(self._number(event))

    def _number(self, event):
        self.seq += 1
        event["seq"] = self.seq
        self.recent.append(event)
        return event

    def _publish(self, batch):
        if batch:
            self._emit("live", {"username": self.username, "events": batch}, self.room)

    def _send_metrics_if_due(self):
        now = time.monotonic()
        if self._metrics_dirty and now - self._metrics_sent_at >= METRICS_INTERVAL_SECONDS:
            self._metrics_dirty = False
            self._metrics_sent_at = now
            self._emit("metrics", {"username": self.username, "metrics": self.metrics.to_dict()}, self.room)

    def _set_status(self, status, error):
        if status == self.status and error == self.error:
            return
        self.status, self.error = status, error
        if status == "connected":
            self.connected_at = self.connected_at or datetime.now(UTC)
            log.info("Runner for @%s connected", self.username)
        elif status == "reconnecting":
            log.info("Runner for @%s reconnecting", self.username)
        if error is not None:
            self._emit("error", error, self.room)
        self._on_status(self)


class StreamLimitError(Exception):
    """MAX_STREAMS creators are followed already."""


class StreamRegistry:
    """The ref-counted map of runners: one per creator, stopped after a grace once nobody watches."""

    def __init__(self, make_runner, grace_seconds, max_streams):
        self._make_runner = make_runner
        self._grace = grace_seconds
        self._max_streams = max_streams
        self._runners = {}
        self._refs = {}
        self._pending_stops = {}

    def acquire(self, username):
        runner = self._runners.get(username)
        if runner is None:
            if len(self._runners) >= self._max_streams:
                raise StreamLimitError(f"This server follows {self._max_streams} creators already")
            runner = self._runners[username] = self._make_runner(username)
            self._refs[username] = 0
            runner.start()
        else:
            pending = self._pending_stops.pop(username, None)
            if pending is not None:
                pending.cancel()
            runner.restart_if_finished()
        self._refs[username] += 1
        return runner

    def release(self, username, linger=True):
        """One session fewer watches `username`. With nobody left the runner stops: after the grace when
        `linger` (a live session unwatched or switched, and may come back), else at once (a session
        removed after its own grace: the reconnect window is over)."""
        if not self._refs.get(username):
            log.warning("Release of @%s, which no session holds: ignored", username)
            return
        self._refs[username] -= 1
        if self._refs[username] > 0:
            return
        if linger:
            log.info("Runner for @%s has no sessions; stopping in %.0f s", username, self._grace)
            self._pending_stops[username] = eventlet.spawn_after(self._grace, self._stop_if_unused, username)
        else:
            log.info("Runner for @%s has no sessions; stopping now", username)
            self._stop_if_unused(username)

    def _stop_if_unused(self, username):
        self._pending_stops.pop(username, None)
        if self._refs.get(username) == 0:
            del self._refs[username]
            self._runners.pop(username).stop()
            if not self._runners:
                release_freed_memory()

    def get(self, username):
        return self._runners.get(username)

    def runners(self):
        return list(self._runners.values())

    def sessions_watching(self, username):
        return self._refs.get(username, 0)

    def stop_all(self):
        for pending in self._pending_stops.values():
            pending.cancel()
        self._pending_stops.clear()
        self._refs.clear()
        while self._runners:  # popped one by one: a stop yields, and nothing else may find it meanwhile
            _, runner = self._runners.popitem()
            runner.stop()
