"""How the records' pages write times, durations, numbers, end reasons and initials (Jinja filters, registered by
assistant/reports/pages.py). The pages read without JavaScript: times in UTC; static/js/localtime.js then
shows them in the reader's own time."""

import re
from datetime import UTC, datetime

_WORD_BREAKS = re.compile(r"[\s._-]+")  # static/js/format.js `initials`: /[\s._-]+/u

END_REASONS = {
    "ended": "The LIVE ended",
    "new_live": "The creator started another LIVE",
    "stopped": "Recording stopped (nobody watched, or the server went away)",
}


def _parse(iso):
    if not iso:
        return None
    try:
        moment = datetime.fromisoformat(str(iso).replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def when(iso):
    """`2026-11-27T10:16:05.123Z` -> `27 Nov 2026, 10:16 UTC`; '' for nothing."""
    moment = _parse(iso)
    return moment.astimezone(UTC).strftime("%-d %b %Y, %H:%M UTC") if moment else ""


def clock(ts_ms):
    """An event's `ts` (epoch ms) -> `10:16:05` (UTC)."""
    try:
        return datetime.fromtimestamp(int(ts_ms) / 1000, UTC).strftime("%H:%M:%S")
    except (TypeError, ValueError, OverflowError, OSError):
        return ""


def ts_iso(ts_ms):
    """An event's `ts` (epoch ms) as ISO 8601 UTC, for a <time datetime>."""
    try:
        return datetime.fromtimestamp(int(ts_ms) / 1000, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    except (TypeError, ValueError, OverflowError, OSError):
        return ""


def duration(started, ended=None, now=None):
    """How long from `started` to `ended` (or to now, for a live still running): `1 h 05 min`, `12 min`."""
    start = _parse(started)
    end = _parse(ended) or now or datetime.now(UTC)
    if not start:
        return ""
    minutes = max(0, int((end - start).total_seconds() // 60))
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"


def exact(value):
    """A count with thousands separators: 12345 -> `12,345` (static/js/format.js `formatExact` writes the same,
    whatever the reader's locale: a report's totals refreshed in the page read as the server wrote them)."""
    try:
        return f"{int(value or 0):,}"
    except (TypeError, ValueError):
        return "0"


def initials(name):
    """Up to two initials (letters or digits) of a nickname or username, upper case: `maya.sunny` -> `MS`,
    `Léo 🎧` -> `LÉ`, `Viewer 1` -> `V1`. The rule of static/js/format.js `initials`, so that a picture's
    circle reads the same on a page read without JavaScript as the page's scripts write it."""
    words = [[ch for ch in word if ch.isalnum()] for word in _WORD_BREAKS.split(str(name or ""))]
    words = [letters for letters in words if letters]
    if not words:
        return "?"
    letters = words[0][:2] if len(words) == 1 else [words[0][0], words[1][0]]
    return "".join(letters).upper()


def end_reason(reason):
    return END_REASONS.get(reason, "") if reason else ""


FILTERS = {"when": when, "clock": clock, "ts_iso": ts_iso, "duration": duration, "exact": exact,
           "end_reason": end_reason, "initials": initials}
