"""Featuring a chat line on stream (assistant/featuring.py; docs/protocol.md, `feature`, `unfeature`, `featured`),
in process: the lookup of the line among the creator's recent events and in its live's record, the refusals, the
`featured` event and what a socket joining the room gets. In Chromium, across two processes: test_featured_ui.py."""

import time

import pytest
from sqlalchemy import create_engine
from support.inprocess import running_app
from support.recordrows import add_live

from assistant import socketio
from assistant.answers import ServiceError
from assistant.featuring import FEATURE_CALLS_PER_MINUTE, KEEP_SECONDS, FeaturedLines, featured_payload
from assistant.records import reads
from assistant.records.schema import metadata
from assistant.store.memory import MemoryStore

HOSTILE = {"userId": "66", "uniqueId": "mallory", "nickname": "<img src=x onerror=alert(1)>"}


def chat(seq, message_id, comment="hello", user=HOSTILE):
    return {"seq": seq, "type": "chat", "ts": 1_795_753_444_000 + seq, "user": user, "comment": comment,
            "messageId": message_id}


class Told:
    """What FeaturedLines emitted: (username, event, payload)."""

    def __init__(self):
        self.calls = []

    def __call__(self, username, event, payload):
        self.calls.append((username, event, payload))


class RecordedLines:
    """The records' chat_line over a list of (event, deleted): what the records database answers, in memory."""

    def __init__(self, lines):
        self.lines = lines

    def chat_line(self, username, message_id):
        return next(((event, deleted) for event, deleted in self.lines if event["messageId"] == message_id), None)


@pytest.fixture
def store():
    store = MemoryStore("solo", "host:solo", recent_events=5)
    session = store.create_session("10.0.0.1", "dashboard", 10, 10)
    store.set_watching(session.id, "maya", 10, time.time())
    store.claim_stream("maya")
    return store


def publish(store, events):
    assert store.publish("maya", events, {"seq": events[-1]["seq"]})


def test_a_recent_line_is_featured_kept_and_told_to_the_room(store):
    told = Told()
    publish(store, [chat(1, "101", "<b>first</b>"), chat(2, "102", "second")])
    answer = FeaturedLines(store, None, told).feature("s_1", "maya", {"messageId": "101"})
    featured = answer["featured"]
    assert featured["event"] == chat(1, "101", "<b>first</b>"), "the line as TikTok sent it, markup and all"
    assert featured["until"] - featured["at"] == KEEP_SECONDS * 1000 and featured["age"] == 0
    assert told.calls == [("maya", "featured", featured)]
    assert store.featured("maya") == {"event": featured["event"], "at": featured["at"]}


def test_a_line_past_the_recent_events_is_found_in_the_record_unless_tiktok_deleted_it(store):
    publish(store, [chat(seq, str(100 + seq)) for seq in range(1, 9)])  # the store keeps the last 5
    records = RecordedLines([(chat(1, "101", "from the record"), False), (chat(2, "102"), True)])
    lines = FeaturedLines(store, records, Told())
    assert lines.feature("s_1", "maya", {"messageId": "101"})["featured"]["event"]["comment"] == "from the record"
    with pytest.raises(ServiceError) as deleted:
        lines.feature("s_1", "maya", {"messageId": "102"})
    assert deleted.value.error == {"code": "not_found", "message": "TikTok deleted that chat line"}
    with pytest.raises(ServiceError) as unknown:
        FeaturedLines(store, None, Told()).feature("s_1", "maya", {"messageId": "101"})
    assert unknown.value.error["code"] == "not_found", "records off: only the recent events"


def test_a_line_deleted_after_it_came_and_other_events_are_not_featured(store):
    publish(store, [chat(1, "101"), {"seq": 2, "type": "chatDeleted", "ts": 1, "messageIds": ["101"], "userIds": []},
                    {"seq": 3, "type": "pin", "ts": 2, "messageId": "103", "chat": None}])
    lines = FeaturedLines(store, None, Told())
    for message_id, message in [("101", "TikTok deleted that chat line"),
                                ("103", "No chat line with that messageId in this live")]:
        with pytest.raises(ServiceError) as refused:
            lines.feature("s_1", "maya", {"messageId": message_id})
        assert (refused.value.error["code"], refused.value.error["message"]) == ("not_found", message)
    assert store.featured("maya") is None


@pytest.mark.parametrize("payload", [None, "101", 101, {}, {"messageId": 101}, {"messageId": ""},
                                     {"messageId": "1" * 33}, {"messageId": None}, ["101"]])
def test_bad_feature_payloads_are_bad_requests(store, payload):
    with pytest.raises(ServiceError) as refused:
        FeaturedLines(store, None, Told()).feature("s_1", "maya", payload)
    assert refused.value.error["code"] == "bad_request" and "messageId" in refused.value.error["message"]


def test_featuring_is_rate_limited_per_session(store):
    publish(store, [chat(1, "101")])
    lines = FeaturedLines(store, None, Told())
    for _ in range(FEATURE_CALLS_PER_MINUTE):
        lines.feature("s_1", "maya", {"messageId": "101"})
    with pytest.raises(ServiceError) as refused:
        lines.feature("s_1", "maya", {"messageId": "101"})
    assert refused.value.error["code"] == "rate_limited" and 1 <= refused.value.error["retryAfter"] <= 61
    assert lines.feature("s_2", "maya", {"messageId": "101"})["featured"], "another session has its own count"
    lines.forget("s_1")
    assert lines.feature("s_1", "maya", {"messageId": "101"})["featured"], "a removed session's count goes with it"


def test_unfeature_takes_the_line_off_and_with_a_messageid_only_that_line(store):
    told = Told()
    publish(store, [chat(1, "101"), chat(2, "102")])
    lines = FeaturedLines(store, None, told)
    assert lines.unfeature("s_1", "maya", None) == {"unfeatured": False} and told.calls == []
    lines.feature("s_1", "maya", {"messageId": "102"})
    assert lines.unfeature("s_2", "maya", {"messageId": "101"}) == {"unfeatured": False}, \
        "a stale Stop (another moderator featured another line since) leaves the new line on"
    assert store.featured("maya")["event"]["messageId"] == "102"
    assert lines.unfeature("s_2", "maya", {"messageId": "102"}) == {"unfeatured": True}
    assert told.calls[-1] == ("maya", "featured", {"username": "maya", "event": None})
    assert store.featured("maya") is None
    for payload in ("x", {"messageId": 5}, [1]):
        with pytest.raises(ServiceError):
            lines.unfeature("s_1", "maya", payload)


def test_the_featured_payload_says_its_age_by_the_servers_clock():
    stored = {"event": chat(1, "101"), "at": 10_000}
    assert featured_payload("maya", stored, now_ms=14_500) == {
        "username": "maya", "event": chat(1, "101"), "at": 10_000, "until": 10_000 + KEEP_SECONDS * 1000, "age": 4_500}
    assert featured_payload("maya", None) == {"username": "maya", "event": None}


def test_the_records_find_a_line_of_the_creators_newest_live_only(tmp_path):
    path = tmp_path / "records.sqlite3"
    engine = create_engine(f"sqlite:///{path}")
    metadata.create_all(engine)
    add_live(path, "maya", "1", [chat(1, "101", "old live")], started_at=time.time() - 7200)
    add_live(path, "maya", "2", [chat(1, "201", "kept"), {**chat(2, "202"), "deleted": True}], status="live")
    add_live(path, "other", "3", [chat(1, "301")], status="live")
    try:
        with engine.connect() as connection:
            assert reads.chat_line(connection, "maya", "201") == (chat(1, "201", "kept"), False)
            assert reads.chat_line(connection, "maya", "202") == (chat(2, "202"), True)
            assert reads.chat_line(connection, "maya", "101") is None, "a line of an earlier live"
            assert reads.chat_line(connection, "maya", "301") is None, "another creator's line"
            assert reads.chat_line(connection, "nobody", "201") is None
    finally:
        engine.dispose()


# --- the Socket.IO handlers, in process ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    with running_app(tmp_path_factory.mktemp("featuring"), RECORD_STREAMS=False) as app:
        yield app


def test_feature_and_unfeature_need_a_watched_creator_and_a_good_payload(app):
    client = socketio.test_client(app)
    try:
        for event, payload in [("feature", {"messageId": "101"}), ("unfeature", {})]:
            answer = client.emit(event, payload, callback=True)
            assert answer == {"ok": False, "error": {"code": "bad_request", "message": "Watch a creator first"}}
        for args in [(), ({"messageId": "1"}, {"messageId": "2"})]:
            answer = client.emit("feature", *args, callback=True)
            assert answer["ok"] is False and answer["error"]["code"] == "bad_request"
    finally:
        client.disconnect()
