"""``Table`` (PyFlink's ``pyflink.table.Table``) and the logical plan nodes behind it.

A Table wraps a logical plan node; nothing runs until the table is converted back
(``execute``, ``execute_insert``, ``to_data_stream``), which plans it into DataStream operators.
A table read from a DataStream is a :class:`DataStreamScan` (through a
:class:`~flinklite.table.schema.Schema`); every other table is a query planned by
:mod:`flinklite.table._sql.planner` (the Table API operations render SQL, see
:mod:`flinklite.table._table_api`).
"""

from __future__ import annotations

import datetime
from typing import Any

from flinklite.common.types import _create_row
from flinklite.common.watermark_strategy import TimestampAssigner, WatermarkGenerator
from flinklite.table._table_api import (
    GroupedTable,
    GroupWindowedTable,
    OverWindowedTable,
    TableApiMixin,
    WindowGroupedTable,
)
from flinklite.table.expressions import _compile_expression as compile_expression
from flinklite.table.schema import Schema
from flinklite.time.watermark import MIN_TIMESTAMP

__all__ = ["Table", "PlanNode", "DataStreamScan", "GroupedTable", "GroupWindowedTable", "OverWindowedTable",
           "WindowGroupedTable"]


class PlanNode:
    """A logical plan node: output column names, and how to compile to a DataStream of Rows whose
    record timestamps are the rowtime (if the node has one)."""

    def column_names(self) -> list[str]:
        raise NotImplementedError

    def to_stream(self, t_env: Any) -> Any:
        raise NotImplementedError


def _datetime_to_ms(v: Any) -> int:
    if isinstance(v, datetime.datetime):
        if v.tzinfo is not None:
            return int(v.timestamp() * 1000)
        d = v - datetime.datetime(1970, 1, 1)
        return (d.days * 86_400 + d.seconds) * 1000 + d.microseconds // 1000
    return int(v)


def _to_datetime(ms: int) -> datetime.datetime:
    # TIMESTAMP_LTZ values reach Python as naive local date-times, as in PyFlink
    return datetime.datetime.fromtimestamp(ms // 1000).replace(microsecond=(ms % 1000) * 1000)


class _Project:
    """Input record -> output value list (physical columns by name, then computed columns)."""

    def __init__(self, schema: Schema, input_names: list[str] | None) -> None:
        names = schema.column_names()
        physical = [c for c in schema.columns if c[1] == "physical"]
        self.names = names
        self.input_names = input_names
        self.physical_idx: list[int] = []
        for i, (name, _, _) in enumerate(physical):
            if input_names and name in input_names:
                self.physical_idx.append(input_names.index(name))
            else:
                self.physical_idx.append(i)
        self.computed: list[tuple[int, Any, bool]] = []
        self.types: list[Any] = [spec if kind == "physical" else None for _, kind, spec in schema.columns]
        for pos, (_name, kind, spec) in enumerate(schema.columns):
            if kind == "computed":
                fn, t = compile_expression(spec, names, self.types, typed=True)
                self.types[pos] = t
                self.computed.append((pos, fn, t.is_timestamp))
        self.kinds = [c[1] for c in schema.columns]
        # physical TIMESTAMP columns arrive as datetimes; the runtime keeps epoch milliseconds
        self.ts_physical = [i for i, (_, k, t) in enumerate(schema.columns) if k == "physical" and t.is_timestamp]

    def values(self, record: Any) -> list:
        if hasattr(record, "_values"):
            src = record._values
            fields = record._fields
            if fields and self.input_names is None:
                src = [record[n] if n in fields else None for n in self.names if True][: len(self.physical_idx)]
                vals = list(src)
            else:
                vals = [src[i] for i in self.physical_idx]
        elif isinstance(record, (tuple, list)):
            vals = [record[i] for i in self.physical_idx]
        else:
            vals = [record]
        out: list = vals + [None] * (len(self.names) - len(vals))
        # place physical values at their declared positions
        phys_pos = [i for i, k in enumerate(self.kinds) if k == "physical"]
        out = [None] * len(self.names)
        for p, v in zip(phys_pos, vals):
            out[p] = v
        for p in self.ts_physical:
            v = out[p]
            if v is not None and not isinstance(v, int):
                out[p] = _datetime_to_ms(v)
        for pos, fn, _ in self.computed:
            out[pos] = fn(out)
        return out


class DataStreamScan(PlanNode):
    """A DataStream read as a table through a Schema (``from_data_stream``)."""

    def __init__(self, stream: Any, schema: Schema | None) -> None:
        self.stream = stream
        if schema is None:
            schema = _derive_schema(stream)
        self.schema = schema
        out_type = stream.get_type()
        input_names = out_type.get_field_names() if hasattr(out_type, "get_field_names") else None
        self.project = _Project(schema, input_names)

    def column_names(self) -> list[str]:
        return self.schema.column_names()

    def rowtime_index(self) -> int | None:
        if self.schema.watermark_spec is None:
            return None
        return self.column_names().index(self.schema.watermark_spec[0])

    def internal_stream(self, t_env: Any) -> Any:
        """The scan as a stream of column-value lists, with rowtime and watermarks assigned."""
        from flinklite.common.watermark_strategy import WatermarkStrategy

        names = self.column_names()
        project = self.project
        rt = self.rowtime_index()

        def to_internal(record: Any) -> list:
            return project.values(record)

        internal = self.stream.map(to_internal)
        if rt is not None:
            wm_fn = compile_expression(self.schema.watermark_spec[1], names, project.types)
            interval = t_env._env.get_config().get_auto_watermark_interval()
            strategy = WatermarkStrategy.for_generator(
                _GeneratorSupplier(wm_fn, interval == 0)
            ).with_timestamp_assigner(_RowtimeAssigner(rt))
            internal = internal.assign_timestamps_and_watermarks(strategy)
        return internal

    def to_stream(self, t_env: Any) -> Any:
        names = self.column_names()
        ts_cols = {pos for pos, _, is_ts in self.project.computed if is_ts}
        ts_physical = set(self.project.ts_physical)
        internal = self.internal_stream(t_env)
        epoch = datetime.datetime(1970, 1, 1)

        def to_row(vals: list) -> Any:
            out = [(_to_datetime(v) if i in ts_cols else epoch + datetime.timedelta(milliseconds=v)
                    if i in ts_physical else v) if v is not None else None for i, v in enumerate(vals)]
            return _create_row(list(names), out)

        return internal.map(to_row)


def _derive_schema(stream: Any) -> Schema:
    t = stream.get_type()
    names = t.get_field_names() if hasattr(t, "get_field_names") else ["f0"]
    types = t.get_field_types() if hasattr(t, "get_field_types") else [t]
    b = Schema.new_builder()
    _type_names = {"String": "STRING", "Integer": "INT", "Long": "BIGINT", "Double": "DOUBLE", "Float": "FLOAT",
                   "Boolean": "BOOLEAN", "Short": "SMALLINT", "Byte": "TINYINT", "TimestampTypeInfo": "TIMESTAMP(3)",
                   "Instant": "TIMESTAMP_LTZ(3)"}
    for i, n in enumerate(names):
        b.column(n, _type_names.get(repr(types[i]) if i < len(types) else "", "STRING"))
    return b.build()


class _RowtimeAssigner(TimestampAssigner):
    def __init__(self, idx: int) -> None:
        self.idx = idx

    def extract_timestamp(self, value: list, record_timestamp: int) -> int:
        v = value[self.idx]
        return MIN_TIMESTAMP if v is None else v


class _GeneratorSupplier:
    def __init__(self, wm_fn: Any, punctuated: bool) -> None:
        self.wm_fn = wm_fn
        self.punctuated = punctuated

    def __call__(self) -> Any:
        return _TableWatermarkGenerator(self.wm_fn, self.punctuated)


class _TableWatermarkGenerator(WatermarkGenerator):
    """The Table runtime's watermark assigner: the watermark is the largest value of the
    watermark expression seen so far (no ``- 1``, unlike DataStream's bounded out-of-orderness).
    With ``pipeline.auto-watermark-interval`` = 0 it is emitted right after each record that
    advances it; otherwise periodically."""

    def __init__(self, wm_fn: Any, punctuated: bool) -> None:
        self.wm_fn = wm_fn
        self.punctuated = punctuated
        self.current = MIN_TIMESTAMP

    def on_event(self, event: Any, event_timestamp: int, output: Any) -> None:
        v = self.wm_fn(event)
        if v is not None and v > self.current:
            self.current = v
            if self.punctuated:
                output.emit_watermark(v)

    def on_periodic_emit(self, output: Any) -> None:
        if self.current > MIN_TIMESTAMP:
            output.emit_watermark(self.current)


class Table(TableApiMixin):
    """A table: a logical plan plus the environment it belongs to. Relational operations
    (``select``, ``where``, ``group_by`` ...) are in :mod:`flinklite.table._table_api`; nothing runs
    until the table is executed, inserted or converted to a DataStream."""

    def __init__(self, node: Any, t_env: Any) -> None:
        self._node = node
        self._t_env = t_env
        self._scan_rel: Any = None

    def _rel(self) -> Any:
        """The table's plan node (planned afresh for query tables; one scan node per DataStream)."""
        if isinstance(self._node, DataStreamScan):
            if self._scan_rel is None:
                from flinklite.table._sql.catalog import scan_rel

                self._scan_rel = scan_rel(self._node, self._t_env)
            return self._scan_rel
        return self._node.rel()

    def _name(self) -> str:
        """A catalog name under which SQL text can refer to this table."""
        if getattr(self, "_registered", None) is None:
            self._registered = self._t_env._register_anonymous(self)
        return self._registered

    def get_schema(self) -> Any:
        from flinklite.table.schema import ResolvedSchema

        rel = self._rel()
        return ResolvedSchema([f.name for f in rel.fields], [f.type for f in rel.fields],
                              [f.rowtime for f in rel.fields], [f.computed for f in rel.fields],
                              getattr(rel, "watermark_text", None))

    get_resolved_schema = get_schema

    def print_schema(self) -> None:
        print(self.get_schema())

    def get_column_names(self) -> list[str]:
        return [f.name for f in self._rel().fields]

    def execute(self) -> Any:
        from flinklite.table._sql.statements import collect_result

        return collect_result(self._t_env, self._rel())

    def explain(self, *extra_details: Any) -> str:
        return "== Optimized Physical Plan ==\n" + self._rel().explain(0)

    def execute_insert(self, table_path_or_descriptor: Any, overwrite: bool = False) -> Any:
        name = table_path_or_descriptor
        if not isinstance(name, str):
            name = f"_flinklite_sink_{id(table_path_or_descriptor)}"
            self._t_env.create_temporary_table(name, table_path_or_descriptor)
        return self._t_env.execute_sql(f"INSERT INTO `{name}` SELECT * FROM `{self._name()}`")

    def __repr__(self) -> str:
        return f"Table({self.get_column_names()})"
