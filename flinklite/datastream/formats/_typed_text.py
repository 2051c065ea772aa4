"""Text <-> typed value conversion shared by the CSV and JSON formats (internal).

A field's type is a ``DataType`` (``DataTypes.INT()`` ...) or a ``TypeInformation``
(``Types.INT()`` ...); both are reduced to one of a few kinds by name."""

from __future__ import annotations

import datetime
import decimal
from typing import Any

_INT = {"TINYINT", "SMALLINT", "INT", "INTEGER", "BIGINT", "BYTE", "SHORT", "LONG"}
_FLOAT = {"FLOAT", "DOUBLE"}


def kind_of(t: Any) -> str:
    """'int', 'float', 'decimal', 'bool', 'str', 'date', 'time', 'timestamp', 'row', 'list' or 'any'."""
    if t is None:
        return "str"
    from flinklite.common.typeinfo import ListTypeInfo, ObjectArrayTypeInfo, RowTypeInfo

    if isinstance(t, RowTypeInfo):
        return "row"
    if isinstance(t, (ListTypeInfo, ObjectArrayTypeInfo)):
        return "list"
    name = str(getattr(t, "name", None) or t).upper()
    name = name.split("(")[0].replace("_TYPE_INFO", "").strip()
    if name in _INT:
        return "int"
    if name in _FLOAT:
        return "float"
    if name in ("DECIMAL", "BIG_DEC"):
        return "decimal"
    if name in ("BOOLEAN", "BOOL"):
        return "bool"
    if name in ("STRING", "VARCHAR", "CHAR"):
        return "str"
    if name in ("DATE", "SQL_DATE", "LOCAL_DATE"):
        return "date"
    if name in ("TIME", "SQL_TIME", "LOCAL_TIME"):
        return "time"
    if name.startswith("TIMESTAMP") or name in ("SQL_TIMESTAMP", "LOCAL_DATE_TIME"):
        return "timestamp"
    if name == "ARRAY":
        return "list"
    if name == "ROW":
        return "row"
    return "any"


def from_text(text: str, kind: str) -> Any:
    """``text`` as a value of ``kind``; raises ValueError when it does not parse."""
    if kind in ("str", "any"):
        return text
    s = text.strip()
    if kind == "int":
        return int(s)
    if kind == "float":
        return float(s)
    if kind == "decimal":
        try:
            return decimal.Decimal(s)
        except decimal.InvalidOperation:
            raise ValueError(f"not a decimal: {text!r}") from None
    if kind == "bool":
        low = s.lower()
        if low not in ("true", "false"):
            raise ValueError(f"not a boolean: {text!r}")
        return low == "true"
    if kind == "date":
        return datetime.date.fromisoformat(s)
    if kind == "time":
        return datetime.time.fromisoformat(s)
    if kind == "timestamp":
        return datetime.datetime.fromisoformat(s.replace("T", " "))
    raise ValueError(f"cannot read a {kind} from text {text!r}")


def to_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    return str(value)
