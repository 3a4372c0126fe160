"""`viewer {userId}`: the card of one viewer of the live a session watches, with their history over the creator's
recorded lives and the team's note (docs/protocol.md, "viewer"; docs/wall.md)."""

import logging

from .answers import ServiceError, answering_outages
from .records import RecordsUnavailable

log = logging.getLogger(__name__)

MAX_USER_ID_LENGTH = 64


class ViewerCards:
    def __init__(self, store, records):
        self._store = store
        self._records = records  # None: recording is off

    def answer(self, record, payload):
        """The ack for the session `record` asking `payload`."""
        user_id = payload.get("userId") if isinstance(payload, dict) else None
        if not isinstance(user_id, str) or not user_id or len(user_id) > MAX_USER_ID_LENGTH:
            raise ServiceError("bad_request", f"viewer takes {{userId: string of 1 to {MAX_USER_ID_LENGTH}}}")
        if not record.username:
            raise ServiceError("bad_request", "Watch a creator first")
        with answering_outages():
            card = self._store.viewer(record.username, user_id)
        if card is None:
            raise ServiceError("not_found", "That viewer has done nothing in this live yet")
        return {"ok": True, "viewer": {**card, **self._regular(record.username, user_id, card)}}

    def _regular(self, username, user_id, card):
        """The card's `history` over the creator's recorded lives and the team's `note`: both null with recording
        off, or while the records database fails (the card itself does not need it)."""
        if self._records is None:
            return {"history": None, "note": None}
        try:
            return self._records.viewer_regular(username, user_id, card)
        except RecordsUnavailable as ex:
            log.warning("Viewer card of @%s: no history or note, the records failed: %s", username, ex)
            return {"history": None, "note": None}
