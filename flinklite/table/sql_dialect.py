"""``SqlDialect`` (PyFlink's ``pyflink.table.SqlDialect``). flinklite parses the DEFAULT (Flink)
dialect only; ``table.sql-dialect`` = ``hive`` is rejected when a statement is parsed."""

from enum import Enum

__all__ = ["SqlDialect"]


class SqlDialect(Enum):
    DEFAULT = 0
    HIVE = 1
