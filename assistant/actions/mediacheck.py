"""What an uploaded file is, from its content alone (docs/actions.md, "Media").

The overlay shows uploads to OBS and every viewer of the stream, and the server serves them back, so only
what a browser shows as an image or plays as a sound is kept: PNG, GIF, JPEG and WebP images (decoded, every
frame, by Pillow), MP3, Ogg (Vorbis or Opus) and WAV sounds (their structure read by mutagen). The file's name
and the type its sender declared are never asked: a PNG header on anything else, an SVG or an HTML page, a
program renamed .png are refused with one line saying why. The decoding is bounded (each side, frames and
pixels in all), so a small file that would decode into gigabytes is refused before it is decoded.

`identify(data) -> MediaType`, or `MediaRefused(message)`. It decodes in C for most of its time (Pillow lets
go of the interpreter lock while it decodes): the caller runs it in a pool thread, off the hub.
"""

import io
import logging
from dataclasses import dataclass

from mutagen import MutagenError
from mutagen.mp3 import MP3
from mutagen.oggopus import OggOpus
from mutagen.oggvorbis import OggVorbis
from mutagen.wave import WAVE
from PIL import Image

log = logging.getLogger(__name__)

MAX_BYTES = 8 * 1024 * 1024
MAX_SIDE = 4096  # pixels, each side of an image
MAX_FRAMES = 1000  # of an animated GIF or WebP
MAX_PIXELS = 150_000_000  # decoded over all of an image's frames: about a second of CPU at most
ACCEPTED = "a PNG, GIF, JPEG or WebP image, or an MP3, Ogg or WAV sound"


@dataclass(frozen=True)
class MediaType:
    kind: str  # "image" or "sound"
    extension: str  # of the stored name: <sha256>.<extension>
    content_type: str


PNG = MediaType("image", "png", "image/png")
GIF = MediaType("image", "gif", "image/gif")
JPEG = MediaType("image", "jpg", "image/jpeg")
WEBP = MediaType("image", "webp", "image/webp")
MP3_SOUND = MediaType("sound", "mp3", "audio/mpeg")
OGG_SOUND = MediaType("sound", "ogg", "audio/ogg")
WAV_SOUND = MediaType("sound", "wav", "audio/wav")
TYPES = (PNG, GIF, JPEG, WEBP, MP3_SOUND, OGG_SOUND, WAV_SOUND)
EXTENSIONS = tuple(kind.extension for kind in TYPES)
_PILLOW_FORMATS = {PNG: "PNG", GIF: "GIF", JPEG: "JPEG", WEBP: "WEBP"}


class MediaRefused(ValueError):
    """The upload is not an image or a sound this server keeps; the message is one line for a 400."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def sniff(data):
    """The type the first bytes claim, or None: which decoder is asked to prove it."""
    head = data[:16]
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return WAV_SOUND
    if head.startswith(b"OggS"):
        return OGG_SOUND
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return MP3_SOUND  # an ID3 tag, or an MPEG audio frame's sync bits
    return None


def _looks_like_text_markup(data):
    start = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    return start.startswith(b"<")


def identify(data):
    """The MediaType `data` is, proven by decoding it; MediaRefused otherwise."""
    if not data:
        raise MediaRefused("The file is empty.")
    if len(data) > MAX_BYTES:
        raise MediaRefused(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB.")
    claimed = sniff(data)
    if claimed is None:
        if _looks_like_text_markup(data):
            raise MediaRefused(f"SVG, HTML and other markup are never accepted: upload {ACCEPTED}.")
        raise MediaRefused(f"This file is not {ACCEPTED} (it was read by its content, not its name).")
    if claimed.kind == "image":
        _check_image(data, claimed)
    else:
        _check_sound(data, claimed)
    return claimed


def _refuse_broken(claimed, ex):
    log.info("Media: a %s upload did not decode: %s: %s", claimed.extension, type(ex).__name__, ex)
    name = claimed.extension.upper().replace("JPG", "JPEG").replace("WEBP", "WebP").replace("OGG", "Ogg")
    return MediaRefused(f"This file starts like a {name} but is not a whole, valid one; upload {ACCEPTED}.")


def _check_image(data, claimed):
    try:
        with Image.open(io.BytesIO(data), formats=[_PILLOW_FORMATS[claimed]]) as image:
            width, height = image.size
            frames = getattr(image, "n_frames", 1)
            if not (0 < width <= MAX_SIDE and 0 < height <= MAX_SIDE):
                raise MediaRefused(f"The image is {width} × {height} pixels: at most {MAX_SIDE} on each side.")
            if frames > MAX_FRAMES or width * height * frames > MAX_PIXELS:
                raise MediaRefused(f"The animation has too many frames for its size ({frames} of {width} × "
                                   f"{height}): make it shorter or smaller.")
            image.verify()  # PNG: every chunk's checksum
        with Image.open(io.BytesIO(data), formats=[_PILLOW_FORMATS[claimed]]) as image:
            for frame in range(frames):  # every frame decoded: nothing but image data in it
                image.seek(frame)
                image.load()
    except MediaRefused:
        raise
    except Exception as ex:  # a decoder of hostile bytes raises anything: OSError, SyntaxError, struct.error...
        raise _refuse_broken(claimed, ex) from ex


def _check_sound(data, claimed):
    readers = {MP3_SOUND: (MP3,), OGG_SOUND: (OggVorbis, OggOpus), WAV_SOUND: (WAVE,)}[claimed]
    failure = None
    for reader in readers:
        try:
            sound = reader(io.BytesIO(data))
        except (MutagenError, ValueError, EOFError, IndexError) as ex:  # mutagen's own, and a struct cut short
            failure = ex
            continue
        if sound.info is not None and sound.info.length > 0:
            return
        failure = ValueError("no audio in it")
    raise _refuse_broken(claimed, failure)
