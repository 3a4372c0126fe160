"""Scale-out: several server processes sharing a Redis message queue."""

import uuid

from simclient import chat

REDIS_URL = "redis://127.0.0.1:6379/0"


def test_two_processes_on_one_redis_queue_deliver_each_event_once(server_factory, connect, simulator,
                                                                 quiet_creator):
    channel = f"live-assistant-test-{uuid.uuid4().hex[:8]}"
    first = server_factory(REDIS_URL=REDIS_URL, REDIS_CHANNEL=channel)
    second = server_factory(REDIS_URL=REDIS_URL, REDIS_CHANNEL=channel)
    name = quiet_creator()
    one, two = connect(url=first.url), connect(url=second.url)
    one.watch_until_connected(name)
    two.watch_until_connected(name)

    lines = [f"scaled {i}" for i in range(20)]
    simulator.inject(name, [chat(line, user_id=str(i + 1)) for i, line in enumerate(lines)])
    for client in (one, two):
        client.wait_for_event(lambda e: e.get("comment") == lines[-1])
        assert client.comments() == lines, "every event once: no copies from the other process's runner"
        seqs = [e["seq"] for e in client.live_events(name)]
        assert seqs == sorted(set(seqs))
    for server in (first, second):
        log = server.log_text()
        assert "Traceback" not in log and "Cannot publish" not in log
