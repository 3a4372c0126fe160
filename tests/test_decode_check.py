"""The decode check: frames decoded again by TikTokLive's own decoder and the former normalisation
(assistant/tiktok/reference.py), the events compared with the fast path's (compare.py), counted per stream
(streams/decodecheck.py). Frames are made as the simulator sends them, with TikTokLive's classes."""

import logging

from TikTokLive.events import EVENT_MAPPINGS

from assistant.simulator import protocol
from assistant.simulator.model import Chat, Garbled, Gift, GiftInfo, Like, Raw, SimUser
from assistant.streams.decodecheck import QUEUE_FRAMES, DecodeCheck, counts
from assistant.tiktok import decode, normalise, reference, schema
from assistant.tiktok.compare import Comparison, compare_frame, first_difference

VIEWER = SimUser(7234567890123456789, "ann.k", "Ann <b>K</b> 🎁")
ROSE = GiftInfo(5655, "Rose", 1, 1)


def frame(events, gzipped=True):
    """A push frame carrying the messages the simulator makes of `events`."""
    payload = protocol.push_payload([protocol.build_message(event, 42, "http://sim") for event in events], 42, "1")
    return protocol.push_frame(protocol.compress(payload) if gzipped else payload, 9, gzipped)


def every_type():
    """One message of each type TikTokLive knows, the shown ones with content."""
    shown = {"WebcastChatMessage": Chat(VIEWER, "hello"), "WebcastGiftMessage": Gift(VIEWER, ROSE, 3, False, 1),
             "WebcastLikeMessage": Like(VIEWER, 5, 99)}
    return [shown.get(method, Raw(method, {})) for method in EVENT_MAPPINGS] + [
        Raw("WebcastControlMessage", {"action": 3}),
        Raw("WebcastSocialMessage", {"common": {"display_text": {"key": "pm_mt_guidance_share"}}, "user": {"id": 5}}),
    ]


def test_the_reference_knows_every_type_the_fast_path_relays():
    assert set(reference.NORMALISERS) == decode.RELAYED == set(normalise.NORMALISERS)


def test_every_type_tiktoklive_knows_decodes_alike_and_the_unshown_are_counted():
    data = frame(every_type())
    assert compare_frame(data) == Comparison(len(EVENT_MAPPINGS) + 2)
    decoder = decode.Decoder("test")
    events = []
    decoder.relay(decoder.frame(data)[1], lambda event, message_id: events.append(event["type"]))
    assert decoder.skipped == {method: 1 for method in EVENT_MAPPINGS if method not in decode.RELAYED}
    assert len(decoder.skipped) == len(EVENT_MAPPINGS) - len(normalise.NORMALISERS) and decoder.garbled == 0
    # Of the types a streamer sees beside those, a message that says nothing shows nothing, bar a subscription.
    assert events == ["chat", "gift", "join", "like", "viewers", "subscribe", "end", "share"]


def test_a_wrong_value_on_the_fast_path_is_named_by_method_and_field(monkeypatch):
    read, chat = decode._DISPATCH["WebcastChatMessage"]

    def misread(message, ts, history):
        event = chat(message, ts, history)
        return {**event, "user": {**event["user"], "nickname": "someone else"}}

    monkeypatch.setitem(decode._DISPATCH, "WebcastChatMessage", (read, misread))
    data = frame([Like(VIEWER, 1, 2), Chat(VIEWER, "hello"), Chat(VIEWER, "again")])
    assert compare_frame(data) == Comparison(3, ("WebcastChatMessage", "user.nickname"))


def test_a_message_one_side_reads_and_the_other_not_is_a_difference_of_type(monkeypatch):
    monkeypatch.setitem(decode._DISPATCH, "WebcastLikeMessage", (schema.MESSAGES["WebcastLikeMessage"].FromString,
                                                               lambda message, ts, history: None))
    assert compare_frame(frame([Like(VIEWER, 1, 2)], gzipped=False)) == Comparison(1, ("WebcastLikeMessage", "type"))


def test_what_tiktoklive_cannot_read_is_counted_apart_never_as_a_difference():
    garbled = protocol.build_message(Garbled("WebcastChatMessage"), 42, "")
    payload = protocol.push_payload([garbled, protocol.build_message(Chat(VIEWER, "fine"), 42, "")], 42, "1")
    assert compare_frame(protocol.push_frame(payload, 1, False)) == Comparison(2, reference_failed=True)
    assert compare_frame(b"\x0a\xff\xff") == Comparison(0, reference_failed=True), "not a push frame at all"
    keep_alive = protocol.push_frame(protocol.push_payload([], 42, "2"), 2, False)
    assert compare_frame(keep_alive) == Comparison(0), "nothing to compare"


def test_the_first_difference_is_a_dotted_path():
    event = {"type": "battle", "user": {"userId": "1", "nickname": "a"}, "teams": [{"score": 1}], "streaking": True}
    assert first_difference(event, {**event}) is None
    assert first_difference(event, {**event, "user": {"userId": "1", "nickname": "b"}}) == "user.nickname"
    assert first_difference(event, {**event, "teams": [{"score": 2}]}) == "teams.0.score"
    assert first_difference(event, {**event, "teams": []}) == "teams.0"
    assert first_difference(event, {**event, "streaking": 1}) == "streaking", "1 is not True"
    assert first_difference(event, {**event, "extra": 0}) == "extra"


def test_the_check_counts_frames_and_logs_a_difference_once_a_minute_without_content(caplog):
    check = DecodeCheck("someone", 1.0, before={"checked": 10, "differed": 0, "referenceFailed": 1})
    assert check.state() == {"checked": 10, "differed": 0, "referenceFailed": 1, "dropped": 0, "last": None}
    check.count(Comparison(0))  # a keep-alive: nothing was compared
    check.count(Comparison(3))
    check.count(Comparison(2, reference_failed=True))
    with caplog.at_level(logging.WARNING, logger="assistant.streams.decodecheck"):
        for field in ("comment", "user.nickname"):
            check.count(Comparison(1, ("WebcastChatMessage", field)))
    assert check.state() == {"checked": 14, "differed": 2, "referenceFailed": 2, "dropped": 0,
                             "last": {"method": "WebcastChatMessage", "field": "user.nickname"}}
    assert [record.getMessage() for record in caplog.records] == [
        "Decode check of @someone: the fast decode differs from TikTokLive's on a WebcastChatMessage, field comment "
        "(1 of 13 frames checked differ)"]


def test_sampled_frames_wait_in_a_bounded_queue_and_the_rest_are_counted_as_dropped():
    check = DecodeCheck("someone", 1.0)
    for _ in range(QUEUE_FRAMES + 5):
        check.sample(b"frame")
    assert check.state()["dropped"] == 5
    off = DecodeCheck("someone", 0.0)
    off.sample(b"frame")
    off.start()  # nothing to start at rate 0
    assert off.state() == counts(None) == {"checked": 0, "differed": 0, "referenceFailed": 0, "dropped": 0,
                                           "last": None}
