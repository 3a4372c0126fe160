"""The server's log: one line per event of note, no URL query strings, never a secret.

TikTok's URLs carry long query strings (device parameters, and the sign server's API key when one is
set), and exception messages repeat them. Every formatted line, tracebacks included, is cut down
before it is written: query strings go, and any configured secret's value is masked.
"""

import logging
import re
import sys

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_QUERY = re.compile(r"((?:https?|wss?)://[^\s?#\"'<>]*)\?[^\s\"'<>]*", re.IGNORECASE)
_MASK = "[secret]"
# Libraries that log every request (with its whole URL) at INFO: their warnings are still wanted.
_CHATTY = ("httpx", "httpcore", "websockets", "engineio.server", "socketio.server")


class RedactingFormatter(logging.Formatter):
    def __init__(self, secrets, fmt=FORMAT):
        super().__init__(fmt)
        # Longest first, so that a secret containing another is masked whole.
        self._secrets = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)

    def format(self, record):
        return self.redact(super().format(record))

    def redact(self, text):
        text = _QUERY.sub(r"\1?…", text)
        for secret in self._secrets:
            text = text.replace(secret, _MASK)
        return text


def configure_logging(secrets=()):
    """Log INFO and above to stderr, redacted; quiet the per-request loggers of HTTP libraries."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(RedactingFormatter(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    for name in _CHATTY:
        logger = logging.getLogger(name)
        logger.setLevel(logging.WARNING)
        # python-socketio gives its logger a handler of its own: each line would come twice, once unredacted.
        logger.handlers.clear()
