"""How Flink's Java side renders values as text (``toString``), for the places where PyFlink
hands a typed value to Java and Java prints it: the print sink, configuration values.

A pickled value (no declared type) is printed with Python's ``str()``; a typed value is printed
the way its Java counterpart's ``toString`` does: ``1.0E20`` for a DOUBLE, ``true`` for a BOOLEAN,
``(1,a)`` for a TUPLE, ``[1, 2]`` for a LIST, ``{k=1}`` for a MAP. ROW values are rendered by
PyFlink in Python before they reach Java: ``+I[1,a]`` with each field as Python ``str()``.
"""

from __future__ import annotations

import datetime
import decimal
import math
import struct
from collections.abc import Callable
from typing import Any

__all__ = ["batch_text", "java_double_str", "java_float_str", "formatter_for"]


def java_double_str(value: float) -> str:
    """Java's ``Double.toString``: ``1.5``, ``5.0``, ``1.0E20``, ``1.0E-5``."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "-0.0" if math.copysign(1.0, value) < 0 else "0.0"
    return _java_decimal_text(repr(value), abs(value))


def java_float_str(value: float) -> str:
    """Java's ``Float.toString`` of a 32-bit float: the shortest digits that round-trip in 32 bits."""
    if math.isnan(value) or math.isinf(value) or value == 0:
        return java_double_str(value)
    f32 = struct.unpack("f", struct.pack("f", value))[0]
    for precision in range(1, 10):
        text = f"{f32:.{precision}g}"
        if struct.unpack("f", struct.pack("f", float(text)))[0] == f32:
            break
    return _java_decimal_text(repr(float(text)), abs(f32))


def _java_decimal_text(shortest: str, magnitude: float) -> str:
    if 1e-3 <= magnitude < 1e7:
        if "e" in shortest or "E" in shortest:
            shortest = format(decimal.Decimal(shortest), "f")
        return shortest if "." in shortest else shortest + ".0"
    sign, digits, exponent = decimal.Decimal(shortest).normalize().as_tuple()
    text_digits = "".join(map(str, digits))
    point_exponent = len(text_digits) - 1 + int(exponent)
    mantissa = text_digits[0] + "." + (text_digits[1:] or "0")
    return ("-" if sign else "") + f"{mantissa}E{point_exponent}"


def _java_any(value: Any) -> str:
    """``toString`` of a Java object converted from an untyped Python value inside a container."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return java_double_str(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_java_any(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_java_any(k)}={_java_any(v)}" for k, v in value.items()) + "}"
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S") + "." + str(value.microsecond // 1000).rstrip("0").ljust(1, "0")
    return str(value)


def formatter_for(type_info: Any) -> Callable[[Any], str]:
    """A function value -> text as Flink would print a value of ``type_info``."""
    from flinklite.common import typeinfo as ti

    if type_info is None or isinstance(type_info, ti.PickledBytesTypeInfo):
        return str
    if isinstance(type_info, ti.RowTypeInfo):
        def row_text(row: Any) -> str:
            kind = row.get_row_kind() if hasattr(row, "get_row_kind") else None
            prefix = str(kind) if kind is not None else "+I"
            return prefix + "[" + ",".join(str(v) for v in row) + "]"

        return row_text
    if isinstance(type_info, ti.TupleTypeInfo):
        fields = [formatter_for_java(t) for t in type_info.get_field_types()]
        return lambda v: "(" + ",".join(f(x) for f, x in zip(fields, v)) + ")"
    return formatter_for_java(type_info)


# Basic types whose Java text is Python's str() of the converted value (an exact str or int), so
# a generated formatter can put the field straight into an f-string.
_PLAIN_TEXT = ("STRING", "CHAR", "BYTE", "SHORT", "INT", "LONG", "BIG_INT")


def batch_text(type_info: Any, prefix: str) -> Callable[[list], str]:
    """``text(values)``: the print sink's output for a batch, one ``prefix + text + newline``
    per record, as :func:`formatter_for` renders each record. The values must already be
    converted to ``type_info`` (the print sink converts first). For a ``Types.TUPLE`` the line
    is one generated f-string, e.g. ``f"{P}({v[0]},{v[1]})\n"``; fields whose Java text is not
    ``str()`` (DOUBLE, BOOLEAN, nested types, ...) call their formatter inside it."""
    from flinklite.common import typeinfo as ti

    text = formatter_for(type_info)
    if type(type_info) is not ti.TupleTypeInfo:
        if text is str:
            return lambda values: "".join([f"{prefix}{s}\n" for s in map(str, values)])
        return lambda values: "".join([f"{prefix}{s}\n" for s in map(text, values)])
    env: dict[str, Any] = {"P": prefix}
    parts = []
    for i, t in enumerate(type_info.get_field_types()):
        if type(t) is ti.BasicTypeInfo and t._basic_type.name in _PLAIN_TEXT:
            parts.append(f"{{v[{i}]}}")
        else:
            env[f"f{i}"] = formatter_for_java(t)
            parts.append(f"{{f{i}(v[{i}])}}")
    line = "f\"{P}(" + ",".join(parts) + ")\\n\""
    return eval(f"lambda values: ''.join([{line} for v in values])", env)  # noqa: S307 - built from type objects only


def formatter_for_java(type_info: Any) -> Callable[[Any], str]:
    """Java ``toString`` of a value of ``type_info`` (used for fields of Java tuples too)."""
    from flinklite.common import typeinfo as ti

    def nullable(f: Callable[[Any], str]) -> Callable[[Any], str]:
        return lambda v: "null" if v is None else f(v)

    if isinstance(type_info, ti.BasicTypeInfo):
        if type_info == ti.Types.DOUBLE():
            return nullable(java_double_str)
        if type_info == ti.Types.FLOAT():
            return nullable(java_float_str)
        if type_info == ti.Types.BOOLEAN():
            return nullable(lambda v: "true" if v else "false")
        return nullable(str)
    if isinstance(type_info, (ti.BasicArrayTypeInfo, ti.PrimitiveArrayTypeInfo, ti.ObjectArrayTypeInfo)):
        # Java prints arrays by identity ("[I@1b6d3586"); the hash differs per run anyway
        return nullable(lambda v: f"[{_array_code(type_info)}@{id(v) & 0xFFFFFFF:x}")
    if isinstance(type_info, (ti.ListTypeInfo, ti.MapTypeInfo)):
        return nullable(_java_any)
    if isinstance(type_info, ti.RowTypeInfo) or isinstance(type_info, ti.TupleTypeInfo):
        return nullable(formatter_for(type_info))
    return nullable(_java_any)


def _array_code(type_info: Any) -> str:
    return "I" if "Primitive" in type(type_info).__name__ else "Ljava.lang.Object;"
