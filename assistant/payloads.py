"""The shapes of the contract's objects that pass between the parts of the server, as TypedDicts for type hints
(docs/protocol.md): an event and its viewer, a per-minute point, a viewer card, the leaderboards, and what the
store hands out of a creator's stream. Plain dicts at run time: nothing here checks or converts anything.

`Event` names every field of every type; tests/test_event_types.py checks it against the one list of types
(assistant/events.py). Like events.py, this module imports nothing from the app.
"""

from typing import NotRequired, TypedDict

# The metrics object (metrics.py): its totals by name (`totalComments`...); empty while nothing is counted.
Metrics = dict[str, int]


class User(TypedDict):
    """The viewer of an event: `user` (docs/protocol.md, "The event object")."""

    userId: str  # TikTok's numeric id, as a string
    uniqueId: str
    nickname: str
    avatarUrl: str


class Event(TypedDict):
    """An event object: the envelope every event has (`seq`, `type`, `ts`; `user` on the types with a viewer;
    `history` on replayed chat), then the fields of each type, on the events of that type only."""

    seq: int
    type: str
    ts: int  # epoch ms
    user: NotRequired[User | None]
    history: NotRequired[bool]
    # chat
    comment: NotRequired[str]
    # gift
    giftId: NotRequired[int]
    giftName: NotRequired[str]
    diamondCount: NotRequired[int]
    repeatCount: NotRequired[int]
    streaking: NotRequired[bool]
    giftType: NotRequired[int]
    imageUrl: NotRequired[str]
    timedOut: NotRequired[bool]
    # like
    count: NotRequired[int]
    totalLikes: NotRequired[int]
    # viewers
    viewerCount: NotRequired[int]
    # end
    reason: NotRequired[str]


class SeriesPoint(TypedDict):
    """One minute of a live (insights/series.py): `t` is the minute's start, epoch ms."""

    t: int
    viewers: int
    likes: int
    diamonds: int
    comments: int
    joins: int
    follows: int
    shares: int


class CardComment(TypedDict):
    ts: int
    comment: str


class CardGift(TypedDict):
    ts: int
    giftName: str
    repeatCount: int
    diamonds: int


class ViewerCard(TypedDict):
    """One viewer of a live (insights/viewers.py; the `viewer` request's answer)."""

    user: User
    firstSeen: int  # epoch ms
    lastSeen: int
    totals: dict[str, int]  # comments, likes, gifts, diamonds, follows, shares
    comments: list[CardComment]  # the last few, oldest first
    gifts: list[CardGift]


class Gifter(TypedDict):
    user: User
    diamonds: int
    gifts: int


class Chatter(TypedDict):
    user: User
    comments: int


class Liker(TypedDict):
    user: User
    likes: int


class Leaderboards(TypedDict):
    """The top viewers of a live in each board, highest first (insights/viewers.py)."""

    gifters: list[Gifter]
    chatters: list[Chatter]
    likers: list[Liker]


class StoredSnapshot(TypedDict):
    """A creator's stream read at one instant from the store (Store.snapshot); the `snapshot` event is made
    of it (rooms.py)."""

    username: str
    seq: int
    metrics: Metrics
    recent: list[Event]
    leaderboards: Leaderboards | None  # None: none published yet
    series: list[SeriesPoint]  # in time order


class SignBudgetUse(TypedDict):
    """The sign budget as the store holds it (Store.sign_budget), for /debug."""

    used: list[int]  # starts within each window, in the order of the limits
    queued: list[str]  # creators waiting for a start, in order
    blockedUntil: float | None  # epoch seconds; None: not blocked
