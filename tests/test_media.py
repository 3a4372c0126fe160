"""Uploads for overlay actions (docs/actions.md, "Media"), in process: what is kept is proven by its
content (real PNG, GIF, JPEG and WebP images made here, real MP3 and Ogg Vorbis sounds in tests/data/ made
by lame and oggenc, a WAV made here); SVG, HTML, a PNG header on garbage, a program renamed .png, a file past
the limit are refused with a 400 and one line. Then the stored file is served (open without a login, its
type, nosniff, a long cache, from instance/media/ once read) and deleted; a rule that uses it keeps it."""

import io
import json
import math
import struct
import time
import wave
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import create_engine, insert, select
from support.inprocess import running_app

from assistant.actions.media import MAX_FILES, media_exists
from assistant.actions.mediacheck import MAX_BYTES, MAX_SIDE, MediaRefused, identify
from assistant.records.schema import action_rules, media

DATA = Path(__file__).resolve().parent / "data"
PASSWORD = "media test password"


def image(fmt, size=(48, 32), **options):
    out = io.BytesIO()
    Image.new("RGB", size, (255, 61, 113)).save(out, fmt, **options)
    return out.getvalue()


def animated_gif(frames=4):
    out = io.BytesIO()
    pictures = [Image.new("RGB", (24, 24), (60 * n, 255 - 60 * n, 90)) for n in range(frames)]
    pictures[0].save(out, "GIF", save_all=True, append_images=pictures[1:], duration=80, loop=0)
    return out.getvalue()


def wav(seconds=0.2, rate=8000):
    out = io.BytesIO()
    with wave.open(out, "wb") as sound:
        sound.setnchannels(1)
        sound.setsampwidth(2)
        sound.setframerate(rate)
        sound.writeframes(b"".join(struct.pack("<h", int(9000 * math.sin(i / 3))) for i in range(int(rate * seconds))))
    return out.getvalue()


GOOD = {
    "png": (lambda: image("PNG"), "image", "image/png"),
    "gif": (animated_gif, "image", "image/gif"),
    "jpg": (lambda: image("JPEG"), "image", "image/jpeg"),
    "webp": (lambda: image("WEBP"), "image", "image/webp"),
    "mp3": (lambda: (DATA / "chime.mp3").read_bytes(), "sound", "audio/mpeg"),
    "ogg": (lambda: (DATA / "chime.ogg").read_bytes(), "sound", "audio/ogg"),
    "wav": (wav, "sound", "audio/wav"),
}

SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><circle r="4"/></svg>'
HTML = b"\xef\xbb\xbf\n  <!doctype html><html><script>alert(document.cookie)</script></html>"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(range(256)) * 8
BAD = {
    "svg": (SVG, "SVG, HTML and other markup are never accepted"),
    "html": (HTML, "SVG, HTML and other markup are never accepted"),
    "png header on garbage": (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "starts like a PNG but is not"),
    "png cut short": (image("PNG", (300, 200))[:-40], "starts like a PNG but is not"),
    "gif header on garbage": (b"GIF89a" + b"\x10\x00\x10\x00" + bytes(300), "starts like a GIF but is not"),
    "jpeg header on garbage": (b"\xff\xd8\xff\xe0" + bytes(range(200)), "starts like a JPEG but is not"),
    "ogg header on garbage": (b"OggS" + bytes(range(250)), "starts like a Ogg but is not"),
    "mp3 sync on garbage": (b"\xff\xfb\x90\x64" + bytes(range(256)) * 3, "starts like a MP3 but is not"),
    "wav without its format": (b"RIFF\x24\x00\x00\x00WAVEdata\x00\x00\x00\x00", "starts like a WAV but is not"),
    "exe renamed": (EXE, "is not a PNG, GIF, JPEG or WebP image, or an MP3, Ogg or WAV sound"),
    "text": (b"just some words", "is not a PNG"),
    "empty": (b"", "The file is empty."),
    "huge image": (image("PNG", (MAX_SIDE + 1, 8)), f"at most {MAX_SIDE} on each side"),
}


# --- the check alone --------------------------------------------------------------------------------------


@pytest.mark.parametrize("extension", GOOD)
def test_real_images_and_sounds_are_recognised_by_their_content(extension):
    make, kind, content_type = GOOD[extension]
    found = identify(make())
    assert (found.extension, found.kind, found.content_type) == (extension, kind, content_type)


@pytest.mark.parametrize("case", BAD)
def test_anything_else_is_refused_with_a_line_saying_why(case):
    data, said = BAD[case]
    with pytest.raises(MediaRefused) as refused:
        identify(data)
    assert said in refused.value.message
    assert "\n" not in refused.value.message


def test_a_long_animation_is_refused_before_it_is_decoded(monkeypatch):
    monkeypatch.setattr("assistant.actions.mediacheck.MAX_PIXELS", 24 * 24 * 3)
    with pytest.raises(MediaRefused, match="too many frames"):
        identify(animated_gif(frames=4))


# --- the routes -------------------------------------------------------------------------------------------


@pytest.fixture
def app(tmp_path):
    with running_app(tmp_path) as running:
        yield running


def upload(client, data, filename="file.bin", content_type="application/octet-stream"):
    return client.post("/api/media", data={"file": (io.BytesIO(data), filename, content_type)},
                       content_type="multipart/form-data")


def test_an_upload_is_kept_listed_served_and_deleted(app):
    client = app.test_client()
    png = image("PNG")
    answer = upload(client, png, "../../Stream\x00 logo\u202e.png", "text/html")
    assert answer.status_code == 201, answer.json
    made = answer.json
    name = made["name"]
    assert name.endswith(".png") and len(name) == 68
    assert made | {"createdAt": 0} == {"name": name, "kind": "image", "contentType": "image/png", "size": len(png),
                                      "originalName": "Stream logo.png", "url": f"/media/{name}", "createdAt": 0}

    again = upload(client, png, "copy.png")
    assert again.status_code == 200 and again.json["name"] == name, "the same content is kept once"
    sound = upload(client, (DATA / "chime.ogg").read_bytes(), "chime.ogg", "audio/ogg")
    assert sound.status_code == 201 and sound.json["kind"] == "sound"

    listed = client.get("/api/media").json["media"]
    assert [item["name"] for item in listed] == [sound.json["name"], name], "newest first"

    served = client.get(f"/media/{name}")
    assert served.status_code == 200 and served.data == png
    assert served.mimetype == "image/png"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert "max-age=31536000" in served.headers["Cache-Control"] and "immutable" in served.headers["Cache-Control"]
    cached = Path(app.instance_path) / "media" / name
    assert cached.read_bytes() == png, "written to instance/media on first use"
    assert client.get(f"/media/{name}", headers={"If-None-Match": served.headers["ETag"]}).status_code == 304
    ranged = client.get(f"/media/{sound.json['name']}", headers={"Range": "bytes=0-3"})
    assert ranged.status_code == 206 and ranged.data == b"OggS", "a sound is played with range requests"

    assert client.delete(f"/api/media/{name}").status_code == 204
    assert not cached.exists()
    assert client.get(f"/media/{name}").status_code == 404
    assert client.delete(f"/api/media/{name}").json["error"] == "not_found"
    assert client.get("/media/../../etc/passwd").status_code == 404
    assert client.get("/media/" + "a" * 64 + ".exe").status_code == 404


@pytest.mark.parametrize("case", ["svg", "html", "png header on garbage", "exe renamed"])
def test_the_route_refuses_what_is_not_an_image_or_a_sound_with_400(app, case):
    data, said = BAD[case]
    answer = upload(app.test_client(), data, "innocent.png", "image/png")
    assert answer.status_code == 400
    assert answer.json["error"] == "bad_media" and said in answer.json["message"]
    assert app.test_client().get("/api/media").json["media"] == []


def test_a_file_past_the_limit_and_a_request_without_a_file_are_refused(app):
    client = app.test_client()
    oversize = upload(client, b"\x89PNG\r\n\x1a\n" + bytes(MAX_BYTES))
    assert oversize.status_code == 400
    assert oversize.json == {"error": "too_large", "message": "The file is larger than 8 MB."}
    far_over = upload(client, bytes(MAX_BYTES + 300_000))  # past the request's own limit: never read whole
    assert far_over.status_code == 400 and far_over.json["error"] == "too_large"
    missing = client.post("/api/media", data={"other": "x"}, content_type="multipart/form-data")
    assert missing.status_code == 400 and "field “file”" in missing.json["message"]
    assert client.post("/api/media", json={"file": "x"}).status_code == 400


def test_a_file_a_rule_uses_is_not_deleted_and_media_exists_says_what_is_kept(app, tmp_path):
    client = app.test_client()
    name = upload(client, image("GIF")).json["name"]
    engine = create_engine(f"sqlite:///{tmp_path / 'records.sqlite3'}")
    with engine.begin() as connection:
        connection.execute(insert(action_rules).values(
            id="r1", username="maya", name="Big gift", enabled=True, trigger={"type": "follow"},
            cooldown={"userSeconds": 0, "globalSeconds": 0}, created_at=time.time(), updated_at=time.time(),
            actions=[{"type": "overlay", "text": "{user} followed", "image": name, "seconds": 5}]))
        assert media_exists(connection, name, "image")
        assert not media_exists(connection, name, "sound")
        assert not media_exists(connection, "0" * 64 + ".gif", "image")
        assert not media_exists(connection, "../x", "image")
    refused = client.delete(f"/api/media/{name}")
    assert refused.status_code == 409
    assert refused.json == {"error": "in_use", "message": "Rules use this file (“Big gift”): change them first."}
    with engine.begin() as connection:
        assert connection.execute(select(media.c.name)).scalars().all() == [name]
    engine.dispose()


def test_the_server_keeps_a_bounded_number_of_uploads(app, monkeypatch):
    monkeypatch.setattr("assistant.actions.media.MAX_FILES", 2)
    client = app.test_client()
    assert upload(client, image("PNG")).status_code == 201
    assert upload(client, image("JPEG")).status_code == 201
    refused = upload(client, image("WEBP"))
    assert refused.status_code == 400 and refused.json["error"] == "too_many"
    assert MAX_FILES == 500


def test_without_records_the_routes_say_so_and_the_page_still_opens(tmp_path):
    with running_app(tmp_path, RECORD_STREAMS=False) as app:
        client = app.test_client()
        answer = upload(client, image("PNG"))
        assert answer.status_code == 404 and answer.json["error"] == "records_off"
        assert client.get("/api/media").json["error"] == "records_off"
        assert client.get("/actions").status_code == 200


def test_with_a_password_media_files_are_open_and_the_rest_needs_a_login(tmp_path):
    with running_app(tmp_path, ACCESS_PASSWORD=PASSWORD, SECRET_KEY="m" * 40) as app:
        client = app.test_client()
        assert upload(client, image("PNG")).status_code == 401
        assert client.get("/api/media").status_code == 401
        assert client.get("/actions", headers={"Accept": "text/html"}).status_code == 302
        assert client.post("/login", data={"password": PASSWORD}).status_code == 303
        name = upload(client, image("PNG")).json["name"]
        anonymous = app.test_client()
        assert anonymous.get(f"/media/{name}").status_code == 200, "OBS has no login"
        assert anonymous.delete(f"/api/media/{name}").status_code == 401
        assert json.loads(anonymous.get("/api/media").data)["error"] == "unauthorized"
