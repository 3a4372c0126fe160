"""The fast decode (assistant.tiktok: upb, only the fields read) against TikTokLive's own decode.

Messages of every relayed type are generated with TikTokLive's proto classes and serialised as TikTok
sends them (in a fetch result's message list, inside a push frame, gzipped or not). Both paths read the
same frames: the fast one, and the reference (assistant/tiktok/reference.py: TikTokLive's betterproto2 decode
and event objects, then the app's normalisation as it was before the fast path). Their events must be
identical, `ts` aside, with the same message ids. The decode check (compare.py, streams/decodecheck.py) holds
the frames of live streams to the same reference.
"""

import asyncio
import gzip
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from TikTokLive.events import EVENT_MAPPINGS
from TikTokLive.proto import (
    BattleResultResult,
    BattleSettingsBattleStatus,
    CommonMessageData,
    ControlAction,
    EnvelopeBusinessType,
    EnvelopeDisplay,
    Gift,
    GoalMessageSource,
    ImageModel,
    LinkMicBattleBattleAction,
    MemberMessageAction,
    PinMessageActionType,
    ProfitRankType,
    ProtoMessageFetchResult,
    ProtoMessageFetchResultBaseProtoMessage,
    PushHeader,
    User,
    WebcastBarrageMessage,
    WebcastChatMessage,
    WebcastControlMessage,
    WebcastEmoteChatMessage,
    WebcastGiftMessage,
    WebcastImDeleteMessage,
    WebcastLikeMessage,
    WebcastLinkMicArmies,
    WebcastLinkMicBattle,
    WebcastMemberMessage,
    WebcastPollMessage,
    WebcastPushFrame,
    WebcastQuestionNewMessage,
    WebcastRankUpdateMessage,
    WebcastRoomMessage,
    WebcastRoomPinMessage,
    WebcastRoomUserSeqMessage,
    WebcastSocialMessage,
    WebcastSubNotifyMessage,
)
from TikTokLiveProto.v3.webcast.model.base.emoji import EmoteModel
from TikTokLiveProto.v3.webcast.model.gift.model import (
    LiveStreamGoal,
    LiveStreamSubGoal,
    LiveStreamSubGoalGift,
    WebcastGoalUpdateMessage,
)
from TikTokLiveProto.v3.webcast.model.live.match import BattleBaseUserInfo, BattleUserInfo, HighScoreControlCfg
from TikTokLiveProto.v3.webcast.model.message import (
    PollBasicInfo,
    PollEndContent,
    PollOptionInfo,
    PollStartContent,
    PollUpdateVotesContent,
    Question,
    RankUpdate,
)
from TikTokLiveProto.v3.webcast.model.message.battle import (
    BattleResult,
    BattleSetting,
    BattleUserArmies,
    BattleUserArmy,
    BattleUserInfoWrapper,
    UserArmiesWrapper,
)
from TikTokLiveProto.v3.webcast.model.message.common import Text, TextPiece
from TikTokLiveProto.v3.webcast.model.message.redenvelope import MessageRedEnvelopInfo, WebcastEnvelopeMessage

from assistant.tiktok import connection, decode, reference, schema
from assistant.tiktok.decode import Decoder, ack_frame


def _now_ms():
    return int(time.time() * 1000)


class ReferencePath:
    """The reference's events for frames, as TikTokLive would emit them: a message TikTokLive cannot parse is
    skipped (its client logs it and goes on)."""

    def __init__(self):
        self.out = []

    def frame(self, data):
        result = reference.read_frame(data)
        if result is None:
            return
        for message in result.messages:
            try:
                decoded = reference.decode_message(message.method, message.payload, _now_ms(), result.is_first)
            except Exception:
                continue
            if decoded is not None and decoded[0] is not None:
                self.out.append(decoded)


# --- generated messages, as TikTok sends them --------------------------------------------------------

# betterproto2 keeps a class's field metadata on the class, made on first use, where subclasses find it
# too: were WebcastChatMessage used first, TikTokLive's CommentEvent would parse with its metadata (a plain
# User, not TikTokLive's ExtendedUser) for the rest of the process, this test's and later ones alike.
# TikTokLive's event classes go first, as in the app, where nothing else is parsed.
for _method in (*schema.MESSAGES, "WebcastRoomMessage"):
    EVENT_MAPPINGS[_method]._betterproto  # noqa: B018 (computes it)

INT32 = st.integers(-(2**31), 2**31 - 1)
INT64 = st.one_of(st.integers(-(2**63), 2**63 - 1), st.sampled_from([0, 1, 2**63 - 1, 7_321_654_987_123_456_789]))
COUNT = st.one_of(st.integers(0, 100), INT32)
TEXT = st.one_of(
    st.text(st.characters(exclude_categories=("Cs",)), max_size=30),
    st.sampled_from([
        "", "😀🔥💯", "👨‍👩‍👧‍👦 family", "<b>bold</b> & <script>alert('x')</script>", "&amp; &lt;i&gt;", "\u202etxet",
        "nul\x00byte", "ŻÓŁĆ ñ 中文 العربية", "x" * 500, "🎁" * 120,
    ]),
)
URLS = st.lists(st.one_of(TEXT, st.just("https://p16-sign.tiktokcdn.com/avatar.webp?x-expires=1&sig=a%2Fb")),
                max_size=3)
# A field or two the app does not read rides along everywhere: the fast decode must skip it.
IMAGE = st.one_of(st.none(), st.builds(ImageModel, url_list=URLS, width=INT32))
USER = st.one_of(st.none(), st.builds(User, id=INT64, display_id=TEXT, nickname=TEXT, avatar_thumb=IMAGE, sec_uid=TEXT))
# TikTokLive makes a FollowEvent or a ShareEvent of ANY message (bar control, barrage, envelope) whose
# display key holds "follow" or "share", parsing its payload as a social message; for other types, with
# their other field layouts, that parse fails and ends the connection. The fast path reads follows and
# shares from social messages only (as TikTok-Live-Connector does), so other types get other keys here.
PLAIN_KEY = st.one_of(
    st.sampled_from(["", "live_room_enter_toast", "pm_mt_msg_viewer", "live_gift_send_message_to_anchor"]),
    TEXT.filter(lambda key: "follow" not in key and "share" not in key),
)
SOCIAL_KEY = st.one_of(
    st.sampled_from([
        "pm_main_follow_message_viewer_2", "pm_mt_guidance_share", "pm_mt_guidance_viewer_7_share",
        "follow_and_share", "pm_mt_other", "", "FOLLOW",
    ]),
    TEXT,
)


def _common(keys):
    text = st.one_of(st.none(), st.builds(Text, key=keys, default_pattern=TEXT))
    return st.one_of(st.none(), st.builds(
        CommonMessageData, msg_id=INT64, create_time=INT64, display_text=text,
    ))


COMMON = _common(PLAIN_KEY)
GIFT = st.one_of(st.none(), st.builds(
    Gift, id=INT64, name=TEXT, diamond_count=COUNT, type=st.one_of(st.sampled_from([0, 1, 1, 2]), INT32),
    image=IMAGE, describe=TEXT,
))

MESSAGES = {
    "WebcastChatMessage": st.builds(
        WebcastChatMessage, common=COMMON, user=USER, content=TEXT, content_language=TEXT,
    ),
    "WebcastGiftMessage": st.builds(
        WebcastGiftMessage, common=COMMON, user=USER, gift_id=st.one_of(st.just(0), INT64), repeat_count=COUNT,
        repeat_end=st.one_of(st.sampled_from([0, 1]), INT32), group_id=INT64, gift=GIFT,
    ),
    "WebcastLikeMessage": st.builds(WebcastLikeMessage, common=COMMON, user=USER, count=COUNT, total=INT64),
    "WebcastMemberMessage": st.builds(
        WebcastMemberMessage, common=COMMON, user=USER, member_count=COUNT,
        action=st.sampled_from(list(MemberMessageAction)), user_id=INT64,
    ),
    "WebcastSocialMessage": st.builds(
        WebcastSocialMessage, common=_common(SOCIAL_KEY), user=USER, action=INT64, share_count=COUNT,
    ),
    "WebcastRoomUserSeqMessage": st.builds(
        WebcastRoomUserSeqMessage, common=COMMON, total=INT64, total_user=INT64, pop_str=TEXT,
    ),
    "WebcastControlMessage": st.builds(
        WebcastControlMessage, common=COMMON, action=st.sampled_from([*ControlAction, ControlAction(9)]), tips=TEXT,
    ),
}

# --- the types a streamer sees beside those (assistant/tiktok/rules.py says how each value is read) ------------


def _optional(strategy):
    return st.one_of(st.none(), strategy)


def _enum(enum, *unknown):
    """Values of a TikTokLive enum, and numbers it does not name (kept as numbers, as TikTok may send them)."""
    return st.sampled_from([*enum, *(enum(number) for number in unknown)])


HOST_IDS = st.one_of(st.sampled_from([7001, 7002, 7003]), INT64)  # a few, so that maps and lists share keys
TIME_MS = st.one_of(st.just(0), st.integers(1_700_000_000_000, 1_900_000_000_000), INT64)
TIME_S = st.one_of(st.just(0), st.integers(1_700_000_000, 1_900_000_000), INT32)
SETTINGS = _optional(st.builds(
    BattleSetting, battle_id=INT64, start_time_ms=TIME_MS, duration=st.one_of(st.sampled_from([0, 300]), INT32),
    end_time_ms=TIME_MS, status=_enum(BattleSettingsBattleStatus, 9),
))
SCORE_CONTROL = _optional(st.builds(HighScoreControlCfg, normal_control_applied=st.booleans(),
                                    threshold=st.one_of(st.sampled_from([0, 1000]), INT64)))
ARMY = st.builds(BattleUserArmies, hostscore=INT64, anchor_id_str=TEXT, user_armies=st.lists(st.builds(
    BattleUserArmy, user_id=INT64, nickname=TEXT, score=INT64, avatar_thumb=IMAGE, user_id_str=TEXT), max_size=3))
BATTLE_HOST = st.builds(BattleUserInfoWrapper, key=HOST_IDS, value=_optional(st.builds(
    BattleUserInfo, user=_optional(st.builds(BattleBaseUserInfo, user_id=HOST_IDS, nick_name=TEXT, display_id=TEXT,
                                             avatar_thumb=IMAGE, room_id=INT64)))))
BATTLE_RESULT = st.builds(BattleResult, user_id=INT64, result=_enum(BattleResultResult, 7), score=INT64)
POLL_OPTIONS = st.lists(st.builds(PollOptionInfo, votes=INT64, display_content=TEXT, option_idx=INT32), max_size=3)
INNER_USER = st.one_of(st.none(), st.builds(User, id=INT64, display_id=TEXT, nickname=TEXT, avatar_thumb=IMAGE))
PINNED_CHAT = _optional(st.builds(WebcastChatMessage, common=COMMON, user=INNER_USER, content=TEXT))
SUPER_FAN_KEY = st.one_of(PLAIN_KEY, st.sampled_from([
    "ttlive_superfan_commentnotif_superfanjoined", "TTLIVE_SuperFan_became", "pm_ttlive_superfan_x", "",
]))

MESSAGES.update({
    "WebcastLinkMicBattle": st.builds(
        WebcastLinkMicBattle, common=COMMON, battle_id=INT64, action=_enum(LinkMicBattleBattleAction, 40),
        battle_settings=SETTINGS, fuzzy_display_config_v2=SCORE_CONTROL,
        battle_result=st.dictionaries(HOST_IDS, BATTLE_RESULT, max_size=3),
        armies=st.lists(st.builds(UserArmiesWrapper, key=HOST_IDS, value=_optional(ARMY)), max_size=3),
        anchors_info=st.lists(BATTLE_HOST, max_size=3), bubble_text=TEXT,
    ),
    "WebcastLinkMicArmies": st.builds(
        WebcastLinkMicArmies, common=COMMON, battle_id=INT64, armies=st.dictionaries(HOST_IDS, ARMY, max_size=3),
        battle_settings=SETTINGS, fuzzy_display_config_v2=SCORE_CONTROL, gift_id=INT64,
    ),
    "WebcastPollMessage": st.builds(
        WebcastPollMessage, common=COMMON, poll_id=st.one_of(st.just(0), INT64), message_type=INT64,
        start_content=_optional(st.builds(PollStartContent, start_time=TIME_S, end_time=st.one_of(TIME_S, TIME_MS),
                                          option_list=POLL_OPTIONS, title=TEXT)),
        update_votes_content=_optional(st.builds(PollUpdateVotesContent, option_list=POLL_OPTIONS)),
        end_content=_optional(st.builds(PollEndContent, option_list=POLL_OPTIONS)),
        poll_basic_info=_optional(st.builds(PollBasicInfo, poll_id_str=TEXT, title=TEXT, user_cnt=INT64)),
    ),
    "WebcastGoalUpdateMessage": st.builds(
        WebcastGoalUpdateMessage, common=COMMON, update_source=_enum(GoalMessageSource, 30),
        goal=_optional(st.builds(LiveStreamGoal, id=INT64, id_str=TEXT, description=TEXT, status=INT32,
                                 sub_goals=st.lists(st.builds(
                                     LiveStreamSubGoal, type=INT32, target=st.one_of(st.integers(0, 50), INT64),
                                     progress=st.one_of(st.integers(0, 50), INT64),
                                     gift=_optional(st.builds(LiveStreamSubGoalGift, name=TEXT))), max_size=3))),
        contributor_id=INT64,
    ),
    "WebcastSubNotifyMessage": st.builds(WebcastSubNotifyMessage, common=COMMON, user=USER, sub_month=INT64),
    "WebcastBarrageMessage": st.builds(
        WebcastBarrageMessage, common=COMMON, user=USER, duration=INT64,
        content=_optional(st.builds(Text, key=SUPER_FAN_KEY, default_pattern=TEXT)),
        common_barrage_content=_optional(st.builds(Text, key=SUPER_FAN_KEY)),
    ),
    "WebcastQuestionNewMessage": st.builds(WebcastQuestionNewMessage, common=COMMON, data=_optional(st.builds(
        Question, question_id=INT64, content=TEXT, user=INNER_USER, create_time=INT64))),
    "WebcastEnvelopeMessage": st.builds(
        WebcastEnvelopeMessage, common=_common(st.one_of(PLAIN_KEY, st.just("ttlive_superfanbox_x"))),
        display=_enum(EnvelopeDisplay, 5), envelope_info=_optional(st.builds(
            MessageRedEnvelopInfo, envelope_id=TEXT, business_type=_enum(EnvelopeBusinessType, 77),
            diamond_count=INT32, people_count=INT32, unpack_at=st.one_of(TIME_S, INT32),
            send_user_id=st.one_of(st.just(""), st.just("7001"), TEXT), send_user_name=TEXT,
            send_user_avatar=IMAGE)),
    ),
    "WebcastEmoteChatMessage": st.builds(
        WebcastEmoteChatMessage, common=COMMON, user=USER,
        emote_list=st.lists(st.builds(EmoteModel, emote_id=TEXT, image=IMAGE, uuid=TEXT), max_size=3),
    ),
    "WebcastRoomPinMessage": st.builds(
        WebcastRoomPinMessage, common=COMMON, action=_enum(PinMessageActionType, 8),
        pin_msg_id=st.one_of(st.just(0), INT64), chat_message=PINNED_CHAT, method=TEXT,
    ),
    "WebcastImDeleteMessage": st.builds(WebcastImDeleteMessage, common=COMMON,
                                        delete_msg_ids=st.lists(INT64, max_size=3),
                                        delete_user_ids=st.lists(INT64, max_size=3)),
    "WebcastRankUpdateMessage": st.builds(WebcastRankUpdateMessage, common=COMMON, updates=st.lists(st.builds(
        RankUpdate, rank_type=_enum(ProfitRankType, 99), own_rank=INT64, countdown=INT64,
        default_content=_optional(st.builds(Text, key=TEXT, default_pattern=st.one_of(
            TEXT, st.just("No. {0:string} {1:string} {5:string}")), pieces=st.lists(
            st.builds(TextPiece, type=INT32, string_value=TEXT), max_size=3)))), max_size=2)),
})
# Types the app does not use, with payloads valid or not: neither path relays anything for them.
UNUSED = st.one_of(
    st.builds(lambda message: ("WebcastRoomMessage", bytes(message)),
              st.builds(WebcastRoomMessage, common=COMMON, content=TEXT)),
    st.tuples(st.sampled_from(["WebcastGiftBroadcastMessage", "WebcastLinkMicMethod", "WebcastSomethingNew", ""]),
              st.binary(max_size=40)),
)
# Payloads both decoders refuse: a truncated varint (the simulator's "garbled" event), lengths running
# past the end, an 11-byte varint, a tag with no value. (Not wire types 3, 4, 6 or 7: betterproto2 skips
# those, upb refuses them as the invalid protobuf they are; TikTok sends none. Nor damage inside a
# sub-message the app does not read: upb skips it unread, where TikTokLive drops the whole message.)
GARBLED_PAYLOADS = [b"\x0a\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", b"\x0a\x05ab", b"\x12\x03\x08\x80",
                    b"\x08" + b"\xff" * 10 + b"\x01", b"\x1a"]
GARBLED = st.tuples(st.sampled_from(sorted(MESSAGES)), st.sampled_from(GARBLED_PAYLOADS))
USED = st.one_of(*(st.tuples(st.just(method), strategy.map(bytes)) for method, strategy in MESSAGES.items()))


def fetch_result(messages, is_first):
    """A fetch result's bytes holding (method, payload) `messages`."""
    return bytes(ProtoMessageFetchResult(
        messages=[ProtoMessageFetchResultBaseProtoMessage(method=method, payload=payload, msg_id=n)
                  for n, (method, payload) in enumerate(messages)],
        cursor="1", internal_ext="internal_src:dim|fetch_time:1", need_ack=True, is_first=is_first,
    ))


def push_frame(payload, compression):
    """A "msg" push frame carrying `payload`, gzipped when `compression` is "gzip"."""
    if compression == "gzip":
        payload = gzip.compress(payload, mtime=0)
    headers = [] if compression is None else [PushHeader(key="compress_type", value=compression)]
    return bytes(WebcastPushFrame(seq_id=7, log_id=2**62 + 5, headers=headers, payload_encoding="pb",
                                  payload_type="msg", payload=payload))


@pytest.fixture(scope="module")
def loop():
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


def both_paths(frames):
    """Run `frames` through both paths: (fast events, reference events, fast decoder), `ts` checked and removed."""
    reference_path = ReferencePath()
    decoder = Decoder("test")
    fast = []
    before = _now_ms()
    for frame in frames:
        reference_path.frame(frame)
        decoded = decoder.frame(frame)
        if decoded is not None:
            decoder.relay(decoded[1], lambda event, message_id: fast.append((event, message_id)))
    after = _now_ms()
    for event, _ in fast + reference_path.out:
        assert before <= event.pop("ts") <= after
        pinned = event.get("chat")
        if pinned is not None and before <= pinned["ts"] <= after:  # a pinned chat without its time gets the receipt's
            pinned["ts"] = "received"
    return fast, reference_path.out, decoder


SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("method", sorted(MESSAGES))
@SETTINGS
@given(data=st.data())
def test_each_type_decodes_as_tiktoklive_does(method, data):
    payload = data.draw(MESSAGES[method].map(bytes), label="payload")
    is_first = data.draw(st.booleans(), label="is_first")
    compression = data.draw(st.sampled_from(["gzip", "none", None]), label="compression")
    frame = push_frame(fetch_result([(method, payload)], is_first), compression)
    fast, old, decoder = both_paths([frame])
    assert fast == old
    assert decoder.garbled == 0


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batches=st.lists(st.tuples(st.lists(st.one_of(USED, USED, UNUSED, GARBLED), max_size=8), st.booleans()),
                        min_size=1, max_size=2))
def test_mixed_batches_unused_types_and_garbled_payloads(batches):
    frames = [push_frame(fetch_result(messages, is_first), "gzip") for messages, is_first in batches]
    fast, old, decoder = both_paths(frames)
    assert fast == old  # what is garbled is skipped: the rest of its batch still comes through
    garbled = sum(payload in GARBLED_PAYLOADS for messages, _ in batches for method, payload in messages
                  if method in MESSAGES)
    assert decoder.garbled == garbled  # unused types are not even decoded, garbled or not


def test_viewers_absent_empty_or_unreadable():
    decoder = Decoder("test")
    events = []
    nickname_not_utf8 = b"\x1a\x02\xff\xfe"  # User.nickname (3): bytes that are not UTF-8
    messages = [
        ("WebcastChatMessage", bytes(WebcastChatMessage(content="nobody"))),
        ("WebcastChatMessage", bytes(WebcastChatMessage(content="empty", user=User()))),
        ("WebcastChatMessage", b"\x12\x04" + nickname_not_utf8 + b"\x1a\x01x"),  # TikTokLive cannot parse it
        ("WebcastChatMessage", bytes(WebcastChatMessage(content="again", user=User(id=5, nickname="Ann")))),
        ("WebcastLikeMessage", bytes(WebcastLikeMessage(count=1, user=User(id=5, nickname="Ann")))),
    ]
    result = schema.FetchResult.FromString(fetch_result(messages, is_first=False))
    decoder.relay(result, lambda event, message_id: events.append(event))
    assert [e["user"] for e in events[:2]] == [
        None, {"userId": "0", "uniqueId": "", "nickname": "", "avatarUrl": ""}]
    assert decoder.garbled == 1 and len(events) == 4
    assert events[2]["user"] is events[3]["user"]  # one dict per viewer, shared by their events


def test_unused_types_produce_nothing_and_are_not_decoded():
    decoder = Decoder("test")
    events = []
    result = schema.FetchResult.FromString(fetch_result(
        [("WebcastRoomMessage", bytes(WebcastRoomMessage(content="hi"))), ("WebcastGiftBroadcastMessage", b"\x0f"),
         ("WebcastNewThing", GARBLED_PAYLOADS[0])], is_first=False))
    assert decoder.relay(result, lambda *event: events.append(event)) is False
    assert events == [] and decoder.garbled == 0
    assert decoder.skipped == {"WebcastRoomMessage": 1, "WebcastGiftBroadcastMessage": 1, "WebcastNewThing": 1}


def test_skipped_types_are_counted_per_method_into_the_dict_given_and_bounded():
    skipped = {"WebcastHourlyRankRewardMessage": 5}  # counted before, on an earlier connection
    decoder = Decoder("test", skipped)
    methods = ["WebcastHourlyRankRewardMessage", "WebcastChatMessage"] + [f"WebcastNew{n}" for n in range(300)]
    decoder.relay(schema.FetchResult.FromString(fetch_result([(m, b"") for m in methods], is_first=False)),
                  lambda *event: None)
    assert decoder.skipped is skipped and skipped["WebcastHourlyRankRewardMessage"] == 6
    assert "WebcastChatMessage" not in skipped, "a relayed type is decoded, not skipped"
    assert len(skipped) == decode.MAX_SKIPPED_METHODS + 1
    assert sum(skipped.values()) == 6 + 300 and skipped[decode.OTHER_METHODS] == 300 - 199


def test_a_garbled_payload_is_skipped_counted_and_logged_once_a_minute(caplog):
    decoder = Decoder("flooded")
    events = []
    chat = bytes(WebcastChatMessage(content="still here", common=CommonMessageData(msg_id=42)))
    messages = [("WebcastChatMessage", GARBLED_PAYLOADS[0])] * 1000 + [("WebcastChatMessage", chat)]
    result = schema.FetchResult.FromString(fetch_result(messages, is_first=False))
    decoder.relay(result, lambda event, message_id: events.append((event["comment"], message_id)))
    assert events == [("still here", 42)]
    assert decoder.garbled == 1000
    warnings = [r for r in caplog.records if r.name == "assistant.tiktok.decode"]
    assert len(warnings) == 1 and "@flooded" in warnings[0].getMessage()


@pytest.mark.parametrize("frame", [
    b"\x0a\xff\xff",  # not a push frame
    push_frame(b"\x1f\x8b\x08\x00garbage", "none")[:-3] + b"\xff\xff\xff",  # a frame cut short
    push_frame(b"not gzip at all", "gzip")[:-15] + b"not gzip at all",  # gzip header missing
    push_frame(gzip.compress(b"\x0a\xff\xff", mtime=0)[:-8] + b"\x00" * 8, "gzip"),  # bad checksum
    push_frame(b"\x0a\xff\xff", "none"),  # not a fetch result
])
def test_an_unreadable_frame_is_skipped_and_counted(frame):
    decoder = Decoder("test")
    assert decoder.frame(frame) is None
    assert decoder.garbled == 1


@settings(max_examples=100, deadline=None)
@given(log_id=INT64, internal_ext=TEXT)
def test_the_ack_is_the_one_tiktoklive_sends(log_id, internal_ext):
    expected = WebcastPushFrame(payload_type="ack", payload_encoding="pb", log_id=log_id,
                                payload=(internal_ext or "-").encode())
    assert ack_frame(log_id, internal_ext) == bytes(expected)


@pytest.mark.parametrize("payload", [
    gzip.compress(b"one member", mtime=0),
    gzip.compress(b"two ", mtime=0) + gzip.compress(b"members", mtime=0),
    gzip.compress(b"padded", mtime=0) + b"\x00" * 4,
])
def test_gunzip_reads_what_gzip_reads(payload):
    assert decode._gunzip(payload) == gzip.decompress(payload)


def test_frames_without_messages_are_ignored_and_acks_get_what_they_need():
    decoder = Decoder("test")
    heartbeat = bytes(WebcastPushFrame(payload_type="hb", payload=b"\x08\x01"))
    assert decoder.frame(heartbeat) is None and decoder.garbled == 0
    frame, result = decoder.frame(push_frame(fetch_result([], is_first=False), "gzip"))
    assert (frame.log_id, result.need_ack, result.internal_ext) == (2**62 + 5, True, "internal_src:dim|fetch_time:1")


def test_the_end_is_reported_and_the_first_result_marks_only_chat_as_history():
    decoder = Decoder("test")
    events = []
    messages = [
        ("WebcastChatMessage", bytes(WebcastChatMessage(content="before you came"))),
        ("WebcastLikeMessage", bytes(WebcastLikeMessage(count=3, total=9))),
        ("WebcastControlMessage", bytes(WebcastControlMessage(action=ControlAction.STREAM_PAUSED))),
        ("WebcastControlMessage", bytes(WebcastControlMessage(action=ControlAction.STREAM_SUSPENDED))),
    ]
    result = schema.FetchResult.FromString(fetch_result(messages, is_first=True))
    assert decoder.relay(result, lambda event, message_id: events.append(event)) is True
    assert [(e["type"], e.get("history")) for e in events] == [("chat", True), ("like", None), ("pause", None),
                                                              ("end", None)]
    assert events[-1]["reason"] == "suspended"


def test_the_schema_is_upb_and_numbered_from_tiktoklive():
    assert schema.BACKEND == "upb"
    user = schema.MESSAGES["WebcastGiftMessage"].DESCRIPTOR.fields_by_name["user"]
    assert user.number == WebcastGiftMessage._betterproto.meta_by_field_name["user"].number == 7
    # only what is read: the gift message class knows 6 of TikTokLive's many fields
    assert len(schema.MESSAGES["WebcastGiftMessage"].DESCRIPTOR.fields) == 6


def test_the_client_yields_to_the_loop_after_each_fetch_result(loop):
    """A busy creator's backlog must not hold the event loop: other coroutines run between frames, and
    the runner's `between_frames` is awaited after each."""
    order = []

    async def between_frames():
        order.append("between")

    client = connection.make_client("busy", Decoder("busy"), lambda event, message_id: order.append("event"),
                                    lambda: None, between_frames)
    chat = bytes(WebcastChatMessage(content="hi"))
    results = [schema.FetchResult.FromString(fetch_result([("WebcastChatMessage", chat)], False))] * 3

    async def busy():
        for result in results:
            async for _ in client._parse_webcast_response(result):
                pass

    async def other():
        for _ in range(3):
            order.append("other")
            await asyncio.sleep(0)

    async def main():
        await asyncio.gather(busy(), other())
        await client.web.close()

    loop.run_until_complete(main())
    assert order == ["event", "other", "between", "event", "other", "between", "event", "other", "between"]
