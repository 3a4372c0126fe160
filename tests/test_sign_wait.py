"""The wait a sign server's 429 asks for (assistant/tiktok/ratelimit.py), read from its headers."""

import email.utils

import httpx
import pytest

from assistant.tiktok.ratelimit import DEFAULT_SECONDS, MAX_SECONDS, sign_wait

NOW = 1_800_000_000.0  # a Unix time in 2027


def wait(**headers):
    return sign_wait(httpx.Headers({name.replace("_", "-"): value for name, value in headers.items()}), NOW)


def test_remaining_is_the_requests_left_not_a_wait():
    assert wait(RateLimit_Remaining="0", RateLimit_Reset=str(int(NOW) + 45)) == 45
    assert wait(RateLimit_Remaining="30") == DEFAULT_SECONDS


@pytest.mark.parametrize(("headers", "seconds"), [
    ({"Retry_After": "7"}, 7),
    ({"Retry_After": "7.2"}, 8),  # rounded up: a client that waits that long is let in
    ({"Retry_After": "0"}, 1),  # never at once
    ({"Retry_After": email.utils.formatdate(NOW + 120, usegmt=True)}, 120),
    ({"Retry_After": email.utils.formatdate(NOW - 120, usegmt=True)}, 1),  # a date gone by
    ({"RateLimit_Reset": str(int(NOW) + 300)}, 300),  # a Unix time, as TikTokLive documents it
    ({"RateLimit_Reset": "45"}, 45),  # seconds, as the RateLimit header fields draft has it
    ({"RateLimit_Reset": str(int(NOW) - 5)}, 1),
    ({"Retry_After": "12", "RateLimit_Reset": str(int(NOW) + 300)}, 12),  # Retry-After first
    ({"Retry_After": "soon", "RateLimit_Reset": "30"}, 30),  # an unreadable one is passed over
    ({"RateLimit_Reset": str(int(NOW) + 10 * 86400)}, MAX_SECONDS),  # past a day: a bad header, capped
    ({"Retry_After": "-3"}, DEFAULT_SECONDS),
    ({"Retry_After": "nan", "RateLimit_Reset": "inf"}, DEFAULT_SECONDS),
    ({}, DEFAULT_SECONDS),
])
def test_the_wait_comes_from_retry_after_then_the_reset_then_a_minute(headers, seconds):
    assert wait(**headers) == seconds


def test_a_date_without_a_zone_is_not_read():
    assert wait(Retry_After="Wed, 15 Jan 2027 08:00:00 -0000") == DEFAULT_SECONDS
