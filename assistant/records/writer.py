"""RecordWriter: the queue between the runners and the database, and the green thread that empties it.

Callers only append to a queue (never wait, never see a database error). At most every FLUSH_SECONDS the
green thread sends everything queued to the writer process (process.py), which writes it in one
transaction (batch.py). The queue holds at most `max_events` events: past that, new events are dropped and
counted (one warning per episode), while the live's seq and metrics still go through, the latest winning.
A failed write is tried again at the next flushes, with what was queued since: while the database cannot
be reached (a restart, a failover, a locked file) or the writer process died, for as long as the queue has
room, so that an outage loses nothing until the queue is full; a write the database refuses (its data)
ATTEMPTS times in all, then what it held is dropped and counted. `error` holds the reason while the last
write failed.
"""

import logging
from collections import deque

import eventlet
import eventlet.event
import eventlet.semaphore

from .process import WriterGone, WriterProcess

log = logging.getLogger(__name__)

FLUSH_SECONDS = 0.5
ATTEMPTS = 3


def _rows(ops):
    """How many things `ops` would have stored: events, viewer cards, minute points; one for anything else."""
    count = 0
    for kind, _key, args in ops:
        if kind == "events":
            count += len(args[0])
        elif kind == "insights":
            count += len(args[1]) + len(args[2]) or 1
        else:
            count += 1
    return count


class RecordWriter:
    def __init__(self, url, max_events):
        self._process = WriterProcess(url)
        self._max_events = max_events
        self._ops = deque()  # (kind, (username, room_id), args)
        self._queued = 0  # events in self._ops
        self._in_flight = 0  # events in the write under way
        self._writing = eventlet.semaphore.Semaphore()  # one flush at a time, in queue order
        self._attempts = 0  # failed writes of what is queued
        self._dropping = False  # in a drop episode (warned)
        self._closing = eventlet.event.Event()  # sent by close: the loop stops sleeping at once
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
        self._process.forget_lives()

    def flush(self):
        """Write everything queued now, in one transaction. Never raises."""
        with self._writing:
            if not self._ops:
                return
            ops, events = list(self._ops), self._queued
            self._ops.clear()
            self._queued = 0
            self._in_flight = events
            try:
                outcome, *reason = self._process.write(ops)
            except WriterGone as ex:
                outcome, reason = "unreachable", [str(ex)]
            finally:
                self._in_flight = 0
            if outcome != "ok":
                self._failed(ops, events, outcome == "unreachable", reason[0])
                return
            if self.error is not None:
                log.info("Records: writing to the database again")
            self.written += events
            self.error = None
            self._attempts = 0

    def _failed(self, ops, events, unreachable, reason):
        if self.error is None:
            log.warning("Records: writing to the database failed: %s", reason)
        self.error = reason
        self._attempts += 1
        if unreachable or self._attempts < ATTEMPTS:
            self._ops.extendleft(reversed(ops))
            self._queued += events
        else:
            log.warning("Records: the database refused a write %d times; %d rows dropped: %s", ATTEMPTS,
                        _rows(ops), reason)
            self._attempts = 0
            self.dropped += _rows(ops)

    def _loop(self):
        while self._closing.wait(FLUSH_SECONDS) is None:  # None: FLUSH_SECONDS passed, not closed
            self.flush()

    def stats(self):
        """`queued`: the events not written yet, those of the write under way included."""
        return {"queued": self._queued + self._in_flight, "written": self.written, "dropped": self.dropped}

    def close(self):
        """Stop the green thread (after its current flush), write what is left, stop the writer process."""
        if not self._closing.ready():
            self._closing.send(True)
        self._thread.wait()
        self.flush()
        self._process.close()
