"""One push frame decoded both ways, by the fast path (decode.py) and by TikTokLive with the former
normalisation (reference.py), and the events compared message by message: what the decode check
(streams/decodecheck.py) does with each frame it samples.

The fast path reads only the fields the app uses, numbered from TikTokLive's classes; were TikTok to change a
message, it could read wrong values without a word, where TikTokLive (which reads every field, and fails on
what it cannot) would notice or read the right ones. Both get the same receive time, so `ts` never differs.
"""

from dataclasses import dataclass
from itertools import zip_longest

from . import decode, reference

_TS = 0  # the receive time given to both: it is not what is compared


@dataclass(frozen=True)
class Comparison:
    """`messages`: how many the frame carried (0: nothing to compare, a heartbeat or keep-alive). `difference`:
    (method, field) of the first message whose events differ, `field` a dotted path into the event (`type`
    when only one side made an event; `common.msg_id` for the message id), or None. `reference_failed`:
    TikTokLive could not read the frame or one of its messages (those were not compared). A frame that carries
    no messages and that TikTokLive reads is nothing to check."""

    messages: int
    difference: tuple[str, str] | None = None
    reference_failed: bool = False


def prepare(data):
    """Make TikTokLive's classes for the messages of the push frame `data` ready (reference.prepare), their
    methods read by the fast path's decoder; nothing for a frame it cannot read."""
    try:
        read = decode.read_frame(data)
    except decode.READ_ERRORS:
        return
    if read is not None:
        reference.prepare({message.method for message in read[1].messages})


def compare_frame(data, between=None):
    """Decode the push frame `data` both ways and compare: a Comparison. `between()`, if given, is called after
    each message (the decode check yields to the hub there: a message costs TikTokLive about half a
    millisecond, a frame of a busy live a hundred of them)."""
    try:
        read = decode.read_frame(data)
    except decode.READ_ERRORS:
        read = None  # the fast path skipped it as garbled: whatever TikTokLive reads in it was lost
    fast = read[1] if read is not None else None
    fast_messages = fast.messages if fast is not None else []
    try:
        expected = reference.read_frame(data)
    except Exception:
        return Comparison(len(fast_messages), reference_failed=True)  # nothing to hold the fast path to
    expected_messages = expected.messages if expected is not None else []
    difference, failed = None, False
    for fast_message, message in zip_longest(fast_messages, expected_messages):  # a missing one: None
        ours = _fast(fast_message, fast.is_first) if fast_message is not None else None
        theirs = None
        if message is not None:
            try:
                theirs = reference.decode_message(message.method, message.payload, _TS, expected.is_first)
            except Exception:
                failed = True
                continue
        field = _difference(ours, theirs)
        if difference is None and field is not None:
            difference = ((message or fast_message).method, field)
        if between is not None:
            between()
    return Comparison(max(len(fast_messages), len(expected_messages)), difference, failed)


def _fast(message, history):
    """(event, message id) as the per-frame path relays it; None when it relays nothing for this message."""
    try:
        return decode.decode_message(message.method, message.payload, _TS, history)
    except Exception:
        return None  # skipped, as garbled (DecodeError) or after a warning (decode.Decoder.relay)


def _difference(ours, theirs):
    """The first field where two decodes of a message differ: a dotted path, or None when they agree."""
    our_event, our_id = ours if ours is not None else (None, None)
    their_event, their_id = theirs if theirs is not None else (None, None)
    if our_event is None or their_event is None:
        return None if our_event is their_event else "type"
    return first_difference(our_event, their_event) or (None if our_id == their_id else "common.msg_id")


def first_difference(ours, theirs, path=""):
    """The dotted path of the first value that differs between two events (dicts, lists by index, and values of
    the same type and value: 1 is not True), or None when they are equal."""
    if isinstance(ours, dict) and isinstance(theirs, dict):
        for key in [*ours, *(key for key in theirs if key not in ours)]:
            where = f"{path}.{key}" if path else str(key)
            if key not in ours or key not in theirs:
                return where
            found = first_difference(ours[key], theirs[key], where)
            if found is not None:
                return found
        return None
    if isinstance(ours, list) and isinstance(theirs, list):
        for index, (mine, other) in enumerate(zip_longest(ours, theirs)):
            found = first_difference(mine, other, f"{path}.{index}" if path else str(index))
            if found is not None:
                return found
        return None
    return None if (type(ours), ours) == (type(theirs), theirs) else (path or "type")
