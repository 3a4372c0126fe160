"""Configuration: the environment (and a `.env` file) with defaults.

Every setting can be overridden in tests by passing a mapping to `create_app`.
"""

import os
import secrets

from dotenv import load_dotenv

load_dotenv()


def _int(name, default):
    return int(os.environ.get(name) or default)


def _float(name, default):
    return float(os.environ.get(name) or default)


def _flag(name):
    return (os.environ.get(name) or "0").strip().lower() in ("1", "true", "yes", "on")


def _list(name):
    raw = os.environ.get(name) or ""
    return [item.strip() for item in raw.split(",") if item.strip()]


class Config:
    PORT = _int("PORT", 5000)
    HOST = os.environ.get("HOST") or "127.0.0.1"
    SECRET_KEY = os.environ.get("SECRET_KEY") or secrets.token_hex(32)
    SIGN_API_KEY = os.environ.get("SIGN_API_KEY")  # read by TikTokLive itself
    CLEANUP_GRACE_SECONDS = _float("CLEANUP_GRACE_SECONDS", 30)
    DEBUG_TOKEN = os.environ.get("DEBUG_TOKEN")
    ALLOWED_ORIGINS = _list("ALLOWED_ORIGINS")  # empty: same origin only
    MAX_SESSIONS = _int("MAX_SESSIONS", 1000)
    MAX_SESSIONS_PER_IP = _int("MAX_SESSIONS_PER_IP", 20)
    MAX_STREAMS = _int("MAX_STREAMS", 100)
    DEMO = _flag("DEMO")
    TIKTOK_SIMULATOR_URL = os.environ.get("TIKTOK_SIMULATOR_URL")
    REDIS_URL = os.environ.get("REDIS_URL")
    REDIS_CHANNEL = os.environ.get("REDIS_CHANNEL") or "live-assistant"  # the queue's channel, every key's prefix
    RUNNER_LEASE_SECONDS = _float("RUNNER_LEASE_SECONDS", 10)
    SIGN_BUDGET = None  # ((count, seconds), ...): parsed from SIGN_BUDGET (access branch brings the parser)
    STALL_SECONDS = _float("STALL_SECONDS", 60)  # cluster: a dead owner's creators wait this long

    # Tuning knobs below are not part of the documented contract but can be set the same way.
    RECENT_EVENTS = _int("RECENT_EVENTS", 500)
    MAX_CONNECTIONS = _int("MAX_CONNECTIONS", 1024)  # eventlet's wsgi `max_size`
    TRUSTED_PROXIES = _int("TRUSTED_PROXIES", 0)  # X-Forwarded-For hops to trust (1 on Heroku)
    WATCH_CALLS_PER_MINUTE = _int("WATCH_CALLS_PER_MINUTE", 20)
    MAX_MESSAGE_BYTES = _int("MAX_MESSAGE_BYTES", 16_384)
    GIFT_STREAK_TIMEOUT_SECONDS = _float("GIFT_STREAK_TIMEOUT_SECONDS", 10)
