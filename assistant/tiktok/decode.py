"""The per-frame path: push frame -> (gunzip) -> fetch result -> the contract's events, on protobuf's C decoder.

TikTokLive would decode the frame, the fetch result and then every message of every type with
betterproto2, and build an event object for each. Here the frame and the fetch result are read with
the small classes of `schema`; each message is dispatched on its `method`: the types the app does
not relay are skipped undecoded, the others are decoded (only the fields the app reads) and
normalised straight into event dicts. The skipped ones are counted per method (`skipped`, in /debug).

A share of the frames (DECODE_CHECK_RATE) is handed, as received, to a decode check (`sample`), which
decodes them again with TikTokLive's own decoder off this path (streams/decodecheck.py).

What cannot be decoded (a garbled frame or message) is skipped and counted, never fatal to the
batch or the connection, and logged at most once a minute per stream (a garbled stream may send thousands).
"""

import gzip
import logging
import time
import zlib

from google.protobuf.message import DecodeError

from . import normalise, schema

log = logging.getLogger(__name__)

if schema.BACKEND != "upb":
    log.warning("protobuf runs on its %r backend, not upb (C): the fast decode will be slow", schema.BACKEND)

# Method -> (decoder class, normaliser), for the messages the app relays; every other type is skipped.
_DISPATCH = {method: (schema.MESSAGES[method].FromString, normaliser)
             for method, normaliser in normalise.NORMALISERS.items()}
RELAYED = frozenset(_DISPATCH)
"""The methods the app decodes; every other one is skipped undecoded (and counted)."""
READ_ERRORS = (DecodeError, zlib.error, EOFError, gzip.BadGzipFile)
LOG_INTERVAL_SECONDS = 60.0
# Distinct methods counted in `skipped` by name: the method is TikTok's text, and a stream that sent endless
# new ones must not grow the count without bound (nor /debug with it). Past it they count under OTHER_METHODS.
MAX_SKIPPED_METHODS = 200
OTHER_METHODS = "(other)"


def _now_ms():
    return int(time.time() * 1000)


def _gunzip(data):
    """gzip.decompress, at a third of its cost for the usual single member (TikTokLive's GzipFile: a sixth)."""
    inflater = zlib.decompressobj(wbits=31)
    inflated = inflater.decompress(data)
    if not inflater.eof or inflater.unused_data:
        return gzip.decompress(data)  # more members, padding, or cut short (then it raises)
    return inflated


def ack_frame(log_id, internal_ext):
    """The ack TikTokLive sends for a frame that needs one (WebcastWSClient.send_ack), encoded by upb."""
    return schema.PushFrame(payload_type="ack", payload_encoding="pb", log_id=log_id,
                            payload=(internal_ext or "-").encode()).SerializeToString()


def decode_message(method, payload, ts, history):
    """What the fast path makes of one message: (event or None, its message id), or None for a type it does not
    relay. Raises DecodeError on a payload it cannot read."""
    entry = _DISPATCH.get(method)
    if entry is None:
        return None
    decode, normaliser = entry
    decoded = decode(payload)
    return normaliser(decoded, ts, history), decoded.common.msg_id  # the normaliser decodes the viewer, if any


def read_frame(data, on_unknown_compression=None):
    """A push socket's frame -> (frame, fetch result), or None when it carries no messages (heartbeat, ack,
    room-switch answer). Raises one of READ_ERRORS on a frame it cannot read."""
    frame = schema.PushFrame.FromString(data)
    if frame.payload_type != "msg":
        return None
    payload = frame.payload
    compress_type = next((h.value for h in frame.headers if h.key == "compress_type"), None)
    if compress_type == "gzip":
        payload = _gunzip(payload)
    elif compress_type and compress_type != "none" and on_unknown_compression is not None:
        on_unknown_compression(compress_type)  # as TikTokLive does: read it as it is
    return frame, schema.FetchResult.FromString(payload)


class Decoder:
    """One stream's decoding: frames in, events out. `garbled` counts what could not be decoded; `skipped`
    ({method: count}, given by the caller to count over several connections) the messages of the types the app
    does not relay. `check`: the stream's decode check (its `sample(frame)` is handed every frame), or None."""

    def __init__(self, username, skipped=None, check=None):
        self.username = username
        self.garbled = 0
        self.skipped = {} if skipped is None else skipped
        self._check = check
        self.last_frame_at = None  # monotonic time of the last frame received
        self._logged_at = None  # monotonic time of the last warning
        self._unlogged = 0  # skips since then that were not logged

    def frame(self, data):
        """A push socket's frame -> (frame, fetch result) for TikTokLive's ack, or None when it carries
        no messages (heartbeat, ack, room-switch answer) or cannot be read."""
        self.last_frame_at = time.monotonic()  # any frame at all: the stall watchdog reads it
        if self._check is not None:
            self._check.sample(data)
        try:
            return read_frame(data, self._unknown_compression)
        except READ_ERRORS as ex:
            self._garbled("push frame", len(data), ex)
            return None

    def relay(self, fetch_result, emit):
        """Pass each relayed event of `fetch_result` to `emit(event, message_id)`, in order; True if one
        of them was the stream's end. `fetch_result` is a `schema.FetchResult`, or TikTokLive's own
        ProtoMessageFetchResult (the sign server's first answer, which TikTokLive decodes itself)."""
        ts = _now_ms()  # one receive time for the whole batch
        history = fetch_result.is_first  # the first result carries the chat TikTok replays on connect
        ended = False
        for message in fetch_result.messages:
            method = message.method
            if method not in RELAYED:  # a type the app does not use: never decoded, counted
                self._skip(method)
                continue
            payload = message.payload
            try:
                event, message_id = decode_message(method, payload, ts, history)
            except DecodeError as ex:
                self._garbled(method, len(payload), ex)
                continue
            except Exception:  # a bug here must cost one event, not the connection
                self._warn("Could not normalise a %s from @%s", method, self.username, exc_info=True)
                continue
            if event is not None:
                if event["type"] == "end":
                    ended = True
                emit(event, message_id)
        return ended

    def _skip(self, method):
        skipped = self.skipped
        if method not in skipped and len(skipped) >= MAX_SKIPPED_METHODS:
            method = OTHER_METHODS
        skipped[method] = skipped.get(method, 0) + 1

    def _unknown_compression(self, compress_type):
        self._warn("Unknown compression %r of a frame from @%s", compress_type, self.username)

    def _garbled(self, what, size, error):
        self.garbled += 1
        self._warn("Failed to parse %s (%d bytes) from @%s, skipped: %s; %d skipped so far",
                   what, size, self.username, error, self.garbled)

    def _warn(self, message, *args, exc_info=False):
        """Log a warning, at most one every LOG_INTERVAL_SECONDS; the next one says how many were not."""
        now = time.monotonic()
        if self._logged_at is not None and now - self._logged_at < LOG_INTERVAL_SECONDS:
            self._unlogged += 1
            return
        if self._unlogged:
            message += f" ({self._unlogged} more warnings since the last one logged)"
        self._logged_at, self._unlogged = now, 0
        log.warning(message, *args, exc_info=exc_info)
