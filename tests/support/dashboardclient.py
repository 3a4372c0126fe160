"""A Socket.IO client that behaves like one dashboard tab and records everything it receives."""

import threading
import time

import socketio


def wait_until(condition, timeout=10.0, interval=0.05, message="condition"):
    """Poll `condition` until it returns something truthy; return that, or fail after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {message}")
        time.sleep(interval)


class DashboardClient:
    """Connects on creation; raises socketio.exceptions.ConnectionError when the server refuses."""

    def __init__(self, url, auth=None, headers=None):
        self.received = []  # (event name, payload), in arrival order
        self.arrived = []  # when each of them arrived (epoch seconds)
        self._lock = threading.Lock()
        self.sio = socketio.Client(reconnection=False)
        self.sio.on("*", self._record)
        self.sio.on("connect_error", lambda data=None: self._record("connect_error", data))
        self.sio.connect(
            url, auth=auth or {}, headers=headers or {}, transports=["websocket"], wait_timeout=10
        )

    def _record(self, event, payload=None):
        with self._lock:
            self.received.append((event, payload))
            self.arrived.append(time.time())

    def live_arrivals(self, username=None):
        """(arrival time in epoch seconds, event) of every `live` event, in order."""
        with self._lock:
            received = list(zip(self.arrived, self.received, strict=True))
        return [(at, event) for at, (name, payload) in received
                if name == "live" and (username is None or payload["username"] == username)
                for event in payload["events"]]

    def payloads(self, event):
        with self._lock:
            return [payload for name, payload in self.received if name == event]

    def call(self, event, payload=None, timeout=10):
        """Emit with an ack and return the answer (a tuple payload is sent as several arguments)."""
        return self.sio.call(event, payload, timeout=timeout)

    def watch(self, username):
        return self.call("watch", {"username": username})

    def watch_until_connected(self, username):
        answer = self.watch(username)
        assert answer["ok"], answer
        self.wait_for_status("connected")
        return answer

    @property
    def session(self):
        sessions = self.payloads("session")
        return sessions[-1] if sessions else None

    def wait_for_status(self, status, timeout=15):
        return wait_until(
            lambda: self.session and self.session["status"] == status, timeout, message=f"status {status}"
        )

    def live_events(self, username=None):
        """Every event received through `live`, in order."""
        return [
            event
            for payload in self.payloads("live")
            if username is None or payload["username"] == username
            for event in payload["events"]
        ]

    def seen_events(self):
        """What the dashboard shows: the last snapshot's events, then every `live` event after it."""
        with self._lock:
            received = list(self.received)
        events = []
        for name, payload in received:
            if name == "snapshot":
                events = list(payload["recent"])
            elif name == "live":
                events.extend(payload["events"])
        return events

    def comments(self):
        return [event["comment"] for event in self.seen_events() if event["type"] == "chat"]

    def wait_for_event(self, predicate, timeout=10, message="event"):
        def found():
            return next((event for event in self.seen_events() if predicate(event)), None)

        return wait_until(found, timeout, message=message)

    def latest_metrics(self):
        with self._lock:
            metrics = [p["metrics"] for name, p in self.received if name in ("metrics", "snapshot")]
        return metrics[-1] if metrics else None

    def disconnect(self):
        if self.sio.connected:
            self.sio.disconnect()


def refusal(url, auth=None, headers=None):
    """Try to connect; return the server's refusal payload (`connect_error` data), or fail if accepted."""
    received = []
    sio = socketio.Client(reconnection=False)
    sio.on("connect_error", lambda data=None: received.append(data))
    try:
        sio.connect(url, auth=auth or {}, headers=headers or {}, transports=["websocket"], wait_timeout=10)
    except socketio.exceptions.ConnectionError as ex:
        assert received, f"refused without a reason: {ex}"
        return received[0].get("data") or received[0]
    sio.disconnect()
    raise AssertionError("the server accepted the connection")
