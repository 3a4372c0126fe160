"""How long the sign server's 429 says to wait before the next sign request.

TikTokLive 7.0.1 reads the wait from `RateLimit-Remaining` (`SignatureRateLimitError.calculate_retry_after`,
TikTokLive/client/errors.py). Under the RateLimit header fields draft (draft-ietf-httpapi-ratelimit-headers)
that header is the number of requests *left* in the window: 0 on a 429, so TikTokLive's reading would try
again at once. The wait is read here, from the 429's own headers, in this order:
- `Retry-After` (RFC 9110, section 10.2.3): seconds, or an HTTP date;
- `RateLimit-Reset`: TikTokLive documents it as the Unix time when a request is taken again
  (`SignatureRateLimitError.reset_time`); the draft makes it the seconds until then. A value of a billion or
  more can only be the first (a billion seconds is 31 years), a smaller one is taken as the second;
- else a minute.
"""

import email.utils
import math

DEFAULT_SECONDS = 60
MIN_SECONDS = 1
MAX_SECONDS = 86400  # the sign server's longest window is a day: a farther reset is a bad header
_UNIX_TIME_FROM = 1_000_000_000


def sign_wait(headers, now):
    """Whole seconds to wait after a 429 with `headers` (a case-insensitive mapping), `now` a Unix time."""
    seconds = _retry_after(headers.get("Retry-After"), now)
    if seconds is None:
        seconds = _reset(headers.get("RateLimit-Reset"), now)
    if seconds is None:
        return DEFAULT_SECONDS
    return min(max(math.ceil(seconds), MIN_SECONDS), MAX_SECONDS)


def _number(value):
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) and number >= 0 else None


def _retry_after(value, now):
    if value is None:
        return None
    seconds = _number(value)
    if seconds is not None:
        return seconds
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # an HTTP date is always GMT (RFC 9110, section 5.6.7)
        return None
    return max(when.timestamp() - now, 0)


def _reset(value, now):
    number = _number(value)
    if number is None:
        return None
    return max(number - now, 0) if number >= _UNIX_TIME_FROM else number
