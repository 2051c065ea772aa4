"""``Schema`` (PyFlink's ``pyflink.table.Schema``): the declared shape of a table made from a
DataStream: physical columns, computed columns (``column_by_expression``) and the watermark.
"""

from __future__ import annotations

from typing import Any

from flinklite.errors import InvalidProgramException
from flinklite.table.types import DataType, parse_type

__all__ = ["Schema"]


class Schema:
    """Columns in order, each ``(name, kind, type_or_expr)`` with kind ``physical``/``computed``,
    plus an optional watermark ``(rowtime_column, sql_expression)``."""

    def __init__(self, columns: list[tuple[str, str, Any]], watermark: tuple[str, str] | None) -> None:
        self.columns = columns
        self.watermark_spec = watermark

    @staticmethod
    def new_builder() -> Schema.Builder:
        return Schema.Builder()

    def column_names(self) -> list[str]:
        return [c[0] for c in self.columns]

    def __repr__(self) -> str:
        parts = []
        for name, kind, spec in self.columns:
            parts.append(f"  `{name}` {spec}" if kind == "physical" else f"  `{name}` AS {spec}")
        if self.watermark_spec:
            parts.append(f"  WATERMARK FOR `{self.watermark_spec[0]}` AS {self.watermark_spec[1]}")
        return "(\n" + ",\n".join(parts) + "\n)"

    __str__ = __repr__

    class Builder:
        def __init__(self) -> None:
            self._columns: list[tuple[str, str, Any]] = []
            self._watermark: tuple[str, str] | None = None

        def _add(self, name: str, kind: str, spec: Any) -> Schema.Builder:
            if any(c[0] == name for c in self._columns):
                raise InvalidProgramException(f"Schema: column {name!r} is declared twice")
            self._columns.append((name, kind, spec))
            return self

        def column(self, column_name: str, data_type: Any) -> Schema.Builder:
            dt: DataType = parse_type(data_type)
            return self._add(column_name, "physical", dt)

        def column_by_expression(self, column_name: str, expr: str) -> Schema.Builder:
            if not isinstance(expr, str):
                raise InvalidProgramException(
                    "column_by_expression: flinklite takes the expression as SQL text, e.g. "
                    "\"TO_TIMESTAMP_LTZ(t, 3)\""
                )
            return self._add(column_name, "computed", expr)

        def watermark(self, column_name: str, watermark_expr: str) -> Schema.Builder:
            if self._watermark is not None:
                raise InvalidProgramException("Schema: only one watermark can be declared")
            self._watermark = (column_name, watermark_expr)
            return self

        def from_schema(self, schema: Schema) -> Schema.Builder:
            for c in schema.columns:
                self._add(*c)
            if schema.watermark_spec:
                self._watermark = schema.watermark_spec
            return self

        def build(self) -> Schema:
            if self._watermark is not None and not any(c[0] == self._watermark[0] for c in self._columns):
                raise InvalidProgramException(
                    f"Schema: the watermark is declared on {self._watermark[0]!r}, which is not a column"
                )
            return Schema(list(self._columns), self._watermark)


class ResolvedSchema:
    """The schema of a planned table or query result: column names, types and the time attribute."""

    def __init__(self, names: list[str], types: list[Any], rowtime: list[bool] | None = None,
                 computed: list[str | None] | None = None, watermark: tuple[str, str] | None = None) -> None:
        self._names = names
        self._types = types
        self._rowtime = rowtime or [False] * len(names)
        # a scanned table keeps its computed-column expressions and watermark, as Flink prints them
        self._computed = computed or [None] * len(names)
        self._watermark = watermark

    def get_column_names(self) -> list[str]:
        return list(self._names)

    get_field_names = get_column_names

    def get_column_data_types(self) -> list[Any]:
        return list(self._types)

    get_field_data_types = get_column_data_types

    def get_column_count(self) -> int:
        return len(self._names)

    def __repr__(self) -> str:
        cols = []
        types = dict(zip(self._names, self._types))
        for n, t, rt, c in zip(self._names, self._types, self._rowtime, self._computed):
            cols.append(f"  `{n}` {t}{' *ROWTIME*' if rt else ''}{f' AS {c}' if c else ''}")
        if self._watermark is not None:
            col, expr = self._watermark
            cols.append(f"  WATERMARK FOR `{col}`: {types.get(col)} AS {expr}")
        return "(\n" + ",\n".join(cols) + "\n)"

    __str__ = __repr__
