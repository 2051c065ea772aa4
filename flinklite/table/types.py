"""``DataTypes`` (PyFlink's ``pyflink.table.types``): a :class:`DataType` names its SQL type, its
parameters and nullability; the names follow PyFlink's.

Differences: CHAR/VARCHAR(n) are all STRING and BINARY/VARBINARY(n) all BYTES (lengths are not
enforced); there is no ``UserDefinedType``.
"""

from __future__ import annotations

from typing import Any

from flinklite.common.types import Row, RowKind

__all__ = ["DataType", "DataTypes", "Row", "RowField", "RowKind", "parse_type"]


class DataType:
    """A SQL type, e.g. ``BIGINT`` or ``TIMESTAMP_LTZ(3)``."""

    def __init__(self, name: str, nullable: bool = True, args: tuple = (), fields: list | None = None) -> None:
        self.name = name
        self._nullable = nullable
        self.args = args
        self.fields = fields

    def not_null(self) -> DataType:
        return DataType(self.name, False, self.args, self.fields)

    def nullable(self) -> DataType:
        return DataType(self.name, True, self.args, self.fields)

    @property
    def is_timestamp(self) -> bool:
        return self.name in ("TIMESTAMP", "TIMESTAMP_LTZ")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DataType) and (self.name, self._nullable, self.args) == (
            other.name, other._nullable, other.args)

    def __hash__(self) -> int:
        return hash((self.name, self._nullable, self.args))

    def __repr__(self) -> str:
        if self.fields is not None:
            inner = ", ".join(f"{f.name} {f.data_type!r}" for f in self.fields)
            s = f"ROW<{inner}>"
        else:
            s = self.name + (f"({', '.join(map(str, self.args))})" if self.args else "")
            if self.name in ("ARRAY", "MAP"):
                s = self.name + "<" + ", ".join(map(str, self.args)) + ">"
        return s if self._nullable else s + " NOT NULL"

    __str__ = __repr__


class RowField:
    def __init__(self, name: str, data_type: DataType, description: str | None = None) -> None:
        self.name = name
        self.data_type = data_type
        self.description = description


class DataTypes:
    """Factory of :class:`DataType` values, named as in PyFlink."""

    @staticmethod
    def STRING(nullable: bool = True) -> DataType:
        return DataType("STRING", nullable)

    @staticmethod
    def BOOLEAN(nullable: bool = True) -> DataType:
        return DataType("BOOLEAN", nullable)

    @staticmethod
    def TINYINT(nullable: bool = True) -> DataType:
        return DataType("TINYINT", nullable)

    @staticmethod
    def SMALLINT(nullable: bool = True) -> DataType:
        return DataType("SMALLINT", nullable)

    @staticmethod
    def INT(nullable: bool = True) -> DataType:
        return DataType("INT", nullable)

    @staticmethod
    def BIGINT(nullable: bool = True) -> DataType:
        return DataType("BIGINT", nullable)

    @staticmethod
    def FLOAT(nullable: bool = True) -> DataType:
        return DataType("FLOAT", nullable)

    @staticmethod
    def DOUBLE(nullable: bool = True) -> DataType:
        return DataType("DOUBLE", nullable)

    @staticmethod
    def TIMESTAMP(precision: int = 6, nullable: bool = True) -> DataType:
        return DataType("TIMESTAMP", nullable, (precision,))

    @staticmethod
    def TIMESTAMP_LTZ(precision: int = 6, nullable: bool = True) -> DataType:
        return DataType("TIMESTAMP_LTZ", nullable, (precision,))

    @staticmethod
    def CHAR(length: int = 1, nullable: bool = True) -> DataType:
        return DataType("STRING", nullable)  # flinklite keeps all character strings as STRING

    @staticmethod
    def VARCHAR(length: int = 2147483647, nullable: bool = True) -> DataType:
        return DataType("STRING", nullable)

    @staticmethod
    def BYTES(nullable: bool = True) -> DataType:
        return DataType("BYTES", nullable)

    @staticmethod
    def BINARY(length: int = 1, nullable: bool = True) -> DataType:
        return DataType("BYTES", nullable)

    @staticmethod
    def VARBINARY(length: int = 2147483647, nullable: bool = True) -> DataType:
        return DataType("BYTES", nullable)

    @staticmethod
    def DECIMAL(precision: int = 10, scale: int = 0, nullable: bool = True) -> DataType:
        return DataType("DECIMAL", nullable, (precision, scale))

    @staticmethod
    def DATE(nullable: bool = True) -> DataType:
        return DataType("DATE", nullable)

    @staticmethod
    def TIME(precision: int = 0, nullable: bool = True) -> DataType:
        return DataType("TIME", nullable)

    @staticmethod
    def TIMESTAMP_WITH_LOCAL_TIME_ZONE(precision: int = 6, nullable: bool = True) -> DataType:
        return DataType("TIMESTAMP_LTZ", nullable, (precision,))

    @staticmethod
    def NULL() -> DataType:
        return DataType("NULL", True)

    @staticmethod
    def ARRAY(element_type: DataType, nullable: bool = True) -> DataType:
        return DataType("ARRAY", nullable, (element_type,))

    @staticmethod
    def MAP(key_type: DataType, value_type: DataType, nullable: bool = True) -> DataType:
        return DataType("MAP", nullable, (key_type, value_type))

    @staticmethod
    def FIELD(name: str, data_type: DataType, description: str | None = None) -> RowField:
        return RowField(name, data_type, description)

    @staticmethod
    def ROW(row_fields: list | None = None, nullable: bool = True) -> DataType:
        return DataType("ROW", nullable, (), list(row_fields or []))


_ALIASES = {"VARCHAR": "STRING", "INTEGER": "INT", "BOOL": "BOOLEAN", "LONG": "BIGINT"}


def parse_type(t: Any) -> DataType:
    """A :class:`DataType` from a DataType or a SQL type string such as ``"BIGINT NOT NULL"``."""
    if isinstance(t, DataType):
        return t
    if not isinstance(t, str):
        raise TypeError(f"expected a DataType or a SQL type string, got {t!r}")
    s = t.strip().upper()
    nullable = True
    if s.endswith("NOT NULL"):
        nullable = False
        s = s[: -len("NOT NULL")].strip()
    args: tuple = ()
    if "(" in s and s.endswith(")"):
        base, inner = s[:-1].split("(", 1)
        s = base.strip()
        args = tuple(int(a) for a in inner.split(",") if a.strip())
    if s.startswith("VARCHAR") or s.startswith("CHAR"):
        s, args = "STRING", ()
    s = _ALIASES.get(s, s)
    if s == "TIMESTAMP WITH LOCAL TIME ZONE":
        s = "TIMESTAMP_LTZ"
    return DataType(s, nullable, args)
