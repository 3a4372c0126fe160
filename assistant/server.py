"""Serving: Flask-SocketIO's eventlet server, and a clean stop on SIGTERM (what a PaaS sends on deploy).

On SIGTERM the main green thread (blocked in the server's accept loop) gets SystemExit: the server
stops accepting, then every runner closes its upstream connection and the process exits, well
within the 10 s a PaaS waits before SIGKILL.
"""

import gc
import logging
import signal
from urllib.parse import urlsplit

import greenlet
from eventlet.hubs import get_hub

from . import socketio
from .logs import configure_logging

log = logging.getLogger(__name__)

# Settings whose values must never reach the log.
SECRET_SETTINGS = ("SECRET_KEY", "SIGN_API_KEY", "DEBUG_TOKEN", "ACCESS_PASSWORD")


def _password(url):
    """The password in a URL (a Redis or database URL may carry one), or None."""
    return urlsplit(url).password if url else None


def _stop_main_on_sigterm():
    main = greenlet.getcurrent()
    hub = get_hub()

    def on_sigterm(signum, frame):
        # Only schedule: a signal handler runs in whatever green thread the hub happens to be in.
        # Once: a second SIGTERM must not interrupt the shutdown the first one started.
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        hub.schedule_call_global(0, main.throw, SystemExit(0))

    signal.signal(signal.SIGTERM, on_sigterm)


def _log_records(records, config):
    if records is None:
        log.info("Recording is off (RECORD_STREAMS=0)")
        return
    log.info("Records in %s", records.url)
    if records.local and config["REDIS_URL"]:
        log.warning("Records go to a SQLite file of this machine while several processes share the work "
                    "(REDIS_URL): each machine keeps only its own creators' lives. Set DATABASE_URL to a Postgres "
                    "database that every process shares")


def serve(app):
    config = app.config
    configure_logging([*(config[name] for name in SECRET_SETTINGS), _password(config["REDIS_URL"]),
                       _password(config["DATABASE_URL"])])
    _stop_main_on_sigterm()
    # What start-up loaded (TikTokLive's classes alone: about 190,000 objects) lives as long as the process.
    # Frozen, the collector no longer walks it: a full collection blocked the hub for about 190 ms, a stall
    # every dashboard felt under load; now it costs what the live data costs.
    gc.freeze()
    log.info("Live Assistant listening on http://%s:%s", config["HOST"], config["PORT"])
    _log_records(app.extensions["records"], config)
    if config["DEMO"]:
        simulator = config["TIKTOK_SIMULATOR_URL"]
        log.info("TikTok LIVE simulator on %s (control API under %s/_sim)", simulator, simulator)
    try:
        socketio.run(
            app,
            host=config["HOST"],
            port=config["PORT"],
            max_size=config["MAX_CONNECTIONS"],
            log_output=False,
        )
    finally:
        log.info("Shutting down: closing upstream connections")
        app.extensions["live_service"].shutdown()
        log.info("Stopped")
