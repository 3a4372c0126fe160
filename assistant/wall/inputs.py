"""The wall's request values, checked: each reader returns the value or raises BadInput, whose message is the
400 answer's (docs/http.md, "The wall")."""

import re
import unicodedata

from ..usernames import UsernameError, parse_username

DISPLAY_NAME_CHARS = 100
NOTE_CHARS = 1000  # a team note on a viewer
MAX_USER_ID_CHARS = 64  # the records' viewers.user_id
# Each target's highest value: a month's hours, its days, and more diamonds than any creator earns.
TARGET_LIMITS = {"hours": 744, "validDays": 31, "diamonds": 10**12}
_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")
ROSTER_FIELDS = ("username", "displayName", "targets")


class BadInput(ValueError):
    """A value that is missing or wrong; str() is the message for the client."""


def username(text):
    """A creator by the username rule (`@name` and profile links too), in lower case."""
    try:
        return parse_username(text)
    except UsernameError as error:
        raise BadInput(f"username: {error.message}") from None


def json_object(request):
    """The request's JSON object body; BadInput when it is not JSON (Content-Type application/json) or not an
    object. Requiring the JSON type also keeps a form on another site from posting here with the login cookie."""
    if not request.is_json:
        raise BadInput("Send a JSON object with Content-Type: application/json")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BadInput("The body must be a JSON object")
    return body


def _text_without_controls(value, name, limit):
    if not isinstance(value, str):
        raise BadInput(f"{name} must be a string")
    if len(value) > limit:
        raise BadInput(f"{name} must be at most {limit} characters")
    if any(unicodedata.category(char) == "Cc" and char not in "\n\t" for char in value):
        raise BadInput(f"{name} must not contain control characters")
    return value


def roster_entry(body):
    """(username, displayName or None, targets or None) of a roster POST body."""
    unknown = sorted(set(body) - set(ROSTER_FIELDS))
    if unknown:
        raise BadInput(f"Unknown field {unknown[0][:40]!r}: a roster entry has {', '.join(ROSTER_FIELDS)}")
    if "username" not in body:
        raise BadInput("username is required: the creator to add")
    name = username(body["username"])
    display = body.get("displayName")
    if display is not None:
        display = _text_without_controls(display, "displayName", DISPLAY_NAME_CHARS).strip()
        if "\n" in display or "\t" in display:
            raise BadInput("displayName must be one line")
    return name, display or None, targets(body.get("targets"))


def targets(value):
    """`{hours, validDays, diamonds}`, each a number of 0 or more or null (no target); None when none is set."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise BadInput("targets must be an object {hours, validDays, diamonds} or null")
    unknown = sorted(set(value) - set(TARGET_LIMITS))
    if unknown:
        raise BadInput(f"Unknown target {unknown[0][:40]!r}: targets are {', '.join(TARGET_LIMITS)}")
    checked = {}
    for name, highest in TARGET_LIMITS.items():
        number = value.get(name)
        if number is not None:
            whole = name != "hours"
            kind = int if whole else (int, float)
            if isinstance(number, bool) or not isinstance(number, kind) or not 0 <= number <= highest:
                form = "a whole number" if whole else "a number"
                raise BadInput(f"targets.{name} must be {form} from 0 to {highest}, or null")
        checked[name] = number
    return checked if any(number is not None for number in checked.values()) else None


def month(raw):
    """`YYYY-MM` -> (year, month); None when absent (the current month)."""
    if raw is None or raw == "":
        return None
    match = _MONTH.fullmatch(raw.strip())
    if not match or not 1 <= int(match[2]) <= 12 or not 1970 <= int(match[1]) <= 2999:
        raise BadInput(f"month must look like 2026-03 (a year from 1970 to 2999, a month), got {raw[:40]!r}")
    return int(match[1]), int(match[2])


def note(body):
    """A viewer note's text, or None to delete it (empty, or only spaces)."""
    unknown = sorted(set(body) - {"note"})
    if unknown or "note" not in body:
        raise BadInput("The body is {note}: the note's text (empty deletes it)")
    if body["note"] is None:
        return None
    text = _text_without_controls(body["note"], "note", NOTE_CHARS)
    return text if text.strip() else None


def days(raw, default, highest):
    """`days`: a whole number of days from 1 to `highest`."""
    if raw is None or raw == "":
        return default
    text = raw.strip()
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= highest:
        raise BadInput(f"days must be a whole number from 1 to {highest}, got {raw[:40]!r}")
    return int(text)


def user_id(text):
    """A viewer's TikTok user id as the events carry it (`user.userId`): 1 to 64 characters, no control ones."""
    if not 1 <= len(text) <= MAX_USER_ID_CHARS or not text.isprintable():
        raise BadInput(f"The viewer's userId must be 1 to {MAX_USER_ID_CHARS} printable characters")
    return text
