"""StreamRunner: one upstream TikTok connection per creator, shared by every session watching it.

Two green threads per runner:
- the supervisor runs one connection attempt after another (`TikTokStream.run` on eventlet's asyncio
  hub via `spawn_for_awaitable`), with reconnects, exponential backoff with jitter, sign-server
  rate-limit waits, and no retry once the stream has ended;
- the drain loop takes what the asyncio side put on the queue, numbers events (`seq`), counts them,
  appends them to the store (the creator's event log and state, which every process reads for
  snapshots and catch-up), then emits batched `live`, throttled `metrics` and `error` to the room.
Asyncio code never emits: it only puts on the queue (see DESIGN.md, "Runtime").

A runner runs on the process that holds the creator's lease (StreamRegistry claims it); taking over
from a process that died, it resumes `seq`, the totals and the connection time from the store. With
records on, every live is also kept in the database (recording.py): a restart in the middle of a live
goes on from its record, and a new live of the creator (a new room) starts its counts over.
"""

import asyncio
import logging
import math
import random
import time
from collections import OrderedDict

import eventlet
from eventlet.asyncio import spawn_for_awaitable
from eventlet.queue import Empty, LightQueue

from ..insights import LiveInsights
from ..metrics import StreamMetrics
from ..store import StoreUnavailable, signbudget
from ..tiktok import TikTokStream, UpstreamError, creator_live
from .recording import LiveRecording

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
SIGN_POLL_SECONDS = 1.0  # a queued runner asks for its start this often (its retryAfter counts down)
SIGN_ASK_POLL_SECONDS = 0.05  # how often the supervisor looks whether its attempt reached the sign request
STALL_CHECK_MAX_SECONDS = 5.0  # the stall watchdog looks at least this often
ROOM_CHECK_TIMEOUT_SECONDS = 10
# Chat ids remembered to drop what TikTok replays on a reconnect (it replays its last few lines).
_MESSAGE_IDS_KEPT = 256


async def _settled(awaitable):
    """Await and return (result, exception). Nothing may escape a coroutine run by `spawn_for_awaitable`:
    eventlet would report it from the hub as an unhandled error, on top of re-raising it to the waiter."""
    try:
        return await awaitable, None
    except (Exception, asyncio.CancelledError) as ex:  # a cancelled close or attempt is an outcome too
        return None, ex


def _chat_key(event):
    return (event.get("user") or {}).get("userId"), event.get("comment")


class _SignTurn:
    """A connection attempt's turn at the sign budget. The attempt (asyncio) awaits `take()` right before its
    sign request; the supervisor (a green thread) sees `asked`, takes a start from the budget, then `grant()`s.
    Green code may set an asyncio event (both run on the hub's loop, in one thread), but asyncio code never
    waits on eventlet's primitives (DESIGN.md, "Runtime"): hence the flag, which the supervisor polls."""

    def __init__(self):
        self.asked = False
        self._granted = asyncio.Event()

    async def take(self):
        self.asked = True
        await self._granted.wait()

    def grant(self):
        self._granted.set()


def backoff_delay(failures):
    """Seconds before reconnect attempt number `failures` (0-based): 0.5-1 s, then doubling, capped."""
    return min(MAX_BACKOFF_SECONDS, 2.0**failures) * random.uniform(0.5, 1.0)


class StreamRunner:
    """`state`: the creator's StreamState in the store (fresh for a new creator), to continue from.
    `on_reset(runner)`: the counts were replaced (restored from a record, or a new live started at zero):
    every watcher needs a fresh snapshot. `records`: the records database, or None."""

    def __init__(self, username, state, store, room, emit, on_status, on_reset=None, records=None,
                 streak_timeout=10.0, sign_budget=None, stall_seconds=60.0, max_viewers=5000):
        self.username = username
        self.room = room
        self.status = "reconnecting" if state.connected_at else "connecting"
        self.error = None  # {code, message, retryAfter?} of the last failure, while it holds
        self.queue = None  # {retryAfter, ahead} while `queued` for the sign budget
        self.seq = state.seq
        self.connected_at = state.connected_at  # epoch seconds of the first connection, by any owner
        self._streak_timeout = streak_timeout
        self._max_viewers = max_viewers
        self._count_afresh()
        self.metrics.restore(state.metrics)
        self.recording = LiveRecording(records, username)
        self._on_reset = on_reset
        self._ended_at = None  # the `end` event's ts, to close the record once its batch is written
        self._store = store
        self._sign_budget = sign_budget  # ((count, seconds), ...) or None: no budget kept
        self._stall_seconds = stall_seconds
        self._emit = emit
        self._on_status = on_status
        self._queue = LightQueue()
        self._message_ids = OrderedDict()
        # (userId, comment) of the chat already delivered before this runner (by a process that died, or
        # before a restart): TikTok replays its last lines on connect, and they are not numbered again.
        self._delivered_chat = set()
        self._stream = None  # the current connection attempt, and the green thread awaiting it
        self._attempt = None
        self._supervisor = None
        self._drainer = None
        self._stopped = False
        self._metrics_dirty = False
        self._metrics_sent_at = 0.0
        self.shed = state.shed  # joins and likes folded into counts, in all
        self._garbled_before = state.garbled  # undecodable upstream input in finished attempts
        self._store_down = False  # an outage is logged once, not per batch
        self._shedding = False
        self._folded_joins = 0
        self._folded_likes_total = 0

    def _count_afresh(self):
        """Totals, boards, series and viewer cards at zero: a new runner, or a new live of the creator."""
        self.insights = LiveInsights(self._max_viewers)
        self.metrics = StreamMetrics(streak_timeout=self._streak_timeout, on_gift=self.insights.count_gift)

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self):
        log.info("Runner for @%s started%s", self.username, f" at seq {self.seq}" if self.seq else "")
        if self.seq:  # taking over: the boards, series, viewer cards and recent chat go on from the stored ones
            self.insights.restore(*self._store.insights(self.username))
            self._remember_delivered(self._store.snapshot(self.username)["recent"])
        self._store_status()
        if self.connected_at:  # taking over from a process that died: its sessions see `reconnecting`
            self._on_status(self)
        self._drainer = eventlet.spawn(self._drain_forever)
        self._supervisor = eventlet.spawn(self._supervise)

    def restart_if_finished(self):
        """A new viewer of an ended (or failed) stream: try the creator again."""
        # The supervisor gives up only on an end or a creator that does not exist (None: not started yet).
        if self._supervisor is not None and self._supervisor.dead and not self._stopped:
            self._supervisor = eventlet.spawn(self._supervise)

    def stop(self, unwatched=False):
        """Close the upstream connection and end both green threads; safe to call twice. `unwatched`: the
        stop is for want of watchers, and ends the live's record (reason "stopped"). Any other stop (the
        lease went to another process, a shutdown) leaves the record live, for the runner that goes on with it
        (another process's, or this server's once restarted)."""
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
        if unwatched:  # after the drain loop: nothing is recorded into the live once it is closed
            self.recording.stopped()
        if self._sign_budget is not None:
            try:
                self._store.leave_sign_queue(self.username)
            except StoreUnavailable:
                pass  # the queue forgets a creator that stopped asking
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

    def state_fields(self):
        """The runner's part of the creator's StreamState, as the store keeps it."""
        return {**self._count_fields(), "status": self.status, "error": self.error, "connected_at": self.connected_at,
                "queue": self.queue}

    def _count_fields(self):
        return {"seq": self.seq, "metrics": self.metrics.to_dict(), "shed": self.shed, "garbled": self.garbled}

    # -- the supervisor: one connection attempt after another ----------------------------------

    def _supervise(self):
        failures = 0
        offline = False
        record = self.recording.previous()
        if record is not None:  # handed to the drain loop, which owns the counts; before any event
            self._queue.put(("restore", record, None))
        while not self._stopped:
            if offline:
                self._wait_until_live()
            turn = _SignTurn() if self._sign_budget is not None else None
            self._stream = TikTokStream(self.username, self._put_event, self._put_connected, self._wait_for_room,
                                        turn.take if turn is not None else None)
            self._queue.put(("status", self._connecting_status(), None))
            self._attempt = spawn_for_awaitable(_settled(self._stream.run()))
            try:
                if turn is not None:
                    self._grant_sign_turn(turn, self._attempt)
                outcome, error = self._watch_attempt(self._stream, self._attempt)
            finally:
                self._close_stream()
            if self._stopped:
                return
            offline = isinstance(error, UpstreamError) and error.code == "user_offline"
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

    def _wait_until_live(self):
        """An offline creator is looked at again every OFFLINE_POLL_SECONDS with TikTok's live check, which
        makes no sign request: only a creator that went live (or one the check cannot tell) costs a start."""
        while True:
            eventlet.sleep(OFFLINE_POLL_SECONDS)
            live, _ = spawn_for_awaitable(_settled(creator_live(self.username))).wait()
            if live is not False:
                return

    def _connecting_status(self):
        return "reconnecting" if self.connected_at else "connecting"

    def _grant_sign_turn(self, turn, attempt):
        """Let the attempt make its sign request once the budget allows a start. It asks right before that
        request, after the room lookup and the live check (which go to TikTok, not to the sign server): an
        attempt that fails before (TikTok unreachable, the creator offline or unknown) spends nothing."""
        while not turn.asked:
            if attempt.dead:
                return
            eventlet.sleep(SIGN_ASK_POLL_SECONDS)
        if self._wait_for_sign_budget():  # it said `queued`: back to connecting, now that the start is taken
            self._queue.put(("status", self._connecting_status(), None))
        turn.grant()

    def _wait_for_sign_budget(self):
        """Wait until the sign budget allows this start (it is counted then), `queued` meanwhile; True if it
        had to wait. Reconnects go before new creators (signbudget.py); the queue is the store's, so
        cluster-wide."""
        priority = signbudget.RECONNECT if self.connected_at else signbudget.NEW_CREATOR
        said = False
        while True:
            try:
                if not self._store.watcher_ids(self.username):  # nobody watches (the runner stops soon): no start
                    self._store.leave_sign_queue(self.username)
                    eventlet.sleep(SIGN_POLL_SECONDS)
                    continue
                granted, wait, ahead = self._store.take_sign_start(self.username, priority, self._sign_budget,
                                                                   time.time())
            except StoreUnavailable:
                eventlet.sleep(SIGN_POLL_SECONDS)
                continue
            if granted:
                if said:
                    log.info("Runner for @%s: the sign budget allows its start now", self.username)
                return said
            if not said:
                said = True
                log.info("Runner for @%s waits for the sign budget: about %.0f s, %d ahead", self.username, wait,
                         ahead)
            self._queue.put(("queued", {"retryAfter": max(1, math.ceil(wait)), "ahead": ahead}, None))
            eventlet.sleep(SIGN_POLL_SECONDS)

    def _watch_attempt(self, stream, attempt):
        """Wait for the connection attempt to finish: (outcome, error).

        A socket that closed without TikTok's end message, and (the stall watchdog) a connected stream that
        received nothing at all for STALL_SECONDS, TikTok's keep-alive frames included, are checked with
        TikTok's room-alive check: "ended" when the LIVE is over (no reconnect, no start spent), else
        "dropped" (reconnect)."""
        interval = min(STALL_CHECK_MAX_SECONDS, self._stall_seconds / 4)
        while True:
            result = None
            with eventlet.Timeout(interval, False):
                result = attempt.wait()
            if result is not None:
                outcome, error = result
                if outcome != "dropped" or self._stopped:  # stopped: the runner closed it
                    return result
                return self._room_outcome(stream), None
            silent = stream.silent_for()
            if silent is not None and silent >= self._stall_seconds:
                log.warning("Upstream connection to @%s stalled: nothing received for %.0f s; checking the room",
                            self.username, silent)
                return self._room_outcome(stream), None

    def _room_outcome(self, stream):
        """"ended" when TikTok says the room is no longer live, else "dropped"."""
        alive = None
        with eventlet.Timeout(ROOM_CHECK_TIMEOUT_SECONDS, False):
            alive, _ = spawn_for_awaitable(_settled(stream.room_alive())).wait()
        if alive is False:
            log.info("@%s's room is no longer live: the stream ended", self.username)
            return "ended"
        return "dropped"

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
            return 0  # _wait_until_live looks again
        if err.code == "rate_limited":
            log.warning("TikTok's sign server refused a start for @%s; no start for %d s", self.username,
                        err.retry_after)
            error["retryAfter"] = err.retry_after
            self._queue.put(("status", "error", error))
            if self._sign_budget is not None:  # the sign server's word corrects the budget: every start waits
                try:
                    self._store.block_sign_starts(time.time() + err.retry_after)
                    return 0
                except StoreUnavailable:
                    pass
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

    def _put_connected(self, room_id):
        self._queue.put(("connected", room_id, None))

    # -- the drain loop ------------------------------------------------------------------------

    def _drain_forever(self):
        while True:
            try:
                self._drain_once()
            except StoreUnavailable as ex:
                if not self._store_down:
                    self._store_down = True
                    log.warning("Runner for @%s cannot reach the store; events are not delivered: %s",
                                self.username, ex)
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
            if item[0] == "event":
                self._ingest(item[1], item[2], batch)
                continue
            self._publish(batch)
            batch = []
            if item[0] == "status":
                self._set_status(item[1], item[2])
            elif item[0] == "queued":
                self._set_queued(item[1])
            elif item[0] == "connected":
                self._joined_room(item[1])
                self._set_status("connected", None)
            else:
                self._restore(item[1])
        self._finalise_streaks(batch)
        self._publish(batch)
        self._take_folded()
        self._send_metrics_if_due()
        self._publish_insights()
        self.recording.touch_if_due()

    def _take_folded(self):
        joins, likes_total = self._folded_joins, self._folded_likes_total
        self._folded_joins = self._folded_likes_total = 0
        likes_before = self.metrics.likes
        if self.metrics.add_folded(joins, likes_total):
            self._metrics_dirty = True
            self.insights.series.add_folded(time.time() * 1000, joins, self.metrics.likes - likes_before)
        if self._shedding and self._queue.qsize() < SHED_BACKLOG // 2:
            self._shedding = False
            log.info("Runner for @%s caught up (%d joins and likes folded so far)", self.username, self.shed)

    def _finalise_streaks(self, batch, everything=False):
        """Count the streaks that timed out (`everything`: all open ones) and add their closing rows."""
        for ended_streak in self.metrics.expire_streaks(everything):
            self._metrics_dirty = True
            batch.append(self._number(ended_streak))

    def _ingest(self, event, message_id, batch):
        if event["type"] == "chat" and event.get("history") and _chat_key(event) in self._delivered_chat:
            return  # chat TikTok replays on connect, delivered before this runner (a restart, a takeover)
        if event["type"] == "chat" and message_id:
            if message_id in self._message_ids:
                return  # chat TikTok replayed again after a reconnect: shown and counted already
            self._message_ids[message_id] = None
            if len(self._message_ids) > _MESSAGE_IDS_KEPT:
                self._message_ids.popitem(last=False)
        if event["type"] == "end":  # the totals shown with the end are final: no streak is left open
            self._finalise_streaks(batch, everything=True)
            self._ended_at = event["ts"]
        likes_before = self.metrics.likes
        if self.metrics.apply(event):
            self._metrics_dirty = True
        self.insights.apply(event, likes_added=self.metrics.likes - likes_before)
        batch.append(self._number(event))

    def _number(self, event):
        self.seq += 1
        event["seq"] = self.seq
        return event

    def _publish(self, batch):
        """Store, then emit: a client catching up from the store and then joining the room misses nothing.
        The series points the batch changed are stored with it, so that a snapshot holds the open minute as of
        its `seq` (the `series` event that sends them comes later); so are those of joins and likes folded
        since the last write (an empty batch then)."""
        points = self.insights.series.unstored_points()
        if not batch and not points:
            return
        if not self._write(batch, self._count_fields(), points):
            return
        self.insights.series.mark_stored()
        if batch:
            self._emit("live", {"username": self.username, "events": batch}, self.room)
            self.recording.add(batch, self.seq, self.metrics.to_dict())
            if self._ended_at is not None:  # the record gets its final boards, series and cards whole
                self.recording.save_insights(self.insights.viewers.leaderboards(), self.insights.series.points(),
                                             self.insights.viewers.cards())
                self.recording.ended(self._ended_at)
                self._ended_at = None

    def _write(self, events, fields, points=()):
        """Write to the store; False (nothing written) once another process holds the creator's lease:
        the registry stops this runner at its next round."""
        written = self._store.publish(self.username, events, fields, points)
        if self._store_down:
            self._store_down = False
            log.info("Runner for @%s reaches the store again", self.username)
        return written

    def _store_status(self):
        self._write([], self.state_fields())

    def _send_metrics_if_due(self):
        now = time.monotonic()
        if self._metrics_dirty and now - self._metrics_sent_at >= METRICS_INTERVAL_SECONDS:
            self._metrics_dirty = False
            self._metrics_sent_at = now
            self._emit("metrics", {"username": self.username, "metrics": self.metrics.to_dict()}, self.room)

    def _publish_insights(self):
        """The viewer cards to the store, then `series` and `leaderboards` when due (the series points are
        stored already, with their events)."""
        now = time.monotonic()
        cards, forgotten = self.insights.due_cards(now)
        points = self.insights.due_points(now)
        if cards or forgotten:
            self._store.save_insights(self.username, [], cards, forgotten)
        if points:
            self._emit("series", {"username": self.username, "points": points}, self.room)
        boards = self.insights.due_leaderboards(now)
        if boards is not None and self._write([], {"leaderboards": boards}):
            self._emit("leaderboards", {"username": self.username, **boards}, self.room)
        self.recording.save_insights(boards, points, cards)

    # -- which live: restored from its record, continued, or a new one ----------------------------

    def _restore(self, record):
        """The creator's newest record, read before the first connection: `seq` never goes back, and when the
        record is ahead of the store (this process started during that live) its counts are taken up."""
        resumes = self.recording.resumes(record)
        if resumes:
            self._remember_delivered(record.recent_chat)
        if record.seq <= self.seq:
            return
        self.seq = record.seq
        if resumes:
            log.info("Runner for @%s continues the recorded live of room %s at seq %d", self.username,
                     record.room_id, record.seq)
            self._count_afresh()
            self.metrics.restore(record.metrics)
            self.insights.restore(record.series, record.cards)
            self.connected_at = self.connected_at or record.started_at
        self._replace_counts()

    def _remember_delivered(self, events):
        self._delivered_chat.update(_chat_key(event) for event in events if event["type"] == "chat")

    def _joined_room(self, room_id):
        if self.recording.is_new_live(room_id):
            log.info("Runner for @%s: a new live (room %s); its counts start at zero", self.username, room_id)
            self._count_afresh()
            self._delivered_chat = set()
            self.connected_at = time.time()
            self._replace_counts()
        self.recording.connected(room_id, self.connected_at or time.time(), self.seq, self.metrics.to_dict())

    def _replace_counts(self):
        """Store the replaced counts whole (boards, every series point, every card), then tell the watchers."""
        boards = self.insights.viewers.leaderboards()
        points, cards = self.insights.take_all()
        self._store.save_insights(self.username, points, cards, [], replace=True)
        if self._write([], {**self.state_fields(), "leaderboards": boards}) and self._on_reset is not None:
            self._on_reset(self)

    def _set_queued(self, queue):
        if self.status == "queued" and queue == self.queue:
            return
        self.status, self.error, self.queue = "queued", None, queue
        self._store_status()
        self._on_status(self)

    def _set_status(self, status, error):
        if status == self.status and error == self.error:
            return
        self.status, self.error, self.queue = status, error, None
        if status == "connected":
            self.connected_at = self.connected_at or time.time()
            log.info("Runner for @%s connected", self.username)
        elif status == "reconnecting":
            log.info("Runner for @%s reconnecting", self.username)
        self._store_status()
        if error is not None:
            self._emit("error", error, self.room)
        self._on_status(self)
