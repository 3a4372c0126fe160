"""The one list of event types (assistant/events.py) against everything that must agree with it.

Like Datasette's documentation tests: each type is documented (docs/protocol.md, docs/http.md, and the list
itself in docs/events.md), comes out of the normaliser from the message the simulator sends for it, with the
fields the list gives it; and each consumer of the list (the counting, a runner's backlog under overload, the
records' filter, the CSV, the dashboard's page) does with every type what the list says. All fast: plain
imports and Flask's test client. That rows.js draws each type's row in its feed is checked in Chromium
(tests/test_dashboard_ux.py).
"""

import csv
import dataclasses
import io
import json
import re
import shutil
import subprocess
import types
import typing
from pathlib import Path

import pytest
from support.inprocess import running_app
from support.recordrows import add_live
from werkzeug.datastructures import MultiDict

from assistant import events, payloads
from assistant.insights.series import ActivitySeries
from assistant.insights.viewers import ViewerCard, ViewerTallies
from assistant.metrics import StreamMetrics, full_metrics
from assistant.reports import args, exports
from assistant.streams.backlog import SHED_BACKLOG, Backlog
from assistant.streams.signals import StatusChanged

DOCS = Path(__file__).resolve().parent.parent / "docs"
JSON_TYPES = {"string": str, "integer": int, "boolean": bool, "object": dict, "array": list}
TYPES = pytest.mark.parametrize("kind", events.EVENT_TYPES, ids=events.NAMES)


# --- the list itself -----------------------------------------------------------------------------------


def test_each_type_is_listed_once():
    assert len(events.NAMES) == len(events.EVENT_TYPES)
    assert all(events.BY_NAME[kind.name] is kind for kind in events.EVENT_TYPES)


@TYPES
def test_each_type_is_well_formed(kind):
    names = [field.name for field in kind.fields]
    assert len(names) == len(set(names)), f"{kind.name}: a field named twice"
    assert not set(names) & {"seq", "type", "ts", "user", "history"}, f"{kind.name}: an envelope field as its own"
    for field in kind.fields:
        assert field.kind in JSON_TYPES, f"{kind.name}.{field.name}: kind {field.kind!r}"
        allowed = (JSON_TYPES[field.kind], type(None)) if field.nullable else (JSON_TYPES[field.kind],)
        assert type(field.example) in allowed, f"{kind.name}.{field.name}: example {field.example!r}"
        assert field.meaning, f"{kind.name}.{field.name}: no meaning"
    assert kind.feed in (*events.FEEDS, None), f"{kind.name}: feed {kind.feed!r}"
    # The verb follows the viewer's name in an activity row: exactly the activity types with a viewer have one.
    assert bool(kind.verb) == (kind.feed == "activity" and kind.has_user), f"{kind.name}: verb {kind.verb!r}"


@TYPES
def test_a_sample_is_the_envelope_and_the_required_fields(kind):
    sample = kind.sample(seq=7, ts=1000)
    assert sample["seq"] == 7 and sample["ts"] == 1000 and sample["type"] == kind.name
    assert ("user" in sample) == kind.has_user
    required = {field.name for field in kind.fields if not field.optional}
    assert set(sample) - {"seq", "ts", "type", "user"} == required


def _json_kind(hint):
    """(JSON type, nullable) of a type hint: `int | None` is ("integer", True), a TypedDict an object."""
    args = typing.get_args(hint) if typing.get_origin(hint) in (typing.Union, types.UnionType) else (hint,)
    (base,) = [arg for arg in args if arg is not type(None)]
    python_type = dict if typing.is_typeddict(base) else typing.get_origin(base) or base
    return next(name for name, json_type in JSON_TYPES.items() if json_type is python_type), type(None) in args


def test_the_event_type_hint_names_every_field_of_the_list_with_its_json_type():
    """payloads.Event, the event object of the type hints: the envelope, then each type's fields as the list
    gives them (a field's name means one thing in every type that has it)."""
    hints = typing.get_type_hints(payloads.Event)
    assert payloads.Event.__required_keys__ == {"seq", "type", "ts"}
    fields = {}
    for kind in events.EVENT_TYPES:
        for field in kind.fields:
            typed = (field.kind, field.nullable)
            assert fields.setdefault(field.name, typed) == typed, f"{field.name}: two JSON types"
    assert set(hints) == {"seq", "type", "ts", "user", "history", *fields}
    assert {name: _json_kind(hints[name]) for name in fields} == fields
    assert set(typing.get_type_hints(payloads.User)) == set(events.SAMPLE_USER)


def test_for_browser_is_each_types_feed_and_verb_in_order():
    listed = events.for_browser()
    assert [entry["type"] for entry in listed] == list(events.NAMES)
    assert listed[events.NAMES.index("follow")] == {"type": "follow", "feed": "activity", "verb": "followed"}
    assert listed[events.NAMES.index("like")] == {"type": "like", "feed": None, "verb": None}
    json.dumps(listed)  # rendered into the page as JSON


# --- documented ---------------------------------------------------------------------------------------


def _section(text, heading):
    """The text under `## heading`, up to the next `## `."""
    start = text.index(f"\n## {heading}\n")
    end = text.find("\n## ", start + 1)
    return text[start:end if end != -1 else len(text)]


def _table_rows(text, header):
    """The rows of the markdown table whose header line is `header`, as lists of cells."""
    lines = text[text.index(header + "\n"):].splitlines()[2:]
    rows = []
    for line in lines:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip("|").split("|")])
    return rows


def _code(cell):
    return re.findall(r"`([^`]+)`", cell)


def _event_object():
    return _section((DOCS / "protocol.md").read_text(encoding="utf-8"), "The event object")


def test_protocol_md_lists_every_type_in_the_contracts_order():
    envelope = {row[0]: row for row in _table_rows(_event_object(), "| field | type | meaning |")}
    assert tuple(_code(envelope["`type`"][2])) == events.NAMES
    present, absent = envelope["`user`"][2].split("absent on")  # "the viewer, for `chat`, …; absent on `viewers` …"
    assert tuple(_code(present)) == tuple(kind.name for kind in events.EVENT_TYPES if kind.has_user)
    assert tuple(_code(absent)) == tuple(kind.name for kind in events.EVENT_TYPES if not kind.has_user)


def test_protocol_md_documents_each_types_fields():
    documented = {}
    for names, fields in _table_rows(_event_object(), "| type | fields |"):
        for name in _code(names):
            assert name in events.BY_NAME, f"docs/protocol.md documents {name!r}, which assistant/events.py lacks"
            documented[name] = fields
    for kind in events.EVENT_TYPES:
        assert kind.name in documented, f"{kind.name} has no row in docs/protocol.md's 'Fields of each type'"
        row = documented[kind.name]
        for field in kind.fields:
            assert f"`{field.name}`" in row, f"docs/protocol.md does not document {kind.name}.{field.name}"
            if field.optional:
                after = row[row.index(f"`{field.name}`"):]
                assert "optional" in after.split("), `")[0], f"docs/protocol.md: {kind.name}.{field.name} optional?"
        if not kind.fields:
            assert row == "nothing more"


def test_http_md_lists_the_types_and_the_csv_columns():
    http = (DOCS / "http.md").read_text(encoding="utf-8")
    types_row = next(row for row in _table_rows(http, "| parameter | meaning |") if row[0] == "`types`")
    assert tuple(_code(types_row[1])[0].split(", ")) == events.NAMES
    columns = re.search(r"with the columns\s+`([^`]+)`", http).group(1)
    assert tuple(re.split(r",\s+", columns)) == exports.CSV_COLUMNS


def test_the_developers_page_names_files_that_exist():
    page = (DOCS / "events.md").read_text(encoding="utf-8")
    paths = {path for path in _code(page) if re.fullmatch(r"[a-z_]+/[\w/.]*", path)}
    assert "assistant/events.py" in paths and "## Adding an event type" in page
    missing = sorted(path for path in paths if not (DOCS.parent / path).exists())
    assert not missing, f"docs/events.md names files that do not exist: {missing}"
    assert "(events.md)" in (DOCS / "protocol.md").read_text(encoding="utf-8")


def test_the_developers_page_explains_every_attribute_of_a_type():
    page = _section((DOCS / "events.md").read_text(encoding="utf-8"), "What the list says")
    documented = [_code(row[0])[0] for row in _table_rows(page, "| attribute | meaning |")]
    assert documented == [field.name for field in dataclasses.fields(events.EventType)]


# --- sent by the simulator, normalised with the fields the list gives ---------------------------------


def _simulator_body(kind):
    """What the simulator's events API takes for a type (docs/simulator.md): the contract's shape without `seq`
    and `ts`, a user without avatarUrl; the v1 gift and like name some fields as TikTok's messages do; a battle's
    supporters are whole users (TikTok's message leaves out their uniqueId)."""
    body = {key: value for key, value in kind.sample().items() if key not in ("seq", "ts")}
    if "user" in body:
        body["user"] = {key: body["user"][key] for key in ("userId", "uniqueId", "nickname")}
    if kind.name == "gift":
        body["repeatEnd"] = not body.pop("streaking")
        del body["imageUrl"]  # the simulator serves the gift's picture itself
    if kind.name == "like":
        body["total"] = body.pop("totalLikes")
    if kind.name == "battle":  # the simulator takes whole viewers; TikTok names a supporter without a uniqueId
        for team in body["teams"]:
            for supporter in team["top"]:
                supporter["user"] = {**supporter["user"], "uniqueId": supporter["user"]["uniqueId"] or "supporter"}
    return body


def _through_the_app(messages):
    """Messages as TikTok pushes them -> the events the app's decoder relays (assistant/tiktok/decode.py)."""
    from assistant.simulator import protocol
    from assistant.tiktok.decode import Decoder

    decoder = Decoder("someone")
    payload = protocol.compress(protocol.push_payload(messages, 7, "c1"))
    frame = protocol.push_frame(payload, log_id=1, gzipped=True)
    _, fetch_result = decoder.frame(frame)
    relayed = []
    decoder.relay(fetch_result, lambda event, message_id: relayed.append(event))
    assert decoder.garbled == 0
    return relayed


def test_every_type_comes_from_the_simulator_through_the_normaliser_with_its_fields():
    from assistant.simulator import protocol, validation
    from assistant.simulator.model import SimUser

    def nobody():
        return SimUser(user_id=1, unique_id="someone", nickname="Someone")

    # `end` has an endpoint of its own (/_sim/streams/<name>/end): the control message TikTok ends a LIVE with.
    bodies = [_simulator_body(kind) for kind in events.EVENT_TYPES if kind.name != "end"]
    sent = validation.parse_events(bodies, nobody, total_likes=0)
    messages = [protocol.build_message(event, 7, "http://127.0.0.1:1") for event in sent] + [protocol.end_message(7)]
    relayed = _through_the_app(messages)
    assert [event["type"] for event in relayed] == [name for name in events.NAMES if name != "end"] + ["end"]
    for event in relayed:
        kind = events.BY_NAME[event["type"]]
        fields = {field.name: field for field in kind.fields}
        assert set(event) - {"type", "ts", "user"} == {name for name, f in fields.items() if not f.optional}
        assert ("user" in event) == kind.has_user
        for name, value in event.items():
            if name in fields:
                assert type(value) is JSON_TYPES[fields[name].kind], f"{kind.name}.{name} = {value!r}"
        sample = kind.sample()
        assert {name: _without_pictures(event[name]) for name in fields if name != "imageUrl" and name in sample} \
            == {name: _without_pictures(sample[name]) for name in fields if name != "imageUrl" and name in sample}


def _without_pictures(value):
    """`value` without the pictures the simulator serves itself (`avatarUrl`, `imageUrl`) nor the times it
    gives what it encodes (a pinned chat's `ts`), wherever they are nested."""
    if isinstance(value, dict):
        return {key: _without_pictures(item) for key, item in value.items()
                if key not in ("avatarUrl", "imageUrl", "ts")}
    if isinstance(value, list):
        return [_without_pictures(item) for item in value]
    return value


# --- the counting ----------------------------------------------------------------------------------


def _counted(metrics):
    """The totals of a metrics object that are not zero (`battles.won`... for the battles)."""
    flat = {key: value for key, value in metrics.items() if key != "battles"}
    flat.update((f"battles.{outcome}", value) for outcome, value in metrics["battles"].items())
    return {key for key, value in flat.items() if value}


@TYPES
def test_the_metrics_count_one_event_into_the_total_the_list_names(kind):
    assert kind.metric is None or kind.metric in full_metrics({})
    metrics = StreamMetrics()
    changed = metrics.apply(kind.sample())
    after = metrics.to_dict()
    assert set(after) == set(full_metrics({}))
    if kind.metric:
        assert changed and after[kind.metric] == 1
        assert _counted(after) == {kind.metric}
        replayed = StreamMetrics()
        assert not replayed.apply({**kind.sample(), "history": True}) and not _counted(replayed.to_dict())
    elif kind.name in ("gift", "like", "viewers"):  # their own rules (metrics.py), checked in test_insights.py
        assert changed
    else:  # battles have a rule of their own too: an end with a result (tests/test_battles.py); the sample's is not
        assert not changed and not _counted(after)


@TYPES
def test_the_series_counts_one_event_into_the_field_the_list_names(kind):
    series = ActivitySeries()
    series.apply(kind.sample(ts=120_500))
    point = series.points()[0] if series.points() else {}
    counted = {key for key, value in point.items() if key != "t" and value}
    if kind.series_field:
        assert kind.series_field in point and point[kind.series_field] == 1
        assert counted == {kind.series_field}
        replayed = ActivitySeries()
        replayed.apply({**kind.sample(ts=120_500), "history": True})
        assert replayed.points() == []
    else:
        assert counted <= {"viewers"}  # a viewer count is a level, not a count


@TYPES
def test_the_viewer_card_counts_what_the_list_names(kind):
    assert kind.viewer_total is None or kind.viewer_total in ViewerCard(events.SAMPLE_USER, 0).to_dict()["totals"]
    tallies = ViewerTallies()
    tallies.apply(kind.sample())
    card = tallies.card(events.SAMPLE_USER["userId"])
    if kind.viewer_badge is not None:
        assert card["badges"] == [kind.viewer_badge] and not any(card["totals"].values())
        return
    if kind.viewer_total is None:
        assert card is None
        return
    totals = {key: value for key, value in card["totals"].items() if value}
    amount = kind.sample()["count"] if kind.name == "like" else 1
    assert totals == {kind.viewer_total: amount}
    replayed = ViewerTallies()
    replayed.apply({**kind.sample(), "history": True})
    assert replayed.card(events.SAMPLE_USER["userId"]) is None


@TYPES
def test_past_the_backlog_the_sheddable_types_fold_into_the_totals_they_would_make(kind):
    """A runner's backlog past SHED_BACKLOG folds the types the list flags `sheddable` into counts
    (streams/backlog.py): the totals come out as if each event had been counted. Any other type is still
    queued whole, however full the backlog."""
    backlog = Backlog("flooded")
    for _ in range(SHED_BACKLOG):
        backlog.put(StatusChanged("connected"))
    sent = [kind.sample(seq=n) for n in (1, 2, 3)]
    for event in sent:
        backlog.put_event(event, None)
    counted, folded = StreamMetrics(), StreamMetrics()
    for event in sent:
        counted.apply(event)
    folded.add_folded(*backlog.take_folded())
    if kind.sheddable:
        assert backlog.qsize() == SHED_BACKLOG and backlog.shed == len(sent)
        assert folded.to_dict() == counted.to_dict() and _counted(counted.to_dict())
    else:
        assert backlog.qsize() == SHED_BACKLOG + len(sent) and backlog.shed == 0
        assert not _counted(folded.to_dict())


# --- the records' filter, the exports, the pages --------------------------------------------------------


def test_types_may_name_every_type_and_nothing_else():
    assert args.event_types(MultiDict({"types": ",".join(reversed(events.NAMES))})) == events.NAMES
    with pytest.raises(args.BadQuery, match="expected some of " + ", ".join(events.NAMES)):
        args.event_types(MultiDict({"types": "chat,donation"}))


@TYPES
def test_each_types_csv_columns_are_its_fields_or_made_from_them(kind):
    fields = {field.name for field in kind.fields}
    for column in kind.csv_columns:
        assert column in fields or (kind.name, column) in exports._COMPUTED, f"{kind.name}: column {column!r}"
    row = dict(zip(exports.CSV_COLUMNS, exports.csv_row(kind.sample()), strict=True))
    filled = {column for column in events.CSV_COLUMNS if row[column] != ""}
    masked = {"opponentScore"} if kind.name == "battle" else set()  # the sample's opponent score is masked: null
    assert filled == set(kind.csv_columns) - masked


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    folder = tmp_path_factory.mktemp("event-types")
    with running_app(folder) as app:
        app.config["records_file"] = folder / "records.sqlite3"
        yield app


def test_the_dashboard_carries_the_list_for_its_scripts(app):
    page = app.test_client().get("/").text
    block = re.search(r'<script type="application/json" id="event-types">(.*?)</script>', page, re.S).group(1)
    assert json.loads(block) == events.for_browser()


def test_every_type_is_recorded_exported_and_filtered(app):
    samples = [kind.sample(seq=seq, ts=1_795_753_444_000 + seq) for seq, kind in enumerate(events.EVENT_TYPES, 1)]
    live_id = add_live(app.config["records_file"], "maya", "7301", events=samples)
    client = app.test_client()

    report = client.get(f"/streams/{live_id}").text
    assert tuple(re.findall(r'<input type="checkbox" name="types" value="([^"]+)"', report)) == events.NAMES

    lines = client.get(f"/streams/{live_id}/export.jsonl").text.splitlines()
    assert [json.loads(line) for line in lines] == samples
    rows = list(csv.reader(io.StringIO(client.get(f"/streams/{live_id}/export.csv").text)))
    assert tuple(rows[0]) == exports.CSV_COLUMNS
    assert [row[2] for row in rows[1:]] == list(events.NAMES)
    for kind in events.EVENT_TYPES:
        only = client.get(f"/api/streams/{live_id}/events?types={kind.name}").get_json()["events"]
        assert [event["type"] for event in only] == [kind.name]


# --- the dashboard's rows ----------------------------------------------------------------------------------

# static/js/rows.js imported in Node, the page's #event-types block (the list, as the page gets it) given as
# the document it reads: whether it draws a row for each type (its own builder, or an activity row's verb).
_ROWS_IN_NODE = """
const list = process.argv[1];
globalThis.document = { getElementById: (id) => (id === 'event-types' ? { textContent: list } : null) };
const rows = await import('./static/js/rows.js');
console.log(JSON.stringify(JSON.parse(list).map((type) => [type.type, rows.drawsType(type.type)])));
"""


@pytest.mark.slow  # it starts Node
@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_rows_js_draws_a_row_for_every_type_a_feed_shows():
    """Each type the list puts in a feed has its row in static/js/rows.js (the rows themselves, in Chromium:
    tests/test_dashboard_ux.py); the types of no feed have none there (their cards draw them)."""
    listed = json.dumps(events.for_browser())
    found = subprocess.run([shutil.which("node"), "--input-type=module", "-e", _ROWS_IN_NODE, listed],
                           cwd=DOCS.parent, capture_output=True, text=True, timeout=30, check=True)
    drawn = dict(json.loads(found.stdout))
    missing = [kind.name for kind in events.EVENT_TYPES if kind.feed and not drawn[kind.name]]
    assert not missing, f"static/js/rows.js draws no row for {missing}"
    assert drawn["chat"] and drawn["emote"] and drawn["envelope"] and drawn["subscribe"]
    assert not drawn["like"] and not drawn["battle"], "a type of no feed has no row"
