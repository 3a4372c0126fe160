"""Starting and stopping: `python wsgi.py`'s whole life.

The start refuses, with one line and status 2, what would leave the server half up: a bad setting, a
HOST that is not this machine's, a PORT another server listens on (checked before anything is
started, so a second `make run` stops at once), a records database it cannot use or that another
server holds (records/lock.py).

On SIGTERM (what a PaaS sends on deploy) and SIGINT (Ctrl-C) the main green thread, blocked in the
server's accept loop, gets SystemExit: the server stops accepting, then every runner closes its
upstream connection and the process exits with status 0, well within the 10 s a PaaS waits before
SIGKILL.
"""

import errno
import gc
import logging
import signal
import socket
import sys
from urllib.parse import urlsplit

import eventlet.wsgi
import greenlet
from eventlet.hubs import get_hub

from . import create_app
from .config import Config, SettingsError
from .logs import configure_logging

log = logging.getLogger(__name__)

# Settings whose values must never reach the log.
SECRET_SETTINGS = ("SECRET_KEY", "SIGN_API_KEY", "DEBUG_TOKEN", "ACCESS_PASSWORD", "TIKTOK_SESSION_ID")
BACKLOG = 50  # connections the kernel queues before they are accepted: eventlet.listen's default, as before


def main():
    """Read the settings, take the port, build the app and serve until a stop signal; the exit status."""
    try:
        settings = Config()
        server_socket = bind(settings.HOST, settings.PORT)
        _stop_main_on_signals()  # before the app: a Ctrl-C while the simulator or the migrations start is clean too
        app = create_app(settings=settings)
        listen(server_socket, settings.HOST, settings.PORT)
    except SettingsError as ex:  # one line that names the setting, not a traceback; 2: a usage error
        sys.stderr.write(f"Live Assistant: bad setting: {ex}\n")
        return 2
    serve(app, server_socket)
    return 0


def bind(host, port):
    """The server's socket, bound to HOST:PORT but not listening yet (a client that comes before the app is
    built is refused, not left waiting); SettingsError naming the setting if it cannot be bound.

    Without SO_REUSEPORT, which eventlet.listen (and so Flask-SocketIO's run()) sets: with it, a second server
    on the same port binds too and the kernel splits the connections between the two. A cluster's processes
    each have their own port. SO_REUSEADDR stays, for a restart while the last run's connections linger.
    """
    try:
        family, _, _, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except (socket.gaierror, UnicodeError) as ex:  # eventlet's resolver answers at once, network or not
        reason = getattr(ex, "strerror", None) or ex
        raise SettingsError(f"HOST must be an address or a name of this machine, got {host!r} ({reason})") from ex
    server_socket = socket.socket(family, socket.SOCK_STREAM)
    server_socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        server_socket.bind(address)
    except OSError as ex:
        server_socket.close()
        raise _refusal(ex, host, port) from ex
    return server_socket


def listen(server_socket, host, port):
    """Listen on the bound socket. Two servers started at once both bind (SO_REUSEADDR allows it while
    neither listens): the second to listen is refused here."""
    try:
        server_socket.listen(BACKLOG)
    except OSError as ex:
        server_socket.close()
        raise _refusal(ex, host, port) from ex


def _refusal(ex, host, port):
    """The SettingsError for an OSError of bind or listen."""
    if ex.errno == errno.EADDRINUSE:
        return SettingsError(f"port {port} is already in use on {host} (another server listens there): "
                             f"stop it, or set another PORT")
    if ex.errno == errno.EADDRNOTAVAIL:
        return SettingsError(f"HOST {host!r} is not an address of this machine")
    return SettingsError(f"cannot listen on {host} port {port} (HOST, PORT): {ex.strerror}")


def _password(url):
    """The password in a URL (a Redis or database URL may carry one), or None."""
    return urlsplit(url).password if url else None


def _stop_main_on_signals():
    """SIGTERM and SIGINT throw SystemExit(0) into the main green thread.

    Left to Python, SIGINT raises KeyboardInterrupt in whichever green thread runs, often eventlet's hub:
    its asyncio loop then stays marked as running and every later switch to it fails ("Already running!").
    A SIGINT ignored from the start (a background job of a shell script) stays ignored.
    """
    main = greenlet.getcurrent()
    hub = get_hub()
    signals = [signal.SIGTERM]
    if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:
        signals.append(signal.SIGINT)

    def on_signal(signum, frame):
        # Only schedule: a signal handler runs in whatever green thread the hub happens to be in.
        # Once: a second signal must not interrupt the shutdown the first one started.
        for ignored in signals:
            signal.signal(ignored, signal.SIG_IGN)
        hub.schedule_call_global(0, main.throw, SystemExit(0))

    for handled in signals:
        signal.signal(handled, on_signal)


def _log_records(records, config):
    if records is None:
        log.info("Recording is off (RECORD_STREAMS=0)")
        return
    log.info("Records in %s", records.url)
    if records.local and config["REDIS_URL"]:
        log.warning("Records go to a SQLite file of this machine while several processes share the work "
                    "(REDIS_URL): each machine keeps only its own creators' lives. Set DATABASE_URL to a Postgres "
                    "database that every process shares")


def serve(app, server_socket):
    """Serve on the listening socket until SystemExit, then shut down: runners, records."""
    config = app.config
    configure_logging([*(config[name] for name in SECRET_SETTINGS), _password(config["REDIS_URL"]),
                       _password(config["DATABASE_URL"])])
    # What start-up loaded (TikTokLive's classes alone: about 190,000 objects) lives as long as the process.
    # Frozen, the collector no longer walks it: a full collection blocked the hub for about 190 ms, a stall
    # every dashboard felt under load; now it costs what the live data costs.
    gc.freeze()
    host = config["HOST"]
    log.info("Live Assistant listening on http://%s:%s", f"[{host}]" if ":" in host else host, config["PORT"])
    _log_records(app.extensions["records"], config)
    if config["CAPTURE_DIR"]:
        log.warning("Captures on: what TikTok sends for every live followed goes to files in %s (at most %d MB "
                    "a file). They hold viewers' names and chat: keep them private, and delete them when done "
                    "(docs/captures.md)", config["CAPTURE_DIR"], config["CAPTURE_MAX_MB"])
    if config["DEMO"]:
        simulator = config["TIKTOK_SIMULATOR_URL"]
        log.info("TikTok LIVE simulator on %s (control API under %s/_sim)", simulator, simulator)
    try:
        # What Flask-SocketIO's run() does with eventlet, on our own socket: `app` is wrapped by its middleware.
        eventlet.wsgi.server(server_socket, app, max_size=config["MAX_CONNECTIONS"], log_output=False)
    finally:
        log.info("Shutting down: closing upstream connections")
        app.extensions["live_service"].shutdown()
        log.info("Stopped")
