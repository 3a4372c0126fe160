"""The app in the test's own process, for the fast tier: `create_app` with Flask's test client and Flask-SocketIO's
(`socketio.test_client(app)`), no server, no simulator, no eventlet monkey-patching.

The LiveService's green threads (its tick) and the records' writer thread run only when this thread hands
eventlet's hub a turn (a records read does: it waits on tpool); tests see what the handlers and routes answer.
TikTok is out of reach: TikTokLive is pointed at a closed local port while the app lives, so a runner started by
mistake fails at once instead of calling tiktok.com. The test clients hold no message queue: REDIS_URL stays unset.
"""

from contextlib import contextmanager

import pytest
from TikTokLive.client.web.web_settings import WebDefaults

from assistant import create_app

NOWHERE = "http://127.0.0.1:9"  # the discard port: nothing listens there
TIKTOK_URLS = ("tiktok_app_url", "tiktok_webcast_url", "tiktok_sign_url")  # what assistant.tiktok.point_at sets


def settings(folder, **overrides):
    """What the app runs with: DEMO off, TikTok nowhere, one process (no Redis), open access, recording on into a
    SQLite file in `folder`; `overrides` on top (RECORD_STREAMS=False: no records, so no writer process)."""
    return {"DEMO": False, "TIKTOK_SIMULATOR_URL": NOWHERE, "REDIS_URL": None, "ACCESS_PASSWORD": None,
            "DEBUG_TOKEN": None, "TRUSTED_PROXIES": 0, "RECORD_STREAMS": True,
            "DATABASE_URL": f"sqlite:///{folder / 'records.sqlite3'}", **overrides}


@contextmanager
def running_app(folder, **overrides):
    """`with running_app(tmp_path, ACCESS_PASSWORD=...) as app:` the app, shut down after (its tick stopped, its
    records closed), and TikTokLive's URLs as they were."""
    with pytest.MonkeyPatch.context() as patch:
        for name in TIKTOK_URLS:
            patch.setattr(WebDefaults, name, getattr(WebDefaults, name))
        app = create_app(settings(folder, **overrides))
        try:
            yield app
        finally:
            app.extensions["live_service"].shutdown()
