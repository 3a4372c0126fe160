"""The rules and the counters in the database (records/schema.py: action_rules, action_counters).

Functions of an SQLAlchemy connection, run by `Database.run` (in a pool thread, one transaction each). Rules go out
as the API shows them (`shown`): times in epoch ms, the secret never, only whether there is one.
"""

import secrets
import time

from sqlalchemy import delete, func, insert, select, update

from ..records.batch import dialect_insert
from ..records.schema import action_counters, action_rules

RULE_ID_BYTES = 12  # 16 URL-safe characters: unguessable, short in a URL


def shown(row):
    """A rule row as the API gives it."""
    return {
        "id": row.id, "username": row.username, "name": row.name, "enabled": bool(row.enabled),
        "trigger": row.trigger, "cooldown": row.cooldown, "actions": row.actions, "hasSecret": row.secret is not None,
        "createdAt": round(row.created_at * 1000), "updatedAt": round(row.updated_at * 1000),
    }


def list_rules(connection, username=None):
    query = select(action_rules).order_by(action_rules.c.username, action_rules.c.created_at)
    if username is not None:
        query = query.where(action_rules.c.username == username)
    return [shown(row) for row in connection.execute(query)]


def get_rule(connection, rule_id):
    row = connection.execute(select(action_rules).where(action_rules.c.id == rule_id)).first()
    return None if row is None else shown(row)


def count_rules(connection, username):
    return connection.execute(select(func.count()).select_from(action_rules)
                              .where(action_rules.c.username == username)).scalar_one()


def add_rule(connection, rule, secret):
    now = time.time()
    rule_id = secrets.token_urlsafe(RULE_ID_BYTES)
    connection.execute(insert(action_rules).values(
        id=rule_id, username=rule["username"], name=rule["name"], enabled=rule["enabled"], trigger=rule["trigger"],
        cooldown=rule["cooldown"], actions=rule["actions"], secret=secret, created_at=now, updated_at=now))
    return get_rule(connection, rule_id)


def replace_rule(connection, rule_id, rule, secret=None):
    """The rule replaced (None: no such rule); `secret` None keeps the one it has."""
    values = {field: rule[field] for field in ("username", "name", "enabled", "trigger", "cooldown", "actions")}
    if secret is not None:
        values["secret"] = secret
    done = connection.execute(update(action_rules).where(action_rules.c.id == rule_id)
                              .values(**values, updated_at=time.time()))
    return get_rule(connection, rule_id) if done.rowcount else None


def delete_rule(connection, rule_id):
    """The deleted rule's username, or None when there was none (its deliveries go with it)."""
    username = connection.execute(select(action_rules.c.username).where(action_rules.c.id == rule_id)).scalar()
    if username is not None:
        connection.execute(delete(action_rules).where(action_rules.c.id == rule_id))
    return username


def enabled_rules(connection, username):
    """The creator's enabled rules, oldest first, as kept (the evaluator's input)."""
    query = (select(action_rules).where(action_rules.c.username == username, action_rules.c.enabled)
             .order_by(action_rules.c.created_at))
    return [shown(row) for row in connection.execute(query)]


def counters(connection, username):
    """{name: value} of the creator's counters."""
    query = select(action_counters.c.name, action_counters.c.value).where(action_counters.c.username == username)
    return {name: value for name, value in connection.execute(query)}


def set_counter(connection, username, name, value):
    """The counter set to `value` (made when new): a reset from the page."""
    statement = dialect_insert(connection, action_counters).values(username=username, name=name, value=value,
                                                                   updated_at=time.time())
    connection.execute(statement.on_conflict_do_update(
        index_elements=["username", "name"],
        set_={"value": statement.excluded.value, "updated_at": statement.excluded.updated_at}))


def add_to_counters(connection, adds):
    """{(username, name): add}: each counter moved by its add (made at it when new), in one statement. Increments,
    not values: a reset from the page between a runner's change and its write is not undone by the write."""
    if not adds:
        return
    now = time.time()
    statement = dialect_insert(connection, action_counters)
    statement = statement.on_conflict_do_update(
        index_elements=["username", "name"],
        set_={"value": action_counters.c.value + statement.excluded.value, "updated_at": statement.excluded.updated_at})
    connection.execute(statement, [{"username": username, "name": name, "value": add, "updated_at": now}
                                   for (username, name), add in adds.items()])

