"""The routes TikTokLive calls: TikTok's web and webcast APIs, the sign server and the push socket.

With WebDefaults pointed at base URL U, TikTokLive 7.0.1's `start()` (default options) requests, in
order: U/@<name>/live (SIGI_STATE), U/api-live/user/room/ only when that page has no LiveRoom,
U/webcast/room/check_alive/, and the sign server's U/webcast/fetch, then opens the push socket the
fetch names. room/info and gift/list are served too, for fetch_room_info / fetch_gift_info.
"""

from __future__ import annotations

import html
import json
import logging
import math
import secrets
import time

from aiohttp import web

from . import catalogue, protocol, replay
from .model import normalise_name
from .push import attach, detach, serve_socket
from .state import Creator, PushSocket, SignFailure, SignRefusal, Simulator

log = logging.getLogger(__name__)

SIMULATOR = web.AppKey("simulator", Simulator)

# SIGI_STATE user status values: 2 live, 4 offline.
_LIVE, _OFFLINE = 2, 4

routes = web.RouteTableDef()


def _sim(request: web.Request) -> Simulator:
    return request.app[SIMULATOR]


def _known_creator(request: web.Request, raw_name: str) -> Creator | None:
    """The creator called `raw_name` if such a user exists, else None."""
    name = normalise_name(raw_name)
    if name is None:
        return None
    creator = _sim(request).creator(name)
    return creator if creator.exists else None


def _user_json(creator: Creator, base_url: str) -> dict:
    owner = creator.owner
    return {
        "id": str(owner.user_id), "uniqueId": owner.unique_id, "nickname": owner.nickname,
        "avatarThumb": protocol.avatar_url(base_url, creator.name), "secUid": f"MS4wLjABAAAA{creator.name}",
        "roomId": str(creator.room_id), "status": _LIVE if creator.live else _OFFLINE,
    }


@routes.get("/@{name}/live")
async def live_page(request: web.Request) -> web.Response:
    """The creator's LIVE page; TikTokLive regexes the SIGI_STATE script out of it."""
    sim = _sim(request)
    raw_name = request.match_info["name"]
    creator = _known_creator(request, raw_name)
    if creator is None:
        state: dict = {"AppContext": {"appContext": {"language": "en"}}, "SEOState": {"metaParams": {}}}
        title = f"@{raw_name} - TikTok"
    else:
        state = {"LiveRoom": {"liveRoomUserInfo": {
            "user": _user_json(creator, sim.base_url),
            "liveRoom": {
                "title": f"{creator.name} is LIVE", "status": _LIVE if creator.live else _OFFLINE,
                "liveRoomStats": {"userCount": creator.viewers if creator.live else 0},
            },
        }}}
        title = f"{creator.name} is LIVE" if creator.live else f"{creator.name} - LIVE ended"
    # Escape "<" so that nothing in the JSON can end the script element early.
    sigi = json.dumps(state).replace("<", "\\u003c")
    body = (
        f"<!DOCTYPE html><html><head><title>{html.escape(title)}</title></head><body>"
        f'<script id="SIGI_STATE" type="application/json">{sigi}</script></body></html>'
    )
    return web.Response(text=body, content_type="text/html", status=200 if creator else 404)


@routes.get("/api-live/user/room/")
async def user_room(request: web.Request) -> web.Response:
    """TikTokLive's fallback when the LIVE page has no LiveRoom (for example a captcha page)."""
    creator = _known_creator(request, request.query.get("uniqueId", ""))
    if creator is None:
        return web.json_response({"message": "user_not_found", "statusCode": 19881007})
    status = _LIVE if creator.live else _OFFLINE
    return web.json_response({
        "message": "", "statusCode": 0,
        "data": {"user": _user_json(creator, _sim(request).base_url), "liveRoom": {"status": status}},
    })


def _room_ids(request: web.Request, key: str) -> list[int]:
    try:
        return [int(part) for part in request.query.get(key, "").split(",") if part]
    except ValueError as exc:
        raise web.HTTPBadRequest(text=f"bad {key}") from exc


@routes.get("/webcast/room/check_alive/")
async def check_alive(request: web.Request) -> web.Response:
    sim = _sim(request)
    data = []
    for room_id in _room_ids(request, "room_ids"):
        creator = sim.by_room(room_id)
        alive = bool(creator and creator.live)
        data.append({"alive": alive, "room_id": room_id, "room_id_str": str(room_id)})
    return web.json_response({"data": data, "extra": {"now": int(time.time() * 1000)}, "status_code": 0})


@routes.get("/webcast/room/info/")
async def room_info(request: web.Request) -> web.Response:
    sim = _sim(request)
    room_ids = _room_ids(request, "room_id")
    creator = sim.by_room(room_ids[0]) if room_ids else None
    if creator is None:
        return web.json_response({"data": {"message": "room not found"}, "status_code": 4003110})
    if creator.age_restricted and not _logged_in(request):
        # As TikTok answered for an age-restricted LIVE without a login (quoted by TikTokLive's author in
        # TikTokLive issue 228); TikTokLive's fetch_room_info raises AgeRestrictedError on the "prompts" key.
        return web.json_response({"data": {"message": "Request params error", "prompts": "Request params error"},
                                  "extra": {"now": int(time.time() * 1000)}, "status_code": 10011})
    return web.json_response({"status_code": 0, "data": {
        "id": creator.room_id, "id_str": str(creator.room_id), "status": _LIVE if creator.live else _OFFLINE,
        "title": f"{creator.name} is LIVE", "user_count": creator.viewers,
        "owner": {"id": creator.owner.user_id, "display_id": creator.owner.unique_id,
                  "nickname": creator.owner.nickname,
                  "avatar_thumb": {"url_list": [protocol.avatar_url(sim.base_url, creator.name)]}},
        "stats": {"total_user": creator.viewers, "like_count": creator.total_likes},
    }})


def _logged_in(request: web.Request) -> bool:
    """Whether the request carries a TikTok login: the `sessionid` cookie (TikTokLive's `set_session` sets it;
    its WebSocket sends every cookie in the upgrade's Cookie header, ws_client.get_ws_cookie_string)."""
    return bool(request.cookies.get("sessionid"))


def _push_refusal(creator: Creator, request: web.Request) -> web.Response | None:
    """TikTok's refusal of a push socket, or None. TikTok answers the upgrade with HTTP 200 (not 101) and the
    reason in `Handshake-Msg` (TikTok-Live-Connector issue 187 shows one: `handshake-msg: DEVICE_BLOCKED`,
    `handshake-status: 415`; TikTokLive's WebcastConnect raises WebcastBlockedError on it). A creator set
    `pushBlocked` is refused with that reason; an age-restricted LIVE without the session cookie too
    (TikTokLiveJava pull request 56: age-restricted LIVEs "cannot be connected to" anonymously; the reason's
    text is ours, no capture of it being known)."""
    if creator.push_blocked is not None:
        reason = creator.push_blocked
    elif creator.age_restricted and not _logged_in(request):
        reason = "age restricted: login required"
    else:
        return None
    return web.Response(status=200, headers={"Handshake-Msg": reason, "Handshake-Status": "415"})


@routes.get("/webcast/gift/list/")
async def gift_list(request: web.Request) -> web.Response:
    base_url = _sim(request).base_url
    gifts = [
        {"id": g.gift_id, "name": g.name, "diamond_count": g.diamond_count, "type": g.gift_type,
         "image": {"url_list": [protocol.gift_image_url(base_url, g.gift_id)]}}
        for g in catalogue.GIFTS_BY_ID.values()
    ]
    return web.json_response({"data": {"gifts": gifts}, "status_code": 0})


def _rate_limited(limit: int, retry_after: int, body: dict, retry_after_header: bool) -> web.Response:
    """A 429 with the sign server's RateLimit headers; `retry_after` in whole seconds.

    TikTokLive 7.0.1 reads `RateLimit-Remaining` and `RateLimit-Reset` off the sign server's 429
    (TikTokLive/client/errors.py, `SignatureRateLimitError`): the server sends those. What they hold is the
    RateLimit header fields' (draft-ietf-httpapi-ratelimit-headers): `Remaining` the requests left in the
    window, so 0; `Reset` as TikTokLive's `reset_time` documents it, the Unix time when a request is taken
    again. TikTokLive reads `Remaining` as the seconds to wait, which a real 429 never says: that is the
    client's bug to see, not this server's to hide. `Retry-After` (RFC 9110) is not read by TikTokLive at
    all and is sent only when asked for (`retryAfterHeader` of /_sim/sign/fail).
    """
    headers = {
        "RateLimit-Limit": str(limit),
        "RateLimit-Remaining": "0",
        "RateLimit-Reset": str(int(time.time()) + retry_after),
    }
    if retry_after_header:
        headers["Retry-After"] = str(retry_after)
    return web.json_response({**body, "code": 429}, status=429, headers=headers)


def _sign_failure_response(failure: SignFailure) -> web.Response:
    if failure.status == 429:
        return _rate_limited(10, failure.retry_after,
                             {"message": "Too many connections started, slow down (simulated)."},
                             failure.retry_after_header)
    return web.json_response({"message": f"Simulated sign server failure ({failure.status})",
                              "code": failure.status}, status=failure.status)


_WINDOW_WORDS = {"perMinute": "minute", "perHour": "hour", "perDay": "day"}


def _sign_refusal_response(refusal: SignRefusal) -> web.Response:
    # Whole seconds, rounded up: a client that waits that long is let in.
    retry_after = max(1, math.ceil(refusal.retry_after))
    label = f"{refusal.limit} per {_WINDOW_WORDS[refusal.window]}"
    return _rate_limited(refusal.limit, retry_after, {
        # TikTokLive puts limit_label in front of its own message: "(3 per minute) Too many connections...".
        "message": f"Sign server rate limit reached ({label}). Try again in {retry_after} seconds.",
        "limit_label": label,
    }, retry_after_header=False)


@routes.get("/webcast/fetch")
async def sign_fetch(request: web.Request) -> web.Response:
    """The sign server: the room's first fetch, a protobuf naming the push socket, plus cookies."""
    sim = _sim(request)
    room_ids = _room_ids(request, "room_id")
    creator = sim.by_room(room_ids[0]) if room_ids else None
    failure = sim.take_sign_failure(creator)
    if failure is not None:
        log.info("Sign request failed on purpose with %d (%d more planned)", failure.status, failure.times)
        return _sign_failure_response(failure)
    refusal = sim.check_sign_limits(time.monotonic())
    if refusal is not None:
        log.info("Sign request refused: %d %s reached, retry in %.1f s", refusal.limit, refusal.window,
                 refusal.retry_after)
        return _sign_refusal_response(refusal)
    if creator is None or not creator.live:
        return web.json_response({"message": "Room not found or not live", "code": 404}, status=404)
    push_server = f"ws://{request.host}{protocol.PUSH_PATH}"
    body = replay.take_fetch(creator, push_server)  # a capture replayed to the creator: its fetch result
    if body is None:
        history = [protocol.as_history(message) for message in creator.recent_chat]
        body = protocol.initial_fetch(history, creator.room_id, creator.next_cursor(), push_server)
        log.info("Signed the webcast fetch of @%s (room %d, %d replayed)", creator.name, creator.room_id,
                 len(history))
    return web.Response(body=body, content_type="application/x-protobuf", headers={
        "X-Set-TT-Cookie": f"ttwid=sim{secrets.token_hex(16)}; Path=/; Domain=.tiktok.com",
        "X-Request-Id": secrets.token_hex(8), "X-Agent-Id": "simulator", "X-Log-Code": "0",
    })


@routes.get(protocol.PUSH_PATH)
async def push_socket(request: web.Request) -> web.StreamResponse:
    """The push socket: frames out; im_enter_room, hb heartbeats and acks in (read and ignored)."""
    sim = _sim(request)
    room_ids = _room_ids(request, "room_id")
    creator = sim.by_room(room_ids[0]) if room_ids else None
    if creator is None or not creator.live:
        raise web.HTTPNotFound(text="room not found or not live")
    refusal = _push_refusal(creator, request)
    if refusal is not None:
        log.info("Refused a push socket of @%s: %s", creator.name, refusal.headers["Handshake-Msg"])
        return refusal
    # timeout: how long our close() waits for the client's close frame.
    ws = web.WebSocketResponse(protocols=("echo-protocol",), compress=False, timeout=3.0)
    await ws.prepare(request)
    sock = PushSocket(ws=ws, gzip=request.query.get("compress") == "gzip", transport=request.transport,
                      peer=str(request.remote), room_id=creator.room_id)
    attach(sim, creator, sock)
    try:
        await serve_socket(creator, sock)
    finally:
        detach(creator, sock)
    return ws
