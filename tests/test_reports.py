"""The records' HTTP side (docs/records.md; docs/http.md): the pages /streams and /streams/<id>,
/streams/latest, the JSON API and the streamed CSV and JSON Lines exports, on a SQLite database the tests
fill straight (tests/support/recordrows.py), plus access and recording turned off: the app in process (Flask's
test client). On the real server: an export of a million events in constant memory, and a live the runner
recorded."""

import csv
import html
import io
import json
import re
import threading
import time
import uuid

import psutil
import pytest
import requests
from support.appserver import RunningServer
from support.dashboardclient import wait_until
from support.inprocess import running_app
from support.recordrows import add_chat_flood, add_live, sqlite_url
from support.recordsample import counted, sample_events, with_battles
from support.simclient import chat

from assistant.reports import battles
from assistant.reports.exports import CSV_COLUMNS

HTML = {"Accept": "text/html"}
NASTY_LINES = [
    'a comma, and "quotes"',
    "two\nlines",
    "crlf\r\nline",
    "emoji 🎉🔥 and ZWJ 👩‍👩‍👧 and flag 🇧🇷",
    "<b>not html</b> & ampersand",
    "=1+2 (a formula, kept as the viewer wrote it)",
    " leading and trailing spaces ",
    "",
]
# The CSV writes the formula with a `'` in front, so that a spreadsheet shows it and never runs it.
NASTY_LINES_IN_CSV = [*NASTY_LINES[:5], "'=1+2 (a formula, kept as the viewer wrote it)", *NASTY_LINES[6:]]


def _name(prefix):
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    return tmp_path_factory.mktemp("records") / "records.sqlite3"


@pytest.fixture(scope="module")
def app(database):
    with running_app(database.parent) as app:  # its records: `database`
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="module")
def served_database(tmp_path_factory):
    return tmp_path_factory.mktemp("served") / "records.sqlite3"


@pytest.fixture(scope="module")
def records_server(simulator, served_database):
    """The real server, for what only it shows, on a file of its own (this process holds `database`)."""
    running = RunningServer({"TIKTOK_SIMULATOR_URL": simulator.url, "DATABASE_URL": sqlite_url(served_database)})
    yield running
    running.stop()


def _chat(seq, text, n=1, ts=None):
    user = {"userId": str(n), "uniqueId": f"viewer{n}", "nickname": f"Viewer {n} ✨", "avatarUrl": ""}
    return {"seq": seq, "ts": ts or 1_700_000_000_000 + seq * 1000, "type": "chat", "user": user, "comment": text}


def _mixed_events():
    """Chat (every nasty line), a streak, a like, the viewers, a follow, a share, a join, the end."""
    events = [_chat(i + 1, text, n=i % 3) for i, text in enumerate(NASTY_LINES)]
    user = {"userId": "9", "uniqueId": "giver", "nickname": "Giver"}
    extra = [
        {"type": "gift", "user": user, "giftId": 5655, "giftName": "Rose", "diamondCount": 1, "repeatCount": 1,
         "streaking": True, "imageUrl": ""},
        {"type": "gift", "user": user, "giftId": 5655, "giftName": "Rose", "diamondCount": 1, "repeatCount": 5,
         "streaking": False, "imageUrl": ""},
        {"type": "like", "user": user, "count": 7, "totalLikes": 107},
        {"type": "viewers", "viewerCount": 321},
        {"type": "follow", "user": user}, {"type": "share", "user": user}, {"type": "join", "user": user},
        {"type": "end", "reason": "ended"},
    ]
    for event in extra:
        seq = len(events) + 1
        events.append({"seq": seq, "ts": 1_700_000_000_000 + seq * 1000, **event})
    return events


@pytest.fixture(scope="module")
def mixed_live(database, app):
    username = _name("mixed")
    events = _mixed_events()
    metrics, boards, points = counted(events)
    live_id = add_live(database, username, "7300000000000000001", events, metrics=metrics, leaderboards=boards,
                       points=points)
    return {"id": live_id, "username": username, "events": events, "metrics": metrics}


def _fetch(server, path, **kwargs):
    return requests.get(server.url + path, timeout=30, allow_redirects=False, **kwargs)


# --- the JSON API -----------------------------------------------------------------------------------


def test_api_shapes(client, mixed_live):
    listed = client.get(f"/api/streams?username={mixed_live['username']}").json
    assert set(listed) == {"streams", "next"} and listed["next"] is None
    [summary] = listed["streams"]
    assert set(summary) == {"id", "username", "roomId", "status", "startedAt", "endedAt", "metrics"}
    assert summary["id"] == mixed_live["id"] and summary["status"] == "ended"
    assert summary["startedAt"].endswith("Z") and summary["metrics"] == mixed_live["metrics"]

    live = client.get(f"/api/streams/{mixed_live['id']}").json
    assert set(live) == {"id", "username", "roomId", "status", "startedAt", "endedAt", "endReason", "metrics",
                         "leaderboards", "series"}
    assert live["roomId"] == "7300000000000000001" and live["endReason"] == "ended"
    assert set(live["leaderboards"]) == {"gifters", "chatters", "likers", "supporters"}
    assert live["leaderboards"]["gifters"][0]["diamonds"] == 5
    assert live["series"]["bucketSeconds"] == 60 and live["series"]["points"]

    page = client.get(f"/api/streams/{mixed_live['id']}/events").json
    assert set(page) == {"events", "next"} and page["events"] == mixed_live["events"] and page["next"] is None


def test_api_lists_newest_first_and_pages_with_before(client, database):
    username = _name("paged")
    now = time.time()
    ids = [add_live(database, username, str(7300 + n), started_at=now - 3600 * (5 - n)) for n in range(5)]
    ids.reverse()  # newest first
    seen, before = [], None
    while True:
        query = f"/api/streams?username={username}&limit=2" + (f"&before={before}" if before else "")
        page = client.get(query).json
        seen += [live["id"] for live in page["streams"]]
        before = page["next"]
        if before is None:
            break
    assert seen == ids
    everyone = client.get("/api/streams?limit=200").json["streams"]
    assert [live["id"] for live in everyone if live["username"] == username] == ids


def test_api_events_filter_search_and_page(client, mixed_live):
    base = f"/api/streams/{mixed_live['id']}/events"
    gifts = client.get(base + "?types=gift,like").json["events"]
    assert [e["type"] for e in gifts] == ["gift", "gift", "like"]
    found = client.get(base + "?q=QUOTES").json["events"]
    assert [e["comment"] for e in found] == ['a comma, and "quotes"']
    seqs, after = [], None
    while True:
        page = client.get(base + "?limit=3" + (f"&after={after}" if after else "")).json
        seqs += [e["seq"] for e in page["events"]]
        after = page["next"]
        if after is None:
            break
    assert seqs == [e["seq"] for e in mixed_live["events"]]


# --- exports -----------------------------------------------------------------------------------------


def test_csv_export_holds_every_event_in_order(client, mixed_live):
    response = client.get(f"/streams/{mixed_live['id']}/export.csv")
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/csv")
    assert response.headers["Content-Disposition"] == \
        f'attachment; filename="{mixed_live["username"]}-7300000000000000001.csv"'
    assert response.is_streamed, "streamed, not built whole"
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8"), newline="")))
    assert tuple(rows[0]) == CSV_COLUMNS
    records = [dict(zip(CSV_COLUMNS, row, strict=True)) for row in rows[1:]]
    assert [int(r["seq"]) for r in records] == [e["seq"] for e in mixed_live["events"]]
    assert [r["comment"] for r in records if r["type"] == "chat"] == NASTY_LINES_IN_CSV
    step, gift = (r for r in records if r["type"] == "gift")
    assert (step["repeatCount"], step["diamonds"], step["streaking"]) == ("1", "1", "true")
    assert (gift["giftName"], gift["diamonds"], gift["uniqueId"], gift["streaking"]) == ("Rose", "5", "giver", "false")
    assert {r["streaking"] for r in records if r["type"] != "gift"} == {""}, "only gifts streak"
    assert next(r for r in records if r["type"] == "like")["count"] == "7"
    assert next(r for r in records if r["type"] == "viewers")["viewerCount"] == "321"
    assert records[0]["ts"] == str(mixed_live["events"][0]["ts"]) and records[0]["nickname"] == "Viewer 0 ✨"

    chat_only = client.get(f"/streams/{mixed_live['id']}/export.csv?types=chat")
    assert [row[6] for row in list(csv.reader(io.StringIO(chat_only.text, newline="")))[1:]] == NASTY_LINES_IN_CSV


def test_jsonl_export_holds_the_contract_events(client, mixed_live):
    response = client.get(f"/streams/{mixed_live['id']}/export.jsonl")
    assert response.status_code == 200 and response.headers["Content-Disposition"].endswith('.jsonl"')
    lines = response.data.decode("utf-8").split("\n")
    assert lines[-1] == "" and [json.loads(line) for line in lines[:-1]] == mixed_live["events"]
    some = client.get(f"/streams/{mixed_live['id']}/export.jsonl?types=gift&types=end")
    assert [json.loads(line)["type"] for line in some.text.splitlines()] == ["gift", "gift", "end"]


def test_export_of_a_million_events_streams_in_constant_memory(records_server, served_database):
    username = _name("million")
    live_id = add_live(served_database, username, "7399999999")
    started = time.monotonic()
    add_chat_flood(served_database, live_id, 1_000_000)
    generated = time.monotonic() - started

    server = psutil.Process(records_server.process.pid)
    baseline = server.memory_info().rss
    peak = [baseline]
    done = threading.Event()

    def sample():
        while not done.wait(0.05):
            peak[0] = max(peak[0], server.memory_info().rss)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    lines, size, last = 0, 0, b""
    started = time.monotonic()
    try:
        with requests.get(f"{records_server.url}/streams/{live_id}/export.csv", stream=True, timeout=120) as response:
            assert response.status_code == 200
            for chunk in response.iter_content(chunk_size=64 * 1024):
                lines += chunk.count(b"\r\n")
                size += len(chunk)
                last = (last + chunk)[-200:]
    finally:
        done.set()
        sampler.join()
    exported = time.monotonic() - started
    growth = (peak[0] - baseline) / 1e6
    print(f"1,000,000 events: generated in {generated:.1f} s, exported ({size / 1e6:.0f} MB) in {exported:.1f} s, "
          f"server RSS grew {growth:.1f} MB")
    assert lines == 1_000_001, "the header and one row per event"
    empty = len(CSV_COLUMNS) - CSV_COLUMNS.index("comment") - 2  # the other types' columns; then `deleted`
    assert last.endswith(b'line 1000000, with a comma"' + b"," * empty + b",false\r\n")
    assert growth < 50, f"the server's RSS grew {growth:.1f} MB during the export"


# --- bad input -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [
    "/api/streams/{id}/events?types=chat,sticker",
    "/api/streams/{id}/events?limit=0",
    "/api/streams/{id}/events?limit=1001",
    "/api/streams/{id}/events?limit=ten",
    "/api/streams/{id}/events?after=-1",
    "/api/streams/{id}/events?after=1.5",
    "/api/streams?before=abc",
    "/api/streams?limit=999",
    "/api/streams?username=no%20spaces",
    "/api/streams?username=nul%00",
    "/api/streams/{id}/events?q=%00",
    "/api/streams/{id}/events?q=a%00b",
    "/streams/{id}/export.csv?types=nope",
    "/streams/{id}/export.jsonl?types=chat,,bogus",
])
def test_bad_query_values_are_400_json(client, mixed_live, path):
    response = client.get(path.format(id=mixed_live["id"]))
    assert response.status_code == 400, response.text
    body = response.json
    assert body["error"] == "bad_request" and body["message"]


@pytest.mark.parametrize("path", ["/api/streams/999999999", "/api/streams/abc", "/api/streams/999999999/events",
                                  "/streams/999999999/export.csv", "/streams/12x/export.jsonl",
                                  "/api/streams/99999999999999999999999"])
def test_unknown_lives_are_404_json(client, path):
    response = client.get(path)
    assert response.status_code == 404 and response.json["error"] == "not_found"


@pytest.mark.parametrize(("path", "status"), [
    ("/streams/999999999", 404), ("/streams/nope", 404), ("/streams/latest?username=nobody_recorded", 404),
    ("/streams/latest", 400), ("/streams/latest?username=@@", 400), ("/streams?before=x", 400),
    ("/streams?username=a%20b", 400), ("/streams/{id}?after=zz", 400), ("/streams/{id}?q=%00", 400),
])
def test_bad_pages_are_html(client, mixed_live, path, status):
    response = client.get(path.format(id=mixed_live["id"]), headers=HTML)
    assert response.status_code == status
    assert response.headers["Content-Type"].startswith("text/html") and 'id="page-error"' in response.text


# --- pages ---------------------------------------------------------------------------------------------


def test_streams_page_lists_the_live_and_filters_by_creator(client, mixed_live, database):
    other = _name("other")
    add_live(database, other, "1")
    page = client.get("/streams", headers=HTML)
    assert page.status_code == 200
    assert f'data-live-id="{mixed_live["id"]}"' in page.text and f"@{mixed_live['username']}" in page.text
    mine = client.get(f"/streams?username=@{mixed_live['username'].upper()}", headers=HTML).text
    assert f'data-username="{mixed_live["username"]}"' in mine and other not in mine.split('id="lives"')[1]


def test_report_page_reads_without_javascript(client, mixed_live):
    page = client.get(f"/streams/{mixed_live['id']}", headers=HTML)
    assert page.status_code == 200
    text = page.text
    assert f'data-value="{mixed_live["metrics"]["totalComments"]}"' in text
    assert "&lt;b&gt;not html&lt;/b&gt; &amp; ampersand" in text and "<b>not html</b>" not in text
    assert "emoji 🎉🔥" in text and 'class="gift-name">Rose' in text
    assert text.count('class="row chat-row') == len(NASTY_LINES)
    assert text.count('class="row gift-row"') == 1, "a streak is one row, at its end"
    searched = client.get(f"/streams/{mixed_live['id']}?q=comma", headers=HTML).text
    assert searched.count('class="row chat-row') == 1


def _battle_rows(page):
    """The report's battle rows: (outcome, the row's text without its time, tags and spacing)."""
    rows = re.findall(r'<tr class="battle-row" data-battle-id="[^"]*" data-outcome="(\w+)">(.*?)</tr>', page, re.S)
    return [(outcome, " ".join(html.unescape(re.sub(r"<time.*?</time>|<[^>]+>", " ", body)).split()))
            for outcome, body in rows]


def test_the_report_lists_each_battle_with_its_opponent_scores_and_result(client, database):
    username = _name("pk.host")
    plain = sample_events("http://127.0.0.1:9", username, 1_700_000_000_000, minutes=30, seed=3)
    events = with_battles(plain, "http://127.0.0.1:9", username, ["won", "lost", "drawn", "won", None])
    metrics, boards, points = counted(events)
    live_id = add_live(database, username, "7300000000000000777", events, metrics=metrics, leaderboards=boards,
                       points=points)
    page = client.get(f"/streams/{live_id}", headers=HTML).text

    ended = {e["battleId"]: e for e in events if e["type"] == "battle" and e["phase"] == "ended"}
    opponents = {e["battleId"]: e["teams"][1]["host"]["nickname"] for e in events if e["type"] == "battle"}
    rows = _battle_rows(page)
    assert [outcome for outcome, _ in rows] == ["won", "lost", "drawn", "won", "none"]
    for (outcome, text), battle_id in zip(rows, sorted(opponents), strict=True):
        assert opponents[battle_id] in text
        if battle_id in ended:
            ours, theirs = (team["score"] for team in ended[battle_id]["teams"])
            assert f"{ours:,} – {theirs:,}" in text, text
            assert text.endswith({"won": "Won", "lost": "Lost", "drawn": "Draw"}[outcome])
    assert rows[-1][1].endswith("No result"), "the live ended without the battle's end"
    assert re.search(r'id="battle-tally"[^>]*data-won="2"\s+data-lost="1" data-drawn="1"', page)


def test_a_masked_score_reads_masked_and_a_battle_without_the_creator_names_the_winner(client, database):
    username = _name("masked")
    creator = {"userId": "1", "uniqueId": username, "nickname": "Host"}
    rival = {"userId": "2", "uniqueId": "rival", "nickname": "Rival <b>"}
    other = {"userId": "3", "uniqueId": "other", "nickname": "Other"}

    def battle(seq, battle_id, phase, teams, result=None):
        return {"seq": seq, "ts": 1_700_000_000_000 + seq * 1000, "type": "battle", "battleId": battle_id,
                "phase": phase, "endsAt": None, "teams": teams, "result": result}

    events = [
        battle(1, "b1", "started", [{"host": creator, "score": 0, "top": []}, {"host": rival, "score": 0, "top": []}]),
        battle(2, "b1", "scores", [{"host": creator, "score": 900, "top": []}, {"host": rival, "score": None,
                                                                                 "top": []}]),
        battle(3, "b1", "ended", [], {"winner": "2"}),  # an end without teams: the last scores are the final ones
        battle(4, "b2", "scores", [{"host": rival, "score": 5, "top": []}, {"host": other, "score": 7, "top": []}]),
        battle(5, "b2", "ended", [{"host": rival, "score": 5, "top": []}, {"host": other, "score": 7, "top": []}],
               {"winner": "3"}),
        battle(6, "b3", "started", [{"host": creator, "score": 0, "top": []}, {"host": rival, "score": 0, "top": []}]),
    ]
    live_id = add_live(database, username, "1", events, status="live")
    page = client.get(f"/streams/{live_id}", headers=HTML).text
    assert _battle_rows(page) == [("lost", "RB Rival <b> 900 – masked Lost"),  # RB: the initials' circle
                                  ("other", "RB Rival <b> & OT Other 5 – 7 Other won"),
                                  ("running", "RB Rival <b> 0 – 0 Running")]
    assert "Rival &lt;b&gt;" in page, "a host's name is text"
    assert re.search(r'data-won="0"\s+data-lost="1" data-drawn="0"', page)
    assert 'id="battles"' not in client.get(f"/streams/{add_live(database, username, '2')}", headers=HTML).text


def test_a_host_named_by_id_alone_is_known_from_the_lives_other_battle_events():
    """TikTok's scores (LinkMicArmies) name the hosts by id: the creator, and the names, come from another
    event of the live, another battle's included."""
    host = {"userId": "1", "uniqueId": "Maya.Sunny", "nickname": "Maya"}
    rival = {"userId": "2", "uniqueId": "rival", "nickname": "Rival"}

    def battle(battle_id, phase, teams, result=None):
        return {"seq": 1, "ts": 1, "type": "battle", "battleId": battle_id, "phase": phase, "teams": teams,
                "result": result}

    listed = battles.listed([
        battle("b1", "started", [{"host": host, "score": 0}, {"host": rival, "score": 0}]),
        battle("b2", "scores", [{"host": {"userId": "2"}, "score": 8}, {"host": {"userId": "1"}, "score": 9}]),
        battle("b2", "ended", [], {"winner": "1"}),
    ], "maya.sunny")
    assert [(b.battle_id, b.outcome, b.ours.host, b.ours.score, [side.host for side in b.opponents]) for b in listed] \
        == [("b1", None, host, 0, [rival]), ("b2", "won", host, 9, [rival])]
    assert battles.tally(listed, {}) == {"won": 1, "lost": 0, "drawn": 0}
    assert battles.tally(listed, {"battles": {"won": 2, "lost": 1}}) == {"won": 2, "lost": 1, "drawn": 0}


def test_deleted_chat_lines_are_marked_in_the_report_and_the_exports(app, client):
    """Through the records' writer: the lines a chatDeleted names stay in the report, the API and the exports,
    marked deleted."""
    records = app.extensions["records"]
    username = _name("moderated")
    lines = [{**_chat(n, text, n=n), "messageId": f"73010000000000000{n:02d}"}
             for n, text in enumerate(["hello", "=SPAM()", "still here", "spam again"], 1)]
    deletion = {"seq": 5, "ts": 1_700_000_005_000, "type": "chatDeleted", "messageIds": [lines[1]["messageId"],
                lines[3]["messageId"]], "userIds": ["2", "4"]}
    records.open_live(username, "7301", time.time(), 0, {})
    records.add_events(username, "7301", [*lines, deletion], 5, {"totalComments": 4})
    records.flush()
    live_id = records.latest(username).id

    page = client.get(f"/streams/{live_id}", headers=HTML).text
    rows = re.findall(r'<li class="row chat-row([^"]*)" data-seq="(\d+)"[^>]*?( data-deleted="true")?>(.*?)</li>', page,
                      re.S)
    assert [(seq, classes.strip(), bool(marked), "tag-deleted" in body) for classes, seq, marked, body in rows] == [
        ("1", "", False, False), ("2", "is-deleted", True, True), ("3", "", False, False),
        ("4", "is-deleted", True, True)]
    api = client.get(f"/api/streams/{live_id}/events?types=chat").json["events"]
    assert [event.get("deleted") for event in api] == [None, True, None, True]
    assert api[1] == {**lines[1], "deleted": True}
    for types in ("chatDeleted", "chatdeleted", "CHATDELETED"):  # the names, case aside
        assert client.get(f"/api/streams/{live_id}/events?types={types}").json["events"] == [deletion]

    exported = list(csv.DictReader(io.StringIO(client.get(f"/streams/{live_id}/export.csv").text, newline="")))
    assert [(row["type"], row["comment"], row["messageId"], row["deleted"]) for row in exported] == [
        ("chat", "hello", lines[0]["messageId"], "false"), ("chat", "'=SPAM()", lines[1]["messageId"], "true"),
        ("chat", "still here", lines[2]["messageId"], "false"), ("chat", "spam again", lines[3]["messageId"], "true"),
        ("chatDeleted", "", "", "")]
    jsonl = [json.loads(line) for line in client.get(f"/streams/{live_id}/export.jsonl").text.splitlines()]
    assert jsonl == [lines[0], {**lines[1], "deleted": True}, lines[2], {**lines[3], "deleted": True}, deletion]


def test_latest_redirects_to_the_creators_newest_live(client, database):
    username = _name("latest")
    add_live(database, username, "1", started_at=time.time() - 7200)
    newest = add_live(database, username, "2", started_at=time.time() - 60, status="live")
    response = client.get(f"/streams/latest?username={username}")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/streams/{newest}")


# --- access and recording off ---------------------------------------------------------------------------


def test_with_a_password_every_page_api_and_export_needs_the_login(database, mixed_live):
    with running_app(database.parent, ACCESS_PASSWORD="open sesame", SECRET_KEY="k" * 32) as locked:
        live = mixed_live["id"]
        pages = ["/streams", f"/streams/{live}", f"/streams/latest?username={mixed_live['username']}"]
        data = ["/api/streams", f"/api/streams/{live}", f"/api/streams/{live}/events",
                f"/streams/{live}/export.csv", f"/streams/{live}/export.jsonl"]
        client = locked.test_client()
        for path in pages:
            response = client.get(path, headers=HTML)
            assert response.status_code == 302 and "/login?next=" in response.headers["Location"], path
        for path in pages + data:
            assert client.get(path).status_code == 401, path
        client.post("/login", data={"password": "open sesame"})
        for path in pages + data:
            assert client.get(path, follow_redirects=True).status_code == 200, path


def test_with_recording_off_the_pages_say_so(tmp_path):
    with running_app(tmp_path, RECORD_STREAMS=False) as unrecorded:
        client = unrecorded.test_client()
        page = client.get("/streams", headers=HTML)
        assert page.status_code == 404 and "Recording is off" in page.text
        for path in ("/api/streams", "/api/streams/1", "/streams/1/export.csv"):
            response = client.get(path)
            assert response.status_code == 404 and response.json["error"] == "records_off", path
        assert 'id="report-link"' not in client.get("/", headers=HTML).text


# --- a live the runner recorded ----------------------------------------------------------------------


def test_the_report_page_and_the_api_agree_on_a_recorded_live(records_server, simulator, quiet_creator, open_tab):
    name = quiet_creator("agree")
    client = open_tab(records_server.url)
    client.watch_until_connected(name)
    simulator.inject(name, [chat(line, user_id=str(i + 1)) for i, line in enumerate(NASTY_LINES[:5])])
    simulator.inject(name, [{"type": "gift", "giftId": 5655, "giftName": "Rose", "diamondCount": 1, "giftType": 1,
                             "repeatCount": n, "repeatEnd": n == 3,
                             "user": {"userId": "77", "uniqueId": "gifter", "nickname": "Gifter"}}
                            for n in range(1, 4)])
    wait_until(lambda: (client.latest_metrics() or {}).get("totalGifts") == 3, message="the streak counted")

    def recorded(status):
        streams = _fetch(records_server, f"/api/streams?username={name}").json()["streams"]
        if not streams or streams[0]["status"] != status:
            return None
        record = _fetch(records_server, f"/api/streams/{streams[0]['id']}").json()
        return record if (record["leaderboards"] or {}).get("gifters") else None

    # the leaderboards are saved at most once a second: the live ends once they are
    wait_until(lambda: recorded("live"), timeout=10, message="the live recorded with its leaderboards")
    simulator.end(name)
    client.wait_for_event(lambda e: e["type"] == "end", message="the end")
    record = wait_until(lambda: recorded("ended"), timeout=10, message="the live recorded and ended")
    page = _fetch(records_server, f"/streams/{record['id']}", headers=HTML).text
    for key, field in [("comments", "totalComments"), ("gifts", "totalGifts"), ("diamonds", "totalDiamonds"),
                       ("peak-viewers", "peakViewerCount")]:
        value = record["metrics"][field]
        assert f'id="metric-{key}" data-testid="metric-{key}" class="num" data-value="{value}"' in page, key
    assert record["metrics"]["totalComments"] == 5 and record["metrics"]["totalDiamonds"] == 3
    shown = [line.replace("&#34;", '"') for line in re.findall(r'<p class="chat-text">(.*?)</p>', page, re.S)]
    assert shown == [html.escape(line, quote=False) for line in NASTY_LINES[:5]]
    gifter = record["leaderboards"]["gifters"][0]
    assert f'data-user-id="77" data-value="{gifter["diamonds"]}"' in page


RIVAL = {"userId": "2002", "uniqueId": "rival.r", "nickname": "Rival R"}
OTHER = {"userId": "2003", "uniqueId": "other.o", "nickname": "Other O"}


def _battle(battle_id, phase, teams, **fields):
    return {"type": "battle", "battleId": battle_id, "phase": phase, "teams": teams, **fields}


def test_the_report_lists_the_battles_and_the_deleted_lines_of_a_recorded_live(records_server, simulator,
                                                                              quiet_creator, open_tab):
    """Through the simulator, the unmodified TikTokLive client in the real server and its records writer: each
    battle in the report with its opponent, final scores and result, the live's W/L/D as the dashboard
    counted it; a chat line TikTok deleted gone from nothing in the records, marked."""
    name = quiet_creator("pk")
    client = open_tab(records_server.url)
    client.watch_until_connected(name)
    creator = simulator.stream(name)["userId"]
    simulator.inject(name, [
        {**chat("good luck!", user_id="11"), "messageId": "m1"},
        _battle("b1", "started", [{}, {"host": RIVAL}]),
        _battle("b1", "scores", [{"score": 1500}, {"host": RIVAL, "score": 900}]),
        _battle("b1", "ended", [{"score": 1600}, {"host": RIVAL, "score": 1200}], result={"winner": creator}),
        {**chat("=spam", user_id="12"), "messageId": "m2"},
        _battle("b2", "started", [{}, {"host": OTHER}]),
        _battle("b2", "scores", [{"score": 300}, {"host": OTHER, "score": None}]),  # TikTok masks it
        _battle("b2", "ended", [{"score": 300}, {"host": OTHER, "score": None}], result={"winner": OTHER["userId"]}),
        {"type": "chatDeleted", "messageIds": ["m2"], "userIds": ["12"]},
        _battle("b3", "started", [{}, {"host": RIVAL}]),
        _battle("b3", "ended", [{"score": 5}, {"host": RIVAL, "score": 5}], result={"winner": None}),
    ])
    wait_until(lambda: (client.latest_metrics() or {}).get("battles") == {"won": 1, "lost": 1, "drawn": 1},
               message="the battles counted on the dashboard")
    client.wait_for_event(lambda e: e["type"] == "chatDeleted", message="the deletion")
    simulator.end(name)
    client.wait_for_event(lambda e: e["type"] == "end", message="the end")

    def recorded():
        streams = _fetch(records_server, f"/api/streams?username={name}").json()["streams"]
        return streams if streams and streams[0]["status"] == "ended" else None

    [live] = wait_until(recorded, timeout=10, message="the live recorded and ended")
    assert live["metrics"]["battles"] == {"won": 1, "lost": 1, "drawn": 1}
    page = _fetch(records_server, f"/streams/{live['id']}", headers=HTML).text
    rows = _battle_rows(page)
    assert [outcome for outcome, _ in rows] == ["won", "lost", "drawn"]
    assert [text for _, text in rows] == [  # the hosts' pictures are the simulator's
        "Rival R 1,600 – 1,200 Won", "Other O 300 – masked Lost", "Rival R 5 – 5 Draw"]
    assert re.search(r'data-won="1"\s+data-lost="1" data-drawn="1"', page)
    listed = _fetch(records_server, f"/streams?username={name}", headers=HTML).text
    assert re.search(r'class="col-num num col-battles" data-won="1" data-lost="1" data-drawn="1">\s*<span[^>]*>1–1–1',
                     listed)

    chat_rows = re.findall(r'<li class="row chat-row([^"]*)"[^>]*data-message-id="(\d+)"', page)
    assert [classes.strip() for classes, _ in chat_rows] == ["", "is-deleted"]
    exported = list(csv.DictReader(io.StringIO(_fetch(records_server, f"/streams/{live['id']}/export.csv?types=chat")
                                               .text, newline="")))
    assert [(row["comment"], row["deleted"]) for row in exported] == [("good luck!", "false"), ("'=spam", "true")]
    assert [row["messageId"] for row in exported] == [messageid for _, messageid in chat_rows]
