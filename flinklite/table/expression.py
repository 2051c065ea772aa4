"""``Expression`` (PyFlink's ``pyflink.table.expression``): the Table API's expression DSL
(``col('a') + 1``, ``col('v').sum.alias('total')``, ``col('s').upper_case``).

In PyFlink an Expression wraps a Java expression object that Flink's planner resolves. In flinklite
an Expression renders to Flink SQL text: the Table API composes SQL queries over the table it is
called on, and the SQL planner validates and compiles them into Python closures, exactly as for
``sql_query``. So a Table API program and the equivalent SQL produce the same operators. An
Expression is rendered once, when the Table operation is called; no expression tree is walked per
row.

Differences: only the commonly used methods exist (arithmetic and comparison operators, the
aggregates, string and math functions, CAST, IN, BETWEEN, LIKE, intervals, ASC/DESC, window
properties, OVER); the rest raise ``AttributeError`` like any missing attribute.
"""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Callable
from enum import Enum
from typing import Any

__all__ = ["Expression", "TimeIntervalUnit", "TimePointUnit", "JsonType", "JsonExistsOnError",
           "JsonValueOnEmptyOrError", "JsonQueryWrapper", "JsonQueryOnEmptyOrError", "JsonOnNull"]


class TimeIntervalUnit(Enum):
    YEAR = 0
    YEAR_TO_MONTH = 1
    QUARTER = 2
    MONTH = 3
    WEEK = 4
    DAY = 5
    DAY_TO_HOUR = 6
    DAY_TO_MINUTE = 7
    DAY_TO_SECOND = 8
    HOUR = 9
    SECOND = 10
    HOUR_TO_MINUTE = 11
    HOUR_TO_SECOND = 12
    MINUTE = 13
    MINUTE_TO_SECOND = 14


class TimePointUnit(Enum):
    YEAR = 0
    MONTH = 1
    DAY = 2
    HOUR = 3
    MINUTE = 4
    SECOND = 5
    QUARTER = 6
    WEEK = 7
    MILLISECOND = 8
    MICROSECOND = 9


class JsonType(Enum):
    VALUE = 0
    ARRAY = 1
    OBJECT = 2
    SCALAR = 3


class JsonExistsOnError(Enum):
    TRUE = 0
    FALSE = 1
    UNKNOWN = 2
    ERROR = 3


class JsonValueOnEmptyOrError(Enum):
    NULL = 0
    ERROR = 1
    DEFAULT = 2


class JsonQueryWrapper(Enum):
    WITHOUT_ARRAY = 0
    CONDITIONAL_ARRAY = 1
    UNCONDITIONAL_ARRAY = 2


class JsonQueryOnEmptyOrError(Enum):
    NULL = 0
    EMPTY_ARRAY = 1
    EMPTY_OBJECT = 2
    ERROR = 3


class JsonOnNull(Enum):
    NULL = 0
    ABSENT = 1


class RenderContext:
    """What rendering needs beyond the expression: the table environment (UDFs are registered in
    it under a generated name) and the window aliases in scope (``col('w').start`` of a group
    window, ``.over(col('w'))`` of an over window)."""

    def __init__(self, t_env: Any, group_windows: dict | None = None, over_windows: dict | None = None) -> None:
        self.t_env = t_env
        self.group_windows = group_windows or {}
        self.over_windows = over_windows or {}

    def function_name(self, f: Any) -> str:
        functions = self.t_env._functions
        for name, g in functions.items():
            if g is f:
                return name
        base = "".join(c if c.isalnum() else "_" for c in getattr(f, "_name", "udf")).upper() or "UDF"
        name, i = base, 0
        while name in functions:
            i += 1
            name = f"{base}_{i}"
        functions[name] = f
        return name


def _quote(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def _sql_literal(v: Any) -> str:
    if v is None:
        return "NULL"
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, int):
        return str(v) if -(2**31) <= v < 2**31 else f"CAST({v} AS BIGINT)"
    if isinstance(v, float):
        return f"CAST({v!r} AS DOUBLE)"  # a Python float is a DOUBLE (a SQL 1.5 would be DECIMAL)
    if isinstance(v, decimal.Decimal):
        return format(v, "f")
    if isinstance(v, str):
        return "'" + v.replace("'", "''") + "'"
    if isinstance(v, datetime.datetime):
        return f"TIMESTAMP '{v.isoformat(sep=' ')}'"
    if isinstance(v, datetime.date):
        return f"DATE '{v.isoformat()}'"
    if isinstance(v, datetime.time):
        return f"TIME '{v.isoformat()}'"
    raise TypeError(f"lit(): no SQL literal for {type(v).__name__} value {v!r}")


def _to_expr(v: Any) -> Expression:
    """An argument as an Expression: Python values become literals (as PyFlink's ``lit``)."""
    return v if isinstance(v, Expression) else _literal(v)


def _literal(v: Any) -> Expression:
    text = _sql_literal(v)  # rendered now: a bad literal fails where it is written
    return Expression(lambda ctx: text, literal=v)


def _fn(name: str, *args: Any) -> Expression:
    exprs = [_to_expr(a) for a in args]
    return Expression(lambda ctx: f"{name}(" + ", ".join(e._render(ctx) for e in exprs) + ")")


def _bin(op: str, reverse: bool = False) -> Callable:
    def method(self: Expression, other: Any) -> Expression:
        a, b = (_to_expr(other), self) if reverse else (self, _to_expr(other))
        return Expression(lambda ctx: f"({a._render(ctx)} {op} {b._render(ctx)})")

    return method


def _postfix(text: str) -> property:
    return property(lambda self: Expression(lambda ctx: f"({self._render(ctx)} {text})"))


def _unary_fn(name: str) -> property:
    return property(lambda self: _fn(name, self))


def _agg(name: str) -> property:
    return property(lambda self: Expression(lambda ctx: f"{name}({self._render(ctx)})", aggregate=True))


def _interval(unit: str) -> property:
    def get(self: Expression) -> Expression:
        if self._literal is None or isinstance(self._literal, bool):
            raise TypeError(f"'.{unit.lower()}s' makes an interval of a literal number, e.g. lit(10).{unit.lower()}s")
        return Expression(lambda ctx, v=self._literal: f"INTERVAL '{v}' {unit}", interval=(self._literal, unit))

    return property(get)


class Expression:
    """A Table API expression. Build with :func:`flinklite.table.expressions.col` / ``lit`` /
    ``call``, combine with Python operators and the methods below."""

    __slots__ = ("_render_fn", "_alias", "_literal", "_aggregate", "_interval", "_order", "_window_prop")

    def __init__(self, render: Callable[[RenderContext], str], *, alias: tuple | None = None, literal: Any = None,
                 aggregate: bool = False, interval: tuple | None = None, order: str | None = None,
                 window_prop: tuple | None = None) -> None:
        self._render_fn = render
        self._alias = alias
        self._literal = literal
        self._aggregate = aggregate
        self._interval = interval
        self._order = order
        self._window_prop = window_prop

    def _render(self, ctx: RenderContext) -> str:
        return self._render_fn(ctx)

    def _select_item(self, ctx: RenderContext) -> str:
        text = self._render(ctx)
        return f"{text} AS {_quote(self._alias[0])}" if self._alias else text

    def __str__(self) -> str:
        from flinklite.table.table_environment import TableEnvironment

        try:
            return self._render(RenderContext(TableEnvironment.__new__(TableEnvironment)))
        except Exception:  # a UDF call needs an environment to name the function
            return object.__repr__(self)

    __repr__ = __str__

    def __bool__(self) -> bool:
        raise TypeError("a Table API expression has no truth value; combine predicates with & | ~ "
                        "(not `and`/`or`/`not`)")

    __hash__ = object.__hash__

    # -- operators ---------------------------------------------------------------------------
    __add__ = _bin("+")
    __sub__ = _bin("-")
    __mul__ = _bin("*")
    __truediv__ = _bin("/")
    __mod__ = _bin("%")
    __radd__ = _bin("+", True)
    __rsub__ = _bin("-", True)
    __rmul__ = _bin("*", True)
    __rtruediv__ = _bin("/", True)
    __rmod__ = _bin("%", True)
    __eq__ = _bin("=")  # type: ignore[assignment]
    __ne__ = _bin("<>")  # type: ignore[assignment]
    __lt__ = _bin("<")
    __le__ = _bin("<=")
    __gt__ = _bin(">")
    __ge__ = _bin(">=")
    __and__ = _bin("AND")
    __or__ = _bin("OR")
    __rand__ = _bin("AND", True)
    __ror__ = _bin("OR", True)

    def __pow__(self, other: Any) -> Expression:
        return _fn("POWER", self, other)

    def __rpow__(self, other: Any) -> Expression:
        return _fn("POWER", other, self)

    def __neg__(self) -> Expression:
        return Expression(lambda ctx: f"(- {self._render(ctx)})")

    def __invert__(self) -> Expression:
        return Expression(lambda ctx: f"({self._render(ctx)} IS NOT TRUE)")

    def __abs__(self) -> Expression:
        return _fn("ABS", self)

    def __getattr__(self, name: str) -> Any:
        # a Table API "field access" on a row column: col('r').get('f')
        raise AttributeError(f"'Expression' has no attribute {name!r} in flinklite (not implemented, or not a "
                             "PyFlink expression method)")

    # -- naming and ordering -----------------------------------------------------------------
    def alias(self, name: str, *extra_names: str) -> Expression:
        return Expression(self._render_fn, alias=(name,) + extra_names, literal=self._literal,
                          aggregate=self._aggregate, interval=self._interval, window_prop=self._window_prop)

    @property
    def asc(self) -> Expression:
        return Expression(self._render_fn, order="ASC")

    @property
    def desc(self) -> Expression:
        return Expression(self._render_fn, order="DESC")

    def cast(self, data_type: Any) -> Expression:
        return Expression(lambda ctx: f"CAST({self._render(ctx)} AS {_type_sql(data_type)})")

    def try_cast(self, data_type: Any) -> Expression:
        return Expression(lambda ctx: f"TRY_CAST({self._render(ctx)} AS {_type_sql(data_type)})")

    # -- predicates --------------------------------------------------------------------------
    is_null = _postfix("IS NULL")
    is_not_null = _postfix("IS NOT NULL")
    is_true = _postfix("IS TRUE")
    is_false = _postfix("IS FALSE")
    is_not_true = _postfix("IS NOT TRUE")
    is_not_false = _postfix("IS NOT FALSE")

    def between(self, lower_bound: Any, upper_bound: Any) -> Expression:
        lo, hi = _to_expr(lower_bound), _to_expr(upper_bound)
        return Expression(lambda ctx: f"({self._render(ctx)} BETWEEN {lo._render(ctx)} AND {hi._render(ctx)})")

    def not_between(self, lower_bound: Any, upper_bound: Any) -> Expression:
        lo, hi = _to_expr(lower_bound), _to_expr(upper_bound)
        return Expression(lambda ctx: f"({self._render(ctx)} NOT BETWEEN {lo._render(ctx)} AND {hi._render(ctx)})")

    def in_(self, first_element_or_table: Any, *remaining_elements: Any) -> Expression:
        items = [_to_expr(v) for v in (first_element_or_table,) + remaining_elements]
        return Expression(lambda ctx: f"({self._render(ctx)} IN (" + ", ".join(i._render(ctx) for i in items) + "))")

    def like(self, pattern: Any = None) -> Expression:
        p = _to_expr(pattern)
        return Expression(lambda ctx: f"({self._render(ctx)} LIKE {p._render(ctx)})")

    def similar(self, pattern: Any = None) -> Expression:
        p = _to_expr(pattern)
        return Expression(lambda ctx: f"({self._render(ctx)} SIMILAR TO {p._render(ctx)})")

    def then(self, if_true: Any, if_false: Any) -> Expression:
        a, b = _to_expr(if_true), _to_expr(if_false)
        return Expression(lambda ctx: f"(CASE WHEN {self._render(ctx)} THEN {a._render(ctx)} "
                                      f"ELSE {b._render(ctx)} END)")

    def if_null(self, null_replacement: Any) -> Expression:
        return _fn("COALESCE", self, null_replacement)

    # -- aggregates --------------------------------------------------------------------------
    sum = _agg("SUM")
    sum0 = _agg("SUM0")
    min = _agg("MIN")
    max = _agg("MAX")
    count = _agg("COUNT")
    avg = _agg("AVG")
    first_value = _agg("FIRST_VALUE")
    last_value = _agg("LAST_VALUE")
    stddev_pop = _agg("STDDEV_POP")
    stddev_samp = _agg("STDDEV_SAMP")
    var_pop = _agg("VAR_POP")
    var_samp = _agg("VAR_SAMP")
    collect = _agg("COLLECT")

    @property
    def distinct(self) -> Expression:
        """``col('a').count.distinct`` is not how PyFlink spells it: ``col('a').distinct.count``."""
        inner = self
        return _DistinctArg(lambda ctx: inner._render(ctx))

    def list_agg(self, separator: Any = None) -> Expression:
        if separator is None:
            return Expression(lambda ctx: f"LISTAGG({self._render(ctx)})", aggregate=True)
        s = _to_expr(separator)
        return Expression(lambda ctx: f"LISTAGG({self._render(ctx)}, {s._render(ctx)})", aggregate=True)

    def over(self, alias: Any) -> Expression:
        name = alias._column_name() if isinstance(alias, Expression) else str(alias)

        def render(ctx: RenderContext) -> str:
            if name not in ctx.over_windows:
                raise _validation(f"Over window alias '{name}' is not defined: use table.over_window("
                                  f"Over....alias('{name}')) before select")
            return f"{self._render(ctx)} OVER ({ctx.over_windows[name]})"

        return Expression(render)

    # -- math ---------------------------------------------------------------------------------
    exp = _unary_fn("EXP")
    log10 = _unary_fn("LOG10")
    log2 = _unary_fn("LOG2")
    ln = _unary_fn("LN")
    sin = _unary_fn("SIN")
    cos = _unary_fn("COS")
    tan = _unary_fn("TAN")
    cot = _unary_fn("COT")
    asin = _unary_fn("ASIN")
    acos = _unary_fn("ACOS")
    atan = _unary_fn("ATAN")
    degrees = _unary_fn("DEGREES")
    radians = _unary_fn("RADIANS")
    sqrt = _unary_fn("SQRT")
    abs = _unary_fn("ABS")
    sign = _unary_fn("SIGN")

    def log(self, base: Any = None) -> Expression:
        return _fn("LN", self) if base is None else _fn("LOG", base, self)

    def round(self, places: Any) -> Expression:
        return _fn("ROUND", self, places)

    def truncate(self, n: Any = 0) -> Expression:
        return _fn("TRUNCATE", self, n)

    def floor(self, time_interval_unit: Any = None) -> Expression:
        if time_interval_unit is None:
            return _fn("FLOOR", self)
        return Expression(lambda ctx: f"FLOOR({self._render(ctx)} TO {time_interval_unit.name})")

    def ceil(self, time_interval_unit: Any = None) -> Expression:
        if time_interval_unit is None:
            return _fn("CEIL", self)
        return Expression(lambda ctx: f"CEIL({self._render(ctx)} TO {time_interval_unit.name})")

    # -- strings ------------------------------------------------------------------------------
    char_length = _unary_fn("CHAR_LENGTH")
    upper_case = _unary_fn("UPPER")
    lower_case = _unary_fn("LOWER")
    init_cap = _unary_fn("INITCAP")
    reverse = _unary_fn("REVERSE")
    md5 = _unary_fn("MD5")
    sha256 = _unary_fn("SHA256")
    ascii = _unary_fn("ASCII")
    chr = _unary_fn("CHR")

    def concat(self, other: Any, *others: Any) -> Expression:
        return _fn("CONCAT", self, other, *others)

    def substring(self, begin_index: Any, length: Any = None) -> Expression:
        b = _to_expr(begin_index)
        if length is None:
            return Expression(lambda ctx: f"SUBSTRING({self._render(ctx)} FROM {b._render(ctx)})")
        n = _to_expr(length)
        return Expression(lambda ctx: f"SUBSTRING({self._render(ctx)} FROM {b._render(ctx)} FOR {n._render(ctx)})")

    substr = substring

    def trim(self, character: Any = None) -> Expression:
        return self._trim("BOTH", character)

    def trim_leading(self, character: Any = None) -> Expression:
        return self._trim("LEADING", character)

    def trim_trailing(self, character: Any = None) -> Expression:
        return self._trim("TRAILING", character)

    def _trim(self, where: str, character: Any) -> Expression:
        c = _to_expr(" " if character is None else character)
        return Expression(lambda ctx: f"TRIM({where} {c._render(ctx)} FROM {self._render(ctx)})")

    def replace(self, search: Any = None, replacement: Any = None) -> Expression:
        return _fn("REPLACE", self, search, replacement)

    def position(self, haystack: Any) -> Expression:
        h = _to_expr(haystack)
        return Expression(lambda ctx: f"POSITION({self._render(ctx)} IN {h._render(ctx)})")

    def lpad(self, length: Any, pad: Any) -> Expression:
        return _fn("LPAD", self, length, pad)

    def rpad(self, length: Any, pad: Any) -> Expression:
        return _fn("RPAD", self, length, pad)

    def regexp(self, regex: Any) -> Expression:
        return _fn("REGEXP", self, regex)

    def regexp_replace(self, regex: Any, replacement: Any) -> Expression:
        return _fn("REGEXP_REPLACE", self, regex, replacement)

    def regexp_extract(self, regex: Any, extract_index: Any = None) -> Expression:
        return _fn("REGEXP_EXTRACT", self, regex) if extract_index is None else \
            _fn("REGEXP_EXTRACT", self, regex, extract_index)

    def left(self, length: Any) -> Expression:
        return _fn("LEFT", self, length)

    def right(self, length: Any) -> Expression:
        return _fn("RIGHT", self, length)

    def repeat(self, n: Any) -> Expression:
        return _fn("REPEAT", self, n)

    def split_index(self, separator: Any, index: Any) -> Expression:
        return _fn("SPLIT_INDEX", self, separator, index)

    def ltrim(self, character: Any = None) -> Expression:
        return _fn("LTRIM", self)

    def rtrim(self, character: Any = None) -> Expression:
        return _fn("RTRIM", self)

    def json_value(self, path: str, returning_type: Any = None, on_empty: Any = None, default_on_empty: Any = None,
                   on_error: Any = None, default_on_error: Any = None) -> Expression:
        e = _fn("JSON_VALUE", self, path)
        return e if returning_type is None else e.cast(returning_type)

    # -- time ----------------------------------------------------------------------------------
    year = years = _interval("YEAR")
    month = months = _interval("MONTH")
    day = days = _interval("DAY")
    hour = hours = _interval("HOUR")
    minute = minutes = _interval("MINUTE")
    second = seconds = _interval("SECOND")

    @property
    def milli(self) -> Expression:
        if self._literal is None:
            raise TypeError("'.millis' makes an interval of a literal number, e.g. lit(100).millis")
        v = self._literal
        return Expression(lambda ctx: f"INTERVAL '{v / 1000}' SECOND", interval=(v / 1000, "SECOND"))

    millis = milli

    def extract(self, time_interval_unit: Any) -> Expression:
        return Expression(lambda ctx: f"EXTRACT({time_interval_unit.name} FROM {self._render(ctx)})")

    # group-window properties: col('w').start / .end / .rowtime
    @property
    def start(self) -> Expression:
        return self._window_property("START")

    @property
    def end(self) -> Expression:
        return self._window_property("END")

    @property
    def rowtime(self) -> Expression:
        return self._window_property("ROWTIME")

    @property
    def proctime(self) -> Expression:
        return self._window_property("PROCTIME")

    def _window_property(self, prop: str) -> Expression:
        name = self._column_name()

        def render(ctx: RenderContext) -> str:
            w = ctx.group_windows.get(name)
            if w is None:
                raise _validation(f"'{name}' is not a group window alias; .{prop.lower()} is a window property "
                                  "(table.window(Tumble.over(..).on(..).alias('w')).group_by(col('w'), ..))")
            return f"{w[0]}_{prop}({w[1]})"

        return Expression(render, window_prop=(name, prop))

    def _column_name(self) -> str:
        name = getattr(self._render_fn, "_column", None)
        if name is None:
            raise _validation(f"expected a column reference, got {self}")
        return name


class _DistinctArg(Expression):
    """``col('a').distinct``: an aggregate argument; ``.count`` / ``.sum`` ... render ``F(DISTINCT a)``."""

    __slots__ = ()

    def _dist(name: str) -> property:  # noqa: N805 - a property factory in the class body
        return property(lambda self: Expression(lambda ctx: f"{name}(DISTINCT {self._render(ctx)})", aggregate=True))

    count = _dist("COUNT")
    sum = _dist("SUM")
    avg = _dist("AVG")
    min = _dist("MIN")
    max = _dist("MAX")
    del _dist


def _validation(msg: str) -> Exception:
    from flinklite.errors import ValidationException

    return ValidationException(msg)


def _type_sql(data_type: Any) -> str:
    if isinstance(data_type, str):
        return data_type
    return str(data_type).replace(" NOT NULL", "") if not getattr(data_type, "_nullable", True) else str(data_type)


def column(name: str) -> Expression:
    def render(ctx: RenderContext) -> str:
        return _quote(name)

    render._column = name  # type: ignore[attr-defined]
    return Expression(render)
