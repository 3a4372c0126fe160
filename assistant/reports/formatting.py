"""How the records' pages write times, durations, numbers and end reasons (Jinja filters, registered by
assistant/reports/pages.py). The pages read without JavaScript: times in UTC; static/js/localtime.js then
shows them in the reader's own time."""

from datetime import UTC, datetime

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


def end_reason(reason):
    return END_REASONS.get(reason, "") if reason else ""


FILTERS = {"when": when, "clock": clock, "ts_iso": ts_iso, "duration": duration, "exact": exact,
           "end_reason": end_reason}
