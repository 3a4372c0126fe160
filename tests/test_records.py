"""Records (assistant/records) on SQLite and on a private Postgres: what is written reads back exactly,
lives are found again by (username, room), paging, search, export in chunks, retention, a full queue,
and a database that fails or goes away without a caller ever seeing an exception."""

import json
import sqlite3
import subprocess
import sys
import threading
import time

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, func, select, text
from support.appserver import REPO, free_port

from assistant.config import SettingsError
from assistant.events import BY_NAME, EVENT_TYPES
from assistant.records import Records, RecordsDatabaseUnusable, RecordsUnavailable, migrate, reads
from assistant.records.engine import database_url as engine_url
from assistant.records.schema import events, metadata

TRICKY = 'a, "quoted", b\nnext line\r\n😀🎉 ünïcode \\ back\\slash; 50% _x_ \'single\''
ALICE = {"userId": "101", "uniqueId": "alice.fan", "nickname": "Fan 🌟"}
BOB = {"userId": "202", "uniqueId": "bob", "nickname": "Bob, \"the\" builder"}


@pytest.fixture
def open_records(tmp_path):
    """`open_records(url, **settings)`: a Records of the test's own (a restart: a second one on the same URL)."""
    opened = []

    def open_(url, retention_days=30, queue_events=50_000):
        settings = {"RECORD_STREAMS": True, "DATABASE_URL": url, "RECORD_RETENTION_DAYS": retention_days,
                    "RECORD_QUEUE_EVENTS": queue_events}
        records = Records.from_config(settings, str(tmp_path / "instance"))
        opened.append(records)
        return records

    yield open_
    for records in opened:
        records.close()


@pytest.fixture
def records(database_url, open_records):
    return open_records(database_url)


def chat(seq, comment, user=ALICE, **extra):
    return {"seq": seq, "type": "chat", "ts": 1_700_000_000_000 + seq, "user": user, "comment": comment, **extra}


def event(seq, kind, **fields):
    return {"seq": seq, "type": kind, "ts": 1_700_000_000_000 + seq, **fields}


def card(user, comments=0, diamonds=0):
    totals = {"comments": comments, "likes": 0, "gifts": 0, "diamonds": diamonds, "follows": 0, "shares": 0}
    return {"user": user, "firstSeen": 1_700_000_000_000, "lastSeen": 1_700_000_060_000, "totals": totals,
            "comments": [{"ts": 1_700_000_000_001, "comment": TRICKY}], "gifts": []}


def count_events(url):
    engine = create_engine(engine_url(url, None))
    try:
        with engine.connect() as connection:
            return connection.execute(select(func.count()).select_from(events)).scalar()
    finally:
        engine.dispose()


def test_migrations_build_exactly_the_schema(database_url, open_records):
    open_records(database_url)
    open_records(database_url)  # a second start: nothing left to migrate
    engine = create_engine(engine_url(database_url, None))
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), metadata) == []
        assert MigrationContext.configure(connection).get_current_revision() == "0004"
    engine.dispose()
    done = subprocess.run([sys.executable, "-m", "assistant.records", "current"], cwd=REPO, capture_output=True,
                          text=True, env={"DATABASE_URL": database_url, "PYTHONWARNINGS": "ignore"}, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith("revision 0004")


def test_a_database_of_the_first_schema_is_migrated_with_its_events(database_url, open_records):
    """A database made by 0001 (the records before deleted chat) keeps its events; they read back unmarked."""
    engine = create_engine(engine_url(database_url, None))
    with engine.begin() as connection:
        config = Config()
        config.set_main_option("script_location", migrate.MIGRATIONS)
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
        live_id = connection.execute(text(
            "INSERT INTO lives (username, room_id, status, started_at, updated_at, seq, metrics) "
            "VALUES ('old', 'r', 'ended', 1, 1, 1, '{}') RETURNING id")).scalar()
        connection.execute(text("INSERT INTO events (live_id, seq, ts, type, user_id, data) VALUES (:live, 1, 1, "
                                "'chat', '101', :data)"), {"live": live_id, "data": json.dumps(chat(1, "before"))})
    engine.dispose()
    records = open_records(database_url)
    assert records.events(live_id) == ([chat(1, "before")], None)
    records.add_events("old", "r", [chat(2, "after", messageId="m2"), event(3, "chatDeleted", messageIds=["m2"])],
                       3, {})
    records.flush()
    assert records.health() is None
    assert [e.get("deleted", False) for e in records.events(live_id)[0]] == [False, True, False]


def test_processes_starting_together_migrate_in_turn(postgres_server):
    """The second waits for the first's transaction, then finds nothing to do (it would fail making the tables)."""
    url = engine_url(postgres_server.new_database(), None)
    first, second = create_engine(url), create_engine(url)
    outcome = []

    def migrate_second():
        try:
            with second.begin() as connection:
                migrate.upgrade(connection)
            outcome.append("done")
        except Exception as ex:  # the test's answer, not a crash in a thread
            outcome.append(ex)

    with first.begin() as connection:
        migrate.upgrade(connection)
        waiting = threading.Thread(target=migrate_second)
        waiting.start()
        waiting.join(0.5)
        assert waiting.is_alive(), "waits while the first holds the lock"
    waiting.join(10)
    assert outcome == ["done"]
    first.dispose()
    second.dispose()


def test_what_is_written_reads_back_exactly(records):
    started = time.time() - 100
    first = [chat(1, TRICKY), chat(2, "replayed", history=True), event(3, "gift", user=BOB, giftId=5655,
             giftName="Rose", diamondCount=1, repeatCount=3, streaking=False), event(4, "like", user=ALICE, count=7,
             totalLikes=7)]
    second = [event(5, "viewers", viewerCount=42), event(6, "follow", user=BOB), chat(7, "🎉" * 300, user=BOB)]
    metrics = {"currentViewerCount": 42, "totalLikes": 7, "totalDiamonds": 3, "totalComments": 2}
    boards = {"gifters": [{"user": BOB, "diamonds": 3}], "chatters": [{"user": ALICE, "comments": 1}]}
    point = {"t": 1_700_000_000_000 // 60_000 * 60_000, "viewers": 42, "likes": 7, "diamonds": 3, "comments": 2,
             "joins": 0, "follows": 1, "shares": 0}
    records.open_live("alice", "7301", started, 0, {})
    records.add_events("alice", "7301", first, 4, {"totalLikes": 7})
    records.add_events("alice", "7301", second, 7, metrics)
    records.save_insights("alice", "7301", boards, [point], [card(ALICE, comments=1), card(BOB, diamonds=3)])
    records.end_live("alice", "7301", started + 90, "ended")
    records.flush()

    assert records.health() is None and records.stats() == {"queued": 0, "written": 7, "dropped": 0}
    latest = records.latest("alice")
    assert (latest.room_id, latest.status, latest.end_reason, latest.seq) == ("7301", "ended", "ended", 7)
    assert (latest.started_at, latest.ended_at) == (pytest.approx(started), pytest.approx(started + 90))
    assert (latest.metrics, latest.leaderboards, latest.series) == (metrics, boards, [point])
    assert latest.cards == [card(BOB, diamonds=3), card(ALICE, comments=1)], "the most active first"
    page, cursor = records.events(latest.id)
    assert page == first + second and cursor is None
    report = records.get_live(latest.id)
    assert report == {"id": latest.id, "username": "alice", "roomId": "7301", "status": "ended",
                      "startedAt": reads.iso_utc(started), "endedAt": reads.iso_utc(started + 90), "endReason": "ended",
                      "metrics": metrics, "leaderboards": boards,
                      "series": {"username": "alice", "bucketSeconds": 60, "points": [point]}}
    assert records.list_lives() == ([{key: report[key] for key in ("id", "username", "roomId", "status",
                                                                   "startedAt", "endedAt", "metrics")}], None)
    assert records.latest("nobody") is None and records.get_live(latest.id + 1) is None


def test_the_same_room_is_one_live_another_room_a_second(database_url, open_records):
    records = open_records(database_url)
    records.open_live("bea", "room1", 1000.0, 0, {})
    records.add_events("bea", "room1", [chat(1, "one"), chat(2, "two")], 2, {"totalComments": 2})
    records.flush()
    restarted = open_records(database_url)  # a new process: nothing cached
    restarted.open_live("bea", "room1", 2000.0, 2, {"totalComments": 2})
    restarted.add_events("bea", "room1", [chat(3, "three")], 3, {"totalComments": 3})
    restarted.flush()
    lives, _ = restarted.list_lives(username="bea")
    assert len(lives) == 1 and lives[0]["metrics"] == {"totalComments": 3}
    assert lives[0]["startedAt"] == reads.iso_utc(1000.0), "taken up again: the first start stays"
    assert [e["seq"] for e in restarted.events(lives[0]["id"])[0]] == [1, 2, 3]

    restarted.end_live("bea", "room1", 3000.0, "new_live")
    restarted.open_live("bea", "room2", 3000.0, 3, {})
    restarted.end_live("bea", "nowhere", 3000.0, "ended")  # never opened: nothing recorded
    restarted.flush()
    newest = restarted.latest("bea")
    assert (newest.room_id, newest.status, newest.seq) == ("room2", "live", 3)
    lives, _ = restarted.list_lives(username="bea")
    assert [(live["roomId"], live["status"]) for live in lives] == [("room2", "live"), ("room1", "ended")]
    assert restarted.get_live(lives[1]["id"])["endReason"] == "new_live"


def test_list_lives_pages_newest_first_and_filters_by_creator(records):
    starts = [("alice", 100.0), ("bob", 200.0), ("alice", 300.0), ("alice", 300.0), ("bob", 400.0), ("alice", 500.0)]
    for number, (username, started) in enumerate(starts):
        records.open_live(username, f"room{number}", started, 0, {})
    records.flush()

    def pages(**filters):
        seen, cursor = [], None
        while True:
            page, cursor = records.list_lives(before=cursor, limit=2, **filters)
            assert len(page) <= 2
            seen += [(live["username"], live["roomId"]) for live in page]
            if cursor is None:
                return seen

    expected = [("alice", "room5"), ("bob", "room4"), ("alice", "room3"), ("alice", "room2"), ("bob", "room1"),
                ("alice", "room0")]
    assert pages() == expected
    assert pages(username="alice") == [live for live in expected if live[0] == "alice"]
    assert records.list_lives(username="carol") == ([], None)
    assert records.list_lives(before=10_000) == ([], None), "a cursor whose live is gone"


def test_events_by_type_with_search_and_after(records):
    written = [chat(1, "Hello World"), event(2, "gift", user=BOB, giftName="Rose"), chat(3, "say HELLO again"),
               event(4, "like", user=ALICE, count=3), chat(5, "50% off"), chat(6, "snake_case"), chat(7, "quiet")]
    records.open_live("dee", "r", 1.0, 0, {})
    records.add_events("dee", "r", written, 7, {})
    records.flush()
    live = records.latest("dee").id

    def seqs(**query):
        return [e["seq"] for e in records.events(live, **query)[0]]

    assert seqs(types=["gift", "like"]) == [2, 4]
    assert seqs(search="hello") == [1, 3]
    assert seqs(search="%") == [5] and seqs(search="_") == [6], "LIKE's wildcards are searched as text"
    assert seqs(search="hello", types=["gift"]) == []
    assert seqs(after=4) == [5, 6, 7]
    page, cursor = records.events(live, types=["chat"], limit=2)
    assert [e["seq"] for e in page] == [1, 3] and cursor == 3
    page, cursor = records.events(live, types=["chat"], after=cursor, limit=2)
    assert [e["seq"] for e in page] == [5, 6] and cursor == 6
    assert records.events(live, types=["chat"], after=cursor, limit=2) == ([chat(7, "quiet")], None)


def test_every_type_is_recorded_and_read_back_whole(records):
    """Each type of the registry, nested objects and arrays, nulls and 64-bit ids as text included (the
    chatDeleted's sample deletes the chat's)."""
    written = [kind.sample(seq=seq) for seq, kind in enumerate(EVENT_TYPES, 1)]
    records.open_live("all", "r", 1.0, 0, {})
    records.add_events("all", "r", written, len(written), {})
    records.flush()
    assert records.health() is None
    chat_line, *others = written
    assert chat_line["messageId"] in BY_NAME["chatDeleted"].sample()["messageIds"], "the samples name the line"
    assert list(records.iter_events(records.latest("all").id)) == [{**chat_line, "deleted": True}, *others]


def test_battle_events_are_the_last_of_each_battles_phases(records):
    """What the report reads of the battles: of each battle, the last event of each phase, in seq order, picked
    by the database (a battle sends its scores a few times a second)."""
    def battle(seq, battle_id, phase, score):
        return event(seq, "battle", battleId=battle_id, phase=phase, endsAt=None, result=None,
                     teams=[{"host": ALICE, "score": score, "top": []}, {"host": BOB, "score": None, "top": []}])

    written = [battle(1, "b1", "started", 0), *(battle(seq, "b1", "scores", seq) for seq in range(2, 300)),
               chat(300, "between"), battle(301, "b2", "started", 0), battle(302, "b1", "ended", 299),
               battle(303, "b2", "scores", 5), battle(304, "b2", "scores", 6)]
    records.open_live("pk", "r", 1.0, 0, {})
    records.add_events("pk", "r", written, 304, {})
    records.flush()
    live = records.latest("pk").id
    assert [(e["seq"], e["battleId"], e["phase"]) for e in records.battle_events(live)] == [
        (1, "b1", "started"), (299, "b1", "scores"), (301, "b2", "started"), (302, "b1", "ended"),
        (304, "b2", "scores")]
    assert records.battle_events(live + 1) == []


def test_deleted_chat_is_kept_and_marked(records):
    """A chatDeleted marks the chat lines of its messageIds `deleted`, in the same flush as the lines or a later
    one, in that live only; what it names that is not a chat line, or was never recorded, stays as it was."""
    pinned = event(4, "pin", messageId="m1", chat=chat(1, "spam", messageId="m1"))
    records.open_live("del", "r", 1.0, 0, {})
    records.open_live("other", "r", 1.0, 0, {})
    records.add_events("other", "r", [chat(1, "spam elsewhere", messageId="m1")], 1, {})
    records.add_events("del", "r", [chat(1, "spam", messageId="m1"), chat(2, "fine", messageId="m2"),
                                    chat(3, "spam again", messageId="m3", user=BOB), pinned,
                                    event(5, "chatDeleted", messageIds=["m1", "m3", "never-seen"],
                                          userIds=["101", "202"])], 5, {})
    records.flush()
    live = records.latest("del").id
    marked = [(e["seq"], e.get("deleted")) for e in records.events(live)[0]]
    assert marked == [(1, True), (2, None), (3, True), (4, None), (5, None)], "the pin of a deleted line: a pin"
    assert records.events(live)[0][0] == {**chat(1, "spam", messageId="m1"), "deleted": True}

    records.add_events("del", "r", [chat(6, "late", messageId="7316"), event(7, "chatDeleted", messageIds=["m2"])],
                       7, {})
    records.flush()
    records.add_events("del", "r", [event(8, "chatDeleted", messageIds=[7316])], 8, {})  # an id as a number
    records.flush()
    assert records.health() is None
    assert [e["seq"] for e in records.events(live)[0] if e.get("deleted")] == [1, 2, 3, 6]
    assert [e["seq"] for e in records.events(live, search="spam")[0]] == [1, 3], "a search finds them, marked"
    assert all(e.get("deleted") for e in records.events(live, search="spam")[0])
    assert "deleted" not in records.events(records.latest("other").id)[0][0], "another live's m1 is not touched"
    assert [e.get("deleted") for e in records.iter_events(live, types=["chat"])] == [True, True, True, True]


def test_iter_events_reads_in_chunks(records, monkeypatch):
    records.open_live("eve", "r", 1.0, 0, {})
    for start in range(0, 20_000, 1000):
        batch = [chat(seq, f"line {seq}") if seq % 4 else event(seq, "gift", giftName="Rose")
                 for seq in range(start + 1, start + 1001)]
        records.add_events("eve", "r", batch, start + 1000, {})
    records.flush()
    live = records.latest("eve").id
    chunks = []
    events_page = reads.events_page
    monkeypatch.setattr(reads, "events_page", lambda *args: chunks.append(args) or events_page(*args))

    exported = records.iter_events(live)
    assert next(exported)["seq"] == 1 and len(chunks) == 1, "read as it goes, not all at once"
    assert [e["seq"] for e in exported] == list(range(2, 20_001))
    assert len(chunks) == 10
    assert sum(1 for _ in records.iter_events(live, types=["gift"])) == 5000


def test_prune_deletes_old_lives_and_ends_stale_ones(records, database_url):
    now = time.time()
    records.open_live("fay", "old", now - 31 * 86400, 0, {})
    records.add_events("fay", "old", [chat(1, "long ago"), chat(2, "gone")], 2, {})
    records.open_live("fay", "new", now - 60, 0, {})
    records.add_events("fay", "new", [chat(1, "kept")], 1, {})
    records.flush()

    assert records.prune(now) == {"deleted": 1, "stopped": 0}
    assert [live["roomId"] for live in records.list_lives()[0]] == ["new"]
    assert count_events(database_url) == 1, "the old live's events went with it"
    assert records.prune(now + 601) == {"deleted": 0, "stopped": 1}
    stale = records.latest("fay")
    assert (stale.status, stale.end_reason) == ("ended", "stopped") and now - 5 < stale.ended_at <= time.time()

    records.add_events("fay", "old", [chat(3, "back")], 3, {})  # the deleted live's cached id is not used
    records.flush()
    assert records.health() is None and len(records.list_lives()[0]) == 2


def test_a_full_queue_drops_events_and_counts_them(database_url, open_records, caplog):
    records = open_records(database_url, queue_events=100)
    records.open_live("gus", "r", 1.0, 0, {})
    records.add_events("gus", "r", [chat(seq, "x") for seq in range(1, 61)], 60, {"totalComments": 60})
    records.add_events("gus", "r", [chat(seq, "x") for seq in range(61, 121)], 120, {"totalComments": 120})
    records.add_events("gus", "r", [chat(seq, "x") for seq in range(121, 131)], 130, {"totalComments": 130})
    records.add_events("gus", "r", [chat(seq, "x") for seq in range(131, 191)], 190, {"totalComments": 190})
    records.add_events("gus", "r", [chat(seq, "x") for seq in range(191, 221)], 220, {"totalComments": 220})
    assert records.stats() == {"queued": 100, "written": 0, "dropped": 120}
    warnings = [entry for entry in caplog.records if entry.name == "assistant.records.writer"]
    assert len(warnings) == 2, "one warning per episode of drops"
    records.flush()
    latest = records.latest("gus")
    assert records.stats() == {"queued": 0, "written": 100, "dropped": 120}
    assert (latest.seq, latest.metrics) == (220, {"totalComments": 220}), "seq and metrics still go through"


def test_a_failing_database_is_reported_retried_then_dropped(tmp_path, open_records):
    path = tmp_path / "records.sqlite3"
    records = open_records(f"sqlite:///{path}")
    records.open_live("hal", "r", 1.0, 0, {})
    records.add_events("hal", "r", [chat(1, "before")], 1, {})
    records.flush()
    refuse = "CREATE TRIGGER refuse BEFORE INSERT ON events BEGIN SELECT RAISE(ABORT, 'disk full'); END"
    with sqlite3.connect(path) as connection:
        connection.execute(refuse)

    records.add_events("hal", "r", [chat(2, "during")], 2, {})
    records.flush()
    assert "disk full" in records.health() and records.stats() == {"queued": 1, "written": 1, "dropped": 0}
    records.flush()
    records.flush()  # the third failure: given up
    assert records.stats() == {"queued": 0, "written": 1, "dropped": 1}
    with sqlite3.connect(path) as connection:
        connection.execute("DROP TRIGGER refuse")

    records.add_events("hal", "r", [chat(3, "after")], 3, {})
    records.flush()
    assert records.health() is None and records.stats()["written"] == 2
    assert [e["comment"] for e in records.events(records.latest("hal").id)[0]] == ["before", "after"]


def test_nul_in_viewers_text_is_taken_out_on_both_databases(records):
    """Postgres refuses U+0000 in text and jsonb; a viewer can send it. Both databases store the text without it."""
    nul = {"userId": "303", "uniqueId": "n\x00ul", "nickname": "Nu\x00ll \\u0000 typed"}
    records.open_live("nia", "r", 1.0, 0, {})
    records.add_events("nia", "r", [chat(1, "a\x00b", user=nul), chat(2, "plain")], 2, {"totalComments": 2})
    records.save_insights("nia", "r", {"chatters": [{"user": nul, "comments": 1}]}, [], [card(nul, comments=1)])
    records.flush()

    assert records.health() is None and records.stats() == {"queued": 0, "written": 2, "dropped": 0}
    live = records.latest("nia")
    clean = {"userId": "303", "uniqueId": "nul", "nickname": "Null \\u0000 typed"}
    assert [e["comment"] for e in records.events(live.id)[0]] == ["ab", "plain"]
    assert records.events(live.id)[0][0]["user"] == clean, "a backslash typed before u0000 stays"
    assert live.cards == [card(clean, comments=1)] and live.leaderboards["chatters"][0]["user"] == clean


def test_a_refused_write_of_viewer_cards_is_counted_as_dropped(tmp_path, open_records):
    path = tmp_path / "records.sqlite3"
    records = open_records(f"sqlite:///{path}")
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TRIGGER refuse BEFORE INSERT ON viewers BEGIN SELECT RAISE(ABORT, 'no'); END")
    records.open_live("ola", "r", 1.0, 0, {})
    records.save_insights("ola", "r", None, [], [card(ALICE, comments=1), card(BOB, comments=2)])
    for _ in range(3):
        records.flush()
    assert records.stats() == {"queued": 0, "written": 0, "dropped": 3}, "two cards and the live's opening"


def test_the_writer_process_dying_loses_nothing(records):
    records.open_live("pia", "r", 1.0, 0, {})
    records.add_events("pia", "r", [chat(1, "before")], 1, {})
    records.flush()
    writer = records._writer._process._process
    writer.kill()
    writer.wait()
    records.add_events("pia", "r", [chat(2, "after the writer died")], 2, {})
    records.flush()
    assert "writer process stopped" in records.health() and records.stats()["queued"] == 1
    records.flush()  # a new writer process
    assert records.health() is None and records.stats() == {"queued": 0, "written": 2, "dropped": 0}
    assert [e["seq"] for e in records.events(records.latest("pia").id)[0]] == [1, 2]


def test_postgres_going_away_is_reported_and_recovered(open_records):
    from support.pgserver import POSTGRES_BIN, PostgresServer

    if POSTGRES_BIN is None:
        pytest.skip("PostgreSQL is not installed (make system-deps)")
    with PostgresServer() as server:
        records = open_records(server.url)
        records.open_live("ivy", "r", 1.0, 0, {})
        records.add_events("ivy", "r", [chat(1, "before")], 1, {})
        records.flush()
        server.stop()
        records.add_events("ivy", "r", [chat(2, "during")], 2, {})
        for _ in range(5):  # an outage is not the data's fault: kept and tried again while the queue has room
            records.flush()
        reason = records.health()
        assert reason and "\n" not in reason and records.stats()["queued"] == 1
        with pytest.raises(RecordsUnavailable) as raised:
            records.list_lives()
        assert "\n" not in str(raised.value)
        assert not isinstance(raised.value, SettingsError), "an outage at run time, not a setting to fix"
        assert records.prune() is None
        server.start()
        records.flush()
        assert records.health() is None and records.stats() == {"queued": 0, "written": 2, "dropped": 0}
        assert [e["comment"] for e in records.events(records.latest("ivy").id)[0]] == ["before", "during"]
        records.close()


def test_a_database_that_cannot_be_used_stops_the_start_with_one_line(tmp_path):
    def start(url, streams=True):
        settings = {"RECORD_STREAMS": streams, "DATABASE_URL": url, "RECORD_RETENTION_DAYS": 30,
                    "RECORD_QUEUE_EVENTS": 1000}
        return Records.from_config(settings, str(tmp_path))

    assert start("postgres://nowhere", streams=False) is None
    unreachable = f"postgres://user:s3cret@127.0.0.1:{free_port()}/records"
    for url in ("postgresql://user@host:port/records", unreachable, "sqlite:////no/such/folder/records.sqlite3"):
        with pytest.raises(RecordsDatabaseUnusable) as raised:
            start(url)
        assert "\n" not in str(raised.value) and "s3cret" not in str(raised.value)
        assert isinstance(raised.value, SettingsError)  # server.main: one line, exit status 2


@pytest.mark.slow
@pytest.mark.exclusive  # it measures the hub's longest pause, which a test beside it would lengthen
def test_under_eventlet_as_the_server_runs_it(database_url, tmp_path):
    """wsgi.py's runtime: the writer's green thread and tpool under monkey_patch; the hub never waits on the
    database (a name to resolve, on Postgres: `localhost`, resolved in a pool thread)."""
    url = database_url.replace("127.0.0.1", "localhost")
    done = subprocess.run([sys.executable, "tests/support/recordschild.py", url, str(tmp_path)], cwd=REPO, timeout=60,
                          capture_output=True, text=True, env={"PYTHONPATH": str(REPO)})
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert seen["stats"] == {"queued": 0, "written": 2000, "dropped": 0} and seen["health"] is None
    assert (seen["seq"], seen["metrics"], seen["exported"]) == (2000, {"totalComments": 2000}, True)
    assert seen["maxGap"] < 0.3, "the hub kept running while the database worked"
