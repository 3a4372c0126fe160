"""A creator's month and the roster's month as CSV (docs/http.md, "The wall"; the rules: docs/wall.md and
pace.py). Routes of the wall's blueprint (api.py)."""

import csv
import io
import time
import zoneinfo

from flask import Response, current_app, jsonify, request

from ..reports import csvcells
from . import inputs, pace
from .http import bp, records

CSV_COLUMNS = ("username", "displayName", "month", "timezone", "hours", "validDays", "diamonds", "follows",
               "lives", "battlesWon", "battlesLost", "battlesDrawn", "peakViewers", "targetHours",
               "targetValidDays", "targetDiamonds", "projectedHours", "projectedValidDays", "projectedDiamonds")


def _zone():
    return zoneinfo.ZoneInfo(current_app.config["WALL_TIMEZONE"])


def _month_asked(zone, now):
    """(year, month) of `month=`, or the current month in the wall's zone."""
    return inputs.month(request.args.get("month")) or pace.month_of(now, zone)


def _reports(entries, zone, year, month, now):
    """The month's report of each roster entry (`{username, targets}`), in one read of the records."""
    start, end = pace.month_bounds(year, month, zone)
    spans = records().month_lives([entry["username"] for entry in entries], start, end)
    return [pace.month_report(entry["username"], spans[entry["username"]], year, month, zone, now,
                              entry.get("targets")) for entry in entries]


@bp.get("/api/creators/<username>/month")
def creator_month(username):
    """`{username, month, timezone, hours, validDays, diamonds, follows, lives, battles, peakViewers, targets,
    projected, elapsed}`: `month=YYYY-MM`, the current one by default. Targets are the roster's (null off it)."""
    name = inputs.username(username)
    zone, now = _zone(), time.time()
    year, month = _month_asked(zone, now)
    entry = records().roster_entry(name) or {"username": name, "targets": None}
    return jsonify(_reports([entry], zone, year, month, now)[0])


@bp.get("/wall/export.csv")
def roster_month_csv():
    """A row per roster creator (in the roster's order) with the month's figures, targets and projection."""
    zone, now = _zone(), time.time()
    year, month = _month_asked(zone, now)
    entries = records().roster()
    reports = _reports(entries, zone, year, month, now)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for entry, report in zip(entries, reports, strict=True):
        targets, projected, battles = entry["targets"] or {}, report["projected"], report["battles"]
        writer.writerow(csvcells.row([
            entry["username"], entry["displayName"], report["month"], report["timezone"], report["hours"],
            report["validDays"], report["diamonds"], report["follows"], report["lives"], battles["won"],
            battles["lost"], battles["drawn"], report["peakViewers"], targets.get("hours"),
            targets.get("validDays"), targets.get("diamonds"), projected["hours"], projected["validDays"],
            projected["diamonds"]]))
    filename = f"wall-{pace.month_name(year, month)}.csv"
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"})

