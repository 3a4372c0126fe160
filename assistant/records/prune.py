"""Retention: old lives go (their events, viewers and points with them, ON DELETE CASCADE), and lives
nobody has recorded into for a while are marked ended."""

from sqlalchemy import delete, update

from .schema import lives

STALE_SECONDS = 600  # a runner touches its live every 60 s; ten minutes of silence: it is gone


def prune(connection, now, retention_days):
    """-> {deleted, stopped}: lives started more than `retention_days` ago deleted; "live" ones not updated
    for STALE_SECONDS ended with reason "stopped" at their last update."""
    deleted = connection.execute(delete(lives).where(lives.c.started_at < now - retention_days * 86400)).rowcount
    stopped = connection.execute(
        update(lives)
        .where(lives.c.status == "live", lives.c.updated_at < now - STALE_SECONDS)
        .values(status="ended", end_reason="stopped", ended_at=lives.c.updated_at)
    ).rowcount
    return {"deleted": deleted, "stopped": stopped}
