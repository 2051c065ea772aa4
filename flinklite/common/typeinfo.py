"""Type information: flinklite's version of ``pyflink.common.typeinfo``.

In Flink every stream has a ``TypeInformation`` that picks the serializer used
whenever a record leaves an operator (network shuffle, state, checkpoint). In
PyFlink the same objects are thin wrappers around Java ones; here they are plain
Python objects with the same class names, constructors, public methods,
equality and ``repr`` as PyFlink 2.3 (``Types.INT()`` prints ``Integer``,
``Types.ROW_NAMED(['a'], [Types.INT()])`` prints ``RowTypeInfo(a: Integer)``).

Like PyFlink, equality ignores row field names and type objects compare equal
across instances. Unlike PyFlink, type objects are hashable (PyFlink's are
not) and ``get_java_type_info()`` raises ``NotImplementedError``.

flinklite internals (not part of PyFlink's API):

``_coerce(value)``
    Returns ``value`` as a PyFlink program would see it after it crossed a
    boundary typed with this type, i.e. after PyFlink's serializer encoded and
    decoded it (``ds.map(f, output_type=T).key_by(...)``): ``True`` under
    ``INT`` becomes ``1``, ``1.7`` under ``INT`` becomes ``1``, ``1`` under
    ``DOUBLE`` becomes ``1.0``, ``0.1`` under ``FLOAT`` loses precision to
    32 bits, an unnamed ``Row`` under ``ROW_NAMED`` gets the field names, and
    so on. Where PyFlink's serializer fails (a ``str`` under ``INT``, a tuple
    under ``ROW``, a list under ``TUPLE``, a tuple under ``LIST``) it raises
    ``TypeError`` that names the declared type, shows the value and says how to
    fix the program. ``None`` is accepted at the top level and wherever PyFlink
    can encode a null (row fields, basic/object array elements, map values) and
    rejected where it cannot (tuple fields, primitive array and list elements,
    map keys).
``_is_numeric()``
    True for BYTE, SHORT, INT, LONG, FLOAT, DOUBLE, BIG_INT and BIG_DEC.
``_coerce_from_collection(value)``
    The other boundary: an element of ``env.from_collection(data, type_info=T)``.
    PyFlink converts those on the Java side with different rules: ROW accepts
    a tuple, list or dict as well as a Row, TUPLE accepts a list or Row, but
    basic types are strict about the Python class (``1`` under DOUBLE, ``True``
    or ``1.5`` under INT fail the job). Everything else follows ``_coerce``.
"""

from __future__ import annotations

import datetime
import decimal
import math
import struct
from enum import Enum
from typing import Any

from flinklite.common.time import Instant
from flinklite.common.types import Row, RowKind

__all__ = [
    "BasicArrayTypeInfo",
    "BasicType",
    "BasicTypeInfo",
    "DateTypeInfo",
    "ExternalTypeInfo",
    "InstantTypeInfo",
    "ListTypeInfo",
    "LocalTimeTypeInfo",
    "MapTypeInfo",
    "ObjectArrayTypeInfo",
    "PickledBytesTypeInfo",
    "PrimitiveArrayTypeInfo",
    "RowTypeInfo",
    "SqlTimeTypeInfo",
    "TimeTypeInfo",
    "TimestampTypeInfo",
    "TupleTypeInfo",
    "TypeInformation",
    "Types",
]

_REPR_LIMIT = 200


def _short_repr(value: Any) -> str:
    text = repr(value)
    if len(text) > _REPR_LIMIT:
        text = text[:_REPR_LIMIT] + "..."
    return text


def _type_name(type_info: TypeInformation) -> str:
    """How a user wrote the type: ``Types.INT()`` rather than Java's ``Integer``."""
    if isinstance(type_info, BasicTypeInfo):
        return f"Types.{type_info._basic_type.name}()"
    return repr(type_info)


def _mismatch(type_info: TypeInformation, expected: str, value: Any, detail: str = "") -> TypeError:
    """Build the error raised when a value cannot cross a boundary typed ``type_info``."""
    extra = f" ({detail})" if detail else ""
    return TypeError(
        f"a value declared as {_type_name(type_info)} must be {expected}, but got "
        f"{type(value).__name__} {_short_repr(value)}{extra}. Either return {expected} "
        f"from the function, or declare an output_type=... that matches what it returns "
        f"(Types.PICKLED_BYTE_ARRAY() accepts any picklable value)."
    )


class TypeInformation:
    """Base class of all type information objects."""

    def __init__(self) -> None:
        self._j_typeinfo = None

    def get_java_type_info(self) -> Any:
        raise NotImplementedError("flinklite runs without a JVM: there is no Java type information")

    def need_conversion(self) -> bool:
        """Whether values need ``to_internal_type``/``from_internal_type`` (PyFlink API)."""
        return False

    def to_internal_type(self, obj: Any) -> Any:
        return obj

    def from_internal_type(self, obj: Any) -> Any:
        return obj

    # --------------------------------------------------- flinklite internals
    def _coerce(self, value: Any) -> Any:
        """``value`` after a serialization round trip with this type (see module doc)."""
        if value is None:
            return None
        return self._coerce_nonnull(value)

    def _coerce_nonnull(self, value: Any) -> Any:
        """Like ``_coerce`` but in a position where PyFlink cannot encode ``None``."""
        return value

    def _is_numeric(self) -> bool:
        return False

    def _coerce_from_collection(self, value: Any) -> Any:
        """``value`` as seen downstream of ``from_collection([...], type_info=self)``."""
        return self._coerce(value)

    def __hash__(self) -> int:
        return hash(type(self).__name__)

    def __getstate__(self) -> dict[str, Any]:
        # The batch checkers compiled for this type (common/_typecheck.py) are rebuilt on
        # demand, never pickled or copied.
        state = self.__dict__.copy()
        state.pop("_batch_cache", None)
        return state


# ---------------------------------------------------------------- basic types
class BasicType(Enum):
    STRING = "String"
    BYTE = "Byte"
    BOOLEAN = "Boolean"
    SHORT = "Short"
    INT = "Integer"
    LONG = "Long"
    FLOAT = "Float"
    DOUBLE = "Double"
    CHAR = "Char"
    BIG_INT = "BigInteger"
    BIG_DEC = "BigDecimal"
    INSTANT = "Instant"


_NUMERIC = frozenset(
    {
        BasicType.BYTE,
        BasicType.SHORT,
        BasicType.INT,
        BasicType.LONG,
        BasicType.FLOAT,
        BasicType.DOUBLE,
        BasicType.BIG_INT,
        BasicType.BIG_DEC,
    }
)

# PyFlink writes these as fixed-width signed integers. BIG_INT has no limit:
# PyFlink 2.3 cannot ship BIG_INT at all (its Python side writes 64 bits that
# Java's BigInteger reader rejects), so flinklite gives it the meaning its name
# promises instead of copying the failure.
_INT_BITS: dict[BasicType, int | None] = {
    BasicType.BYTE: 8,
    BasicType.SHORT: 16,
    BasicType.INT: 32,
    BasicType.LONG: 64,
    BasicType.BIG_INT: None,
}

_EXPECTED = {
    BasicType.STRING: "a str",
    BasicType.CHAR: "a str",
    BasicType.BOOLEAN: "a bool (or an int 0..255)",
    BasicType.BYTE: "an int in [-128, 127]",
    BasicType.SHORT: "an int in [-32768, 32767]",
    BasicType.INT: "an int in [-2**31, 2**31-1]",
    BasicType.LONG: "an int in [-2**63, 2**63-1]",
    BasicType.BIG_INT: "an int",
    BasicType.FLOAT: "a float",
    BasicType.DOUBLE: "a float",
    BasicType.BIG_DEC: "a decimal.Decimal",
    BasicType.INSTANT: "an Instant",
}

_FLOAT32 = struct.Struct("<f")


def _make_int_coercer(bits: int | None) -> Any:
    if bits is None:
        low, high = -math.inf, math.inf
    else:
        low, high = -(1 << (bits - 1)), (1 << (bits - 1)) - 1

    def coerce(self: BasicTypeInfo, value: Any) -> int:
        if type(value) is int and low <= value <= high:
            return value
        # PyFlink's C encoder takes anything with __int__ and truncates toward
        # zero (bool -> 0/1, 1.7 -> 1, Decimal('3.9') -> 3), but not str.
        if isinstance(value, (str, bytes, bytearray)) or not hasattr(type(value), "__int__"):
            raise _mismatch(self, _EXPECTED[self._basic_type], value)
        try:
            number = int(value)
        except (ValueError, OverflowError) as e:  # nan / inf
            raise _mismatch(self, _EXPECTED[self._basic_type], value, str(e)) from None
        if not low <= number <= high:
            raise _mismatch(self, _EXPECTED[self._basic_type], value, f"out of range for {bits} bits")
        return number

    return coerce


def _to_float(self: BasicTypeInfo, value: Any) -> float:
    if isinstance(value, (str, bytes, bytearray)) or not hasattr(type(value), "__float__"):
        raise _mismatch(self, _EXPECTED[self._basic_type], value)
    try:
        return float(value)
    except OverflowError as e:
        raise _mismatch(self, _EXPECTED[self._basic_type], value, str(e)) from None


def _coerce_double(self: BasicTypeInfo, value: Any) -> float:
    if type(value) is float:
        return value
    return _to_float(self, value)


def _coerce_float32(self: BasicTypeInfo, value: Any) -> float:
    number = value if type(value) is float else _to_float(self, value)
    try:
        return _FLOAT32.unpack(_FLOAT32.pack(number))[0]
    except OverflowError:
        # A C double-to-float cast saturates to infinity instead of failing.
        return math.copysign(math.inf, number)


def _coerce_boolean(self: BasicTypeInfo, value: Any) -> bool:
    if value is True or value is False:
        return value
    # PyFlink stores the value in one unsigned byte and reads back "non-zero".
    if isinstance(value, (str, bytes, bytearray)) or not hasattr(type(value), "__int__"):
        raise _mismatch(self, _EXPECTED[BasicType.BOOLEAN], value)
    try:
        number = int(value)
    except (ValueError, OverflowError) as e:
        raise _mismatch(self, _EXPECTED[BasicType.BOOLEAN], value, str(e)) from None
    if not 0 <= number <= 255:
        raise _mismatch(self, _EXPECTED[BasicType.BOOLEAN], value, "does not fit in one unsigned byte")
    return number != 0


def _coerce_string(self: BasicTypeInfo, value: Any) -> str:
    if type(value) is str:
        return value
    if isinstance(value, str):
        return str.__str__(value)
    raise _mismatch(self, _EXPECTED[self._basic_type], value)


def _coerce_big_dec(self: BasicTypeInfo, value: Any) -> decimal.Decimal:
    if type(value) is decimal.Decimal:
        return value
    # PyFlink ships BigDecimal as the text str(value), so anything whose text is
    # a number works (1 -> Decimal('1'), 0.1 -> Decimal('0.1'), '2.5' -> Decimal('2.5')).
    try:
        number = decimal.Decimal(str(value))
    except (decimal.InvalidOperation, ValueError):
        number = None
    # Java's BigDecimal has no NaN or infinity.
    if number is None or not number.is_finite():
        raise _mismatch(self, _EXPECTED[BasicType.BIG_DEC], value, "its str() is not a finite number")
    return number


def _coerce_instant(self: BasicTypeInfo, value: Any) -> Instant:
    try:
        return Instant(value.seconds, value.nanos)
    except AttributeError:
        raise _mismatch(self, _EXPECTED[BasicType.INSTANT], value) from None


_BASIC_COERCERS = {
    BasicType.STRING: _coerce_string,
    # PyFlink 2.3 cannot ship CHAR either (Python writes UTF-8 text, Java reads a
    # 2-byte char), so flinklite treats it like STRING.
    BasicType.CHAR: _coerce_string,
    BasicType.BOOLEAN: _coerce_boolean,
    BasicType.FLOAT: _coerce_float32,
    BasicType.DOUBLE: _coerce_double,
    BasicType.BIG_DEC: _coerce_big_dec,
    BasicType.INSTANT: _coerce_instant,
}
for _basic, _bits in _INT_BITS.items():
    _BASIC_COERCERS[_basic] = _make_int_coercer(_bits)


_EXACT_CLASSES: dict[BasicType, type] = {
    BasicType.STRING: str,
    BasicType.CHAR: str,
    BasicType.BOOLEAN: bool,
    BasicType.BYTE: int,
    BasicType.SHORT: int,
    BasicType.INT: int,
    BasicType.LONG: int,
    BasicType.BIG_INT: int,
    BasicType.FLOAT: type(None),  # every float is rounded to 32 bits: no shortcut
    BasicType.DOUBLE: float,
    BasicType.BIG_DEC: decimal.Decimal,
}

_COLLECTION_CLASSES: dict[BasicType, tuple[type, ...]] = {
    BasicType.BYTE: (int,),
    BasicType.SHORT: (int,),
    BasicType.INT: (int,),
    BasicType.LONG: (int,),
    BasicType.FLOAT: (float,),
    BasicType.DOUBLE: (float,),
    BasicType.BOOLEAN: (bool,),
    BasicType.STRING: (str,),
}


class BasicTypeInfo(TypeInformation):
    """Primitive types, ``String``, ``BigInteger`` and ``BigDecimal``."""

    def __init__(self, basic_type: BasicType) -> None:
        self._basic_type = basic_type
        # Resolved once: _coerce runs for every record crossing a typed boundary.
        self._coerce_fn = _BASIC_COERCERS[basic_type]
        self._exact_class = _EXACT_CLASSES.get(basic_type)
        bits = _INT_BITS.get(basic_type)
        self._low, self._high = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if bits else (-math.inf, math.inf)
        super().__init__()

    def _coerce(self, value: Any) -> Any:
        # Fast path: values of the exact class that crosses unchanged (in range, for ints).
        cls = type(value)
        if cls is self._exact_class and (cls is not int or self._low <= value <= self._high):
            return value
        if value is None:
            return None
        return self._coerce_fn(self, value)

    def _coerce_nonnull(self, value: Any) -> Any:
        cls = type(value)
        if cls is self._exact_class and (cls is not int or self._low <= value <= self._high):
            return value
        if value is None:
            raise _mismatch(self, _EXPECTED[self._basic_type], value, "null is not allowed here")
        return self._coerce_fn(self, value)

    def _is_numeric(self) -> bool:
        return self._basic_type in _NUMERIC

    def __reduce__(self) -> tuple[Any, ...]:
        # The cached coercer may be a closure; rebuild it instead of pickling it.
        return type(self), (self._basic_type,)

    def _coerce_from_collection(self, value: Any) -> Any:
        # Java converts from_collection elements by Python class and turns a
        # mismatch into a null that fails the job, so no numeric widening here.
        wanted = _COLLECTION_CLASSES.get(self._basic_type)
        if value is not None and wanted is not None and type(value) not in wanted:
            raise _mismatch(self, _EXPECTED[self._basic_type], value, "from_collection does not convert it")
        return self._coerce(value)

    def __eq__(self, o: object) -> bool:
        if isinstance(o, BasicTypeInfo):
            return self._basic_type == o._basic_type
        return False

    def __hash__(self) -> int:
        return hash(self._basic_type)

    def __repr__(self) -> str:
        return self._basic_type.value

    @staticmethod
    def STRING_TYPE_INFO() -> BasicTypeInfo:
        return BasicTypeInfo(BasicType.STRING)

    @staticmethod
    def BOOLEAN_TYPE_INFO() -> BasicTypeInfo:
        return BasicTypeInfo(BasicType.BOOLEAN)

    @staticmethod
    def BYTE_TYPE_INFO() -> BasicTypeInfo:
        return BasicTypeInfo(BasicType.BYTE)

    @staticmethod
    def SHORT_TYPE_INFO() -> BasicTypeInfo:
        return BasicTypeInfo(BasicType.SHORT)

    @staticmethod
    def INT_TYPE_INFO() -> BasicTypeInfo:
        return BasicTypeInfo(BasicType.INT)

    @staticmethod
    def LONG_TYPE_INFO() -> BasicTypeInfo:
        return BasicTypeInfo(BasicType.LONG)

    @staticmethod
    def FLOAT_TYPE_INFO() -> BasicTypeInfo:
        return BasicTypeInfo(BasicType.FLOAT)

    @staticmethod
    def DOUBLE_TYPE_INFO() -> BasicTypeInfo:
        return BasicTypeInfo(BasicType.DOUBLE)

    @staticmethod
    def CHAR_TYPE_INFO() -> BasicTypeInfo:
        return BasicTypeInfo(BasicType.CHAR)

    @staticmethod
    def BIG_INT_TYPE_INFO() -> BasicTypeInfo:
        return BasicTypeInfo(BasicType.BIG_INT)

    @staticmethod
    def BIG_DEC_TYPE_INFO() -> BasicTypeInfo:
        return BasicTypeInfo(BasicType.BIG_DEC)

    @staticmethod
    def INSTANT_TYPE_INFO() -> InstantTypeInfo:
        return InstantTypeInfo(BasicType.INSTANT)


class InstantTypeInfo(BasicTypeInfo):
    """Type of :class:`flinklite.common.time.Instant` values."""

    def __init__(self, basic_type: BasicType = BasicType.INSTANT) -> None:
        super().__init__(basic_type)

    def need_conversion(self) -> bool:
        return True

    def to_internal_type(self, obj: Any) -> Any:
        return obj.to_epoch_milli() * 1000

    def from_internal_type(self, obj: Any) -> Any:
        return Instant.of_epoch_milli(obj // 1000)

    def _coerce_nonnull(self, value: Any) -> Any:
        # PyFlink encodes a null Instant with a sentinel, so None survives anywhere.
        return None if value is None else _coerce_instant(self, value)


# -------------------------------------------------------------- SQL time types
_EPOCH_ORDINAL = datetime.date(1970, 1, 1).toordinal()
_EPOCH = datetime.datetime(1970, 1, 1)


class SqlTimeTypeInfo(TypeInformation):
    """Factory for the ``java.sql`` date/time types (PyFlink API)."""

    @staticmethod
    def DATE() -> DateTypeInfo:
        return DateTypeInfo()

    @staticmethod
    def TIME() -> TimeTypeInfo:
        return TimeTypeInfo()

    @staticmethod
    def TIMESTAMP() -> TimestampTypeInfo:
        return TimestampTypeInfo()


class DateTypeInfo(TypeInformation):
    """``datetime.date`` values (``Types.SQL_DATE()``)."""

    EPOCH_ORDINAL = _EPOCH_ORDINAL

    def need_conversion(self) -> bool:
        return True

    def to_internal_type(self, d: Any) -> Any:
        return None if d is None else d.toordinal() - _EPOCH_ORDINAL

    def from_internal_type(self, v: Any) -> Any:
        return None if v is None else datetime.date.fromordinal(v + _EPOCH_ORDINAL)

    def _coerce_nonnull(self, value: Any) -> Any:
        if type(value) is datetime.date:
            return value
        # Only the day survives: a datetime becomes its date.
        try:
            return datetime.date.fromordinal(value.toordinal())
        except AttributeError:
            raise _mismatch(self, "a datetime.date", value) from None

    def __eq__(self, o: object) -> bool:
        return isinstance(o, DateTypeInfo)

    __hash__ = TypeInformation.__hash__

    def __repr__(self) -> str:
        return "DateTypeInfo"


class TimeTypeInfo(TypeInformation):
    """``datetime.time`` values (``Types.SQL_TIME()``), kept to millisecond precision."""

    def need_conversion(self) -> bool:
        return True

    def _coerce_nonnull(self, value: Any) -> Any:
        # Encoded as milliseconds of the day: microseconds are cut to whole
        # milliseconds and any tzinfo is dropped.
        try:
            hour, minute, second, micro = value.hour, value.minute, value.second, value.microsecond
        except AttributeError:
            raise _mismatch(self, "a datetime.time", value) from None
        return datetime.time(hour, minute, second, micro // 1000 * 1000)

    def __eq__(self, o: object) -> bool:
        return isinstance(o, TimeTypeInfo)

    __hash__ = TypeInformation.__hash__

    def __repr__(self) -> str:
        return "TimeTypeInfo"


class TimestampTypeInfo(TypeInformation):
    """``datetime.datetime`` values (``Types.SQL_TIMESTAMP()``), kept to millisecond precision."""

    def need_conversion(self) -> bool:
        return True

    def _coerce_nonnull(self, value: Any) -> Any:
        if not isinstance(value, datetime.datetime):
            raise _mismatch(self, "a datetime.datetime", value)
        # PyFlink reads the wall-clock fields as if they were UTC (an aware
        # datetime loses its tzinfo, not its hour), truncates the seconds toward
        # zero, adds the milliseconds and hands back a naive datetime. The same
        # arithmetic is kept so pre-1970 sub-second values match too.
        seconds = int(value.replace(tzinfo=datetime.UTC).timestamp())
        millis = seconds * 1000 + value.microsecond // 1000
        whole, rest = divmod(millis, 1000)
        return _EPOCH + datetime.timedelta(seconds=whole, microseconds=rest * 1000)

    def __eq__(self, o: object) -> bool:
        return isinstance(o, TimestampTypeInfo)

    __hash__ = TypeInformation.__hash__

    def __repr__(self) -> str:
        return "TimestampTypeInfo"


class LocalTimeTypeInfo(TypeInformation):
    """``java.time`` local date/time types (not reachable from ``Types`` in PyFlink 2.3)."""

    class TimeType(Enum):
        LOCAL_DATE = 0
        LOCAL_TIME = 1
        LOCAL_DATE_TIME = 2

    def __init__(self, time_type: LocalTimeTypeInfo.TimeType) -> None:
        super().__init__()
        self._time_type = time_type

    def _coerce_nonnull(self, value: Any) -> Any:
        # Not checked against PyFlink (no Types factory reaches these); keep the
        # Python value as long as it has the right class.
        expected = {
            LocalTimeTypeInfo.TimeType.LOCAL_DATE: (datetime.date, "a datetime.date"),
            LocalTimeTypeInfo.TimeType.LOCAL_TIME: (datetime.time, "a datetime.time"),
            LocalTimeTypeInfo.TimeType.LOCAL_DATE_TIME: (datetime.datetime, "a datetime.datetime"),
        }[self._time_type]
        if not isinstance(value, expected[0]):
            raise _mismatch(self, expected[1], value)
        if self._time_type is LocalTimeTypeInfo.TimeType.LOCAL_DATE and isinstance(value, datetime.datetime):
            return value.date()
        return value

    def __eq__(self, other: object) -> bool:
        return self.__class__ == other.__class__ and self._time_type == other._time_type  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self).__name__, self._time_type))

    def __repr__(self) -> str:
        return f"LocalTimeTypeInfo<{self._time_type.name}>"


# -------------------------------------------------------------- opaque values
class PickledBytesTypeInfo(TypeInformation):
    """Any picklable Python value; the default when no type is declared."""

    def _coerce(self, value: Any) -> Any:
        return value

    def _coerce_nonnull(self, value: Any) -> Any:
        return value

    def __eq__(self, o: object) -> bool:
        return isinstance(o, PickledBytesTypeInfo)

    __hash__ = TypeInformation.__hash__

    def __repr__(self) -> str:
        return "PickledByteArrayTypeInfo"


# --------------------------------------------------------- arrays and lists
def _is_byte(type_info: TypeInformation) -> bool:
    return isinstance(type_info, BasicTypeInfo) and type_info._basic_type is BasicType.BYTE


def _coerce_list(owner: TypeInformation, elem: TypeInformation, value: Any, nullable_elements: bool) -> list:
    if not isinstance(value, list):
        raise _mismatch(owner, "a list", value)
    if nullable_elements:
        return [elem._coerce(v) for v in value]
    return [elem._coerce_nonnull(v) for v in value]


def _coerce_bytes(owner: TypeInformation, value: Any) -> bytes:
    # Byte arrays travel as one binary blob, so only bytes-like values fit and
    # they come back as bytes.
    if type(value) is bytes:
        return value
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    raise _mismatch(owner, "bytes", value)


class PrimitiveArrayTypeInfo(TypeInformation):
    """Arrays of primitives; elements cannot be ``None``. ``BYTE`` elements mean ``bytes``."""

    def __init__(self, element_type: TypeInformation) -> None:
        self._element_type = element_type
        super().__init__()

    def _coerce_nonnull(self, value: Any) -> Any:
        if _is_byte(self._element_type):
            return _coerce_bytes(self, value)
        return _coerce_list(self, self._element_type, value, nullable_elements=False)

    def __eq__(self, o: object) -> bool:
        if isinstance(o, PrimitiveArrayTypeInfo):
            return self._element_type == o._element_type
        return False

    def __hash__(self) -> int:
        return hash(("PrimitiveArray", self._element_type))

    def __repr__(self) -> str:
        return f"PrimitiveArrayTypeInfo<{self._element_type}>"


class BasicArrayTypeInfo(TypeInformation):
    """Arrays of basic types; elements may be ``None``."""

    def __init__(self, element_type: TypeInformation) -> None:
        self._element_type = element_type
        super().__init__()

    def _coerce_nonnull(self, value: Any) -> Any:
        return _coerce_list(self, self._element_type, value, nullable_elements=True)

    def __eq__(self, o: object) -> bool:
        if isinstance(o, BasicArrayTypeInfo):
            return self._element_type == o._element_type
        return False

    def __hash__(self) -> int:
        return hash(("BasicArray", self._element_type))

    def __repr__(self) -> str:
        return f"BasicArrayTypeInfo<{self._element_type}>"


class ObjectArrayTypeInfo(TypeInformation):
    """Arrays of any type; elements may be ``None``."""

    def __init__(self, element_type: TypeInformation) -> None:
        self._element_type = element_type
        super().__init__()

    def _coerce_nonnull(self, value: Any) -> Any:
        return _coerce_list(self, self._element_type, value, nullable_elements=True)

    def __eq__(self, o: object) -> bool:
        if isinstance(o, ObjectArrayTypeInfo):
            return self._element_type == o._element_type
        return False

    def __hash__(self) -> int:
        return hash(("ObjectArray", self._element_type))

    def __repr__(self) -> str:
        return f"ObjectArrayTypeInfo<{self._element_type}>"


class ListTypeInfo(TypeInformation):
    """Python lists (``Types.LIST``).

    PyFlink's runtime encodes these like primitive arrays: elements cannot be
    ``None`` and ``LIST(BYTE)`` means ``bytes``.
    """

    def __init__(self, element_type: TypeInformation) -> None:
        self.elem_type = element_type
        super().__init__()

    def _coerce_nonnull(self, value: Any) -> Any:
        if _is_byte(self.elem_type):
            return _coerce_bytes(self, value)
        return _coerce_list(self, self.elem_type, value, nullable_elements=False)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ListTypeInfo):
            return self.elem_type == other.elem_type
        return False

    def __hash__(self) -> int:
        return hash(("List", self.elem_type))

    def __repr__(self) -> str:
        return f"ListTypeInfo<{self.elem_type}>"


class MapTypeInfo(TypeInformation):
    """Python dicts (``Types.MAP``); keys cannot be ``None``, values can."""

    def __init__(self, key_type_info: TypeInformation, value_type_info: TypeInformation) -> None:
        self._key_type_info = key_type_info
        self._value_type_info = value_type_info
        super().__init__()

    def _coerce_nonnull(self, value: Any) -> Any:
        items = getattr(value, "items", None)
        if items is None or isinstance(value, type):
            raise _mismatch(self, "a dict", value)
        key_type, value_type = self._key_type_info, self._value_type_info
        return {
            key_type._coerce_nonnull(k): (None if v is None else value_type._coerce_nonnull(v))
            for k, v in items()
        }

    def __eq__(self, other: object) -> bool:
        if isinstance(other, MapTypeInfo):
            return (
                self._key_type_info == other._key_type_info
                and self._value_type_info == other._value_type_info
            )
        return False

    def __hash__(self) -> int:
        return hash(("Map", self._key_type_info, self._value_type_info))

    def __repr__(self) -> str:
        return f"MapTypeInfo<{self._key_type_info}, {self._value_type_info}>"


# ------------------------------------------------------------ rows and tuples
class RowTypeInfo(TypeInformation):
    """Type of :class:`~flinklite.common.types.Row` values."""

    def __init__(self, field_types: list[TypeInformation], field_names: list[str] | None = None) -> None:
        self._field_types = field_types
        self._field_names = field_names
        # Names every row coming out of a ROW boundary carries; unnamed ROW
        # types get Flink's default names f0, f1, ... One list is shared by all
        # coerced rows, as PyFlink's decoder does.
        self._coerce_names = list(field_names) if field_names else [f"f{i}" for i in range(len(field_types))]
        super().__init__()

    def get_field_names(self) -> list[str]:
        # PyFlink fills in Java's default names on first call and keeps them,
        # after which repr and get_field_index see them too.
        if not self._field_names:
            self._field_names = [f"f{i}" for i in range(len(self._field_types))]
        return self._field_names

    def get_field_index(self, field_name: str) -> int:
        if self._field_names:
            return self._field_names.index(field_name)
        return -1

    def get_field_types(self) -> list[TypeInformation]:
        return self._field_types

    def need_conversion(self) -> bool:
        return True

    def to_internal_type(self, obj: Any) -> Any:
        """PyFlink's client-side form: ``(row_kind_value, *field_values)``."""
        if obj is None:
            return None
        names = self.get_field_names()
        if isinstance(obj, dict):
            return (RowKind.INSERT.value, *(obj.get(n) for n in names))
        if isinstance(obj, Row):
            values = [obj[n] for n in names] if obj._fields is not None else list(obj)
            return (obj.get_row_kind().value, *values)
        if isinstance(obj, (list, tuple)):
            return (RowKind.INSERT.value, *obj)
        if hasattr(obj, "__dict__"):
            return (RowKind.INSERT.value, *(obj.__dict__.get(n) for n in names))
        raise ValueError(f"Unexpected tuple {obj!r} with RowTypeInfo")

    def from_internal_type(self, obj: Any) -> Any:
        if obj is None or isinstance(obj, (tuple, list)):
            return obj
        return tuple(obj)

    def _coerce_nonnull(self, value: Any) -> Any:
        if not isinstance(value, Row):
            raise _mismatch(self, "a Row", value)
        names = self._coerce_names
        types = self._field_types
        fields = value._fields
        if fields is None or fields == names:
            values = value._values
        else:
            missing = [n for n in names if n not in fields]
            if missing:
                raise _mismatch(
                    self, "a Row", value, f"field names {missing} are missing from the row's names {fields}"
                )
            values = [value._values[fields.index(n)] for n in names]
        if len(values) < len(types):
            raise _mismatch(self, "a Row", value, f"it has {len(values)} fields, the type has {len(types)}")
        # Extra trailing values are dropped, as in PyFlink.
        out = Row.__new__(Row)
        # Row fields may be null under every type, which is exactly _coerce's rule.
        try:
            out._values = [t._coerce(v) for t, v in zip(types, values, strict=False)]
        except TypeError as e:
            for name, t, v in zip(names, types, values, strict=False):
                try:
                    t._coerce(v)
                except TypeError:
                    raise TypeError(f"field {name!r} of {_short_repr(value)} ({self!r}): {e}") from None
            raise
        out._fields = names
        out._from_dict = False
        out._row_kind = value._row_kind
        return out

    def _coerce_from_collection(self, value: Any) -> Any:
        # PyFlink's client turns tuples, lists and dicts into rows before Java
        # sees them; field values then follow the collection rules too.
        if value is None:
            return None
        names = self._coerce_names
        if isinstance(value, Row):
            row = value
        elif isinstance(value, (tuple, list)):
            row = Row(*value)
        elif isinstance(value, dict):
            row = Row(*(value.get(n) for n in names))
        else:
            raise _mismatch(self, "a Row, tuple, list or dict", value)
        coerced = self._coerce_nonnull(row)
        coerced._values = [
            None if v is None else t._coerce_from_collection(v)
            for t, v in zip(self._field_types, coerced._values, strict=False)
        ]
        return coerced

    def __eq__(self, other: object) -> bool:
        if isinstance(other, RowTypeInfo):
            return self._field_types == other._field_types
        return False

    def __hash__(self) -> int:
        return hash(("Row", tuple(self._field_types)))

    def __repr__(self) -> str:
        if self._field_names:
            body = ", ".join(
                f"{name}: {t}" for name, t in zip(self._field_names, self._field_types, strict=False)
            )
        else:
            body = ", ".join(str(t) for t in self._field_types)
        return f"RowTypeInfo({body})"


def _tuple_fast_accept(field_types: list[TypeInformation]) -> Any:
    """A generated ``check(value) -> bool`` that is True only for a tuple of exactly the declared
    arity whose fields already have the exact Python class (and, for ints, the range) they would
    have after conversion, so the tuple can pass unchanged; None when some field always needs
    converting (FLOAT, nested types, ...). Anything it rejects takes the full, per-field path,
    which converts or raises the usual error."""
    conditions = ["type(v) is tuple", f"len(v) == {len(field_types)}"]
    names: dict[str, Any] = {}
    for i, t in enumerate(field_types):
        if type(t) is not BasicTypeInfo:
            return None
        cls = _EXACT_CLASSES.get(t._basic_type)
        if cls is None or cls is type(None):
            return None
        names[f"c{i}"] = cls
        conditions.append(f"type(v[{i}]) is c{i}")
        if cls is int and t._basic_type is not BasicType.BIG_INT:
            conditions.append(f"{t._low} <= v[{i}] <= {t._high}")
    code = f"lambda v: {' and '.join(conditions)}"
    return eval(code, names)  # noqa: S307 - the text is built above from type objects only


def _coerce_field(t: TypeInformation, v: Any) -> Any:
    return t._coerce_nonnull(v)


def _collection_field(t: TypeInformation, v: Any) -> Any:
    return None if v is None else t._coerce_from_collection(v)


def _field_error(owner: TypeInformation, types: list[TypeInformation], value: Any, error: TypeError,
                 convert: Any) -> TypeError:
    """``error`` (raised by one field's conversion) prefixed with the field's position and the
    whole record, so a message about a nested value says where in which record it sits."""
    for i, (t, v) in enumerate(zip(types, value, strict=False)):
        try:
            convert(t, v)
        except TypeError:
            return TypeError(f"field {i} of {_short_repr(value)} ({owner!r}): {error}")
    return error


class TupleTypeInfo(TypeInformation):
    """Python tuples of a fixed arity (``Types.TUPLE``); fields cannot be ``None``."""

    def __init__(self, field_types: list[TypeInformation]) -> None:
        self._field_types = field_types
        # Built once per type: a check that accepts a tuple already in its final shape.
        self._fast_accept = _tuple_fast_accept(field_types)
        super().__init__()

    def __reduce__(self) -> tuple[Any, ...]:
        # The fast check is generated code; rebuild it instead of pickling it.
        return type(self), (self._field_types,)

    def get_field_types(self) -> list[TypeInformation]:
        return self._field_types

    def need_conversion(self) -> bool:
        return True

    def to_internal_type(self, obj: Any) -> Any:
        if obj is None:
            return None
        if isinstance(obj, (list, tuple, Row)):
            return tuple(obj)
        raise ValueError(f"Unexpected tuple {obj!r} with TupleTypeInfo")

    def from_internal_type(self, obj: Any) -> Any:
        if obj is None or isinstance(obj, (tuple, list)):
            return obj
        return tuple(obj)

    def _coerce_nonnull(self, value: Any) -> Any:
        fast = self._fast_accept
        if fast is not None and fast(value):
            return value
        if not isinstance(value, tuple):
            raise _mismatch(self, "a tuple", value)
        types = self._field_types
        if len(value) < len(types):
            raise _mismatch(self, "a tuple", value, f"it has {len(value)} fields, the type has {len(types)}")
        # Extra trailing values are dropped, as in PyFlink.
        try:
            return tuple([t._coerce_nonnull(v) for t, v in zip(types, value, strict=False)])
        except TypeError as e:
            raise _field_error(self, types, value, e, _coerce_field) from None

    def _coerce_from_collection(self, value: Any) -> Any:
        fast = self._fast_accept
        if fast is not None and fast(value):
            return value
        if value is None:
            return None
        if isinstance(value, (list, Row)):
            value = tuple(value)
        coerced = self._coerce_nonnull(value)
        try:
            return tuple([t._coerce_from_collection(v) for t, v in zip(self._field_types, coerced, strict=False)])
        except TypeError as e:
            raise _field_error(self, self._field_types, coerced, e, _collection_field) from None

    def __eq__(self, other: object) -> bool:
        if isinstance(other, TupleTypeInfo):
            return self._field_types == other._field_types
        return False

    def __hash__(self) -> int:
        return hash(("Tuple", tuple(self._field_types)))

    def __repr__(self) -> str:
        return "TupleTypeInfo({})".format(", ".join(str(t) for t in self._field_types))


class ExternalTypeInfo(TypeInformation):
    """Wrapper PyFlink uses for Table API conversions; behaves as the wrapped type."""

    def __init__(self, type_info: TypeInformation) -> None:
        super().__init__()
        self._type_info = type_info

    def _coerce(self, value: Any) -> Any:
        return self._type_info._coerce(value)

    def _coerce_nonnull(self, value: Any) -> Any:
        return self._type_info._coerce_nonnull(value)

    def _is_numeric(self) -> bool:
        return self._type_info._is_numeric()

    def __eq__(self, other: object) -> bool:
        return self.__class__ == other.__class__ and self._type_info == other._type_info  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(("External", self._type_info))

    def __repr__(self) -> str:
        return f"ExternalTypeInfo<{self._type_info}>"


# ---------------------------------------------------------------- factories
class Types:
    """Factories for every type PyFlink's ``Types`` offers."""

    @staticmethod
    def STRING() -> TypeInformation:
        return BasicTypeInfo.STRING_TYPE_INFO()

    @staticmethod
    def BYTE() -> TypeInformation:
        return BasicTypeInfo.BYTE_TYPE_INFO()

    @staticmethod
    def BOOLEAN() -> TypeInformation:
        return BasicTypeInfo.BOOLEAN_TYPE_INFO()

    @staticmethod
    def SHORT() -> TypeInformation:
        return BasicTypeInfo.SHORT_TYPE_INFO()

    @staticmethod
    def INT() -> TypeInformation:
        return BasicTypeInfo.INT_TYPE_INFO()

    @staticmethod
    def LONG() -> TypeInformation:
        return BasicTypeInfo.LONG_TYPE_INFO()

    @staticmethod
    def FLOAT() -> TypeInformation:
        return BasicTypeInfo.FLOAT_TYPE_INFO()

    @staticmethod
    def DOUBLE() -> TypeInformation:
        return BasicTypeInfo.DOUBLE_TYPE_INFO()

    @staticmethod
    def CHAR() -> TypeInformation:
        return BasicTypeInfo.CHAR_TYPE_INFO()

    @staticmethod
    def BIG_INT() -> TypeInformation:
        return BasicTypeInfo.BIG_INT_TYPE_INFO()

    @staticmethod
    def BIG_DEC() -> TypeInformation:
        return BasicTypeInfo.BIG_DEC_TYPE_INFO()

    @staticmethod
    def INSTANT() -> TypeInformation:
        return BasicTypeInfo.INSTANT_TYPE_INFO()

    @staticmethod
    def SQL_DATE() -> TypeInformation:
        return SqlTimeTypeInfo.DATE()

    @staticmethod
    def SQL_TIME() -> TypeInformation:
        return SqlTimeTypeInfo.TIME()

    @staticmethod
    def SQL_TIMESTAMP() -> TypeInformation:
        return SqlTimeTypeInfo.TIMESTAMP()

    @staticmethod
    def PICKLED_BYTE_ARRAY() -> TypeInformation:
        return PickledBytesTypeInfo()

    @staticmethod
    def ROW(field_types: list[TypeInformation]) -> RowTypeInfo:
        return RowTypeInfo(field_types)

    @staticmethod
    def ROW_NAMED(field_names: list[str], field_types: list[TypeInformation]) -> RowTypeInfo:
        return RowTypeInfo(field_types, field_names)

    @staticmethod
    def TUPLE(field_types: list[TypeInformation]) -> TupleTypeInfo:
        return TupleTypeInfo(field_types)

    @staticmethod
    def PRIMITIVE_ARRAY(element_type: TypeInformation) -> PrimitiveArrayTypeInfo:
        return PrimitiveArrayTypeInfo(element_type)

    @staticmethod
    def BASIC_ARRAY(element_type: TypeInformation) -> TypeInformation:
        return BasicArrayTypeInfo(element_type)

    @staticmethod
    def OBJECT_ARRAY(element_type: TypeInformation) -> TypeInformation:
        return ObjectArrayTypeInfo(element_type)

    @staticmethod
    def MAP(key_type_info: TypeInformation, value_type_info: TypeInformation) -> TypeInformation:
        return MapTypeInfo(key_type_info, value_type_info)

    @staticmethod
    def LIST(element_type_info: TypeInformation) -> TypeInformation:
        return ListTypeInfo(element_type_info)
