"""Serving: Flask-SocketIO's eventlet server, and a clean stop on SIGTERM (what a PaaS sends on deploy).

On SIGTERM the main green thread (blocked in the server's accept loop) gets SystemExit: the server
stops accepting, then every runner closes its upstream connection and the process exits, well
within the 10 s a PaaS waits before SIGKILL.
"""

import logging
import signal
import sys

import greenlet
from eventlet.hubs import get_hub

from . import socketio

log = logging.getLogger(__name__)


def _stop_main_on_sigterm():
    main = greenlet.getcurrent()
    hub = get_hub()

    def on_sigterm(signum, frame):
        # Only schedule: a signal handler runs in whatever green thread the hub happens to be in.
        # Once: a second SIGTERM must not interrupt the shutdown the first one started.
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        hub.schedule_call_global(0, main.throw, SystemExit(0))

    signal.signal(signal.SIGTERM, on_sigterm)


def serve(app):
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    _stop_main_on_sigterm()
    log.info("Live Assistant listening on http://%s:%s", app.config["HOST"], app.config["PORT"])
    try:
        socketio.run(
            app,
            host=app.config["HOST"],
            port=app.config["PORT"],
            max_size=app.config["MAX_CONNECTIONS"],
            log_output=False,
        )
    finally:
        log.info("Shutting down: closing upstream connections")
        app.extensions["live_service"].shutdown()
        log.info("Stopped")
