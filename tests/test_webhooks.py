"""Webhooks of the actions (assistant/actions/webhooks): signing, the address checks (SSRF), the retry schedule,
the queue's claims on SQLite and Postgres, and, against a real local receiver (tests/support/webhookreceiver.py)
with the dispatcher in a process of its own (tests/support/webhookchild.py): retries, timeouts, the deadline, a
kill -9, and the receivers of docs/actions.md verifying real deliveries."""

import ipaddress
import json
import os
import re
import signal
import ssl
import subprocess
import sys
import threading
import time

import eventlet
import httpx
import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import OperationalError
from support.appserver import REPO, free_port
from support.webhookreceiver import HANG, WebhookReceiver

from assistant.actions.webhooks import (
    RetryPolicy,
    Webhooks,
    WebhookUrlError,
    check_webhook_url,
    new_secret,
    signature,
)
from assistant.actions.webhooks import queue as webhook_queue
from assistant.actions.webhooks.addresses import allowed_addresses
from assistant.actions.webhooks.signing import delivery_body
from assistant.actions.webhooks.transport import make_client
from assistant.config import Config
from assistant.records import migrate
from assistant.records.database import Database
from assistant.records.engine import database_url as engine_url
from assistant.records.engine import make_engine
from assistant.records.schema import action_rules, webhook_deliveries

RULE_ID, USERNAME, SECRET = "rule1", "carol", "a secret, ünïcode too"
GIFT = {"seq": 7, "type": "gift", "ts": 1_795_753_444_093,
        "user": {"userId": "1", "uniqueId": "fan", "nickname": "<b>"},
        "giftName": "Rose", "diamondCount": 1, "repeatCount": 5, "streaking": False}
DOCS = REPO / "docs" / "actions.md"


def fixed_resolver(table):
    """A resolver for tests: names to the addresses given (no DNS)."""

    def resolve(name, _port):
        if name not in table:
            raise WebhookUrlError(f"the webhook's host {name!r} cannot be resolved")
        return table[name]

    return resolve


# --- signing ---------------------------------------------------------------------------------------


def test_the_signature_is_hmac_sha256_of_the_body_in_hex():
    # RFC 4231-style known vector (the "quick brown fox" HMAC-SHA256 under "key")
    assert signature("key", b"The quick brown fox jumps over the lazy dog") == (
        "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8")
    assert signature("ключ", b"{}") != signature("kljuch", b"{}")  # the secret is taken as UTF-8


def test_the_body_is_compact_ascii_json_with_the_documented_fields():
    body = delivery_body("d1", RULE_ID, USERNAME, {**GIFT, "comment": "é😀\0"}, 1234)
    assert body.isascii() and b" " not in body
    assert json.loads(body) == {"deliveryId": "d1", "ruleId": RULE_ID, "username": USERNAME,
                                "event": {**GIFT, "comment": "é😀\0"}, "ts": 1234}


def test_a_generated_secret_is_long_random_text():
    first, second = new_secret(), new_secret()
    assert first != second and len(first) >= 43 and re.fullmatch(r"[A-Za-z0-9_-]+", first)


# --- the address checks ----------------------------------------------------------------------------

REFUSED_LITERALS = [
    "http://127.0.0.1/", "http://127.8.9.10:8080/hook", "http://[::1]/", "http://0.0.0.0/", "http://10.1.2.3/",
    "http://172.16.0.1/", "http://192.168.1.10/", "http://100.64.0.1/", "http://169.254.1.1/", "http://[fe80::1]/",
    "http://[fc00::1]/", "http://224.0.0.1/", "http://240.0.0.1/", "http://255.255.255.255/",
    "http://[::ffff:127.0.0.1]/", "http://[::ffff:10.0.0.1]/", "http://[::ffff:169.254.169.254]/",
    "http://[64:ff9b::7f00:1]/", "http://[2002:c0a8:101::1]/", "http://169.254.169.254/latest/meta-data/",
    "http://[fd00:ec2::254]/", "http://100.100.100.200/", "http://2130706433/", "http://0x7f.1/",
]


@pytest.mark.parametrize("url", REFUSED_LITERALS)
def test_loopback_private_link_local_and_metadata_addresses_are_refused(url):
    with pytest.raises(WebhookUrlError, match="may not reach the server's own network"):
        check_webhook_url(url)  # the odd IPv4 forms are read by the system's resolver, without DNS


@pytest.mark.parametrize("url", ["http://metadata.google.internal/computeMetadata/v1/", "http://metadata/",
                                 "http://METADATA.GOOGLE.INTERNAL./", "http://instance-data/latest/"])
def test_metadata_names_are_refused_without_asking_dns(url):
    with pytest.raises(WebhookUrlError, match="cloud metadata"):
        check_webhook_url(url, allow_private=True, resolver=fixed_resolver({}))


def test_names_that_resolve_to_private_addresses_are_refused():
    resolver = fixed_resolver({"rebind.example": ["93.184.216.34", "10.0.0.7"], "lan.example": ["192.168.0.2"],
                               "mapped.example": ["::ffff:127.0.0.1"], "meta.example": ["169.254.169.254"],
                               "public.example": ["93.184.216.34", "2606:2800:220:1::1"]})
    for host, refused in (("rebind.example", "10.0.0.7"), ("lan.example", "192.168.0.2"),
                          ("mapped.example", "::ffff:7f00:1")):
        with pytest.raises(WebhookUrlError, match=f"resolves to {re.escape(refused)}"):
            check_webhook_url(f"https://{host}/hook", resolver=resolver)
    with pytest.raises(WebhookUrlError, match="cloud metadata"):
        check_webhook_url("https://meta.example/", allow_private=True, resolver=resolver)
    assert check_webhook_url(" https://public.example/hook?x=1 ", resolver=resolver) == "https://public.example/hook?x=1"
    assert allowed_addresses("public.example", 443, resolver=resolver) == [
        ipaddress.ip_address("93.184.216.34"), ipaddress.ip_address("2606:2800:220:1::1")]


def test_localhost_is_refused_by_the_real_resolver_and_allowed_with_allow_private():
    with pytest.raises(WebhookUrlError, match="localhost resolves to"):
        check_webhook_url("http://localhost:9/")
    assert check_webhook_url("http://localhost:9/", allow_private=True) == "http://localhost:9/"
    assert check_webhook_url("http://10.0.0.1/", allow_private=True) == "http://10.0.0.1/"
    assert check_webhook_url("http://93.184.216.34/") == "http://93.184.216.34/"


@pytest.mark.parametrize(("url", "message"), [
    ("ftp://example.com/", "http:// or https://"), ("javascript:alert(1)", "http:// or https://"),
    ("http://user:pw@example.com/", "user name or password"), ("http:///path", "no host"),
    ("https://example.com/" + "a" * 2048, "longer than 2048"), ("http://exa mple.com/", "spaces"),
    ("http://example.com:99999/", "cannot be read"), ("", "non-empty"), (None, "non-empty"),
    ("http://nowhere.invalid/", "cannot be resolved"),
])
def test_malformed_urls_get_one_line_messages(url, message):
    with pytest.raises(WebhookUrlError, match=re.escape(message)) as refused:
        check_webhook_url(url, resolver=fixed_resolver({}))
    assert "\n" not in str(refused.value) and isinstance(refused.value, ValueError)


def test_the_client_checks_the_address_when_it_connects_and_connects_to_it():
    """A name accepted before now resolves to loopback (DNS rebinding): refused at connect time. With private
    addresses allowed, the connection goes to the address checked, with the URL's name as the Host."""
    with WebhookReceiver() as receiver:
        url = f"http://hooks.example.test:{receiver.port}/in"
        resolver = fixed_resolver({"hooks.example.test": ["127.0.0.1"]})
        with make_client(5, allow_private=False, resolver=resolver) as client, \
                pytest.raises(WebhookUrlError, match="resolves to 127.0.0.1"):
            client.post(url, content=b"{}")
        assert receiver.count == 0
        with make_client(5, allow_private=True, resolver=resolver) as client:
            assert client.post(url, content=b"{}").status_code == 200
        [received] = receiver.wait_for(1)
        assert received.headers["host"] == f"hooks.example.test:{receiver.port}" and received.path == "/in"


def test_webhook_allow_private_is_a_flag_off_by_default():
    assert Config({}).WEBHOOK_ALLOW_PRIVATE is False
    assert Config({"WEBHOOK_ALLOW_PRIVATE": "1"}).WEBHOOK_ALLOW_PRIVATE is True
    assert "`WEBHOOK_ALLOW_PRIVATE`" in (REPO / "docs" / "configuration.md").read_text()


# --- the retry schedule ----------------------------------------------------------------------------


def test_retries_wait_1_s_doubling_up_to_10_minutes_for_24_hours():
    policy = RetryPolicy()
    assert [policy.delay(tries) for tries in range(1, 13)] == [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 600, 600]
    assert policy.delay(10_000) == 600
    created = 1_000_000.0
    assert policy.next_try(1, created, created + 0.2) == created + 1.2
    assert policy.next_try(30, created, created + 86_000) == created + 86_400  # the last try at the deadline
    assert policy.next_try(31, created, created + 86_400) is None  # dead
    short = RetryPolicy(max_backoff=0.5, deadline=3)
    assert [short.delay(tries) for tries in (1, 2, 3)] == [0.5, 0.5, 0.5] and short.next_try(9, 0, 3) is None


# --- the queue -------------------------------------------------------------------------------------


def prepared_engine(url, secret=SECRET):
    """The database migrated, with the rule RULE_ID (and its secret)."""
    engine = make_engine(engine_url(url, None))
    with engine.begin() as connection:
        migrate.upgrade(connection)
        connection.execute(insert(action_rules), [{
            "id": RULE_ID, "username": USERNAME, "name": "a rule", "enabled": True, "trigger": {"type": "follow"},
            "cooldown": {"userSeconds": 0, "globalSeconds": 0}, "actions": [], "secret": secret,
            "created_at": 0.0, "updated_at": 0.0}])
    return engine


def delivery_rows(count, now, rule_id=RULE_ID, prefix="d", **columns):
    return [{"id": f"{prefix}{n:05d}", "rule_id": rule_id, "username": USERNAME, "url": "http://receiver.test/",
             "body": "{}", "status": "pending", "tries": 0, "next_at": now, "created_at": now + n * 0.001,
             "updated_at": now, "last_status": None, "last_error": None, "claim": None, "claimed_until": None,
             **columns} for n in range(count)]


@pytest.fixture
def queue_engine(database_url):
    engine = prepared_engine(database_url)
    yield engine
    engine.dispose()


def test_two_claimers_never_get_the_same_row(queue_engine, database_url):
    now = time.time()
    with queue_engine.begin() as connection:
        assert webhook_queue.insert_new(connection, delivery_rows(400, now)) == 400
    claimed = {"a": [], "b": []}
    start = threading.Barrier(2)

    def claimer(name):
        engine = make_engine(engine_url(database_url, None))
        start.wait()
        try:
            while True:
                with engine.begin() as connection:
                    rows = webhook_queue.claim_due(connection, name * 32, time.time(), time.time() + 30, 7)
                if not rows:
                    return
                claimed[name].extend(row["id"] for row in rows)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=claimer, args=(name,)) for name in claimed]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    everything = claimed["a"] + claimed["b"]
    assert len(everything) == len(set(everything)) == 400
    with queue_engine.connect() as connection:
        owners = dict(connection.execute(select(webhook_deliveries.c.id, webhook_deliveries.c.claim)).all())
    assert all(owners[row_id] == "a" * 32 for row_id in claimed["a"])


def test_an_expired_claim_is_taken_again_and_only_the_holder_writes(queue_engine):
    now = 1_000_000.0
    with queue_engine.begin() as connection:
        webhook_queue.insert_new(connection, delivery_rows(1, now - 1))
        webhook_queue.insert_new(connection, delivery_rows(1, now, prefix="later", next_at=now + 60))
        [first] = webhook_queue.claim_due(connection, "A" * 32, now, now + 30, 10)
        assert first["id"] == "d00000" and first["secret"] == SECRET and first["body"] == "{}"
        assert webhook_queue.claim_due(connection, "B" * 32, now + 29, now + 59, 10) == []  # still A's
        [again] = webhook_queue.claim_due(connection, "B" * 32, now + 31, now + 61, 10)  # A's claim expired
        assert again["id"] == "d00000"
        result = {"b_id": "d00000", "b_status": "delivered", "b_tries": 1, "b_next_at": now, "b_updated_at": now,
                  "b_last_status": 200, "b_last_error": None}
        webhook_queue.record_results(connection, [{**result, "b_claim": "A" * 32}])  # too late: B holds it
        row = connection.execute(select(webhook_deliveries).where(webhook_deliveries.c.id == "d00000")).mappings().one()
        assert (row["status"], row["claim"]) == ("pending", "B" * 32)
        webhook_queue.record_results(connection, [{**result, "b_claim": "B" * 32}])
        row = connection.execute(select(webhook_deliveries).where(webhook_deliveries.c.id == "d00000")).mappings().one()
        assert (row["status"], row["tries"], row["last_status"], row["claim"]) == ("delivered", 1, 200, None)
        assert webhook_queue.claim_due(connection, "C" * 32, now + 100, now + 130, 10)[0]["id"] == "later00000"


def test_deliveries_of_a_deleted_rule_are_not_written_and_go_with_it(queue_engine):
    now = time.time()
    with queue_engine.begin() as connection:
        rows = delivery_rows(2, now) + delivery_rows(1, now, rule_id="gone", prefix="x")
        assert webhook_queue.insert_new(connection, rows) == 2
        connection.execute(action_rules.delete().where(action_rules.c.id == RULE_ID))
        assert webhook_queue.counts(connection) == {}


def test_prune_keeps_each_rules_newest_50_and_everything_younger_than_a_day(queue_engine):
    now = 2_000_000.0
    old = now - 2 * 86_400
    with queue_engine.begin() as connection:
        connection.execute(insert(action_rules), [{
            "id": "other", "username": USERNAME, "name": "b", "enabled": True, "trigger": {}, "cooldown": {},
            "actions": [], "secret": "s", "created_at": 0.0, "updated_at": 0.0}])
        webhook_queue.insert_new(connection, delivery_rows(60, old, status="delivered", prefix="old")
                                 + delivery_rows(5, old, status="pending", prefix="wait", next_at=now)
                                 + delivery_rows(10, now - 60, status="dead", prefix="new")
                                 + delivery_rows(10, old, rule_id="other", status="dead", prefix="oth"))
        assert webhook_queue.prune(connection, now - 86_400, 50) == 20  # the 10 new and 40 old are the newest 50
        kept = set(connection.execute(select(webhook_deliveries.c.id)).scalars())
    assert {f"new{n:05d}" for n in range(10)} <= kept and {f"oth{n:05d}" for n in range(10)} <= kept
    assert {f"wait{n:05d}" for n in range(5)} <= kept  # pending: never pruned
    assert {row_id for row_id in kept if row_id.startswith("old")} == {f"old{n:05d}" for n in range(20, 60)}


# --- the dispatcher in this process (no monkey patching: its sends block the hub, the receiver is a thread) --


class FailingFirst(Database):
    """A Database whose first `failures` writes of the dispatcher fail, as a database away for a while."""

    def __init__(self, engine, failures):
        super().__init__(engine)
        self.failures = failures

    def run(self, work, *args):
        if work is webhook_queue.cycle and self.failures:
            self.failures -= 1
            raise OperationalError("INSERT", {}, ConnectionError("the database is away"))
        return super().run(work, *args)


def test_deliveries_enqueued_while_the_database_is_away_are_kept_and_sent(tmp_path, receiver, caplog):
    engine = prepared_engine(f"sqlite:///{tmp_path / 'in-process.sqlite3'}")
    webhooks = Webhooks(FailingFirst(engine, 2), allow_private=True, poll_seconds=0.05)
    webhooks.start()
    try:
        ids = [webhooks.enqueue(RULE_ID, USERNAME, receiver.url + "/in", {**GIFT, "n": n}) for n in range(3)]
        assert [item["deliveryId"] for item in webhooks.recent(RULE_ID)] == ids[::-1]  # listed before written
        deadline = time.monotonic() + 20
        while receiver.count < 3 or webhooks.stats()["delivered"] < 3:
            assert time.monotonic() < deadline, (receiver.count, webhooks.stats())
            eventlet.sleep(0.02)
        assert sorted(json.loads(item.body)["deliveryId"] for item in receiver.requests) == sorted(ids)
        assert webhooks.stats() == {"pending": 0, "delivered": 3, "dead": 0, "sending": 0, "dropped": 0}
        assert [item["status"] for item in webhooks.recent(RULE_ID)] == ["delivered"] * 3
        assert "the database failed" in caplog.text and "the database answers again" in caplog.text
    finally:
        webhooks.stop()
        engine.dispose()
    with pytest.raises(WebhookUrlError, match="http:// or https://"):
        webhooks.enqueue(RULE_ID, USERNAME, "file:///etc/passwd", GIFT)


# --- the receivers of docs/actions.md ---------------------------------------------------------------


def docs_code(language):
    blocks = re.findall(rf"```{language}\n(.*?)```", DOCS.read_text(), flags=re.S)
    assert len(blocks) == 1, f"docs/actions.md has {len(blocks)} {language} blocks"
    return blocks[0]


def test_the_python_example_verifies_a_signed_delivery():
    example = {"__name__": "docs_example"}
    exec(compile(docs_code("python"), str(DOCS), "exec"), example)  # noqa: S102 (our own docs)
    body = delivery_body("d1", RULE_ID, USERNAME, GIFT, 1)
    verify = example["verify_signature"]
    assert verify(SECRET, body, signature(SECRET, body))
    assert not verify(SECRET, body + b" ", signature(SECRET, body))
    assert not verify("another", body, signature(SECRET, body))
    assert not verify(SECRET, body, None) and not verify(SECRET, body, "sha256=zz")


# --- against a real receiver, the dispatcher in a process of its own --------------------------------


class Dispatcher:
    """tests/support/webhookchild.py: Webhooks under eventlet in a child process, driven over its stdin."""

    def __init__(self, url, **settings):
        command = [sys.executable, str(REPO / "tests" / "support" / "webhookchild.py"),
                   json.dumps({"url": url, "allowPrivate": True, **settings})]
        self.process = subprocess.Popen(command, cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
        assert self._read() == {"ready": True}

    def _read(self):
        line = self.process.stdout.readline()
        assert line, f"the dispatcher exited ({self.process.poll()})"
        return json.loads(line)

    def call(self, op, **fields):
        self.process.stdin.write(json.dumps({"op": op, **fields}) + "\n")
        self.process.stdin.flush()
        return self._read()

    def enqueue(self, url, event=GIFT):
        return self.call("enqueue", ruleId=RULE_ID, username=USERNAME, url=url, event=event)["deliveryId"]

    def delivery(self, delivery_id):
        return next(item for item in self.call("recent", ruleId=RULE_ID)["deliveries"]
                    if item["deliveryId"] == delivery_id)

    def wait_status(self, delivery_id, status, timeout=30):
        deadline = time.monotonic() + timeout
        while (found := self.delivery(delivery_id))["status"] != status:
            assert time.monotonic() < deadline, f"still {found} after {timeout} s"
            time.sleep(0.05)
        return found

    def wait_tries(self, delivery_id, tries, timeout=30):
        deadline = time.monotonic() + timeout
        while (found := self.delivery(delivery_id))["tries"] < tries:
            assert time.monotonic() < deadline, f"still {found} after {timeout} s"
            time.sleep(0.02)
        return found

    def kill(self):
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self):
        if self.process.poll() is None:
            self.call("stop")
            self.process.wait(15)


@pytest.fixture(params=["sqlite"])
def dispatch_url(request, tmp_path):
    """The database the dispatchers share: SQLite, or (parametrized indirectly) a private Postgres."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'webhooks.sqlite3'}"
    return request.getfixturevalue("postgres_server").new_database()


@pytest.fixture
def dispatchers(dispatch_url):
    """`dispatchers(**settings)`: dispatcher processes on the test's database (migrated, with the rule)."""
    prepared_engine(dispatch_url).dispose()
    started = []

    def start(**settings):
        started.append(Dispatcher(dispatch_url, **settings))
        return started[-1]

    yield start
    for dispatcher in started:
        if dispatcher.process.poll() is None:
            dispatcher.process.kill()
            dispatcher.process.wait()


BOTH_DATABASES = pytest.mark.parametrize("dispatch_url", ["sqlite", "postgres"], indirect=True)


@pytest.fixture
def receiver():
    with WebhookReceiver() as running:
        yield running


def assert_signed(received, delivery_id):
    assert received.headers["x-live-assistant-delivery"] == delivery_id
    assert received.headers["x-live-assistant-signature"] == signature(SECRET, received.body)
    assert received.headers["content-type"] == "application/json"
    assert received.headers["user-agent"] == "LiveAssistant-Webhooks"
    assert json.loads(received.body)["deliveryId"] == delivery_id


@pytest.mark.slow
def test_retries_after_500_and_503_carry_the_same_delivery_and_body(dispatchers, receiver):
    dispatcher = dispatchers()
    receiver.plan(500, 503)
    delivery_id = dispatcher.enqueue(receiver.url + "/hook?team=1")
    first, second, third = receiver.wait_for(3)
    for received in (first, second, third):
        assert_signed(received, delivery_id)
        assert received.body == first.body and received.path == "/hook?team=1"
    sent = json.loads(first.body)
    assert sent["event"] == GIFT and (sent["ruleId"], sent["username"]) == (RULE_ID, USERNAME)
    assert second.at - first.at >= 0.9 and third.at - second.at >= 1.9  # 1 s, then 2 s
    done = dispatcher.wait_status(delivery_id, "delivered")
    assert (done["tries"], done["lastStatus"], done["eventType"], done["nextAt"]) == (3, 200, "gift", None)
    assert dispatcher.call("stats") == {"pending": 0, "delivered": 1, "dead": 0, "sending": 0, "dropped": 0}
    dispatcher.stop()


@pytest.mark.slow
def test_a_timeout_and_a_redirect_are_retried(dispatchers, receiver):
    dispatcher = dispatchers()
    receiver.plan(HANG, 302)
    delivery_id = dispatcher.enqueue(receiver.url + "/hook")
    hung, redirected, answered = receiver.wait_for(3, timeout=40)
    assert hung.body == redirected.body == answered.body and answered.path == "/hook"  # never /redirected
    assert redirected.at - hung.at >= 5  # the 5 s timeout, then 1 s
    done = dispatcher.wait_status(delivery_id, "delivered")
    assert (done["tries"], done["lastStatus"]) == (3, 200)


@pytest.mark.slow
def test_a_delivery_is_dead_after_the_deadline(dispatchers, receiver):
    dispatcher = dispatchers(maxBackoff=0.3, deadline=2)
    receiver.plan(*[500] * 100)
    delivery_id = dispatcher.enqueue(receiver.url)
    dead = dispatcher.wait_status(delivery_id, "dead")
    assert dead["tries"] >= 5 and dead["lastStatus"] == 500 and dead["lastError"] == "HTTP 500"
    assert receiver.count == dead["tries"]
    assert dead["updatedAt"] - dead["createdAt"] >= 2000


@pytest.mark.slow
def test_a_delivery_refused_at_send_time_is_not_sent(dispatchers, receiver):
    """WEBHOOK_ALLOW_PRIVATE off: a URL that reaches loopback (a rule saved when it resolved elsewhere) fails
    every try without a connection."""
    dispatcher = dispatchers(allowPrivate=False, maxBackoff=0.2, deadline=1)
    delivery_id = dispatcher.enqueue(f"http://localhost:{receiver.port}/")
    dead = dispatcher.wait_status(delivery_id, "dead")
    assert "refused" in dead["lastError"] and "loopback" in dead["lastError"] and receiver.count == 0


@pytest.mark.slow
@BOTH_DATABASES
def test_a_kill_9_mid_send_then_a_new_process_delivers_it(dispatchers, receiver):
    first = dispatchers(claimSeconds=3)
    receiver.plan(HANG)
    delivery_id = first.enqueue(receiver.url)
    [hung] = receiver.wait_for(1)
    first.kill()
    second = dispatchers()
    [_, again] = receiver.wait_for(2, timeout=20)  # once the killed process's claim has expired
    assert again.body == hung.body and again.at - hung.at >= 2.5
    assert_signed(again, delivery_id)
    done = second.wait_status(delivery_id, "delivered")
    assert done["tries"] == 1  # the killed process never wrote its try
    second.stop()


@pytest.mark.slow
@BOTH_DATABASES
def test_a_kill_9_with_a_retry_pending_then_a_new_process_delivers_it(dispatchers, receiver):
    first = dispatchers(maxBackoff=4)
    receiver.plan(503, 503)
    delivery_id = first.enqueue(receiver.url)
    first.wait_tries(delivery_id, 2)  # the second failure written; the next try is 2 s away
    first.kill()
    second = dispatchers()
    done = second.wait_status(delivery_id, "delivered")
    assert {item.headers["x-live-assistant-delivery"] for item in receiver.wait_for(3)} == {delivery_id}
    assert done["tries"] == receiver.count == 3 and done["lastStatus"] == 200
    second.stop()


@pytest.mark.slow
def test_a_burst_is_written_in_a_few_transactions_and_all_delivered(dispatchers, receiver):
    dispatcher = dispatchers()
    ids = dispatcher.call("enqueueMany", ruleId=RULE_ID, username=USERNAME, url=receiver.url, event=GIFT,
                          count=300)["deliveryIds"]
    received = receiver.wait_for(300)
    assert sorted(item.headers["x-live-assistant-delivery"] for item in received) == sorted(ids)
    deadline = time.monotonic() + 20
    while (stats := dispatcher.call("stats"))["delivered"] < 300:
        assert time.monotonic() < deadline, stats
        time.sleep(0.05)
    assert stats["pending"] == 0
    dispatcher.stop()


def run_example(language, secret, port, folder):
    """The receiver of docs/actions.md in `language`, as a program of its own on `port`."""
    path = folder / ("receiver.py" if language == "python" else "receiver.mjs")
    path.write_text(docs_code(language))
    program = [sys.executable, str(path)] if language == "python" else ["node", str(path)]
    process = subprocess.Popen(program, env={**os.environ, "WEBHOOK_SECRET": secret, "PORT": str(port)},
                               stdout=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 20
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{port}/", timeout=1)  # any answer: it listens
            return process
        except httpx.TransportError:
            assert process.poll() is None and time.monotonic() < deadline, "the example receiver did not start"
            time.sleep(0.05)


def set_secret(url, secret):
    """Rotate the rule's secret in the database (a try reads it then)."""
    engine = make_engine(engine_url(url, None))
    with engine.begin() as connection:
        connection.execute(action_rules.update().where(action_rules.c.id == RULE_ID).values(secret=secret))
    engine.dispose()


@pytest.mark.slow
@pytest.mark.parametrize("language", ["python", "javascript"])
def test_the_docs_receivers_accept_real_deliveries_and_refuse_a_wrong_secret(language, dispatchers, dispatch_url,
                                                                             tmp_path):
    dispatcher = dispatchers(maxBackoff=0.2, deadline=1.5)
    port = free_port()
    process = run_example(language, SECRET, port, tmp_path)
    try:
        good = dispatcher.enqueue(f"http://127.0.0.1:{port}/hook")
        assert dispatcher.wait_status(good, "delivered")["lastStatus"] == 204
        assert process.stdout.readline().split() == [USERNAME, "gift"]
        set_secret(dispatch_url, "not the receiver's secret")
        bad = dispatcher.enqueue(f"http://127.0.0.1:{port}/hook")
        assert dispatcher.wait_status(bad, "dead")["lastStatus"] == 401
    finally:
        process.kill()
        process.wait()


@pytest.mark.slow
def test_https_goes_to_the_checked_address_with_the_names_sni_and_certificate(tmp_path):
    """TLS to a name pinned to the checked address: SNI and the certificate's check use the name."""
    certificate, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                    "/CN=hooks.example.test", "-addext", "subjectAltName=DNS:hooks.example.test",
                    "-keyout", str(key), "-out", str(certificate)], check=True, capture_output=True, timeout=60)
    trusted = ssl.create_default_context(cafile=str(certificate))
    with WebhookReceiver(certificate=(str(certificate), str(key))) as receiver:
        pinned = fixed_resolver({"hooks.example.test": ["127.0.0.1"], "other.example.test": ["127.0.0.1"]})
        with make_client(5, allow_private=True, resolver=pinned, verify=trusted) as client:
            assert client.post(f"https://hooks.example.test:{receiver.port}/in", content=b"{}").status_code == 200
            with pytest.raises(httpx.ConnectError, match="certificate|hostname"):  # the same address, another name
                client.post(f"https://other.example.test:{receiver.port}/in", content=b"{}")
        [received] = receiver.wait_for(1)
        assert received.sni == "hooks.example.test"
        assert received.headers["host"] == f"hooks.example.test:{receiver.port}"
