"""The contract's user object (docs/protocol.md, `user`) from the users of decoded messages (schema.py).

A message's viewer (its `user` field) is read as bytes and decoded once per distinct encoding: the same
chatters come back again and again with the same bytes. A user inside a message that is not its viewer (a
question's author, a pinned chat's, a battle's host) is read in place, as rarely as those messages come.
"""

import functools

from . import schema


@functools.lru_cache(maxsize=4096)
def shared_user(user_id, unique_id, nickname, avatar_url):
    """One dict per distinct viewer, shared by all their events (never mutated): the same chatters
    come back again and again, and a runner keeps hundreds of recent events."""
    return {"userId": user_id, "uniqueId": unique_id, "nickname": nickname, "avatarUrl": avatar_url}


def first_url(image):
    urls = image.url_list
    return urls[0] if urls else ""


# Keyed by the viewer's bytes (a few hundred each from the simulator, up to a few KB from TikTok).
@functools.lru_cache(maxsize=2048)
def user(encoded):
    """The viewer of a message, from its `user` field as bytes: decoded once per distinct encoding."""
    viewer = schema.User.FromString(encoded)
    return shared_user(str(viewer.id), viewer.display_id, viewer.nickname, first_url(viewer.avatar_thumb))


def viewer(message):
    """The message's viewer (its `user` field), or None when it has none."""
    return user(message.user) if message.HasField("user") else None


def inner_user(message, field="user"):
    """A user inside `message` that is not its viewer (a plain User, read in place: schema._INNER_USER)."""
    if not message.HasField(field):
        return None
    found = getattr(message, field)
    return shared_user(str(found.id), found.display_id, found.nickname, first_url(found.avatar_thumb))
