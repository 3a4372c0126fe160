"""What a runner's connection side hands its drain loop, over the backlog (backlog.py): one type per kind.

The upstream reader puts each event (`EventReceived`, on the asyncio side); the connection supervisor
(supervisor.py) puts everything else, on the green side. The drain loop (runner.py) dispatches on the type;
anything but an event ends its current batch: the events before it are published first.
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..records import LiveRecord


@dataclass(frozen=True, slots=True)
class EventReceived:
    """A normalised event from TikTok (tiktok/stream.py). `message_id`: TikTok's id of the message it came
    from, by which the drain loop drops the chat TikTok replays again on a reconnect."""

    event: dict
    message_id: int | None


@dataclass(frozen=True, slots=True)
class StatusChanged:
    """The connection's status as the sessions see it: `connecting`, `reconnecting`, `ended`, `offline` or
    `error`; `error` ({code, message, retryAfter?}) with `offline` and `error`."""

    status: str
    error: dict | None = None


@dataclass(frozen=True, slots=True)
class SignQueued:
    """The next start waits for the sign budget (status `queued`): about `retry_after` seconds, with `ahead`
    creators before it."""

    retry_after: int
    ahead: int


@dataclass(frozen=True, slots=True)
class Connected:
    """The push socket is up, in TikTok's room `room_id` (every LIVE of a creator is a new room), whose owner
    (the creator) has the user id `owner_id` (None when TikTok's room info could not be read)."""

    room_id: str
    owner_id: str | None = None


@dataclass(frozen=True, slots=True)
class PreviousRecord:
    """The creator's newest record, read before the first connection attempt (recording.py `previous`): the
    live that a restart in the middle of it goes on with."""

    record: "LiveRecord"
