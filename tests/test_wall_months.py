"""A creator's month (docs/wall.md, "The month"): hours live, valid days and the lives' totals counted in
WALL_TIMEZONE, with a live across midnight and one across the month's end; the projection; the roster's month as
CSV. Lives written straight into the records' tables (SQLite, and Postgres in the slow tier), read through the
API of the app in process (Flask's test client)."""

import csv
import io
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine, insert
from support.inprocess import running_app

from assistant.records.engine import database_url as engine_url
from assistant.records.months import LiveSpan
from assistant.records.schema import lives
from assistant.wall import pace

JAKARTA = ZoneInfo("Asia/Jakarta")  # UTC+7: its midnight is 17:00 UTC


def at(zone, *fields):
    return datetime(*fields, tzinfo=zone).timestamp()


def metrics(diamonds=0, follows=0, peak=0, won=0, lost=0, drawn=0):
    return {"totalDiamonds": diamonds, "totalFollows": follows, "peakViewerCount": peak,
            "battles": {"won": won, "lost": lost, "drawn": drawn}}


# Lives of @maya in Jakarta's November 2026 (and around it), as a streamer's team would count them:
NOVEMBER = [
    # October 31st 23:00 -> November 1st 02:00: two hours in November (a valid day), its totals in October
    (at(JAKARTA, 2026, 10, 31, 23), at(JAKARTA, 2026, 11, 1, 2), metrics(diamonds=1000, follows=10, peak=900)),
    # November 3rd 23:30 -> 4th 00:45: half an hour on the 3rd, 45 minutes on the 4th: neither day is valid,
    # although the live is longer than an hour (in UTC it would be one day, 16:30 -> 17:45)
    (at(JAKARTA, 2026, 11, 3, 23, 30), at(JAKARTA, 2026, 11, 4, 0, 45), metrics(diamonds=50, follows=2, peak=40,
                                                                                won=1, lost=1)),
    # November 10th: two lives of 40 minutes the same day make a valid day together
    (at(JAKARTA, 2026, 11, 10, 12), at(JAKARTA, 2026, 11, 10, 12, 40), metrics(diamonds=5, peak=15, drawn=1)),
    (at(JAKARTA, 2026, 11, 10, 20), at(JAKARTA, 2026, 11, 10, 20, 40), metrics(diamonds=7, follows=1, peak=30)),
    # November 30th 22:00 -> December 1st 01:00: two hours in November, one in December; its totals in November
    (at(JAKARTA, 2026, 11, 30, 22), at(JAKARTA, 2026, 12, 1, 1), metrics(diamonds=300, follows=4, peak=120, won=2)),
]
EXPECTED_NOVEMBER = {
    "hours": round((2 + 0.5 + 0.75 + 40 / 60 * 2 + 2) / 1, 2),  # 6.58
    "validDays": 3,  # the 1st, the 10th, the 30th
    "diamonds": 50 + 5 + 7 + 300, "follows": 2 + 1 + 4, "lives": 4,
    "battles": {"won": 3, "lost": 1, "drawn": 1}, "peakViewers": 120,
}


def add_lives(url, username, spans, status="ended"):
    engine = create_engine(engine_url(url, None))
    with engine.begin() as connection:
        for number, (start, end, totals) in enumerate(spans):
            connection.execute(insert(lives).values(
                username=username, room_id=f"{username}-{number}-{start}", status=status, started_at=start,
                ended_at=end if status == "ended" else None, end_reason="ended" if status == "ended" else None,
                updated_at=end, seq=0, metrics=totals))
    engine.dispose()


def test_a_live_over_midnight_gives_each_day_its_hours():
    spans = [LiveSpan(start, end, totals) for start, end, totals in NOVEMBER]
    assert pace.month_figures(spans, 2026, 11, JAKARTA) == EXPECTED_NOVEMBER
    days = pace.seconds_by_day(spans[1:2], JAKARTA)
    assert {day.isoformat(): seconds / 60 for day, seconds in days.items()} == {"2026-11-03": 30, "2026-11-04": 45}
    # The same lives counted in UTC: another split. The live over Jakarta's midnight is one valid UTC day, and the
    # first live is all October's (16:00 -> 19:00 UTC on the 31st)
    utc_days = pace.seconds_by_day(spans[1:2], ZoneInfo("UTC"))
    assert {day.isoformat(): seconds / 60 for day, seconds in utc_days.items()} == {"2026-11-03": 75}
    utc = pace.month_figures(spans, 2026, 11, ZoneInfo("UTC"))
    assert (utc["hours"], utc["validDays"], utc["lives"], utc["diamonds"]) == (5.58, 3, 4, 362)
    october = pace.month_figures(spans, 2026, 10, JAKARTA)
    assert (october["hours"], october["validDays"], october["diamonds"], october["lives"]) == (1.0, 1, 1000, 1)
    december = pace.month_figures(spans, 2026, 12, JAKARTA)
    assert (december["hours"], december["validDays"], december["diamonds"], december["lives"]) == (1.0, 1, 0, 0)


def test_overlapping_lives_count_their_time_once():
    start = at(JAKARTA, 2026, 11, 5, 10)
    spans = [LiveSpan(start, start + 3000, {}), LiveSpan(start + 1800, start + 4000, {})]
    assert pace.month_figures(spans, 2026, 11, JAKARTA)["hours"] == round(4000 / 3600, 2)


def test_the_projection_scales_the_pace_so_far_to_the_month():
    zone = ZoneInfo("Europe/London")
    figures = {"hours": 10.0, "validDays": 5, "diamonds": 1000}
    quarter = at(zone, 2026, 4, 1) + 30 * 86400 / 4  # a quarter of April gone by
    assert pace.projected(figures, 2026, 4, zone, quarter) == {"hours": 40.0, "validDays": 20, "diamonds": 4000}
    early = at(zone, 2026, 4, 1, 1)  # an hour in: no more than the month holds
    assert pace.projected(figures, 2026, 4, zone, early) == {"hours": 720.0, "validDays": 30, "diamonds": 720_000}
    over = at(zone, 2026, 5, 3)
    assert pace.projected(figures, 2026, 4, zone, over) == figures
    assert pace.projected(figures, 2026, 6, zone, over) == {"hours": 0, "validDays": 0, "diamonds": 0}
    # March in London is an hour short (summer time): its hours are the month's own
    assert pace.month_bounds(2026, 3, zone)[1] - pace.month_bounds(2026, 3, zone)[0] == (31 * 24 - 1) * 3600


@pytest.fixture
def wall(tmp_path, database_url):
    with running_app(tmp_path, DATABASE_URL=database_url, WALL_TIMEZONE="Asia/Jakarta",
                     RECORD_RETENTION_DAYS=3650) as app:
        yield app.test_client(), database_url


def test_a_month_from_recorded_lives(wall):
    client, url = wall
    add_lives(url, "maya", NOVEMBER)
    add_lives(url, "leo", NOVEMBER[2:3])
    client.post("/api/roster", json={"username": "maya", "targets": {"hours": 40, "validDays": 20}})

    month = client.get("/api/creators/@Maya/month?month=2026-11").get_json()
    assert {key: month[key] for key in EXPECTED_NOVEMBER} == EXPECTED_NOVEMBER
    assert month["username"] == "maya" and month["month"] == "2026-11" and month["timezone"] == "Asia/Jakarta"
    assert month["targets"] == {"hours": 40, "validDays": 20, "diamonds": None}
    assert month["projected"] == {"hours": 6.58, "validDays": 3, "diamonds": 362} and month["elapsed"] == 1

    october = client.get("/api/creators/maya/month?month=2026-10").get_json()
    assert (october["hours"], october["diamonds"], october["lives"]) == (1.0, 1000, 1)
    nobody = client.get("/api/creators/nobody_yet/month?month=2026-11").get_json()
    assert nobody["hours"] == 0 and nobody["lives"] == 0 and nobody["targets"] is None


def test_the_current_month_is_projected_to_its_end(wall):
    client, url = wall
    now = time.time()
    add_lives(url, "maya", [(now - 7200, now - 60, metrics(diamonds=90))], status="live")
    month = client.get("/api/creators/maya/month").get_json()
    year, number = pace.month_of(now, JAKARTA)
    assert month["month"] == f"{year:04d}-{number:02d}"
    assert month["hours"] == pytest.approx((7200 - 60) / 3600, abs=0.01) and month["diamonds"] == 90
    share = pace.elapsed_share(year, number, JAKARTA, time.time())
    assert month["elapsed"] == pytest.approx(share, abs=0.001)
    assert month["projected"]["diamonds"] == pytest.approx(90 / share, rel=0.01)


@pytest.mark.parametrize("month", ["2026-13", "2026-1", "26-11", "1969-12", "2026-11-01", "november"])
def test_a_bad_month_is_a_400(wall, month):
    answer = wall[0].get(f"/api/creators/maya/month?month={month}")
    assert answer.status_code == 400 and "month must look like 2026-03" in answer.get_json()["message"]


def test_the_roster_month_as_csv_neutralises_its_cells(wall):
    client, url = wall
    add_lives(url, "maya", NOVEMBER)
    client.post("/api/roster", json={"username": "maya", "displayName": "=HYPERLINK(\"http://x\")",
                                     "targets": {"diamonds": 1000}})
    client.post("/api/roster", json={"username": "leo", "displayName": "+Leo, \"the\" lion"})
    answer = client.get("/wall/export.csv?month=2026-11")
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    assert 'filename="wall-2026-11.csv"' in answer.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(answer.get_data(as_text=True))))
    assert [row["username"] for row in rows] == ["maya", "leo"]
    assert rows[0]["displayName"] == "'=HYPERLINK(\"http://x\")" and rows[1]["displayName"] == "'+Leo, \"the\" lion"
    assert (rows[0]["hours"], rows[0]["validDays"], rows[0]["diamonds"], rows[0]["battlesWon"]) == \
        ("6.58", "3", "362", "3")
    assert (rows[0]["targetDiamonds"], rows[0]["targetHours"], rows[0]["timezone"]) == ("1000", "", "Asia/Jakarta")
    assert (rows[1]["hours"], rows[1]["lives"]) == ("0.0", "0")
    assert client.get("/wall/export.csv?month=nope").status_code == 400
