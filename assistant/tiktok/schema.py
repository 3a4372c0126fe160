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
}

# What the app reads, as dotted paths through TikTokLive's classes. A path ending at a message field
# reads that sub-message whole, as bytes (decoded later, apart, and only when needed).
_COMMON = "common.msg_id"  # every event's message id (chat replayed on a reconnect is dropped by it)
# The viewer: read as bytes and decoded with `User` once per distinct encoding (normalise.user), since the
# same viewers come back again and again with the same bytes.
_USER = "user"
USER_FIELDS = ("id", "display_id", "nickname", "avatar_thumb.url_list")

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
}

_PACKAGE = "live_assistant.fast"
_RAW = object()  # in _Builder._fields: a message field read as bytes


# Read straight off the dataclass fields and type hints: `cls._betterproto` would resolve all the type
# hints of the class again for each of its message fields (a second or more at start, for these few).
@functools.cache
def _field_metadata(cls):
    return {field.name: field.metadata["betterproto"] for field in dataclasses.fields(cls)}


@functools.cache
def _type_hints(cls):
    return cls._type_hints()


def _field(cls, name):
    """Field `name` of betterproto class `cls`: (its metadata, the class of a message field or None)."""
    meta = _field_metadata(cls).get(name)
    if meta is None:
        raise LookupError(f"TikTokLive's {cls.__name__} has no field {name!r}")
    if meta.proto_type not in _TYPES:
        raise TypeError(f"{cls.__name__}.{name} is a {meta.proto_type} field: not supported")
    if meta.proto_type != "message":
        return meta, None
    # The class of a message field, as betterproto2's Message._cls_for reads it (X of `X | None`), from
    # the type hints of the class that declares it (TikTokLive's events redeclare `user`, for one).
    owner = next(k for k in cls.__mro__ if name in vars(k).get("__annotations__", {}))
    hint = _type_hints(owner)[name]
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
                field.label = _FIELD.LABEL_REPEATED if meta.repeated else _FIELD.LABEL_OPTIONAL
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
