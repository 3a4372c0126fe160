"""Cluster mode: several server processes on one Redis act as one server (docs/architecture.md, "Cluster mode").

Every test starts its own processes (the real `python wsgi.py`) on a private redis-server, each with
a REDIS_CHANNEL of its own, so nothing is shared with another test but the simulator.
"""

import json
import re
import signal
import threading
import time
import uuid

import pytest
import redis
import requests
from support.dashboardclient import DashboardClient, wait_until
from support.redisserver import RedisServer
from support.simclient import chat

LEASE_SECONDS = 3
GRACE_SECONDS = 2


@pytest.fixture
def cluster(server_factory, redis_server):
    """`cluster(n)`: n processes sharing one Redis channel; returns them (each a RunningServer)."""

    def start(count, redis_url=None, **overrides):
        channel = f"la-test-{uuid.uuid4().hex[:8]}"
        env = {"REDIS_URL": redis_url or redis_server.url, "REDIS_CHANNEL": channel,
               "RUNNER_LEASE_SECONDS": LEASE_SECONDS, "CLEANUP_GRACE_SECONDS": GRACE_SECONDS, **overrides}
        servers = [server_factory(**env) for _ in range(count)]
        for server in servers:
            server.channel = channel
        return servers

    return start


def deduped(client, name):
    """What a dashboard shows of `name`: the snapshot's events then `live` ones, a repeated seq dropped."""
    events, last = [], None
    for event in client.seen_events():
        if last is not None and event["seq"] <= last:
            continue
        events.append(event)
        last = event["seq"]
    return events


def assert_gapless(events):
    seqs = [event["seq"] for event in events]
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs))), f"a gap or a reordering in {seqs}"


def owner_of(servers, name):
    """The process running `name`'s runner, from /debug's `owner` (`<host>:<pid>`) on the first of `servers`;
    None when that names none of them. Around a failover it does not, for a while: after a kill -9 /debug still
    names the dead process (it holds the lease until the lease expires, RUNNER_LEASE_SECONDS), then names
    nobody until a survivor has claimed the creator."""
    owners = [s["owner"] for s in servers[0].debug()["streams"] if s["username"] == name]
    assert len(owners) <= 1, owners
    if not owners or owners[0] is None:
        return None
    pid = int(owners[0].rsplit(":", 1)[1])
    return next((server for server in servers if server.process.pid == pid), None)


def running_owner(servers, name):
    """The owner of a creator that is running, as /debug names it (once it has claimed it)."""
    return wait_until(lambda: owner_of(servers, name), timeout=5, message=f"an owner of @{name}")


def test_three_processes_share_one_upstream_and_deliver_the_same_sequence(cluster, open_tab, simulator,
                                                                         quiet_creator):
    servers = cluster(3)
    name = quiet_creator("cluster")
    watchers = [open_tab(server.url) for server in servers for _ in range(2)]
    for client in watchers:
        client.watch_until_connected(name)
    simulator.wait_for_connections(name, 1)

    lines = [f"line {i}" for i in range(60)]
    for start in range(0, len(lines), 20):
        simulator.inject(name, [chat(line, user_id=str(i + 1)) for i, line in enumerate(lines[start:start + 20])])
        time.sleep(0.2)
    for client in watchers:
        client.wait_for_event(lambda e: e.get("comment") == lines[-1], timeout=15)
    assert simulator.connections().get(name) == 1, "one upstream connection for the whole cluster"

    sequences = []
    for client in watchers:
        events = deduped(client, name)
        assert_gapless(events)
        assert [e["comment"] for e in events if e["type"] == "chat"][-60:] == lines
        sequences.append({event["seq"]: event for event in events})
    common = set.intersection(*(set(sequence) for sequence in sequences))
    assert len(common) >= 60
    for sequence in sequences[1:]:
        assert all(sequence[seq] == sequences[0][seq] for seq in common), "the same events under the same seq"
    # `metrics` follow the events by up to a quarter of a second (4 a second at most): wait for the one
    # counting the last line, not for any that all clients share (under load, one counting 40 lines).
    wait_until(lambda: all(c.latest_metrics()["totalComments"] == 60 for c in watchers), timeout=5,
               message="every client's totals counting the 60 lines")
    assert len({str(c.latest_metrics()) for c in watchers}) == 1, "identical metrics on every client"

    reports = [server.debug() for server in servers]
    assert len({r["totalSessions"] for r in reports}) == 1 and reports[0]["totalSessions"] == 6
    assert len({r["totalConnectedClients"] for r in reports}) == 1 and reports[0]["totalConnectedClients"] == 6
    for report in reports:
        assert {s["sessionId"] for s in report["sessions"]} == {c.session["sessionId"] for c in watchers}
        [stream] = [s for s in report["streams"] if s["username"] == name]
        assert stream["sessions"] == 6 and stream["status"] == "connected" and stream["owner"]
    health = [requests.get(server.url + "/healthz", timeout=5).json() for server in servers]
    assert len({h["process"] for h in health}) == 3
    for server in servers:
        assert "Traceback" not in server.log_text()


def test_a_tab_resumes_its_session_through_another_process(cluster, open_tab, simulator, quiet_creator):
    first, second = cluster(2)
    name = quiet_creator("resume")
    tab = open_tab(first.url)
    tab.watch_until_connected(name)
    simulator.inject(name, [chat("before", user_id="1")])
    tab.wait_for_event(lambda e: e.get("comment") == "before")
    token, session_id = tab.session["resumeToken"], tab.session["sessionId"]
    last_seq = tab.seen_events()[-1]["seq"]
    tab.disconnect()

    missed = [f"missed {i}" for i in range(5)]
    simulator.inject(name, [chat(line, user_id="2") for line in missed])
    time.sleep(0.5)
    back = open_tab(second.url, auth={"resumeToken": token, "lastSeq": last_seq})
    wait_until(lambda: back.session, message="the session event")
    assert back.session["sessionId"] == session_id and back.session["resumed"] is True
    back.wait_for_event(lambda e: e.get("comment") == missed[-1])
    assert back.payloads("snapshot") == [], "caught up with the missed events, not a snapshot"
    got = [e["comment"] for e in back.live_events(name) if e["type"] == "chat"]
    assert got == missed, "every missed event, once"


def test_the_owner_killed_hands_the_creator_over(cluster, open_tab, simulator):
    servers = cluster(3)
    name = f"failover_{uuid.uuid4().hex[:10]}"
    simulator.configure(name, rate=0, viewers=10)
    watchers = [open_tab(server.url) for server in servers]
    for client in watchers:
        client.watch_until_connected(name)
    simulator.wait_for_connections(name, 1)
    owner = running_owner(servers, name)
    survivors = [c for c, s in zip(watchers, servers, strict=True) if s is not owner]

    stop = threading.Event()

    def traffic():
        n = 0
        while not stop.is_set():
            simulator.inject(name, [chat(f"t {n}", user_id=str(n % 7 + 1))])
            n += 1
            time.sleep(0.1)

    feeder = threading.Thread(target=traffic, daemon=True)
    feeder.start()
    try:
        wait_until(lambda: survivors[0].latest_metrics()["totalComments"] >= 10, message="traffic flowing")
        before = survivors[0].latest_metrics()
        statuses_before = [len(c.payloads("session")) for c in survivors]
        owner.process.kill()
        killed_at = time.monotonic()
        owner.process.wait()
        # A survivor named owner (not the dead one, nor nobody: see owner_of), and one upstream: the simulator
        # may count the dead owner's socket for a moment after the kill (it has to notice the close), so the
        # owner is what tells the handover.
        wait_until(lambda: owner_of([s for s in servers if s is not owner], name) is not None
                   and simulator.connections().get(name) == 1,
                   timeout=LEASE_SECONDS + 5, interval=0.2, message="a new owner with one upstream")
        handover = time.monotonic() - killed_at
        for client, seen in zip(survivors, statuses_before, strict=True):
            client.wait_for_status("connected")
            later = [p["status"] for p in client.payloads("session")[seen:]]
            assert "reconnecting" in later and later[-1] == "connected", later
            assert later.index("reconnecting") < len(later) - 1
        count_at_handover = survivors[0].latest_metrics()["totalComments"]
        wait_until(lambda: survivors[0].latest_metrics()["totalComments"] > count_at_handover + 5,
                   message="events flowing from the new owner")
    finally:
        stop.set()
        feeder.join()
    for client in survivors:
        first_seen = {}
        for event in client.seen_events():
            earlier = first_seen.setdefault(event["seq"], event)
            assert earlier == event, f"seq {event['seq']} numbered two different events: counting restarted"
        after = client.latest_metrics()
        assert after["totalComments"] >= before["totalComments"], "totals not reset"
    wait_until(lambda: simulator.connections().get(name) == 1, timeout=5, message="one upstream connection")
    print(f"failover: a new owner with one upstream {handover:.1f} s after the SIGKILL (lease {LEASE_SECONDS} s)")


def test_nothing_is_left_once_every_tab_is_gone(cluster, open_tab, simulator, quiet_creator, redis_server):
    servers = cluster(2)
    names = [quiet_creator("gone"), quiet_creator("gone")]
    tabs = [open_tab(server.url) for server in servers for _ in range(2)]
    for i, tab in enumerate(tabs):
        tab.watch_until_connected(names[i % 2])
    for name in names:
        simulator.wait_for_connections(name, 1)
    for tab in tabs:
        tab.disconnect()

    def all_gone():
        reports = [server.debug() for server in servers]
        return all(not r["sessions"] and not r["streams"] and r["totalConnectedClients"] == 0 for r in reports)

    wait_until(all_gone, timeout=GRACE_SECONDS + 5, message="no sessions and no streams on any process")
    wait_until(lambda: not any(simulator.connections().get(name) for name in names), timeout=5,
               message="no upstream connection")
    store = redis.Redis.from_url(redis_server.url, decode_responses=True)
    prefix = servers[0].channel + ":"
    left = [key for key in store.scan_iter(prefix + "*")]
    live_processes = {key for key in left if re.fullmatch(re.escape(prefix) + r"procs?(:[0-9a-f]+)?", key)}
    leftovers = [key for key in left if key not in live_processes and store.pttl(key) < 0]
    assert leftovers == [], "only the processes' own heartbeats, or keys that expire"


def test_a_redis_restart_is_survived(cluster, open_tab, simulator, quiet_creator):
    private = RedisServer()
    try:
        servers = cluster(2, redis_url=private.url)
        name = quiet_creator("restart")
        tab = open_tab(servers[0].url)
        tab.watch_until_connected(name)

        private.stop()
        wait_for_health(servers, 503, timeout=10, message="/healthz 503 while Redis is down")
        down = requests.get(servers[0].url + "/healthz", timeout=5).json()
        assert down["status"] == "unavailable" and down["reason"]
        time.sleep(2)
        private.start()
        wait_for_health(servers, 200, timeout=15, message="/healthz 200 once Redis is back")

        fresh = quiet_creator("after")
        for server in servers:
            newcomer = wait_until(lambda s=server: _connected(s.url), timeout=15, message="a new tab connects")
            clients_opened = newcomer
            assert clients_opened.watch(fresh)["ok"]
            clients_opened.wait_for_status("connected", timeout=20)
            simulator.inject(fresh, [chat(f"hello {server.port}", user_id="5")])
            clients_opened.wait_for_event(lambda e, s=server: e.get("comment") == f"hello {s.port}", timeout=20)
            clients_opened.disconnect()
        for server in servers:
            log = server.log_text()
            assert "Traceback" not in log
            assert log.count("The store is unreachable") <= 1, "said once per outage, not in a loop"
            raw = [line for line in log.splitlines()
                   if "redis" in line.lower() and not re.match(r"\d{4}-\d\d-\d\d ", line)]
            assert raw == [], "every line through the server's own (redacting) formatter, none twice"
    finally:
        private.stop()


def test_after_a_redis_restart_every_process_hears_the_others_within_seconds(cluster, open_tab, simulator,
                                                                            quiet_creator):
    """What one process emits for another's tabs (a creator's status and events, from the process running it)
    goes through Redis's pub/sub. After an outage every process listens again within a second or two (not
    after a backoff of up to a minute, losing all of it meanwhile), and its tabs get their status and events."""
    private = RedisServer()
    try:
        servers = cluster(3, redis_url=private.url)
        for server in servers:  # a process starts listening to the others with its first socket
            open_tab(server.url)
        private.stop()
        wait_for_health(servers, 503, timeout=10, message="/healthz 503 while Redis is down")
        # python-socketio's own listener retries 1, 2, 4, 8, 16 s after its last try (then every 60 s): Redis
        # back 16 s into the outage finds it waiting until 31 s, about 14 s more.
        time.sleep(16)
        private.start()
        wait_for_health(servers, 200, timeout=15, message="/healthz 200 once Redis is back")

        fresh = quiet_creator("heard")
        tabs = [wait_until(lambda s=server: _connected(s.url), timeout=10, message="a new tab connects")
                for server in servers]
        for tab in tabs:
            assert tab.watch(fresh)["ok"]
        deadline = time.monotonic() + 6
        for tab in tabs:  # the creator's status comes from the process that runs it, whichever that is
            tab.wait_for_status("connected", timeout=max(0.1, deadline - time.monotonic()))
        simulator.inject(fresh, [chat("heard everywhere", user_id="5")])
        for tab in tabs:
            tab.wait_for_event(lambda e: e.get("comment") == "heard everywhere", timeout=5)
            tab.disconnect()
    finally:
        private.stop()


def test_a_process_that_could_not_listen_tells_its_tabs_what_they_missed(cluster, open_tab, simulator,
                                                                          quiet_creator):
    """While a process cannot listen to the others (its pub/sub connection lost, and not back yet), what the
    creator's owner emits for its tabs is lost on the way: once it listens again, they get the events they
    missed, in order, and the status (here `ended`)."""
    private = RedisServer()
    try:
        servers = cluster(2, redis_url=private.url)
        name = quiet_creator("missed")
        open_tab(servers[0].url).watch_until_connected(name)
        owner = running_owner(servers, name)
        other = next(server for server in servers if server is not owner)
        tab = open_tab(other.url)
        tab.watch_until_connected(name)
        simulator.inject(name, [chat("before", user_id="5")])
        tab.wait_for_event(lambda e: e.get("comment") == "before")

        admin = redis.Redis.from_url(private.url)
        admin.execute_command("ACL", "SETUSER", "default", "-subscribe")  # nobody may subscribe again...
        admin.client_kill_filter(_type="pubsub")  # ...once every listener is cut off; the store still works
        simulator.inject(name, [chat("missed 1", user_id="5"), chat("missed 2", user_id="6")])
        simulator.end(name)
        wait_until(lambda: [s["status"] for s in owner.debug()["streams"] if s["username"] == name] == ["ended"],
                   message="the stream ended, on its owner")
        time.sleep(1)
        assert not any(e.get("comment") == "missed 1" for e in tab.seen_events()), "not delivered meanwhile"
        assert tab.session["status"] == "connected"

        admin.execute_command("ACL", "SETUSER", "default", "+subscribe")
        tab.wait_for_event(lambda e: e.get("comment") == "missed 2", timeout=5)
        tab.wait_for_status("ended", timeout=5)
        events = deduped(tab, name)
        assert_gapless(events)
        assert [e["comment"] for e in events if e["type"] == "chat"][-3:] == ["before", "missed 1", "missed 2"]
        assert "Listening to the other processes again" in other.log_text()
    finally:
        private.stop()


def wait_for_health(servers, status_code, timeout, message):
    for server in servers:
        wait_until(lambda s=server: requests.get(s.url + "/healthz", timeout=5).status_code == status_code,
                   timeout=timeout, message=message)


def _connected(url):
    try:
        return DashboardClient(url)
    except Exception:
        return None


def test_boards_and_cards_are_shared_and_survive_a_failover(cluster, open_tab, simulator, quiet_creator):
    servers = cluster(2)
    name = quiet_creator("boards")
    tabs = [open_tab(server.url) for server in servers]
    for tab in tabs:
        tab.watch_until_connected(name)
    simulator.inject(name, [chat("one", user_id="5"), chat("two", user_id="5"), chat("hey", user_id="6")])

    def chatters(tab):
        boards = tab.payloads("leaderboards")
        return [(c["user"]["userId"], c["comments"]) for c in boards[-1]["chatters"]] if boards else []

    for tab in tabs:
        wait_until(lambda t=tab: chatters(t) == [("5", 2), ("6", 1)], message="the boards on every process")
    owner = running_owner(servers, name)
    survivor = next(tab for tab, server in zip(tabs, servers, strict=True) if server is not owner)
    wait_until(lambda: survivor.call("viewer", {"userId": "5"})["ok"], message="the card, from any process")
    assert [c["comment"] for c in survivor.call("viewer", {"userId": "5"})["viewer"]["comments"]] == ["one", "two"]

    owner.process.kill()
    owner.process.wait()
    survivor.wait_for_status("reconnecting", timeout=LEASE_SECONDS + 5)
    survivor.wait_for_status("connected", timeout=10)
    simulator.inject(name, [chat("three", user_id="5")])
    wait_until(lambda: chatters(survivor) == [("5", 3), ("6", 1)], message="the boards go on from the stored ones")
    wait_until(lambda: len(survivor.call("viewer", {"userId": "5"})["viewer"]["comments"]) == 3,
               message="the card goes on")


def test_a_failover_continues_the_same_record(cluster, open_tab, simulator, quiet_creator, postgres_url):
    """Several processes record into one Postgres: the process taking a creator over continues its record."""
    servers = cluster(2, DATABASE_URL=postgres_url)
    name = quiet_creator("records")
    tab = open_tab(servers[0].url)
    tab.watch_until_connected(name)
    simulator.inject(name, [chat("one", user_id="5"), chat("two", user_id="6")])

    def record(server):
        lives = requests.get(f"{server.url}/api/streams", params={"username": name}, timeout=10).json()["streams"]
        return lives[0] if len(lives) == 1 else None

    wait_until(lambda: (r := record(servers[1])) and r["metrics"]["totalComments"] == 2,
               message="recorded, and readable on any process")
    owner = running_owner(servers, name)
    survivor = next(server for server in servers if server is not owner)
    if owner is servers[0]:
        tab = open_tab(survivor.url)
        tab.watch_until_connected(name)
    owner.process.kill()
    owner.process.wait()
    tab.wait_for_status("reconnecting", timeout=LEASE_SECONDS + 5)
    tab.wait_for_status("connected", timeout=10)
    simulator.inject(name, [chat("three", user_id="5")])
    wait_until(lambda: (r := record(survivor)) and r["metrics"]["totalComments"] == 3 and r["status"] == "live",
               message="the same record counts on")
    export = requests.get(f"{survivor.url}/streams/{record(survivor)['id']}/export.jsonl", params={"types": "chat"},
                          timeout=10)
    events = [json.loads(line) for line in export.text.splitlines()]
    assert [e["comment"] for e in events] == ["one", "two", "three"]
    assert_gapless(deduped(tab, name))
    assert events[-1]["seq"] > events[1]["seq"], "seq goes on across owners"


def test_a_process_that_loses_the_lease_leaves_the_record_live(cluster, open_tab, simulator, quiet_creator,
                                                               postgres_url):
    """Only a stop for want of watchers ends a record: the owner that stalls past its lease stops its runner
    when it wakes (another process runs the creator now), and the record goes on, live, on the other."""
    servers = cluster(2, DATABASE_URL=postgres_url)
    name = quiet_creator("lease")
    tabs = [open_tab(server.url) for server in servers]
    for tab in tabs:
        tab.watch_until_connected(name)
    simulator.inject(name, [chat("one", user_id="5")])

    def record(server):
        lives = requests.get(f"{server.url}/api/streams", params={"username": name}, timeout=10).json()["streams"]
        assert len(lives) <= 1, lives
        return requests.get(f"{server.url}/api/streams/{lives[0]['id']}", timeout=10).json() if lives else None

    wait_until(lambda: (r := record(servers[0])) and r["metrics"]["totalComments"] == 1, message="recorded")
    owner = owner_of(servers, name)
    survivor = next(server for server in servers if server is not owner)
    survivor_tab = tabs[servers.index(survivor)]
    owner.process.send_signal(signal.SIGSTOP)  # out of touch for longer than its lease, alive
    try:
        survivor_tab.wait_for_status("reconnecting", timeout=LEASE_SECONDS + 5)
        survivor_tab.wait_for_status("connected", timeout=10)
    finally:
        owner.process.send_signal(signal.SIGCONT)
    wait_until(lambda: f"Runner for @{name}: another process holds the creator now" in owner.log_text(),
               message="the old owner stopped its runner")
    simulator.inject(name, [chat("two", user_id="6")])
    wait_until(lambda: record(survivor)["metrics"]["totalComments"] == 2, message="the survivor records on")
    time.sleep(1.5)  # three flushes of the old owner's record writer: an end it queued would be written by now
    live = record(survivor)
    assert (live["status"], live["endReason"], live["endedAt"]) == ("live", None, None)
    assert owner_of(servers, name) is survivor
