"""Small generated SVG pictures, so a dashboard has avatars, gift images and emotes to show offline."""

from __future__ import annotations

import hashlib
import re
from html import escape

from aiohttp import web

from .catalogue import GIFTS_BY_ID
from .model import NAME_PATTERN

routes = web.RouteTableDef()

_CACHE = {"Cache-Control": "public, max-age=86400"}
_NAME_CHARS = 64  # of the `name` query parameter; initials need only the first words
_FONT = 'font-family="Helvetica,Arial,sans-serif" font-weight="bold" text-anchor="middle"'


def _hue(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:2], "big") % 360


def initials(name: str) -> str:
    """Up to two initials of the name shown: "Coffee Hana" gives "CH", "maya.sunny12" gives "MS"."""
    words = [w for w in re.split(r"[\s._-]+", name) if w]
    letters = ["".join(ch for ch in word if ch.isalnum()) for word in words]
    letters = [w for w in letters if w]
    if not letters:
        return "?"
    if len(letters) == 1:
        return letters[0][:2].upper()
    return (letters[0][0] + letters[1][0]).upper()


def avatar_svg(unique_id: str, name: str = "") -> str:
    """The initials of the name shown (else of the handle) on a colour that follows from the handle."""
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100" viewBox="0 0 100 100">'
        f'<circle cx="50" cy="50" r="50" fill="hsl({_hue(unique_id)},55%,45%)"/>'
        f'<text x="50" y="50" dy="0.35em" font-size="40" fill="#fff" {_FONT}>'
        f"{escape(initials(name or unique_id))}</text>"
        "</svg>"
    )


def gift_svg(gift_id: int) -> str:
    """A wrapped present in a colour of its own, with the gift's initial when it is a known gift."""
    known = GIFTS_BY_ID.get(gift_id)
    label = escape(known.name[0]) if known else ""
    hue = _hue(f"gift{gift_id}")
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100" viewBox="0 0 100 100">'
        f'<rect x="14" y="38" width="72" height="52" rx="6" fill="hsl({hue},65%,50%)"/>'
        f'<rect x="8" y="26" width="84" height="18" rx="5" fill="hsl({hue},65%,40%)"/>'
        '<rect x="45" y="26" width="10" height="64" fill="#ffd54f"/>'
        '<path d="M50 26 C36 6 22 20 50 26 C78 20 64 6 50 26 Z" fill="#ffd54f"/>'
        f'<text x="30" y="72" font-size="26" fill="#fff" {_FONT}>{label}</text>'
        "</svg>"
    )


def emote_svg(emote_id: str) -> str:
    """A smiling sticker in a colour that follows from the emote's id."""
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100" viewBox="0 0 100 100">'
        f'<circle cx="50" cy="50" r="46" fill="hsl({_hue(f"emote{emote_id}")},80%,60%)"/>'
        '<circle cx="35" cy="40" r="7" fill="#222"/><circle cx="65" cy="40" r="7" fill="#222"/>'
        '<path d="M28 60 Q50 82 72 60" stroke="#222" stroke-width="6" fill="none" stroke-linecap="round"/>'
        "</svg>"
    )


@routes.get("/_sim/avatar/{unique_id}.svg")
async def avatar(request: web.Request) -> web.Response:
    unique_id = request.match_info["unique_id"].lower()
    if not NAME_PATTERN.match(unique_id):
        raise web.HTTPNotFound(text="no such avatar")
    name = request.query.get("name", "")[:_NAME_CHARS]
    return web.Response(text=avatar_svg(unique_id, name), content_type="image/svg+xml", headers=_CACHE)


@routes.get("/_sim/emote/{emote_id}.svg")
async def emote(request: web.Request) -> web.Response:
    """The picture of an emote sent without an imageUrl (streamer_messages.py names it by its id)."""
    return web.Response(text=emote_svg(request.match_info["emote_id"]), content_type="image/svg+xml", headers=_CACHE)


@routes.get(r"/_sim/gift/{gift_id:\d{1,19}}.svg")
async def gift(request: web.Request) -> web.Response:
    return web.Response(text=gift_svg(int(request.match_info["gift_id"])), content_type="image/svg+xml",
                        headers=_CACHE)
