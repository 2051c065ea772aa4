"""``KeyedStream.sum/min/max/min_by/max_by`` as reduce functions, with PyFlink's semantics
(PyFlink implements them in Python, and PyFlink's behaviour is the contract):


* ``sum``/``min``/``max``: the key's *first* record is kept and only the selected field is updated
  (``+``, ``<``, ``>`` in Python terms, so ``sum`` of strings concatenates); ``min_by``/``max_by``
  return a whole record, keeping the earlier one on ties (strict comparison).
* The position is an index, or a field name for Rows; on a plain value (not a tuple/list/Row) only
  position 0 (the value itself) is allowed.
* Tuples are rebuilt; lists and Rows are copied, then updated (PyFlink updates them in place,
  but the records it already emitted were serialized copies, so the observable result is the same).

A position that is neither an int nor a str fails when the program is built; anything else
(a wrong field, a non-numeric sum) fails on the first reduce of a key, with PyFlink's message.
"""

from __future__ import annotations

import copy
from typing import Any

from flinklite.errors import InvalidProgramException

__all__ = ["aggregation_function", "AccumulateReduceFunction"]


def _is_sequence(v: Any) -> bool:
    from flinklite.common.types import Row

    return isinstance(v, (tuple, list, Row))


class AccumulateReduceFunction:
    """``reduce(v1, v2)`` where ``v1`` is the accumulated record and ``v2`` the new one."""

    def __init__(self, kind: str, position: int | str) -> None:
        self.kind = kind
        self.position = position

    def reduce(self, v1: Any, v2: Any) -> Any:
        pos = self.position
        kind = self.kind
        if not _is_sequence(v2):
            if pos != 0:
                raise TypeError(
                    f"The {pos} field selected on a basic type. A field expression on a basic type can "
                    "only select the 0th field (which means selecting the entire basic type)."
                )
            if kind == "sum":
                return v1 + v2
            if kind in ("min", "min_by"):
                return v2 if v2 < v1 else v1
            return v2 if v2 > v1 else v1
        a, b = v1[pos], v2[pos]
        if kind == "min_by":
            return v2 if b < a else v1
        if kind == "max_by":
            return v2 if b > a else v1
        if kind == "sum":
            new = a + b
        elif kind == "min":
            new = b if b < a else a
        else:
            new = b if b > a else a
        if isinstance(v1, tuple):
            fields = list(v1)
            fields[pos] = new  # type: ignore[index]
            return tuple(fields)
        # PyFlink updates lists and Rows in place, but its emitted records were serialized copies;
        # here the previous result may still be referenced downstream, so update a copy.
        out = copy.copy(v1)
        out[pos] = new
        return out


def _summable(t: Any) -> bool:
    """Numbers add; strings and lists concatenate (PyFlink uses Python's ``+``). Dates, times,
    booleans, maps and nested rows cannot be summed in any meaningful way."""
    from flinklite.common import typeinfo as ti

    if isinstance(t, ti.PickledBytesTypeInfo):
        return True
    if isinstance(t, (ti.ListTypeInfo, ti.BasicArrayTypeInfo, ti.PrimitiveArrayTypeInfo, ti.ObjectArrayTypeInfo)):
        return True
    if isinstance(t, ti.BasicTypeInfo) and not isinstance(t, ti.InstantTypeInfo):
        return t._is_numeric() or t == ti.Types.STRING() or t == ti.Types.CHAR()
    return False


def aggregation_function(kind: str, position: Any, type_info: Any) -> AccumulateReduceFunction:
    if isinstance(position, bool) or not isinstance(position, (int, str)):
        raise InvalidProgramException(
            "The field position must be of int or str type to locate the value to calculate for min, max, "
            f"min_by, max_by and sum. The given type is: {type(position)}"
        )
    field_types = None
    names = None
    getter = getattr(type_info, "get_field_types", None)
    if getter is not None:
        field_types = getter()
        names_getter = getattr(type_info, "get_field_names", None)
        names = names_getter() if names_getter is not None else None
    if field_types is not None:
        if isinstance(position, str):
            if names is None or position not in names:
                raise InvalidProgramException(
                    f"{kind}('{position}'): the stream's type {type_info!r} has no field named "
                    f"'{position}' (fields: {names})."
                )
            idx = names.index(position)
        else:
            idx = position
        if not 0 <= idx < len(field_types):
            raise InvalidProgramException(
                f"{kind}({position}): position out of range for the stream's type {type_info!r} "
                f"({len(field_types)} fields)."
            )
        if kind == "sum" and not _summable(field_types[idx]):
            raise InvalidProgramException(
                f"sum({position!r}): field {position!r} of {type_info!r} is {field_types[idx]!r}, which "
                "cannot be summed. Sum a numeric field (strings and lists concatenate, as in PyFlink), "
                "or use reduce(...) to combine other values."
            )
    return AccumulateReduceFunction(kind, position)
