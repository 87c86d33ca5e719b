"""Payloads (PROTOCOL.md §9): content types to and from Python values.

Decoding, by content type (compared case-insensitively, unknown parameters ignored):
  ""                               -> None
  application/x-procwire-value     -> None/bool/int/float/str/bytes/list/dict (from procwire.v1.Value)
  text/plain (charset utf-8)       -> str
  application/octet-stream         -> bytes
  application/x-protobuf; type=T   -> a message object, if T is a message this worker knows
Encoding a return value: None -> empty payload; an Encoded -> as it says; a protobuf message ->
application/x-protobuf; anything else -> a Value (raises BadPayload naming what cannot be).
"""

from google.protobuf import message as _message
from google.protobuf import symbol_database

from .protos import pb, vpb

VALUE = "application/x-procwire-value"
TEXT = "text/plain; charset=utf-8"
BYTES = "application/octet-stream"
PROTOBUF = "application/x-protobuf"

INT64_MIN, INT64_MAX = -(1 << 63), (1 << 63) - 1
MAX_DEPTH = 64


class BadPayload(Exception):
    """A payload that cannot be decoded, or a value that cannot be encoded."""


class Encoded:
    """A return value with an explicit content type, sent as is."""

    def __init__(self, content_type, data):
        self.content_type = content_type
        self.data = bytes(data)


def octet_stream(data):
    return Encoded(BYTES, data)


def text(s):
    return Encoded(TEXT, s.encode("utf-8"))


def media_type(content_type):
    """The base type in lower case and the parameters (names lower case) of a content type."""
    parts = content_type.split(";")
    params = {}
    for p in parts[1:]:
        name, eq, value = p.partition("=")
        if eq:
            params[name.strip().lower()] = value.strip().strip('"')
    return parts[0].strip().lower(), params


# ---- Value

def to_value(obj, depth=0, where="value"):
    v = vpb.Value()
    if depth > MAX_DEPTH:
        raise BadPayload(f"{where}: nested deeper than {MAX_DEPTH} levels (a cycle?)")
    if obj is None:
        pass
    elif isinstance(obj, bool):  # before int: bool is an int in Python
        v.bool_value = obj
    elif isinstance(obj, int):
        if not INT64_MIN <= obj <= INT64_MAX:
            raise BadPayload(f"{where}: int {obj} does not fit in 64 bits")
        v.int64_value = obj  # PROTOCOL.md §9: Python senders use the 64-bit kind
    elif isinstance(obj, float):
        v.double_value = obj
    elif isinstance(obj, str):
        v.string_value = obj
    elif isinstance(obj, (bytes, bytearray, memoryview)):
        v.bytes_value = bytes(obj)
    elif isinstance(obj, (list, tuple)):
        v.list_value.SetInParent()  # an empty list is still a list, not None
        for i, item in enumerate(obj):
            v.list_value.values.append(to_value(item, depth + 1, f"{where}[{i}]"))
    elif isinstance(obj, dict):
        v.map_value.SetInParent()
        for key, item in obj.items():
            if not isinstance(key, str):
                raise BadPayload(f"{where}: dict key {key!r} is a {type(key).__name__}, not a str")
            v.map_value.entries.add(key=key, value=to_value(item, depth + 1, f"{where}[{key!r}]"))
    else:
        raise BadPayload(f"{where}: a {type(obj).__module__}.{type(obj).__qualname__} cannot be sent as a "
                         "procwire value (None, bool, int, float, str, bytes, list, tuple or dict with str keys)")
    return v


def from_value(v):
    kind = v.WhichOneof("kind")
    if kind is None:
        return None
    if kind == "list_value":
        return [from_value(item) for item in v.list_value.values]
    if kind == "map_value":
        out = {}
        for entry in v.map_value.entries:
            if entry.key in out:
                raise BadPayload(f"map key {entry.key!r} is repeated")
            out[entry.key] = from_value(entry.value)
        return out
    return getattr(v, kind)  # bool, int (either width), float (either width), str, bytes


# ---- payloads

def decode(payload):
    """The Python value of a procwire.v1.Payload; raises BadPayload naming the content type."""
    ct = payload.content_type
    base, params = media_type(ct)
    try:
        if base == "":
            return None
        if base == VALUE:
            v = vpb.Value()
            v.ParseFromString(payload.data)
            return from_value(v)
        if base == "text/plain":
            return payload.data.decode(params.get("charset", "utf-8"))
        if base == BYTES:
            return bytes(payload.data)
        if base == PROTOBUF:
            return _parse_message(params.get("type"), payload.data)
    except BadPayload as e:
        raise BadPayload(f"payload of type {ct!r}: {e}") from None
    except (_message.DecodeError, UnicodeDecodeError, LookupError) as e:
        raise BadPayload(f"payload of type {ct!r} cannot be decoded: {e}") from None
    raise BadPayload(f"unknown content type {ct!r}")


def _parse_message(type_name, data):
    if not type_name:
        raise BadPayload("no type parameter")
    try:
        cls = symbol_database.Default().GetSymbol(type_name)
    except KeyError:
        raise BadPayload(f"message type {type_name} is not known in this worker") from None
    msg = cls()
    msg.ParseFromString(data)
    return msg


def encode(obj):
    """A procwire.v1.Payload for a return value."""
    if obj is None:
        return pb.Payload()
    if isinstance(obj, Encoded):
        return pb.Payload(content_type=obj.content_type, data=obj.data)
    if isinstance(obj, _message.Message):
        return pb.Payload(content_type=f"{PROTOBUF}; type={obj.DESCRIPTOR.full_name}", data=obj.SerializeToString())
    return pb.Payload(content_type=VALUE, data=to_value(obj).SerializeToString())
