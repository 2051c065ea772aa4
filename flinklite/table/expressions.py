"""PyFlink's ``pyflink.table.expressions``: the functions that start a Table API expression
(``col``, ``lit``, ``call``, ``if_then_else``, ``concat``, ...). Each returns an
:class:`~flinklite.table.expression.Expression`, which renders to Flink SQL (see that module).

Differences: the JSON constructors, ``object_of``, ``source_watermark``, ``with_columns`` /
``without_columns`` and ``temporal_overlaps`` are not implemented.
"""

from __future__ import annotations

from typing import Any

from flinklite.errors import InvalidProgramException
from flinklite.table.expression import Expression, RenderContext, _fn, _literal, _to_expr, _type_sql, column

__all__ = [
    "col", "lit", "call", "call_sql", "if_then_else", "and_", "or_", "not_", "coalesce", "concat", "concat_ws",
    "null_of", "log", "pi", "e", "rand", "rand_integer", "atan2", "negative", "uuid", "row_interval",
    "UNBOUNDED_ROW", "UNBOUNDED_RANGE", "CURRENT_ROW", "CURRENT_RANGE", "current_date", "current_time",
    "current_timestamp", "current_database", "local_time", "local_timestamp", "current_watermark",
    "to_date", "to_timestamp", "to_timestamp_ltz", "from_unixtime", "unix_timestamp", "date_format",
    "timestamp_diff", "convert_tz", "array", "row", "map_", "descriptor", "range_",
]


def col(name: str) -> Expression:
    """A reference to the column ``name`` of the input table."""
    return column(name)


def lit(v: Any, data_type: Any = None) -> Expression:
    """A literal: a Python int is INT (BIGINT when it does not fit), float DOUBLE, str STRING ...;
    with ``data_type`` the literal is cast to it."""
    e = _literal(v)
    return e if data_type is None else e.cast(data_type)


def call(f: Any, *args: Any) -> Expression:
    """A call of a function by name (built-in or registered) or of a Python UDF object."""
    exprs = [_to_expr(a) for a in args]
    if isinstance(f, str):
        name = f
        return Expression(lambda ctx: f"{name}(" + ", ".join(e._render(ctx) for e in exprs) + ")",
                          aggregate=name.upper() in _AGG_NAMES)
    from flinklite.table.udf import UserDefinedAggregateFunctionWrapper, UserDefinedFunctionWrapper

    if not isinstance(f, UserDefinedFunctionWrapper):
        raise InvalidProgramException(f"call(): expected a function name or a udf/udaf/udtf object, got {f!r}")

    def render(ctx: RenderContext) -> str:
        return ctx.function_name(f) + "(" + ", ".join(e._render(ctx) for e in exprs) + ")"

    return Expression(render, aggregate=isinstance(f, UserDefinedAggregateFunctionWrapper))


_AGG_NAMES = {"SUM", "COUNT", "AVG", "MIN", "MAX", "SUM0", "FIRST_VALUE", "LAST_VALUE", "LISTAGG", "COLLECT",
              "STDDEV_POP", "STDDEV_SAMP", "VAR_POP", "VAR_SAMP"}


def call_sql(sql_expression: str) -> Expression:
    """A SQL expression given as text, e.g. ``call_sql("UPPER(name)")``."""
    return Expression(lambda ctx: f"({sql_expression})")


def if_then_else(condition: Any, if_true: Any, if_false: Any) -> Expression:
    return _to_expr(condition).then(if_true, if_false)


def and_(predicate0: Any, predicate1: Any, *predicates: Any) -> Expression:
    out = _to_expr(predicate0) & predicate1
    for p in predicates:
        out = out & p
    return out


def or_(predicate0: Any, predicate1: Any, *predicates: Any) -> Expression:
    out = _to_expr(predicate0) | predicate1
    for p in predicates:
        out = out | p
    return out


def not_(expression: Any) -> Expression:
    e = _to_expr(expression)
    return Expression(lambda ctx: f"(NOT {e._render(ctx)})")


def coalesce(*args: Any) -> Expression:
    return _fn("COALESCE", *args)


def concat(first: Any, *others: Any) -> Expression:
    return _fn("CONCAT", first, *others)


def concat_ws(separator: Any, first: Any, *others: Any) -> Expression:
    return _fn("CONCAT_WS", separator, first, *others)


def null_of(data_type: Any) -> Expression:
    return Expression(lambda ctx: f"CAST(NULL AS {_type_sql(data_type)})")


def log(v: Any, base: Any = None) -> Expression:
    return _fn("LN", v) if base is None else _fn("LOG", base, v)


def pi() -> Expression:
    return Expression(lambda ctx: "PI()")


def e() -> Expression:
    return Expression(lambda ctx: "E()")


def rand(seed: Any = None) -> Expression:
    return _fn("RAND") if seed is None else _fn("RAND", seed)


def rand_integer(bound: Any, seed: Any = None) -> Expression:
    return _fn("RAND_INTEGER", bound) if seed is None else _fn("RAND_INTEGER", seed, bound)


def atan2(y: Any, x: Any) -> Expression:
    return _fn("ATAN2", y, x)


def negative(v: Any) -> Expression:
    return -_to_expr(v)


def uuid() -> Expression:
    return _fn("UUID")


def row_interval(rows: int) -> Expression:
    """``rows`` preceding rows of an over window (``Over...preceding(row_interval(2))``)."""
    return Expression(lambda ctx: f"{rows} ROWS", interval=(rows, "ROWS"))


UNBOUNDED_ROW = Expression(lambda ctx: "UNBOUNDED ROWS", interval=(None, "ROWS"))
UNBOUNDED_RANGE = Expression(lambda ctx: "UNBOUNDED RANGE", interval=(None, "RANGE"))
CURRENT_ROW = Expression(lambda ctx: "CURRENT ROW", interval=(0, "ROWS"))
CURRENT_RANGE = Expression(lambda ctx: "CURRENT RANGE", interval=(0, "RANGE"))


def current_date() -> Expression:
    return Expression(lambda ctx: "CURRENT_DATE")


def current_time() -> Expression:
    return Expression(lambda ctx: "CURRENT_TIME")


def current_timestamp() -> Expression:
    return Expression(lambda ctx: "CURRENT_TIMESTAMP")


def current_database() -> Expression:
    return Expression(lambda ctx: "'default_database'")


def local_time() -> Expression:
    return Expression(lambda ctx: "LOCALTIME")


def local_timestamp() -> Expression:
    return Expression(lambda ctx: "LOCALTIMESTAMP")


def current_watermark(rowtimeAttribute: Any) -> Expression:  # noqa: N803 - PyFlink's parameter name
    return _fn("CURRENT_WATERMARK", rowtimeAttribute)


def to_date(date_str: Any, format: Any = None) -> Expression:
    return _fn("TO_DATE", date_str) if format is None else _fn("TO_DATE", date_str, format)


def to_timestamp(timestamp_str: Any, format: Any = None) -> Expression:
    return _fn("TO_TIMESTAMP", timestamp_str) if format is None else _fn("TO_TIMESTAMP", timestamp_str, format)


def to_timestamp_ltz(*args: Any) -> Expression:
    return _fn("TO_TIMESTAMP_LTZ", *args)


def from_unixtime(unixtime: Any, format: Any = None) -> Expression:
    return _fn("FROM_UNIXTIME", unixtime) if format is None else _fn("FROM_UNIXTIME", unixtime, format)


def unix_timestamp(date_str: Any = None, format: Any = None) -> Expression:
    args = [a for a in (date_str, format) if a is not None]
    return _fn("UNIX_TIMESTAMP", *args)


def date_format(timestamp: Any, format: Any) -> Expression:
    return _fn("DATE_FORMAT", timestamp, format)


def timestamp_diff(time_point_unit: Any, time_point1: Any, time_point2: Any) -> Expression:
    a, b = _to_expr(time_point1), _to_expr(time_point2)
    return Expression(lambda ctx: f"TIMESTAMPDIFF({time_point_unit.name}, {a._render(ctx)}, {b._render(ctx)})")


def convert_tz(date_str: Any, tz_from: Any, tz_to: Any) -> Expression:
    return _fn("CONVERT_TZ", date_str, tz_from, tz_to)


def array(head: Any, *tail: Any) -> Expression:
    items = [_to_expr(v) for v in (head,) + tail]
    return Expression(lambda ctx: "ARRAY[" + ", ".join(i._render(ctx) for i in items) + "]")


def row(head: Any, *tail: Any) -> Expression:
    return _fn("ROW", head, *tail)


def map_(key: Any, value: Any, *tail: Any) -> Expression:
    items = [_to_expr(v) for v in (key, value) + tail]
    return Expression(lambda ctx: "MAP[" + ", ".join(i._render(ctx) for i in items) + "]")


def descriptor(*column_names: str) -> Expression:
    return Expression(lambda ctx: "DESCRIPTOR(" + ", ".join(f"`{c}`" for c in column_names) + ")")


def range_(start: Any, end: Any) -> Expression:
    raise InvalidProgramException("range_() (column ranges for with_columns) is not supported by flinklite")


def _compile_expression(expr: str, columns: list[str], types: list | None = None, typed: bool = False) -> Any:
    """The DataStream <-> Table bridge's computed columns and watermark expressions: SQL text and
    the input column names -> a function of the row's value list (with ``typed`` also its SQL
    type). ``types`` are the columns' DataTypes (None = not known yet: such a column is typed
    BIGINT). Compiled by the SQL engine's expression compiler."""
    from flinklite.table._sql.dialect import parse_expression
    from flinklite.table._sql.expr import ExprCompiler, Field, Scope
    from flinklite.table._sql.types import T

    fields = [Field(n, (types[i] if types and i < len(types) and types[i] is not None else T.BIGINT))
              for i, n in enumerate(columns)]
    try:
        node = parse_expression(expr)
    except Exception as err:  # sqlglot's ParseError: report it as an invalid program
        raise InvalidProgramException(f"cannot parse the SQL expression {expr!r}: {err}") from None
    compiled = ExprCompiler(Scope(fields), expr).compile(node)
    return (compiled.fn, compiled.type) if typed else compiled.fn
