"""The decode check: a share of a stream's frames (DECODE_CHECK_RATE) decoded a second time by TikTokLive's own
decoder and the former normalisation, off the per-frame path, and the events compared with the fast path's
(tiktok/compare.py). The fast decode reads only the fields the app uses: a change of TikTok's messages could
make it read wrong values without a word; this is where it would show (`decodeCheck` in /debug streams).

Off the per-frame path: the reader only draws a random number per frame and, for a sampled one, puts the frame
on a bounded queue (full: dropped and counted). The runner's worker, a green thread, hands each frame to a real
thread (eventlet's tpool), since decoding with betterproto2 costs about half a millisecond a message, and a
class's first use far more (its field metadata is built then, up to a tenth of a second a class): there the
interpreter lock changes hands every few milliseconds, so the hub is never held long. The decode is paced to
CPU_SHARE of one core for the whole process (one frame at a time, across streams, then a pause in proportion
to its CPU time); what a busier stream samples meanwhile waits in its queue, or is dropped. The classes' first
uses are not paced, but made apart (tiktok/reference.py `prepare`), once per type and process: those nearly
every frame needs when the process's first check starts, the others on the first frame that carries them.

A difference is logged at most once a minute per stream, with the method and the field, never the values (they
are viewers' content).
"""

import logging
import random
import time

import eventlet
from eventlet import tpool
from eventlet.queue import Full, LightQueue
from eventlet.semaphore import Semaphore

from ..tiktok import compare_frame, prepare_reference, warm_reference

log = logging.getLogger(__name__)

QUEUE_FRAMES = 32  # sampled frames waiting for the check, per stream; past it they are dropped (counted)
CPU_SHARE = 0.005  # of one core, for the checks of all the process's streams
LOG_INTERVAL_SECONDS = 60.0

COUNTS = ("checked", "differed", "referenceFailed", "dropped")


def counts(stored=None):
    """The `decodeCheck` object (docs/http.md): `stored`'s counts (as a runner stored them, or None), whole."""
    stored = stored or {}
    return {**{name: stored.get(name, 0) for name in COUNTS}, "last": stored.get("last")}


class _Pacing:
    """One check at a time in the process, and after each a pause that keeps the checks to CPU_SHARE."""

    def __init__(self):
        self.turn = Semaphore(1)
        self.next_start = 0.0
        self.warmed = False


_PACING = _Pacing()


def _timed(data):
    """In a real thread: the classes of the frame's messages made ready, then compare_frame(data), and the
    thread's CPU time the comparison took."""
    prepare_reference(data)
    started = time.thread_time()
    comparison = compare_frame(data)
    return comparison, time.thread_time() - started


class DecodeCheck:
    """The check of `username`'s frames, at `rate` (0 to 1; 0: off), continuing the counts `before` (as
    stored, or None). `sample(frame)` is called by the reader for every frame; `start()` and `stop()` by the
    runner; `state()` is what the runner stores."""

    def __init__(self, username, rate, before=None):
        self.username = username
        self.rate = rate
        self._counts = counts(before)
        self._queue = LightQueue(QUEUE_FRAMES)
        self._worker = None
        self._logged_at = None
        self._unlogged = 0

    def sample(self, data):
        """On the reader's path, for every frame: queue a share `rate` of them for the check."""
        if random.random() >= self.rate:
            return
        try:
            self._queue.put_nowait(data)
        except Full:
            self._counts["dropped"] += 1

    def start(self):
        if self.rate > 0 and self._worker is None:
            self._worker = eventlet.spawn(self._work)

    def stop(self):
        if self._worker is not None:
            self._worker.kill()
            self._worker = None

    def state(self):
        return dict(self._counts)

    def _work(self):
        with _PACING.turn:
            if not _PACING.warmed:  # the classes nearly every frame needs, before the process's first frame
                _PACING.warmed = True
                try:
                    tpool.execute(warm_reference)
                except Exception:  # they are then made on first use
                    log.exception("Decode check: TikTokLive's classes could not be made ready ahead")
        while True:
            data = self._queue.get()
            with _PACING.turn:
                eventlet.sleep(max(0.0, _PACING.next_start - time.monotonic()))
                comparison, cpu = self._compare(data)
                _PACING.next_start = time.monotonic() + cpu / CPU_SHARE - cpu
            if comparison is not None:
                self.count(comparison)

    def _compare(self, data):
        """compare_frame(data) in a real thread: (Comparison, the thread's CPU seconds), or (None, 0.0) when the
        check itself failed (logged: its own bug must not end it)."""
        try:
            return tpool.execute(_timed, data)
        except Exception as ex:  # the error's text may quote the frame's content: only its type is logged
            log.error("Decode check of @%s failed on a frame: %s", self.username, type(ex).__name__)
            return None, 0.0

    def count(self, comparison):
        """Count one frame's Comparison (a frame without messages is not counted); log a difference."""
        if not comparison.messages and not comparison.reference_failed:
            return
        self._counts["checked"] += 1
        if comparison.reference_failed:
            self._counts["referenceFailed"] += 1
        if comparison.difference is not None:
            method, field = comparison.difference
            self._counts["differed"] += 1
            self._counts["last"] = {"method": method, "field": field}
            self._log_difference(method, field)

    def _log_difference(self, method, field):
        now = time.monotonic()
        if self._logged_at is not None and now - self._logged_at < LOG_INTERVAL_SECONDS:
            self._unlogged += 1
            return
        unlogged, self._logged_at, self._unlogged = self._unlogged, now, 0
        log.warning("Decode check of @%s: the fast decode differs from TikTokLive's on a %s, field %s (%d of %d "
                    "frames checked differ%s)", self.username, method, field, self._counts["differed"],
                    self._counts["checked"], f"; {unlogged} not logged since the last" if unlogged else "")
