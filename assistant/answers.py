"""The service's answers of the contract (docs/protocol.md, "Error codes"): a refusal, `{ok: false, error: {code,
message, ...}}`, and a store outage met during a client's request, answered `unavailable`."""

from contextlib import contextmanager

from .store import StoreUnavailable

UNAVAILABLE_RETRY_SECONDS = 3
UNAVAILABLE_MESSAGE = "The server cannot reach its shared store right now; try again in a few seconds"


class ServiceError(Exception):
    """An answer of the contract: `{ok: false, error: {code, message, ...}}`."""

    def __init__(self, code, message, **extra):
        super().__init__(message)
        self.error = {"code": code, "message": message, **extra}


@contextmanager
def answering_outages():
    """A store outage during a client's request becomes the `unavailable` answer."""
    try:
        yield
    except StoreUnavailable as ex:
        raise ServiceError("unavailable", UNAVAILABLE_MESSAGE, retryAfter=UNAVAILABLE_RETRY_SECONDS) from ex
