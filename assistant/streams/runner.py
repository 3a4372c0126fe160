"""StreamRunner: one upstream TikTok connection per creator, shared by every session watching it; its counting.

Two green threads per runner:
- its connection supervisor's (supervisor.py): one connection attempt after another, with reconnects,
  backoff, the sign budget and the stall watchdog; what it learns, and the attempts' events, go on the
  runner's backlog (backlog.py) as signals (signals.py);
- the drain loop, here: it takes the signals off the backlog, numbers events (`seq`), counts them,
  appends them to the store (the creator's event log and state, which every process reads for snapshots
  and catch-up), then emits batched `live`, throttled `metrics` and `error` to the room.
Asyncio code never emits: it only puts on the queue (docs/architecture.md, "Runtime").

A runner runs on the process that holds the creator's lease (StreamRegistry claims it); taking over
from a process that died, it resumes `seq`, the totals and the connection time from the store. With
records on, every live is also kept in the database (recording.py): a restart in the middle of a live
goes on from its record, and a new live of the creator (a new room) starts its counts over
(docs/architecture.md, "Records"). With CAPTURE_DIR set, what TikTok sends is also written to a file per
room, byte for byte (capture.py, docs/captures.md).
"""

import logging
import time
from collections import OrderedDict
from dataclasses import dataclass

import eventlet

from ..actions.creator import NO_ACTIONS
from ..insights import LiveInsights
from ..insights.battles import BattleTracker
from ..metrics import StreamMetrics
from ..store import StoreUnavailable
from .backlog import Backlog
from .capture import live_capture
from .decodecheck import DecodeCheck
from .recording import LiveRecording
from .signals import Connected, EventReceived, PreviousRecord, SignQueued, StatusChanged
from .summary import SummaryFeed
from .supervisor import ConnectionSupervisor

log = logging.getLogger(__name__)

METRICS_INTERVAL_SECONDS = 0.25  # at most ~4 `metrics` emits a second
# Chat ids remembered to drop what TikTok replays on a reconnect (it replays its last few lines).
_MESSAGE_IDS_KEPT = 256


def _chat_key(event):
    return (event.get("user") or {}).get("userId"), event.get("comment")


class _Intake:
    """What the drain loop takes of TikTok's events before it numbers them. It drops what TikTok sends again: the
    chat it replays on connect (`history`), which a runner before this one (by a process that died, or before a
    restart) may have delivered already; the lines it may send again after a reconnect (known by their message
    ids); a battle's end after the first (insights/battles.py). And it completes each battle event there
    (`battles`: the hosts named in full, the creator's side first; it outlives a live's counts, as the creator
    and their battles do)."""

    def __init__(self):
        self.battles = BattleTracker()
        self._message_ids = OrderedDict()
        self._delivered = set()  # (userId, comment) of the chat delivered before this runner

    def remember_delivered(self, events):
        """Events published before this runner: the stored recent ones, or a record's recent chat and battles."""
        self._delivered.update(_chat_key(event) for event in events if event["type"] == "chat")
        self.battles.replay(events)

    def forget_delivered(self):
        self._delivered = set()

    def take(self, event, message_id):
        """The event to number, or None to drop it."""
        kind = event["type"]
        if kind == "battle":
            return self.battles.complete(event)
        if kind != "chat":
            return event
        if event.get("history") and _chat_key(event) in self._delivered:
            return None  # replayed on connect, delivered before this runner (a restart, a takeover)
        if message_id:
            if message_id in self._message_ids:
                return None  # replayed again after a reconnect: shown and counted already
            self._message_ids[message_id] = None
            if len(self._message_ids) > _MESSAGE_IDS_KEPT:
                self._message_ids.popitem(last=False)
        return event


@dataclass(frozen=True)
class RunnerSettings:
    """What a runner is tuned by; the service passes them from its config."""

    streak_timeout: float = 10.0  # GIFT_STREAK_TIMEOUT_SECONDS: a streak whose end never comes counts after this
    max_viewers: int = 5000  # VIEWER_CARDS: the viewer cards kept of one live
    sign_budget: tuple | None = None  # SIGN_BUDGET: ((count, seconds), ...) starts allowed; None: no budget kept
    stall_seconds: float = 60.0  # STALL_SECONDS: a connected stream silent this long is checked (supervisor.py)
    capture_dir: str | None = None  # CAPTURE_DIR: what TikTok sends goes to files there (capture.py); None: off
    capture_max_bytes: int = 200 * 1_000_000  # CAPTURE_MAX_MB, in bytes: the most one capture file holds
    decode_check_rate: float = 0.0  # DECODE_CHECK_RATE: the share of frames decoded again by TikTokLive's decoder

    @classmethod
    def from_config(cls, config):
        """The settings as the app's config names them."""
        return {"streak_timeout": config["GIFT_STREAK_TIMEOUT_SECONDS"], "max_viewers": config["VIEWER_CARDS"],
                "sign_budget": config["SIGN_BUDGET"], "stall_seconds": config["STALL_SECONDS"],
                "capture_dir": config["CAPTURE_DIR"], "capture_max_bytes": config["CAPTURE_MAX_MB"] * 1_000_000,
                "decode_check_rate": config["DECODE_CHECK_RATE"]}


class StreamRunner:
    """`state`: the creator's StreamState in the store (fresh for a new creator), to continue from.
    `emit(event, payload, to)` sends to the sessions; `room`: the creator's Socket.IO room.
    `on_status(runner)`: the status changed. `on_reset(runner)`: the counts were replaced (restored from a
    record, or a new live started at zero): every watcher needs a fresh snapshot. `records`: the records
    database, or None. `actions`: the process's actions (assistant/actions), or None: the runner evaluates the
    creator's rules on what it publishes. `settings`: RunnerSettings's fields, by keyword."""

    def __init__(self, username, state, store, room, emit, on_status, on_reset=None, records=None, actions=None,
                 **settings):
        self._settings = RunnerSettings(**settings)
        self.username = username
        self.room = room
        self.status = "reconnecting" if state.connected_at else "connecting"
        self.error = None  # {code, message, retryAfter?} of the last failure, while it holds
        self.queue = None  # {retryAfter, ahead} while `queued` for the sign budget
        self.seq = state.seq
        self.connected_at = state.connected_at  # epoch seconds of the first connection, by any owner
        self._intake = _Intake()
        self._count_afresh()
        self.metrics.restore(state.metrics)
        self.recording = LiveRecording(records, username)
        self._store = store
        self._emit = emit
        self._on_status = on_status
        self._on_reset = on_reset
        self._backlog = Backlog(username, shed=state.shed)
        self._capture = live_capture(self._settings, username)
        # What TikTok sent that the app does not show, and the decode check: since first followed (by any owner).
        self._skipped = dict(state.skipped)
        self._decode_check = DecodeCheck(username, self._settings.decode_check_rate, state.decode_check)
        self._connection = ConnectionSupervisor(
            username, store, self._settings, self._backlog, was_connected=lambda: bool(self.connected_at),
            before_first_attempt=self._hand_over_previous_record, skipped=self._skipped,
            decode_check=self._decode_check if self._decode_check.rate else None, capture=self._capture,
            follow_after_end=lambda: store.summary_watched(username))
        self._summary = SummaryFeed(username, store, self._write, emit)
        self._garbled_before = state.garbled  # undecodable upstream input before this runner
        # This creator's rules (assistant/actions), evaluated on what the runner publishes
        self._actions = actions.for_creator(username, emit, room, lambda: self.insights.chatters()) if actions \
            else NO_ACTIONS
        self._drainer = None
        self._stopped = False
        self._ended_at = None  # the `end` event's ts, to close the record once its batch is written
        self._metrics_dirty = False
        self._metrics_sent_at = 0.0
        self._store_down = False  # an outage is logged once, not per batch

    def _count_afresh(self):
        """Totals, boards, series and viewer cards at zero: a new runner, or a new live of the creator."""
        self.insights = LiveInsights(self._settings.max_viewers, self._intake.battles)
        self.metrics = StreamMetrics(self._settings.streak_timeout, on_gift=self.insights.count_gift,
                                     battle_outcome=self._intake.battles.outcome)

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self):
        log.info("Runner for @%s started%s", self.username, f" at seq {self.seq}" if self.seq else "")
        if self.seq:  # taking over: the boards, series, viewer cards, recent chat and battles go on from the stored
            self.insights.restore(*self._store.insights(self.username))
            self._intake.remember_delivered(self._store.snapshot(self.username)["recent"])
        self._write([], self.state_fields())  # the status, to the store
        self._actions.start(self.metrics.likes)
        if self.connected_at:  # taking over from a process that died: its sessions see `reconnecting`
            self._on_status(self)
        self._drainer = eventlet.spawn(self._drain_forever)
        if self._capture is not None:
            self._capture.start()
        self._decode_check.start()
        self._connection.start()

    def restart_if_finished(self):
        """A new viewer of an ended (or failed) stream: try the creator again."""
        self._connection.restart_if_finished()

    def stop(self, unwatched=False):
        """Close the upstream connection and end both green threads; safe to call twice. `unwatched`: the stop is
        for want of watchers, and ends the live's record (reason "stopped"). Any other stop (the lease went to
        another process, a shutdown) leaves the record live, for the runner that goes on with it (another
        process's, or this server's once restarted)."""
        if self._stopped:
            return
        self._stopped = True
        self._backlog.close()
        self._connection.stop()
        if self._capture is not None:  # after the connection: nothing more comes to it
            self._capture.stop()
        self._decode_check.stop()
        if self._drainer is not None:
            self._drainer.kill()
        self._actions.stop()
        if unwatched:  # after the drain loop: nothing is recorded into the live once it is closed
            self.recording.stopped()
        log.info("Runner for @%s stopped", self.username)

    def _hand_over_previous_record(self):
        """Before the first connection attempt (in the supervisor's thread): the creator's newest record goes
        to the drain loop, which owns the counts, ahead of any event."""
        record = self.recording.previous()
        if record is not None:
            self._backlog.put(PreviousRecord(record))

    # -- what sessions read -------------------------------------------------------------------

    @property
    def shed(self):
        """Joins and likes folded into counts, in all (by every owner)."""
        return self._backlog.shed

    @property
    def garbled(self):
        """Upstream frames and messages that could not be decoded (skipped), over every attempt."""
        return self._garbled_before + self._connection.garbled

    def state_fields(self):
        """The runner's part of the creator's StreamState, as the store keeps it."""
        return {**self._count_fields(), "status": self.status, "error": self.error, "connected_at": self.connected_at,
                "queue": self.queue}

    def _count_fields(self):
        """The counts, with what TikTok sent that the app could not decode (`garbled`) or does not show (`skipped`,
        per method) and the decode check's (`decode_check`), for /debug (copies: the memory store keeps them)."""
        return {"seq": self.seq, "metrics": self.metrics.to_dict(), "shed": self.shed, "garbled": self.garbled,
                "skipped": dict(self._skipped), "decode_check": self._decode_check.state()}

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
        batch = []
        for signal in self._backlog.take(timeout=METRICS_INTERVAL_SECONDS):
            if isinstance(signal, EventReceived):
                self._ingest(signal.event, signal.message_id, batch)
                continue
            self._publish(batch)  # what came before the signal goes out first
            batch = []
            match signal:
                case StatusChanged(status, error):
                    self._set_status(status, error)
                case SignQueued(retry_after, ahead):
                    self._set_queued({"retryAfter": retry_after, "ahead": ahead})
                case Connected(room_id, owner_id):
                    self._joined_room(room_id, owner_id)
                    self._set_status("connected", None)
                case PreviousRecord(record):
                    self._restore(record)
        self._finalise_streaks(batch)
        self._publish(batch)
        self._take_folded()
        self._send_metrics_if_due()
        self._actions.tick(self.metrics.likes)
        self._publish_insights()
        self._summary.send_if_due(self.status, self.queue, self.error, self.metrics.to_dict,
                                  self._intake.battles.current, self.insights.series)  # the walls', at most 1/s
        self.recording.touch_if_due()

    def _take_folded(self):
        joins, likes_total = self._backlog.take_folded()
        likes_before = self.metrics.likes
        if self.metrics.add_folded(joins, likes_total):
            self._metrics_dirty = True
            self.insights.series.add_folded(time.time() * 1000, joins, self.metrics.likes - likes_before)

    def _finalise_streaks(self, batch, everything=False):
        """Count the streaks that timed out (`everything`: all open ones) and add their closing rows."""
        for ended_streak in self.metrics.expire_streaks(everything):
            self._metrics_dirty = True
            batch.append(self._number(ended_streak))

    def _ingest(self, event, message_id, batch):
        event = self._intake.take(event, message_id)
        if event is None:
            return
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
            self._actions.published(batch)
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
        if resumes:  # its battles too: their hosts' names, and an end TikTok sends again is not counted twice
            self._intake.remember_delivered(record.recent_chat + record.battles)
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

    def _joined_room(self, room_id, owner_id):
        self._intake.battles.know_creator(owner_id)
        if self.recording.is_new_live(room_id):
            log.info("Runner for @%s: a new live (room %s); its counts start at zero", self.username, room_id)
            self._count_afresh()
            self._intake.forget_delivered()
            self.connected_at = time.time()
            self._replace_counts()
        self.recording.connected(room_id, self.connected_at or time.time(), self.seq, self.metrics.to_dict())

    def _replace_counts(self):
        """Store the replaced counts whole (boards, every series point, every card), then tell the watchers."""
        boards = self.insights.viewers.leaderboards()
        points, cards = self.insights.take_all()
        self._store.save_insights(self.username, points, cards, [], replace=True)
        self._actions.rebase(self.metrics.likes)
        if self._write([], {**self.state_fields(), "leaderboards": boards}) and self._on_reset is not None:
            self._on_reset(self)

    def _set_queued(self, queue):
        if self.status == "queued" and queue == self.queue:
            return
        self.status, self.error, self.queue = "queued", None, queue
        self._write([], self.state_fields())  # the status, to the store
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
        elif status == "ended" and self._capture is not None:
            self._capture.end()  # the live's capture is complete
        self._write([], self.state_fields())  # the status, to the store
        if error is not None:
            self._emit("error", error, self.room)
        self._on_status(self)
