"""The store: everything the server shares between its processes, behind one interface.

Two implementations: `MemoryStore` (no REDIS_URL: one process, everything in its memory) and
`RedisStore` (REDIS_URL: any number of processes act as one server). The service and the registries
talk only to this interface; nothing above it knows which one it has.

What it holds (docs/architecture.md, "Cluster mode"):
- sessions: their records, which sockets each has on which process, the deferred cleanups (due times,
  swept by every process, so a cleanup still happens when the process that scheduled it is gone);
- which creators are followed and by which sessions (the watchers), and when an unwatched creator's
  runner is due to stop;
- runner ownership: one lease per creator; only its holder runs the creator's runner and writes its
  state and event log (writes are fenced by the lease: a process that lost it cannot write);
- per creator: the stream state (status, seq, metrics, ...) and the last RECENT_EVENTS events.

Times are epoch seconds (floats). Every method may raise `StoreUnavailable` (Redis unreachable);
`MemoryStore` never does. The events, points, cards and boards are the contract's objects (payloads.py).
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypedDict

from ..payloads import Event, Leaderboards, Metrics, SeriesPoint, SignBudgetUse, StoredSnapshot, ViewerCard


class StoreUnavailable(Exception):
    """The shared store cannot be reached (Redis down or restarting)."""


class SessionLimitError(Exception):
    """MAX_SESSIONS or MAX_SESSIONS_PER_IP reached."""


SESSION_LIMIT_MESSAGE = "The server is at its session limit; try again later"


def per_ip_limit_message(max_per_ip: int) -> str:
    return f"Too many sessions from your address (limit {max_per_ip})"


class StreamLimitError(Exception):
    """MAX_STREAMS creators are followed already."""


def wall_limit_message(max_streams: int, new: int) -> str:
    return (f"This server follows at most {max_streams} creators (MAX_STREAMS), and {new} of these are not "
            "followed yet: too many")


# The sign budget (SIGN_BUDGET): its windows, each (starts allowed, within so many seconds).
SignLimits = Sequence[tuple[int, float]]
# Some of StreamState's fields by name (status, error, seq, metrics, connected_at, shed, garbled, skipped...),
# as a runner writes them.
StateFields = Mapping[str, Any]


class Queued(TypedDict):
    """While a creator waits for the sign budget: when to look again (seconds), and how many wait before it."""

    retryAfter: int
    ahead: int


@dataclass
class SessionRecord:
    id: str
    token: str  # the resume token: sent only to the session's own sockets
    ip: str
    created_at: float
    last_activity: float
    username: str | None = None  # the creator watched, if any
    clients: int = 0  # sockets attached now, on every process
    kind: str = "dashboard"
    wall: tuple[str, ...] = ()  # the creators it follows at a summary level (`watchMany`), in the wall's order


@dataclass
class StreamState:
    """What every process knows of a followed creator's stream."""

    username: str
    status: str = "connecting"
    error: dict[str, Any] | None = None  # the `error` object of the last failure: {code, message, retryAfter?}
    seq: int = 0
    metrics: Metrics = field(default_factory=dict)  # StreamMetrics.to_dict(); empty: nothing counted yet
    connected_at: float | None = None
    shed: int = 0
    garbled: int = 0
    skipped: dict[str, int] = field(default_factory=dict)  # messages of types the app does not show, per method
    decode_check: dict[str, Any] | None = None  # the decode check's counts (streams/decodecheck.py), as stored
    battle: dict[str, Any] | None = None  # the PK battle in progress, as the wall's summary shows it (summary.py)
    owner: str | None = None  # `<host>:<pid>` of the process running its runner; None: nobody yet
    watchers: int = 0
    queue: Queued | None = None  # while `queued` for the sign budget
    leaderboards: Leaderboards | None = None  # the last ones published


class Store:
    """The interface. `instance` identifies this process (random, new at each start); `name` is how
    /debug and /healthz show it (`<host>:<pid>`)."""

    instance: str
    name: str

    # -- this process -----------------------------------------------------------------------------

    def ping(self) -> None:
        """Raise StoreUnavailable when the store cannot be reached."""
        raise NotImplementedError

    def heartbeat(self, runners: int) -> bool:
        """Say that this process is alive (for about RUNNER_LEASE_SECONDS) and runs `runners` runners.
        True when this process had been reaped meanwhile (it had stopped being registered, e.g. after a
        store outage longer than the lease): its sockets were detached, the caller attaches its live
        ones again. False otherwise (always, in a single process)."""
        raise NotImplementedError

    def process_loads(self) -> dict[str, int]:
        """{instance: runners} of every live process, this one included."""
        raise NotImplementedError

    def reap_dead_processes(self, cleanup_due: float) -> list[str]:
        """Detach the sockets of processes that stopped heartbeating (each dead process is reaped by
        exactly one survivor); sessions left with no socket get a cleanup at `cleanup_due`.
        Returns the ids of the sessions whose clients changed."""
        raise NotImplementedError

    def retire(self, cleanup_due: float) -> None:
        """This process stops: drop its leases (the streams' state stays, for a successor), detach its
        sockets (cleanups at `cleanup_due`), and unregister it."""
        raise NotImplementedError

    # -- sessions ---------------------------------------------------------------------------------

    def create_session(self, ip: str, kind: str, max_sessions: int, max_per_ip: int) -> SessionRecord:
        """A new SessionRecord; SessionLimitError past `max_sessions` (cluster-wide) or `max_per_ip`."""
        raise NotImplementedError

    def find_session(self, token: object) -> SessionRecord | None:
        """The session whose resume token is `token`, or None."""
        raise NotImplementedError

    def get_session(self, session_id: str) -> SessionRecord | None:
        raise NotImplementedError

    def get_sessions(self, session_ids: Iterable[str]) -> dict[str, SessionRecord]:
        """{id: SessionRecord} of those that exist."""
        raise NotImplementedError

    def all_sessions(self) -> list[SessionRecord]:
        raise NotImplementedError

    def attach_client(self, session_id: str, sid: str) -> SessionRecord | None:
        """Attach socket `sid` (of this process) to the session, cancel its pending cleanup, touch it.
        Returns the updated record, or None when the session is gone."""
        raise NotImplementedError

    def detach_client(self, session_id: str, sid: str, cleanup_due: float) -> SessionRecord | None:
        """Detach socket `sid`; a session left with no socket gets a cleanup at `cleanup_due`.
        Returns the updated record, or None when the session is gone."""
        raise NotImplementedError

    def touch(self, session_id: str) -> None:
        raise NotImplementedError

    def take_due_cleanups(self, now: float) -> list[str]:
        """Ids of sessions whose cleanup is due; each id is handed to one caller in the cluster, once.
        Also forgets the unwatched creators whose stop is due and that no process runs (their owner died
        or retired)."""
        raise NotImplementedError

    def remove_session(self, session_id: str, now: float) -> SessionRecord | None:
        """Remove a session that has no socket (else leave it: a client came back): its watch ends, and
        a creator it leaves unwatched is due to stop at `now`. Returns the removed record, or None."""
        raise NotImplementedError

    def totals(self) -> tuple[int, int]:
        """(sessions, connected clients) in the whole cluster."""
        raise NotImplementedError

    # -- who watches what -------------------------------------------------------------------------

    def set_watching(self, session_id: str, username: str | None, max_streams: int,
                     stop_due: float) -> SessionRecord | None:
        """The session now watches `username` (None: nothing). A creator it leaves unwatched is due to
        stop at `stop_due`. StreamLimitError when `username` is not followed yet and `max_streams`
        creators are. Returns the updated record, or None when the session is gone."""
        raise NotImplementedError

    def watcher_ids(self, username: str) -> list[str]:
        """Ids of the sessions watching `username`, on every process (their wall's creators included)."""
        raise NotImplementedError

    def set_wall(self, session_id: str, usernames: Sequence[str], max_streams: int,
                 stop_due: float) -> SessionRecord | None:
        """The session now follows `usernames` (distinct, lower case; empty: none) at a summary level, its wall,
        beside the creator it may watch: it is one of each one's watchers (so each has one runner, kept while a
        session watches it either way). A creator it leaves unwatched is due to stop at `stop_due`.
        StreamLimitError, changing nothing, when the creators not followed yet would take the server past
        `max_streams`. Returns the updated record, or None when the session is gone."""
        raise NotImplementedError

    def summary_watched(self, username: str) -> bool:
        """Whether some session has `username` on its wall: its runner sends summaries only then."""
        raise NotImplementedError

    # -- streams: state and ownership -------------------------------------------------------------

    def stream(self, username: str | None) -> StreamState | None:
        """The StreamState of a followed creator, or None."""
        raise NotImplementedError

    def streams(self) -> list[StreamState]:
        """The StreamState of every followed creator (watched, or waiting to stop)."""
        raise NotImplementedError

    def unowned_streams(self) -> list[str]:
        """Creators that have watchers and no runner anywhere (new ones, or their owner died)."""
        raise NotImplementedError

    def claim_stream(self, username: str) -> StreamState | None:
        """Take the creator's lease if nobody holds it and somebody watches it. Returns the stored
        StreamState to resume from (a fresh one for a new creator), or None."""
        raise NotImplementedError

    def renew_stream(self, username: str, fields: StateFields) -> bool:
        """Keep this process's lease (taking it back if it lapsed and nobody else took it) and store
        the runner's state `fields`. False when another process holds it: stop the runner."""
        raise NotImplementedError

    def publish(self, username: str, events: Sequence[Event], fields: StateFields,
                points: Sequence[SeriesPoint] = ()) -> bool:
        """Append numbered events to the creator's log (capped at RECENT_EVENTS), store the state
        `fields` (a subset of StreamState's: status, error, seq, metrics, connected_at, shed, garbled...) and
        the series `points` they changed (by `t`), atomically: a snapshot's series matches its seq. False,
        writing nothing, when this process does not hold the lease."""
        raise NotImplementedError

    def stop_if_idle(self, username: str, now: float) -> bool:
        """If nobody watches the creator and its stop is due, forget it: lease, state and log. True
        when the caller's runner must stop."""
        raise NotImplementedError

    def drop_lease(self, username: str) -> None:
        """Give up this process's lease and keep the state, for a successor to resume from."""
        raise NotImplementedError

    def events_since(self, username: str, seq: int) -> list[Event] | None:
        """The kept events after `seq`, in order; None when some of them are no longer kept."""
        raise NotImplementedError

    def snapshot(self, username: str) -> StoredSnapshot:
        """{username, seq, metrics, recent, leaderboards, series} read at one instant (metrics {} and
        leaderboards None when nothing is stored; series: the stored points in time order)."""
        raise NotImplementedError

    # -- the assistant's data of a live: per-minute points and viewer cards -------------------------

    def save_insights(self, username: str, points: Sequence[SeriesPoint], cards: Sequence[ViewerCard],
                      forgotten: Iterable[str], replace: bool = False) -> None:
        """Store changed series points (by `t`), changed viewer cards (by user id) and forget the cards
        of `forgotten` user ids. Kept, and forgotten, with the creator's state. `replace`: these are all
        the points and cards there are (a new live, or one restored from its record)."""
        raise NotImplementedError

    def series(self, username: str) -> list[SeriesPoint]:
        """The stored series points of the creator's live, in time order."""
        raise NotImplementedError

    def series_since(self, username: str, since: int, until: int) -> list[SeriesPoint]:
        """The stored points of the minutes from `since` to `until` (epoch ms, minute starts), in time order."""
        raise NotImplementedError

    def insights(self, username: str) -> tuple[list[SeriesPoint], list[ViewerCard]]:
        """(points in time order, cards): what a runner taking the creator over continues from."""
        raise NotImplementedError

    def viewer(self, username: str, user_id: str) -> ViewerCard | None:
        """The stored card of one viewer of the creator's live, or None."""
        raise NotImplementedError

    # -- the actions' rules (assistant/actions): which version of a creator's rules the runner holds ----

    def rules_version(self, username: str) -> int:
        """A number that moves each time the creator's rules or counters change (0 before the first change)."""
        raise NotImplementedError

    def bump_rules_version(self, username: str) -> None:
        """The creator's rules or counters changed: its runner (on any process) reads them again."""
        raise NotImplementedError

    # -- the featured chat line of a creator (featuring.py): what its overlays show -------------------

    def set_featured(self, username: str, featured: Mapping[str, Any], keep_seconds: float) -> None:
        """`featured` ({event, at}) is the creator's featured line for `keep_seconds`, replacing any other."""
        raise NotImplementedError

    def featured(self, username: str) -> dict[str, Any] | None:
        """The creator's featured line as stored, or None (none, unfeatured, or kept past its time)."""
        raise NotImplementedError

    def clear_featured(self, username: str) -> bool:
        """The creator has no featured line any more; True when it had one."""
        raise NotImplementedError

    # -- the sign-server budget (signbudget.py), shared by the cluster ----------------------------

    def take_sign_start(self, username: str, priority: int, limits: SignLimits,
                        now: float) -> tuple[bool, float, int]:
        """Ask to start a connection to `username` within the budget `limits` ((count, seconds) pairs).
        Granted only to the head of the queue (priority, then arrival; a creator keeps its place while
        its runner keeps asking), when every window allows it: the start is counted then.
        Returns (granted, seconds to wait, creators queued before it)."""
        raise NotImplementedError

    def leave_sign_queue(self, username: str) -> None:
        """The creator no longer waits (its runner stopped)."""
        raise NotImplementedError

    def block_sign_starts(self, until: float) -> None:
        """The sign server refused a start and said when to come back: no start before `until`."""
        raise NotImplementedError

    def sign_budget(self, limits: SignLimits, now: float) -> SignBudgetUse:
        """{used: [starts within each window], queued: [creators, in order], blockedUntil} for /debug."""
        raise NotImplementedError
