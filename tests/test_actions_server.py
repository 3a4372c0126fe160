"""Actions end to end: rules made through the real server's API, events sent by the simulator to the unmodified
TikTokLive client inside the server, the rules evaluated by the creator's runner, and what they do seen by a
Socket.IO client in the creator's room (`action`, `counter`) and by a real webhook receiver; in one process, across
a kill -9 and a restart, and in a cluster of two processes on one Redis and one Postgres."""

import hashlib
import hmac
import json
import tempfile
import uuid

import pytest
import requests
from support.appserver import RunningServer
from support.dashboardclient import DashboardClient, wait_until
from support.simclient import chat
from support.webhookreceiver import WebhookReceiver

ALICE = {"userId": "1001", "uniqueId": "alice.k", "nickname": "Alice <b>K</b>"}
BOB = {"userId": "1002", "uniqueId": "bob.b", "nickname": "Bob B"}


@pytest.fixture(scope="module")
def server(simulator):
    """The module's real server; its webhooks may reach this machine (the test receiver is on 127.0.0.1)."""
    running = RunningServer({"TIKTOK_SIMULATOR_URL": simulator.url, "CLEANUP_GRACE_SECONDS": 2,
                             "DECODE_CHECK_RATE": 0, "WEBHOOK_ALLOW_PRIVATE": 1})
    yield running
    running.stop()


@pytest.fixture
def receiver():
    with WebhookReceiver() as running:
        yield running


def verified(received, secret):
    """The delivery's body, once its signature is checked as docs/actions.md tells a receiver to."""
    expected = "sha256=" + hmac.new(secret.encode(), received.body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(received.headers["x-live-assistant-signature"], expected)
    body = json.loads(received.body)
    assert received.headers["x-live-assistant-delivery"] == body["deliveryId"]
    return body


def make_rule(server, username, trigger, actions, **fields):
    answer = requests.post(f"{server.url}/api/actions", timeout=10,
                           json={"username": username, "name": "rule", "trigger": trigger, "actions": actions,
                                 **fields})
    assert answer.status_code == 201, answer.text
    return answer.json()


def seen(client, event, count, timeout=15):
    """The first `count` payloads of `event` the client got, once it has them."""
    return wait_until(lambda: len(found := client.payloads(event)) >= count and found[:count],
                      timeout=timeout, message=f"{count} {event} event(s)")


def _gift(repeat_count, repeat_end, user=ALICE, gift_id=5655):
    return {"type": "gift", "giftId": gift_id, "repeatCount": repeat_count, "repeatEnd": repeat_end, "user": user}


def _watching(connect, quiet_creator, prefix):
    name = quiet_creator(prefix)
    client = connect()
    client.watch_until_connected(name)
    return name, client


def test_a_streak_fires_its_rule_once_at_its_end(server, connect, simulator, quiet_creator):
    name, client = _watching(connect, quiet_creator, "streak")
    rule = make_rule(server, name, {"type": "gift", "giftName": "rose"},
                     [{"type": "overlay", "text": "{nickname} sent {count} {gift} ({diamonds})", "seconds": 3}])
    simulator.inject(name, [_gift(1, False), _gift(2, False), _gift(5, False), _gift(5, True),
                            {"type": "follow", "user": BOB}])
    client.wait_for_event(lambda event: event["type"] == "follow")
    [action] = seen(client, "action", 1)
    assert action == {"username": name, "ruleId": rule["rule"]["id"], "ruleName": "rule", "kind": "overlay",
                      "text": "Alice <b>K</b> sent 5 Rose (5)", "image": None, "sound": None, "seconds": 3}
    assert len(client.payloads("action")) == 1, "the streak's steps fired nothing"


def test_a_command_fires_per_viewer_under_its_cooldown_and_counts(server, connect, simulator, quiet_creator):
    name, client = _watching(connect, quiet_creator, "command")
    requests.put(f"{server.url}/api/actions/counters/{name}/dances", json={"value": 10}, timeout=10).raise_for_status()
    make_rule(server, name, {"type": "command", "command": "!dance"},
              [{"type": "counter", "name": "dances", "add": 1},
               {"type": "tts", "text": "{user} asks for dance {counter:dances}"}],
              cooldown={"userSeconds": 60, "globalSeconds": 0})
    simulator.inject(name, [chat("!dance", user_id="1"), chat("!dance now", user_id="1"), chat("!dance", user_id="2"),
                            chat("no !dance", user_id="3"), chat("done", user_id="3")])
    client.wait_for_event(lambda event: event.get("comment") == "done")
    texts = [action["text"] for action in seen(client, "action", 2)]
    assert texts == ["u1 asks for dance 11", "u2 asks for dance 12"]
    assert [c["value"] for c in client.payloads("counter")] == [10, 11, 12]  # set from the page, then counted
    counters = wait_until(lambda: (found := requests.get(f"{server.url}/api/actions/counters?username={name}",
                                                         timeout=10).json()["counters"]) and
                          found[0]["value"] == 12 and found, message="the counter written")
    assert counters == [{"name": "dances", "value": 12}]
    assert len(client.payloads("action")) == 2


def test_a_rule_changed_mid_live_applies_at_once_and_a_disabled_one_fires_nothing(server, connect, simulator,
                                                                                 quiet_creator):
    name, client = _watching(connect, quiet_creator, "change")
    made = make_rule(server, name, {"type": "follow"}, [{"type": "tts", "text": "hello {user}"}])
    simulator.inject(name, [{"type": "follow", "user": ALICE}])
    assert seen(client, "action", 1)[0]["text"] == "hello alice.k"
    body = {"username": name, "name": "rule", "trigger": {"type": "follow"}, "enabled": False,
            "actions": [{"type": "tts", "text": "hello {user}"}]}
    requests.put(f"{server.url}/api/actions/{made['rule']['id']}", json=body, timeout=10).raise_for_status()
    simulator.inject(name, [{"type": "follow", "user": BOB}, chat("after")])
    client.wait_for_event(lambda event: event.get("comment") == "after")
    assert len(client.payloads("action")) == 1
    requests.put(f"{server.url}/api/actions/{made['rule']['id']}", json={**body, "enabled": True, "actions": [
        {"type": "tts", "text": "welcome {nickname}"}]}, timeout=10).raise_for_status()
    simulator.inject(name, [{"type": "follow", "user": BOB}])
    assert seen(client, "action", 2)[1]["text"] == "welcome Bob B"


def test_like_milestones_and_the_first_chat(server, connect, simulator, quiet_creator):
    name, client = _watching(connect, quiet_creator, "likes")
    make_rule(server, name, {"type": "likes", "every": 100}, [{"type": "tts", "text": "{count} likes!"}])
    make_rule(server, name, {"type": "firstChat"}, [{"type": "tts", "text": "welcome {user}"}])
    simulator.inject(name, [{"type": "like", "count": 60, "total": 60, "user": ALICE},
                            {"type": "like", "count": 90, "total": 150, "user": BOB},
                            chat("hi", user_id="7"), chat("hi again", user_id="7"),
                            {"type": "like", "count": 160, "total": 310, "user": BOB}])
    texts = sorted(action["text"] for action in seen(client, "action", 4))
    assert texts == ["100 likes!", "200 likes!", "300 likes!", "welcome u7"]


def test_a_streaks_webhook_is_one_signed_delivery(server, connect, simulator, quiet_creator, receiver):
    name, client = _watching(connect, quiet_creator, "hook")
    made = make_rule(server, name, {"type": "gift", "minDiamonds": 5},
                     [{"type": "webhook", "url": f"{receiver.url}/hooks/live?team=1"}])
    simulator.inject(name, [_gift(1, False), _gift(4, False), _gift(5, True), chat("after the streak")])
    client.wait_for_event(lambda event: event.get("comment") == "after the streak")
    [received] = receiver.wait_for(1)
    body = verified(received, made["secret"])
    assert received.path == "/hooks/live?team=1"
    assert body["ruleId"] == made["rule"]["id"] and body["username"] == name and isinstance(body["ts"], int)
    event = body["event"]
    assert (event["type"], event["giftName"], event["repeatCount"], event["streaking"]) == ("gift", "Rose", 5, False)
    assert event["user"]["uniqueId"] == "alice.k" and event["seq"] > 0
    deliveries = wait_until(lambda: (found := requests.get(f"{server.url}/api/actions/{made['rule']['id']}/deliveries",
                                                           timeout=10).json()["deliveries"])
                            and found[0]["status"] == "delivered" and found, message="the delivery marked delivered")
    assert [(d["deliveryId"], d["tries"], d["lastStatus"]) for d in deliveries] == [(body["deliveryId"], 1, 200)]
    assert receiver.count == 1


def test_retries_after_500_and_503_carry_the_same_delivery(server, receiver):
    name = f"retry_{uuid.uuid4().hex[:8]}"
    made = make_rule(server, name, {"type": "follow"}, [{"type": "webhook", "url": receiver.url}])
    receiver.plan(500, 503)
    fired = requests.post(f"{server.url}/api/actions/{made['rule']['id']}/test", timeout=10).json()
    tries = receiver.wait_for(3, timeout=20)
    assert {verified(received, made["secret"])["deliveryId"] for received in tries} == set(fired["deliveries"])
    assert len({received.body for received in tries}) == 1, "every try sends the same bytes"
    assert tries[1].at - tries[0].at >= 0.9 and tries[2].at - tries[1].at >= 1.9, "1 s, then 2 s"


def test_a_delivery_pending_at_a_kill_9_is_delivered_after_the_restart(simulator, receiver):
    folder = tempfile.TemporaryDirectory()
    env = {"TIKTOK_SIMULATOR_URL": simulator.url, "WEBHOOK_ALLOW_PRIVATE": 1, "DECODE_CHECK_RATE": 0,
           "DATABASE_URL": f"sqlite:///{folder.name}/records.sqlite3"}
    first = RunningServer(env)
    try:
        made = make_rule(first, "killed", {"type": "follow"}, [{"type": "webhook", "url": receiver.url}])
        receiver.plan(*[503] * 3)
        rule = made["rule"]["id"]
        [delivery] = requests.post(f"{first.url}/api/actions/{rule}/test", timeout=10).json()["deliveries"]
        wait_until(lambda: requests.get(f"{first.url}/api/actions/{rule}/deliveries", timeout=10).json()[
            "deliveries"][0]["tries"] >= 1, message="the first try written")
        first.process.kill()  # SIGKILL: no shutdown, the delivery pending in the database
        first.process.wait()
    finally:
        first.stop()
    assert receiver.count < 4
    second = RunningServer(env)
    try:
        tries = receiver.wait_for(4, timeout=30)
        assert {verified(received, made["secret"])["deliveryId"] for received in tries} == {delivery}
        shown = wait_until(lambda: (found := requests.get(f"{second.url}/api/actions/{rule}/deliveries",
                                                          timeout=10).json()["deliveries"])[0]["status"] == "delivered"
                           and found, message="delivered after the restart")
        assert shown[0]["deliveryId"] == delivery and shown[0]["tries"] == 4
    finally:
        second.stop()
        folder.cleanup()


def test_two_processes_on_one_redis_fire_each_event_once(simulator, server_factory, redis_server, postgres_server,
                                                         quiet_creator, receiver):
    env = {"REDIS_URL": redis_server.url, "REDIS_CHANNEL": f"la-actions-{uuid.uuid4().hex[:8]}",
           "DATABASE_URL": postgres_server.new_database(), "WEBHOOK_ALLOW_PRIVATE": 1, "RUNNER_LEASE_SECONDS": 2}
    servers = [server_factory(**env) for _ in range(2)]
    name = quiet_creator("twice")
    made = make_rule(servers[0], name, {"type": "follow"},
                     [{"type": "webhook", "url": receiver.url}, {"type": "tts", "text": "thanks {user}"}])
    clients = [DashboardClient(server.url) for server in servers]
    try:
        for client in clients:
            client.watch_until_connected(name)
        followers = [{"userId": str(900 + n), "uniqueId": f"fan{n}", "nickname": f"Fan {n}"} for n in range(3)]
        simulator.inject(name, [{"type": "follow", "user": user} for user in followers] + [chat("last")])
        for client in clients:
            client.wait_for_event(lambda event: event.get("comment") == "last")
            assert sorted(a["text"] for a in seen(client, "action", 3)) == ["thanks fan0", "thanks fan1", "thanks fan2"]
        bodies = [verified(received, made["secret"]) for received in receiver.wait_for(3)]
        assert sorted(body["event"]["user"]["uniqueId"] for body in bodies) == ["fan0", "fan1", "fan2"]
        assert len({body["deliveryId"] for body in bodies}) == 3
        wait_until(lambda: all(len(client.payloads("action")) >= 3 for client in clients), message="actions")
        assert receiver.count == 3 and all(len(client.payloads("action")) == 3 for client in clients), \
            "each follow fired the rule once, whichever process ran the creator"
    finally:
        for client in clients:
            client.disconnect()
