"""The wall's roster (docs/wall.md; docs/http.md, "The wall"): `GET/POST /api/roster` and `DELETE
/api/roster/<username>` on the app in process (Flask's test client), its records in a SQLite file of the test."""

import pytest
from support.inprocess import running_app

from assistant.records import roster


@pytest.fixture
def client(tmp_path):
    with running_app(tmp_path) as app:
        yield app.test_client()


def test_a_creator_is_added_listed_updated_and_removed(client):
    assert client.get("/api/roster").get_json() == {"roster": [], "limit": roster.ROSTER_LIMIT}

    added = client.post("/api/roster", json={"username": "@Maya.Live", "displayName": "  Maya  ",
                                             "targets": {"hours": 40.5, "validDays": 20, "diamonds": 100_000}})
    assert added.status_code == 201
    maya = added.get_json()
    assert maya["username"] == "maya.live" and maya["displayName"] == "Maya"
    assert maya["targets"] == {"hours": 40.5, "validDays": 20, "diamonds": 100_000}
    assert maya["addedAt"].endswith("Z") and maya["addedAt"] == maya["updatedAt"]

    assert client.post("/api/roster", json={"username": "https://www.tiktok.com/@leo_"}).status_code == 201
    listed = client.get("/api/roster").get_json()["roster"]
    assert [entry["username"] for entry in listed] == ["maya.live", "leo_"]
    assert listed[1]["displayName"] is None and listed[1]["targets"] is None

    updated = client.post("/api/roster", json={"username": "maya.live", "targets": {"hours": 60}})
    assert updated.status_code == 200
    assert updated.get_json()["targets"] == {"hours": 60, "validDays": None, "diamonds": None}
    assert updated.get_json()["displayName"] is None  # a POST replaces the entry: the name was not given again
    assert updated.get_json()["addedAt"] == maya["addedAt"]
    assert [entry["username"] for entry in client.get("/api/roster").get_json()["roster"]] == ["maya.live", "leo_"]

    assert client.delete("/api/roster/@MAYA.live").status_code == 204
    gone = client.delete("/api/roster/maya.live")
    assert gone.status_code == 404 and gone.get_json()["error"] == "not_found"
    assert [entry["username"] for entry in client.get("/api/roster").get_json()["roster"]] == ["leo_"]


@pytest.mark.parametrize(("body", "code", "words"), [
    ({}, "bad_request", "username is required"),
    ({"username": "a"}, "invalid_username", "username:"),
    ({"username": "https://vm.tiktok.com/ZMabc/"}, "invalid_username", "share link"),
    ({"username": 12}, "invalid_username", "username:"),
    ({"username": "maya", "colour": "red"}, "bad_request", "Unknown field 'colour'"),
    ({"username": "maya", "displayName": 5}, "bad_request", "displayName must be a string"),
    ({"username": "maya", "displayName": "x" * 101}, "bad_request", "at most 100"),
    ({"username": "maya", "displayName": "two\nlines"}, "bad_request", "one line"),
    ({"username": "maya", "displayName": "nul\0"}, "bad_request", "control characters"),
    ({"username": "maya", "targets": [1, 2]}, "bad_request", "targets must be an object"),
    ({"username": "maya", "targets": {"hours": -1}}, "bad_request", "targets.hours"),
    ({"username": "maya", "targets": {"hours": 745}}, "bad_request", "from 0 to 744"),
    ({"username": "maya", "targets": {"validDays": 2.5}}, "bad_request", "targets.validDays must be a whole"),
    ({"username": "maya", "targets": {"diamonds": True}}, "bad_request", "targets.diamonds"),
    ({"username": "maya", "targets": {"diamonds": "100"}}, "bad_request", "targets.diamonds"),
    ({"username": "maya", "targets": {"coins": 1}}, "bad_request", "Unknown target 'coins'"),
])
def test_a_bad_entry_is_a_400_that_says_what_is_wrong(client, body, code, words):
    answer = client.post("/api/roster", json=body)
    assert answer.status_code == 400
    assert answer.get_json()["error"] == code and words in answer.get_json()["message"]
    assert client.get("/api/roster").get_json()["roster"] == []


def test_a_body_that_is_not_a_json_object_is_a_400(client):
    for kwargs in ({"data": "username=maya", "content_type": "application/x-www-form-urlencoded"},
                   {"data": "{not json", "content_type": "application/json"}, {"json": ["maya"]}):
        answer = client.post("/api/roster", **kwargs)
        assert answer.status_code == 400 and answer.get_json()["error"] == "bad_request"
    assert client.delete("/api/roster/..").get_json()["error"] == "invalid_username"


def test_the_roster_has_a_limit(client, monkeypatch):
    monkeypatch.setattr(roster, "ROSTER_LIMIT", 2)
    for name in ("one", "two"):
        assert client.post("/api/roster", json={"username": name}).status_code == 201
    full = client.post("/api/roster", json={"username": "three"})
    assert full.status_code == 409 and full.get_json()["error"] == "roster_full"
    assert client.post("/api/roster", json={"username": "two", "displayName": "Two"}).status_code == 200


def test_the_roster_outlives_a_restart(tmp_path):
    with running_app(tmp_path) as app:
        app.test_client().post("/api/roster", json={"username": "maya", "targets": {"diamonds": 5}})
    with running_app(tmp_path) as app:
        assert [(e["username"], e["targets"]["diamonds"]) for e in app.test_client().get("/api/roster").get_json()[
            "roster"]] == [("maya", 5)]


def test_without_records_the_roster_answers_records_off(tmp_path):
    with running_app(tmp_path, RECORD_STREAMS=False) as app:
        answer = app.test_client().get("/api/roster")
        assert answer.status_code == 404 and answer.get_json()["error"] == "records_off"
        assert app.test_client().post("/api/roster", json={"username": "maya"}).status_code == 404


def test_the_roster_is_behind_the_login(tmp_path):
    with running_app(tmp_path, ACCESS_PASSWORD="pw", SECRET_KEY="k" * 32) as app:
        client = app.test_client()
        assert client.get("/api/roster").status_code == 401
        assert client.post("/api/roster", json={"username": "maya"}).status_code == 401
        assert client.delete("/api/roster/maya").status_code == 401
        client.post("/login", data={"password": "pw"})
        assert client.post("/api/roster", json={"username": "maya"}).status_code == 201
