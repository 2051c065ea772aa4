"""Compiling SQL's ``MATCH_RECOGNIZE`` clause to a CEP :class:`~flinklite.cep.Pattern` (what
Flink's planner does for ``MATCH_RECOGNIZE``: the SQL clause runs on the same NFA as the Pattern
API).

Input: a sqlglot ``MatchRecognize`` expression (parse with ``read="snowflake"``, which accepts the
clause; sqlglot does not parse ``WITHIN``, so :func:`split_within` takes it out of the SQL text
first) and a column name -> index mapping of the input rows. Output: a
:class:`CompiledMatchRecognize` with the pattern, a ``measures(match)`` function that makes the
output row (partition columns, then the measures), the output column names, and the partition
and order columns, for the planner to key and time the stream.

How the SQL maps to the Pattern API, as in Flink:

* ``PATTERN (A B+ C?)``: variables in sequence are *strictly* contiguous (``next``); quantifiers
  ``+ * ? {n} {n,} {n,m} {,m}`` are consecutive and greedy, reluctant with a trailing ``?``
  (``B+?``). Groups and alternatives (``(A B)+``, ``A | B``) are not supported.
* ``DEFINE B AS <condition>``: an iterative condition. ``B.price`` (or ``price``) is the row being
  tested, ``A.price`` the last row mapped to ``A``; ``FIRST/LAST(A.price[, n])``,
  ``SUM/AVG/MIN/MAX/COUNT(A.price)`` run over the rows mapped to ``A`` so far (with the row being
  tested when ``A`` is the variable being defined); ``PREV(col[, n])`` is the n-th row before
  the tested one in the match. A variable without a definition matches every row.
* ``MEASURES``: the same expressions over the complete match (``A.price``: the last ``A`` row).
* ``AFTER MATCH SKIP PAST LAST ROW`` (the default) / ``TO NEXT ROW`` / ``TO FIRST v`` /
  ``TO LAST v`` / ``TO v``: the matching skip strategy. Only ``ONE ROW PER MATCH``.
* ``WITHIN INTERVAL 'n' unit``: ``Pattern.within``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flinklite.cep.after_match_skip_strategy import AfterMatchSkipStrategy
from flinklite.cep.pattern import Pattern
from flinklite.errors import InvalidProgramException

__all__ = ["CompiledMatchRecognize", "compile_match_recognize", "split_within"]

_UNITS_MS = {"MILLISECOND": 1, "SECOND": 1000, "MINUTE": 60_000, "HOUR": 3_600_000, "DAY": 86_400_000}
_WITHIN = re.compile(r"\bWITHIN\s+INTERVAL\s+'(\d+)'\s+(MILLISECOND|SECOND|MINUTE|HOUR|DAY)S?\b", re.I)


def split_within(sql: str) -> tuple[str, int | None]:
    """``sql`` without its ``WITHIN INTERVAL 'n' UNIT`` (which sqlglot cannot parse), and the
    interval in ms (None if there was none)."""
    m = _WITHIN.search(sql)
    if m is None:
        return sql, None
    return sql[:m.start()] + sql[m.end():], int(m.group(1)) * _UNITS_MS[m.group(2).upper()]


@dataclass
class CompiledMatchRecognize:
    pattern: Pattern
    measures: Callable[[dict], tuple]  # match (variable -> rows) -> output row
    output_names: list[str]
    partition_by: list[str]
    order_by: list[str]


# -- PATTERN --------------------------------------------------------------------------------------
_TOKEN = re.compile(r"\s*(?:([A-Za-z_][A-Za-z0-9_]*)|(\{\s*\d*\s*(?:,\s*\d*\s*)?\}|[+*?])(\??)|(\S))")


def _parse_pattern(text: str) -> list[tuple[str, tuple[int, int | None] | None, bool]]:
    """``A B+ C{2,3}?`` -> [(variable, (min, max|None) or None for exactly one, greedy)]."""
    text = text.strip()
    if text.startswith("(") and text.endswith(")"):
        text = text[1:-1]
    out: list = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None or not m.group(0).strip():
            break
        pos = m.end()
        name, quant, reluctant, other = m.groups()
        if name:
            out.append([name, None, True])
        elif quant:
            if not out or out[-1][1] is not None:
                raise InvalidProgramException(
                    f"MATCH_RECOGNIZE PATTERN ({text}): a quantifier needs a variable before it")
            out[-1][1] = _bounds(quant)
            out[-1][2] = not reluctant
        else:
            raise InvalidProgramException(
                f"MATCH_RECOGNIZE PATTERN ({text}): '{other}' is not supported; flinklite supports sequences of "
                "variables with quantifiers (+ * ? {n} {n,} {n,m}), not groups or alternatives")
    if not out:
        raise InvalidProgramException("MATCH_RECOGNIZE: the PATTERN is empty")
    return [tuple(x) for x in out]


def _bounds(q: str) -> tuple[int, int | None]:
    if q == "+":
        return (1, None)
    if q == "*":
        return (0, None)
    if q == "?":
        return (0, 1)
    body = q.strip("{} ")
    if "," not in body:
        return (int(body), int(body))
    lo, hi = (s.strip() for s in body.split(","))
    return (int(lo) if lo else 0, int(hi) if hi else None)


# -- expressions ----------------------------------------------------------------------------------------
class _Env:
    """What an expression is evaluated against: the rows mapped to each variable, and the row
    being tested (DEFINE) or None (MEASURES)."""

    __slots__ = ("rows", "current", "current_var", "sequence")

    def __init__(self, rows: dict, current: Any, current_var: str | None, sequence: list) -> None:
        self.rows = rows
        self.current = current
        self.current_var = current_var
        self.sequence = sequence  # every row of the match so far, in order

    def var_rows(self, var: str | None) -> list:
        if var is None:
            return self.sequence + ([self.current] if self.current is not None else [])
        rows = list(self.rows.get(var, ()))
        if var == self.current_var and self.current is not None:
            rows.append(self.current)
        return rows


class _ExprCompiler:
    def __init__(self, columns: dict[str, int], variables: set[str]) -> None:
        self.columns = {k.lower(): v for k, v in columns.items()}
        self.variables = variables

    def column(self, col: Any) -> tuple[str | None, int]:
        name = col.name.lower()
        if name not in self.columns:
            raise InvalidProgramException(
                f"MATCH_RECOGNIZE: unknown column '{col.sql()}'; the input has {sorted(self.columns)}")
        var = col.table or None
        if var is not None and var not in self.variables:
            raise InvalidProgramException(
                f"MATCH_RECOGNIZE: '{col.sql()}' refers to '{var}', which is not a pattern variable "
                f"({sorted(self.variables)})")
        return var, self.columns[name]

    def compile(self, e: Any) -> Callable[[_Env], Any]:
        from sqlglot import exp

        if isinstance(e, exp.Paren):
            return self.compile(e.this)
        if isinstance(e, exp.Column):
            var, idx = self.column(e)

            def col(env: _Env, var=var, idx=idx):
                if env.current is not None and (var is None or var == env.current_var):
                    return env.current[idx]
                rows = env.var_rows(var)
                return rows[-1][idx] if rows else None
            return col
        if isinstance(e, exp.Literal):
            v = e.this if e.is_string else (float(e.this) if "." in e.this or "e" in e.this.lower() else int(e.this))
            return lambda env: v
        if isinstance(e, exp.Boolean):
            b = e.this
            return lambda env: b
        if isinstance(e, exp.Null):
            return lambda env: None
        binary = {exp.Add: lambda a, b: a + b, exp.Sub: lambda a, b: a - b, exp.Mul: lambda a, b: a * b,
                  exp.Div: lambda a, b: a / b, exp.Mod: lambda a, b: a % b,
                  exp.EQ: lambda a, b: a == b, exp.NEQ: lambda a, b: a != b, exp.LT: lambda a, b: a < b,
                  exp.LTE: lambda a, b: a <= b, exp.GT: lambda a, b: a > b, exp.GTE: lambda a, b: a >= b}
        for cls, op in binary.items():
            if type(e) is cls:
                left, right = self.compile(e.this), self.compile(e.expression)

                def bin_(env, left=left, right=right, op=op):
                    a, b = left(env), right(env)
                    return None if a is None or b is None else op(a, b)
                return bin_
        if isinstance(e, exp.And):
            left, right = self.compile(e.this), self.compile(e.expression)
            return lambda env: bool(left(env)) and bool(right(env))
        if isinstance(e, exp.Or):
            left, right = self.compile(e.this), self.compile(e.expression)
            return lambda env: bool(left(env)) or bool(right(env))
        if isinstance(e, exp.Not):
            inner = self.compile(e.this)
            return lambda env: not inner(env)
        if isinstance(e, exp.Neg):
            inner = self.compile(e.this)
            return lambda env: -inner(env)
        if isinstance(e, exp.Is) and isinstance(e.expression, exp.Null):
            inner = self.compile(e.this)
            return lambda env: inner(env) is None
        if isinstance(e, (exp.First, exp.Last)) or (
                isinstance(e, exp.Anonymous) and e.name.upper() in ("FIRST", "LAST", "PREV")):
            return self.navigation(e)
        aggregates = {exp.Sum: sum, exp.Min: min, exp.Max: max, exp.Count: len,
                      exp.Avg: lambda xs: sum(xs) / len(xs)}
        for cls, fn in aggregates.items():
            if type(e) is cls:
                arg = e.this
                if isinstance(arg, exp.Star) or arg is None:
                    return lambda env: len(env.var_rows(None))
                var, idx = self.column(arg)

                def agg(env, var=var, idx=idx, fn=fn):
                    xs = [r[idx] for r in env.var_rows(var) if r[idx] is not None]
                    return fn(xs) if xs or fn is len else None
                return agg
        raise InvalidProgramException(
            f"MATCH_RECOGNIZE: the expression '{e.sql()}' ({type(e).__name__}) is not supported in DEFINE/MEASURES")

    def navigation(self, e: Any) -> Callable[[_Env], Any]:
        from sqlglot import exp

        if isinstance(e, exp.Anonymous):
            kind = e.name.upper()
            args = e.expressions
        else:
            kind = "FIRST" if isinstance(e, exp.First) else "LAST"
            offset_arg = e.args.get("expression") or e.args.get("offset")
            args = [e.this] + ([offset_arg] if offset_arg is not None else [])
        if not args or not isinstance(args[0], exp.Column):
            raise InvalidProgramException(f"MATCH_RECOGNIZE: {kind} needs a column, got '{e.sql()}'")
        var, idx = self.column(args[0])
        offset = int(args[1].this) if len(args) > 1 else (1 if kind == "PREV" else 0)
        if kind == "PREV":
            def prev(env, idx=idx, offset=offset):
                seq = env.sequence if env.current is not None else env.sequence[:-1]
                return seq[-offset][idx] if 0 < offset <= len(seq) else None
            return prev

        def first_last(env, var=var, idx=idx, offset=offset, first=kind == "FIRST"):
            rows = env.var_rows(var)
            if offset >= len(rows):
                return None
            return rows[offset][idx] if first else rows[-1 - offset][idx]
        return first_last


def _sequence(match_rows: dict) -> list:
    # rows of a match in order: a variable's rows are in order, and variables follow each other
    out: list = []
    for rows in match_rows.values():
        out.extend(rows)
    return out


def compile_match_recognize(mr: Any, columns: dict[str, int], within_ms: int | None = None) -> CompiledMatchRecognize:
    """Compile a sqlglot ``MatchRecognize`` over rows with ``columns`` (name -> index)."""
    from sqlglot import exp

    if not isinstance(mr, exp.MatchRecognize):
        raise InvalidProgramException(
            f"compile_match_recognize needs a sqlglot MatchRecognize, got {type(mr).__name__}")
    rows_mode = mr.args.get("rows")
    if rows_mode is not None and "ONE ROW" not in rows_mode.sql().upper():
        raise InvalidProgramException(
            f"MATCH_RECOGNIZE: '{rows_mode.sql()}' is not supported; flinklite (like Flink) has ONE ROW PER MATCH")
    pattern_var = mr.args.get("pattern")
    if pattern_var is None:
        raise InvalidProgramException("MATCH_RECOGNIZE needs a PATTERN")
    steps = _parse_pattern(pattern_var.sql() if not isinstance(pattern_var, exp.Var) else pattern_var.name)
    variables = {name for name, _, _ in steps}
    order_of_vars = [name for name, _, _ in steps]  # variables follow each other in a match
    comp = _ExprCompiler(columns, variables)

    defines: dict[str, Callable] = {}
    for d in mr.args.get("define") or []:
        name = d.alias
        if name not in variables:
            raise InvalidProgramException(f"MATCH_RECOGNIZE: DEFINE {name} names no variable of the PATTERN")
        defines[name] = comp.compile(d.this)

    skip = _skip(mr.args.get("after"), variables)
    pattern: Pattern | None = None
    for i, (name, bounds, greedy) in enumerate(steps):
        pattern = Pattern.begin(name, skip) if pattern is None else pattern.next(name)
        cond = defines.get(name)
        if cond is not None:
            def test(row, ctx, cond=cond, var=name):
                rows = {v: ctx.get_events_for_pattern(v) for v in order_of_vars}
                return bool(cond(_Env(rows, row, var, _sequence(rows))))
            pattern.where(test)
        if bounds is not None:
            lo, hi = bounds
            if hi is None:
                if lo <= 1:
                    pattern.one_or_more()
                else:
                    pattern.times_or_more(lo)
                if lo == 0:
                    pattern.optional()
            elif (lo, hi) == (0, 1):
                pattern.optional()
            else:
                pattern.times(lo, hi)
            if (lo, hi) != (0, 1):
                pattern.consecutive()
                if greedy and i < len(steps) - 1:
                    pattern.greedy()
    assert pattern is not None
    if within_ms is not None:
        pattern.within(within_ms)

    names: list[str] = []
    partition = [c.name for c in mr.args.get("partition_by") or []]
    partition_idx = [comp.columns[c.lower()] for c in partition]
    names.extend(partition)
    measure_fns = []
    for m in mr.args.get("measures") or []:
        expr = m.this if isinstance(m, exp.MatchRecognizeMeasure) else m
        if not isinstance(expr, exp.Alias):
            raise InvalidProgramException(f"MATCH_RECOGNIZE: the measure '{expr.sql()}' needs a name (AS ...)")
        names.append(expr.alias)
        measure_fns.append(comp.compile(expr.this))
    order = mr.args.get("order")
    order_by = [o.this.name for o in order.expressions] if order is not None else []

    def measures(match: dict) -> tuple:
        env = _Env(match, None, None, _sequence(match))
        first_row = env.sequence[0]
        return tuple(first_row[i] for i in partition_idx) + tuple(f(env) for f in measure_fns)

    return CompiledMatchRecognize(pattern, measures, names, partition, order_by)


def _skip(after: Any, variables: set[str]) -> AfterMatchSkipStrategy:
    if after is None:
        return AfterMatchSkipStrategy.skip_past_last_event()
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
            return AfterMatchSkipStrategy.skip_to_first(var)
        return AfterMatchSkipStrategy.skip_to_last(var)
    raise InvalidProgramException(f"MATCH_RECOGNIZE: '{after.sql()}' is not a supported AFTER MATCH clause")
