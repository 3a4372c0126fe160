"""ConnectionSupervisor: a runner's connection to TikTok, one attempt after another, until the LIVE ends.

Its green thread runs each connection attempt (`TikTokStream.run` on eventlet's asyncio hub, via
`spawn_for_awaitable`): it waits for an offline creator to go live, takes the attempt's start from the
sign budget right before its sign request (`queued` meanwhile), watches the attempt (the stall watchdog,
and TikTok's room check when the socket closes), and reconnects with exponential backoff and jitter, or
after the sign server's rate limit; it gives up once the LIVE has ended or the creator does not exist.

It counts nothing: each status it reaches goes to the runner's drain loop as a signal (signals.py) on the
runner's backlog (backlog.py), and each attempt's events and its pauses between frames go through that
backlog too.
"""

import asyncio
import logging
import math
import random
import time

import eventlet
from eventlet.asyncio import spawn_for_awaitable

from ..store import StoreUnavailable, signbudget
from ..tiktok import TikTokStream, UpstreamError, creator_live
from .signals import Connected, SignQueued, StatusChanged

log = logging.getLogger(__name__)

OFFLINE_POLL_SECONDS = 30  # how often to look again whether an offline creator went live
MAX_BACKOFF_SECONDS = 60
STOP_TIMEOUT_SECONDS = 5
SIGN_POLL_SECONDS = 1.0  # a queued runner asks for its start this often (its retryAfter counts down)
SIGN_ASK_POLL_SECONDS = 0.05  # how often the supervisor looks whether its attempt reached the sign request
STALL_CHECK_MAX_SECONDS = 5.0  # the stall watchdog looks at least this often
ROOM_CHECK_TIMEOUT_SECONDS = 10
# Failures that another attempt cannot mend: no such creator; an age-restricted LIVE and no TikTok login
# (the settings are read at start).
GIVE_UP_CODES = ("user_not_found", "age_restricted")


async def _settled(awaitable):
    """Await and return (result, exception). Nothing may escape a coroutine run by `spawn_for_awaitable`:
    eventlet would report it from the hub as an unhandled error, on top of re-raising it to the waiter."""
    try:
        return await awaitable, None
    except (Exception, asyncio.CancelledError) as ex:  # a cancelled close or attempt is an outcome too
        return None, ex


class _SignTurn:
    """A connection attempt's turn at the sign budget. The attempt (asyncio) awaits `take()` right before its
    sign request; the supervisor (a green thread) sees `asked`, takes a start from the budget, then `grant()`s.
    Green code may set an asyncio event (both run on the hub's loop, in one thread), but asyncio code never
    waits on eventlet's primitives (docs/architecture.md, "Runtime"): hence the flag, which the supervisor
    polls."""

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


class ConnectionSupervisor:
    """The connection of `username`'s runner. `settings`: the runner's (its `sign_budget`, ((count, seconds),
    ...) or None for no budget kept, and its `stall_seconds` are read here). All it knows of the runner:
    `backlog`, where the signals and the events go; `was_connected()`, whether the creator was ever
    connected (by any owner), for `reconnecting` rather than `connecting` and a reconnect's priority at the
    sign budget; `before_first_attempt()`, called in its green thread before each run's first attempt; what
    every attempt's decoder counts into and samples for: `skipped` ({method: count}) and `decode_check` (or
    None) (tiktok/decode.py); and `capture`, the runner's LiveCapture (capture.py) or None, which each attempt
    hands what TikTok sends. `follow_after_end()`: whether, after the LIVE ended, to wait for the next one
(a wall shows the creator) rather than give up; None: never."""

    def __init__(self, username, store, settings, backlog, was_connected, before_first_attempt, skipped=None,
                 decode_check=None, capture=None, follow_after_end=None):
        self.username = username
        self._follow_after_end = follow_after_end
        self._skipped = skipped
        self._decode_check = decode_check
        self._store = store
        self._sign_budget = settings.sign_budget
        self._stall_seconds = settings.stall_seconds
        self._backlog = backlog
        self._was_connected = was_connected
        self._before_first_attempt = before_first_attempt
        self._capture = capture
        self._garbled_before = 0  # undecodable upstream input in finished attempts
        self._stream = None  # the current connection attempt, and the green thread awaiting it
        self._attempt = None
        self._thread = None
        self._stopped = False

    def start(self):
        self._thread = eventlet.spawn(self._supervise)

    def restart_if_finished(self):
        """Start again after giving up (on an end, or a creator that does not exist); else nothing."""
        if self._thread is not None and self._thread.dead and not self._stopped:
            self.start()

    def stop(self):
        """Close the connection, end the green thread and leave the sign budget's queue."""
        self._stopped = True
        # Close first, here: a killed supervisor would run the close in its `finally` without anyone
        # waiting for it, and a shutting-down process would exit before the socket is closed.
        self._close_stream()
        if self._thread is not None:
            self._thread.kill()
        if self._sign_budget is not None:
            try:
                self._store.leave_sign_queue(self.username)
            except StoreUnavailable:
                pass  # the queue forgets a creator that stopped asking

    @property
    def garbled(self):
        """Upstream frames and messages that could not be decoded (skipped), over every attempt so far."""
        return self._garbled_before + (self._stream.garbled if self._stream is not None else 0)

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

    def _supervise(self):
        failures = 0
        offline = False
        self._before_first_attempt()
        while not self._stopped:
            if offline:
                self._wait_until_live()
            turn = _SignTurn() if self._sign_budget is not None else None
            self._stream = TikTokStream(self.username, self._backlog.put_event, self._connected,
                                        self._backlog.between_frames, turn.take if turn is not None else None,
                                        self._skipped, self._decode_check, self._capture)
            self._backlog.put(StatusChanged(self._connecting_status()))
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
                self._backlog.put(StatusChanged("ended"))
                if not self._waits_for_next_live():
                    return
                offline, delay = True, 0
            else:
                log.info("Upstream connection to @%s dropped; reconnecting", self.username)
                self._backlog.put(StatusChanged("reconnecting"))
                failures = 0
                delay = backoff_delay(failures)
            if delay is None:
                return
            eventlet.sleep(delay)

    def _waits_for_next_live(self):
        """After an end: whether to wait for the creator's next LIVE (as for an offline creator), which a wall
        showing it wants; a dashboard's watch ends with the LIVE."""
        if self._follow_after_end is None:
            return False
        try:
            return bool(self._follow_after_end())
        except StoreUnavailable:
            return True  # it is asked again at the next end; waiting costs no start

    def _connected(self, room_id, owner_id):
        """The attempt's `on_connected` (asyncio side)."""
        self._backlog.put(Connected(room_id, owner_id))

    def _connecting_status(self):
        return "reconnecting" if self._was_connected() else "connecting"

    def _wait_until_live(self):
        """An offline creator is looked at again every OFFLINE_POLL_SECONDS with TikTok's live check, which
        makes no sign request: only a creator that went live (or one the check cannot tell) costs a start."""
        while True:
            eventlet.sleep(OFFLINE_POLL_SECONDS)
            live, _ = spawn_for_awaitable(_settled(creator_live(self.username))).wait()
            if live is not False:
                return

    def _grant_sign_turn(self, turn, attempt):
        """Let the attempt make its sign request once the budget allows a start. It asks right before that
        request, after the room lookup and the live check (which go to TikTok, not to the sign server): an
        attempt that fails before (TikTok unreachable, the creator offline or unknown) spends nothing."""
        while not turn.asked:
            if attempt.dead:
                return
            eventlet.sleep(SIGN_ASK_POLL_SECONDS)
        if self._wait_for_sign_budget():  # it said `queued`: back to connecting, now that the start is taken
            self._backlog.put(StatusChanged(self._connecting_status()))
        turn.grant()

    def _wait_for_sign_budget(self):
        """Wait until the sign budget allows this start (it is counted then), `queued` meanwhile; True if it
        had to wait. Reconnects go before new creators (signbudget.py); the queue is the store's, so
        cluster-wide."""
        priority = signbudget.RECONNECT if self._was_connected() else signbudget.NEW_CREATOR
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
            self._backlog.put(SignQueued(retry_after=max(1, math.ceil(wait)), ahead=ahead))
            eventlet.sleep(SIGN_POLL_SECONDS)

    def _watch_attempt(self, stream, attempt):
        """Wait for the connection attempt to finish: (outcome, error).

        A socket that closed without TikTok's end message, and (the stall watchdog) a connected stream that
        received nothing at all for `stall_seconds`, TikTok's keep-alive frames included, are checked with
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
        if err.code in GIVE_UP_CODES:
            self._backlog.put(StatusChanged("error", error))
            return None
        if err.code == "user_offline":
            self._backlog.put(StatusChanged("offline", error))
            return 0  # _wait_until_live looks again
        if err.code == "rate_limited":
            log.warning("TikTok's sign server refused a start for @%s; no start for %d s", self.username,
                        err.retry_after)
            error["retryAfter"] = err.retry_after
            self._backlog.put(StatusChanged("error", error))
            if self._sign_budget is not None:  # the sign server's word corrects the budget: every start waits
                try:
                    self._store.block_sign_starts(time.time() + err.retry_after)
                    return 0
                except StoreUnavailable:
                    pass
            return err.retry_after + random.uniform(0, 1)
        log.warning("Upstream connection to @%s failed: %s", self.username, err.message)
        self._backlog.put(StatusChanged("error", error))
        return backoff_delay(failures)
