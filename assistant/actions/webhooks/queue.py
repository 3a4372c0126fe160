"""The durable queue of webhook deliveries: the table `webhook_deliveries`, one row per delivery, on SQLite and
Postgres alike. Every function takes an SQLAlchemy connection inside the caller's transaction (the dispatcher
runs them through `Database.run`).

Claiming: a process marks the due rows it will send with a token of its own and a time its claim lasts
(`claimed_until`, well past the send timeout). The UPDATE re-checks the condition the sub-select chose the
rows by: on Postgres, of two processes choosing the same rows at once the second waits for the first's row
locks, then finds them claimed and skips them, so no row is ever claimed twice. A process killed mid-send
leaves its claim to expire; the row is then claimed again (by another process, or the restarted one) and sent
with the same deliveryId. Results are written only where the claim is still the writer's own.
"""

from sqlalchemy import and_, bindparam, func, insert, or_, select, update

from assistant.records.schema import action_rules, webhook_deliveries

deliveries = webhook_deliveries
PENDING, DELIVERED, DEAD = "pending", "delivered", "dead"
ERROR_CHARS = 300  # the column's size


def _due(now):
    unclaimed = or_(deliveries.c.claim.is_(None), deliveries.c.claimed_until < now)
    return and_(deliveries.c.status == PENDING, deliveries.c.next_at <= now, unclaimed)


def insert_new(connection, rows):
    """Insert the deliveries enqueued since the last write (dicts of the table's columns). Those whose rule is
    gone by now (deleted since) are left out: its deliveries went with it. Returns how many were inserted."""
    rule_ids = {row["rule_id"] for row in rows}
    if not rule_ids:
        return 0
    existing = set(connection.execute(select(action_rules.c.id).where(action_rules.c.id.in_(rule_ids))).scalars())
    kept = [row for row in rows if row["rule_id"] in existing]
    if kept:
        connection.execute(insert(deliveries), kept)
    return len(kept)


def record_results(connection, results):
    """Write the outcome of tries: dicts {b_id, b_claim, b_status, b_tries, b_next_at, b_updated_at,
    b_last_status, b_last_error}; a row whose claim is no longer `b_claim` (it expired and another process
    took it) is left to that process."""
    if not results:
        return
    statement = (
        update(deliveries)
        .where(deliveries.c.id == bindparam("b_id"), deliveries.c.claim == bindparam("b_claim"))
        .values(status=bindparam("b_status"), tries=bindparam("b_tries"), next_at=bindparam("b_next_at"),
                updated_at=bindparam("b_updated_at"), last_status=bindparam("b_last_status"),
                last_error=bindparam("b_last_error"), claim=None, claimed_until=None)
    )
    connection.execute(statement, results)


def claim_due(connection, token, now, claim_until, limit):
    """Claim up to `limit` due deliveries (the most overdue first) for `token` until `claim_until`; returns
    them as dicts {id, rule_id, url, body, tries, created_at, secret} (secret: the rule's, read now)."""
    if limit <= 0:
        return []
    chosen = select(deliveries.c.id).where(_due(now)).order_by(deliveries.c.next_at).limit(limit)
    claimed = connection.execute(
        update(deliveries)
        .where(deliveries.c.id.in_(chosen), _due(now))
        .values(claim=token, claimed_until=claim_until)
        .returning(deliveries.c.id, deliveries.c.rule_id, deliveries.c.url, deliveries.c.body, deliveries.c.tries,
                   deliveries.c.created_at)
    ).mappings().all()
    if not claimed:
        return []
    rule_ids = {row["rule_id"] for row in claimed}
    secrets = dict(connection.execute(
        select(action_rules.c.id, action_rules.c.secret).where(action_rules.c.id.in_(rule_ids))).all())
    return [{**row, "secret": secrets.get(row["rule_id"])} for row in claimed]


def cycle(connection, new_rows, results, token, now, claim_until, limit):
    """One write of the dispatcher: its new rows, its results, then its next claim, in one transaction."""
    insert_new(connection, new_rows)
    record_results(connection, results)
    return claim_due(connection, token, now, claim_until, limit)


def recent(connection, rule_id, limit):
    """A rule's newest deliveries, newest first (rows of the table, body included)."""
    return connection.execute(
        select(deliveries).where(deliveries.c.rule_id == rule_id)
        .order_by(deliveries.c.created_at.desc(), deliveries.c.id).limit(limit)
    ).mappings().all()


def counts(connection):
    """{status: rows} over the table (bounded by `prune`)."""
    return dict(connection.execute(select(deliveries.c.status, func.count()).group_by(deliveries.c.status)).all())


def prune(connection, older_than, keep):
    """Delete the finished (delivered, dead) deliveries made before `older_than` that are not among their rule's
    `keep` newest. Each candidate looks up its rule's keep-th newest time through the (rule_id, created_at)
    index. Returns how many rows went."""
    newer = deliveries.alias("newer")
    keep_th_newest = (
        select(newer.c.created_at).where(newer.c.rule_id == deliveries.c.rule_id)
        .order_by(newer.c.created_at.desc()).limit(1).offset(keep - 1).scalar_subquery()
    )
    done = connection.execute(
        deliveries.delete().where(deliveries.c.status.in_((DELIVERED, DEAD)), deliveries.c.created_at < older_than,
                                  deliveries.c.created_at < keep_th_newest)
    )
    return done.rowcount
