"""A live's events as CSV or JSON Lines, produced as a stream of chunks (docs/records.md).

Both take an iterable of the contract's event objects (Records.iter_events reads them from the
database in keyset chunks) and yield bytes a few hundred events at a time, so a live of a million
events never sits whole in memory: the server writes each chunk out before the next is made.
"""

import csv
import io
import json
import re

from .. import events
from . import csvcells

# Every event's columns, then each type's own (assistant/events.py `csv_columns`), then the records' own
# mark: `deleted` on a chat line TikTok deleted (records/batch.py; `true` or `false` on chat rows).
CSV_COLUMNS = ("seq", "ts", "type", "userId", "uniqueId", "nickname", *events.CSV_COLUMNS, "deleted")
EVENTS_PER_CHUNK = 500
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]+")


def _diamonds(gift):
    """The gift's whole value so far: diamonds per unit × repeatCount (a streak's last row holds its total)."""
    return (gift.get("diamondCount") or 0) * max(1, gift.get("repeatCount") or 1)


def _streaking(gift):
    return "true" if gift.get("streaking") else "false"


def _team(battle, index):
    """A side of a battle: the creator's first once TikTok's room info named them (insights/battles.py)."""
    teams = battle.get("teams") or []
    return teams[index] if len(teams) > index else {}


def _host_name(team):
    return (team.get("host") or {}).get("uniqueId")


def _winner(battle):
    """The winning host's uniqueId, `draw`, or empty before the end (the JSON Lines' `result`, made readable)."""
    result = battle.get("result")
    if not result:
        return None
    winner = result.get("winner")
    if winner is None:
        return "draw"
    return next((_host_name(team) for team in battle.get("teams") or []
                 if (team.get("host") or {}).get("userId") == winner), winner)


# (type, column) -> how the column is made from an event of that type, where it is not the event's field of
# that name as it is.
_COMPUTED = {
    ("gift", "diamonds"): _diamonds,
    ("gift", "streaking"): _streaking,
    ("battle", "host"): lambda battle: _host_name(_team(battle, 0)),
    ("battle", "score"): lambda battle: _team(battle, 0).get("score"),
    ("battle", "opponent"): lambda battle: _host_name(_team(battle, 1)),
    ("battle", "opponentScore"): lambda battle: _team(battle, 1).get("score"),
    ("battle", "winner"): _winner,
}


def _reader(kind, column):
    return _COMPUTED.get((kind, column)) or (lambda event: event.get(column))


# Type -> (index among the type columns, how to fill it from an event) for each column of that type.
_READERS = {kind.name: tuple((events.CSV_COLUMNS.index(column), _reader(kind.name, column))
                             for column in kind.csv_columns)
            for kind in events.EVENT_TYPES}


def filename(live, extension):
    """`<username>-<roomId>.<extension>`, safe in a Content-Disposition header."""
    stem = _UNSAFE_NAME.sub("_", f"{live['username']}-{live.get('roomId') or live['id']}")
    return f"{stem}.{extension}"


def csv_row(event):
    """One event as the CSV's columns; columns the event's type lacks are empty, text is made spreadsheet-safe
    (csvcells). `diamonds`: the gift's whole value so far. `streaking`: `true` on a streak's steps, `false`
    on the gift row that counts (a streak's end, a gift that does not streak), so that the diamonds of the
    `false` rows add up to the live's total. `deleted`: `true` on a chat line TikTok deleted."""
    user = event.get("user") or {}
    kind = event.get("type")
    own = [None] * len(events.CSV_COLUMNS)
    for index, read in _READERS.get(kind, ()):
        own[index] = read(event)
    deleted = ("true" if event.get("deleted") else "false") if kind == "chat" else None
    return csvcells.row((event.get("seq"), event.get("ts"), kind, user.get("userId"), user.get("uniqueId"),
                         user.get("nickname"), *own, deleted))


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
