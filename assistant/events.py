"""The contract's event types, one list: every `type` an event object may have (docs/protocol.md, "The
event object"), in the contract's order, with what the rest of the app needs to know about each.

Read by: the counting (metrics.py `metric`, insights/series.py `series_field`, insights/viewers.py
`viewer_total`), a runner's backlog (streams/backlog.py `sheddable`), the records' `?types=` and the
report's type filter (reports/args.py, reports/pages.py), the CSV export's columns (reports/exports.py
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

from dataclasses import dataclass

# The dashboard's feeds (static/js/feeds.js): where an event's row goes.
FEEDS = ("chat", "gifts", "activity")


@dataclass(frozen=True)
class Field:
    """A field of one type, beside those every event has (`seq`, `type`, `ts`, `user`, `history`), as
    docs/protocol.md names it: its JSON type, what it means, and an example (the type's sample is made of
    the examples)."""

    name: str
    kind: str  # the JSON type: "string", "integer" or "boolean"
    meaning: str
    example: object
    optional: bool = False  # only on some events of the type (left out of the sample)


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
        event.update((field.name, field.example) for field in self.fields if not field.optional)
        return event


SAMPLE_USER = {"userId": "42", "uniqueId": "viewer42", "nickname": "Viewer 42", "avatarUrl": ""}

EVENT_TYPES = (
    EventType(
        "chat",
        fields=(Field("comment", "string", "what the viewer wrote", "hello"),),
        metric="totalComments", series_field="comments", viewer_total="comments",
        feed="chat", csv_columns=("comment",),
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
)

BY_NAME = {kind.name: kind for kind in EVENT_TYPES}
NAMES = tuple(BY_NAME)
# The types' own CSV columns, in the contract's order, each once.
CSV_COLUMNS = tuple(dict.fromkeys(column for kind in EVENT_TYPES for column in kind.csv_columns))


def for_browser():
    """What the dashboard's scripts need of each type (static/js/eventtypes.js), in the contract's order."""
    return [{"type": kind.name, "feed": kind.feed, "verb": kind.verb} for kind in EVENT_TYPES]
