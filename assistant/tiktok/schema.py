"""Protobuf (upb) message classes holding only the fields the app reads, numbered from TikTokLive's own classes.

TikTokLive decodes every field of every message with betterproto2 into pydantic dataclasses. Here each
message the app uses gets a class with just the fields it reads: protobuf's C decoder (upb) fills those
and skips everything else on the wire. Field numbers and types are read off TikTokLive's betterproto
classes (the ones it would parse with: `EVENT_MAPPINGS[method]`, `WebcastPushFrame`,
`ProtoMessageFetchResult`) when this module is imported, never copied by hand, so a TikTokLive upgrade
that renumbers a field changes both decoders alike; a field that disappears fails at import.
"""

from __future__ import annotations

import dataclasses
import functools

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from google.protobuf.internal import api_implementation
from TikTokLive.events.proto_events import EVENT_MAPPINGS
from TikTokLive.proto import ProtoMessageFetchResult, WebcastPushFrame

_FIELD = descriptor_pb2.FieldDescriptorProto
# betterproto2's type names -> protobuf's. Enums are read as int64, as betterproto2 reads them (a 64-bit
# signed varint; an unknown value is kept, not an error), so both decoders see the same number.
_TYPES = {
    "bool": _FIELD.TYPE_BOOL,
    "int32": _FIELD.TYPE_INT32,
    "int64": _FIELD.TYPE_INT64,
    "uint32": _FIELD.TYPE_UINT32,
    "uint64": _FIELD.TYPE_UINT64,
    "sint32": _FIELD.TYPE_SINT32,
    "sint64": _FIELD.TYPE_SINT64,
    "fixed32": _FIELD.TYPE_FIXED32,
    "sfixed32": _FIELD.TYPE_SFIXED32,
    "fixed64": _FIELD.TYPE_FIXED64,
    "sfixed64": _FIELD.TYPE_SFIXED64,
    "float": _FIELD.TYPE_FLOAT,
    "double": _FIELD.TYPE_DOUBLE,
    "string": _FIELD.TYPE_STRING,
    "bytes": _FIELD.TYPE_BYTES,
    "enum": _FIELD.TYPE_INT64,
    "message": _FIELD.TYPE_MESSAGE,
    "map": _FIELD.TYPE_MESSAGE,  # repeated entries (_MapEntry)
}

# What the app reads, as dotted paths through TikTokLive's classes. A path ending at a message field
# reads that sub-message whole, as bytes (decoded later, apart, and only when needed).
_COMMON = "common.msg_id"  # every event's message id (chat replayed on a reconnect is dropped by it)
# The viewer: read as bytes and decoded with `User` once per distinct encoding (users.user), since the
# same viewers come back again and again with the same bytes.
_USER = "user"
USER_FIELDS = ("id", "display_id", "nickname", "avatar_thumb.url_list")

PUSH_FRAME_FIELDS = ("log_id", "headers.key", "headers.value", "payload_encoding", "payload_type", "payload")
FETCH_RESULT_FIELDS = ("messages.method", "messages.payload", "internal_ext", "need_ack", "is_first")
# A user inside a message that is not the message's viewer (a plain User, not TikTokLive's ExtendedUser): read
# in place, rarely needed. (The viewer is TikTokLive's ExtendedUser, read as bytes, above.)
_INNER_USER = ("id", "display_id", "nickname", "avatar_thumb.url_list")
# A PK battle: its settings (times, status), the hosts, the score control that masks scores, and each host's
# score and supporters (BattleUserArmies: TikTokLiveProto v3 webcast.model.message.battle).
_BATTLE_SETTINGS = tuple(f"battle_settings.{name}" for name in ("start_time_ms", "duration", "end_time_ms", "status"))
_SCORE_CONTROL = ("fuzzy_display_config_v2.normal_control_applied", "fuzzy_display_config_v2.threshold")
_ARMIES = ("hostscore", *(f"user_armies.{name}" for name in ("user_id", "nickname", "score", "avatar_thumb.url_list")))
_BATTLE_HOST = tuple(f"value.user.{name}" for name in ("user_id", "nick_name", "display_id", "avatar_thumb.url_list"))
_POLL_OPTIONS = ("option_list.display_content", "option_list.votes")
_PINNED_CHAT = ("common.msg_id", "common.create_time", "content", *(f"user.{name}" for name in _INNER_USER))

PUSH_FRAME_FIELDS = ("log_id", "headers.key", "headers.value", "payload_encoding", "payload_type", "payload")
FETCH_RESULT_FIELDS = ("messages.method", "messages.payload", "internal_ext", "need_ack", "is_first")
MESSAGE_FIELDS = {
    "WebcastChatMessage": (_COMMON, _USER, "content"),
    "WebcastGiftMessage": (
        _COMMON, _USER, "gift_id", "repeat_count", "repeat_end",
        "gift.id", "gift.name", "gift.diamond_count", "gift.type", "gift.image.url_list",
    ),
    "WebcastLikeMessage": (_COMMON, _USER, "count", "total"),
    "WebcastMemberMessage": (_COMMON, _USER),
    # Follow or share: TikTokLive tells them apart by the display text's key (handle_custom_event).
    "WebcastSocialMessage": (_COMMON, "common.display_text.key", _USER),
    "WebcastRoomUserSeqMessage": (_COMMON, "total"),
    "WebcastControlMessage": (_COMMON, "action"),
    # The types a streamer sees beside those (normalise.py says how each is read).
    "WebcastLinkMicBattle": (
        _COMMON, "battle_id", "action", *_BATTLE_SETTINGS, *_SCORE_CONTROL,
        "battle_result.key", "battle_result.value.result", "battle_result.value.score",
        "armies.key", *(f"armies.value.{name}" for name in _ARMIES),
        "anchors_info.key", *(f"anchors_info.{name}" for name in _BATTLE_HOST),
    ),
    "WebcastLinkMicArmies": (
        _COMMON, "battle_id", *_BATTLE_SETTINGS, *_SCORE_CONTROL,
        "armies.key", *(f"armies.value.{name}" for name in _ARMIES),
    ),
    "WebcastPollMessage": (
        _COMMON, "poll_id", "poll_basic_info.poll_id_str", "poll_basic_info.title",
        "start_content.title", "start_content.end_time", *(f"start_content.{name}" for name in _POLL_OPTIONS),
        *(f"update_votes_content.{name}" for name in _POLL_OPTIONS),
        *(f"end_content.{name}" for name in _POLL_OPTIONS),
    ),
    "WebcastGoalUpdateMessage": (
        _COMMON, "update_source", "goal.id", "goal.id_str", "goal.description",
        "goal.sub_goals.type", "goal.sub_goals.target", "goal.sub_goals.progress", "goal.sub_goals.gift.name",
    ),
    "WebcastSubNotifyMessage": (_COMMON, _USER, "sub_month"),
    # A super fan: a barrage whose text's key says so (TikTokLive's handle_custom_event, SuperFanEvent).
    "WebcastBarrageMessage": (_COMMON, _USER, "content.key", "common_barrage_content.key"),
    "WebcastQuestionNewMessage": (
        _COMMON, "data.question_id", "data.content", *(f"data.user.{name}" for name in _INNER_USER),
    ),
    "WebcastEnvelopeMessage": (
        _COMMON, "common.display_text.key", "display",
        *(f"envelope_info.{name}" for name in ("business_type", "diamond_count", "people_count", "unpack_at",
                                               "send_user_id", "send_user_name", "send_user_avatar.url_list")),
    ),
    "WebcastEmoteChatMessage": (_COMMON, _USER, "emote_list.emote_id", "emote_list.image.url_list"),
    "WebcastRoomPinMessage": (
        _COMMON, "action", "pin_msg_id", *(f"chat_message.{name}" for name in _PINNED_CHAT),
    ),
    "WebcastImDeleteMessage": (_COMMON, "delete_msg_ids", "delete_user_ids"),
    "WebcastRankUpdateMessage": (
        _COMMON, "updates.rank_type", "updates.own_rank", "updates.default_content.default_pattern",
        "updates.default_content.pieces.string_value",
    ),
}

_PACKAGE = "live_assistant.fast"
_RAW = object()  # in _Builder._fields: a message field read as bytes


class _MapEntry:
    """A map field's entry, as a message of its own (`key` 1, `value` 2: protobuf's map encoding), read as a
    repeated field of entries in wire order (the normalisers make a dict of them, as betterproto2 does: the last
    value of a key wins). Stands where a betterproto class stands in the builder."""

    def __init__(self, owner, name, meta, value_class):
        self.__name__ = f"{owner.__name__}_{name}_entry"
        key, value = meta.map_meta
        self.metadata = {"key": key, "value": value}
        self.value_class = value_class


# Read straight off the dataclass fields and type hints: `cls._betterproto` would resolve all the type
# hints of the class again for each of its message fields (a second or more at start, for these few).
@functools.cache
def _field_metadata(cls):
    if isinstance(cls, _MapEntry):
        return cls.metadata
    return {field.name: field.metadata["betterproto"] for field in dataclasses.fields(cls)}


@functools.cache
def _type_hints(cls):
    return cls._type_hints()


@functools.cache
def _field(cls, name):
    """Field `name` of betterproto class `cls` (or of a map's entry): (its metadata, the class of a message
    field (a _MapEntry for a map), or None)."""
    meta = _field_metadata(cls).get(name)
    if meta is None:
        raise LookupError(f"TikTokLive's {cls.__name__} has no field {name!r}")
    if isinstance(cls, _MapEntry):
        return meta, cls.value_class if name == "value" else None
    if meta.proto_type not in _TYPES:
        raise TypeError(f"{cls.__name__}.{name} is a {meta.proto_type} field: not supported")
    if meta.proto_type not in ("message", "map"):
        return meta, None
    # The class of a message field, as betterproto2's Message._cls_for reads it (X of `X | None`, V of
    # `dict[K, V]`), from the type hints of the class that declares it (TikTokLive's events redeclare `user`).
    owner = next(k for k in cls.__mro__ if name in vars(k).get("__annotations__", {}))
    hint = _type_hints(owner)[name]
    if meta.proto_type == "map":
        value_meta = meta.map_meta[1]
        return meta, _MapEntry(cls, name, meta, hint.__args__[1] if value_meta.proto_type == "message" else None)
    return meta, hint.__args__[0] if getattr(hint, "__args__", None) else hint


class _Builder:
    """Collects, per betterproto class, the fields read through it, then makes one upb class each."""

    def __init__(self):
        self._fields = {}  # betterproto class -> {field name: class of a message field, _RAW, or None}
        self._names = {}  # betterproto class -> message name in the schema
        self.raw = {}  # betterproto class of a sub-message read as bytes -> where, e.g. "CommentEvent.user"

    def add(self, root, paths):
        for path in paths:
            cls = root
            *parents, leaf = path.split(".")
            for name in parents:
                _, child = _field(cls, name)
                if child is None:
                    raise TypeError(f"{cls.__name__}.{name} is not a message: {path!r} cannot go through it")
                self._fields.setdefault(cls, {})[name] = child
                cls = child
            _, child = _field(cls, leaf)
            if child is not None:
                self.raw.setdefault(child, f"{cls.__name__}.{leaf}")
            self._fields.setdefault(cls, {})[leaf] = None if child is None else _RAW
        return root

    def build(self):
        """Return {betterproto class: upb message class}."""
        for cls in self._fields:
            name = cls.__name__
            while name in self._names.values():
                name += "_"
            self._names[cls] = name
        file = descriptor_pb2.FileDescriptorProto(name="live_assistant_fast.proto", package=_PACKAGE, syntax="proto3")
        for cls, fields in self._fields.items():
            message = file.message_type.add(name=self._names[cls])
            for name, child in fields.items():
                meta = _field_metadata(cls)[name]
                field = message.field.add(name=name, number=meta.number, type=_TYPES[meta.proto_type])
                field.label = _FIELD.LABEL_REPEATED if meta.repeated or meta.proto_type == "map" \
                    else _FIELD.LABEL_OPTIONAL
                if child is _RAW:  # bytes, with presence (proto3 `optional`): absent is not empty
                    field.type = _FIELD.TYPE_BYTES
                    field.proto3_optional = True
                    field.oneof_index = len(message.oneof_decl)
                    message.oneof_decl.add(name=f"_{name}")
                elif child is not None:
                    field.type_name = f".{_PACKAGE}.{self._names[child]}"
        pool = descriptor_pool.DescriptorPool()
        pool.Add(file)
        return {
            cls: message_factory.GetMessageClass(pool.FindMessageTypeByName(f"{_PACKAGE}.{name}"))
            for cls, name in self._names.items()
        }


def _build():
    builder = _Builder()
    roots = {method: builder.add(EVENT_MAPPINGS[method], paths) for method, paths in MESSAGE_FIELDS.items()}
    if len(builder.raw) != 1:
        raise TypeError(f"the raw sub-messages are not all of one class: {sorted(builder.raw.values())}")
    user = builder.add(next(iter(builder.raw)), USER_FIELDS)
    builder.add(WebcastPushFrame, PUSH_FRAME_FIELDS)
    builder.add(ProtoMessageFetchResult, FETCH_RESULT_FIELDS)
    classes = builder.build()
    messages = {method: classes[cls] for method, cls in roots.items()}
    return classes[WebcastPushFrame], classes[ProtoMessageFetchResult], messages, classes[user]


PushFrame, FetchResult, MESSAGES, User = _build()
"""PushFrame: a push socket's frame; FetchResult: the batch of messages it carries; MESSAGES: method ->
class of that message; User: a message's viewer (its `user` field, read as bytes)."""

BACKEND = api_implementation.Type()  # "upb": protobuf's C decoder; "python" would be as slow as betterproto
