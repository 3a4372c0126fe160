"""When a failed delivery is tried again: 1 s after the first try, doubling, at most MAX_BACKOFF_SECONDS
between two tries, until DEADLINE_SECONDS after the delivery was made, then it is dead.

The limits are a `RetryPolicy` so that a test can shorten them; the defaults are the documented ones.
"""

from dataclasses import dataclass

FIRST_DELAY_SECONDS = 1.0
MAX_BACKOFF_SECONDS = 600.0  # 10 minutes
DEADLINE_SECONDS = 24 * 3600.0


@dataclass(frozen=True)
class RetryPolicy:
    max_backoff: float = MAX_BACKOFF_SECONDS
    deadline: float = DEADLINE_SECONDS

    def delay(self, tries):
        """Seconds to wait after the `tries`-th failed try (1, 2, 4 ... max_backoff)."""
        return min(FIRST_DELAY_SECONDS * 2 ** min(tries - 1, 32), self.max_backoff)

    def next_try(self, tries, created_at, now):
        """When to try again after the `tries`-th failure at `now` (epoch seconds), or None: dead. The last try
        is at the deadline itself, however long the wait before it would have been."""
        give_up_at = created_at + self.deadline
        if now >= give_up_at:
            return None
        return min(now + self.delay(tries), give_up_at)
