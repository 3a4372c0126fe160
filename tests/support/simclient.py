"""A client for the TikTok LIVE simulator's control API (/_sim/*), for tests."""

from __future__ import annotations

import time
import uuid
from typing import Any

import requests


def unique_name(prefix: str = "live") -> str:
    """A creator name no other test uses. The prefix matters: "offline…" and "ghost…" are special."""
    return f"{prefix}_{uuid.uuid4().hex[:12]}"[:24]


def chat(text: str, nickname: str = "Viewer", user_id: str = "1") -> dict:
    """A chat event for inject(), from the viewer `user_id` (handle "u<user_id>")."""
    return {"type": "chat", "comment": text,
            "user": {"userId": user_id, "uniqueId": f"u{user_id}", "nickname": nickname}}


class SimulatorControl:
    """Drive a running simulator: configure creators, inject events, end or drop streams, read counters.

    Every method raises requests.HTTPError when the simulator answers an error.
    """

    def __init__(self, url: str, timeout: float = 15.0) -> None:
        self.url = url.rstrip("/")
        self._timeout = timeout
        self._http = requests.Session()

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        response = self._http.request(method, self.url + path, json=body, timeout=self._timeout)
        if not response.ok:
            raise requests.HTTPError(f"{method} {path}: {response.status_code} {response.text}", response=response)
        return response.json()

    def configure(self, name: str, **fields: Any) -> dict:
        """Set any of live, exists, viewers, rate, newLive (a new room at once), ageRestricted, pushBlocked; returns
        the creator's description."""
        return self._call("POST", f"/_sim/streams/{name}", fields)

    def stream(self, name: str) -> dict:
        """`{name, exists, live, roomId, viewers, totalLikes, rate, connections}`"""
        return self._call("GET", f"/_sim/streams/{name}")

    def inject(self, name: str, events: list[dict]) -> dict:
        """Send these events now, in order; returns `{sent, sockets}`."""
        return self._call("POST", f"/_sim/streams/{name}/events", events)

    def flood(self, name: str, rate: float, seconds: float, mix: dict[str, int] | None = None) -> dict:
        """Send `rate` events a second for `seconds` (chat unless `mix` weights other types); answers at once
        with `{count, counts: {type: n}, rate, seconds, expected: {comments, gifts, diamonds, likes,
        likesTotal, follows, shares, joins}}`. Chat reads "t=<send time, epoch ms> <n>", n from 0."""
        body: dict[str, Any] = {"rate": rate, "seconds": seconds}
        if mix is not None:
            body["mix"] = mix
        return self._call("POST", f"/_sim/streams/{name}/flood", body)

    def end(self, name: str) -> dict:
        """End the stream; returns once its push sockets are closed, `{name, closed}`."""
        return self._call("POST", f"/_sim/streams/{name}/end")

    def drop(self, name: str, abort: bool = False) -> dict:
        """Close the creator's push sockets without an end message (abort: cut the TCP connections)."""
        return self._call("POST", f"/_sim/streams/{name}/drop", {"abort": abort})

    def sign_fail(self, status: int, times: int = 1, retry_after: int | None = None,
                  name: str | None = None, retry_after_header: bool | None = None) -> dict:
        """The next `times` sign requests (for `name` only, if given) fail with `status`.

        A 429 carries a retry of `retry_after` seconds (3 by default), in `RateLimit-Reset` (and `Retry-After`
        too, with `retry_after_header`). `times=0` cancels the plan.
        """
        body: dict[str, int | str | bool] = {"status": status, "times": times}
        if retry_after is not None:
            body["retryAfter"] = retry_after
        if retry_after_header is not None:
            body["retryAfterHeader"] = retry_after_header
        if name is not None:
            body["name"] = name
        return self._call("POST", "/_sim/sign/fail", body)

    def sign_limits(self, **limits: int | None) -> dict:
        """Set (an integer) or remove (None) any of perMinute, perHour, perDay: past them the sign server
        answers 429. Returns the limits in force, `{perMinute, perHour, perDay}` (None when unset)."""
        return self._call("POST", "/_sim/sign/limits", limits)

    def stall(self, name: str, seconds: float) -> dict:
        """The creator's push sockets open now send nothing for `seconds`; returns `{name, stalled, seconds}`."""
        return self._call("POST", f"/_sim/streams/{name}/stall", {"seconds": seconds})

    def connections(self) -> dict[str, int]:
        """Open push sockets by creator; creators with none are left out."""
        return self._call("GET", "/_sim/connections")

    def stats(self) -> dict:
        """`{signRequests, signRequestsByName: {name: n}, signRefused, pushConnectionsOpened: {name: n},
        floodEventsSent, floodsRunning}` since the last reset."""
        return self._call("GET", "/_sim/stats")

    def reset(self) -> None:
        self._call("POST", "/_sim/reset")

    def wait_for_connections(self, name: str, count: int, timeout: float = 10.0) -> None:
        """Wait until `name` has exactly `count` open push sockets."""
        deadline = time.monotonic() + timeout
        while self.connections().get(name, 0) != count:
            if time.monotonic() > deadline:
                have = self.connections().get(name, 0)
                raise AssertionError(f"@{name} has {have} push sockets, not {count}")
            time.sleep(0.05)

    def close(self) -> None:
        self._http.close()
