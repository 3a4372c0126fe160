"""The query values of the records' pages, API and exports (assistant/reports/pages.py), checked.

Each reader takes `request.args` and returns the value, or None when it is absent; a value that is
there but wrong raises BadQuery with a message for the 400 answer.
"""

import re

from .. import events
from ..usernames import UsernameError, parse_username

MAX_SEARCH_CHARS = 100
_INTEGER = re.compile(r"[0-9]{1,18}")  # below 2**63: what a bigint column holds


class BadQuery(ValueError):
    """A query value that is present but wrong; str() is the message for the client."""


def live_id(text):
    """The id in a path (`/streams/<id>`) as an int, or None when it cannot be one (then no live has it)."""
    return int(text) if _INTEGER.fullmatch(text) else None


def cursor(args, name):
    """`before` or `after`: a non-negative integer (the `next` of the previous page)."""
    raw = args.get(name)
    if raw is None or raw == "":
        return None
    if not _INTEGER.fullmatch(raw.strip()):
        raise BadQuery(f"{name} must be a non-negative integer (the `next` of the previous page), got {raw[:40]!r}")
    return int(raw)


def limit(args, default, highest):
    """`limit`: how many to return, 1 to `highest`."""
    raw = args.get("limit")
    if raw is None or raw == "":
        return default
    if not _INTEGER.fullmatch(raw.strip()) or not 1 <= int(raw) <= highest:
        raise BadQuery(f"limit must be an integer from 1 to {highest}, got {raw[:40]!r}")
    return int(raw)


_NAMES_BY_LOWER = {name.lower(): name for name in events.NAMES}  # `chatDeleted` has a capital


def event_types(args):
    """`types=chat,gift` (or `types=chat&types=gift`, as a form's checkboxes send it; case aside): a tuple of
    the contract's types (assistant/events.py) in its order, or None for every type."""
    names = [name.strip() for raw in args.getlist("types") for name in raw.split(",")]
    names = [name for name in names if name]
    if not names:
        return None
    unknown = sorted({name for name in names if name.lower() not in _NAMES_BY_LOWER})
    if unknown:
        expected = ", ".join(events.NAMES)
        raise BadQuery(f"unknown event type {', '.join(unknown)[:80]!r} in types: expected some of {expected}")
    wanted = {_NAMES_BY_LOWER[name.lower()] for name in names}
    return tuple(kind for kind in events.NAMES if kind in wanted)


def username(args, required=False):
    """`username`: a creator, by the username rule (`@name` and profile links too), in lower case."""
    raw = (args.get("username") or "").strip()
    if not raw:
        if required:
            raise BadQuery("username is required: the creator whose live to show")
        return None
    try:
        return parse_username(raw)
    except UsernameError as error:
        raise BadQuery(f"username: {error.message}") from None


def search(args):
    """`q`: text to find in the chat, at most MAX_SEARCH_CHARS characters."""
    text = (args.get("q") or "").strip()
    if "\0" in text:  # no stored text holds one (the records take it out), and Postgres refuses it in a query
        raise BadQuery("q must not contain a NUL character")
    if len(text) > MAX_SEARCH_CHARS:
        raise BadQuery(f"q must be at most {MAX_SEARCH_CHARS} characters")
    return text or None
