"""A creator's month (docs/wall.md, "The month"): hours live, valid days and diamonds against the targets, with
the projected month end. Pure functions of the month's lives (records/months.py's LiveSpan) and a time zone.

The rules an agency counts by (TikTok's creator tiers): a month and its days are those of WALL_TIMEZONE. A live's
hours fall in the days (and months) they were live in: a live over midnight gives each day its share, so a day is
valid with at least an hour live in it, whichever lives it came from (lives that overlap count once). The totals
of a live (diamonds, follows, PK battles, its peak) count in the month it started, like its `lives` count.
"""

import calendar
from collections import Counter
from datetime import datetime, timedelta

from ..metrics import BATTLE_OUTCOMES

VALID_DAY_SECONDS = 3600


def month_of(moment, zone):
    """(year, month) of epoch seconds `moment` in `zone`."""
    local = datetime.fromtimestamp(moment, zone)
    return local.year, local.month


def month_name(year, month):
    """`YYYY-MM`, as the API takes and gives a month."""
    return f"{year:04d}-{month:02d}"


def month_bounds(year, month, zone):
    """[start, end) of the month in `zone`, epoch seconds."""
    following = (year + month // 12, month % 12 + 1)
    start = datetime(year, month, 1, tzinfo=zone).timestamp()
    return start, datetime(*following, 1, tzinfo=zone).timestamp()


def _merged(spans):
    """The time the creator was live, as disjoint (start, end) intervals: overlapping lives count once."""
    merged = []
    for start, end in sorted((span.started_at, span.ended_at) for span in spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return merged


def _next_midnight(moment, zone):
    local_day = datetime.fromtimestamp(moment, zone).date() + timedelta(days=1)
    midnight = datetime(local_day.year, local_day.month, local_day.day, tzinfo=zone).timestamp()
    return max(midnight, moment + 1)  # a zone whose clocks skip midnight still moves on


def seconds_by_day(spans, zone):
    """Counter {local date: seconds live that day}: each live cut at the zone's midnights."""
    days = Counter()
    for start, end in _merged(spans):
        moment = start
        while moment < end:
            cut = min(end, _next_midnight(moment, zone))
            days[datetime.fromtimestamp(moment, zone).date()] += cut - moment
            moment = cut
    return days


def month_figures(spans, year, month, zone):
    """{hours, validDays, diamonds, follows, lives, battles: {won, lost, drawn}, peakViewers} of the month."""
    start, end = month_bounds(year, month, zone)
    live_days = {day: seconds for day, seconds in seconds_by_day(spans, zone).items()
                 if (day.year, day.month) == (year, month)}
    started = [span for span in spans if start <= span.started_at < end]
    battles = dict.fromkeys(BATTLE_OUTCOMES, 0)
    for span in started:
        for outcome, count in ((span.metrics.get("battles") or {}).items()):
            if outcome in battles:
                battles[outcome] += count or 0
    return {
        "hours": round(sum(live_days.values()) / 3600, 2),
        "validDays": sum(1 for seconds in live_days.values() if seconds >= VALID_DAY_SECONDS),
        "diamonds": sum(span.metrics.get("totalDiamonds") or 0 for span in started),
        "follows": sum(span.metrics.get("totalFollows") or 0 for span in started),
        "lives": len(started),
        "battles": battles,
        "peakViewers": max((span.metrics.get("peakViewerCount") or 0 for span in started), default=0),
    }


def elapsed_share(year, month, zone, now):
    """How much of the month has gone by at `now`: 0 (not begun) to 1 (over)."""
    start, end = month_bounds(year, month, zone)
    return min(1.0, max(0.0, (now - start) / (end - start)))


def projected(figures, year, month, zone, now):
    """{hours, validDays, diamonds} at the month's end at the pace so far: the figures scaled by the share of the
    month gone by (hours and days no more than the month has). A month over: its figures; one not begun: zeros."""
    share = elapsed_share(year, month, zone, now)
    if share == 0:
        return {"hours": 0, "validDays": 0, "diamonds": 0}
    days = calendar.monthrange(year, month)[1]
    start, end = month_bounds(year, month, zone)
    return {
        "hours": round(min(figures["hours"] / share, (end - start) / 3600), 2),
        "validDays": min(round(figures["validDays"] / share), days),
        "diamonds": round(figures["diamonds"] / share),
    }


def month_report(username, spans, year, month, zone, now, targets):
    """The month API's answer (docs/http.md): the figures, the targets and the projection."""
    figures = month_figures(spans, year, month, zone)
    return {"username": username, "month": month_name(year, month), "timezone": zone.key, **figures,
            "targets": targets, "projected": projected(figures, year, month, zone, now),
            "elapsed": round(elapsed_share(year, month, zone, now), 4)}
