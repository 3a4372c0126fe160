"""LiveRecording: which live a runner is counting, and its record in the database (assistant/records).

Every LIVE of a creator is a new TikTok room, and a record is one (username, roomId). A runner learns
the room only once connected, so before its first connection it reads the creator's newest record
(`previous`): after a restart in the middle of a live, that is the live it will join again, and its
counts go on from the record. Connected, the room decides: the same room continues that record
(reopening it if it had been closed for lack of watchers); another room is a new live.

The writes are queued (records.RecordWriter batches them into one transaction at most every half
second), so a slow or failing database never holds the runner's drain loop, and never its `live` emits.
"""

import logging
import time

log = logging.getLogger(__name__)

TOUCH_SECONDS = 60  # a record's `updated_at` moves at least this often while it is recorded (records.prune)
# Reasons a record ended that rule out continuing it: TikTok ended the LIVE, or another one replaced it.
_FINISHED = ("ended", "new_live")


class LiveRecording:
    def __init__(self, records, username):
        self._records = records  # assistant.records.Records, or None when recording is off
        self.username = username
        self.room_id = None  # the room of the live being counted, once known
        self._open = False  # its record takes writes (connected, not ended)
        self._unfinished = False  # its record may still say "live" (to end when another live replaces it)
        self._touched_at = 0.0

    def previous(self):
        """The creator's newest record (a LiveRecord), or None; read from the supervisor, before connecting."""
        if self._records is None:
            return None
        try:
            return self._records.latest(self.username)
        except Exception as ex:  # a database that fails here costs the restore, never the stream
            log.warning("Could not read @%s's last record; counting starts afresh: %s", self.username, ex)
            return None

    def resumes(self, record):
        """Take `record` as the live counted so far; True when it may go on (its counts are to be restored)."""
        self.room_id = record.room_id
        self._unfinished = record.status == "live"
        return record.end_reason not in _FINISHED

    def is_new_live(self, room_id):
        """Connected to `room_id`: is it another live than the one counted so far (the counts start over)?"""
        return self.room_id is not None and room_id != self.room_id

    def connected(self, room_id, started_at, seq, metrics):
        """Record the live of `room_id` from now on (a new record, or the same one continued)."""
        if self.is_new_live(room_id) and self._unfinished and self._records is not None:
            self._records.end_live(self.username, self.room_id, time.time(), "new_live")
        self.room_id = room_id
        self._open = self._unfinished = self._records is not None
        if self._open:
            self._records.open_live(self.username, room_id, started_at, seq, metrics)
            self._touched_at = time.monotonic()

    def add(self, events, seq, metrics):
        if self._open:
            self._records.add_events(self.username, self.room_id, events, seq, metrics)
            self._touched_at = time.monotonic()

    def save_insights(self, leaderboards, points, cards):
        if self._open and (leaderboards is not None or points or cards):
            self._records.save_insights(self.username, self.room_id, leaderboards=leaderboards, points=points,
                                        cards=cards)

    def ended(self, ended_at_ms):
        if self._open:
            self._records.end_live(self.username, self.room_id, ended_at_ms / 1000, "ended")
            self._open = self._unfinished = False

    def stopped(self):
        """Nobody watches the creator any more (its runner stops): the record ends now, reason "stopped", so
        that /streams does not show it live for the ten minutes the prune waits. A later watcher of the
        same room takes it up again (connected() reopens it, its counts restored by `resumes`)."""
        if self._unfinished:
            self._records.end_live(self.username, self.room_id, time.time(), "stopped")
            self._open = self._unfinished = False

    def touch_if_due(self):
        """A quiet live is still being recorded: say so, so that pruning does not close it."""
        if self._open and time.monotonic() - self._touched_at >= TOUCH_SECONDS:
            self._records.touch(self.username, self.room_id)
            self._touched_at = time.monotonic()
