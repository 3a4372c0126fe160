"""The images and sounds uploaded for overlay actions (docs/actions.md, "Media").

The `media` table (records/schema.py) is the source of truth, shared by a cluster's processes: a file's row
holds its bytes. Each process serves a file from its own copy in `instance/media/<name>`, written from the
database the first time it is asked for, so any process serves any upload, and a deleted one stops being
served by every process (the row is looked up on each request: a primary-key read of a few columns).

A file's name is the SHA-256 of its content and its extension: one file, one name, whoever uploads it again,
and the name can be cached for ever. Rules refer to media by that name (`media_exists`, for the rules'
validation); a file a rule still uses cannot be deleted.
"""

import logging
import os
import re
import tempfile
import time
import unicodedata
from hashlib import sha256

from eventlet import tpool
from sqlalchemy import func, insert, select

from ..records.schema import action_rules, media
from .mediacheck import EXTENSIONS, MediaRefused, identify

log = logging.getLogger(__name__)

MAX_FILES = 500  # uploads kept at most (each up to mediacheck.MAX_BYTES): the database is not a file store
ORIGINAL_NAME_CHARS = 200
NAME = re.compile(rf"[0-9a-f]{{64}}\.(?:{'|'.join(EXTENSIONS)})")
URL_PREFIX = "/media/"


class MediaError(Exception):
    """A media request that cannot be done: `status` (400, 404, 409), `code` and a one-line `message`."""

    def __init__(self, status, code, message):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def media_url(name):
    return URL_PREFIX + name


def media_exists(connection, name, kind):
    """Whether an upload of this name and kind ("image" or "sound") is kept: the rules' validation asks it in
    its transaction."""
    if not isinstance(name, str) or not NAME.fullmatch(name):
        return False
    found = connection.execute(select(media.c.name).where(media.c.name == name, media.c.kind == kind)).first()
    return found is not None


def clean_original_name(raw):
    """The uploaded file's name as shown in /actions (text only): its last path part, no control or format
    characters, at most ORIGINAL_NAME_CHARS; None when nothing is left."""
    text = str(raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    text = "".join(char for char in text if unicodedata.category(char)[0] != "C").strip()
    return text[:ORIGINAL_NAME_CHARS] or None


def _info(row):
    return {"name": row.name, "kind": row.kind, "contentType": row.content_type, "size": row.size,
            "originalName": row.original_name, "url": media_url(row.name), "createdAt": round(row.created_at * 1000)}


_LISTED = (media.c.name, media.c.kind, media.c.content_type, media.c.size, media.c.original_name, media.c.created_at)


def _add(connection, row):
    """Insert the upload unless the same content is kept already: (its row, created)."""
    existing = connection.execute(select(*_LISTED).where(media.c.name == row["name"])).first()
    if existing is not None:
        return existing, False
    count = connection.execute(select(func.count()).select_from(media)).scalar_one()
    if count >= MAX_FILES:
        raise MediaError(400, "too_many", f"The server keeps at most {MAX_FILES} uploads: delete some first.")
    connection.execute(insert(media).values(**row))
    return connection.execute(select(*_LISTED).where(media.c.name == row["name"])).one(), True


def _list(connection):
    return connection.execute(select(*_LISTED).order_by(media.c.created_at.desc(), media.c.name)).all()


def _users(connection, name):
    """The names of the rules whose actions use this upload."""
    rules = connection.execute(select(action_rules.c.name, action_rules.c.actions)).all()
    return [rule.name for rule in rules
            if any(isinstance(action, dict) and name in (action.get("image"), action.get("sound"))
                   for action in (rule.actions or []))]


def _delete(connection, name):
    if connection.execute(select(media.c.name).where(media.c.name == name)).first() is None:
        raise MediaError(404, "not_found", f"No upload named {name}")
    users = _users(connection, name)
    if users:
        shown = ", ".join(f"“{rule}”" for rule in users[:3]) + (" …" if len(users) > 3 else "")
        raise MediaError(409, "in_use", f"Rules use this file ({shown}): change them first.")
    connection.execute(media.delete().where(media.c.name == name))


def _served(connection, name):
    return connection.execute(select(media.c.content_type, media.c.size).where(media.c.name == name)).first()


def _data(connection, name):
    return connection.execute(select(media.c.data).where(media.c.name == name)).scalar_one_or_none()


def _size(path):
    """The size of the cached copy, or None when there is none."""
    try:
        return os.path.getsize(path)
    except FileNotFoundError:
        return None


class MediaLibrary:
    """The uploads of one server: `database` an assistant.records.database.Database, `folder` the cache
    (instance/media). Database errors (SQLAlchemyError) go to the caller."""

    def __init__(self, database, folder):
        self._database = database
        self.folder = folder

    def add(self, data, original_name=None):
        """Check and keep an upload: ({name, kind, contentType, size, originalName, url, createdAt}, created).
        MediaRefused when its content is not accepted, MediaError when the server keeps too many."""
        kind = tpool.execute(identify, data)  # decoding: off the hub
        row = {"name": f"{sha256(data).hexdigest()}.{kind.extension}", "kind": kind.kind,
               "content_type": kind.content_type, "size": len(data), "data": data,
               "original_name": clean_original_name(original_name), "created_at": time.time()}
        kept, created = self._database.run(_add, row)
        return _info(kept), created

    def list(self):
        return [_info(row) for row in self._database.run(_list)]

    def delete(self, name):
        """MediaError 404 (no such upload) or 409 (a rule uses it)."""
        if not NAME.fullmatch(name):
            raise MediaError(404, "not_found", "No upload of that name")
        self._database.run(_delete, name)
        self._forget(name)

    def file(self, name):
        """(path of the cached copy, content type) of a kept upload, or None."""
        if not NAME.fullmatch(name):
            return None
        path = os.path.join(self.folder, name)
        served = self._database.run(_served, name)
        if served is None:
            self._forget(name)  # deleted (by this process or another)
            return None
        if _size(path) == served.size:
            return path, served.content_type
        data = self._database.run(_data, name)
        if data is None:
            return None
        tpool.execute(self._write, path, data)
        return path, served.content_type

    def _write(self, path, data):
        """The cached copy, whole or not at all (a reader never sees half a file)."""
        os.makedirs(self.folder, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=self.folder, prefix=".upload-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.replace(temporary, path)
        except BaseException:
            os.unlink(temporary)
            raise

    def _forget(self, name):
        path = os.path.join(self.folder, name)
        if _size(path) is None:
            return  # never cached here
        try:
            os.unlink(path)
        except OSError as ex:
            log.warning("Media: the cached copy of %s could not be removed: %s", name, ex)


__all__ = ["MediaError", "MediaLibrary", "MediaRefused", "media_exists", "media_url"]
