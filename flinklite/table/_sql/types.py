"""SQL logical types as the planner uses them, and the value representation inside the runtime.

Internal values (what operators see): BOOLEAN -> bool, integer types -> int, FLOAT/DOUBLE -> float,
DECIMAL(p, s) -> ``decimal.Decimal`` quantized to ``s``, STRING -> str, DATE -> ``datetime.date``,
TIME -> ``datetime.time``, TIMESTAMP(p) -> int epoch milliseconds of the wall-clock time read as
UTC, TIMESTAMP_LTZ(p) -> int epoch milliseconds (an instant), INTERVAL -> int milliseconds.
Keeping both timestamp kinds as ints makes window arithmetic plain integer arithmetic; they become
``datetime`` values only at the edge (:func:`to_external`). Precision is kept to milliseconds.
"""

from __future__ import annotations

import datetime
import decimal
from typing import Any

from sqlglot import exp

from flinklite.table.types import DataType

__all__ = [
    "T", "numeric_rank", "is_numeric", "is_integer", "is_string", "is_timestamp", "common_numeric",
    "from_sqlglot", "to_external", "from_external", "EPOCH",
]

EPOCH = datetime.datetime(1970, 1, 1)


class T:
    """Shorthands for the types the planner produces."""

    BOOLEAN = DataType("BOOLEAN")
    TINYINT = DataType("TINYINT")
    SMALLINT = DataType("SMALLINT")
    INT = DataType("INT")
    BIGINT = DataType("BIGINT")
    FLOAT = DataType("FLOAT")
    DOUBLE = DataType("DOUBLE")
    STRING = DataType("STRING")
    BYTES = DataType("BYTES")
    DATE = DataType("DATE")
    TIME = DataType("TIME")
    TIMESTAMP3 = DataType("TIMESTAMP", True, (3,))
    TIMESTAMP_LTZ3 = DataType("TIMESTAMP_LTZ", True, (3,))
    INTERVAL = DataType("INTERVAL")
    NULL = DataType("NULL")

    @staticmethod
    def decimal(p: int, s: int) -> DataType:
        return DataType("DECIMAL", True, (min(p, 38), min(s, 38)))


_RANK = {"TINYINT": 1, "SMALLINT": 2, "INT": 3, "BIGINT": 4, "DECIMAL": 5, "FLOAT": 6, "DOUBLE": 7}


def numeric_rank(t: DataType) -> int:
    return _RANK.get(t.name, 0)


def is_numeric(t: DataType) -> bool:
    return t.name in _RANK


def is_integer(t: DataType) -> bool:
    return t.name in ("TINYINT", "SMALLINT", "INT", "BIGINT")


def is_string(t: DataType) -> bool:
    return t.name == "STRING"


def is_timestamp(t: DataType) -> bool:
    return t.name in ("TIMESTAMP", "TIMESTAMP_LTZ")


def _int_digits(t: DataType) -> int:
    return {"TINYINT": 3, "SMALLINT": 5, "INT": 10, "BIGINT": 19}.get(t.name, 19)


def decimal_parts(t: DataType) -> tuple[int, int]:
    if t.name == "DECIMAL":
        return t.args[0], t.args[1]
    return _int_digits(t), 0


def common_numeric(a: DataType, b: DataType) -> DataType:
    """The wider of two numeric types (Flink's implicit widening)."""
    if a.name == "NULL":
        return b
    if b.name == "NULL":
        return a
    if a.name == "DECIMAL" or b.name == "DECIMAL":
        if a.name in ("FLOAT", "DOUBLE") or b.name in ("FLOAT", "DOUBLE"):
            return T.DOUBLE
        (p1, s1), (p2, s2) = decimal_parts(a), decimal_parts(b)
        s = max(s1, s2)
        return T.decimal(max(p1 - s1, p2 - s2) + s, s)
    return a if numeric_rank(a) >= numeric_rank(b) else b


_SQLGLOT_NAMES = {
    "BOOLEAN": "BOOLEAN", "TINYINT": "TINYINT", "SMALLINT": "SMALLINT", "INT": "INT", "BIGINT": "BIGINT",
    "FLOAT": "FLOAT", "DOUBLE": "DOUBLE", "DECIMAL": "DECIMAL", "TEXT": "STRING", "VARCHAR": "STRING",
    "CHAR": "STRING", "NVARCHAR": "STRING", "NCHAR": "STRING", "STRING": "STRING", "BINARY": "BYTES",
    "VARBINARY": "BYTES", "DATE": "DATE", "TIME": "TIME", "TIMESTAMP": "TIMESTAMP", "DATETIME": "TIMESTAMP",
    "TIMESTAMPLTZ": "TIMESTAMP_LTZ", "TIMESTAMPTZ": "TIMESTAMP_LTZ", "BIGDECIMAL": "DECIMAL",
    "UTINYINT": "TINYINT", "USMALLINT": "SMALLINT", "UINT": "INT", "UBIGINT": "BIGINT", "REAL": "FLOAT",
}


def from_sqlglot(dt: exp.DataType) -> DataType:
    """A DataType from sqlglot's parsed type (``CAST(x AS DECIMAL(10, 2))``, column definitions)."""
    name = dt.this.name if hasattr(dt.this, "name") else str(dt.this)
    ours = _SQLGLOT_NAMES.get(name.upper())
    if ours is None:
        from flinklite.errors import InvalidProgramException

        raise InvalidProgramException(f"SQL type {dt.sql()} is not supported by flinklite")
    params = [int(p.this.name) if isinstance(p.this, exp.Literal) else int(p.name) for p in dt.expressions]
    if ours == "DECIMAL":
        p = params[0] if params else 10
        s = params[1] if len(params) > 1 else 0
        return T.decimal(p, s)
    if ours in ("TIMESTAMP", "TIMESTAMP_LTZ"):
        return DataType(ours, True, (params[0] if params else 6,))
    return DataType(ours)


def to_external(value: Any, t: DataType, tz: datetime.tzinfo | None) -> Any:
    """An internal value as PyFlink hands it to Python."""
    if value is None:
        return None
    name = t.name
    if name == "TIMESTAMP":
        return EPOCH + datetime.timedelta(milliseconds=value)
    if name == "TIMESTAMP_LTZ":
        # PyFlink gives TIMESTAMP_LTZ as a naive date-time in the session time zone
        utc = EPOCH + datetime.timedelta(milliseconds=value)
        if tz is None:
            return utc
        return utc.replace(tzinfo=datetime.UTC).astimezone(tz).replace(tzinfo=None)
    return value


def from_external(value: Any, t: DataType) -> Any:
    """A Python value (from a DataStream or ``from_elements``) in the internal representation."""
    if value is None:
        return None
    name = t.name
    if name in ("TIMESTAMP", "TIMESTAMP_LTZ"):
        if isinstance(value, datetime.datetime):
            if value.tzinfo is not None:
                value = value.astimezone(datetime.UTC).replace(tzinfo=None)
            d = value - EPOCH
            return (d.days * 86_400 + d.seconds) * 1000 + d.microseconds // 1000
        return int(value)
    if name == "DECIMAL" and not isinstance(value, decimal.Decimal):
        return decimal.Decimal(str(value)).quantize(decimal.Decimal(1).scaleb(-t.args[1]))
    return value
