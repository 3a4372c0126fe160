"""Configuration: the environment (and a `.env` file) with defaults, parsed and checked at start.

`Config()` reads every setting once. A value that does not parse, is out of range, or a required one
that is missing raises `SettingsError` with one line naming the variable and the form it takes:
`wsgi.py` (server.main) prints that line and exits, so an operator never reads a traceback to find a typo.
Every setting can be overridden in tests by passing a mapping to `create_app`.
"""

import math
import os
import re
import secrets
import zoneinfo
from urllib.parse import urlsplit

from dotenv import load_dotenv

load_dotenv()

DEFAULT_SIGN_BUDGET = "5/minute,30/hour,100/day"
_WINDOW_SECONDS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
_WINDOW_ABBREVIATIONS = {"s": "second", "m": "minute", "h": "hour", "d": "day"}
_BUDGET_ITEM = re.compile(r"([0-9]{1,9})\s*/\s*([a-z]+)")
_FLAG_ON = ("1", "true", "yes", "on")
MAX_ACCESS_SESSION_HOURS = 24 * 366  # a login lasts a year at most


class SettingsError(ValueError):
    """A setting that does not parse, a required one missing, or one the server cannot use at start (a port in
    use, a records database it cannot reach: records.RecordsDatabaseUnusable); the message is one line for the
    operator, and the server does not start."""


def _shown(raw):
    """The offending value as the error line quotes it: on one line (repr escapes newlines), and short."""
    return repr(raw if len(raw) <= 40 else raw[:40] + "…")


def _parsed(kind, raw):
    """`kind(raw)` (int or float), or None when it does not parse."""
    try:
        return kind(raw.strip())
    except ValueError:
        return None


def parse_sign_budget(raw):
    """`5/minute,30/hour,100/day` -> ((5, 60), (30, 3600), (100, 86400)); `none` -> None.

    Windows: second, minute, hour, day, their plurals, or s, m, h, d.
    """
    text = raw.strip().lower()
    if text == "none":
        return None
    budget = []
    for item in text.split(","):
        match = _BUDGET_ITEM.fullmatch(item.strip())
        window = match and _WINDOW_ABBREVIATIONS.get(match[2], match[2].removesuffix("s"))
        if not match or window not in _WINDOW_SECONDS or int(match[1]) < 1:
            raise SettingsError(f"SIGN_BUDGET must look like {DEFAULT_SIGN_BUDGET} or none, got {_shown(raw)}")
        budget.append((int(match[1]), _WINDOW_SECONDS[window]))
    return tuple(budget)


class _Environment:
    """Reads variables from a mapping; an empty value counts as unset (the default applies)."""

    def __init__(self, environ):
        self._environ = environ

    def text(self, name, default=None):
        return self._environ.get(name) or default

    def flag(self, name, default=False):
        raw = self.text(name)
        return default if raw is None else raw.strip().lower() in _FLAG_ON

    def list(self, name):
        return [item.strip() for item in (self.text(name) or "").split(",") if item.strip()]

    def url(self, name, schemes, example):
        """A URL with one of these schemes. Not quoted back in the error: it may hold a password."""
        raw = self.text(name)
        if raw is not None and (urlsplit(raw.strip()).scheme not in schemes or "://" not in raw):
            raise SettingsError(f"{name} must be a URL like {example} (schemes: {', '.join(schemes)})")
        return raw

    def whole(self, name, default, low=0, high=None):
        """An integer from `low` (to `high`, when given)."""
        raw = self.text(name)
        if raw is None:
            return default
        value = _parsed(int, raw)
        if value is None or value < low or (high is not None and value > high):
            form = f"from {low} to {high}" if high is not None else f"of {low} or more"
            raise SettingsError(f"{name} must be a whole number {form}, got {_shown(raw)}")
        return value

    def number(self, name, default, zero_allowed=False, high=None):
        """A finite number, decimals allowed: above 0 (or 0 and more), and up to `high` when given."""
        raw = self.text(name)
        if raw is None:
            return float(default)
        value = _parsed(float, raw)
        too_low = value is None or value < 0 or (value == 0 and not zero_allowed)
        if too_low or not math.isfinite(value) or (high is not None and value > high):
            form = "of 0 or more" if zero_allowed else "above 0"
            form += f" and at most {high}" if high is not None else ""
            raise SettingsError(f"{name} must be a number {form}, got {_shown(raw)}")
        return value


# A TikTok session id and data-centre name go into Cookie headers: letters, digits and "._-" only.
_COOKIE_VALUE = re.compile(r"[A-Za-z0-9._-]{1,256}")


def _tiktok_session(env):
    """(TIKTOK_SESSION_ID, TIKTOK_TARGET_IDC), a TikTok login's `sessionid` and `tt-target-idc` cookies, for
    age-restricted LIVEs (TikTokLive's `set_session`): both or neither. Secrets: no error quotes them."""
    session_id, target_idc = env.text("TIKTOK_SESSION_ID"), env.text("TIKTOK_TARGET_IDC")
    if (session_id is None) != (target_idc is None):
        raise SettingsError("TIKTOK_SESSION_ID and TIKTOK_TARGET_IDC go together (the sessionid and tt-target-idc "
                            "cookies of the same TikTok login): set both, or neither")
    for name, value in (("TIKTOK_SESSION_ID", session_id), ("TIKTOK_TARGET_IDC", target_idc)):
        if value is not None and not _COOKIE_VALUE.fullmatch(value):
            raise SettingsError(f"{name} must be the cookie's value as the browser shows it: letters, digits, "
                                "'.', '_' and '-' only, at most 256 (the value is not repeated here: it is a secret)")
    return session_id, target_idc


def _time_zone(name):
    """An IANA time zone name (`Europe/London`, `Asia/Jakarta`, `UTC`) the zone database knows, as given."""
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a folder of the database (`Europe`)
        raise SettingsError(f"WALL_TIMEZONE must be an IANA time zone name such as UTC, Europe/London or "
                            f"Asia/Jakarta, got {_shown(name)}") from None
    return name


class Config:
    """Every setting, as an upper-case attribute (what `app.config.from_object` reads).

    Parsed when built, not when imported: `create_app` builds it first, before anything is started.
    """

    def __init__(self, environ=os.environ):
        env = _Environment(environ)
        self.PORT = env.whole("PORT", 5000, low=1, high=65535)
        self.HOST = env.text("HOST", "127.0.0.1")
        self.SIGN_API_KEY = env.text("SIGN_API_KEY")  # read by TikTokLive itself
        self.TIKTOK_SESSION_ID, self.TIKTOK_TARGET_IDC = _tiktok_session(env)
        self.CLEANUP_GRACE_SECONDS = env.number("CLEANUP_GRACE_SECONDS", 30, zero_allowed=True)
        self.DEBUG_TOKEN = env.text("DEBUG_TOKEN")
        # Where the footer's "Source" link goes: a fork that publishes its changes elsewhere; unset: /source.
        self.SOURCE_URL = env.url("SOURCE_URL", ("http", "https"), "https://git.example.com/you/live-assistant")
        self.ALLOWED_ORIGINS = env.list("ALLOWED_ORIGINS")  # empty: same origin only
        self.MAX_SESSIONS = env.whole("MAX_SESSIONS", 1000, low=1)
        self.MAX_SESSIONS_PER_IP = env.whole("MAX_SESSIONS_PER_IP", 20, low=1)
        self.MAX_STREAMS = env.whole("MAX_STREAMS", 100, low=1)
        self.WALL_MAX_CREATORS = env.whole("WALL_MAX_CREATORS", 50, low=1, high=500)  # creators on one wall
        self.DEMO = env.flag("DEMO")
        self.TIKTOK_SIMULATOR_URL = env.url("TIKTOK_SIMULATOR_URL", ("http", "https"), "http://127.0.0.1:8100")
        self.REDIS_URL = env.url("REDIS_URL", ("redis", "rediss", "unix"), "redis://localhost:6379/0")
        self.REDIS_CHANNEL = env.text("REDIS_CHANNEL", "live-assistant")  # the Socket.IO queue's pub/sub channel
        self.RUNNER_LEASE_SECONDS = env.number("RUNNER_LEASE_SECONDS", 10)
        # DEMO starts a simulator per process: in a cluster a creator taken over by another process would
        # find another simulator, with other viewers and gifts. The processes must share one.
        if self.DEMO and self.REDIS_URL and not self.TIKTOK_SIMULATOR_URL:
            raise SettingsError("DEMO cannot be used with REDIS_URL (it would start a simulator in every process): "
                                "start one simulator (python -m assistant.simulator --port 8100) and set "
                                "TIKTOK_SIMULATOR_URL=http://127.0.0.1:8100 on every process instead of DEMO")

        # TikTok's sign server: a simulator has no budget to protect.
        simulated = self.DEMO or self.TIKTOK_SIMULATOR_URL
        self.SIGN_BUDGET = parse_sign_budget(env.text("SIGN_BUDGET", "none" if simulated else DEFAULT_SIGN_BUDGET))
        self.STALL_SECONDS = env.number("STALL_SECONDS", 60)
        # Captures (docs/captures.md): what TikTok sends each runner, to files in this folder; unset: off. The
        # folder is made and tried at start (create_app), since a path only shows it is unusable then.
        self.CAPTURE_DIR = env.text("CAPTURE_DIR")
        self.CAPTURE_MAX_MB = env.whole("CAPTURE_MAX_MB", 200, low=1)
        # The share of frames decoded again by TikTokLive's own decoder and compared (streams/decodecheck.py).
        self.DECODE_CHECK_RATE = env.number("DECODE_CHECK_RATE", 0.01, zero_allowed=True, high=1)

        # Records (assistant/records): unset DATABASE_URL means a SQLite file in the instance folder.
        self.DATABASE_URL = env.url("DATABASE_URL", ("sqlite", "postgres", "postgresql", "postgresql+psycopg"),
                                    "postgresql://user:password@host:5432/name")
        self.RECORD_STREAMS = env.flag("RECORD_STREAMS", default=True)
        self.RECORD_RETENTION_DAYS = env.whole("RECORD_RETENTION_DAYS", 30, low=1)
        self.RECORD_QUEUE_EVENTS = env.whole("RECORD_QUEUE_EVENTS", 50_000, low=100)  # events waiting for a write
        # Actions' webhooks may call loopback, private and link-local addresses (tests, a LAN); never metadata.
        self.WEBHOOK_ALLOW_PRIVATE = env.flag("WEBHOOK_ALLOW_PRIVATE")
        # The wall's months and days (assistant/wall/pace.py) are counted in this zone: an IANA name.
        self.WALL_TIMEZONE = _time_zone(env.text("WALL_TIMEZONE", "UTC").strip())

        # Access: with a password, a login (a cookie signed with SECRET_KEY) is needed; the key must then be
        # fixed, or every restart (and every other process) would turn away the cookies already given out.
        self.ACCESS_PASSWORD = env.text("ACCESS_PASSWORD")
        if self.ACCESS_PASSWORD is not None and not self.ACCESS_PASSWORD.strip():
            raise SettingsError("ACCESS_PASSWORD must be a password (not only spaces), or unset for open access")
        if self.ACCESS_PASSWORD and not env.text("SECRET_KEY"):
            raise SettingsError("SECRET_KEY is required when ACCESS_PASSWORD is set (a long random string)")
        self.SECRET_KEY = env.text("SECRET_KEY") or secrets.token_hex(32)
        self.ACCESS_SESSION_HOURS = env.number("ACCESS_SESSION_HOURS", 12, high=MAX_ACCESS_SESSION_HOURS)

        # Tuning knobs below are not part of the documented contract but can be set the same way.
        self.RECENT_EVENTS = env.whole("RECENT_EVENTS", 500)
        self.MAX_CONNECTIONS = env.whole("MAX_CONNECTIONS", 1024, low=1)  # eventlet's wsgi `max_size`
        self.TRUSTED_PROXIES = env.whole("TRUSTED_PROXIES", 0)  # X-Forwarded-For hops to trust (1 on Heroku)
        self.WATCH_CALLS_PER_MINUTE = env.whole("WATCH_CALLS_PER_MINUTE", 20, low=1)
        self.MAX_MESSAGE_BYTES = env.whole("MAX_MESSAGE_BYTES", 16_384, low=1)
        self.GIFT_STREAK_TIMEOUT_SECONDS = env.number("GIFT_STREAK_TIMEOUT_SECONDS", 10)
        self.VIEWER_CARDS = env.whole("VIEWER_CARDS", 5000, low=10)  # viewers kept per live (the most active)
