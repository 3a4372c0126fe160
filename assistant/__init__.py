"""Live Assistant: a multi-user dashboard for following TikTok LIVE streams in real time.

The app's heavier modules (eventlet, TikTokLive) are imported inside `create_app`, so that
`python -m assistant.simulator` (a plain asyncio program) does not pull them in.
"""

import atexit
import warnings

from flask import Flask
from flask_socketio import SocketIO
from werkzeug.middleware.proxy_fix import ProxyFix

from .config import Config, SettingsError

# The stack is fixed; eventlet's nine-line notice on import says nothing new (wsgi.py, which imports
# eventlet first, says the same; this covers `python -m assistant.records`).
warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

socketio = SocketIO()

# Past this a message closes the connection (Engine.IO); below it, events larger than
# MAX_MESSAGE_BYTES get a `bad_request` answer (sockets.py).
TRANSPORT_MESSAGE_LIMIT = 1_000_000


def create_app(config=None, settings=None):
    """Build the app; `config` is a mapping that overrides `Config` (tests use it), `settings` a `Config`
    already read (server.main reads it first, to take the port before anything starts).

    Raises SettingsError for a setting that does not parse, before anything is loaded or started, and
    RecordsDatabaseUnusable (a SettingsError) when the records database cannot be reached or migrated.
    """
    settings = settings or Config()
    from . import access, debug, routes, sockets, tiktok  # noqa: F401  (sockets: the handlers)
    from .actions import Actions
    from .actions import api as actions_api
    from .actions import pages as action_pages
    from .messagequeue import ResubscribingRedisManager
    from .overlays import pages as overlay_pages
    from .records import Records
    from .reports import pages as report_pages
    from .service import LiveService
    from .store import make_store
    from .streams import decodecheck
    from .streams.capture import check_directory
    from .wall import bp as wall_bp

    app = Flask(__name__, template_folder="../templates", static_folder="../static")
    app.config.from_object(settings)
    if config:
        app.config.update(config)
    if app.config["CAPTURE_DIR"]:
        try:
            check_directory(app.config["CAPTURE_DIR"])
        except OSError as ex:
            raise SettingsError(f"CAPTURE_DIR {app.config['CAPTURE_DIR']!r} cannot be used: captures cannot be "
                                f"written there ({ex.strerror or ex})") from ex
    # The records first: a database that cannot be used, or a SQLite file another server holds, stops the
    # start before the simulator is started.
    records = app.extensions["records"] = Records.from_config(app.config, app.instance_path)  # None: off

    simulator_url = app.config["TIKTOK_SIMULATOR_URL"]
    if app.config["DEMO"] and not simulator_url:
        from .simulator import start_simulator

        simulator = start_simulator()
        atexit.register(simulator.stop)
        simulator_url = app.config["TIKTOK_SIMULATOR_URL"] = simulator.url
    if simulator_url:
        tiktok.point_at(simulator_url)
    try:
        tiktok.use_session(app.config["TIKTOK_SESSION_ID"], app.config["TIKTOK_TARGET_IDC"])
    except ValueError as ex:
        raise SettingsError(str(ex)) from ex
    if app.config["DECODE_CHECK_RATE"] > 0:
        decodecheck.warm()  # before the server listens: never beside the streams (streams/decodecheck.py)

    # Cluster mode: the processes' emits to each other's sockets go through Redis (messagequeue.py).
    queue = ResubscribingRedisManager(app.config["REDIS_URL"], app.config["REDIS_CHANNEL"]) \
        if app.config["REDIS_URL"] else None
    socketio.init_app(
        app,
        async_mode="eventlet",
        cors_allowed_origins=app.config["ALLOWED_ORIGINS"] or None,  # None: same origin only
        client_manager=queue,  # None: python-socketio's own, in this process's memory
        max_http_buffer_size=TRANSPORT_MESSAGE_LIMIT,
    )
    if app.config["TRUSTED_PROXIES"]:  # outermost, so that Socket.IO requests see the client's address too
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    store = make_store(app.config)
    actions = app.extensions["actions"] = Actions.from_config(app.config, records, store)  # None: records off
    service = app.extensions["live_service"] = LiveService(socketio, app.config, store, records, actions)
    if actions is not None:
        actions.start()
    if queue is not None:
        queue.on_resubscribed = service.resubscribed
    if app.config["ACCESS_PASSWORD"]:
        access.init_app(app)
    app.register_blueprint(routes.bp)
    app.register_blueprint(debug.bp)
    app.register_blueprint(report_pages.bp)
    app.register_blueprint(overlay_pages.bp)
    app.register_blueprint(actions_api.bp)
    action_pages.register(app, actions.database if actions is not None else None)
    app.register_blueprint(wall_bp)
    return app

