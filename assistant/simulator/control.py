"""The control API under /_sim/, for tests and demos. JSON in, JSON out.

Names are case-insensitive (stored in lower case). A malformed request answers 400 `{"error"}`.

POST /_sim/streams/<name>          {live?, exists?, viewers?, rate?, newLive?}  -> the creator, as GET answers
                                       (newLive: a new room at once; the old room's sockets get the end)
GET  /_sim/streams/<name>          -> {name, userId, exists, live, roomId, viewers, totalLikes, rate, connections,
                                       ageRestricted, pushBlocked, replay}
POST /_sim/streams/<name>/events   [{type, user?, ...}]  -> {sent, sockets}  (one frame, in order)
POST /_sim/streams/<name>/end      -> {name, closed}  once the push sockets are closed
POST /_sim/streams/<name>/drop     {abort?}  -> {name, closed}  (abort: cut TCP, no close frame)
POST /_sim/streams/<name>/stall    {seconds}  -> {name, stalled, seconds}  (the sockets open now send nothing)
POST /_sim/streams/<name>/flood    {rate, seconds, mix?}  -> {count, counts: {type: n}, rate, seconds,
                                       expected: {comments, gifts, diamonds, likes, likesTotal, follows,
                                       shares, joins}}  at once; the flood runs on (flood.py)
POST /_sim/streams/<name>/replay   {path, speed?}  -> the creator, as GET answers (`replay`: {path, sent, total,
                                       speed, startedAt}); the replay runs on (replay.py)
POST /_sim/sign/fail               {status, times, retryAfter?, retryAfterHeader?, name?}  -> the same
POST /_sim/sign/limits             {perMinute?, perHour?, perDay?}  (an int sets, null removes)
GET  /_sim/sign/limits             -> {perMinute, perHour, perDay}  the limits in force, null when none
GET  /_sim/connections             -> {name: open push sockets}, creators with none left out
GET  /_sim/stats                   -> {signRequests, signRequestsByName: {name: count}, signRefused,
                                       pushConnectionsOpened: {name: count}, floodEventsSent, floodsRunning}
                                       (since the last reset)
POST /_sim/reset                   -> {reset: true}  (floods and replays stopped, sockets closed, stalls and
                                       limits gone)
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from aiohttp import web

from ..captures import CaptureError
from . import flood, push, replay
from .state import Creator
from .tiktok_routes import SIMULATOR
from .validation import (
    BadRequest,
    parse_config,
    parse_drop,
    parse_events,
    parse_flood,
    parse_name,
    parse_replay,
    parse_sign_failure,
    parse_sign_limits,
    parse_stall,
)

log = logging.getLogger(__name__)

routes = web.RouteTableDef()


async def _json(request: web.Request, default: Any = None) -> Any:
    """The request's JSON body; `default` when there is none."""
    text = await request.text()
    if not text.strip():
        return default
    try:
        return json.loads(text)
    except ValueError as exc:
        raise BadRequest(f"the body is not valid JSON: {exc}") from exc


def _creator(request: web.Request) -> Creator:
    return request.app[SIMULATOR].creator(parse_name(request.match_info["name"]))


@routes.get("/_sim/streams/{name}")
async def describe_stream(request: web.Request) -> web.Response:
    return web.json_response(_creator(request).describe())


@routes.post("/_sim/streams/{name}")
async def configure_stream(request: web.Request) -> web.Response:
    """Set whether a creator exists and is live, their viewer count and traffic rate; start a new LIVE."""
    settings = parse_config(await _json(request, {}))
    creator = _creator(request)
    new_live = settings.get("newLive", False)
    exists = settings.get("exists", creator.exists or settings.get("live", False) or new_live)
    live = (settings.get("live", creator.live) or new_live) and exists
    if creator.live and not live:
        await push.end_stream(creator)
    elif live and not creator.live:
        creator.new_room()  # a new LIVE is a new room
    elif new_live:
        await push.new_live(creator)  # live already: the LIVE running ends, a new one starts at once
    creator.exists, creator.live = exists, live
    if "viewers" in settings:
        creator.viewers = settings["viewers"]
    if "rate" in settings:
        creator.rate = settings["rate"]
    if "ageRestricted" in settings:
        creator.age_restricted = settings["ageRestricted"]
    if "pushBlocked" in settings:
        creator.push_blocked = settings["pushBlocked"]
    log.info("Configured @%s: %s", creator.name, settings)
    return web.json_response(creator.describe())


@routes.post("/_sim/streams/{name}/events")
async def inject_events(request: web.Request) -> web.Response:
    """Send these events to the creator's push sockets now, in order (one frame)."""
    sim = request.app[SIMULATOR]
    body = await _json(request)
    creator = _creator(request)
    events = parse_events(body, creator.traffic.pick_user, creator.total_likes, creator.owner)
    delivered = await push.send_events(sim, creator, events)
    return web.json_response({"sent": len(events), "sockets": delivered})


@routes.post("/_sim/streams/{name}/end")
async def end_stream(request: web.Request) -> web.Response:
    """The LIVE ends: control message to each push socket, then close; offline until set live again."""
    creator = _creator(request)
    closed = await push.end_stream(creator)
    return web.json_response({"name": creator.name, "closed": closed})


@routes.post("/_sim/streams/{name}/drop")
async def drop_stream(request: web.Request) -> web.Response:
    """Close the creator's push sockets without an end message; the stream stays live."""
    abort = parse_drop(await _json(request, {}))
    creator = _creator(request)
    closed = await push.close_sockets(creator, reason="dropped", abort=abort)
    log.info("Dropped %d push socket(s) of @%s%s", closed, creator.name, " (aborted)" if abort else "")
    return web.json_response({"name": creator.name, "closed": closed})


@routes.post("/_sim/streams/{name}/stall")
async def stall_stream(request: web.Request) -> web.Response:
    """The creator's push sockets open now stay open and send nothing at all for `seconds`."""
    seconds = parse_stall(await _json(request))
    creator = _creator(request)
    stalled = push.stall(creator, seconds)
    return web.json_response({"name": creator.name, "stalled": stalled, "seconds": seconds})


@routes.post("/_sim/streams/{name}/flood")
async def flood_stream(request: web.Request) -> web.Response:
    """Send `rate` events a second for `seconds` to the creator's push sockets; answers with the plan at once."""
    rate, seconds, mix = parse_flood(await _json(request))
    creator = _creator(request)
    planned = flood.plan(rate, seconds, mix, creator)
    flood.start(request.app[SIMULATOR], creator, planned)
    return web.json_response(planned.describe())


@routes.post("/_sim/streams/{name}/replay")
async def replay_capture(request: web.Request) -> web.Response:
    """Send a capture to the creator's clients as TikTok sent it: its fetch result at the next connect, then its
    frames; answers at once with the creator (its `replay`), the replay runs on."""
    path, speed = parse_replay(await _json(request))
    creator = _creator(request)
    try:
        planned = await asyncio.to_thread(replay.load, path, speed)  # a large file reads off the event loop
    except CaptureError as exc:
        raise BadRequest(f"'path' is not a capture to replay: {exc}") from exc
    replay.start(request.app[SIMULATOR], creator, planned)
    return web.json_response(creator.describe())


@routes.post("/_sim/sign/fail")
async def fail_sign_requests(request: web.Request) -> web.Response:
    failure = parse_sign_failure(await _json(request))
    request.app[SIMULATOR].sign_failure = failure
    log.info("The next %d sign request(s)%s will fail with %d", failure.times,
             f" for @{failure.name}" if failure.name else "", failure.status)
    return web.json_response({"status": failure.status, "times": failure.times,
                              "retryAfter": failure.retry_after, "retryAfterHeader": failure.retry_after_header,
                              "name": failure.name})


@routes.post("/_sim/sign/limits")
async def set_sign_limits(request: web.Request) -> web.Response:
    """Limit the sign requests per sliding minute, hour and day (past them: 429); answers the limits in force."""
    changes = parse_sign_limits(await _json(request))
    limiter = request.app[SIMULATOR].sign_limiter
    limiter.update(changes)
    log.info("Sign server limits: %s", limiter.describe())
    return web.json_response(limiter.describe())


@routes.get("/_sim/sign/limits")
async def sign_limits(request: web.Request) -> web.Response:
    return web.json_response(request.app[SIMULATOR].sign_limiter.describe())


@routes.get("/_sim/connections")
async def connections(request: web.Request) -> web.Response:
    return web.json_response(request.app[SIMULATOR].connections())


@routes.get("/_sim/stats")
async def stats(request: web.Request) -> web.Response:
    return web.json_response(request.app[SIMULATOR].stats())


@routes.post("/_sim/reset")
async def reset(request: web.Request) -> web.Response:
    """Stop the floods and replays, close every push socket, forget all creators (and their stalls), counters,
    planned sign failures and sign limits."""
    sim = request.app[SIMULATOR]
    sim.cancel_floods()
    for creator in list(sim.creators.values()):
        await push.close_sockets(creator, reason="simulator reset")
    sim.forget()
    log.info("Simulator reset")
    return web.json_response({"reset": True})


@web.middleware
async def json_errors(request: web.Request, handler) -> web.StreamResponse:
    """Control requests answer errors as JSON `{"error"}`: 400 when malformed, 500 (logged) when the
    simulator failed. Other routes keep aiohttp's own error handling."""
    try:
        return await handler(request)
    except BadRequest as exc:
        return web.json_response({"error": str(exc)}, status=400)
    except Exception as exc:
        if not request.path.startswith("/_sim/"):
            raise
        if isinstance(exc, web.HTTPException):
            return web.json_response({"error": exc.reason}, status=exc.status)
        log.exception("Simulator failed on %s %s", request.method, request.path)
        return web.json_response({"error": "internal simulator error"}, status=500)
