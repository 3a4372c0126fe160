"""The contract's event types, one list: every `type` an event object may have (docs/protocol.md, "The
event object"), in the contract's order, with what the rest of the app needs to know about each.

Read by: the counting (metrics.py `metric`, insights/series.py `series_field`, insights/viewers.py
`viewer_total` and `viewer_badge`), a runner's backlog (streams/backlog.py `sheddable`), the records' `?types=`
and the report's type filter (reports/args.py, reports/pages.py), the CSV export's columns (reports/exports.py
`csv_columns`), and the dashboard, which gets `for_browser()` rendered into its page (templates/index.html,
read by static/js/eventtypes.js for feeds.js and rows.js).
Every type is recorded and exported: the records keep every event that gets a `seq`.

Adding a type (docs/events.md lists the same): one EventType below, in EVENT_TYPES; its normaliser, from
the TikTok message it comes from (assistant/tiktok/normalise.py NORMALISERS, and tiktok/schema.py for the
fields read), and from TikTokLive's event for the decode check (tiktok/reference.py NORMALISERS); the
simulator's way to send it (assistant/simulator: validation.py, model.py, protocol.py); its row, when it has a
feed (static/js/rows.js; an activity row needs only its `verb`); its fields in payloads.Event (the type
hints); its line in docs/protocol.md. tests/test_event_types.py fails until each of these is there.

This module imports nothing from the app: any module may import it.
"""

import copy
from dataclasses import dataclass

# The dashboard's feeds (static/js/feeds.js): where an event's row goes.
FEEDS = ("chat", "gifts", "activity")


@dataclass(frozen=True)
class Field:
    """A field of one type, beside those every event has (`seq`, `type`, `ts`, `user`, `history`), as
    docs/protocol.md names it: its JSON type, what it means, and an example (the type's sample is made of
    the examples)."""

    name: str
    kind: str  # the JSON type: "string", "integer", "boolean", "object" or "array" (payloads.Event: the shape)
    meaning: str
    example: object
    optional: bool = False  # only on some events of the type (left out of the sample)
    nullable: bool = False  # may be null (the meaning says when); the example may be null then


@dataclass(frozen=True)
class EventType:
    """One type. The counting fields say what ONE event of the type adds one to, when it is not chat
    TikTok replayed (`history`, never counted); gifts, likes and viewer counts have rules of their own
    (metrics.py), so they name none of those, except the viewer card's likes (a like adds its batch)."""

    name: str
    fields: tuple[Field, ...] = ()
    has_user: bool = True  # carries `user` (null when TikTok sent none); absent otherwise
    metric: str | None = None  # the metrics object's total it adds one to
    series_field: str | None = None  # the per-minute point's count it adds one to
    viewer_total: str | None = None  # the viewer card's total it adds to
    viewer_badge: str | None = None  # the badge it gives the viewer's card (insights/viewers.py)
    feed: str | None = None  # the dashboard's feed that shows it (FEEDS); None: the cards only
    verb: str | None = None  # in the activity feed: what the viewer did, shown after their name
    csv_columns: tuple[str, ...] = ()  # its own CSV columns (reports/exports.py fills them)
    # Under overload (a runner's backlog past SHED_BACKLOG, streams/backlog.py), folded into counts instead of
    # sent: its totals stay exact, but it gets no row and no `seq`. Only joins and likes: the most frequent by
    # far, and the least worth a row of their own (their totals say what matters); chat, gifts, follows, shares
    # and the end never are (docs/architecture.md, "An event's path"). The backlog has a fold for each.
    sheddable: bool = False

    def sample(self, seq=1, ts=1795753444091):
        """A minimal event of this type, as the server sends it: its fields' examples, no optional one."""
        event = {"seq": seq, "type": self.name, "ts": ts}
        if self.has_user:
            event["user"] = dict(SAMPLE_USER)
        # A copy: the examples of objects and arrays are shared, and a test may change its sample.
        event.update((field.name, copy.deepcopy(field.example)) for field in self.fields if not field.optional)
        return event


SAMPLE_USER = {"userId": "42", "uniqueId": "viewer42", "nickname": "Viewer 42", "avatarUrl": ""}
# Other users in the samples: a battle's opponent and the creator (a room's owner), a top supporter (whom TikTok
# names by id, nickname and picture only).
_OPPONENT = {"userId": "43", "uniqueId": "rival43", "nickname": "Rival 43", "avatarUrl": ""}
_CREATOR = {"userId": "44", "uniqueId": "creator44", "nickname": "Creator 44", "avatarUrl": ""}
_SUPPORTER = {**SAMPLE_USER, "uniqueId": ""}
# TikTok's ids are 64-bit integers; the contract carries them as decimal strings (as `userId`).

EVENT_TYPES = (
    EventType(
        "chat",
        fields=(
            Field("comment", "string", "what the viewer wrote", "hello"),
            Field("messageId", "string", "TikTok's id of the message (its msg_id), which `pin` and `chatDeleted` "
                  "name", "7301000000000000001"),
        ),
        metric="totalComments", series_field="comments", viewer_total="comments",
        feed="chat", csv_columns=("comment", "messageId"),
    ),
    EventType(
        "gift",
        fields=(
            Field("giftId", "integer", "TikTok's id of the gift", 5655),
            Field("giftName", "string", "the gift's name", "Rose"),
            Field("diamondCount", "integer", "its value in diamonds, per unit", 1),
            Field("repeatCount", "integer", "units sent (at least 1): so far while a streak runs, then its final count",
                  3),
            Field("streaking", "boolean", "true while a streak runs; false at its end, and on a gift that does not "
                  "streak", False),
            Field("giftType", "integer", "TikTok's gift type; 1 is a gift that streaks", 1),
            Field("imageUrl", "string", "the gift's picture, or empty", ""),
            Field("timedOut", "boolean", "true on a streak's end the server sent itself: TikTok's never came",
                  True, optional=True),
        ),
        feed="gifts", csv_columns=("giftName", "repeatCount", "diamonds", "streaking"),
    ),
    EventType(
        "like",
        fields=(
            Field("count", "integer", "this viewer's batch of likes", 5),
            Field("totalLikes", "integer", "the room's total so far, as TikTok reports it", 1205),
        ),
        viewer_total="likes", csv_columns=("count",), sheddable=True,
    ),
    EventType("follow", metric="totalFollows", series_field="follows", viewer_total="follows",
              feed="activity", verb="followed"),
    EventType("share", metric="totalShares", series_field="shares", viewer_total="shares",
              feed="activity", verb="shared the LIVE"),
    EventType("join", metric="totalJoins", series_field="joins", feed="activity", verb="joined", sheddable=True),
    EventType(
        "viewers",
        fields=(Field("viewerCount", "integer", "viewers in the room now", 77),),
        has_user=False, csv_columns=("viewerCount",),
    ),
    EventType(
        "end",
        fields=(Field("reason", "string", "`ended`, or `suspended` (TikTok ended the LIVE)", "ended"),),
        has_user=False, feed="activity",
    ),
    # --- the events a streamer sees beside those (docs/protocol.md, "The event object"); the meanings are
    # TikTokLive's classes' and its TikTokLiveProto schema's (assistant/tiktok/normalise.py names each source).
    EventType(
        "battle",
        fields=(
            Field("battleId", "string", "TikTok's id of the PK battle", "7302000000000000001"),
            Field("phase", "string", "`started`, `scores` (the scores changed) or `ended`", "ended"),
            Field("endsAt", "integer", "when the battle's time runs out, epoch ms; null when TikTok did not say",
                  1795753744091, nullable=True),
            Field("teams", "array", "one per side: `{host, score, top}`: the host (a user), the side's score (null "
                  "when TikTok masks it), its top supporters `[{user, score}]`, highest first",
                  [{"host": _CREATOR, "score": 1500, "top": [{"user": _SUPPORTER, "score": 1000}]},
                   {"host": _OPPONENT, "score": None, "top": []}]),
            Field("result", "object", "`{winner}` once the battle ended: the winning host's userId, or null on a "
                  "draw; null before the end", {"winner": "44"}, nullable=True),
        ),
        # host, score, opponent, opponentScore, winner: made from `teams` and `result` (reports/exports.py)
        has_user=False, csv_columns=("battleId", "phase", "host", "score", "opponent", "opponentScore", "winner"),
    ),
    EventType(
        "poll",
        fields=(
            Field("pollId", "string", "TikTok's id of the poll", "7303000000000000001"),
            Field("phase", "string", "`started`, `votes` (the votes changed) or `ended`", "started"),
            Field("title", "string", "the question asked", "Next song?"),
            Field("options", "array", "the choices, in order: `[{text, votes}]`",
                  [{"text": "Rock", "votes": 0}, {"text": "Jazz", "votes": 0}]),
            Field("endsAt", "integer", "when the poll closes, epoch ms; null when TikTok did not say", 1795753744091,
                  nullable=True),
        ),
        has_user=False, csv_columns=("pollId", "phase", "title"),
    ),
    EventType(
        "goal",
        fields=(
            Field("goalId", "string", "TikTok's id of the creator's LIVE goal", "7304000000000000001"),
            Field("phase", "string", "`set`, `progress`, `reached` or `removed`", "progress"),
            Field("description", "string", "the goal as the creator wrote it", "Road to 1000"),
            Field("targets", "array", "its sub-goals: `[{kind, target, progress}]` (`kind`: `gift`, `likes`, "
                  "`followers`... or TikTok's number)", [{"kind": "gift", "target": 1000, "progress": 250}]),
        ),
        has_user=False, csv_columns=("goalId", "phase", "description"),
    ),
    EventType(
        "subscribe",
        fields=(Field("months", "integer", "how many months the viewer has subscribed; null when TikTok did not say",
                      1, nullable=True),),
        metric="totalSubscribes", viewer_badge="subscriber", feed="activity", verb="subscribed",
        csv_columns=("months",),
    ),
    EventType(
        "superfan",
        fields=(Field("kind", "string", "`became` (the viewer became a super fan), `joined` (a super fan joined the "
                      "LIVE) or `box` (a super fan box was sent)", "became"),),
        viewer_badge="superfan", feed="activity", verb="is a super fan", csv_columns=("kind",),
    ),
    EventType(
        "question",
        fields=(
            Field("questionId", "string", "TikTok's id of the question (its Q&A)", "7305000000000000001"),
            Field("text", "string", "the question, as the viewer wrote it", "When is the next LIVE?"),
        ),
        csv_columns=("questionId", "text"),
    ),
    EventType(
        "envelope",
        fields=(
            Field("diamonds", "integer", "the treasure chest's diamonds", 100),
            Field("people", "integer", "how many viewers may open it", 10),
            Field("opensAt", "integer", "when it can be opened, epoch ms; null when TikTok did not say",
                  1795753504000, nullable=True),
        ),
        feed="gifts", csv_columns=("diamonds", "people", "opensAt"),
    ),
    EventType(
        "emote",
        fields=(Field("emotes", "array", "the stickers sent in chat: `[{emoteId, imageUrl}]`",
                      [{"emoteId": "7306000000000000001", "imageUrl": ""}]),),
        feed="chat",
    ),
    EventType(
        "pin",
        fields=(
            Field("messageId", "string", "the `messageId` of the chat message pinned or unpinned",
                  "7301000000000000001"),
            Field("chat", "object", "the pinned chat event (`type`, `ts`, `user`, `comment`, `messageId`); null: "
                  "unpinned", {"type": "chat", "ts": 1795753440000, "user": SAMPLE_USER, "comment": "hello",
                               "messageId": "7301000000000000001"}, nullable=True),
        ),
        has_user=False, csv_columns=("messageId",),
    ),
    EventType(
        "chatDeleted",
        fields=(
            Field("messageIds", "array", "the `messageId`s of the chat TikTok removed (moderation)",
                  ["7301000000000000001"]),
            Field("userIds", "array", "the viewers whose lines TikTok removed (`userId`s)", ["42"]),
        ),
        has_user=False,
    ),
    EventType("pause", has_user=False),
    EventType("resume", has_user=False),
    EventType(
        "rank",
        fields=(
            Field("rankType", "string", "the ranking: `hourly`, `weekly`, `daily`... (TikTok's name for it)",
                  "hourly"),
            Field("position", "integer", "the creator's place in it; null when not ranked", 12, nullable=True),
            Field("text", "string", "the ranking's line, as TikTok shows it", "No. 12 in the hourly ranking"),
        ),
        has_user=False, csv_columns=("rankType", "position", "text"),
    ),
)

BY_NAME = {kind.name: kind for kind in EVENT_TYPES}
NAMES = tuple(BY_NAME)
# The types' own CSV columns, in the contract's order, each once.
CSV_COLUMNS = tuple(dict.fromkeys(column for kind in EVENT_TYPES for column in kind.csv_columns))


def for_browser():
    """What the dashboard's scripts need of each type (static/js/eventtypes.js), in the contract's order."""
    return [{"type": kind.name, "feed": kind.feed, "verb": kind.verb} for kind in EVENT_TYPES]
