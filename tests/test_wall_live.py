"""The wall's live side, end to end (docs/protocol.md, "watchMany"): the real server, the simulator reached by the
unmodified TikTokLive client, real Socket.IO clients. A wall gets `summary` events with numbers and never the chat;
each creator keeps one upstream connection however many walls and tabs show it; the summaries come at most once a
second per creator; a creator waiting for the sign budget shows its place."""

import time

from support.dashboardclient import wait_until
from support.simclient import chat, unique_name

WALL_SIZE = 5


def _creators(simulator, count, prefix="wall", rate=8.0):
    names = [unique_name(prefix) for _ in range(count)]
    for name in names:
        simulator.configure(name, rate=rate, viewers=100)
    return names


def _summaries(client, username=None):
    return [payload for payload in client.payloads("summary") if username is None or payload["username"] == username]


def _latest(client, username):
    found = _summaries(client, username)
    return found[-1] if found else None


def _summary_arrivals(client, username):
    with client._lock:
        received = list(zip(client.arrived, client.received, strict=True))
    return [at for at, (name, payload) in received if name == "summary" and payload["username"] == username]


def test_a_wall_of_five_gets_summaries_and_no_chat_with_one_upstream_each(server, connect, simulator):
    names = _creators(simulator, WALL_SIZE)
    wall = connect()
    wait_until(lambda: wall.session, message="session")
    ack = wall.call("watchMany", {"usernames": [f"@{name}" for name in names] + [names[0].upper()]})
    assert ack["ok"], ack
    assert [creator["username"] for creator in ack["creators"]] == names, "in order, each once, lower case"
    assert wall.session["username"] is None and wall.session["status"] == "idle", "a wall watches no one creator"

    for name in names:
        wait_until(lambda name=name: (_latest(wall, name) or {}).get("status") == "connected", timeout=20,
                   message=f"{name} connected")
    wait_until(lambda: all(simulator.connections().get(name) == 1 for name in names), message="one upstream each")

    simulator.inject(names[0], [chat("wall-marker-1"), chat("wall-marker-2", user_id="2")])
    wait_until(lambda: _latest(wall, names[0])["metrics"]["totalComments"] >= 2, message="comments counted")
    for name in names:
        summary = wait_until(lambda name=name: (s := _latest(wall, name))["series"]
                             and s["metrics"]["currentViewerCount"] > 0 and s, message="viewers, a point")
        assert set(summary["series"][-1]) >= {"t", "viewers", "likes", "diamonds", "comments", "follows"}
        assert summary["battle"] is None

    received = {name for name, _ in wall.received}
    assert not received & {"live", "snapshot", "metrics", "leaderboards", "series"}, received
    assert "wall-marker-1" not in str(wall.payloads("summary")), "no chat line in a summary"

    # A second wall on the same creators, and a dashboard on one of them: no new upstream.
    other = connect()
    assert other.call("watchMany", {"usernames": names})["ok"]
    dashboard = connect()
    dashboard.watch_until_connected(names[1])
    for name in names:  # at once on join, from the store: the status and the numbers so far
        summary = wait_until(lambda name=name: _latest(other, name), message=f"{name} on join")
        assert summary["status"] == "connected" and summary["metrics"]["currentViewerCount"] > 0
    assert len(wait_until(lambda: _latest(other, names[0])["series"], message="the series on join")) >= 1
    assert all(simulator.connections().get(name) == 1 for name in names)
    report = server.debug()
    walls = {session["sessionId"]: session["wall"] for session in report["sessions"]}
    assert walls[wall.session["sessionId"]] == names and walls[dashboard.session["sessionId"]] == []
    streams = {stream["username"]: stream for stream in report["streams"]}
    assert streams[names[0]]["sessions"] == 2 and streams[names[1]]["sessions"] == 3


def test_summaries_come_at_most_once_a_second_per_creator(server, connect, simulator):
    names = _creators(simulator, 2, prefix="rate", rate=20.0)
    wall = connect()
    assert wall.call("watchMany", {"usernames": names})["ok"]
    for name in names:
        wait_until(lambda name=name: len(_summaries(wall, name)) >= 3, timeout=20, message=f"{name} summaries")
    start = time.time()
    wait_until(lambda: time.time() - start >= 8, timeout=15, message="eight seconds of traffic")
    for name in names:
        arrivals = [at for at in _summary_arrivals(wall, name) if start <= at <= start + 8]
        # The server sends one a second at most; delivery may bunch two of them a little: 8 s hold 10 at most.
        assert 2 <= len(arrivals) <= 10, (name, len(arrivals))
        assert len(_summaries(wall, name)) <= (time.time() - wall.arrived[0]) + 3, "about one a second since joining"


def test_unwatch_many_leaves_the_rooms_and_the_upstream_closes_after_the_grace(server, connect, simulator):
    names = _creators(simulator, 3, prefix="leave")
    wall = connect()
    assert wall.call("watchMany", {"usernames": names})["ok"]
    wait_until(lambda: all(simulator.connections().get(name) == 1 for name in names), timeout=20,
               message="connected")

    ack = wall.call("unwatchMany", {"usernames": [names[0]]})
    assert ack["ok"] and [creator["username"] for creator in ack["creators"]] == names[1:]
    wait_until(lambda: not simulator.connections().get(names[0]), timeout=15, message="the upstream closed")
    seen = len(_summaries(wall, names[0]))
    assert wall.call("unwatchMany")["ok"]
    wait_until(lambda: not any(simulator.connections().get(name) for name in names), timeout=15,
               message="every upstream closed")
    assert len(_summaries(wall, names[0])) == seen, "no summary of a creator the wall left"


def test_a_reconnecting_wall_resumes_its_creators(server, connect, simulator):
    names = _creators(simulator, 2, prefix="resume")
    wall = connect()
    assert wall.call("watchMany", {"usernames": names})["ok"]
    wait_until(lambda: all((_latest(wall, n) or {}).get("status") == "connected" for n in names), timeout=20,
               message="connected")
    token = wall.session["resumeToken"]
    wall.disconnect()
    back = connect(auth={"resumeToken": token})
    for name in names:
        wait_until(lambda name=name: len(_summaries(back, name)) >= 2, message=f"{name} after the resume")
    assert all(simulator.connections().get(name) == 1 for name in names)


def test_watch_many_refuses_bad_input(server_factory, open_tab, simulator):
    server = server_factory(WALL_MAX_CREATORS=3, MAX_STREAMS=4)
    wall = open_tab(server.url)
    wait_until(lambda: wall.session, message="session")
    for payload in (None, {}, {"usernames": "alice"}, ["alice"], {"usernames": None}):
        assert wall.call("watchMany", payload)["error"]["code"] == "bad_request", payload
    answer = wall.call("watchMany", {"usernames": ["aa", "bb", "cc", "dd"]})
    assert answer["error"]["code"] == "too_many_creators" and answer["error"]["limit"] == 3
    answer = wall.call("watchMany", {"usernames": ["good_one", "vm.tiktok.com/ZM123"]})
    assert answer["error"] == {"code": "invalid_username", "reason": "short_link", "index": 1,
                               "message": answer["error"]["message"]}
    assert answer["error"]["message"].startswith("Creator 2: ")
    assert wall.call("watchMany", {"usernames": [7]})["error"]["code"] == "invalid_username"
    assert wall.call("unwatchMany", {"usernames": "x"})["error"]["code"] == "bad_request"

    names = _creators(simulator, 3, prefix="limit", rate=0)
    other = open_tab(server.url)
    other.watch(unique_name("solo"))
    other.watch(unique_name("solo"))  # the first waits out its grace: two streams followed
    answer = wall.call("watchMany", {"usernames": names})
    assert answer["error"]["code"] == "too_many_streams", answer
    assert not _summaries(wall), "a refused wall changes nothing"
    assert wall.call("watchMany", {"usernames": names[:2]})["ok"]


def test_a_creator_waiting_for_the_sign_budget_shows_its_place(server_factory, open_tab, simulator):
    server = server_factory(SIGN_BUDGET="2/minute")
    names = _creators(simulator, 4, prefix="queue", rate=1.0)
    wall = open_tab(server.url)
    assert wall.call("watchMany", {"usernames": names})["ok"]
    wait_until(lambda: sum((_latest(wall, n) or {}).get("status") == "connected" for n in names) == 2, timeout=20,
               message="two connected")
    queued = wait_until(lambda: (found := [_latest(wall, n) for n in names
                                           if (_latest(wall, n) or {}).get("status") == "queued"])
                        and len(found) == 2 and found, timeout=10, message="two queued")
    assert sorted(summary["queue"]["ahead"] for summary in queued) == [0, 1]
    assert all(summary["queue"]["retryAfter"] >= 1 for summary in queued)
    late = open_tab(server.url)
    ack = late.call("watchMany", {"usernames": names})
    assert sorted(creator["queue"]["ahead"] for creator in ack["creators"] if creator["status"] == "queued") == [0, 1]
    assert len(simulator.connections().keys() & set(names)) == 2


def test_a_wall_follows_a_creator_into_its_next_live(server, connect, simulator, quiet_creator):
    name = quiet_creator("next")
    wall = connect()
    assert wall.call("watchMany", {"usernames": [name]})["ok"]
    wait_until(lambda: (_latest(wall, name) or {}).get("status") == "connected", timeout=20, message="connected")
    simulator.inject(name, [chat("before the end")])
    wait_until(lambda: _latest(wall, name)["metrics"]["totalComments"] == 1, message="a comment counted")

    simulator.end(name)
    wait_until(lambda: _latest(wall, name)["status"] == "ended", message="ended")
    simulator.configure(name, live=True, newLive=True)
    # The supervisor looks every 30 s (TikTok's live check) whether the next LIVE started.
    wait_until(lambda: _latest(wall, name)["status"] == "connected", timeout=45, message="the next live")
    assert simulator.connections().get(name) == 1
    assert _latest(wall, name)["metrics"]["totalComments"] == 0, "a new live counts from zero"
