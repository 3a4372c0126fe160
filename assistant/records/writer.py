"""RecordWriter: the queue between the runners and the database, and the green thread that empties it.

Callers only append to a queue (never wait, never see a database error). At most every FLUSH_SECONDS the
green thread writes everything queued in one transaction (batch.py). The queue holds at most `max_events`
events: past that, new events are dropped and counted (one warning per episode), while the live's seq and
metrics still go through, the latest winning. A failed write is tried again at the next flushes, with what
was queued since: while the database cannot be reached (OperationalError, InterfaceError: a restart, a
failover, a locked file) for as long as the queue has room, so that an outage loses nothing until the
queue is full; a write the database refuses (its data) ATTEMPTS times in all, then its events are dropped
and counted. `error` holds the reason while the last write failed.
"""

import logging
from collections import deque

import eventlet
import eventlet.semaphore
from sqlalchemy.exc import InterfaceError, OperationalError

from .batch import write
from .database import one_line

log = logging.getLogger(__name__)

FLUSH_SECONDS = 0.5
ATTEMPTS = 3


class RecordWriter:
    def __init__(self, database, max_events):
        self._database = database
        self._max_events = max_events
        self._ops = deque()  # (kind, (username, room_id), args)
        self._queued = 0  # events in self._ops
        self._live_ids = {}  # (username, room_id) -> live id, filled by batch.write
        self._writing = eventlet.semaphore.Semaphore()  # one flush at a time, in queue order
        self._attempts = 0  # failed writes of what is queued
        self._dropping = False  # in a drop episode (warned)
        self._closed = False
        self.written = self.dropped = 0
        self.error = None
        self._thread = eventlet.spawn(self._loop)

    def put(self, kind, key, *args):
        self._ops.append((kind, key, args))

    def put_events(self, key, events, seq, metrics):
        if self._queued + len(events) > self._max_events:
            if not self._dropping:
                log.warning("Records: the write queue is full (%d events); dropping events until the database "
                            "catches up", self._queued)
            self._dropping = True
            self.dropped += len(events)
            events = []
        elif events:
            self._dropping = False
        self._queued += len(events)
        self._ops.append(("events", key, (list(events), seq, metrics)))

    def forget_lives(self):
        """Lives were deleted: their cached ids must be looked up again."""
        self._live_ids.clear()

    def flush(self):
        """Write everything queued now, in one transaction. Never raises."""
        with self._writing:
            if not self._ops:
                return
            ops, events = list(self._ops), self._queued
            self._ops.clear()
            self._queued = 0
            try:
                self._database.run(write, ops, self._live_ids)
            except Exception as ex:  # any database failure: counted and reported, never raised into callers
                self._failed(ops, events, ex)
                return
            if self.error is not None:
                log.info("Records: writing to the database again")
            self.written += events
            self.error = None
            self._attempts = 0

    def _failed(self, ops, events, ex):
        self._live_ids.clear()  # ids inserted by the rolled-back transaction are not there
        if self.error is None:
            log.warning("Records: writing to the database failed: %s", one_line(ex))
        self.error = one_line(ex)
        self._attempts += 1
        if isinstance(ex, (OperationalError, InterfaceError)) or self._attempts < ATTEMPTS:
            self._ops.extendleft(reversed(ops))
            self._queued += events
        else:
            self._attempts = 0
            self.dropped += events

    def _loop(self):
        while not self._closed:
            eventlet.sleep(FLUSH_SECONDS)
            self.flush()

    def stats(self):
        return {"queued": self._queued, "written": self.written, "dropped": self.dropped}

    def close(self):
        """Stop the green thread (after its current flush) and write what is left."""
        self._closed = True
        self._thread.wait()
        self.flush()
