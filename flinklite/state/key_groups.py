"""Key groups: how a key finds its subtask (Flink's ``KeyGroupRangeAssignment``).

A keyed stream's state is split into ``max_parallelism`` *key groups*. A key belongs to one key
group forever (``murmur(java_hash(key)) % max_parallelism``); a subtask owns a contiguous range of
key groups. Rescaling therefore moves whole key groups between subtasks, never single keys.

Python's ``hash()`` is salted per process for ``str``/``bytes``, so it would send the same key to
different subtasks in different runs and break restored state. flinklite instead reproduces
Java's ``hashCode`` for the common key types (``str`` as ``String``, ``int`` as ``Long`` because
PyFlink maps Python ``int`` to BIGINT, ``float`` as ``Double``, ``bool`` as ``Boolean``, tuples as
Flink ``TupleN``), so keys land in the same key groups as they would in a Java Flink job. Other
key types must be made of those, or define ``__java_hash__(self) -> int``.

**PyFlink's key_by.** A Python key selector's key travels to Java inside a one-field ``Row``, and
Flink hashes that Row (:func:`key_hasher`): ``62 + hash(key)`` (``Row.hashCode`` = 31 x the row
kind's byte (0 for +I) + the deep hash of the one-element field array). ``hash(key)`` is the
Java ``hashCode`` of the key as its ``key_type`` declares it (``Types.STRING()``: ``String``;
``Types.INT()``: ``Integer`` ...), and without a ``key_type`` the key is PyFlink's pickle of it
(protocol 5), so ``hash(key)`` is ``Arrays.hashCode`` of those bytes. flinklite does the same,
so a record reaches the subtask it reaches on PyFlink (and ``print()`` shows the same ``N>``
prefix).
"""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import enum
import pickle
import struct
from collections.abc import Callable
from typing import Any

from flinklite.errors import InvalidProgramException, KeySelectionError

__all__ = [
    "KeyGroupRange",
    "java_hash_code",
    "key_hasher",
    "murmur_hash",
    "assign_to_key_group",
    "compute_operator_index_for_key_group",
    "compute_key_group_range_for_operator_index",
    "compute_default_max_parallelism",
    "check_parallelism",
    "UPPER_BOUND_MAX_PARALLELISM",
    "DEFAULT_LOWER_BOUND_MAX_PARALLELISM",
]

UPPER_BOUND_MAX_PARALLELISM = 1 << 15
DEFAULT_LOWER_BOUND_MAX_PARALLELISM = 1 << 7

_M32 = 0xFFFFFFFF
_M64 = 0xFFFFFFFFFFFFFFFF


def _to_int32(h: int) -> int:
    h &= _M32
    return h - 0x100000000 if h & 0x80000000 else h


def _long_hash(v: int) -> int:
    u = v & _M64
    return _to_int32(u ^ (u >> 32))


def _string_hash(s: str) -> int:
    h = 0
    if s.isascii():
        for c in s.encode("ascii"):
            h = (31 * h + c) & _M32
    else:
        data = s.encode("utf-16-be")  # non-BMP chars become surrogate pairs, as in Java
        for i in range(0, len(data), 2):
            h = (31 * h + ((data[i] << 8) | data[i + 1])) & _M32
    return _to_int32(h)


def java_hash_code(key: object) -> int:
    """Java's ``hashCode`` of the Java value PyFlink would turn ``key`` into (signed 32 bit)."""
    t = type(key)
    if t is str:
        return _string_hash(key)  # type: ignore[arg-type]
    if t is bool:  # before int: bool is an int subclass
        return 1231 if key else 1237
    if t is int:
        return _long_hash(key)  # type: ignore[arg-type]
    if t is float:
        if key != key:  # NaN: Java canonicalises every NaN
            bits = 0x7FF8000000000000
        else:
            bits = struct.unpack(">q", struct.pack(">d", key))[0]
        return _long_hash(bits)
    if key is None:
        return 0
    if t is tuple or _is_row(key):
        h = 0
        first = True
        for f in key:  # type: ignore[attr-defined]
            fh = java_hash_code(f)
            h = fh if first else (31 * h + fh) & _M32
            first = False
        return _to_int32(h)
    if t is bytes:
        return _bytes_hash(key)  # type: ignore[arg-type]
    hook = getattr(key, "__java_hash__", None)
    if hook is not None:
        return _to_int32(int(hook()))
    if isinstance(key, str):
        return _string_hash(str(key))
    if isinstance(key, enum.Enum):
        return _string_hash(key.name)
    if isinstance(key, bool):
        return 1231 if key else 1237
    if isinstance(key, int):
        return _long_hash(int(key))
    if isinstance(key, (decimal.Decimal, datetime.date, datetime.time, datetime.timedelta)):
        return _string_hash(str(key))  # stable across processes; not the Java value's hash
    if dataclasses.is_dataclass(key) and not isinstance(key, type):
        return java_hash_code(tuple(getattr(key, f.name) for f in dataclasses.fields(key)))
    raise KeySelectionError(
        f"cannot compute a stable key hash for a key of type {t.__name__} ({_short_repr(key)}): "
        "Python's hash() is salted per process, so flinklite only partitions on str, int, float, bool, "
        "bytes, None, tuples/Rows of those, enums, dates, decimals and dataclasses. Return one of "
        "those from the key selector, or give the key class a __java_hash__(self) -> int method."
    )


def _is_row(key: object) -> bool:
    # Imported lazily: flinklite.common depends on nothing in flinklite.state.
    from flinklite.common.types import Row

    return isinstance(key, Row)


def _short_repr(value: object, limit: int = 120) -> str:
    r = repr(value)
    return r if len(r) <= limit else r[: limit - 3] + "..."


def murmur_hash(code: int) -> int:
    """Flink's ``MathUtils.murmurHash``: one MurmurHash3 round + fmix32, non-negative result."""
    h = (code * 0xCC9E2D51) & _M32
    h = ((h << 15) | (h >> 17)) & _M32
    h = (h * 0x1B873593) & _M32
    h = ((h << 13) | (h >> 19)) & _M32
    h = (h * 5 + 0xE6546B64) & _M32
    h ^= 4
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & _M32
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & _M32
    h ^= h >> 16
    if h & 0x80000000:
        h -= 1 << 32
    if h >= 0:
        return h
    return -h if h != -(1 << 31) else 0


def _bytes_hash(data: bytes) -> int:  # Java's Arrays.hashCode(byte[]): bytes are signed
    h = 1
    for b in data:
        h = (31 * h + (b - 256 if b > 127 else b)) & _M32
    return _to_int32(h)


def _pickled_hash(key: object) -> int:
    try:
        data = pickle.dumps(key, protocol=5)  # what PyFlink's pickled key type ships to Java
    except Exception as e:
        raise KeySelectionError(
            f"cannot partition on the key {_short_repr(key)} of type {type(key).__name__}: without a key_type, "
            f"PyFlink hashes a key by its pickle, and this one cannot be pickled ({e}). Return a str, int or "
            "tuple from the key selector, or pass key_type=... to key_by.") from e
    return _bytes_hash(data)


def _int_hash(v: Any) -> int:
    return _to_int32(int(v))


def _float_hash(v: Any) -> int:  # Float.hashCode = floatToIntBits (every NaN canonical)
    f = float(v)
    return 0x7FC00000 if f != f else _to_int32(struct.unpack(">i", struct.pack(">f", f))[0])


def _typed_hash(type_info: Any) -> Callable[[Any], int]:
    """Java's hashCode of a value of ``type_info`` (None fields hash to 0, as null does)."""
    from flinklite.common.typeinfo import BasicType, BasicTypeInfo, RowTypeInfo, TupleTypeInfo

    if isinstance(type_info, BasicTypeInfo):
        fn = {BasicType.STRING: _string_hash, BasicType.BYTE: _int_hash, BasicType.SHORT: _int_hash,
              BasicType.INT: _int_hash, BasicType.LONG: _long_hash, BasicType.FLOAT: _float_hash,
              BasicType.CHAR: lambda c: ord(c) if isinstance(c, str) else _int_hash(c)}.get(type_info._basic_type)
        if fn is not None:
            return lambda v: 0 if v is None else fn(v)
    if isinstance(type_info, (TupleTypeInfo, RowTypeInfo)):
        fields = [_typed_hash(t) for t in type_info._field_types]
        if isinstance(type_info, TupleTypeInfo):  # TupleN.hashCode: fold 31 * h + field
            def tuple_hash(v: Any) -> int:
                h = 0
                for f, x in zip(fields, v):
                    h = (31 * h + f(x)) & _M32
                return _to_int32(h)
            return tuple_hash

        def row_hash(v: Any) -> int:  # Row.hashCode of a +I row: deep hash of the field array
            h = 1
            for f, x in zip(fields, v):
                h = (31 * h + (0 if x is None else 31 + f(x))) & _M32
            return _to_int32(h)
        return row_hash
    return java_hash_code


def key_hasher(key_type: Any = None) -> Callable[[object], int]:
    """The hash PyFlink's ``key_by(selector, key_type)`` partitions on (see the module docstring):
    the key's group is ``murmur_hash(key_hasher(key_type)(key)) % max_parallelism``."""
    if key_type is None or type(key_type).__name__ == "PickledBytesTypeInfo":
        return lambda key: _to_int32(62 + _pickled_hash(key))
    field = _typed_hash(key_type)
    return lambda key: 31 if key is None else _to_int32(62 + field(key))


DEFAULT_KEY_HASH = key_hasher(None)


def assign_to_key_group(key: object, max_parallelism: int,
                        key_hash: Callable[[object], int] = DEFAULT_KEY_HASH) -> int:
    """The key group (0 .. max_parallelism-1) that ``key`` belongs to, for keys of a stream keyed
    with ``key_hash`` (by default PyFlink's ``key_by`` without a ``key_type``)."""
    return murmur_hash(key_hash(key)) % max_parallelism


def compute_operator_index_for_key_group(max_parallelism: int, parallelism: int, key_group: int) -> int:
    return key_group * parallelism // max_parallelism


def compute_key_group_range_for_operator_index(
    max_parallelism: int, parallelism: int, operator_index: int
) -> KeyGroupRange:
    start = (operator_index * max_parallelism + parallelism - 1) // parallelism
    end = ((operator_index + 1) * max_parallelism - 1) // parallelism
    return KeyGroupRange(start, end)


def _round_up_pow2(x: int) -> int:
    return 1 if x <= 1 else 1 << (x - 1).bit_length()


def compute_default_max_parallelism(parallelism: int) -> int:
    """Flink's default number of key groups for an operator of the given parallelism."""
    return min(
        max(_round_up_pow2(parallelism + parallelism // 2), DEFAULT_LOWER_BOUND_MAX_PARALLELISM),
        UPPER_BOUND_MAX_PARALLELISM,
    )


def check_parallelism(parallelism: int, max_parallelism: int, where: str) -> None:
    """Raise ``InvalidProgramException`` unless 1 <= parallelism <= max_parallelism <= 32768."""
    if not 0 < max_parallelism <= UPPER_BOUND_MAX_PARALLELISM:
        raise InvalidProgramException(
            f"{where}: max parallelism {max_parallelism} is out of range; it must be between 1 and "
            f"{UPPER_BOUND_MAX_PARALLELISM}."
        )
    if parallelism > max_parallelism:
        raise InvalidProgramException(
            f"{where}: parallelism {parallelism} is higher than the max parallelism {max_parallelism}. "
            "Lower the parallelism or raise the max parallelism (set_max_parallelism); the max "
            "parallelism is the number of key groups and cannot change once a job has state."
        )


@dataclasses.dataclass(frozen=True, slots=True)
class KeyGroupRange:
    """An inclusive range of key groups ``[start_key_group, end_key_group]`` owned by one subtask."""

    start_key_group: int
    end_key_group: int

    def contains(self, key_group: int) -> bool:
        return self.start_key_group <= key_group <= self.end_key_group

    def __contains__(self, key_group: int) -> bool:
        return self.start_key_group <= key_group <= self.end_key_group

    def __iter__(self):
        return iter(range(self.start_key_group, self.end_key_group + 1))

    def __len__(self) -> int:
        return max(0, self.end_key_group - self.start_key_group + 1)

    def intersection(self, other: KeyGroupRange) -> KeyGroupRange:
        return KeyGroupRange(
            max(self.start_key_group, other.start_key_group), min(self.end_key_group, other.end_key_group)
        )
