"""The featured chat line: a dashboard user puts one of the creator's chat lines on stream (Socket.IO `feature
{messageId}` and `unfeature`, docs/protocol.md), and every overlay of that creator with the `featured` widget
shows it (docs/overlays.md), on every process of the server.

The line is kept in the store, which the cluster shares, for KEEP_SECONDS: the longest an overlay may show it
(its `featuredSeconds`). Each change goes to the creator's room as `featured`; a socket that joins the room
meanwhile (an overlay that OBS reloads, a tab that comes back) gets the current one with its age, so that it
shows the line for what is left of its own `featuredSeconds`, whatever its clock says.

What is shown is what TikTok sent, never what the client says: the line is looked up by its messageId among
the creator's recent events in the store, then in the live's record (on a busy live the last RECENT_EVENTS
events may be a few seconds, and a moderator clicks a line they read a minute ago). A line TikTok deleted
(`chatDeleted`) is refused.
"""

import logging
import time

from .answers import ServiceError
from .records import RecordsUnavailable
from .sessions import WatchRateLimit

log = logging.getLogger(__name__)

KEEP_SECONDS = 120  # the store's keep, and the longest `featuredSeconds` an overlay may ask for
FEATURE_CALLS_PER_MINUTE = 30  # per session, counted per process
MAX_MESSAGE_ID_LENGTH = 32  # the records' column (records/schema.py, MESSAGE_ID_CHARS)


def featured_payload(username, stored, now_ms=None):
    """The `featured` event of a creator from what the store holds (None: nothing featured now)."""
    if stored is None:
        return {"username": username, "event": None}
    now_ms = int(time.time() * 1000) if now_ms is None else now_ms
    at = stored["at"]
    return {"username": username, "event": stored["event"], "at": at, "until": at + KEEP_SECONDS * 1000,
            "age": max(0, now_ms - at)}


def _message_id(payload, required):
    message_id = payload.get("messageId") if isinstance(payload, dict) else None
    if message_id is None and not required and (payload is None or isinstance(payload, dict)):
        return None
    if not isinstance(message_id, str) or not 0 < len(message_id) <= MAX_MESSAGE_ID_LENGTH:
        shape = "{messageId: string}" if required else "{} or {messageId: string}"
        raise ServiceError("bad_request", f"{'feature' if required else 'unfeature'} takes {shape} "
                                            f"(a chat line's messageId, 1 to {MAX_MESSAGE_ID_LENGTH} characters)")
    return message_id


def _deleted(line, later_events):
    """Whether a chatDeleted among `later_events` names `line`'s messageId (as the pages read it: livestate.js)."""
    return any(event.get("type") == "chatDeleted" and line.get("messageId") in (event.get("messageIds") or ())
               for event in later_events)


class FeaturedLines:
    """One per process (LiveService.featured). `tell_watchers(username, event, payload)` emits to a creator's
    room on every process; `records` is None with records off (then only the recent events are searched)."""

    def __init__(self, store, records, tell_watchers):
        self._store = store
        self._records = records
        self._tell_watchers = tell_watchers
        self._limit = WatchRateLimit(FEATURE_CALLS_PER_MINUTE)

    def feature(self, session_id, username, payload):
        """`feature {messageId}` from a session watching `username`: the ack's fields."""
        message_id = _message_id(payload, required=True)
        if not self._limit.allow(session_id):
            retry_after = self._limit.retry_after(session_id)
            raise ServiceError("rate_limited", f"Too many lines featured; try again in {retry_after} s",
                                 retryAfter=retry_after)
        line = self._find(username, message_id)
        stored = {"event": line, "at": int(time.time() * 1000)}
        self._store.set_featured(username, stored, KEEP_SECONDS)
        featured = featured_payload(username, stored, stored["at"])
        self._tell_watchers(username, "featured", featured)
        log.info("Session %s featured a chat line of @%s", session_id, username)
        return {"featured": featured}

    def unfeature(self, session_id, username, payload):
        """`unfeature` (or `unfeature {messageId}`: only if that line is the one featured now)."""
        message_id = _message_id(payload, required=False)
        if message_id is not None:
            current = self._store.featured(username)
            if current is None or current["event"].get("messageId") != message_id:
                return {"unfeatured": False}
        if not self._store.clear_featured(username):
            return {"unfeatured": False}
        self._tell_watchers(username, "featured", featured_payload(username, None))
        log.info("Session %s stopped featuring @%s's line", session_id, username)
        return {"unfeatured": True}

    def forget(self, session_id):
        """The session is gone: its count of calls too."""
        self._limit.forget(session_id)

    def _find(self, username, message_id):
        """The chat event with that messageId: among the recent events, else in the live's record."""
        recent = self._store.snapshot(username)["recent"]
        for index in range(len(recent) - 1, -1, -1):
            event = recent[index]
            if event.get("type") == "chat" and event.get("messageId") == message_id:
                if _deleted(event, recent[index + 1:]):
                    raise ServiceError("not_found", "TikTok deleted that chat line")
                return event
        found = self._recorded(username, message_id)
        if found is None:
            raise ServiceError("not_found", "No chat line with that messageId in this live")
        event, deleted = found
        if deleted:
            raise ServiceError("not_found", "TikTok deleted that chat line")
        return event

    def _recorded(self, username, message_id):
        if self._records is None:
            return None
        try:
            return self._records.chat_line(username, message_id)
        except RecordsUnavailable as ex:
            log.warning("Could not look for a chat line to feature in the records: %s", ex)
            return None
