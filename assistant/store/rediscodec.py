"""RedisStore's values: what Redis answers, as the store's objects (SessionRecord, StreamState, events,
points), and the JSON the store writes there. Key layout and scripts: redis.py."""

import json

from .base import SessionRecord, StreamState

dumps = json.JSONEncoder(separators=(",", ":")).encode  # ASCII: a lone surrogate cannot fail to encode


def pairs(flat):
    """A Lua HGETALL (a flat list) as a dict."""
    return dict(zip(flat[::2], flat[1::2], strict=True))


def session_record(session_id, fields, clients):
    """A SessionRecord from its hash and its number of sockets."""
    return SessionRecord(
        id=session_id,
        token=fields["token"],
        ip=fields["ip"],
        created_at=float(fields["created_at"]),
        last_activity=float(fields["last_activity"]),
        username=fields.get("username"),
        clients=int(clients),
        kind=fields["kind"],
        wall=tuple(fields.get("wall", "").split()),
    )


def lua_session(session_id, result):
    """The SessionRecord of a script's `record(id)` answer ({hash, sockets}); None for its false."""
    return session_record(session_id, pairs(result[0]), result[1]) if result else None


def stream_state(username, fields, lease_holder, watchers):
    """A StreamState from its hash; `owner` only while the process that stored it still holds the lease."""
    if not fields:
        return None
    owner, holder = fields.pop("owner", None), fields.pop("holder", None)
    values = {name: json.loads(value) for name, value in fields.items()}
    return StreamState(username, **values, owner=owner if holder and holder == lease_holder else None,
                       watchers=int(watchers))


def in_time_order(points):
    """Series points (JSON, as stored) in time order."""
    return sorted((json.loads(point) for point in points), key=lambda point: point["t"])


def entry_seq(entry_id):
    """The seq of a log entry: its id is `<seq>-0`."""
    return int(entry_id.split("-", 1)[0])


def log_events(entries):
    """The events of log entries (decoded in one go: much faster than one json.loads each)."""
    return json.loads("[" + ",".join(fields["e"] for _, fields in entries) + "]")


def field_args(fields):
    """StreamState fields as a script's arguments: name, JSON value, name, JSON value..."""
    return [item for name, value in fields.items() for item in (name, dumps(value))]
