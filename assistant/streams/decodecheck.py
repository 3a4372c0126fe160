"""The decode check: a share of a stream's frames (DECODE_CHECK_RATE) decoded a second time by TikTokLive's own
decoder and the former normalisation, off the per-frame path, and the events compared with the fast path's
(tiktok/compare.py). The fast decode reads only the fields the app uses: a change of TikTok's messages could
make it read wrong values without a word; this is where it would show (`decodeCheck` in /debug streams).

Off the per-frame path: the reader only draws a random number per frame and, for a sampled one, puts the frame
on a bounded queue (full: dropped and counted). The runner's worker, a green thread, compares each frame on
the hub one message at a time, yielding after each (betterproto2 decodes a message in about half a
millisecond): no other green thread waits more than that. Not in a real thread: there the decode holds the
interpreter lock in turns of up to 5 ms, and every system call of the hub waits for it (in bench/throughput.py's
(c), a frame of the flood decoded in tpool now and then took a quiet creator's p99 from 120 to 190 ms). The
decode is paced to CPU_SHARE of one core for the whole process (one frame at a time, across streams, then a
pause in proportion to the time its slices took); what a busier stream samples meanwhile waits in its queue, or
is dropped. A class's first use costs far more (its field metadata is built then, up to a tenth of a second a
class): those are made apart (tiktok/reference.py `prepare`), once per type and process, in a real thread
(tpool): those nearly every frame needs at the server's start (`warm`, called by create_app before the server
listens: about two seconds of CPU), the others on the first frame that carries them.

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


_PACING = _Pacing()


def warm():
    """Make TikTokLive's classes that nearly every frame needs ready, now, in this thread: at the server's start,
    when nothing else runs (the check's first frame would otherwise pay for them beside the streams)."""
    try:
        warm_reference()
    except Exception:  # they are then made on first use
        log.exception("Decode check: TikTokLive's classes could not be made ready ahead")


class _Slices:
    """The time of a comparison's slices on the hub, the pauses between them (`pause`: a yield) left out."""

    def __init__(self):
        self.seconds = 0.0
        self._since = time.monotonic()

    def pause(self):
        self.seconds += time.monotonic() - self._since
        eventlet.sleep(0)
        self._since = time.monotonic()

    def total(self):
        return self.seconds + time.monotonic() - self._since


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
        while True:
            data = self._queue.get()
            with _PACING.turn:
                eventlet.sleep(max(0.0, _PACING.next_start - time.monotonic()))
                comparison, cpu = self._compare(data)
                _PACING.next_start = time.monotonic() + cpu / CPU_SHARE - cpu
            if comparison is not None:
                self.count(comparison)

    def _compare(self, data):
        """compare_frame(data), its classes made ready in a real thread first: (Comparison, the seconds its
        slices took), or (None, 0.0) when the check itself failed (logged: its own bug must not end it)."""
        try:
            tpool.execute(prepare_reference, data)
            slices = _Slices()
            comparison = compare_frame(data, between=slices.pause)
            return comparison, slices.total()
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
