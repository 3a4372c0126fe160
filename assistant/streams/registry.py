"""StreamRegistry: this process's stream runners, and the leases in the store behind them."""

import logging

from eventlet.semaphore import Semaphore

from ..heap import release_freed_memory
from ..store import StoreUnavailable

log = logging.getLogger(__name__)

# A creator nobody runs is claimed at once by the least loaded process; by any watching process after this.
CLAIM_PATIENCE_SECONDS = 2.0


class StreamRegistry:
    """This process's runners: the creators whose lease it holds.

    `tick()` (every half second) keeps the leases, stops the runners nobody watches any more, and
    claims creators that have watchers but no runner anywhere: preferably on the process running the
    fewest runners, so that creators spread over the cluster; after CLAIM_PATIENCE_SECONDS on any
    process that sees them (the preferred one may have died: that is the failover).
    """

    def __init__(self, store, make_runner, heartbeat):
        """`heartbeat()` tells the store this process's load (the service's, which also acts on its answer)."""
        self._store = store
        self._make_runner = make_runner
        self._heartbeat = heartbeat
        self._runners = {}
        self._unowned_since = {}  # creator -> when this process first saw it without a runner
        # `watch` handlers and the tick both claim, and a claim waits on the store: one at a time, so that
        # each sees the runners the others started.
        self._claiming = Semaphore()
        self._closed = False  # shutting down: nothing more is claimed

    def runners(self):
        return list(self._runners.values())

    def tick(self, now):
        for username, runner in list(self._runners.items()):
            if self._store.stop_if_idle(username, now):
                log.info("Runner for @%s has no sessions; stopping", username)
                self._forget(username, unwatched=True)
            elif not self._store.renew_stream(username, runner.state_fields()):
                log.warning("Runner for @%s: another process holds the creator now; stopping here", username)
                self._forget(username)
        self.claim(now)

    def claim(self, now):
        """Start runners for the creators that have watchers and no runner, where this process should."""
        with self._claiming:
            if not self._closed:
                self._claim(now)

    def _claim(self, now):
        unowned = self._store.unowned_streams()
        self._unowned_since = {name: self._unowned_since.get(name, now) for name in unowned}
        if not unowned:
            return
        loads = self._store.process_loads()
        loads[self._store.instance] = len(self._runners)
        claimed_out_of_turn = False
        for username in unowned:
            preferred = min(loads, key=lambda instance: (loads[instance], instance)) == self._store.instance
            if not preferred:
                # Another process should take it; past the patience, take one per round (the preferred one
                # may be dead), never a burst of them: that would pile every new creator on one process.
                if claimed_out_of_turn or now - self._unowned_since[username] < CLAIM_PATIENCE_SECONDS:
                    continue
                claimed_out_of_turn = True
            state = self._store.claim_stream(username)
            if state is None:
                continue
            del self._unowned_since[username]
            runner = self._runners[username] = self._make_runner(username, state)
            loads[self._store.instance] += 1
            self._heartbeat()  # the others see this load at once, not a tick later
            runner.start()

    def restart_if_finished(self, username):
        """A new viewer of an ended (or failed) stream that runs here: try the creator again."""
        runner = self._runners.get(username)
        if runner is not None:
            runner.restart_if_finished()

    def _forget(self, username, unwatched=False):
        self._runners.pop(username).stop(unwatched)
        if not self._runners:
            release_freed_memory()

    def stop_all(self):
        """Shutdown: stop every runner and give its creator up to the other processes, state kept."""
        with self._claiming:  # a claim under way finishes first; none comes after
            self._closed = True
        while self._runners:  # popped one by one: a stop yields, and nothing else may find it meanwhile
            username, runner = self._runners.popitem()
            runner.stop()
            try:
                self._store.drop_lease(username)
            except StoreUnavailable:
                pass  # the lease lapses by itself
