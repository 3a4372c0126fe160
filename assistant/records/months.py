"""The lives a month's figures are made of (assistant/wall/pace.py counts them): a function of a connection, run
through Database.run by the Records facade, like reads.py."""

from dataclasses import dataclass

from sqlalchemy import func, select

from .schema import lives


@dataclass(frozen=True)
class LiveSpan:
    """One live as a month counts it: when it started, when it ended (its last write while it runs), its totals."""

    started_at: float
    ended_at: float
    metrics: dict


def month_lives(connection, usernames, start, end):
    """{username: [LiveSpan] by start} of the lives of these creators that overlap [start, end) (epoch seconds):
    the ones started in it, and the ones started before that ran into it. A live still running ends at its last
    write (`updated_at`, at most a minute old while it is recorded)."""
    ended = func.coalesce(lives.c.ended_at, lives.c.updated_at)
    query = (select(lives.c.username, lives.c.started_at, ended, lives.c.metrics)
             .where(lives.c.username.in_(usernames), lives.c.started_at < end, ended >= start)
             .order_by(lives.c.username, lives.c.started_at))
    found = {name: [] for name in usernames}
    for username, started_at, ended_at, metrics in connection.execute(query):
        found[username].append(LiveSpan(started_at, max(started_at, ended_at), metrics or {}))
    return found
