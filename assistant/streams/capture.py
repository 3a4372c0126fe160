"""LiveCapture: with CAPTURE_DIR set, what TikTok sends a runner goes to a file, byte for byte (docs/captures.md).

One file per room (a LIVE) and runner, in the format of assistant/captures.py: the sign server's fetch result
of each connection and every push frame, kept across the reconnects to the same room (each reconnect's fetch
result is in it too); a new room is a new file. A file is closed at the live's end (`end`) or when the runner
stops (`stop`), and is capped at CAPTURE_MAX_MB: past it, or when the disk refuses, the capture stops (logged
once) and the stream goes on.

The connection's reader (asyncio, on the hub) only appends to a list in memory (`add`): it never waits on a
disk. A green thread of the capture takes what gathered at least every FLUSH_SECONDS and hands it to a real
thread (eventlet's tpool), which writes it as one gzip member: compressing and writing never hold the hub
(docs/architecture.md, "Runtime"). The lists are only touched on the hub's thread.
"""

import logging
import os
import time
from pathlib import Path

import eventlet
from eventlet import tpool
from eventlet.queue import Empty, LightQueue

from ..captures import CaptureFull, CaptureWriter, Item, capture_path

log = logging.getLogger(__name__)

FLUSH_SECONDS = 5.0
# What may wait in memory for the writer thread; past it (a disk slower than the stream) the capture stops.
PENDING_MAX_BYTES = 64 * 1_000_000
STOP_TIMEOUT_SECONDS = 30.0
_FLUSH, _STOP = False, True  # the flusher's wake-ups: flush now; flush and end


def check_directory(directory):
    """Make `directory` if needed and check that files can be made in it; OSError (with the reason) if not."""
    os.makedirs(directory, exist_ok=True)
    probe = Path(directory) / f".tlcap-probe-{os.getpid()}"
    with open(probe, "xb"):
        pass
    probe.unlink()


class _File:
    """One room's capture file and what waits to be written to it."""

    def __init__(self, room_id, writer):
        self.room_id = room_id
        self.writer = writer
        self.pending = []
        self.pending_bytes = 0
        self.stopped = False  # full, refused by the disk, or behind: nothing more is kept


def live_capture(settings, username):
    """The creator's capture as the settings (a RunnerSettings) say, or None when CAPTURE_DIR is not set."""
    return LiveCapture(settings.capture_dir, settings.capture_max_bytes, username) if settings.capture_dir else None


class LiveCapture:
    """`username`'s capture into `directory`, files of at most `max_bytes`. `add` from the connection's reader;
    `start`, `end` and `stop` from green threads."""

    def __init__(self, directory, max_bytes, username):
        self.username = username
        self._directory = directory
        self._max_bytes = max_bytes
        self._file = None  # the room's file being written
        self._closing = []  # files of rooms that are over, closed at the next flush
        self._wakeups = LightQueue()
        self._flusher = None
        self._stopped = False

    # -- the connection's reader (asyncio side): memory only ----------------------------------------------

    def add(self, room_id, kind, data):
        """Keep `data` (kind "fetch" or "frame"), received now in room `room_id`."""
        if room_id is None or self._stopped:
            return
        file = self._file
        if file is None or file.room_id != room_id:
            file = self._open(room_id)
        if file.stopped:
            return
        file.pending.append(Item(int(time.time() * 1000), kind, data))
        file.pending_bytes += len(data)
        if file.pending_bytes > PENDING_MAX_BYTES:
            self._stop_file(file, f"more than {PENDING_MAX_BYTES // 1_000_000} MB waited for the disk")

    def _open(self, room_id):
        if self._file is not None:
            self._closing.append(self._file)
        started_at = time.time()  # the file's name and its header's startedAt: one reading
        path = capture_path(self._directory, self.username, str(room_id), started_at)
        self._file = _File(room_id, CaptureWriter(path, self.username, str(room_id), started_at, self._max_bytes))
        log.info("Capturing what TikTok sends @%s in room %s to %s", self.username, room_id, path)
        return self._file

    def _stop_file(self, file, reason):
        file.stopped = True
        file.pending, file.pending_bytes = [], 0
        log.warning("Capture of @%s stopped (%s): %s keeps what was written before", self.username, reason,
                    file.writer.path)

    # -- green threads -----------------------------------------------------------------------------------

    def start(self):
        self._flusher = eventlet.spawn(self._flush_forever)

    def end(self):
        """The live is over: its file is closed now (by the flusher); another room would start a new one."""
        if self._file is not None:
            self._closing.append(self._file)
            self._file = None
            self._wakeups.put(_FLUSH)

    def stop(self):
        """Write what is left, close the files and end the flusher (waits for it, up to STOP_TIMEOUT_SECONDS)."""
        if self._flusher is None:
            return
        self._stopped = True
        self.end()
        self._wakeups.put(_STOP)
        flusher, self._flusher = self._flusher, None
        with eventlet.Timeout(STOP_TIMEOUT_SECONDS, False):
            flusher.wait()
            return
        log.warning("Capture of @%s: the last writes did not finish in %g s", self.username, STOP_TIMEOUT_SECONDS)

    def _flush_forever(self):
        stopping = False
        while not stopping:
            try:
                stopping = self._wakeups.get(timeout=FLUSH_SECONDS)
            except Empty:
                pass
            try:
                self._flush()
            except Exception:  # a bug here must cost the capture, not the flusher (nor the stream)
                log.exception("Capture of @%s: a write failed", self.username)

    def _flush(self):
        """Write what gathered in every file; close the files of rooms that are over."""
        closing, self._closing = self._closing, []
        for file in [*closing, *([self._file] if self._file is not None else [])]:
            items, file.pending, file.pending_bytes = file.pending, [], 0
            if items and not file.stopped:
                self._write(file, items)
            if file in closing:
                self._close(file)

    def _write(self, file, items):
        try:
            tpool.execute(file.writer.write, items)
        except CaptureFull:
            self._stop_file(file, f"CAPTURE_MAX_MB reached, {self._max_bytes // 1_000_000} MB")
        except OSError as ex:
            self._stop_file(file, f"the disk refused it: {ex.strerror or ex}")

    def _close(self, file):
        try:
            tpool.execute(file.writer.close)
        except OSError as ex:
            log.warning("Capture of @%s: closing %s failed: %s", self.username, file.writer.path, ex.strerror or ex)
            return
        if file.writer.items:
            log.info("Capture of @%s closed: %s (%d items, %d bytes)", self.username, file.writer.path,
                     file.writer.items, file.writer.size)
