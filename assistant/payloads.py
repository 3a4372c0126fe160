"""The shapes of the contract's objects that pass between the parts of the server, as TypedDicts for type hints
(docs/protocol.md): an event and its viewer, a per-minute point, a viewer card, the leaderboards, and what the
store hands out of a creator's stream. Plain dicts at run time: nothing here checks or converts anything.

`Event` names every field of every type; tests/test_event_types.py checks it against the one list of types
(assistant/events.py). Like events.py, this module imports nothing from the app.
"""

from typing import NotRequired, TypedDict

# The metrics object (metrics.py): its totals by name (`totalComments`...), and `battles` ({won, lost, drawn});
# empty while nothing is counted.
Metrics = dict[str, int | dict[str, int]]


class User(TypedDict):
    """The viewer of an event: `user` (docs/protocol.md, "The event object")."""

    userId: str  # TikTok's numeric id, as a string
    uniqueId: str
    nickname: str
    avatarUrl: str


class BattleSupporter(TypedDict):
    user: User  # TikTok names a supporter by id, nickname and picture: uniqueId is empty
    score: int


class BattleTeam(TypedDict):
    """One side of a PK battle: its host, its score (None when TikTok masks it), its top supporters."""

    host: User
    score: int | None
    top: list[BattleSupporter]


class BattleResult(TypedDict):
    winner: str | None  # the winning host's userId; None: a draw


class PollOption(TypedDict):
    text: str
    votes: int


class GoalTarget(TypedDict):
    kind: str  # "gift", or TikTok's number of the sub-goal's type
    target: int
    progress: int


class Emote(TypedDict):
    emoteId: str
    imageUrl: str


class PinnedChat(TypedDict):
    """The chat event a `pin` names (no `seq`: it is not an event of the stream)."""

    type: str
    ts: int
    user: User | None
    comment: str
    messageId: str


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
    messageId: NotRequired[str]  # and pin
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
    # battle
    battleId: NotRequired[str]
    phase: NotRequired[str]  # and poll, goal
    endsAt: NotRequired[int | None]  # and poll
    teams: NotRequired[list[BattleTeam]]
    result: NotRequired[BattleResult | None]
    # poll
    pollId: NotRequired[str]
    title: NotRequired[str]
    options: NotRequired[list[PollOption]]
    # goal
    goalId: NotRequired[str]
    description: NotRequired[str]
    targets: NotRequired[list[GoalTarget]]
    # subscribe
    months: NotRequired[int | None]
    # superfan
    kind: NotRequired[str]
    # question
    questionId: NotRequired[str]
    text: NotRequired[str]  # and rank
    # envelope
    diamonds: NotRequired[int]
    people: NotRequired[int]
    opensAt: NotRequired[int | None]
    # emote
    emotes: NotRequired[list[Emote]]
    # pin
    chat: NotRequired[PinnedChat | None]
    # chatDeleted
    messageIds: NotRequired[list[str]]
    userIds: NotRequired[list[str]]
    # rank
    rankType: NotRequired[str]
    position: NotRequired[int | None]


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


class CardBattle(TypedDict):
    """A PK battle of the creator's where the viewer was among the creator's top supporters."""

    battleId: str
    score: int  # the viewer's points in it
    result: str  # how it went for the creator: won, lost or drawn


class ViewerCard(TypedDict):
    """One viewer of a live (insights/viewers.py; the `viewer` request's answer)."""

    user: User
    firstSeen: int  # epoch ms
    lastSeen: int
    totals: dict[str, int]  # comments, likes, gifts, diamonds, follows, shares, battlePoints, battlesSupported
    badges: list[str]  # "subscriber", "superfan"
    comments: list[CardComment]  # the last few, oldest first
    gifts: list[CardGift]
    battles: list[CardBattle]


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


class Supporter(TypedDict):
    user: User
    points: int  # over the live's battles
    battles: int  # how many of them


class Leaderboards(TypedDict):
    """The top viewers of a live in each board, highest first (insights/viewers.py)."""

    gifters: list[Gifter]
    chatters: list[Chatter]
    likers: list[Liker]
    supporters: list[Supporter]  # the creator's top supporters in PK battles


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
