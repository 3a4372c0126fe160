"""The store: everything the server shares between its processes, behind one interface.

Two implementations: `MemoryStore` (no REDIS_URL: one process, everything in its memory) and
`RedisStore` (REDIS_URL: any number of processes act as one server). The service and the registries
talk only to this interface; nothing above it knows which one it has.

What it holds (DESIGN.md, "Cluster mode"):
- sessions: their records, which sockets each has on which process, the deferred cleanups (due times,
  swept by every process, so a cleanup still happens when the process that scheduled it is gone);
- which creators are followed and by which sessions (the watchers), and when an unwatched creator's
  runner is due to stop;
- runner ownership: one lease per creator; only its holder runs the creator's runner and writes its
  state and event log (writes are fenced by the lease: a process that lost it cannot write);
- per creator: the stream state (status, seq, metrics, ...) and the last RECENT_EVENTS events.

Times are epoch seconds (floats). Every method may raise `StoreUnavailable` (Redis unreachable);
`MemoryStore` never does.
"""

from dataclasses import dataclass, field


class StoreUnavailable(Exception):
    """The shared store cannot be reached (Redis down or restarting)."""


class SessionLimitError(Exception):
    """MAX_SESSIONS or MAX_SESSIONS_PER_IP reached."""


SESSION_LIMIT_MESSAGE = "The server is at its session limit; try again later"


def per_ip_limit_message(max_per_ip):
    return f"Too many sessions from your address (limit {max_per_ip})"


class StreamLimitError(Exception):
    """MAX_STREAMS creators are followed already."""


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


@dataclass
class StreamState:
    """What every process knows of a followed creator's stream."""

    username: str
    status: str = "connecting"
    error: dict | None = None
    seq: int = 0
    metrics: dict = field(default_factory=dict)  # StreamMetrics.to_dict(); empty: nothing counted yet
    connected_at: float | None = None
    shed: int = 0
    garbled: int = 0
    owner: str | None = None  # `<host>:<pid>` of the process running its runner; None: nobody yet
    watchers: int = 0
    queue: dict | None = None  # while `queued` for the sign budget: {retryAfter, ahead}
    leaderboards: dict | None = None  # {gifters, chatters, likers}: the last ones published


class Store:
    """The interface. `instance` identifies this process (random, new at each start); `name` is how
    /debug and /healthz show it (`<host>:<pid>`)."""

    instance: str
    name: str

    # -- this process -----------------------------------------------------------------------------

    def ping(self):
        """Raise StoreUnavailable when the store cannot be reached."""
        raise NotImplementedError

    def heartbeat(self, runners):
        """Say that this process is alive (for about RUNNER_LEASE_SECONDS) and runs `runners` runners.
        True when this process had been reaped meanwhile (it had stopped being registered, e.g. after a
        store outage longer than the lease): its sockets were detached, the caller attaches its live
        ones again. False otherwise (always, in a single process)."""
        raise NotImplementedError

    def process_loads(self):
        """{instance: runners} of every live process, this one included."""
        raise NotImplementedError

    def reap_dead_processes(self, cleanup_due):
        """Detach the sockets of processes that stopped heartbeating (each dead process is reaped by
        exactly one survivor); sessions left with no socket get a cleanup at `cleanup_due`.
        Returns the ids of the sessions whose clients changed."""
        raise NotImplementedError

    def retire(self, cleanup_due):
        """This process stops: drop its leases (the streams' state stays, for a successor), detach its
        sockets (cleanups at `cleanup_due`), and unregister it."""
        raise NotImplementedError

    # -- sessions ---------------------------------------------------------------------------------

    def create_session(self, ip, kind, max_sessions, max_per_ip):
        """A new SessionRecord; SessionLimitError past `max_sessions` (cluster-wide) or `max_per_ip`."""
        raise NotImplementedError

    def find_session(self, token):
        """The session whose resume token is `token`, or None."""
        raise NotImplementedError

    def get_session(self, session_id):
        raise NotImplementedError

    def get_sessions(self, session_ids):
        """{id: SessionRecord} of those that exist."""
        raise NotImplementedError

    def all_sessions(self):
        raise NotImplementedError

    def attach_client(self, session_id, sid):
        """Attach socket `sid` (of this process) to the session, cancel its pending cleanup, touch it.
        Returns the updated record, or None when the session is gone."""
        raise NotImplementedError

    def detach_client(self, session_id, sid, cleanup_due):
        """Detach socket `sid`; a session left with no socket gets a cleanup at `cleanup_due`.
        Returns the updated record, or None when the session is gone."""
        raise NotImplementedError

    def touch(self, session_id):
        raise NotImplementedError

    def take_due_cleanups(self, now):
        """Ids of sessions whose cleanup is due; each id is handed to one caller in the cluster, once.
        Also forgets the unwatched creators whose stop is due and that no process runs (their owner died
        or retired)."""
        raise NotImplementedError

    def remove_session(self, session_id, now):
        """Remove a session that has no socket (else leave it: a client came back): its watch ends, and
        a creator it leaves unwatched is due to stop at `now`. Returns the removed record, or None."""
        raise NotImplementedError

    def totals(self):
        """(sessions, connected clients) in the whole cluster."""
        raise NotImplementedError

    # -- who watches what -------------------------------------------------------------------------

    def set_watching(self, session_id, username, max_streams, stop_due):
        """The session now watches `username` (None: nothing). A creator it leaves unwatched is due to
        stop at `stop_due`. StreamLimitError when `username` is not followed yet and `max_streams`
        creators are. Returns the updated record, or None when the session is gone."""
        raise NotImplementedError

    def watcher_ids(self, username):
        """Ids of the sessions watching `username`, on every process."""
        raise NotImplementedError

    # -- streams: state and ownership -------------------------------------------------------------

    def stream(self, username):
        """The StreamState of a followed creator, or None."""
        raise NotImplementedError

    def streams(self):
        """The StreamState of every followed creator (watched, or waiting to stop)."""
        raise NotImplementedError

    def unowned_streams(self):
        """Creators that have watchers and no runner anywhere (new ones, or their owner died)."""
        raise NotImplementedError

    def claim_stream(self, username):
        """Take the creator's lease if nobody holds it and somebody watches it. Returns the stored
        StreamState to resume from (a fresh one for a new creator), or None."""
        raise NotImplementedError

    def renew_stream(self, username, fields):
        """Keep this process's lease (taking it back if it lapsed and nobody else took it) and store
        the runner's state `fields`. False when another process holds it: stop the runner."""
        raise NotImplementedError

    def publish(self, username, events, fields, points=()):
        """Append numbered events to the creator's log (capped at RECENT_EVENTS), store the state
        `fields` (a subset of StreamState's: status, error, seq, metrics, connected_at, shed, garbled) and
        the series `points` they changed (by `t`), atomically: a snapshot's series matches its seq. False,
        writing nothing, when this process does not hold the lease."""
        raise NotImplementedError

    def stop_if_idle(self, username, now):
        """If nobody watches the creator and its stop is due, forget it: lease, state and log. True
        when the caller's runner must stop."""
        raise NotImplementedError

    def drop_lease(self, username):
        """Give up this process's lease and keep the state, for a successor to resume from."""
        raise NotImplementedError

    def events_since(self, username, seq):
        """The kept events after `seq`, in order; None when some of them are no longer kept."""
        raise NotImplementedError

    def snapshot(self, username):
        """{username, seq, metrics, recent, leaderboards, series} read at one instant (metrics {} and
        leaderboards None when nothing is stored; series: the stored points in time order)."""
        raise NotImplementedError

    # -- the assistant's data of a live: per-minute points and viewer cards -------------------------

    def save_insights(self, username, points, cards, forgotten, replace=False):
        """Store changed series points (by `t`), changed viewer cards (by user id) and forget the cards
        of `forgotten` user ids. Kept, and forgotten, with the creator's state. `replace`: these are all
        the points and cards there are (a new live, or one restored from its record)."""
        raise NotImplementedError

    def series(self, username):
        """The stored series points of the creator's live, in time order."""
        raise NotImplementedError

    def insights(self, username):
        """(points in time order, cards): what a runner taking the creator over continues from."""
        raise NotImplementedError

    def viewer(self, username, user_id):
        """The stored card of one viewer of the creator's live, or None."""
        raise NotImplementedError

    # -- the sign-server budget (signbudget.py), shared by the cluster ----------------------------

    def take_sign_start(self, username, priority, limits, now):
        """Ask to start a connection to `username` within the budget `limits` ((count, seconds) pairs).
        Granted only to the head of the queue (priority, then arrival; a creator keeps its place while
        its runner keeps asking), when every window allows it: the start is counted then.
        Returns (granted, seconds to wait, creators queued before it)."""
        raise NotImplementedError

    def leave_sign_queue(self, username):
        """The creator no longer waits (its runner stopped)."""
        raise NotImplementedError

    def block_sign_starts(self, until):
        """The sign server refused a start and said when to come back: no start before `until`."""
        raise NotImplementedError

    def sign_budget(self, limits, now):
        """{used: [starts within each window], queued: [creators, in order], blockedUntil} for /debug."""
        raise NotImplementedError
