"""The shared store (see base.py): in process memory, or in Redis when REDIS_URL is set."""

import os
import secrets
import socket

from .base import SessionLimitError, SessionRecord, Store, StoreUnavailable, StreamLimitError, StreamState
from .memory import MemoryStore

__all__ = ["SessionLimitError", "SessionRecord", "Store", "StoreUnavailable", "StreamLimitError",
           "StreamState", "make_store"]


def make_store(config):
    """The store for this process: `instance` is new at each start, `name` is `<host>:<pid>`."""
    instance = secrets.token_hex(6)
    name = f"{socket.gethostname()}:{os.getpid()}"
    if config["REDIS_URL"]:
        from .redis import RedisStore

        return RedisStore(config["REDIS_URL"], config["REDIS_CHANNEL"], instance, name,
                          recent_events=config["RECENT_EVENTS"], lease_seconds=config["RUNNER_LEASE_SECONDS"])
    return MemoryStore(instance, name, recent_events=config["RECENT_EVENTS"])
