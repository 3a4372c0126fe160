"""What the simulator remembers: creators, their rooms and push sockets, and the sign server's plan and limits.

Pure state; no I/O. The async work on sockets (fan-out, ending, dropping, keep-alive) lives in push.py.
"""

from __future__ import annotations

import asyncio
import bisect
import random
from collections import deque
from dataclasses import dataclass, field

from aiohttp import web
from TikTokLive.proto import ProtoMessageFetchResultBaseProtoMessage

from ..captures import Item
from .model import Event, Like, SimUser, Viewers, room_owner
from .traffic import TrafficGenerator

# TikTokLive asks for history_comment_count=6; replay that many recent chat messages on connect.
RECENT_CHAT = 6
# Like TikTok, a push socket gets a frame at least this often, traffic or not (an empty fetch result: no
# events), except while stalled (push.py). `--keepalive-seconds` (Simulator.keepalive_seconds) overrides it.
KEEPALIVE_SECONDS = 10.0
# The sign server's sliding windows, by the name the control API gives their limits (POST /_sim/sign/limits).
SIGN_WINDOWS: dict[str, float] = {"perMinute": 60.0, "perHour": 3600.0, "perDay": 86400.0}


def new_room_id() -> int:
    """A fresh 19-digit room id, as TikTok gives each LIVE."""
    return random.randrange(7_300_000_000_000_000_000, 7_500_000_000_000_000_000)


@dataclass(eq=False)
class PushSocket:
    """One client's push WebSocket.

    Only the task serving the socket closes it (see push.serve_socket): aiohttp's close() called
    from another task while that one is reading drops the TCP connection without waiting for the
    client's close frame, and a client that is writing at that moment loses the clean close.
    """

    ws: web.WebSocketResponse
    gzip: bool
    transport: asyncio.BaseTransport | None
    peer: str
    room_id: int  # the room it joined; after a new LIVE (newLive) it still names the old one
    # Event-loop times: when the last frame went out to it (its opening, before any), and until when it is
    # stalled (sends nothing at all). The keep-alive (push.py) reads both.
    last_frame: float = field(default_factory=lambda: asyncio.get_running_loop().time())
    stalled_until: float = 0.0
    close_request: asyncio.Future[tuple[int, str]] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future())
    closed: asyncio.Event = field(default_factory=asyncio.Event)

    def request_close(self, code: int, reason: str) -> None:
        if not self.close_request.done():
            self.close_request.set_result((code, reason))

    def stalled(self, now: float) -> bool:
        return now < self.stalled_until


@dataclass(eq=False)
class Replay:
    """A capture being replayed to a creator's clients (replay.py): `fetch`, the capture's first fetch result,
    waits for the next sign request (None once served, or when the capture has none); `frames` go out from
    `started_at` (epoch ms, when a push socket was open) on, spaced as captured divided by `speed`. `sent`
    counts the fetch result served and the frames whose time came, of `total`."""

    path: str
    speed: float
    fetch: bytes | None
    frames: list[Item]
    total: int
    sent: int = 0
    started_at: int | None = None
    task: asyncio.Task | None = None

    def describe(self) -> dict:
        return {"path": self.path, "sent": self.sent, "total": self.total, "speed": self.speed,
                "startedAt": self.started_at}


@dataclass(eq=False)
class Creator:
    """One creator: whether they exist and are live, their room, its figures and its push sockets."""

    name: str
    exists: bool
    live: bool
    rate: float
    room_id: int = field(default_factory=new_room_id)
    viewers: int = 0
    total_likes: int = 0
    recent_chat: deque[ProtoMessageFetchResultBaseProtoMessage] = field(
        default_factory=lambda: deque(maxlen=RECENT_CHAT))
    sockets: set[PushSocket] = field(default_factory=set)
    pushes_opened: int = 0
    sign_requests: int = 0
    batches_sent: int = 0
    traffic: TrafficGenerator = field(init=False)
    traffic_task: asyncio.Task | None = None
    keepalive_task: asyncio.Task | None = None
    # Serialises the frames sent to this creator's sockets, so every socket sees the same order.
    send_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    # The pre-encoded messages of floods (flood.py), kept while the room stays the same.
    flood_templates: object | None = None
    # Shown only to a logged-in viewer (tiktok_routes: room info and the push socket ask for the session cookie).
    age_restricted: bool = False
    # While set, the push socket is refused with this reason (tiktok_routes.push_socket).
    push_blocked: str | None = None
    # The capture replayed to this creator's clients, the last one, running or done (replay.py).
    replay: Replay | None = None

    def __post_init__(self) -> None:
        self.traffic = TrafficGenerator(self.name)
        if not self.viewers:
            self.viewers = random.Random(self.name).randint(120, 2500)

    @classmethod
    def by_convention(cls, name: str, rate: float) -> Creator:
        """A creator as the simulator imagines them: live, unless the name says offline or ghost."""
        exists = not name.startswith("ghost")
        return cls(name=name, exists=exists, live=exists and not name.startswith("offline"), rate=rate)

    def apply(self, event: Event) -> None:
        """Keep the room's figures in step with an event sent to it."""
        if isinstance(event, Like):
            self.total_likes = max(self.total_likes, event.total)
        elif isinstance(event, Viewers):
            self.viewers = event.viewer_count

    @property
    def owner(self) -> SimUser:
        """The creator as TikTok names the room's owner (room info's `owner`, the LIVE page's user)."""
        return room_owner(self.name)

    def new_room(self) -> None:
        """A new LIVE: a new room, whose like total starts at 0 and which replays none of the last one's chat."""
        self.room_id = new_room_id()
        self.total_likes = 0
        self.recent_chat.clear()

    def next_cursor(self) -> str:
        self.batches_sent += 1
        return f"{self.room_id}-{self.batches_sent}"

    def describe(self) -> dict:
        return {
            "name": self.name, "userId": str(self.owner.user_id), "exists": self.exists, "live": self.live,
            "roomId": str(self.room_id),
            "viewers": self.viewers, "totalLikes": self.total_likes, "rate": self.rate,
            "connections": len(self.sockets), "ageRestricted": self.age_restricted,
            "pushBlocked": self.push_blocked, "replay": self.replay.describe() if self.replay else None,
        }


@dataclass
class SignFailure:
    """The next `times` sign requests (for creator `name` only, if given) fail with `status`.

    429 means rate limited, with a retry after `retry_after` seconds (in `RateLimit-Reset`, and in
    `Retry-After` too if `retry_after_header`).
    """

    status: int
    times: int
    retry_after: int
    name: str | None = None
    retry_after_header: bool = False


@dataclass(frozen=True)
class SignRefusal:
    """A sign request refused by a limit: which window (`perMinute`...), its limit, and the seconds until
    that window takes a request again."""

    window: str
    limit: int
    retry_after: float


class SignLimiter:
    """The sign server's own limits, in sliding windows (any 60 s, any hour, any day), as
    `POST /_sim/sign/limits` sets them.

    Only requests that get past the limits are counted (on arrival, whatever the answer then is: 200, 404):
    a refused one (429) costs nothing, so a client that waits as told is let in. Requests are counted even
    with no limit set, so that a limit set later applies to the requests already made.
    """

    def __init__(self) -> None:
        self.limits: dict[str, int] = {}
        self._arrivals: list[float] = []  # monotonic times of the counted requests of the last day, oldest first

    def update(self, changes: dict[str, int | None]) -> None:
        """Set (an int) or remove (None) the limits named in `changes`; the others stay."""
        for window, limit in changes.items():
            if limit is None:
                self.limits.pop(window, None)
            else:
                self.limits[window] = limit

    def describe(self) -> dict[str, int | None]:
        return {window: self.limits.get(window) for window in SIGN_WINDOWS}

    def admit(self, now: float) -> SignRefusal | None:
        """A request arrives at `now`: None, and it is counted, if every limit allows it; otherwise the
        refusal with the longest wait (waiting less would only meet another limit)."""
        del self._arrivals[:bisect.bisect_right(self._arrivals, now - max(SIGN_WINDOWS.values()))]
        refusal = None
        for window, limit in self.limits.items():
            start = bisect.bisect_right(self._arrivals, now - SIGN_WINDOWS[window])
            counted = len(self._arrivals) - start
            if counted < limit:
                continue
            # Allowed again once all but limit - 1 of those counted have left the window: when the oldest
            # leaves, if no limit was lowered since.
            leaves = self._arrivals[start + counted - limit] + SIGN_WINDOWS[window]
            if refusal is None or leaves - now > refusal.retry_after:
                refusal = SignRefusal(window, limit, leaves - now)
        if refusal is None:
            self._arrivals.append(now)
        return refusal


class Simulator:
    """Every creator the simulator has been asked about, by name and by room id."""

    def __init__(self, default_rate: float, base_url: str = "",
                 keepalive_seconds: float = KEEPALIVE_SECONDS) -> None:
        self.default_rate = default_rate
        # Where clients reach the simulator, for the avatar and gift image URLs inside messages.
        self.base_url = base_url
        # The longest a push socket goes without a frame (push.py's keep-alive), unless stalled.
        self.keepalive_seconds = keepalive_seconds
        self.creators: dict[str, Creator] = {}
        self.sign_requests = 0
        self.sign_refused = 0
        self.sign_failure: SignFailure | None = None
        self.sign_limiter = SignLimiter()
        self.floods: set[asyncio.Task] = set()  # running floods (flood.py), each its own task
        self.flood_events_sent = 0

    def creator(self, name: str) -> Creator:
        """The creator called `name` (already normalised), made up on first mention."""
        if name not in self.creators:
            self.creators[name] = Creator.by_convention(name, self.default_rate)
        return self.creators[name]

    def by_room(self, room_id: int) -> Creator | None:
        return next((c for c in self.creators.values() if c.room_id == room_id), None)

    def take_sign_failure(self, creator: Creator | None) -> SignFailure | None:
        """Count a sign request for `creator`'s room; return the failure to answer it with, if planned."""
        self.sign_requests += 1
        if creator is not None:
            creator.sign_requests += 1
        failure = self.sign_failure
        if failure is None or failure.times <= 0:
            return None
        if failure.name is not None and (creator is None or creator.name != failure.name):
            return None
        failure.times -= 1
        return failure

    def check_sign_limits(self, now: float) -> SignRefusal | None:
        """Apply the sign server's limits to a request arriving at `now` (monotonic); the refusal, if any."""
        refusal = self.sign_limiter.admit(now)
        if refusal is not None:
            self.sign_refused += 1
        return refusal

    def connections(self) -> dict[str, int]:
        return {c.name: len(c.sockets) for c in self.creators.values() if c.sockets}

    def stats(self) -> dict:
        creators = self.creators.values()
        return {
            "signRequests": self.sign_requests,
            "signRequestsByName": {c.name: c.sign_requests for c in creators if c.sign_requests},
            "signRefused": self.sign_refused,
            "pushConnectionsOpened": {c.name: c.pushes_opened for c in creators if c.pushes_opened},
            "floodEventsSent": self.flood_events_sent,
            "floodsRunning": len(self.floods),
        }

    def cancel_floods(self) -> None:
        for task in list(self.floods):
            task.cancel()

    def cancel_replays(self) -> None:
        for creator in self.creators.values():
            if creator.replay is not None and creator.replay.task is not None:
                creator.replay.task.cancel()

    def forget(self) -> None:
        """Forget every creator (and so every stall), counter, planned failure and sign limit, and stop the
        floods and the replays (sockets must be closed first)."""
        self.cancel_floods()
        self.cancel_replays()
        self.creators.clear()
        self.sign_requests = 0
        self.sign_refused = 0
        self.sign_failure = None
        self.sign_limiter = SignLimiter()
        self.flood_events_sent = 0
