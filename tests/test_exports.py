"""What the records' exports say (docs/http.md, "export.csv"): a viewer's text never reaches a spreadsheet as
a formula, the JSON Lines keep it exact, and the CSV's `streaking` column tells a streak's steps from the rows
that count, so that summing the `false` rows gives the live's real totals.

The end-to-end tests run the real server on a SQLite file of their own, fed by the simulator."""

import csv
import io
import json

import pytest
import requests
from support.dashboardclient import wait_until
from support.simclient import chat

from assistant import events
from assistant.reports import csvcells
from assistant.reports.exports import CSV_COLUMNS, csv_chunks

# --- the rule, fast ---------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["=1+1", "+SUM(1,2)", "-2+3", "@SUM(1,1)", "\t=1+1", "\r=1+1", "=", "-", "@",
                                  "=cmd|' /C calc'!A0"])
def test_text_that_starts_like_a_formula_gets_a_quote_in_front(text):
    assert csvcells.cell(text) == "'" + text


@pytest.mark.parametrize("text", ["hello", "", " =1+1", "1+1", "a=b", "'=1+1", "\n=1+1", "🎉=1", "viewer-42", "Rose"])
def test_other_text_is_left_as_it_is(text):
    assert csvcells.cell(text) == text


@pytest.mark.parametrize("number", [0, 7, -3, -2_000_000_000, 1_795_753_444_091, 2.5, -0.5])
def test_numbers_stay_numbers_negative_ones_too(number):
    assert csvcells.cell(number) == number


def test_a_row_goes_through_cell_and_none_is_empty():
    assert csvcells.row([1, None, "=x", "x", -1]) == [1, "", "'=x", "x", -1]


def _parsed(events):
    text = b"".join(csv_chunks(events)).decode()
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert tuple(rows[0]) == CSV_COLUMNS
    return [dict(zip(CSV_COLUMNS, row, strict=True)) for row in rows[1:]]


def test_every_text_column_of_the_export_is_neutralised_and_its_numbers_are_not():
    hostile = {"userId": "-1", "uniqueId": "+u", "nickname": "@nick"}
    events = [
        {"seq": 1, "ts": 1_700_000_000_000, "type": "chat", "user": hostile, "comment": "=1+1"},
        {"seq": 2, "ts": 1_700_000_000_001, "type": "gift", "user": hostile, "giftName": "-Rose", "giftId": 1,
         "diamondCount": 2, "repeatCount": 3, "streaking": False},
        {"seq": 3, "ts": 1_700_000_000_002, "type": "like", "user": hostile, "count": -4, "totalLikes": 9},
        {"seq": 4, "ts": 1_700_000_000_003, "type": "viewers", "viewerCount": -5},
    ]
    chat_row, gift_row, like_row, viewers_row = _parsed(events)
    assert (chat_row["userId"], chat_row["uniqueId"], chat_row["nickname"], chat_row["comment"]) == \
        ("'-1", "'+u", "'@nick", "'=1+1")
    assert (gift_row["giftName"], gift_row["repeatCount"], gift_row["diamonds"], gift_row["streaking"]) == \
        ("'-Rose", "3", "6", "false")
    assert (like_row["count"], viewers_row["viewerCount"]) == ("-4", "-5"), "numbers the server writes: numbers"
    assert viewers_row["streaking"] == "" and viewers_row["userId"] == ""


def _hostile(value, text):
    """`value` with every string in it, keys aside, replaced by `text`."""
    if isinstance(value, str):
        return text
    if isinstance(value, dict):
        return {key: _hostile(item, text) for key, item in value.items()}
    if isinstance(value, list):
        return [_hostile(item, text) for item in value]
    return value


@pytest.mark.parametrize("kind", events.EVENT_TYPES, ids=lambda kind: kind.name)
def test_every_type_exports_its_own_columns_as_plain_cells(kind):
    """Each type of the registry (assistant/events.py): its row names its type and fills its own columns with
    its fields' values (numbers as numbers, text as text: never a list's or an object's repr; which columns
    are filled: tests/test_event_types.py); `deleted` is for chat rows."""
    sample = kind.sample(seq=7)
    row = _parsed([sample])[0]
    assert (row["seq"], row["type"]) == ("7", kind.name)
    assert row["userId"] == (events.SAMPLE_USER["userId"] if kind.has_user else "")
    computed = {("gift", "diamonds"): "3", ("gift", "streaking"): "false",  # 1 diamond x 3; the sample's end
                # the sample's battle: the creator's 1,500 against a masked score, won
                ("battle", "host"): "creator44", ("battle", "score"): "1500", ("battle", "opponent"): "rival43",
                ("battle", "opponentScore"): "", ("battle", "winner"): "creator44"}
    for column in kind.csv_columns:
        value = sample.get(column)
        assert not isinstance(value, dict | list), f"{kind.name}.{column} is not one cell"
        expected = computed.get((kind.name, column), "" if value is None else str(value).lower()
                                if isinstance(value, bool) else str(value))
        assert row[column] == expected, (kind.name, column)
    assert row["deleted"] == ("false" if kind.name == "chat" else "")


@pytest.mark.parametrize("kind", events.EVENT_TYPES, ids=lambda kind: kind.name)
def test_every_types_text_is_neutralised(kind):
    """A viewer's text in any field of any type (a poll's title, a question, a goal's description, a host's
    name...) reaches the CSV with a quote in front when it starts like a formula."""
    sample = {**_hostile(kind.sample(), "=HYPERLINK(\"http://x\")"), "type": kind.name}
    row = _parsed([sample])[0]
    for column in ("uniqueId", "nickname", *kind.csv_columns):
        if isinstance(sample.get(column, sample.get("user", {}).get(column)), str):
            assert row[column] == "'=HYPERLINK(\"http://x\")", (kind.name, column)
    assert not [cell for cell in row.values() if cell.startswith(csvcells.FORMULA_STARTS)]


# --- end to end: the real server, the simulator, the exports ---------------------------------------------

FORMULAS = ["=1+1", "+SUM(1,2)", "-2+3", "@SUM(1,1)", "\t=1+1 after a tab", "\r=1+1 after a carriage return"]
NICKNAME = "=cmd|' /C calc'!A0"


def _record(url, username, status="live", **wanted_metrics):
    """The creator's only record, once it has `status` and its totals include `wanted_metrics` (the writer
    flushes every half second)."""
    seen = []

    def ready():
        lives = requests.get(f"{url}/api/streams", params={"username": username}, timeout=10).json()["streams"]
        seen[:] = lives
        if len(lives) == 1 and lives[0]["status"] == status and all(
                lives[0]["metrics"].get(k) == v for k, v in wanted_metrics.items()):
            return requests.get(f"{url}/api/streams/{lives[0]['id']}", timeout=10).json()
        return None

    try:
        return wait_until(ready, timeout=15, message=f"the record {status} with {wanted_metrics}")
    except AssertionError as error:
        raise AssertionError(f"{error}; the records: {seen}") from None


def _export(url, live_id, fmt, **params):
    response = requests.get(f"{url}/streams/{live_id}/export.{fmt}", params=params, timeout=30)
    response.raise_for_status()
    return response.content.decode("utf-8")


def _csv_rows(text):
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_viewers_formulas_are_neutralised_in_the_csv_and_exact_in_the_jsonl(server_factory, open_tab, simulator,
                                                                            quiet_creator, tmp_path):
    server = server_factory(DATABASE_URL=f"sqlite:///{tmp_path / 'records.sqlite3'}")
    name = quiet_creator("formula")
    tab = open_tab(server.url)
    tab.watch_until_connected(name)
    simulator.inject(name, [chat(text, user_id=str(i + 1)) for i, text in enumerate(FORMULAS)]
                     + [chat("hi from a nasty nickname", nickname=NICKNAME, user_id="66"),
                        {"type": "gift", "giftId": 9999, "giftName": "@HYPERLINK(1)", "giftType": 2,
                         "user": {"userId": "67"}}])
    wait_until(lambda: len(tab.comments()) == len(FORMULAS) + 1, message="the chat on the dashboard")
    live = _record(server.url, name, totalComments=len(FORMULAS) + 1, totalGifts=1)

    rows = _csv_rows(_export(server.url, live["id"], "csv"))
    chat_rows = [row for row in rows if row["type"] == "chat"]
    assert [row["comment"] for row in chat_rows] == ["'" + text for text in FORMULAS] + ["hi from a nasty nickname"]
    assert chat_rows[-1]["nickname"] == "'" + NICKNAME
    assert [row["nickname"] for row in chat_rows[:-1]] == ["Viewer"] * len(FORMULAS), "plain text stays plain"
    (gift,) = [row for row in rows if row["type"] == "gift"]
    assert (gift["giftName"], gift["diamonds"], gift["streaking"]) == ("'@HYPERLINK(1)", "1", "false")
    assert all(row["seq"].isdigit() and row["ts"].isdigit() for row in rows), "numbers stay numbers"

    events = [json.loads(line) for line in _export(server.url, live["id"], "jsonl").splitlines()]
    chats = [event for event in events if event["type"] == "chat"]
    assert [event["comment"] for event in chats] == FORMULAS + ["hi from a nasty nickname"], "exact, not prefixed"
    assert chats[-1]["user"]["nickname"] == NICKNAME
    assert [event["giftName"] for event in events if event["type"] == "gift"] == ["@HYPERLINK(1)"]
    assert events == tab.seen_events(), "exactly what the dashboard showed"


ROSE = {"type": "gift", "giftId": 5655, "giftType": 1, "user": {"userId": "7700001", "uniqueId": "rosie"}}  # 1 diamond
FINGER_HEART = {"type": "gift", "giftId": 5487, "giftType": 1, "user": {"userId": "7700002", "uniqueId": "hearts"}}  # 5
GALAXY = {"type": "gift", "giftId": 7934, "user": {"userId": "7700003", "uniqueId": "big"}}  # 1,000, does not streak


def test_the_gift_rows_that_are_not_streaking_add_up_to_the_lives_totals(server_factory, open_tab, simulator,
                                                                          quiet_creator, tmp_path):
    server = server_factory(DATABASE_URL=f"sqlite:///{tmp_path / 'records.sqlite3'}", GIFT_STREAK_TIMEOUT_SECONDS=1)
    name = quiet_creator("streaks")
    tab = open_tab(server.url)
    tab.watch_until_connected(name)
    simulator.inject(name, [{**ROSE, "repeatCount": n, "repeatEnd": n == 5} for n in range(1, 6)]
                     + [{**FINGER_HEART, "repeatCount": n, "repeatEnd": False} for n in (1, 2, 3)]  # no end: times out
                     + [GALAXY])
    tab.wait_for_event(lambda e: e["type"] == "gift" and e.get("timedOut"), message="the streak without an end closed")
    flood = simulator.flood(name, rate=100, seconds=2, mix={"gift": 1})  # streaks as TikTok sends them, some unended
    injected = 5 + 3 + 1 + 1  # the timed-out streak's closing row is the server's
    wait_until(lambda: sum(e["type"] == "gift" for e in tab.seen_events()) >= injected + flood["count"], timeout=15,
               message="the flood's gifts on the dashboard")
    simulator.end(name)  # the streaks still open are closed, just before the end
    tab.wait_for_event(lambda e: e["type"] == "end", message="the end")
    totals = (live := _record(server.url, name, status="ended"))["metrics"]  # ended: its totals are final
    wait_until(lambda: {k: tab.latest_metrics()[k] for k in ("totalDiamonds", "totalGifts")} ==
               {k: totals[k] for k in ("totalDiamonds", "totalGifts")}, message="the dashboard's totals, the same")

    rows = _csv_rows(_export(server.url, live["id"], "csv", types="gift"))
    assert {row["streaking"] for row in rows} == {"true", "false"}
    counted = [row for row in rows if row["streaking"] == "false"]
    assert sum(int(row["diamonds"]) for row in counted) == totals["totalDiamonds"]
    assert sum(int(row["repeatCount"]) for row in counted) == totals["totalGifts"]
    assert sum(int(row["diamonds"]) for row in rows) > totals["totalDiamonds"], "every row: the steps again"
    roses = [(row["repeatCount"], row["streaking"]) for row in rows if row["userId"] == "7700001"]
    assert roses == [("1", "true"), ("2", "true"), ("3", "true"), ("4", "true"), ("5", "false")]
    hearts = [(row["repeatCount"], row["diamonds"], row["streaking"]) for row in rows if row["userId"] == "7700002"]
    assert hearts == [("1", "5", "true"), ("2", "10", "true"), ("3", "15", "true"), ("3", "15", "false")]
    assert [(row["diamonds"], row["streaking"]) for row in rows if row["userId"] == "7700003"] == [("1000", "false")]
