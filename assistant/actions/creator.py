"""CreatorActions: a runner's side of the actions, for one creator (its rules, its counters, the effects).

The runner hands it every batch it published (`published`) and, once per drain round, the live's like total
(`tick`); it evaluates the rules (evaluator.py) and does what they say:
- `overlay` and `tts`: the Socket.IO event `action` to the creator's room (the overlay widget `actions` shows and
  speaks it; docs/protocol.md, "action");
- `counter`: the named counter changes at once here (its `counter` event goes to the room), and the change is
  written to the database by the process's writer (an increment, so a reset from the page is never undone);
- `webhook`: a delivery queued (webhooks/): the dispatcher writes and sends it, never this thread.
Nothing here blocks the drain loop: the rules are read from the database in a green thread of their own, when
the creator's rules version in the store moves (a change made on any process) and once at start.
"""

import logging
import time

import eventlet

from ..store import StoreUnavailable
from .evaluator import CreatorRules

log = logging.getLogger(__name__)

REFRESH_SECONDS = 1.0  # how often a runner asks the store whether its creator's rules changed


class CreatorActions:
    def __init__(self, actions, username, emit, room, chatters=None):
        self._actions = actions  # the process's Actions (__init__.py)
        self.username = username
        self._emit = emit
        self._room = room
        self._chatters = chatters or (lambda: ())  # -> userIds who chatted this live (the viewer cards)
        self.rules = CreatorRules([])
        self.counters = {}
        self._likes = 0
        self._version = None  # the store's rules version loaded
        self._checked_at = 0.0
        self._loading = None

    def start(self, likes):
        """The runner starts, the live's like total at `likes`: read the rules (in a green thread of its own)."""
        self._likes = likes
        self._loading = eventlet.spawn(self.reload)

    def stop(self):
        """The runner stopped: its rules are no longer evaluated here."""
        if self._loading is not None:
            self._loading.kill()
        self._actions.forget(self)

    def reload(self):
        """Read the creator's enabled rules and counters again (blocks the calling green thread only)."""
        try:
            version = self._actions.store.rules_version(self.username)
            rules, counters = self._actions.load(self.username)
        except Exception as ex:  # the database or the store failing costs the rules a round, never the stream
            log.warning("Actions for @%s: the rules could not be read: %s", self.username, ex)
            return
        fresh = CreatorRules(rules, self._chatters(), self._likes)
        fresh.carry_over(self.rules)
        self.rules, self.counters, self._version = fresh, counters, version

    # -- from the runner's drain loop -------------------------------------------------------------

    def published(self, events):
        """A batch the runner published (numbered, counted, in the store)."""
        if self.rules:
            for firing in self.rules.evaluate(events):
                self._run(firing)

    def tick(self, likes):
        """Once per drain round: like milestones passed, and whether the rules changed."""
        self._likes = likes
        if self.rules:
            for firing in self.rules.likes_passed(likes):
                self._run(firing)
        now = time.monotonic()
        if now - self._checked_at >= REFRESH_SECONDS:
            self._checked_at = now
            self._refresh_if_changed()

    def rebase(self, likes):
        """The live's counts were replaced (restored from a record, or a new live at zero)."""
        self._likes = likes
        self.rules.rebase(likes, self._chatters())

    def _refresh_if_changed(self):
        try:
            version = self._actions.store.rules_version(self.username)
        except StoreUnavailable:
            return  # the runner logs the store's outage
        if version != self._version and (self._loading is None or self._loading.dead):
            self._loading = eventlet.spawn(self.reload)

    # -- the effects ----------------------------------------------------------------------------------

    def _run(self, firing):
        self._actions.perform(firing, self._emit_to_room, self.counters, self._count)

    def _count(self, name, add):
        value = self.counters.get(name, 0) + add
        self.counters[name] = value
        self._actions.add_to_counter(self.username, name, add)
        self._emit_to_room("counter", {"username": self.username, "name": name, "value": value})

    def _emit_to_room(self, event, payload):
        self._emit(event, payload, self._room)


class _NoActions:
    """The runner's actions when records are off (no rules): every call does nothing."""

    def start(self, likes):
        pass

    def stop(self):
        pass

    def published(self, events):
        pass

    def tick(self, likes):
        pass

    def rebase(self, likes):
        pass


NO_ACTIONS = _NoActions()
