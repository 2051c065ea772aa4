"""Catalog entries and their resolution to plan nodes: tables declared by DDL / TableDescriptor
(columns, computed columns, watermark, primary key, connector options), views, DataStream scans
and ``from_elements`` data.

Connectors are pluggable: :data:`CONNECTORS` maps a ``'connector'`` option value to a factory
object with ``source(table, ctx) -> DataStream of (RowKind, tuple)`` and/or
``sink(table, stream, ctx) -> None``. Other modules register into it (``register_connector``),
e.g. the jdbc connector.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlglot import exp

from flinklite.errors import ValidationException
from flinklite.table._sql import operators as ops
from flinklite.table._sql import types as ty
from flinklite.table._sql.expr import ExprCompiler, Field, Scope, validation_error
from flinklite.table._sql.types import T
from flinklite.table.types import DataType

__all__ = ["CatalogTable", "CONNECTORS", "register_connector", "resolve", "resolve_catalog_table",
           "table_from_ddl", "table_from_descriptor", "elements_rel", "scan_rel", "changelog_rel",
           "schema_from_expressions"]

CONNECTORS: dict[str, Any] = {}


def register_connector(name: str, factory: Any) -> None:
    """Makes ``'connector' = '<name>'`` available to CREATE TABLE / TableDescriptor."""
    CONNECTORS[name] = factory


@dataclass
class CatalogTable:
    name: str
    # (name, kind, DataType or expression node); kind "physical" | "computed" | "metadata"
    columns: list[tuple[str, str, Any]]
    watermark: tuple[str, Any] | None  # (rowtime column, expression node)
    options: dict[str, str]
    primary_key: list[str] = field(default_factory=list)
    sql: str | None = None

    def physical(self) -> list[tuple[str, DataType]]:
        return [(n, t) for n, k, t in self.columns if k != "computed"]


def table_from_ddl(node: exp.Create, sql: str) -> CatalogTable:
    schema = node.this
    name = schema.this.name
    columns: list[tuple[str, str, Any]] = []
    watermark = None
    pk: list[str] = []
    for e in schema.expressions:
        if isinstance(e, exp.ColumnDef):
            computed = None
            not_null = False
            for c in e.args.get("constraints") or []:
                kind = c.args.get("kind")
                if isinstance(kind, exp.ComputedColumnConstraint):
                    computed = kind.this
                elif isinstance(kind, exp.NotNullColumnConstraint):
                    not_null = True
                elif isinstance(kind, exp.PrimaryKeyColumnConstraint):
                    pk.append(e.name)
            if computed is not None:
                columns.append((e.name, "computed", computed))
            else:
                kind_t = e.args.get("kind")
                if kind_t is None:
                    raise validation_error(e, sql, f"column '{e.name}' needs a type")
                t = ty.from_sqlglot(kind_t)
                columns.append((e.name, "physical", t.not_null() if not_null else t))
        elif isinstance(e, exp.WatermarkColumnConstraint):
            watermark = (e.this.name, e.expression)
        elif isinstance(e, exp.PrimaryKey):
            pk = [c.name for c in e.expressions]
    options: dict[str, str] = {}
    props = node.args.get("properties")
    for p in props.expressions if props is not None else []:
        if isinstance(p, exp.Property):
            key = p.this.name if isinstance(p.this, exp.Expression) else str(p.this)
            val = p.args.get("value")
            options[key] = val.name if isinstance(val, exp.Expression) else str(val)
    return CatalogTable(name, columns, watermark, options, pk, sql)


def table_from_descriptor(name: str, descriptor: Any) -> CatalogTable:
    from flinklite.table._sql.dialect import parse_expression

    schema = descriptor._schema
    columns: list[tuple[str, str, Any]] = []
    watermark = None
    if schema is not None:
        for cname, kind, spec in schema.columns:
            columns.append((cname, kind, spec if kind == "physical" else parse_expression(spec)))
        if schema.watermark_spec:
            watermark = (schema.watermark_spec[0], parse_expression(schema.watermark_spec[1]))
    options = dict(descriptor._options)
    options["connector"] = descriptor._connector
    return CatalogTable(name, columns, watermark, options, list(getattr(schema, "primary_key", []) or []))


def _fields_of(table: CatalogTable, tz: Any) -> tuple[list[Field], list]:
    """Fields (with types) and the computed-column closures, in column order."""
    fields: list[Field] = []
    computed = []
    for name, kind, spec in table.columns:
        if kind == "computed":
            c = ExprCompiler(Scope(list(fields)), table.sql, None, tz).compile(spec)
            fields.append(Field(name, c.type, computed=spec.sql()))
            computed.append((len(fields) - 1, c.fn))
        else:
            fields.append(Field(name, spec))
    if table.watermark is not None:
        names = [f.name for f in fields]
        if table.watermark[0] not in names:
            raise ValidationException(f"The rowtime attribute field '{table.watermark[0]}' is not defined in the "
                                      f"table schema, at line 1, column 1\nAvailable fields: {names}")
        i = names.index(table.watermark[0])
        if not ty.is_timestamp(fields[i].type):
            raise ValidationException(f"Invalid data type of time field for watermark definition. The field must "
                                      f"be of type TIMESTAMP(p) or TIMESTAMP_LTZ(p), but is {fields[i].type}.")
        fields[i].rowtime = True
    return fields, computed


def resolve(t_env: Any, name: str, node: exp.Expression | None, sql: str | None = None) -> Any:
    entry = t_env._catalog.get(name)
    if entry is None:
        raise validation_error(node, sql, f"Object '{name}' not found")
    kind, obj = entry
    if kind == "view":
        return obj._rel()
    return resolve_catalog_table(t_env, obj)


def resolve_catalog_table(t_env: Any, table: CatalogTable) -> Any:
    from flinklite.table._sql.planner import StreamRel

    tz = t_env.get_config()._tzinfo()
    fields, computed = _fields_of(table, tz)
    connector = table.options.get("connector")
    factory = CONNECTORS.get(connector)
    if factory is None or not hasattr(factory, "source"):
        raise ValidationException(
            f"Could not find any factory for identifier '{connector}' that implements "
            f"'org.apache.flink.table.factories.DynamicTableSourceFactory' in the classpath.\n\n"
            f"Available factory identifiers are:\n\n" + "\n".join(sorted(
                k for k, v in CONNECTORS.items() if hasattr(v, "source"))))
    wm = None
    if table.watermark is not None:
        scope = Scope(fields)
        wm = ExprCompiler(scope, table.sql, None, tz).compile(table.watermark[1]).fn
    rt = next((i for i, f in enumerate(fields) if f.rowtime), None)

    def make(ctx: Any) -> Any:
        stream = factory.source(table, [f for f in fields], ctx)
        if computed:
            n_phys = len(table.physical())
            comp = list(computed)
            kinds = [k for _, k, _ in table.columns]
            phys_pos = [i for i, k in enumerate(kinds) if k != "computed"]
            width = len(fields)

            def add_computed(rec: tuple) -> tuple:
                vals = [None] * width
                src = rec[1]
                for p, v in zip(phys_pos, src[:n_phys]):
                    vals[p] = v
                for p, fn in comp:
                    vals[p] = fn(vals)
                return (rec[0], tuple(vals))

            stream = stream.map(add_computed)
        if wm is not None:
            stream = _assign_watermarks(stream, rt, wm, ctx)
        return stream

    rel = StreamRel(fields, make, True, f"TableSourceScan(table=[[default_catalog, default_database, {table.name}]], ")
    rel.watermark_text = (table.watermark[0], table.watermark[1].sql()) if table.watermark is not None else None
    return rel


def _assign_watermarks(stream: Any, rt: int, wm: Any, ctx: Any) -> Any:
    from flinklite.common.watermark_strategy import TimestampAssigner, WatermarkStrategy
    from flinklite.table.table import _GeneratorSupplier
    from flinklite.time.watermark import MIN_TIMESTAMP

    class _Assigner(TimestampAssigner):
        def extract_timestamp(self, value: Any, record_timestamp: int) -> int:
            v = value[1][rt]
            return MIN_TIMESTAMP if v is None else v

    interval = ctx.env.get_config().get_auto_watermark_interval()
    strategy = WatermarkStrategy.for_generator(
        _GeneratorSupplier(lambda rec: wm(rec[1]), interval == 0)).with_timestamp_assigner(_Assigner())
    return stream.assign_timestamps_and_watermarks(strategy)


def scan_rel(scan: Any, t_env: Any) -> Any:
    """A DataStreamScan (``from_data_stream``) as a plan node."""
    from flinklite.table._sql.planner import StreamRel

    names = scan.column_names()
    types = scan.project.types
    rt = scan.rowtime_index()
    computed = {n: spec for n, kind, spec in scan.schema.columns if kind == "computed"}
    fields = [Field(n, t if t is not None else T.STRING, None, i == rt, computed.get(n))
              for i, (n, t) in enumerate(zip(names, types))]

    def make(ctx: Any) -> Any:
        return scan.internal_stream(t_env).map(lambda vals: (ops.INSERT, tuple(vals)))

    rel = StreamRel(fields, make, True, "DataStreamScan")
    rel.watermark_text = scan.schema.watermark_spec
    return rel


def _infer_type(values: list) -> DataType:
    import datetime
    import decimal

    for v in values:
        if v is None:
            continue
        if isinstance(v, bool):
            return T.BOOLEAN
        if isinstance(v, int):
            return T.BIGINT
        if isinstance(v, float):
            return T.DOUBLE
        if isinstance(v, decimal.Decimal):
            return T.decimal(38, 18)
        if isinstance(v, datetime.datetime):
            return T.TIMESTAMP3
        if isinstance(v, datetime.date):
            return T.DATE
        if isinstance(v, bytes):
            return T.BYTES
        return T.STRING
    return T.STRING


def _schema_fields(schema: Any, n: int, rows: list) -> list[Field]:
    from flinklite.table.types import parse_type

    if schema is None:
        return [Field(f"_{i + 1}", _infer_type([r[i] for r in rows])) for i in range(n)]
    if isinstance(schema, (list, tuple)):
        return [Field(str(name), _infer_type([r[i] for r in rows])) for i, name in enumerate(schema)]
    if isinstance(schema, DataType) and schema.fields is not None:
        return [Field(f.name, f.data_type) for f in schema.fields]
    if hasattr(schema, "columns"):
        return [Field(c[0], parse_type(c[2])) for c in schema.columns if c[1] == "physical"]
    raise ValidationException(f"unsupported schema {schema!r} for from_elements")


def elements_rel(elements: list, schema: Any) -> Any:
    from flinklite.table._sql.planner import ValuesRel

    rows = []
    for e in elements:
        if hasattr(e, "_values"):
            rows.append(tuple(e._values))
        elif isinstance(e, (tuple, list)):
            rows.append(tuple(e))
        else:
            rows.append((e,))
    n = len(rows[0]) if rows else (len(schema.fields) if isinstance(schema, DataType) else len(schema or []))
    fields = _schema_fields(schema, n, rows)
    rows = [tuple(ty.from_external(v, f.type) for v, f in zip(r, fields)) for r in rows]
    return ValuesRel(fields, rows)


def changelog_rel(data_stream: Any, schema: Any) -> Any:
    from flinklite.table._sql.planner import StreamRel
    from flinklite.table.types import parse_type

    t = data_stream.get_type()
    names = t.get_field_names() if hasattr(t, "get_field_names") else None
    if schema is not None:
        fields = [Field(c[0], parse_type(c[2])) for c in schema.columns if c[1] == "physical"]
    elif names:
        fields = [Field(n, T.STRING) for n in names]
    else:
        raise ValidationException("from_changelog_stream needs a stream of named Rows or a Schema")

    def make(ctx: Any) -> Any:
        def conv(r: Any) -> tuple:
            vals = tuple(ty.from_external(v, f.type) for v, f in zip(r._values, fields))
            return (r.get_row_kind(), vals)

        return data_stream.map(conv)

    return StreamRel(fields, make, False, "ChangelogStreamScan")


def schema_from_expressions(data_stream: Any, exprs: tuple) -> Any:
    """``from_data_stream(ds, col('a'), col('b'))``: the listed fields, renamed positionally."""
    from flinklite.table.schema import Schema

    names = [e if isinstance(e, str) else getattr(e, "_name", None) or str(e) for e in exprs]
    b = Schema.new_builder()
    t = data_stream.get_type()
    in_names = t.get_field_names() if hasattr(t, "get_field_names") else []
    types = t.get_field_types() if hasattr(t, "get_field_types") else []
    from flinklite.table._sql.bridge_types import sql_type_of

    for i, n in enumerate(names):
        b.column(n, sql_type_of(types[i]) if i < len(types) else "STRING")
    del in_names
    return b.build()


# the built-in connectors register themselves (after register_connector exists)
from flinklite.table._sql import connectors as _builtin_connectors  # noqa: E402,F401
