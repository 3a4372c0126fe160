"""The arithmetic of the sign-server budget (docs/operations.md, "TikTok's limits"), shared by both stores.

The budget is a set of sliding windows, e.g. ((5, 60), (30, 3600), (100, 86400)): at most 5 connection
starts in any 60 s, 30 in any hour, 100 in any day. A start counts when it begins. Each window is
stretched by SAFETY_SECONDS, so that the sign server, which counts on arrival, never sees one too many.
Creators waiting for a start queue: reconnects of watched streams first (priority 0), then new creators
(priority 1), each in arrival order.
"""

import math

SAFETY_SECONDS = 1.0
RECONNECT, NEW_CREATOR = 0, 1
# A queued creator whose runner has not asked again for this long is gone (stopped, or its process died).
STALE_SECONDS = 15.0


def longest_window(limits):
    return max(seconds for _, seconds in limits) + SAFETY_SECONDS


def allows(starts, limits, now):
    """Whether one more start is within every window, given the times of the earlier `starts`."""
    return all(sum(1 for at in starts if at > now - seconds - SAFETY_SECONDS) < count for count, seconds in limits)


def wait_seconds(starts, limits, position, now, blocked_until=0.0):
    """Seconds until the creator `position` places from the head of the queue (0: the head) may start,
    if every start before it happens as soon as it may. `blocked_until`: the sign server said to wait."""
    wait = max(0.0, blocked_until - now)
    for count, seconds in limits:
        window = seconds + SAFETY_SECONDS
        recent = sorted(at for at in starts if at > now - window)
        needed = len(recent) - count + 1 + position  # starts of this window that must age out first
        if needed <= 0:
            continue
        if needed <= len(recent):
            wait = max(wait, recent[needed - 1] + window - now)
        else:  # beyond what is in the window now: whole windows more
            wait = max(wait, window * math.ceil(needed / count))
    return wait
