"""The Socket.IO message queue of a cluster (REDIS_URL): python-socketio's Redis manager, with a listener
that comes back within a second after an outage and says so.

What a process emits for another process's sockets (a creator's `live`, `metrics` and `session` events, from
the process that runs the creator) travels on Redis's pub/sub, and reaches a process only while its listener
is subscribed; nothing is kept for it meanwhile. python-socketio's listener
(`RedisManager._redis_listen_with_retries`, 5.18) waits 1, 2, 4... up to 60 s between its tries after an
outage, and redis-py, left to its own retries, resubscribes without a word: either way a tab could stay
`connecting` for up to a minute while its creator was connected. Here the listener owns the retry: it tries
again after RESUBSCRIBE_WAITS, and once subscribed again it calls `on_resubscribed(delivered)`, `delivered`
being, per room, the `seq` of the last `live` event this process handed to that room's sockets, so that the
service can tell its sockets what they missed (LiveService.resubscribed).
"""

import logging
import time

import socketio
from redis.backoff import NoBackoff
from redis.retry import Retry

log = logging.getLogger(__name__)

RESUBSCRIBE_WAITS = (0.1, 0.25, 0.5, 1.0)  # seconds between tries after a loss; then every second
_TRACKED_ROOMS_PRUNED_AT = 1000  # past this many rooms remembered, those with no socket here are forgotten


class ResubscribingRedisManager(socketio.RedisManager):
    def __init__(self, url, channel, on_resubscribed=None):
        # No retry inside redis-py: a lost subscription reaches the listener below at once.
        super().__init__(url, channel=channel, redis_options={"retry": Retry(NoBackoff(), 0)})
        self.on_resubscribed = on_resubscribed
        self._delivered = {}  # room -> seq of the last `live` event emitted to it on this process

    def _handle_emit(self, message):
        """Every emit reaching this process's sockets, from here or from another process."""
        super()._handle_emit(message)
        if message.get("event") == "live" and message.get("room") is not None:
            self._remember_delivered(message["room"], message.get("namespace") or "/", message.get("data"))

    def _remember_delivered(self, room, namespace, data):
        payload = data[0] if isinstance(data, list) and data else None
        events = payload.get("events") if isinstance(payload, dict) else None
        if not events or not isinstance(events[-1], dict) or not isinstance(events[-1].get("seq"), int):
            return
        if len(self._delivered) >= _TRACKED_ROOMS_PRUNED_AT:
            here = self.rooms.get(namespace, {})
            self._delivered = {name: seq for name, seq in self._delivered.items() if here.get(name)}
        self._delivered[room] = events[-1]["seq"]  # the last, not the largest: a creator forgotten starts at 1

    def _redis_listen_with_retries(self):
        """What python-socketio's listener does, with short waits between tries, and a word once back."""
        failures = 0
        lost = False
        while True:
            pubsub = None
            try:
                self._redis_connect()
                pubsub = self.pubsub
                pubsub.subscribe(self.channel)
                # SUBSCRIBE's reply comes first: the subscription, or an error (raised here). Not before it is
                # in place may the service read what was missed: anything published after that read reaches us.
                pubsub.parse_response(block=True)
                if lost:
                    log.info("Listening to the other processes again (Socket.IO message queue)")
                    self._resubscribed()
                failures = 0
                lost = False
                yield from pubsub.listen()
                reason = "the subscription ended"
            except Exception as ex:
                reason = str(ex) or type(ex).__name__
            if not lost:
                log.warning("Lost the Socket.IO message queue (%s); trying again every second at most", reason)
            lost = True
            if pubsub is not None:
                self._close_quietly(pubsub)
            time.sleep(RESUBSCRIBE_WAITS[min(failures, len(RESUBSCRIBE_WAITS) - 1)])
            failures += 1

    def _resubscribed(self):
        if self.on_resubscribed is not None:
            self.on_resubscribed(dict(self._delivered))

    @staticmethod
    def _close_quietly(pubsub):
        try:
            pubsub.close()
        except Exception as ex:  # a connection already broken may fail to close: nothing to keep of it
            log.debug("Closing a lost pub/sub connection failed: %s", ex)
