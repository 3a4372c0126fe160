"""A live's events as CSV or JSON Lines, produced as a stream of chunks (DESIGN.md, "Records").

Both take an iterable of the contract's event objects (Records.iter_events reads them from the
database in keyset chunks) and yield bytes a few hundred events at a time, so a live of a million
events never sits whole in memory: the server writes each chunk out before the next is made.
"""

import csv
import io
import json
import re

from . import csvcells

CSV_COLUMNS = ("seq", "ts", "type", "userId", "uniqueId", "nickname", "comment", "giftName", "repeatCount",
               "diamonds", "streaking", "count", "viewerCount")
EVENTS_PER_CHUNK = 500
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]+")


def filename(live, extension):
    """`<username>-<roomId>.<extension>`, safe in a Content-Disposition header."""
    stem = _UNSAFE_NAME.sub("_", f"{live['username']}-{live.get('roomId') or live['id']}")
    return f"{stem}.{extension}"


def csv_row(event):
    """One event as the CSV's columns; fields the event's type lacks are empty, text is made spreadsheet-safe
    (csvcells). `diamonds`: the gift's whole value so far (diamonds per unit × repeatCount; a streak's last
    row holds its total). `streaking`: `true` on a streak's steps, `false` on the gift row that counts (a
    streak's end, a gift that does not streak), so that the diamonds of the `false` rows add up to the
    live's total; empty on other types, like every field a type lacks."""
    user = event.get("user") or {}
    diamonds = streaking = None
    if event.get("type") == "gift":
        diamonds = (event.get("diamondCount") or 0) * max(1, event.get("repeatCount") or 1)
        streaking = "true" if event.get("streaking") else "false"
    values = (event.get("seq"), event.get("ts"), event.get("type"), user.get("userId"), user.get("uniqueId"),
              user.get("nickname"), event.get("comment"), event.get("giftName"), event.get("repeatCount"), diamonds,
              streaking, event.get("count"), event.get("viewerCount"))
    return csvcells.row(values)


def csv_chunks(events):
    """The header line, then the events' rows, as UTF-8 bytes in chunks (RFC 4180: CRLF line ends,
    fields with commas, quotes or line breaks quoted)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(csvcells.row(CSV_COLUMNS))
    for count, event in enumerate(events, 1):
        writer.writerow(csv_row(event))
        if count % EVENTS_PER_CHUNK == 0:
            yield _take(buffer)
    rest = _take(buffer)
    if rest:  # never an empty chunk: chunked transfer would read it as the end
        yield rest


def jsonl_chunks(events):
    """One event object per line (JSON, UTF-8, no ASCII escaping), in chunks."""
    lines = []
    for event in events:
        lines.append(json.dumps(event, ensure_ascii=False, separators=(",", ":")))
        if len(lines) == EVENTS_PER_CHUNK:
            yield ("\n".join(lines) + "\n").encode()
            lines.clear()
    if lines:
        yield ("\n".join(lines) + "\n").encode()


def _take(buffer):
    """What the buffer holds, as bytes; the buffer is emptied."""
    data = buffer.getvalue().encode()
    buffer.seek(0)
    buffer.truncate()
    return data
