"""The actions' API in the test's process (fast tier, Flask's test client): rules made, read, changed and deleted,
what is refused and how, the secret shown once, counters. The runner's side is in test_actions_server.py."""

import pytest
from sqlalchemy import create_engine
from support.inprocess import running_app

from assistant.actions import repository
from assistant.records import migrate
from assistant.records.engine import database_url as engine_url

FOLLOW_RULE = {"username": "maya", "name": "Thanks", "trigger": {"type": "follow"},
               "actions": [{"type": "tts", "text": "Thank you {nickname}"}]}
HOOK_RULE = {"username": "maya", "name": "Tell the bot", "trigger": {"type": "command", "command": "!hi"},
             "cooldown": {"userSeconds": 30, "globalSeconds": 0},
             "actions": [{"type": "webhook", "url": "http://127.0.0.1:9/hook"}]}


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    with running_app(tmp_path_factory.mktemp("actions"), WEBHOOK_ALLOW_PRIVATE=True) as app:
        yield app.test_client()


def test_a_rule_is_made_read_changed_and_deleted(client):
    made = client.post("/api/actions", json=FOLLOW_RULE)
    assert made.status_code == 201 and "secret" not in made.json
    rule = made.json["rule"]
    assert rule["username"] == "maya" and rule["enabled"] is True and rule["hasSecret"] is False
    assert client.get(f"/api/actions/{rule['id']}").json["rule"] == rule
    assert rule in client.get("/api/actions?username=@maya").json["rules"]
    assert rule not in client.get("/api/actions?username=other").json["rules"]

    changed = client.put(f"/api/actions/{rule['id']}", json={**FOLLOW_RULE, "enabled": False, "name": "Off"})
    assert changed.status_code == 200
    assert changed.json["rule"]["enabled"] is False and changed.json["rule"]["name"] == "Off"
    assert changed.json["rule"]["createdAt"] == rule["createdAt"]

    assert client.delete(f"/api/actions/{rule['id']}").status_code == 204
    assert client.get(f"/api/actions/{rule['id']}").status_code == 404
    assert client.delete(f"/api/actions/{rule['id']}").status_code == 404


def test_a_webhook_rules_secret_is_shown_once_and_rotated_on_demand(client):
    made = client.post("/api/actions", json=HOOK_RULE)
    secret = made.json["secret"]
    assert len(secret) == 43 and made.json["rule"]["hasSecret"] is True
    rule_id = made.json["rule"]["id"]
    assert "secret" not in client.get(f"/api/actions/{rule_id}").json
    assert secret not in client.get("/api/actions").get_data(as_text=True)
    kept = client.put(f"/api/actions/{rule_id}", json=HOOK_RULE)
    assert "secret" not in kept.json  # unchanged
    rotated = client.put(f"/api/actions/{rule_id}", json={**HOOK_RULE, "rotateSecret": True})
    assert len(rotated.json["secret"]) == 43 and rotated.json["secret"] != secret
    given = client.post("/api/actions", json={**HOOK_RULE, "secret": "s" * 20})
    assert given.json["secret"] == "s" * 20


@pytest.mark.parametrize("body, words", [
    ("not json", "JSON object"),
    ({**FOLLOW_RULE, "trigger": {"type": "gift"}}, "giftName"),
    ({**FOLLOW_RULE, "actions": [{"type": "overlay", "image": "nothing.png"}]}, "uploaded image"),
    ({**FOLLOW_RULE, "username": "https://vm.tiktok.com/x"}, "username"),
])
def test_bad_input_is_a_400_with_a_message(client, body, words):
    answer = client.post("/api/actions", data=body, content_type="application/json") if isinstance(body, str) \
        else client.post("/api/actions", json=body)
    assert answer.status_code == 400 and answer.json["error"] == "bad_request" and words in answer.json["message"]
    made = client.post("/api/actions", json=FOLLOW_RULE).json["rule"]
    assert client.put(f"/api/actions/{made['id']}", json=body if isinstance(body, dict) else None).status_code == 400


def test_unknown_rules_are_404s(client):
    for answer in (client.get("/api/actions/nope"), client.put("/api/actions/nope", json=FOLLOW_RULE),
                   client.get("/api/actions/nope/deliveries"), client.post("/api/actions/nope/test")):
        assert answer.status_code == 404 and answer.json["error"] == "not_found"


def test_counters_are_set_and_listed(client):
    assert client.get("/api/actions/counters?username=maya").json == {"counters": []}
    assert client.put("/api/actions/counters/maya/deaths", json={"value": 3}).json == {"name": "deaths", "value": 3}
    assert client.put("/api/actions/counters/maya/deaths", json={"value": 0}).status_code == 200
    assert client.get("/api/actions/counters?username=maya").json == {"counters": [{"name": "deaths", "value": 0}]}
    assert client.put("/api/actions/counters/maya/dea ths", json={"value": 1}).status_code in (400, 404)
    assert client.put("/api/actions/counters/maya/deaths", json={"value": "1"}).status_code == 400
    assert client.get("/api/actions/counters").status_code == 400


def test_the_test_button_fires_a_rule(client):
    rule = client.post("/api/actions", json=HOOK_RULE).json["rule"]
    fired = client.post(f"/api/actions/{rule['id']}/test")
    assert fired.status_code == 200 and fired.json["fired"] == 1 and len(fired.json["deliveries"]) == 1


def test_actions_need_the_records(tmp_path):
    with running_app(tmp_path, RECORD_STREAMS=False) as app:
        answer = app.test_client().get("/api/actions")
    assert answer.status_code == 404 and answer.json["error"] == "records_off"
    assert "RECORD_STREAMS" in answer.json["message"]


def test_too_many_rules_for_one_creator(client, monkeypatch):
    monkeypatch.setattr("assistant.actions.MAX_RULES_PER_CREATOR", 2)
    body = {**FOLLOW_RULE, "username": "crowded"}
    assert [client.post("/api/actions", json=body).status_code for _ in range(3)] == [201, 201, 400]


REFUSED_URLS = ["http://127.0.0.1:8080/x", "http://localhost/hook", "http://10.1.2.3/", "http://192.168.1.20/",
                "http://169.254.169.254/latest/meta-data/", "http://[::1]/", "http://[::ffff:127.0.0.1]/",
                "http://100.64.0.1/", "ftp://example.com/", "http://user:pw@example.com/", "file:///etc/passwd"]


def test_webhooks_to_private_or_odd_addresses_are_refused(tmp_path):
    with running_app(tmp_path, WEBHOOK_ALLOW_PRIVATE=False) as app:
        client = app.test_client()
        answers = {url: client.post("/api/actions", json={**HOOK_RULE, "actions": [{"type": "webhook", "url": url}]})
                   for url in REFUSED_URLS}
    for url, answer in answers.items():
        assert answer.status_code == 400 and answer.json["error"] == "bad_request", url
        assert answer.json["message"].startswith("Action 1 (webhook): "), url


def test_counters_are_set_and_counted_in_one_statement_on_each_database(database_url):
    """The counters' writes (repository.py) on SQLite and Postgres: a set makes or replaces, an add makes at the
    add or moves the value, several counters at once."""
    engine = create_engine(engine_url(database_url, None))
    try:
        with engine.begin() as connection:
            migrate.upgrade(connection)
        with engine.begin() as connection:
            repository.set_counter(connection, "maya", "deaths", 5)
            repository.add_to_counters(connection, {("maya", "deaths"): 2, ("maya", "wins"): -1, ("leo", "deaths"): 3})
            repository.set_counter(connection, "leo", "deaths", 0)
            repository.add_to_counters(connection, {("maya", "wins"): 4})
        with engine.begin() as connection:
            assert repository.counters(connection, "maya") == {"deaths": 7, "wins": 3}
            assert repository.counters(connection, "leo") == {"deaths": 0}
    finally:
        engine.dispose()
