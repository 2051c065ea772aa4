"""``MATCH_RECOGNIZE`` compiled to a CEP :class:`~flinklite.cep.Pattern` and run on a DataStream
(what Flink's planner does with ``StreamExecMatch``: the SQL clause runs on the same NFA and
``CepOperator`` as the Pattern API).

The entry point for a SQL planner is :func:`compile_match_recognize`; it returns a
:class:`MatchRecognizePlan` whose :meth:`~MatchRecognizePlan.apply` turns a DataStream of rows
into the DataStream of result rows. The SQL is parsed with sqlglot (``read="snowflake"``, whose
grammar has the clause); ``WITHIN INTERVAL`` (Flink's extension, which sqlglot does not parse) is
cut out of the text first by :func:`split_within`.

How the SQL maps to the Pattern API, as in Flink (``StreamExecMatch.PatternVisitor``):

* ``PATTERN (A B+ C?)``: variables in sequence are *strictly* contiguous (``next``). ``*`` is
  ``one_or_more().optional().consecutive()``, ``+`` ``one_or_more().consecutive()``, ``?``
  ``optional()``, ``{n}``/``{n,m}`` ``times(n, m).consecutive()`` (``{0,m}``: ``times(0, m)``,
  optional; ``{,m}`` is rejected, as real Flink fails it at run time), ``{n,}``
  ``times_or_more(n).consecutive()``; greedy unless followed by ``?`` (reluctant), where greedy
  only matters for ranges. Rejected as Flink rejects them: a greedy quantifier on the last
  variable, reluctant optional ``A??``, patterns that can match nothing (``A*``), groups
  ``(A B)+``, alternatives ``A | B``, ``PERMUTE``, exclusions ``{- A -}``, anchors, repeated
  variables.
* ``DEFINE B AS <condition>``: an iterative condition. ``B.price`` / ``price`` is the row being
  tested, ``A.price`` the last row mapped to ``A``; ``FIRST/LAST(A.expr[, n])`` and
  ``SUM/AVG/MIN/MAX/COUNT(A.expr)`` run over the rows mapped to ``A`` so far (with the tested row
  when ``A`` is the variable being defined), or over all rows of the match without a variable.
  ``PREV``/``NEXT`` only with offset 0, as in Flink ("physical offsets" are not supported).
  A variable without a definition matches every row.
* ``MEASURES``: the same expressions over the complete match, plus ``MATCH_ROWTIME([col])`` (the
  time of the match: the timestamp of its last row) and ``MATCH_PROCTIME()``.
* ``AFTER MATCH SKIP TO NEXT ROW`` (the default, as in Flink/Calcite) / ``PAST LAST ROW`` /
  ``TO FIRST v`` / ``TO LAST v`` (``TO v``): the skip strategies, ``TO FIRST/LAST`` with
  ``throw_exception_on_miss`` as Flink does.
* ``ONE ROW PER MATCH`` only (``ALL ROWS PER MATCH`` is an :class:`UnsupportedFeature`, as
  Flink's "All rows per match mode is not supported yet."); the output row is the partition
  columns, then the measures.
* ``PARTITION BY``: ``key_by``; without it, one subtask (parallelism 1). ``ORDER BY``: the first
  key must be the ascending time attribute (event time; processing time when it names the
  ``proctime`` column); further keys order rows of equal timestamps (an ``EventComparator``).
* ``WITHIN INTERVAL 'n' unit``: ``Pattern.within``.

Values follow Flink's types where Python's are ambiguous: ``AVG`` and ``/`` of integers are
integers (truncated toward zero), as for Flink's BIGINT.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from flinklite.cep.after_match_skip_strategy import AfterMatchSkipStrategy
from flinklite.cep.functions import PatternProcessFunction
from flinklite.cep.pattern import Pattern
from flinklite.errors import InvalidProgramException, UnsupportedFeature

__all__ = ["MatchRecognizePlan", "compile_match_recognize", "parse_match_recognize", "split_within"]

_UNITS_MS = {"MILLISECOND": 1, "SECOND": 1000, "MINUTE": 60_000, "HOUR": 3_600_000, "DAY": 86_400_000}
_WITHIN = re.compile(r"\bWITHIN\s+INTERVAL\s+'(\d+)'\s+(MILLISECOND|SECOND|MINUTE|HOUR|DAY)S?\b", re.I)


def split_within(sql: str) -> tuple[str, int | None]:
    """``sql`` without its ``WITHIN INTERVAL 'n' UNIT`` (which sqlglot cannot parse), and the
    interval in ms (None if there was none)."""
    m = _WITHIN.search(sql)
    if m is None:
        return sql, None
    return sql[:m.start()] + sql[m.end():], int(m.group(1)) * _UNITS_MS[m.group(2).upper()]


def _sqlglot() -> Any:
    try:
        import sqlglot
    except ImportError:
        raise UnsupportedFeature(
            "MATCH_RECOGNIZE needs sqlglot to parse the SQL: pip install 'flinklite[sql]'") from None
    return sqlglot


def parse_match_recognize(sql: str) -> tuple[Any, int | None]:
    """The sqlglot ``MatchRecognize`` node of a statement with one ``MATCH_RECOGNIZE`` clause, and
    its ``WITHIN`` interval in ms (None: none)."""
    sqlglot = _sqlglot()
    from sqlglot import exp

    text, within = split_within(sql)
    try:
        tree = sqlglot.parse_one(text, read="snowflake")
    except sqlglot.errors.ParseError as e:
        raise InvalidProgramException(f"MATCH_RECOGNIZE: the SQL does not parse: {e}") from None
    nodes = list(tree.find_all(exp.MatchRecognize))
    if len(nodes) != 1:
        raise InvalidProgramException(
            f"MATCH_RECOGNIZE: expected one MATCH_RECOGNIZE clause in the SQL, found {len(nodes)}")
    return nodes[0], within


# -- PATTERN ---------------------------------------------------------------------------------------
_TOKEN = re.compile(r"\s*(?:([A-Za-z_][A-Za-z0-9_]*)|(\{\s*\d*\s*(?:,\s*\d*\s*)?\}|[+*?])(\??)|(\S))")


def _parse_pattern(text: str) -> list[tuple[str, tuple[int, int | None] | None, bool]]:
    """``A B+ C{2,3}?`` -> [(variable, (min, max|None) or None for exactly one, greedy)]."""
    text = text.strip()
    if text.startswith("(") and text.endswith(")") and text.count("(") == 1:
        text = text[1:-1]
    if "|" in text:
        raise UnsupportedFeature(
            f"MATCH_RECOGNIZE PATTERN ({text}): Currently, CEP doesn't support branching patterns (A | B).")
    if "{-" in text.replace(" ", ""):
        raise UnsupportedFeature(
            f"MATCH_RECOGNIZE PATTERN ({text}): Currently, CEP doesn't support '{{-' '-}}' patterns.")
    if re.search(r"\bPERMUTE\s*\(", text, re.I):
        raise UnsupportedFeature(f"MATCH_RECOGNIZE PATTERN ({text}): Currently, CEP doesn't support PERMUTE patterns.")
    if "(" in text:
        raise UnsupportedFeature(
            f"MATCH_RECOGNIZE PATTERN ({text}): Group patterns are not supported yet (as in Flink); "
            "write the group out, or use the Pattern API's group patterns (Pattern.begin(Pattern ...))")
    out: list = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None or not m.group(0).strip():
            break
        pos = m.end()
        name, quant, reluctant, other = m.groups()
        if name:
            if any(v[0] == name for v in out):
                raise InvalidProgramException(
                    f"MATCH_RECOGNIZE PATTERN ({text}): '{name}' repeats: Pattern variables must be unique. "
                    "That might change in the future.")
            out.append([name, None, True])
        elif quant:
            if not out or out[-1][1] is not None:
                raise InvalidProgramException(
                    f"MATCH_RECOGNIZE PATTERN ({text}): a quantifier needs a variable before it")
            out[-1][1] = _bounds(quant, text)
            out[-1][2] = not reluctant
        else:
            raise UnsupportedFeature(
                f"MATCH_RECOGNIZE PATTERN ({text}): '{other}' is not supported; Flink supports sequences of "
                "variables with quantifiers (* + ? {n} {n,} {n,m}, reluctant with a trailing ?)")
    if not out:
        raise InvalidProgramException("MATCH_RECOGNIZE: the PATTERN is empty")
    return [tuple(x) for x in out]


def _bounds(q: str, text: str) -> tuple[int, int | None]:
    if q == "+":
        return (1, None)
    if q == "*":
        return (0, None)
    if q == "?":
        return (0, 1)
    body = q.strip("{} ")
    if "," not in body:
        lo = hi = int(body)
    else:
        a, b = (s.strip() for s in body.split(","))
        if not a:
            # Flink 2.3 fails such a query when it runs ("The from should be ..."): its planner
            # gets no lower bound for {,m}; {0,m} works
            raise UnsupportedFeature(
                f"MATCH_RECOGNIZE PATTERN ({text}): {q}: The from should be a positive number greater than 0. "
                f"(Flink cannot run a quantifier without a lower bound; write {{0,{b}}})")
        lo, hi = int(a), (int(b) if b else None)
    if (hi is not None and (hi < lo or hi == 0)) or (lo == 0 and hi == 0):
        raise InvalidProgramException(f"MATCH_RECOGNIZE PATTERN ({text}): invalid quantifier {q}")
    return (lo, hi)


# -- expressions -------------------------------------------------------------------------------------
class _Env:
    """What an expression is evaluated against: the rows mapped to each variable so far, the row
    being tested (DEFINE) or None (MEASURES), and the match's timestamp (MEASURES)."""

    __slots__ = ("rows", "current", "current_var", "sequence", "timestamp", "now")

    def __init__(self, rows: dict, current: Any, current_var: str | None, sequence: list,
                 timestamp: int | None = None, now: int | None = None) -> None:
        self.rows = rows
        self.current = current
        self.current_var = current_var
        self.sequence = sequence  # every row of the match so far, in order
        self.timestamp = timestamp
        self.now = now

    def var_rows(self, var: str | None) -> list:
        if var is None:
            return self.sequence + [self.current] if self.current is not None else self.sequence
        rows = self.rows.get(var, ())
        if var == self.current_var and self.current is not None:
            return [*rows, self.current]
        return list(rows)


def _and(a: Any, b: Any) -> Any:  # SQL's three-valued AND
    if a is False or b is False:
        return False
    if a is None or b is None:
        return None
    return True


def _or(a: Any, b: Any) -> Any:
    if a is True or b is True:
        return True
    if a is None or b is None:
        return None
    return False


def _div(a: Any, b: Any) -> Any:
    if isinstance(a, int) and isinstance(b, int) and not isinstance(a, bool):
        q = abs(a) // abs(b)  # Java's integer division truncates toward zero
        return q if (a >= 0) == (b >= 0) else -q
    return a / b


def _avg(xs: list) -> Any:
    return _div(sum(xs), len(xs))


def _like(pattern: str) -> Any:
    rx = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern)
    return re.compile(rx + r"\Z", re.S)


_CASTS = {"INT": int, "BIGINT": int, "SMALLINT": int, "TINYINT": int, "INTEGER": int,
          "DOUBLE": float, "FLOAT": float, "DECIMAL": float, "VARCHAR": str, "STRING": str,
          "CHAR": str, "TEXT": str, "BOOLEAN": bool}


class _ExprCompiler:
    """SQL expressions of DEFINE/MEASURES as Python functions of an :class:`_Env` (or, inside an
    aggregate or FIRST/LAST, of one row)."""

    def __init__(self, columns: dict[str, int], variables: list[str], ms_to_timestamp: Any,
                 rowtime: str | None, measures: bool = False) -> None:
        self.columns = {k.lower(): v for k, v in columns.items()}
        self.variables = variables
        self.by_upper = {v.upper(): v for v in variables}
        self.ms_to_timestamp = ms_to_timestamp or (lambda ms: ms)
        self.rowtime = rowtime
        self.measures = measures

    def variable(self, name: str | None, where: str) -> str | None:
        if not name:
            return None
        var = name if name in self.variables else self.by_upper.get(name.upper())
        if var is None:
            raise InvalidProgramException(
                f"MATCH_RECOGNIZE: '{where}' refers to '{name}', which is not a pattern variable ({self.variables})")
        return var

    def column(self, col: Any) -> tuple[str | None, int]:
        name = col.name.lower()
        if name not in self.columns:
            raise InvalidProgramException(
                f"MATCH_RECOGNIZE: unknown column '{col.sql()}'; the input has {sorted(self.columns)}")
        return self.variable(col.table, col.sql()), self.columns[name]

    def row_variable(self, e: Any, what: str) -> str | None:
        """The one variable the columns of ``e`` refer to (Flink allows only one per aggregate)."""
        from sqlglot import exp

        vars_ = {self.column(c)[0] for c in e.find_all(exp.Column)}
        if len(vars_) > 1:
            raise UnsupportedFeature(
                f"MATCH_RECOGNIZE: {what}({e.sql()}) refers to several pattern variables {sorted(map(str, vars_))}; "
                "an aggregate or FIRST/LAST may reference only one")
        return next(iter(vars_)) if vars_ else None

    def compile(self, e: Any, row: bool = False) -> Callable[[Any], Any]:
        """``row``: compile for one row (columns read it), else for an :class:`_Env`."""
        from sqlglot import exp

        if isinstance(e, exp.Paren):
            return self.compile(e.this, row)
        if isinstance(e, exp.Column):
            var, idx = self.column(e)
            if row:
                return lambda r: r[idx]

            def col(env: _Env, var=var, idx=idx):
                if env.current is not None and (var is None or var == env.current_var):
                    return env.current[idx]
                rows = env.var_rows(var)
                return rows[-1][idx] if rows else None
            return col
        if isinstance(e, exp.Literal):
            if e.is_string:
                v: Any = e.this
            else:
                v = float(e.this) if any(c in e.this for c in ".eE") else int(e.this)
            return lambda env: v
        if isinstance(e, exp.Boolean):
            b = e.this
            return lambda env: b
        if isinstance(e, exp.Null):
            return lambda env: None
        binary = {exp.Add: lambda a, b: a + b, exp.Sub: lambda a, b: a - b, exp.Mul: lambda a, b: a * b,
                  exp.Div: _div, exp.Mod: lambda a, b: a % b, exp.DPipe: lambda a, b: f"{a}{b}",
                  exp.EQ: lambda a, b: a == b, exp.NEQ: lambda a, b: a != b, exp.LT: lambda a, b: a < b,
                  exp.LTE: lambda a, b: a <= b, exp.GT: lambda a, b: a > b, exp.GTE: lambda a, b: a >= b}
        op = binary.get(type(e))
        if op is not None:
            left, right = self.compile(e.this, row), self.compile(e.expression, row)

            def bin_(env, left=left, right=right, op=op):
                a = left(env)
                if a is None:
                    return None
                b = right(env)
                return None if b is None else op(a, b)
            return bin_
        if isinstance(e, (exp.And, exp.Or)):
            left, right = self.compile(e.this, row), self.compile(e.expression, row)
            f = _and if isinstance(e, exp.And) else _or
            return lambda env: f(left(env), right(env))
        if isinstance(e, exp.Not):
            inner = self.compile(e.this, row)
            return lambda env: (lambda v: None if v is None else not v)(inner(env))
        if isinstance(e, exp.Neg):
            inner = self.compile(e.this, row)
            return lambda env: (lambda v: None if v is None else -v)(inner(env))
        if isinstance(e, exp.Is) and isinstance(e.expression, exp.Null):
            inner = self.compile(e.this, row)
            return lambda env: inner(env) is None
        if isinstance(e, exp.Between):
            x, lo, hi = self.compile(e.this, row), self.compile(e.args["low"], row), self.compile(e.args["high"], row)
            return lambda env: (lambda v, a, b: None if None in (v, a, b) else a <= v <= b)(x(env), lo(env), hi(env))
        if isinstance(e, exp.In) and e.expressions:
            x = self.compile(e.this, row)
            items = [self.compile(i, row) for i in e.expressions]
            return lambda env: (lambda v: None if v is None else v in [i(env) for i in items])(x(env))
        if isinstance(e, exp.Like):
            x = self.compile(e.this, row)
            if not isinstance(e.expression, exp.Literal):
                raise UnsupportedFeature(f"MATCH_RECOGNIZE: LIKE needs a literal pattern, got '{e.sql()}'")
            rx = _like(e.expression.this)
            return lambda env: (lambda v: None if v is None else rx.match(v) is not None)(x(env))
        if isinstance(e, exp.Coalesce):
            parts = [self.compile(p, row) for p in [e.this, *e.expressions]]
            return lambda env: next((v for v in (p(env) for p in parts) if v is not None), None)
        if isinstance(e, exp.Abs):
            inner = self.compile(e.this, row)
            return lambda env: (lambda v: None if v is None else abs(v))(inner(env))
        if isinstance(e, exp.Case):
            ifs = [(self.compile(i.this, row), self.compile(i.args["true"], row)) for i in e.args["ifs"]]
            default = self.compile(e.args["default"], row) if e.args.get("default") is not None else (lambda env: None)

            def case(env):
                for cond, val in ifs:
                    if cond(env) is True:
                        return val(env)
                return default(env)
            return case
        if isinstance(e, exp.Cast):
            inner = self.compile(e.this, row)
            target = _CASTS.get(e.to.this.name if hasattr(e.to.this, "name") else str(e.to.this))
            if target is None:
                raise UnsupportedFeature(f"MATCH_RECOGNIZE: CAST to {e.to.sql()} is not supported in DEFINE/MEASURES")
            return lambda env: (lambda v: None if v is None else target(v))(inner(env))
        if row:
            raise UnsupportedFeature(
                f"MATCH_RECOGNIZE: '{e.sql()}' cannot be nested inside an aggregate or FIRST/LAST")
        if isinstance(e, (exp.First, exp.Last)) or (
                isinstance(e, exp.Anonymous) and e.name.upper() in ("FIRST", "LAST", "PREV", "NEXT")):
            return self.navigation(e)
        if isinstance(e, exp.Anonymous) and e.name.upper() in ("MATCH_ROWTIME", "MATCH_PROCTIME"):
            return self.time_function(e)
        if isinstance(e, exp.Anonymous) and e.name.upper() in ("CLASSIFIER", "MATCH_NUMBER", "RUNNING", "FINAL"):
            raise UnsupportedFeature(f"MATCH_RECOGNIZE: {e.name.upper()} is not supported by Flink")
        aggregates = {exp.Sum: sum, exp.Min: min, exp.Max: max, exp.Count: len, exp.Avg: _avg}
        fn = aggregates.get(type(e))
        if fn is not None:
            arg = e.this
            if isinstance(arg, exp.Distinct):
                raise UnsupportedFeature(f"MATCH_RECOGNIZE: DISTINCT aggregations are not supported ('{e.sql()}')")
            if isinstance(arg, exp.Star) or arg is None:
                return lambda env: len(env.var_rows(None))
            var = self.row_variable(arg, type(e).__name__.upper())
            value = self.compile(arg, row=True)

            def agg(env, var=var, value=value, fn=fn):
                xs = [v for v in map(value, env.var_rows(var)) if v is not None]
                return fn(xs) if xs or fn is len else None
            return agg
        raise UnsupportedFeature(
            f"MATCH_RECOGNIZE: the expression '{e.sql()}' ({type(e).__name__}) is not supported in DEFINE/MEASURES")

    def navigation(self, e: Any) -> Callable[[_Env], Any]:
        from sqlglot import exp

        if isinstance(e, exp.Anonymous):
            kind = e.name.upper()
            args = list(e.expressions)
        else:
            kind = "FIRST" if isinstance(e, exp.First) else "LAST"
            offset_arg = e.args.get("expression") or e.args.get("offset")
            args = [e.this] + ([offset_arg] if offset_arg is not None else [])
        if not args:
            raise InvalidProgramException(f"MATCH_RECOGNIZE: {kind} needs an argument, got '{e.sql()}'")
        if len(args) > 1 and not (isinstance(args[1], exp.Literal) and not args[1].is_string):
            raise InvalidProgramException(f"MATCH_RECOGNIZE: the offset of '{e.sql()}' must be an integer literal")
        offset = int(args[1].this) if len(args) > 1 else (1 if kind in ("PREV", "NEXT") else 0)
        if kind in ("PREV", "NEXT"):
            if offset != 0:
                raise UnsupportedFeature(
                    f"MATCH_RECOGNIZE: '{e.sql()}': Flink does not support physical offsets within partition "
                    "(PREV/NEXT with an offset other than 0); use LAST(v.col, n) to look back in the match")
            return self.compile(args[0])
        var = self.row_variable(args[0], kind)
        value = self.compile(args[0], row=True)

        def first_last(env, var=var, value=value, offset=offset, first=kind == "FIRST"):
            rows = env.var_rows(var)
            if offset >= len(rows):
                return None
            return value(rows[offset] if first else rows[-1 - offset])
        return first_last

    def time_function(self, e: Any) -> Callable[[_Env], Any]:
        kind = e.name.upper()
        if not self.measures:
            raise InvalidProgramException(f"MATCH_RECOGNIZE: {kind}() can only be used in MEASURES")
        to_ts = self.ms_to_timestamp
        if kind == "MATCH_PROCTIME":
            return lambda env: to_ts(env.now)
        if e.expressions:
            # MATCH_ROWTIME(col): the column's value in the last row (the rows are ordered by it)
            var, idx = self.column(e.expressions[0])
            return lambda env: env.sequence[-1][idx]
        return lambda env: to_ts(env.timestamp)


def _sequence(match_rows: dict, order: list[str]) -> list:
    # rows of a match in order: a variable's rows are in order, and variables follow each other
    out: list = []
    for v in order:
        rows = match_rows.get(v)
        if rows:
            out.extend(rows)
    return out


class _RowComparator:
    """Secondary ``ORDER BY`` keys as an event comparator (rows of one timestamp)."""

    def __init__(self, keys: list[tuple[int, bool]], input_row: Callable) -> None:
        self.keys = keys
        self.input_row = input_row

    def __call__(self, a: Any, b: Any) -> int:
        ra, rb = self.input_row(a), self.input_row(b)
        for idx, asc in self.keys:
            x, y = ra[idx], rb[idx]
            if x == y:
                continue
            if x is None or y is None:  # NULLS FIRST for ASC, LAST for DESC (Flink's default)
                c = -1 if x is None else 1
            else:
                c = -1 if x < y else 1
            return c if asc else -c
        return 0


class _MatchRecognizeFunction(PatternProcessFunction):
    """One output row per match: the measures, through ``output_row``."""

    def __init__(self, plan: MatchRecognizePlan, input_row: Callable, output_row: Callable) -> None:
        self.plan = plan
        self.input_row = input_row
        self.output_row = output_row

    def process_match(self, match: dict, ctx: Any) -> Any:
        rows = {v: [self.input_row(e) for e in events] for v, events in match.items()}
        yield self.output_row(self.plan.measures(rows, ctx.timestamp(), ctx.current_processing_time()))


class MatchRecognizePlan:
    """A compiled ``MATCH_RECOGNIZE``: its :class:`Pattern`, output columns and how to key, order
    and time its input. Use :meth:`apply` to run it on a DataStream.

    Attributes: ``pattern``, ``output_names`` (partition columns, then measures), ``partition_by``
    and ``partition_indices``, ``order_by`` (``[(column, ascending)]``), ``time_attribute`` (the
    first ORDER BY column), ``processing_time`` (ORDER BY the proctime column), ``within_ms``.
    """

    def __init__(self, pattern: Pattern, output_names: list[str], partition_by: list[str],
                 partition_indices: list[int], order_by: list[tuple[str, bool]], secondary: list[tuple[int, bool]],
                 processing_time: bool, within_ms: int | None, measures: Callable, rebuild: Callable) -> None:
        self.pattern = pattern
        self.output_names = output_names
        self.partition_by = partition_by
        self.partition_indices = partition_indices
        self.order_by = order_by
        self.time_attribute = order_by[0][0]
        self.processing_time = processing_time
        self.within_ms = within_ms
        self._secondary = secondary
        self._measures = measures
        self._rebuild = rebuild

    def measures(self, match: dict[str, list], timestamp: int | None = None, now: int | None = None) -> tuple:
        """The output row of a match (variable -> its rows, in order) as a tuple; ``timestamp`` is
        the match's time (``MATCH_ROWTIME()``), ``now`` the processing time (``MATCH_PROCTIME()``)."""
        return self._measures(match, timestamp, now)

    def comparator(self, input_row: Callable | None = None) -> Callable | None:
        """The event comparator for the secondary ORDER BY keys (None if there are none)."""
        if not self._secondary:
            return None
        return _RowComparator(self._secondary, input_row or _identity)

    def apply(self, stream: Any, *, input_row: Callable | None = None,
              output_row: Callable | None = None) -> tuple[Any, list[str]]:
        """Run the pattern over ``stream``; returns ``(result DataStream, output column names)``.

        ``stream`` carries one element per input row, with event-time timestamps and watermarks
        when ordered by rowtime. ``input_row(element)`` gives the row to read columns from by
        position (default: the element itself: a tuple, list or :class:`~flinklite.common.Row`);
        ``output_row(values)`` makes the output element from the tuple of output values
        (default: a :class:`~flinklite.common.Row` with ``output_names`` as field names). Each
        result carries the timestamp of the match (its last row), so it can be windowed again.
        """
        from flinklite.cep.cep import CEP
        from flinklite.datastream.data_stream import DataStream

        if not isinstance(stream, DataStream):
            raise InvalidProgramException(
                f"MatchRecognizePlan.apply needs a DataStream, got {type(stream).__name__}")
        read = input_row or _identity
        make = output_row or _row_factory(self.output_names)
        idx = self.partition_indices
        if idx:
            if len(idx) == 1:
                i0 = idx[0]
                keyed = stream.key_by(lambda e: read(e)[i0])
            else:
                keyed = stream.key_by(lambda e: tuple(read(e)[i] for i in idx))
        else:
            keyed = stream  # CEP.pattern matches a non-keyed stream in one subtask
        pattern = self.pattern if input_row is None else self._rebuild(read)
        ps = CEP.pattern(keyed, pattern, self.comparator(read))
        if self.processing_time:
            ps = ps.in_processing_time()
        out = ps.process(_MatchRecognizeFunction(self, read, make))
        return out, list(self.output_names)


def _identity(x: Any) -> Any:
    return x


def _row_factory(names: list[str]) -> Callable[[tuple], Any]:
    from flinklite.common.types import Row

    def make(values: tuple) -> Any:
        r = Row(*values)
        r.set_field_names(list(names))
        return r
    return make


def _column_map(input_schema: Any) -> dict[str, int]:
    if isinstance(input_schema, dict):
        return dict(input_schema)
    names = None
    if hasattr(input_schema, "get_field_names"):
        names = input_schema.get_field_names()
    elif isinstance(input_schema, Sequence) and not isinstance(input_schema, str):
        names = [n if isinstance(n, str) else n[0] for n in input_schema]
    if names is None or not all(isinstance(n, str) for n in names):
        raise InvalidProgramException(
            "compile_match_recognize: input_schema must be a list of column names, a {name: index} dict or a "
            f"RowTypeInfo, got {type(input_schema).__name__}: {input_schema!r}")
    return {n: i for i, n in enumerate(names)}


def compile_match_recognize(query: Any, input_schema: Any, *, within_ms: int | None = None,
                            rowtime: str | None = None, proctime: str | None = None,
                            ms_to_timestamp: Callable[[int], Any] | None = None) -> MatchRecognizePlan:
    """Compile a ``MATCH_RECOGNIZE`` clause for input rows of ``input_schema``.

    ``compile_match_recognize(query, input_schema, *, within_ms=None, rowtime=None, proctime=None,
    ms_to_timestamp=None) -> MatchRecognizePlan``

    * ``query``: SQL text holding one ``MATCH_RECOGNIZE`` clause (a whole ``SELECT ... FROM t
      MATCH_RECOGNIZE (...) AS x``; only the clause is compiled, ``WITHIN`` included), or an
      already parsed sqlglot ``MatchRecognize`` node (then give its ``WITHIN`` as ``within_ms``).
    * ``input_schema``: the input columns in row order, as a list of names (or ``(name, type)``
      pairs), a ``{name: index}`` dict or a ``RowTypeInfo``.
    * ``rowtime`` / ``proctime``: the names of the input's time attribute columns, if known; the
      first ``ORDER BY`` key must be one of them (ascending). Ordering by ``proctime`` matches in
      processing time; otherwise in event time, on the stream's timestamps.
    * ``ms_to_timestamp``: turns epoch milliseconds into the planner's TIMESTAMP value for
      ``MATCH_ROWTIME()`` and ``MATCH_PROCTIME()`` (default: the int itself).

    Then ``plan.apply(stream, input_row=None, output_row=None) -> (DataStream, output_names)``.
    Invalid SQL raises :class:`InvalidProgramException`, what Flink does not support
    :class:`UnsupportedFeature`; both name the offending part. Needs sqlglot (the ``sql`` extra).
    """
    _sqlglot()
    from sqlglot import exp

    if isinstance(query, str):
        mr, text_within = parse_match_recognize(query)
        within_ms = text_within if text_within is not None else within_ms
    else:
        mr = query
    if not isinstance(mr, exp.MatchRecognize):
        raise InvalidProgramException(
            f"compile_match_recognize needs SQL text or a sqlglot MatchRecognize, got {type(mr).__name__}")
    columns = _column_map(input_schema)
    lower = {k.lower(): v for k, v in columns.items()}

    rows_mode = mr.args.get("rows")
    if rows_mode is not None and "ONE ROW" not in rows_mode.sql().upper():
        raise UnsupportedFeature(
            f"MATCH_RECOGNIZE: '{rows_mode.sql()}': All rows per match mode is not supported yet (as in Flink); "
            "use ONE ROW PER MATCH")

    # ORDER BY: an ascending time attribute first, then keys for rows of equal time
    order = mr.args.get("order")
    order_by: list[tuple[str, bool]] = []
    for o in (order.expressions if order is not None else []):
        if not isinstance(o.this, exp.Column):
            raise UnsupportedFeature(f"MATCH_RECOGNIZE: ORDER BY {o.sql()}: only columns can be ordered by")
        order_by.append((o.this.name, not o.args.get("desc")))
    if not order_by:
        raise InvalidProgramException("MATCH_RECOGNIZE: You must specify either rowtime or proctime for order by.")
    time_col, ascending = order_by[0]
    time_attrs = {c.lower() for c in (rowtime, proctime) if c}
    if (time_attrs and time_col.lower() not in time_attrs) or not ascending:
        raise InvalidProgramException(
            f"MATCH_RECOGNIZE: ORDER BY {time_col}{'' if ascending else ' DESC'}: You must specify either rowtime "
            "or proctime for order by as the first one (ascending).")
    for name, _ in order_by:
        if name.lower() not in lower:
            raise InvalidProgramException(
                f"MATCH_RECOGNIZE: unknown ORDER BY column '{name}'; the input has {sorted(lower)}")
    processing_time = proctime is not None and time_col.lower() == proctime.lower()
    secondary = [(lower[n.lower()], asc) for n, asc in order_by[1:]]

    pattern_node = mr.args.get("pattern")
    if pattern_node is None:
        raise InvalidProgramException("MATCH_RECOGNIZE needs a PATTERN")
    steps = _parse_pattern(pattern_node.name if isinstance(pattern_node, exp.Var) else pattern_node.sql())
    variables = [name for name, _, _ in steps]
    rowtime_name = time_col if not processing_time else rowtime
    define_comp = _ExprCompiler(columns, variables, ms_to_timestamp, rowtime_name)
    measure_comp = _ExprCompiler(columns, variables, ms_to_timestamp, rowtime_name, measures=True)

    defines: dict[str, Callable] = {}
    for d in mr.args.get("define") or []:
        name = define_comp.variable(d.alias, f"DEFINE {d.alias}")
        defines[name] = define_comp.compile(d.this)

    skip = _skip(mr.args.get("after"), variables)
    pattern = _build_pattern(steps, defines, skip, variables, within_ms)

    def rebuild(read: Callable) -> Pattern:  # the pattern over elements that hold the rows
        return _build_pattern(steps, defines, skip, variables, within_ms, read)

    partition = [c.name for c in mr.args.get("partition_by") or []]
    for c in partition:
        if c.lower() not in lower:
            raise InvalidProgramException(
                f"MATCH_RECOGNIZE: unknown PARTITION BY column '{c}'; the input has {sorted(lower)}")
    partition_idx = [lower[c.lower()] for c in partition]
    names = list(partition)
    measure_fns = []
    for m in mr.args.get("measures") or []:
        expr = m.this if isinstance(m, exp.MatchRecognizeMeasure) else m
        if not isinstance(expr, exp.Alias):
            raise InvalidProgramException(f"MATCH_RECOGNIZE: the measure '{expr.sql()}' needs a name (AS ...)")
        names.append(expr.alias)
        measure_fns.append(measure_comp.compile(expr.this))

    def measures(match: dict, timestamp: int | None, now: int | None) -> tuple:
        seq = _sequence(match, variables)
        env = _Env(match, None, None, seq, timestamp, now)
        first_row = seq[0]
        return tuple(first_row[i] for i in partition_idx) + tuple(f(env) for f in measure_fns)

    return MatchRecognizePlan(pattern, names, partition, partition_idx, order_by, secondary, processing_time,
                              within_ms, measures, rebuild)


def _build_pattern(steps: list, defines: dict, skip: AfterMatchSkipStrategy, variables: list[str],
                   within_ms: int | None, read: Callable | None = None) -> Pattern:
    pattern: Pattern | None = None
    for name, bounds, greedy in steps:
        pattern = Pattern.begin(name, skip) if pattern is None else pattern.next(name)
        cond = defines.get(name)
        if cond is not None:
            if read is None:
                def test(row, ctx, cond=cond, var=name):
                    rows = {v: ctx.get_events_for_pattern(v) for v in variables}
                    return cond(_Env(rows, row, var, _sequence(rows, variables))) is True
            else:
                def test(elem, ctx, cond=cond, var=name):
                    rows = {v: [read(e) for e in ctx.get_events_for_pattern(v)] for v in variables}
                    return cond(_Env(rows, read(elem), var, _sequence(rows, variables))) is True
            pattern.where(test)
        if bounds is None:
            continue
        lo, hi = bounds
        optional = (lo, hi) == (0, 1)
        if hi is None:
            if lo <= 1:
                pattern.one_or_more()
                if lo == 0:
                    pattern.optional()
            else:
                pattern.times_or_more(lo)
            pattern.consecutive()
        elif optional:
            pattern.optional()
        else:
            pattern.times(lo, hi).consecutive()
        if greedy and not (optional or lo == hi):
            pattern.greedy()
        elif not greedy and optional:
            raise UnsupportedFeature(
                f"MATCH_RECOGNIZE PATTERN: {name}??: Reluctant optional variables are not supported yet.")
    assert pattern is not None
    if all(b is not None and b[0] == 0 for _, b, _ in steps):
        raise UnsupportedFeature(
            "MATCH_RECOGNIZE PATTERN: Patterns that can produce empty matches are not supported. There must be at "
            "least one non-optional state.")
    if pattern.get_quantifier().has("greedy"):
        raise UnsupportedFeature(
            f"MATCH_RECOGNIZE PATTERN: {pattern.get_name()}: Greedy quantifiers are not allowed as the last element "
            "of a Pattern yet. Finish your pattern with either a simple variable or reluctant quantifier.")
    if within_ms is not None:
        pattern.within(within_ms)
    return pattern


def _skip(after: Any, variables: list[str]) -> AfterMatchSkipStrategy:
    if after is None:
        return AfterMatchSkipStrategy.skip_to_next()  # Flink's (Calcite's) default
    text = " ".join(after.sql().upper().split())
    if text.endswith("PAST LAST ROW"):
        return AfterMatchSkipStrategy.skip_past_last_event()
    if text.endswith("TO NEXT ROW"):
        return AfterMatchSkipStrategy.skip_to_next()
    m = re.search(r"TO (FIRST |LAST )?([A-Z_][A-Z0-9_]*)$", text)
    if m:
        var = next((v for v in variables if v.upper() == m.group(2)), None)
        if var is None:
            raise InvalidProgramException(f"MATCH_RECOGNIZE: {after.sql()} names no variable of the PATTERN")
        if m.group(1) == "FIRST ":
            return AfterMatchSkipStrategy.skip_to_first(var).throw_exception_on_miss()
        return AfterMatchSkipStrategy.skip_to_last(var).throw_exception_on_miss()
    raise InvalidProgramException(f"MATCH_RECOGNIZE: '{after.sql()}' is not a supported AFTER MATCH clause")
