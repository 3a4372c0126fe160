"""The actions' page and the uploads' routes (docs/actions.md, docs/http.md):

- `GET /actions`: the page to make, test, enable and read rules (templates/actions.html, static/js/actions.js);
  it talks to the rules' API (api.py) and to the routes below.
- `POST /api/media` (multipart/form-data, field `file`): 201 `{name, kind, contentType, size, originalName, url,
  createdAt}` for a new upload, 200 with the same for content kept already; 400 `{error, message}` for what is
  not an accepted image or sound (mediacheck.py), or a file past the size limit.
- `GET /api/media`: `{media: [...]}`, newest first. `DELETE /api/media/<name>`: 204; 404, or 409 while a rule
  uses it.
- `GET /media/<name>`: the file, its content type, `X-Content-Type-Options: nosniff`, cached for a year (the
  name is the content's hash). Open without a login (access.py): OBS loads overlays without one.

Every route but the page needs the database: without records (RECORD_STREAMS=0) they answer 404 records_off,
and 503 while the database fails. `register(app, database)` is what create_app calls.
"""

import os

from flask import Blueprint, current_app, jsonify, render_template, request, send_file
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import RequestEntityTooLarge

from ..records.engine import one_line
from .media import MediaError, MediaLibrary, MediaRefused
from .mediacheck import MAX_BYTES

bp = Blueprint("actionpages", __name__)

MEDIA_ENDPOINT = "actionpages.media_file"  # open without a login (access.py)
EXTENSION = "media"
MULTIPART_ALLOWANCE = 64 * 1024  # the form's boundaries and headers around the file
YEAR_SECONDS = 365 * 24 * 3600
TOO_LARGE = f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB."


def register(app, database):
    """The page and the media routes; `database` an assistant.records.database.Database, or None without records."""
    folder = os.path.join(app.instance_path, "media")
    app.extensions[EXTENSION] = MediaLibrary(database, folder) if database is not None else None
    app.register_blueprint(bp)


class _Unavailable(Exception):
    def __init__(self, status, code, message):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _library():
    library = current_app.extensions.get(EXTENSION)
    if library is None:
        raise _Unavailable(404, "records_off", "Uploads need the records database, and recording is off on this "
                                               "server (RECORD_STREAMS=0)")
    return library


@bp.errorhandler(_Unavailable)
@bp.errorhandler(MediaError)
def _refused(error):
    return jsonify(error=error.code, message=error.message), error.status


@bp.errorhandler(SQLAlchemyError)
def _database_failed(error):
    current_app.logger.warning("Media: the database failed: %s", one_line(error))
    message = f"The records database is unavailable: {one_line(error)}"
    return jsonify(error="unavailable", message=message), 503, {"Retry-After": "5"}


@bp.get("/actions")
def page():
    return render_template("actions.html", records=current_app.extensions.get(EXTENSION) is not None,
                           max_upload_mb=MAX_BYTES // (1024 * 1024))


def _bad(message, code="bad_request"):
    return jsonify(error=code, message=message), 400


@bp.post("/api/media")
def upload():
    library = _library()
    request.max_content_length = MAX_BYTES + MULTIPART_ALLOWANCE
    try:
        upload = request.files.get("file")
    except RequestEntityTooLarge:
        return _bad(TOO_LARGE, "too_large")
    if upload is None:
        return _bad("Send the file as multipart/form-data, in the field “file”.")
    data = upload.stream.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        return _bad(TOO_LARGE, "too_large")
    try:
        info, created = library.add(data, upload.filename)
    except MediaRefused as ex:
        return _bad(ex.message, "bad_media")
    return jsonify(info), 201 if created else 200


@bp.get("/api/media")
def listing():
    return jsonify(media=_library().list())


@bp.delete("/api/media/<name>")
def delete(name):
    _library().delete(name)
    return "", 204


@bp.get("/media/<name>")
def media_file(name):
    """The upload itself, for overlays (no login) and the page's previews."""
    found = _library().file(name)
    if found is None:
        return jsonify(error="not_found", message="No such file"), 404
    path, content_type = found
    response = send_file(path, mimetype=content_type, conditional=True, etag=True, max_age=YEAR_SECONDS)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.cache_control.immutable = True
    response.cache_control.public = True
    return response
