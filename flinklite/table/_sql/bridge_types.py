"""DataStream TypeInformation -> SQL type names, for tables made from a DataStream without a
full Schema (PyFlink derives the columns from the stream's Row type the same way)."""

from __future__ import annotations

from typing import Any

__all__ = ["sql_type_of"]

_BY_REPR = {
    "String": "STRING", "Integer": "INT", "Long": "BIGINT", "Double": "DOUBLE", "Float": "FLOAT",
    "Boolean": "BOOLEAN", "Short": "SMALLINT", "Byte": "TINYINT", "BigDecimal": "DECIMAL(38, 18)",
    "TimestampTypeInfo": "TIMESTAMP(3)", "DateTypeInfo": "DATE", "Instant": "TIMESTAMP_LTZ(3)",
    "TimeTypeInfo": "TIME",
}


def sql_type_of(type_info: Any) -> str:
    return _BY_REPR.get(repr(type_info), "STRING")
