"""The events a streamer sees beside chat and gifts, end to end: injected through the simulator's events API in the
contract's shape (docs/simulator.md), sent as TikTok's own message types to the unmodified TikTokLive client
inside the real server (`python wsgi.py`), decoded and normalised there, and received by a Socket.IO client as the
contract's events (docs/protocol.md) with their fields; the battles and subscriptions counted in `metrics`, a
battle's supporters on their viewer card and in the supporters' board; and PK battles counted right across a
restart of the server in the middle of one, and across a failover to another process of a cluster.
"""

import uuid

import requests
from support.dashboardclient import wait_until
from support.simclient import chat
from test_cluster import LEASE_SECONDS, running_owner

ALICE = {"userId": "1001", "uniqueId": "alice.k", "nickname": "Alice K"}
BOB = {"userId": "1002", "uniqueId": "bob.b", "nickname": "Bob B"}
RIVAL = {"userId": "2002", "uniqueId": "rival.r", "nickname": "Rival R"}
ENDS_AT = 1_795_753_744_091


def _user(viewer):
    """The contract's user the app makes of a simulator's viewer (the picture is the simulator's)."""
    return {key: viewer[key] for key in ("userId", "uniqueId", "nickname")}


def _without_picture(user):
    return {key: value for key, value in user.items() if key != "avatarUrl"}


def _of(client, kind, count=1, message=None):
    """The first `count` events of type `kind` the client has seen, once it has seen them."""
    def seen():
        found = [event for event in client.seen_events() if event["type"] == kind]
        return found[:count] if len(found) >= count else None

    return wait_until(seen, timeout=15, message=message or f"{count} {kind} event(s)")


def _watching(connect, simulator, quiet_creator):
    name = quiet_creator("streamer")
    client = connect()
    client.watch_until_connected(name)
    return name, client


def _card(client, user_id):
    """A viewer's card, or None while there is none."""
    answer = client.call("viewer", {"userId": user_id})
    return answer["viewer"] if answer["ok"] else None


def _battle(phase, teams, battle_id="b1", **fields):
    return {"type": "battle", "battleId": battle_id, "phase": phase, "teams": teams, **fields}


def test_a_battle_from_start_to_result_with_its_supporters(server, connect, simulator, quiet_creator):
    name, client = _watching(connect, simulator, quiet_creator)
    creator = simulator.stream(name)["userId"]
    simulator.inject(name, [
        _battle("started", [{}, {"host": RIVAL}], endsAt=ENDS_AT),
        _battle("scores", [{"score": 1500, "top": [{"user": ALICE, "score": 1000}, {"user": BOB, "score": 500}]},
                           {"host": RIVAL, "score": None, "top": [{"user": {"userId": "3003"}, "score": 900}]}]),
        _battle("ended", [{"score": 1600}, {"host": RIVAL, "score": 1200}], result={"winner": creator}),
    ])
    started, scores, ended = _of(client, "battle", 3)
    assert started["battleId"] == scores["battleId"] == ended["battleId"] and started["battleId"].isdigit()
    assert (started["phase"], scores["phase"], ended["phase"]) == ("started", "scores", "ended")
    assert started["endsAt"] == scores["endsAt"] == ENDS_AT and started["result"] is None
    hosts = [team["host"] for team in started["teams"]]
    assert [host["userId"] for host in hosts] == [creator, RIVAL["userId"]], "the creator's side first"
    assert hosts[0]["uniqueId"] == name and _without_picture(hosts[1]) == _user(RIVAL)
    assert all(host["avatarUrl"].startswith("http") for host in hosts)
    # TikTok's scores name the hosts by id only: the server names them as the start did.
    assert [team["host"] for team in scores["teams"]] == hosts
    mine, theirs = scores["teams"]
    assert mine["score"] == 1500 and theirs["score"] is None, "a masked score is null"
    assert [(entry["user"]["userId"], entry["user"]["nickname"], entry["score"]) for entry in mine["top"]] == \
        [("1001", "Alice K", 1000), ("1002", "Bob B", 500)]
    assert [entry["user"]["userId"] for entry in theirs["top"]] == ["3003"]
    assert [team["score"] for team in ended["teams"]] == [1600, 1200] and ended["result"] == {"winner": creator}

    wait_until(lambda: client.latest_metrics()["battles"] == {"won": 1, "lost": 0, "drawn": 0},
               message="the battle won")
    card = wait_until(lambda: _card(client, "1001"), message="Alice's card (the cards reach the store every 2 s)")
    assert card["battles"] == [{"battleId": ended["battleId"], "score": 1000, "result": "won"}]
    assert card["totals"]["battlePoints"] == 1000
    assert client.call("viewer", {"userId": "3003"})["error"]["code"] == "not_found", "the rival's supporter"

    def supporters():
        boards = client.payloads("leaderboards")
        return boards and boards[-1]["supporters"]

    board = wait_until(supporters, message="the supporters' board")
    assert [(entry["user"]["userId"], entry["points"], entry["battles"]) for entry in board] == \
        [("1001", 1000, 1), ("1002", 500, 1)]


def test_lost_and_drawn_battles_and_a_repeated_end_counted_once(server, connect, simulator, quiet_creator):
    name, client = _watching(connect, simulator, quiet_creator)
    creator = simulator.stream(name)["userId"]
    lost = _battle("ended", [{"score": 10}, {"host": RIVAL, "score": 20}], "b1", result={"winner": RIVAL["userId"]})
    simulator.inject(name, [
        _battle("started", [{}, {"host": RIVAL}], "b1"), lost, lost,  # TikTok may send an end again
        _battle("started", [{}, {"host": RIVAL}], "b2"),
        _battle("ended", [{"score": 5}, {"host": RIVAL, "score": 5}], "b2", result={"winner": None}),
        _battle("started", [{}, {"host": RIVAL}], "b3"),
        _battle("ended", [{"score": 9}, {"host": RIVAL, "score": 1}], "b3", result={"winner": creator}),
    ])
    wait_until(lambda: client.latest_metrics()["battles"] == {"won": 1, "lost": 1, "drawn": 1},
               message="one battle of each")
    ends = [event for event in client.seen_events() if event["type"] == "battle" and event["phase"] == "ended"]
    assert [event["result"] for event in ends] == [{"winner": RIVAL["userId"]}, {"winner": None},
                                                   {"winner": creator}], "the repeated end is not shown twice"


def test_a_poll_and_tiktoks_goal(server, connect, simulator, quiet_creator):
    name, client = _watching(connect, simulator, quiet_creator)
    options = [{"text": "Rock"}, {"text": "Jazz"}]
    simulator.inject(name, [
        {"type": "poll", "pollId": "p1", "phase": "started", "title": "Next song?", "options": options,
         "endsAt": ENDS_AT},
        {"type": "poll", "pollId": "p1", "phase": "votes", "title": "Next song?",
         "options": [{"text": "Rock", "votes": 12}, {"text": "Jazz", "votes": 7}]},
        {"type": "poll", "pollId": "p1", "phase": "ended", "title": "Next song?",
         "options": [{"text": "Rock", "votes": 20}, {"text": "Jazz", "votes": 9}]},
        {"type": "goal", "goalId": "g1", "phase": "progress", "description": "Road to 1000",
         "targets": [{"kind": "gift", "target": 1000, "progress": 250}]},
        {"type": "goal", "goalId": "g1", "phase": "reached", "description": "Road to 1000",
         "targets": [{"kind": "gift", "target": 1000, "progress": 1000}]},
    ])
    started, votes, ended = _of(client, "poll", 3)
    assert started["pollId"] == votes["pollId"] == ended["pollId"] and started["pollId"].isdigit()
    assert (started["phase"], started["title"], started["endsAt"]) == ("started", "Next song?", ENDS_AT)
    assert started["options"] == [{"text": "Rock", "votes": 0}, {"text": "Jazz", "votes": 0}]
    assert (votes["phase"], votes["title"], votes["options"]) == (
        "votes", "Next song?", [{"text": "Rock", "votes": 12}, {"text": "Jazz", "votes": 7}])
    assert ended["phase"] == "ended" and ended["options"][0] == {"text": "Rock", "votes": 20}
    progress, reached = _of(client, "goal", 2)
    assert progress["goalId"] == reached["goalId"] and progress["description"] == "Road to 1000"
    assert (progress["phase"], progress["targets"]) == ("progress", [{"kind": "gift", "target": 1000, "progress": 250}])
    assert reached["phase"] == "reached"


def test_viewers_subscribe_become_super_fans_ask_send_chests_and_emotes(server, connect, simulator, quiet_creator):
    name, client = _watching(connect, simulator, quiet_creator)
    simulator.inject(name, [
        {"type": "subscribe", "user": ALICE, "months": 3},
        {"type": "subscribe", "user": BOB},
        {"type": "superfan", "user": ALICE, "kind": "became"},
        {"type": "superfan", "user": BOB, "kind": "joined"},
        {"type": "superfan", "user": BOB, "kind": "box"},
        {"type": "question", "user": ALICE, "text": "When is the next LIVE?"},
        {"type": "envelope", "user": BOB, "diamonds": 100, "people": 10, "opensAt": 1_795_753_504_000},
        {"type": "emote", "user": ALICE, "emotes": [{"emoteId": "e1"}]},
    ])
    first, second = _of(client, "subscribe", 2)
    assert (_without_picture(first["user"]), first["months"]) == (_user(ALICE), 3)
    assert (_without_picture(second["user"]), second["months"]) == (_user(BOB), None)
    fans = _of(client, "superfan", 3)
    assert [(fan["user"]["userId"], fan["kind"]) for fan in fans] == [("1001", "became"), ("1002", "joined"),
                                                                      ("1002", "box")]
    (question,) = _of(client, "question")
    assert _without_picture(question["user"]) == _user(ALICE) and question["text"] == "When is the next LIVE?"
    assert question["questionId"].isdigit()
    (chest,) = _of(client, "envelope")
    assert (chest["user"]["userId"], chest["user"]["nickname"]) == ("1002", "Bob B")
    assert (chest["diamonds"], chest["people"], chest["opensAt"]) == (100, 10, 1_795_753_504_000)
    (emote,) = _of(client, "emote")
    assert _without_picture(emote["user"]) == _user(ALICE)
    assert [item["emoteId"] for item in emote["emotes"]] == ["e1"] and emote["emotes"][0]["imageUrl"].startswith("http")

    wait_until(lambda: client.latest_metrics()["totalSubscribes"] == 2, message="two subscriptions counted")

    def badges(user_id):  # the cards reach the store every 2 s
        card = _card(client, user_id)
        return card and card["badges"]

    wait_until(lambda: badges("1001") == ["subscriber", "superfan"], message="Alice's badges")
    wait_until(lambda: badges("1002") == ["subscriber", "superfan"], message="Bob's badges")


def test_a_chat_line_pinned_unpinned_and_deleted_by_its_message_id(server, connect, simulator, quiet_creator):
    name, client = _watching(connect, simulator, quiet_creator)
    simulator.inject(name, [{**chat("pin me", user_id="1001"), "messageId": "m1"},
                            {**chat("rude", user_id="1002"), "messageId": "m2"}])
    pinned_line, rude = _of(client, "chat", 2)
    assert pinned_line["messageId"].isdigit() and pinned_line["messageId"] != rude["messageId"]
    simulator.inject(name, [
        {"type": "pin", "messageId": "m1", "chat": {"type": "chat", "comment": "pin me", "messageId": "m1",
                                                    "ts": 1_795_753_440_000, "user": {"userId": "1001"}}},
        {"type": "pin", "messageId": "m1", "chat": None},
        {"type": "chatDeleted", "messageIds": ["m2"], "userIds": ["1002"]},
    ])
    pin, unpin = _of(client, "pin", 2)
    assert pin["messageId"] == unpin["messageId"] == pinned_line["messageId"]
    assert pin["chat"]["type"] == "chat" and pin["chat"]["comment"] == "pin me"
    assert pin["chat"]["messageId"] == pinned_line["messageId"] and pin["chat"]["ts"] == 1_795_753_440_000
    assert pin["chat"]["user"]["userId"] == "1001" and "seq" not in pin["chat"]
    assert unpin["chat"] is None
    (deleted,) = _of(client, "chatDeleted")
    assert deleted["messageIds"] == [rude["messageId"]] and deleted["userIds"] == ["1002"]


def test_a_pause_a_resume_and_a_rank_keep_the_stream_connected(server, connect, simulator, quiet_creator):
    name, client = _watching(connect, simulator, quiet_creator)
    simulator.inject(name, [{"type": "pause"}, {"type": "resume"},
                            {"type": "rank", "rankType": "hourly", "position": 12,
                             "text": "No. 12 in the hourly ranking"},
                            {"type": "rank", "rankType": "weekly", "position": None, "text": "Not ranked"},
                            chat("still here")])
    client.wait_for_event(lambda event: event.get("comment") == "still here", message="chat after the pause")
    kinds = [event["type"] for event in client.seen_events()]
    assert kinds.index("pause") < kinds.index("resume")
    pause, resume = _of(client, "pause")[0], _of(client, "resume")[0]
    assert set(pause) == set(resume) == {"seq", "type", "ts"}
    hourly, weekly = _of(client, "rank", 2)
    assert {key: hourly[key] for key in ("rankType", "position", "text")} == {
        "rankType": "hourly", "position": 12, "text": "No. 12 in the hourly ranking"}
    assert (weekly["rankType"], weekly["position"]) == ("weekly", None)
    assert client.session["status"] == "connected", "a pause is not an end"


def test_battles_are_counted_right_across_a_restart_in_the_middle_of_one(server_factory, open_tab, simulator,
                                                                         quiet_creator, tmp_path):
    database = f"sqlite:///{tmp_path / 'records.sqlite3'}"
    server = server_factory(DATABASE_URL=database)
    name = quiet_creator("battler")
    creator = simulator.stream(name)["userId"]
    client = open_tab(server.url)
    client.watch_until_connected(name)
    simulator.inject(name, [
        _battle("started", [{}, {"host": RIVAL}], "b1"),
        _battle("ended", [{"score": 1}, {"host": RIVAL, "score": 2}], "b1", result={"winner": RIVAL["userId"]}),
        _battle("started", [{}, {"host": RIVAL}], "b2", endsAt=ENDS_AT),
        _battle("scores", [{"score": 300, "top": [{"user": ALICE, "score": 300}]}, {"host": RIVAL, "score": 100}],
                "b2"),
        {"type": "subscribe", "user": BOB},
    ])
    wait_until(lambda: client.latest_metrics()["battles"]["lost"] == 1
               and client.latest_metrics()["totalSubscribes"] == 1, message="the first battle lost")
    last_seq = client.seen_events()[-1]["seq"]

    def recorded():  # the records' writer flushes every half second
        answer = requests.get(f"{server.url}/api/streams", params={"username": name}, timeout=10)
        streams = answer.json()["streams"]
        return streams and streams[0]["metrics"].get("battles", {}).get("lost") == 1 \
            and streams[0]["metrics"].get("totalSubscribes") == 1

    wait_until(recorded, message="the totals recorded")
    server.process.kill()  # SIGKILL, in the middle of battle b2
    server.process.wait()
    client.disconnect()

    again = server_factory(DATABASE_URL=database)
    client = open_tab(again.url)
    client.watch_until_connected(name)
    metrics = wait_until(lambda: client.latest_metrics(), message="the metrics after the restart")
    assert metrics["battles"] == {"won": 0, "lost": 1, "drawn": 0} and metrics["totalSubscribes"] == 1, \
        "restored, not zero"
    simulator.inject(name, [
        # TikTok sends a battle's end again (its punishment round follows the result): b1 ended before the restart
        _battle("ended", [{"score": 1}, {"host": RIVAL, "score": 2}], "b1", result={"winner": RIVAL["userId"]}),
        # TikTok's scores name the hosts by id alone: their names come from b2's start, in the record
        _battle("scores", [{"score": 900, "top": [{"user": ALICE, "score": 900}]}, {"host": RIVAL, "score": 100}],
                "b2"),
        _battle("ended", [{"score": 900}, {"host": RIVAL, "score": 100}], "b2", result={"winner": creator}),
    ])
    scores = client.wait_for_event(lambda e: e["type"] == "battle" and e["phase"] == "scores" and e["seq"] > last_seq,
                                   message="b2's scores after the restart")
    assert scores["teams"][1]["host"]["nickname"] == RIVAL["nickname"], "the hosts' names, from the record"
    ended = client.wait_for_event(lambda e: e["type"] == "battle" and e["phase"] == "ended" and e["battleId"]
                                  == scores["battleId"], message="b2's end")
    assert ended["seq"] > last_seq and ended["result"] == {"winner": creator}
    assert ended["teams"][0]["host"]["userId"] == creator, "the creator's side first, after the restart too"
    wait_until(lambda: client.latest_metrics()["battles"]["won"] == 1, message="the battle won after the restart")
    assert client.latest_metrics()["battles"] == {"won": 1, "lost": 1, "drawn": 0}, \
        "b1, lost before the restart, counted once though TikTok sent its end again"
    card = wait_until(lambda: (card := _card(client, "1001")) and card["battles"] and card,
                      message="the supporter's card")
    assert card["battles"] == [
        {"battleId": ended["battleId"], "score": 900, "result": "won"}]



def test_battles_are_counted_right_across_a_failover(server_factory, redis_server, open_tab, simulator, quiet_creator):
    env = {"REDIS_URL": redis_server.url, "REDIS_CHANNEL": f"la-test-{uuid.uuid4().hex[:8]}",
           "RUNNER_LEASE_SECONDS": LEASE_SECONDS, "CLEANUP_GRACE_SECONDS": 2}
    servers = [server_factory(**env) for _ in range(2)]
    name = quiet_creator("failover")
    creator = simulator.stream(name)["userId"]
    tabs = [open_tab(server.url) for server in servers]
    for tab in tabs:
        tab.watch_until_connected(name)
    lost = _battle("ended", [{"score": 1}, {"host": RIVAL, "score": 2}], "b1", result={"winner": RIVAL["userId"]})
    simulator.inject(name, [_battle("started", [{}, {"host": RIVAL}], "b1"), lost,
                            _battle("started", [{}, {"host": RIVAL}], "b2")])
    for tab in tabs:
        wait_until(lambda t=tab: t.latest_metrics()["battles"]["lost"] == 1, message="b1 lost, on every process")
    owner = running_owner(servers, name)
    survivor = next(tab for tab, server in zip(tabs, servers, strict=True) if server is not owner)
    owner.process.kill()
    owner.process.wait()
    survivor.wait_for_status("reconnecting", timeout=LEASE_SECONDS + 5)
    survivor.wait_for_status("connected", timeout=10)
    simulator.inject(name, [
        lost,  # b1's end again: the new owner knows it from the stored events
        _battle("scores", [{"score": 50}, {"host": RIVAL, "score": 10}], "b2"),
        _battle("ended", [{"score": 60}, {"host": RIVAL, "score": 10}], "b2", result={"winner": creator}),
    ])
    wait_until(lambda: survivor.latest_metrics()["battles"] == {"won": 1, "lost": 1, "drawn": 0},
               message="b2 won after the failover, b1 still lost once")
    scores = survivor.wait_for_event(lambda e: e["type"] == "battle" and e["phase"] == "scores", message="b2's scores")
    started = [e for e in survivor.seen_events() if e["type"] == "battle" and e["phase"] == "started"][-1]
    assert scores["battleId"] == started["battleId"]
    assert [team["host"] for team in scores["teams"]] == [team["host"] for team in started["teams"]], \
        "the hosts named as at the start, by the new owner too"
    ends = [e for e in survivor.seen_events() if e["type"] == "battle" and e["phase"] == "ended"]
    assert [e["battleId"] for e in ends].count(ends[0]["battleId"]) == 1, "b1's end shown once"
