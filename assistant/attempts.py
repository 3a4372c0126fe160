"""Failed attempts per client address, in a sliding window: the login form's rate limit.

In process memory, like the rest of a process's limits: with several processes each counts its own.
"""

import math
import time
from collections import OrderedDict, deque


class FailedAttempts:
    """At most `limit` failures per address in any `window` seconds; past that, the address waits.

    Addresses are kept in the order of their last failure, and past `max_addresses` the stalest is
    forgotten: a flood of addresses costs bounded memory (it can only make the limiter forget, and
    an attacker with that many addresses gets around a per-address limit anyway).
    """

    def __init__(self, limit, window, max_addresses=10_000, clock=time.monotonic):
        self.limit = limit
        self.window = window
        self.max_addresses = max_addresses
        self._clock = clock
        self._failures = OrderedDict()  # address -> times of its last `limit` failures, oldest first

    def retry_after(self, address):
        """Whole seconds until `address` may try again; 0 when it may try now."""
        failures = self._recent(address)
        if len(failures) < self.limit:
            return 0
        return max(1, math.ceil(failures[0] + self.window - self._clock()))

    def record_failure(self, address):
        failures = self._recent(address)
        failures.append(self._clock())
        self._failures[address] = failures
        self._failures.move_to_end(address)
        while len(self._failures) > self.max_addresses:
            self._failures.popitem(last=False)

    def forget(self, address):
        """After a success: the address starts afresh."""
        self._failures.pop(address, None)

    def _recent(self, address):
        """The address's failures still inside the window (older ones dropped)."""
        failures = self._failures.get(address)
        if failures is None:
            return deque(maxlen=self.limit)
        cutoff = self._clock() - self.window
        while failures and failures[0] <= cutoff:
            failures.popleft()
        if not failures:
            del self._failures[address]
        return failures
