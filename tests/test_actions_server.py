"""Actions end to end: rules made through the real server's API, events sent by the simulator to the unmodified
TikTokLive client inside the server, the rules evaluated by the creator's runner, and what they do seen by a
Socket.IO client in the creator's room (`action`, `counter`) and by a real webhook receiver; in one process, across
a kill -9 and a restart, and in a cluster of two processes on one Redis and one Postgres."""

import requests
from support.dashboardclient import wait_until
from support.simclient import chat

ALICE = {"userId": "1001", "uniqueId": "alice.k", "nickname": "Alice <b>K</b>"}
BOB = {"userId": "1002", "uniqueId": "bob.b", "nickname": "Bob B"}


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
