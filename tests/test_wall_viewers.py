"""A creator's regulars through the API, on the app in process (Flask's test client) and viewers' rows written
straight into its records (SQLite, and Postgres in the slow tier): the boards over the last days (lives older
than that left out, ties to who came first, the newest name of each viewer), the viewer history's query, and
the notes' checks."""

import time

import pytest
from sqlalchemy import create_engine, insert
from support.inprocess import running_app

from assistant.records.engine import database_url as engine_url
from assistant.records.schema import lives, viewers

DAY = 86400


def user(n, nickname):
    return {"userId": str(n), "uniqueId": f"u{n}", "nickname": nickname}


def add_viewers(url, username, started_at, rows):
    """A live of `username` started at `started_at`, with these viewers: (user, first_seen, {tallies})."""
    engine = create_engine(engine_url(url, None))
    with engine.begin() as connection:
        live_id = connection.execute(insert(lives).values(
            username=username, room_id=f"{username}-{started_at}", status="ended", started_at=started_at,
            ended_at=started_at + 3600, updated_at=started_at + 3600, seq=0, metrics={})).inserted_primary_key[0]
        for who, first_seen, tallies in rows:
            totals = {name: tallies.get(name, 0) for name in ("comments", "likes", "gifts", "diamonds", "follows",
                                                              "shares")}
            connection.execute(insert(viewers).values(
                live_id=live_id, user_id=who["userId"], unique_id=who["uniqueId"], nickname=who["nickname"],
                first_seen=first_seen, last_seen=first_seen + 1000, card={"user": who, "firstSeen": first_seen,
                                                                          "totals": totals}, **totals))
    engine.dispose()
    return live_id


@pytest.fixture
def app(tmp_path, database_url):
    with running_app(tmp_path, DATABASE_URL=database_url) as app:
        yield app


def test_the_boards_sum_the_last_days(app):
    url, client, now = app.config["DATABASE_URL"], app.test_client(), time.time()
    add_viewers(url, "maya", now - 40 * DAY, [(user(1, "Old Ann"), 1, {"comments": 100, "diamonds": 900})])
    add_viewers(url, "maya", now - 20 * DAY, [(user(1, "Ann"), 10, {"comments": 3, "diamonds": 50, "gifts": 2}),
                                             (user(2, "Bob"), 5, {"comments": 3, "likes": 7})])
    add_viewers(url, "maya", now - 1 * DAY, [(user(1, "Ann Again"), 20, {"comments": 1, "likes": 1}),
                                            (user(3, "Cleo"), 30, {"diamonds": 50, "gifts": 1})])
    add_viewers(url, "leo", now - 1 * DAY, [(user(1, "Ann"), 40, {"comments": 50})])  # another creator's

    boards = client.get("/api/creators/@maya/leaderboards").get_json()
    assert boards["username"] == "maya" and boards["days"] == 30
    assert [(e["user"]["nickname"], e["diamonds"], e["gifts"]) for e in boards["gifters"]] == [
        ("Ann Again", 50, 2), ("Cleo", 50, 1)]  # a tie: who came first (Ann, first seen at 10)
    assert [(e["user"]["userId"], e["comments"]) for e in boards["chatters"]] == [("1", 4), ("2", 3)]
    assert [(e["user"]["userId"], e["likes"]) for e in boards["likers"]] == [("2", 7), ("1", 1)]
    week = client.get("/api/creators/maya/leaderboards?days=7").get_json()
    assert [(e["user"]["userId"], e["comments"]) for e in week["chatters"]] == [("1", 1)]
    assert client.get("/api/creators/nobody/leaderboards").get_json()["gifters"] == []
    assert client.get("/wall/export.csv").get_data(as_text=True).count("\n") == 1, "an empty roster: the header"
    for days in ("0", "367", "-1", "ten", "1.5"):
        answer = client.get(f"/api/creators/maya/leaderboards?days={days}")
        assert answer.status_code == 400 and "days must be a whole number from 1 to 366" in answer.get_json()[
            "message"]


def test_a_viewers_history_counts_this_live_from_its_card(app):
    url, records, now = app.config["DATABASE_URL"], app.extensions["records"], time.time()
    add_viewers(url, "maya", now - 3 * DAY, [(user(1, "Ann"), 1000, {"comments": 2, "gifts": 1, "diamonds": 5})])
    add_viewers(url, "maya", now - 60, [(user(1, "Ann"), 2000, {"comments": 1})])  # this live, as last written
    card = {"user": user(1, "Ann"), "firstSeen": 2000, "totals": {"comments": 4, "likes": 9}}  # newer than its row
    assert records.viewer_regular("maya", "1", card) == {"note": None, "history": {
        "lives": 2, "firstSeen": 1000, "totals": {"comments": 6, "gifts": 1, "diamonds": 5, "likes": 9}}}
    assert records.viewer_regular("maya", "1")["history"]["totals"]["comments"] == 3
    fresh = {"user": user(9, "New"), "firstSeen": 5000, "totals": {"comments": 1}}
    assert records.viewer_regular("maya", "9", fresh)["history"] == {
        "lives": 1, "firstSeen": 5000, "totals": {"comments": 1, "gifts": 0, "diamonds": 0, "likes": 0}}
    assert records.viewer_regular("leo", "1")["history"] is None


def test_notes_are_per_creator_and_checked(app):
    client = app.test_client()
    url = "/api/creators/maya/viewers/1/note"
    assert client.get(url).get_json() == {"note": None, "updatedAt": None}
    saved = client.put(url, json={"note": "Two\nlines, =SUM(A1) and <i>tags</i>"})
    assert saved.status_code == 200 and saved.get_json()["note"] == "Two\nlines, =SUM(A1) and <i>tags</i>"
    assert client.get(url).get_json()["note"] == saved.get_json()["note"]
    assert client.get("/api/creators/leo/viewers/1/note").get_json()["note"] is None, "another creator's viewer"
    assert app.extensions["records"].viewer_regular("maya", "1")["note"] == saved.get_json()["note"]
    assert client.put(url, json={"note": "x" * 1000}).status_code == 200
    for body, words in (({"note": "x" * 1001}, "at most 1000"), ({"note": 5}, "note must be a string"),
                        ({"note": "bell\a"}, "control characters"), ({"text": "hi"}, "The body is {note}"),
                        ({}, "The body is {note}")):
        answer = client.put(url, json=body)
        assert answer.status_code == 400 and words in answer.get_json()["message"], body
    assert client.put(url, data="note=hi", content_type="application/x-www-form-urlencoded").status_code == 400
    assert client.put("/api/creators/m/viewers/1/note", json={"note": "x"}).get_json()["error"] == \
        "invalid_username"
    assert client.put(f"/api/creators/maya/viewers/{'9' * 65}/note", json={"note": "x"}).status_code == 400
    assert client.put(url, json={"note": None}).get_json() == {"note": None, "updatedAt": None}
    assert client.get(url).get_json()["note"] is None
