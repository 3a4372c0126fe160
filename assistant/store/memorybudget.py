"""The sign budget of MemoryStore (one process): the connection starts within its windows, the queue of the
creators waiting, the block the sign server asked for. The arithmetic is signbudget.py's, shared with Redis."""

from collections import deque

from . import signbudget


class MemorySignBudget:
    """A part of MemoryStore (store/base.py, "the sign-server budget")."""

    def _init_sign_budget(self):
        self._sign_starts = deque()  # times of the connection starts within the longest window
        self._sign_queue = {}  # creator -> [priority, arrival, last asked]
        self._sign_blocked_until = 0.0

    def take_sign_start(self, username, priority, limits, now):
        while self._sign_starts and self._sign_starts[0] <= now - signbudget.longest_window(limits):
            self._sign_starts.popleft()
        self._sign_queue.setdefault(username, [priority, now, now])[2] = now
        for name in [name for name, entry in self._sign_queue.items() if entry[2] < now - signbudget.STALE_SECONDS]:
            del self._sign_queue[name]
        position = self._queued_in_order().index(username)
        if position == 0 and now >= self._sign_blocked_until and signbudget.allows(self._sign_starts, limits, now):
            del self._sign_queue[username]
            self._sign_starts.append(now)
            return True, 0.0, 0
        wait = signbudget.wait_seconds(self._sign_starts, limits, position, now, self._sign_blocked_until)
        return False, wait, position

    def _queued_in_order(self):
        return sorted(self._sign_queue, key=lambda name: self._sign_queue[name][:2])

    def leave_sign_queue(self, username):
        self._sign_queue.pop(username, None)

    def block_sign_starts(self, until):
        self._sign_blocked_until = max(self._sign_blocked_until, until)

    def sign_budget(self, limits, now):
        used = [sum(1 for at in self._sign_starts if at > now - seconds - signbudget.SAFETY_SECONDS)
                for _, seconds in limits]
        blocked = self._sign_blocked_until if self._sign_blocked_until > now else None
        return {"used": used, "queued": self._queued_in_order(), "blockedUntil": blocked}
