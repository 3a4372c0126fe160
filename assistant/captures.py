"""The capture file, tlcap/1: what TikTok sent to one runner in one room, byte for byte (docs/captures.md).

`<username>/<roomId>-<start, UTC, YYYYMMDDTHHMMSSZ>.tlcap.jsonl.gz`: JSON lines, gzipped. The first line is
`{"format": "tlcap/1", "username", "roomId", "startedAt"}` (`roomId` a string, `startedAt` epoch ms), then one
line per item, in the order received: `{"t": <receive time, epoch ms>, "kind": "fetch" | "frame", "data":
<base64>}`; `fetch` is a sign server's fetch result (the body of its answer), `frame` a push frame.

The file is a series of whole gzip members, each holding whole lines, appended one after the other: a file cut
short (a crash, a full disk) reads, with this module or any gzip reader, up to its last whole member.

Both sides use this module: the app writes captures (streams/capture.py) and the simulator replays them
(simulator/replay.py). It sits at the bottom of the package, beside events.py, and imports only the standard
library and usernames.py (the username rule, pure too): the simulator is a program of its own that must not
import the app's layers (nor they it).
"""

import base64
import binascii
import gzip
import json
import re
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from .usernames import is_username

FORMAT = "tlcap/1"
SUFFIX = ".tlcap.jsonl.gz"
KINDS = ("fetch", "frame")
GZIP_LEVEL = 6
# What may name a file besides a username (usernames.is_username): a room id's digits.
_ROOM_ID = re.compile(r"[0-9]{1,30}")


class CaptureError(ValueError):
    """A file that is not a readable tlcap/1 capture; the message says where and why."""


class CaptureFull(Exception):
    """The next member would take the file past its size limit: nothing more is written to it."""


@dataclass(frozen=True, slots=True)
class Item:
    """One thing TikTok sent: `t` its receive time (epoch ms), `kind` "fetch" or "frame", `data` its bytes."""

    t: int
    kind: str
    data: bytes


@dataclass(frozen=True)
class Capture:
    """A capture as read: its header line (a dict) and its items, in order. `cut`: the file ended inside a
    gzip member (a crash or a full disk while it was written): what that member held is left out."""

    header: dict
    items: list[Item]
    cut: bool = False


def capture_path(directory, username, room_id, started_at):
    """Where a capture of `username`'s room `room_id` started at `started_at` (epoch seconds) goes. The
    username and room id are checked again here: nothing that could leave `directory` ever names a path."""
    if not is_username(username) or not _ROOM_ID.fullmatch(room_id):
        raise ValueError(f"not a username and a room id: {username!r}, {room_id!r}")
    stamp = datetime.fromtimestamp(started_at, UTC).strftime("%Y%m%dT%H%M%SZ")
    return Path(directory) / username / f"{room_id}-{stamp}{SUFFIX}"


def _line(record):
    return json.dumps(record, separators=(",", ":")) + "\n"


class CaptureWriter:
    """Appends whole gzip members to one capture file; blocking file I/O, for a thread of its own.

    The file is created (exclusively: an existing file is never written over; a name taken gets `-2`, `-3`...)
    with its header line at the first `write`. `write` raises CaptureFull when the member would take the file
    past `max_bytes` (nothing of it is written), and OSError when the disk refuses.
    """

    def __init__(self, path, username, room_id, started_at, max_bytes):
        self.path = Path(path)
        self.size = 0  # bytes in the file
        self.items = 0  # items written
        self._header = _line({"format": FORMAT, "username": username, "roomId": room_id,
                              "startedAt": int(started_at * 1000)})
        self._max_bytes = max_bytes
        self._file = None

    def write(self, items):
        """Append `items` (Item) as one gzip member."""
        lines = "".join(_line({"t": item.t, "kind": item.kind, "data": base64.b64encode(item.data).decode()})
                        for item in items)
        if self._file is None:
            lines = self._header + lines
        elif not lines:
            return
        member = gzip.compress(lines.encode(), GZIP_LEVEL, mtime=0)
        if self.size + len(member) > self._max_bytes:
            raise CaptureFull(f"{self.path} would pass {self._max_bytes} bytes")
        if self._file is None:
            self._file = self._create()
        self._file.write(member)
        self._file.flush()  # a whole member in the file as soon as it is written: a crash keeps it
        self.size += len(member)
        self.items += len(items)

    def _create(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        stem = self.path.name.removesuffix(SUFFIX)
        for attempt in range(1, 1000):
            if attempt > 1:
                self.path = self.path.with_name(f"{stem}-{attempt}{SUFFIX}")
            try:
                return open(self.path, "xb")  # kept open across writes; close() closes it
            except FileExistsError:
                continue
        raise FileExistsError(f"{self.path}: too many captures of that name")

    def close(self):
        if self._file is not None:
            self._file.close()
            self._file = None


def read_capture(path):
    """The capture in the file at `path` (a Capture); CaptureError when it is not one."""
    try:
        raw = Path(path).read_bytes()
    except OSError as ex:
        raise CaptureError(f"cannot read {path}: {ex.strerror or ex}") from ex
    text, cut = _whole_members(raw, path)
    lines = text.splitlines()
    if not lines:
        raise CaptureError(f"{path} holds no line (not a {FORMAT} capture)")
    header = _json_line(lines[0], 1, path)
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise CaptureError(f"{path}: line 1 is not a {FORMAT} header")
    return Capture(header, [_item(line, number, path) for number, line in enumerate(lines[1:], 2)], cut)


def _whole_members(raw, path):
    """The text of the gzip members of `raw` that are whole, and whether a member was cut short."""
    parts = []
    while raw:
        inflater = zlib.decompressobj(wbits=31)  # one gzip member
        try:
            inflated = inflater.decompress(raw)
        except zlib.error as ex:
            if not parts:
                raise CaptureError(f"{path} is not gzip data: {ex}") from ex
            raise CaptureError(f"{path}: a damaged gzip member after {len(parts)} whole ones: {ex}") from ex
        if not inflater.eof:
            return _decoded(parts, path), True
        parts.append(inflated)
        raw = inflater.unused_data
    return _decoded(parts, path), False


def _decoded(parts, path):
    try:
        return b"".join(parts).decode()
    except UnicodeDecodeError as ex:
        raise CaptureError(f"{path} is not UTF-8 text: {ex}") from ex


def _json_line(line, number, path):
    try:
        return json.loads(line)
    except ValueError as ex:
        raise CaptureError(f"{path}: line {number} is not JSON: {ex}") from ex


def _item(line, number, path):
    record = _json_line(line, number, path)
    if not isinstance(record, dict):
        raise CaptureError(f"{path}: line {number} is not an item")
    t, kind, data = record.get("t"), record.get("kind"), record.get("data")
    if isinstance(t, bool) or not isinstance(t, int) or kind not in KINDS or not isinstance(data, str):
        raise CaptureError(f"{path}: line {number} is not an item "
                           "({\"t\": <epoch ms>, \"kind\": \"fetch\" | \"frame\", \"data\": <base64>})")
    try:
        return Item(t, kind, base64.b64decode(data, validate=True))
    except binascii.Error as ex:
        raise CaptureError(f"{path}: line {number}: 'data' is not base64: {ex}") from ex

