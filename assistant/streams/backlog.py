"""Backlog: a runner's queue from its connection side to its drain loop, bounded without losing a count.

The queue is bounded in items. Past SHED_BACKLOG, joins and likes (the types events.py flags `sheddable`)
are folded into counts instead of queued: the totals stay exact, with no row and no `seq` for them. Past
PAUSE_BACKLOG the upstream reader waits between frames, so that a flood backs up into its own upstream
socket. Chat, gifts, follows, shares and the end are never dropped (docs/architecture.md, "An event's path").

Asyncio code never emits: the upstream reader only puts here, and the drain loop takes (docs/architecture.md,
"Runtime").
"""

import asyncio
import logging

import eventlet
from eventlet.queue import Empty, LightQueue

from ..events import EVENT_TYPES
from .signals import EventReceived

log = logging.getLogger(__name__)

BATCH_WINDOW_SECONDS = 0.05  # how long a burst may gather before one `live` emit
MAX_BATCH = 1000
SHED_BACKLOG = 1000
PAUSE_BACKLOG = 4000
PAUSE_SECONDS = 0.01
SHEDDABLE = frozenset(kind.name for kind in EVENT_TYPES if kind.sheddable)


class Backlog:
    """`put` (either side) and `put_event` (the upstream reader's `on_event`) add; the drain loop `take`s a
    batch, then `take_folded` the counts of what was folded meanwhile. `shed` counts the folded events in
    all, from the stored count of a runner that takes over. Once `close`d (the runner stopped), events are
    dropped and the reader is no longer held."""

    def __init__(self, username, shed=0):
        self.username = username
        self.shed = shed
        self._queue = LightQueue()
        self._closed = False
        self._shedding = False  # said once when folding starts, once when it is caught up
        self._folded_joins = 0
        self._folded_likes_total = 0

    def qsize(self):
        return self._queue.qsize()

    def put(self, signal):
        self._queue.put(signal)

    def close(self):
        self._closed = True

    # -- the asyncio side ---------------------------------------------------------------------------

    def put_event(self, event, message_id):
        if self._closed:
            return
        if event["type"] in SHEDDABLE and self._queue.qsize() >= SHED_BACKLOG:
            self._fold(event)
        else:
            self._queue.put(EventReceived(event, message_id))

    def _fold(self, event):
        """Count a join or like without queueing it: `take_folded` hands the counts to the drain loop."""
        if not self._shedding:
            self._shedding = True
            log.warning("Runner for @%s is behind (%d queued): folding joins and likes into counts",
                        self.username, self._queue.qsize())
        self.shed += 1
        if event["type"] == "join":
            self._folded_joins += 1
        else:  # a like: TikTok's running total of the room's likes says it all
            self._folded_likes_total = max(self._folded_likes_total, event.get("totalLikes") or 0)

    async def between_frames(self):
        """Awaited by the upstream reader between frames: holds it while the drain loop is far behind."""
        while not self._closed and self._queue.qsize() >= PAUSE_BACKLOG:
            await asyncio.sleep(PAUSE_SECONDS)

    # -- the drain loop ------------------------------------------------------------------------------

    def take(self, timeout):
        """Up to MAX_BATCH signals, in order: the first within `timeout` seconds (none: []), then whatever a
        burst puts within BATCH_WINDOW_SECONDS."""
        try:
            first = self._queue.get(timeout=timeout)
        except Empty:
            return []
        if self._queue.qsize() < MAX_BATCH:  # a full batch waiting already: no reason to let more gather
            eventlet.sleep(BATCH_WINDOW_SECONDS)
        signals = [first]
        while len(signals) < MAX_BATCH:
            try:
                signals.append(self._queue.get_nowait())
            except Empty:
                break
        return signals

    def take_folded(self):
        """(joins, the highest room like total) folded since the last call."""
        joins, likes_total = self._folded_joins, self._folded_likes_total
        self._folded_joins = self._folded_likes_total = 0
        if self._shedding and self._queue.qsize() < SHED_BACKLOG // 2:
            self._shedding = False
            log.info("Runner for @%s caught up (%d joins and likes folded so far)", self.username, self.shed)
        return joins, likes_total
