"""Lives and events written straight into a records SQLite database (assistant/records/schema.py), for
the tests of the pages, the API and the exports: a server started on that file (DATABASE_URL) has
made the tables; these add rows the way the writer stores them (the event object as JSON text)."""

import json
import sqlite3
import time
from contextlib import closing

METRIC_KEYS = ("currentViewerCount", "peakViewerCount", "totalLikes", "totalGifts", "totalDiamonds",
               "totalComments", "totalFollows", "totalShares", "totalJoins")


def sqlite_url(path):
    return f"sqlite:///{path}"


def _connect(path):
    connection = sqlite3.connect(path, timeout=30)
    connection.execute("PRAGMA busy_timeout=30000")
    return connection


def _insert_events(connection, live_id, events):
    """The events as the writer stores them: a chat line's messageId in its column, and an event given with
    `deleted: true` (as the records read it out) stored without it, its column set."""
    rows = []
    for e in events:
        data = {key: value for key, value in e.items() if key != "deleted"}
        rows.append((live_id, e["seq"], e["ts"], e["type"], (e.get("user") or {}).get("userId"),
                     e.get("messageId") if e["type"] == "chat" else None, bool(e.get("deleted")),
                     json.dumps(data, ensure_ascii=False)))
    connection.executemany("INSERT INTO events (live_id, seq, ts, type, user_id, message_id, deleted, data) "
                           "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)


def add_live(path, username, room_id, events=(), started_at=None, status="ended", metrics=None,
             leaderboards=None, points=(), minutes=30):
    """A live and its events (contract dicts with seq, ts, type), `minutes` long when ended; returns its id."""
    started_at = time.time() - 3600 if started_at is None else started_at
    ended_at = started_at + minutes * 60 if status == "ended" else None
    metrics = {key: 0 for key in METRIC_KEYS} | (metrics or {})
    with closing(_connect(path)) as connection, connection:
        cursor = connection.execute(
            "INSERT INTO lives (username, room_id, status, started_at, ended_at, end_reason, updated_at, seq, "
            "metrics, leaderboards) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (username, room_id, status, started_at, ended_at, "ended" if ended_at else None, time.time(),
             max((e["seq"] for e in events), default=0), json.dumps(metrics),
             None if leaderboards is None else json.dumps(leaderboards)))
        live_id = cursor.lastrowid
        _insert_events(connection, live_id, events)
        connection.executemany(
            "INSERT INTO series_points (live_id, t, viewers, likes, diamonds, comments, joins, follows, shares) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            ((live_id, p["t"], p.get("viewers"), *(p.get(k, 0) for k in
              ("likes", "diamonds", "comments", "joins", "follows", "shares"))) for p in points))
    return live_id


def add_chat_flood(path, live_id, count, start_ts=1_700_000_000_000, batch=100_000):
    """`count` chat events (seq 1..count) in one live, fast: executemany in batches of `batch` rows, one
    transaction. Each comment reads `line <seq>`."""
    template = ('{"seq":%d,"ts":%d,"type":"chat","user":{"userId":"%d","uniqueId":"u%d","nickname":"Viewer %d",'
                '"avatarUrl":""},"comment":"line %d, with a comma"}')

    def rows(first, last):
        for seq in range(first, last):
            user = seq % 5000
            ts = start_ts + seq
            yield live_id, seq, ts, "chat", str(user), template % (seq, ts, user, user, user, seq)

    with closing(_connect(path)) as connection, connection:
        for first in range(1, count + 1, batch):
            connection.executemany(
                "INSERT INTO events (live_id, seq, ts, type, user_id, data) VALUES (?, ?, ?, ?, ?, ?)",
                rows(first, min(first + batch, count + 1)))
        connection.execute("UPDATE lives SET seq = ? WHERE id = ?", (count, live_id))


def add_events(path, live_id, events, metrics=None, leaderboards=None):
    """More events of a live already written (a live still running, as the writer adds them), and, when
    given, its totals and leaderboards as they now are."""
    with closing(_connect(path)) as connection, connection:
        _insert_events(connection, live_id, events)
        connection.execute("UPDATE lives SET seq = max(seq, ?), updated_at = ? WHERE id = ?",
                           (max((e["seq"] for e in events), default=0), time.time(), live_id))
        if metrics is not None:
            connection.execute("UPDATE lives SET metrics = ? WHERE id = ?",
                               (json.dumps({key: 0 for key in METRIC_KEYS} | metrics), live_id))
        if leaderboards is not None:
            connection.execute("UPDATE lives SET leaderboards = ? WHERE id = ?", (json.dumps(leaderboards), live_id))
