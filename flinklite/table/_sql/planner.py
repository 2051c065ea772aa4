"""The planner: a parsed SELECT (sqlglot tree) -> a tree of relational nodes (:class:`Rel`), and
each Rel -> DataStream operators of flinklite's runtime (``Rel.build``).

How SQL maps to operators (details in docs/concepts/sql.md):

=====================================  ==========================================================
SQL                                    operators
=====================================  ==========================================================
table / view / VALUES / DataStream     a source (or the DataStream) + a map to ``(RowKind, row)``
WHERE + SELECT (no aggregates)         one ``flat_map`` running the compiled closures (Calc)
GROUP BY                               ``key_by(group columns)`` + :class:`GroupAggFunction`
FROM TABLE(TUMBLE/HOP/CUMULATE ..)     a ``flat_map`` assigning each row its windows
 ... GROUP BY window_start, window_end ``key_by`` + :class:`WindowAggFunction` (event-time timers)
SESSION TVF / GROUP BY SESSION(..)     ``key_by`` + :class:`SessionWindowAggFunction`
agg OVER (PARTITION BY .. ORDER BY rt) ``key_by(partition)`` + :class:`OverAggFunction`
a JOIN b ON a.k = b.k                  ``connect`` + ``key_by`` both + :class:`JoinFunction`
ROW_NUMBER() .. WHERE rn <= N          ``key_by(partition)`` + :class:`RankFunction`
ORDER BY / LIMIT                       ``key_by(constant)`` + :class:`SortLimitFunction` (p = 1)
UNION ALL                              ``union``
MATCH_RECOGNIZE                        ``key_by(partition)`` + the CEP operator, its Pattern made by
                                       ``flinklite.cep._match_recognize.compile_match_recognize``
=====================================  ==========================================================
"""

from __future__ import annotations

import datetime
from typing import Any

from sqlglot import exp

from flinklite.errors import ValidationException
from flinklite.table._sql import dialect as fd
from flinklite.table._sql import operators as ops
from flinklite.table._sql import types as ty
from flinklite.table._sql.aggs import AGG_NAMES, AggSpec, make_agg
from flinklite.table._sql.expr import Compiled, ExprCompiler, Field, Scope, interval_ms, validation_error
from flinklite.table._sql.types import T

__all__ = ["Rel", "Planner", "PlanContext", "safe_key"]

_SAFE_KEY_TYPES = (str, int, float, bool, type(None))


def safe_key(values: tuple) -> Any:
    """A key the runtime can hash deterministically (Decimal, date... become their text)."""
    return tuple(v if isinstance(v, _SAFE_KEY_TYPES) else repr(v) for v in values) if values else 0


class PlanContext:
    """What building a Rel needs: the DataStream environment, the mode and the session zone."""

    def __init__(self, env: Any, batch: bool, tz: datetime.tzinfo | None) -> None:
        self.env = env
        self.batch = batch
        self.tz = tz


class Rel:
    """A relational node: ``fields`` (names, types, rowtime flag), ``append_only`` (no
    retractions in its changelog) and ``build(ctx) -> DataStream of (RowKind, tuple)``."""

    fields: list[Field]
    append_only: bool = True
    # (window_start, window_end, window_time) indices when the rows carry windows (TVF output)
    window_cols: tuple | None = None
    session: tuple | None = None  # (partition column indices, rowtime index, gap ms) for SESSION TVF

    def build(self, ctx: PlanContext) -> Any:
        raise NotImplementedError

    def rowtime(self) -> int | None:
        for i, f in enumerate(self.fields):
            if f.rowtime:
                return i
        return None

    def explain(self, depth: int = 0) -> str:
        return "  " * depth + self.describe() + "\n" + "".join(c.explain(depth + 1) for c in self.children())

    def describe(self) -> str:
        return type(self).__name__ + "(" + ", ".join(f.name for f in self.fields) + ")"

    def children(self) -> list[Rel]:
        return []


class StreamRel(Rel):
    """A DataStream already carrying ``(RowKind, tuple)`` records (from_data_stream, a source)."""

    def __init__(self, fields: list[Field], make: Any, append_only: bool = True, name: str = "Scan") -> None:
        self.fields = fields
        self.make = make
        self.append_only = append_only
        self.name = name
        self._cache: dict = {}

    def build(self, ctx: PlanContext) -> Any:
        key = id(ctx.env)
        if key not in self._cache:
            self._cache[key] = self.make(ctx)
        return self._cache[key]

    def describe(self) -> str:
        fields = f"fields=[{', '.join(f.name for f in self.fields)}])"
        return self.name + fields if self.name.endswith(", ") else f"{self.name}({fields}"


class ValuesRel(Rel):
    def __init__(self, fields: list[Field], rows: list[tuple]) -> None:
        self.fields = fields
        self.rows = rows

    def build(self, ctx: PlanContext) -> Any:
        return ctx.env.from_collection(list(self.rows)).map(lambda r: (ops.INSERT, tuple(r)))

    def describe(self) -> str:
        return f"Values(tuples={len(self.rows)}, fields=[{', '.join(f.name for f in self.fields)}])"


class CalcRel(Rel):
    def __init__(self, child: Rel, fields: list[Field], projections: list | None, condition: Any,
                 text: str = "") -> None:
        self.child = child
        self.fields = fields
        self.projections = projections
        self.condition = condition
        self.append_only = child.append_only
        self.text = text

    def children(self) -> list[Rel]:
        return [self.child]

    def describe(self) -> str:
        return f"Calc({self.text})"

    def build(self, ctx: PlanContext) -> Any:
        cond, projs = self.condition, self.projections
        if projs is None:
            return self.child.build(ctx).filter(lambda rec: cond(rec[1]) is True)
        if cond is None:
            def calc(rec: tuple) -> tuple:
                row = rec[1]
                return (rec[0], tuple([p(row) for p in projs]))

            return self.child.build(ctx).map(calc).name("Calc")

        def calc_filter(rec: tuple) -> Any:
            row = rec[1]
            if cond(row) is True:
                yield (rec[0], tuple([p(row) for p in projs]))

        return self.child.build(ctx).flat_map(calc_filter).name("Calc")


class WindowTVFRel(Rel):
    """TUMBLE / HOP / CUMULATE / SESSION over a time attribute: the input's columns plus
    window_start, window_end (TIMESTAMP(3)) and window_time (the new time attribute)."""

    def __init__(self, child: Rel, kind: str, time_idx: int, params: list[int], partition: list[int]) -> None:
        self.child = child
        self.kind = kind
        self.time_idx = time_idx
        self.params = params
        tt = child.fields[time_idx].type
        wt = T.TIMESTAMP_LTZ3 if tt.name == "TIMESTAMP_LTZ" else T.TIMESTAMP3
        self.fields = [Field(f.name, f.type, f.qualifier, False) for f in child.fields] + [
            Field("window_start", T.TIMESTAMP3.not_null()), Field("window_end", T.TIMESTAMP3.not_null()),
            Field("window_time", wt.not_null(), rowtime=True)]
        n = len(child.fields)
        self.window_cols = (n, n + 1, n + 2)
        if kind == "SESSION":
            self.session = (partition, time_idx, params[0])
        self.append_only = child.append_only

    def children(self) -> list[Rel]:
        return [self.child]

    def describe(self) -> str:
        return f"WindowTableFunction({self.kind}, time_col={self.child.fields[self.time_idx].name}, " \
               f"params={self.params})"

    def assigner(self) -> Any:
        t = self.time_idx
        k, p = self.kind, self.params
        if k == "TUMBLE":
            size = p[0]
            offset = p[1] if len(p) > 1 else 0

            def tumble(row: tuple) -> list:
                ts = row[t]
                if ts is None:
                    return []
                start = ts - (ts - offset) % size
                return [(start, start + size)]

            return tumble
        if k == "HOP":
            slide, size = p[0], p[1]
            offset = p[2] if len(p) > 2 else 0

            def hop(row: tuple) -> list:
                ts = row[t]
                if ts is None:
                    return []
                last = ts - (ts - offset) % slide
                out = []
                start = last
                while start > ts - size:
                    out.append((start, start + size))
                    start -= slide
                return out[::-1]

            return hop
        if k == "CUMULATE":
            step, max_size = p[0], p[1]
            offset = p[2] if len(p) > 2 else 0

            def cumulate(row: tuple) -> list:
                ts = row[t]
                if ts is None:
                    return []
                start = ts - (ts - offset) % max_size
                out = []
                end = start + step
                while end <= start + max_size:
                    if end > ts:
                        out.append((start, end))
                    end += step
                return out

            return cumulate
        raise ValidationException("SESSION windows can only be aggregated (GROUP BY window_start, window_end)")

    def build(self, ctx: PlanContext) -> Any:
        assign = self.assigner()

        def windows(rec: tuple) -> Any:
            row = rec[1]
            for s, e in assign(row):
                yield (rec[0], row + (s, e, e - 1))

        return self.child.build(ctx).flat_map(windows).name("WindowTableFunction")


class AggRel(Rel):
    """GROUP BY (plain, window TVF, or session) -> the group columns, [window_start, window_end,
    window_time], then the aggregate values."""

    def __init__(self, child: Rel, key_idx: list[int], aggs: list[AggSpec], mode: str,
                 window: Any = None) -> None:
        self.child = child
        self.key_idx = key_idx
        self.aggs = aggs
        self.mode = mode  # "group" | "window" | "session"
        self.window = window
        fields = [Field(child.fields[i].name, child.fields[i].type, child.fields[i].qualifier) for i in key_idx]
        if mode != "group":
            wt = T.TIMESTAMP_LTZ3
            if window is not None and window.get("time_type") is not None:
                wt = window["time_type"]
            n = len(fields)
            fields += [Field("window_start", T.TIMESTAMP3.not_null()), Field("window_end", T.TIMESTAMP3.not_null()),
                       Field("window_time", wt.not_null(), rowtime=True)]
            self.window_cols = (n, n + 1, n + 2)
        fields += [Field(f"EXPR${i}", a.result_type) for i, a in enumerate(aggs)]
        self.fields = fields
        self.append_only = mode != "group"

    def children(self) -> list[Rel]:
        return [self.child]

    def describe(self) -> str:
        what = {"group": "GroupAggregate", "window": "WindowAggregate", "session": "SessionWindowAggregate"}
        keys = [self.child.fields[i].name for i in self.key_idx]
        return f"{what[self.mode]}(groupBy=[{', '.join(keys)}], select=[{', '.join(a.name for a in self.aggs)}])"

    def build(self, ctx: PlanContext) -> Any:
        idx = self.key_idx
        stream = self.child.build(ctx)
        key_of = (lambda row: tuple(row[i] for i in idx)) if idx else (lambda row: ())
        keyed = stream.key_by(lambda rec: safe_key(key_of(rec[1])))
        if self.mode == "group":
            return keyed.process(ops.GroupAggFunction(key_of, self.aggs, ctx.batch)).name("GroupAggregate")
        if self.mode == "window":
            ws, we = self.window["cols"]
            return keyed.process(ops.WindowAggFunction(key_of, lambda row: (row[ws], row[we]), self.aggs)).name(
                "WindowAggregate")
        t = self.window["time_idx"]
        return keyed.process(ops.SessionWindowAggFunction(key_of, lambda row: row[t], self.window["gap"],
                                                          self.aggs)).name("WindowAggregate")


class OverRel(Rel):
    def __init__(self, child: Rel, partition: list[int], time_idx: int, frame: tuple, aggs: list[AggSpec]) -> None:
        self.child = child
        self.partition = partition
        self.time_idx = time_idx
        self.frame = frame
        self.aggs = aggs
        self.fields = list(child.fields) + [Field(f"w0$o{i}", a.result_type) for i, a in enumerate(aggs)]

    def children(self) -> list[Rel]:
        return [self.child]

    def describe(self) -> str:
        return f"OverAggregate(partitionBy={self.partition}, orderBy={self.child.fields[self.time_idx].name}, " \
               f"{self.frame[0]} {self.frame[1]} PRECEDING)"

    def build(self, ctx: PlanContext) -> Any:
        p, t = self.partition, self.time_idx
        keyed = self.child.build(ctx).key_by(lambda rec: safe_key(tuple(rec[1][i] for i in p)))
        return keyed.process(ops.OverAggFunction(lambda row: row[t], self.frame, self.aggs, ctx.batch)).name(
            "OverAggregate")


class JoinRel(Rel):
    def __init__(self, left: Rel, right: Rel, join_type: str, left_keys: list, right_keys: list,
                 residual: Any) -> None:
        self.left, self.right = left, right
        self.join_type = join_type
        self.left_keys, self.right_keys = left_keys, right_keys
        self.residual = residual
        lf = [Field(f.name, f.type if join_type in ("INNER", "LEFT") else f.type.nullable(), f.qualifier)
              for f in left.fields]
        rf = [Field(f.name, f.type, f.qualifier) for f in right.fields]
        self.fields = lf + rf
        self.append_only = join_type == "INNER" and left.append_only and right.append_only

    def children(self) -> list[Rel]:
        return [self.left, self.right]

    def describe(self) -> str:
        return f"Join(joinType=[{self.join_type}Join], leftKeys={self.left_keys}, rightKeys={self.right_keys})"

    def build(self, ctx: PlanContext) -> Any:
        lk, rk = self.left_keys, self.right_keys
        # built right first: flinklite's scheduler runs the later-built of two ready sources first,
        # so the left input tends to arrive first (as in Flink's runs of small bounded inputs)
        right = self.right.build(ctx)
        left = self.left.build(ctx)
        fn = ops.JoinFunction(self.join_type, len(self.left.fields), len(self.right.fields), self.residual)
        return (left.connect(right)
                .key_by(lambda rec: safe_key(tuple(f(rec[1]) for f in lk)),
                        lambda rec: safe_key(tuple(f(rec[1]) for f in rk)))
                .process(fn).name("Join"))


class CorrelateRel(Rel):
    """``FROM t, LATERAL TABLE(f(..))`` / ``LEFT JOIN LATERAL TABLE(f(..)) ON TRUE``: each input row
    joined with the rows the table function yields for it (Flink's Correlate); the input row's kind
    is kept, so a retraction of the input retracts its joined rows."""

    def __init__(self, child: Rel, call: Any, arg_fns: list, extra: list[Field], outer: bool) -> None:
        self.child = child
        self.call = call
        self.arg_fns = arg_fns
        self.fields = list(child.fields) + extra
        self.outer = outer
        self.append_only = child.append_only

    def children(self) -> list[Rel]:
        return [self.child]

    def describe(self) -> str:
        kind = "LEFT" if self.outer else "INNER"
        return f"Correlate(joinType=[{kind}], fields=[{', '.join(f.name for f in self.fields)}])"

    def build(self, ctx: PlanContext) -> Any:
        call, fns, outer = self.call, self.arg_fns, self.outer
        width = len(self.fields) - len(self.child.fields)
        nulls = (None,) * width

        def correlate(rec: tuple) -> Any:
            kind, row = rec
            produced = call(*[f(row) for f in fns])
            out = []
            for r in produced if produced is not None else ():
                if width == 1 and not isinstance(r, (tuple, list)) and not hasattr(r, "_values"):
                    r = (r,)
                out.append((kind, row + tuple(r)))
            if not out and outer:
                out.append((kind, row + nulls))
            return out

        return self.child.build(ctx).flat_map(correlate).name("Correlate")


class MatchRecognizeRel(Rel):
    """Rows of the input keyed by the PARTITION BY columns into the CEP operator (event time: rows
    are matched in rowtime order once the watermark passes them); each match is one output row
    (partition columns, then the measures), append-only as in Flink."""

    def __init__(self, child: Rel, compiled: Any, partition: list[int], fields: list[Field]) -> None:
        self.child = child
        self.compiled = compiled
        self.partition = partition
        self.fields = fields

    def children(self) -> list[Rel]:
        return [self.child]

    def describe(self) -> str:
        return f"Match(partitionBy={self.partition}, measures=[{', '.join(f.name for f in self.fields)}])"

    def build(self, ctx: PlanContext) -> Any:

        # the CEP package keys by the PARTITION BY columns and runs the pattern in rowtime order
        matches, _names = self.compiled.apply(self.child.build(ctx), input_row=lambda rec: rec[1],
                                              output_row=lambda values: (ops.INSERT, values))
        return matches.name("Match")


def _measure_type(expr: exp.Expression, by_name: dict) -> Any:
    """A MEASURES expression's type: COUNT is BIGINT; otherwise the type of the column it reads
    (``A.price``, ``LAST(A.rt)``, ``SUM(A.v)``); STRING when it reads none."""
    if isinstance(expr, exp.Count):
        return T.BIGINT
    col = next(iter(expr.find_all(exp.Column)), None)
    if col is None or col.name.lower() not in by_name:
        return T.STRING
    return by_name[col.name.lower()].type


class UnionRel(Rel):
    def __init__(self, inputs: list[Rel]) -> None:
        self.inputs = inputs
        self.fields = [Field(f.name, f.type, None, f.rowtime and all(i.fields[k].rowtime for i in inputs))
                       for k, f in enumerate(inputs[0].fields)]
        self.append_only = all(i.append_only for i in inputs)

    def children(self) -> list[Rel]:
        return list(self.inputs)

    def describe(self) -> str:
        return "Union(all=[true])"

    def build(self, ctx: PlanContext) -> Any:
        streams = [i.build(ctx) for i in self.inputs]
        return streams[0].union(*streams[1:])


class SortLimitRel(Rel):
    def __init__(self, child: Rel, cmp: Any, limit: int | None, offset: int) -> None:
        self.child = child
        self.cmp = cmp
        self.limit = limit
        self.offset = offset
        self.fields = child.fields
        self.append_only = child.append_only

    def children(self) -> list[Rel]:
        return [self.child]

    def describe(self) -> str:
        return f"SortLimit(limit={self.limit}, offset={self.offset})"

    def build(self, ctx: PlanContext) -> Any:
        s = self.child.build(ctx).key_by(lambda rec: 0).process(
            ops.SortLimitFunction(self.cmp, self.limit, self.offset, ctx.batch)).name("SortLimit")
        return s.set_parallelism(1)


class RankRel(Rel):
    def __init__(self, child: Rel, partition: list[int], cmp: Any, n: int, with_rank: bool) -> None:
        self.child = child
        self.partition = partition
        self.cmp = cmp
        self.n = n
        self.with_rank = with_rank
        self.fields = list(child.fields) + ([Field("rn", T.BIGINT.not_null())] if with_rank else [])
        self.append_only = False

    def children(self) -> list[Rel]:
        return [self.child]

    def describe(self) -> str:
        return f"Rank(rankType=[ROW_NUMBER], rankRange=[rankStart=1, rankEnd={self.n}], partitionBy={self.partition})"

    def build(self, ctx: PlanContext) -> Any:
        p = self.partition
        return self.child.build(ctx).key_by(lambda rec: safe_key(tuple(rec[1][i] for i in p))).process(
            ops.RankFunction(self.cmp, self.n, self.with_rank)).name("Rank")


class DedupRel(Rel):
    """``ROW_NUMBER() OVER (PARTITION BY k ORDER BY rowtime ASC|DESC) = 1``: Flink's row-time
    deduplication (first row, or last row as an update changelog)."""

    def __init__(self, child: Rel, partition: list[int], time_idx: int, keep_last: bool) -> None:
        self.child = child
        self.partition = partition
        self.time_idx = time_idx
        self.keep_last = keep_last
        self.fields = list(child.fields)
        self.append_only = False

    def children(self) -> list[Rel]:
        return [self.child]

    def describe(self) -> str:
        keep = "LastRow" if self.keep_last else "FirstRow"
        return f"Deduplicate(keep=[{keep}], key={self.partition}, order=[ROWTIME])"

    def build(self, ctx: PlanContext) -> Any:
        p = self.partition
        return self.child.build(ctx).key_by(lambda rec: safe_key(tuple(rec[1][i] for i in p))).process(
            ops.DeduplicateFunction(self.time_idx, self.keep_last)).name("Deduplicate")


def _cmp_values(a: Any, b: Any, desc: bool, nulls_first: bool) -> int:
    if a is None or b is None:
        if a is None and b is None:
            return 0
        return (-1 if nulls_first else 1) * (1 if a is None else -1)
    c = (a > b) - (a < b)
    return -c if desc else c


def make_comparator(keys: list[tuple[Any, bool, bool]]) -> Any:
    """A cmp(row_a, row_b) over ``(value_fn, desc, nulls_first)`` sort keys."""

    def cmp(a: tuple, b: tuple) -> int:
        for fn, desc, nf in keys:
            c = _cmp_values(fn(a), fn(b), desc, nf)
            if c:
                return c
        return 0

    return cmp


_WINDOW_AUX = {
    "TUMBLE_START": ("TUMBLE", 0), "TUMBLE_END": ("TUMBLE", 1), "TUMBLE_ROWTIME": ("TUMBLE", 2),
    "HOP_START": ("HOP", 0), "HOP_END": ("HOP", 1), "HOP_ROWTIME": ("HOP", 2),
    "SESSION_START": ("SESSION", 0), "SESSION_END": ("SESSION", 1), "SESSION_ROWTIME": ("SESSION", 2),
    "TUMBLE_PROCTIME": ("TUMBLE", 2), "HOP_PROCTIME": ("HOP", 2), "SESSION_PROCTIME": ("SESSION", 2),
}


def _agg_name(node: exp.Expression, udafs: dict) -> str | None:
    if isinstance(node, exp.Filter):  # agg(..) FILTER (WHERE ..)
        return _agg_name(node.this, udafs)
    if isinstance(node, exp.Anonymous):
        n = node.name.upper()
        return n if n in udafs or n in AGG_NAMES else None
    if isinstance(node, exp.Count):
        return "COUNT"
    if isinstance(node, exp.AggFunc):
        n = {"Sum": "SUM", "Avg": "AVG", "Min": "MIN", "Max": "MAX", "Stddev": "STDDEV_SAMP",
             "StddevPop": "STDDEV_POP", "StddevSamp": "STDDEV_SAMP", "Variance": "VAR_SAMP",
             "VariancePop": "VAR_POP", "FirstValue": "FIRST_VALUE", "LastValue": "LAST_VALUE",
             "GroupConcat": "LISTAGG", "ArrayAgg": "COLLECT"}.get(type(node).__name__)
        return n
    return None


class Planner:
    """Plans SELECT statements against a catalog (``resolve_table(name_node) -> Rel``)."""

    def __init__(self, resolve_table: Any, functions: dict, sql: str | None, tz: datetime.tzinfo | None,
                 batch: bool) -> None:
        self.resolve_table = resolve_table
        self.functions = functions
        self.sql = sql
        self.tz = tz
        self.batch = batch

    def error(self, node: exp.Expression | None, msg: str) -> ValidationException:
        return validation_error(node, self.sql, msg)

    def compiler(self, scope: Scope, special: Any = None) -> ExprCompiler:
        return ExprCompiler(scope, self.sql, self.functions, self.tz, special)

    # -- entry -------------------------------------------------------------------------------------
    def plan(self, node: exp.Expression) -> Rel:
        if isinstance(node, exp.Subquery):
            return self.plan(node.this)
        if isinstance(node, exp.Union):
            if node.args.get("distinct"):
                inner = UnionRel([self.plan(node.left), self.plan(node.right)])
                rel: Rel = AggRel(inner, list(range(len(inner.fields))), [], "group")
            else:
                rel = UnionRel(self._flatten_union(node))
            return self._order_limit(node, rel, Scope(rel.fields))
        if isinstance(node, exp.Values):
            return self._values(node)
        if not isinstance(node, exp.Select):
            raise self.error(node, f"unsupported query {node.sql()[:80]!r}")
        return self._select(node)

    def _flatten_union(self, node: exp.Expression) -> list[Rel]:
        if isinstance(node, exp.Union) and not node.args.get("distinct"):
            return self._flatten_union(node.left) + self._flatten_union(node.right)
        return [self.plan(node)]

    # -- FROM --------------------------------------------------------------------------------------
    def _from_item(self, node: exp.Expression) -> tuple[Rel, str | None]:
        if isinstance(node, exp.Table) and isinstance(node.this, exp.Anonymous) and node.this.name.upper() == "TABLE":
            inner = node.this.expressions[0]
            return self._window_tvf(inner), node.alias or None
        if isinstance(node, exp.Table) and isinstance(node.this, exp.Anonymous) and \
                node.this.name.upper() in fd.WINDOW_TVFS:
            return self._window_tvf(node.this), node.alias or None
        if isinstance(node, exp.Table):
            rel = self.resolve_table(node)
            return rel, node.alias or node.name
        if isinstance(node, exp.Subquery):
            inner = node.this
            if isinstance(inner, exp.Values):
                rel = self._values(inner)
            else:
                rel = self.plan(inner)
            ta = node.args.get("alias")
            if ta is not None and ta.columns:
                names = [c.name for c in ta.columns]
                if len(names) != len(rel.fields):
                    raise self.error(node, f"List of column aliases must have same degree as table; table has "
                                           f"{len(rel.fields)} columns, alias list has {len(names)}")
                rel = _rename(rel, names)
            return rel, node.alias or None
        if isinstance(node, exp.Values):
            rel = self._values(node)
            return rel, node.alias or None
        raise self.error(node, f"unsupported FROM item {node.sql()[:80]!r}")

    def _match_recognize(self, rel: Rel, mr: exp.MatchRecognize) -> Rel:
        """``FROM t MATCH_RECOGNIZE (...)``: the clause compiled to a CEP Pattern by the CEP
        package (``compile_match_recognize``), run on the keyed input in event time."""
        from flinklite.cep._match_recognize import compile_match_recognize
        from flinklite.errors import InvalidProgramException

        if not rel.append_only:
            raise self.error(mr, "Match Recognize doesn't support consuming update and delete changes")
        columns = {f.name: i for i, f in enumerate(rel.fields)}
        rowtime = next((f.name for f in rel.fields if f.rowtime), None)
        try:
            compiled = compile_match_recognize(mr, columns, within_ms=mr.meta.get("within_ms"), rowtime=rowtime)
        except InvalidProgramException as e:
            raise self.error(mr, str(e)) from None
        order = [name for name, _ascending in compiled.order_by]
        by_name = {f.name.lower(): f for f in rel.fields}
        if not self.batch and (len(order) < 1 or order[0].lower() not in by_name or
                               not by_name[order[0].lower()].rowtime):
            raise self.error(mr, "MATCH_RECOGNIZE must be ORDER BY an ascending time attribute (the rowtime)")
        partition = [columns[next(n for n in columns if n.lower() == p.lower())] for p in compiled.partition_by]
        fields = [Field(rel.fields[i].name, rel.fields[i].type) for i in partition]
        for m, name in zip(mr.args.get("measures") or [], compiled.output_names[len(partition):]):
            expr = m.this.this if isinstance(m.this, exp.Alias) else m.this
            fields.append(Field(name, _measure_type(expr, by_name)))
        return MatchRecognizeRel(rel, compiled, partition, fields)

    def _values(self, node: exp.Values) -> Rel:
        comp = self.compiler(Scope([]))
        rows = []
        col_types: list[list] = []
        for tup in node.expressions:
            items = tup.expressions if isinstance(tup, exp.Tuple) else [tup]
            compiled = [comp.compile(e) for e in items]
            rows.append(compiled)
            for i, c in enumerate(compiled):
                if len(col_types) <= i:
                    col_types.append([])
                col_types[i].append(c.type)
        types = [comp._common(ts, node) for ts in col_types]
        types = [T.STRING if t.name == "NULL" else t for t in types]
        values = []
        for compiled in rows:
            values.append(tuple(comp._coerce(c.fn, c.type, t)(None) for c, t in zip(compiled, types)))
        ta = node.args.get("alias")
        if ta is not None and ta.columns:
            names = [c.name for c in ta.columns]
        else:
            names = [f"EXPR${i}" for i in range(len(types))]
        # a VALUES column without NULLs is NOT NULL (DESCRIBE shows it), as in Flink
        types = [t.not_null() if values and all(v[i] is not None for v in values) else t
                 for i, t in enumerate(types)]
        return ValuesRel([Field(n, t) for n, t in zip(names, types)], values)

    def _window_tvf(self, call: exp.Expression) -> Rel:
        if not isinstance(call, exp.Anonymous) or call.name.upper() not in fd.WINDOW_TVFS:
            raise self.error(call, f"unsupported table function {call.sql()[:60]!r}")
        kind = call.name.upper()
        args = list(call.expressions)
        table_arg = next((a for a in args if isinstance(a, fd.TableArg)), None)
        desc = next((a for a in args if isinstance(a, fd.Descriptor)), None)
        if table_arg is None or desc is None:
            raise self.error(call, f"{kind} needs TABLE <name> and DESCRIPTOR(<time column>) arguments")
        child = self.resolve_table(table_arg.this)
        scope = Scope(child.fields)
        t = scope.lookup(desc.this.name, None)
        if t is None:
            raise self.error(desc.this, f"Column '{desc.this.name}' not found in table "
                                        f"'{table_arg.this.name}'")
        tt = child.fields[t].type
        if not ty.is_timestamp(tt):
            raise self.error(desc.this, f"The window function requires the timecol is a time attribute type, "
                                        f"but is {tt}.")
        if not self.batch and not child.fields[t].rowtime:
            raise self.error(desc.this, f"column '{desc.this.name}' is not a time attribute: declare a "
                                        "WATERMARK on it (or run in batch mode)")
        params = []
        for a in args:
            if isinstance(a, (fd.TableArg, fd.Descriptor)):
                continue
            ms = interval_ms(a)
            if ms is None:
                raise self.error(a, f"{kind}: expected an INTERVAL argument, got {a.sql()!r}")
            params.append(ms)
        partition = []
        for p in table_arg.args.get("partition_by") or []:
            i = scope.lookup(p.name, None)
            if i is None:
                raise self.error(p, f"Column '{p.name}' not found in any table")
            partition.append(i)
        need = {"TUMBLE": 1, "HOP": 2, "CUMULATE": 2, "SESSION": 1}[kind]
        if len(params) < need:
            raise self.error(call, f"{kind} needs {need} INTERVAL argument(s)")
        return WindowTVFRel(child, kind, t, params, partition)

    def _from(self, select: exp.Select) -> Rel:
        from_ = select.args.get("from_") or select.args.get("from")
        if from_ is None:
            return ValuesRel([], [()])
        rel, alias = self._from_item(from_.this)
        mr = select.args.get("match")
        if mr is not None:
            rel = self._match_recognize(rel, mr)
            mr_alias = mr.args.get("alias")
            alias = mr_alias.name if mr_alias is not None else None
        rel = _qualify(rel, alias)
        for join in select.args.get("joins") or []:
            if isinstance(join.this, exp.Lateral):
                rel = self._lateral(rel, join)
                continue
            right, ralias = self._from_item(join.this)
            right = _qualify(right, ralias)
            rel = self._join(rel, right, join)
        return rel

    def _lateral(self, left: Rel, join: exp.Join) -> Rel:
        from flinklite.table.udf import UserDefinedTableFunctionWrapper

        lat = join.this
        call = lat.this
        if isinstance(call, exp.Anonymous) and call.name.upper() == "TABLE" and call.expressions:
            call = call.expressions[0]
        name = call.name.upper() if isinstance(call, exp.Func) else ""
        f = self.functions.get(name)
        if not isinstance(f, UserDefinedTableFunctionWrapper):
            raise self.error(call, f"LATERAL TABLE needs a registered table function (udtf), got "
                                   f"{call.sql()[:60]!r}")
        side = (join.side or "").upper()
        on = join.args.get("on")
        if side == "LEFT" and not (on is None or isinstance(on, exp.Boolean) and on.this is True):
            raise self.error(on, "LEFT JOIN LATERAL TABLE(..) only supports ON TRUE")
        comp = self.compiler(Scope(left.fields))
        args = [comp.compile(a) for a in call.expressions]
        types = list(f.result_types)
        alias = lat.args.get("alias")
        names = [c.name for c in alias.columns] if alias is not None and alias.columns else \
            (list(f.result_names) if getattr(f, "result_names", None) else [f"f{i}" for i in range(len(types))])
        if len(names) != len(types):
            raise self.error(lat, f"the table function {name} returns {len(types)} column(s), the alias names "
                                  f"{len(names)}")
        qualifier = alias.name if alias is not None and alias.name else None
        extra = [Field(n, t if t is not None else T.STRING, qualifier) for n, t in zip(names, types)]
        return CorrelateRel(left, f.eval_fn(), [a.fn for a in args], extra, side == "LEFT")

    def _join(self, left: Rel, right: Rel, join: exp.Join) -> Rel:
        side = (join.side or "").upper()
        kind = (join.kind or "").upper()
        jt = {"LEFT": "LEFT", "RIGHT": "RIGHT", "FULL": "FULL"}.get(side, "INNER")
        if kind == "CROSS":
            jt = "INNER"
        on = join.args.get("on")
        scope = Scope(left.fields + right.fields)
        nl = len(left.fields)
        comp = self.compiler(scope)
        lkeys, rkeys, residual = [], [], []
        conjuncts = list(_conjuncts(on)) if on is not None else []
        for c in conjuncts:
            if isinstance(c, exp.EQ):
                sides = [_side_of(c.this, scope, nl), _side_of(c.expression, scope, nl)]
                if sides == ["L", "R"] or sides == ["R", "L"]:
                    a, b = (c.this, c.expression) if sides[0] == "L" else (c.expression, c.this)
                    la, rb = comp.compile(a), comp.compile(b)
                    lkeys.append(la.fn)
                    rkeys.append(_shift(rb.fn, nl))
                    continue
            residual.append(c)
        res_fn = None
        if residual:
            fns = [comp._bool(c) for c in residual]

            def res_fn(lrow: tuple, rrow: tuple) -> bool:
                row = lrow + rrow
                return all(f(row) is True for f in fns)
        if not lkeys and jt != "INNER" and on is not None:
            raise self.error(on, "outer joins need at least one equality condition between the two inputs")
        return JoinRel(left, right, jt, lkeys, rkeys, res_fn)

    # -- SELECT ------------------------------------------------------------------------------------
    def _select(self, select: exp.Select) -> Rel:
        rank = self.plan_rank(select)
        if rank is not None:
            return self._order_limit(select, rank, None)
        rel = self._from(select)
        where = select.args.get("where")
        if where is not None:
            cond = self.compiler(Scope(rel.fields))._bool(where.this)
            rel = CalcRel(rel, rel.fields, None, cond, "where=[" + where.this.sql() + "]")
        group = select.args.get("group")
        exprs = self._expand_star(select, rel)
        named_windows = {w.alias_or_name: w for w in select.args.get("windows") or []}
        aggs_in_select = [a for e in exprs for a in self._find_aggs(e)]
        having = select.args.get("having")
        if group is not None or aggs_in_select or (having is not None):
            return self._order_limit(select, self._aggregate(select, rel, exprs, group, having), None)
        overs = [w for e in exprs for w in e.find_all(exp.Window) if isinstance(w, exp.Window)]
        if overs:
            if _is_row_number(overs[0], named_windows):
                return self._order_limit(select, self._row_number_projection(select, rel, exprs, overs[0],
                                                                             named_windows), None)
            return self._order_limit(select, self._over(select, rel, exprs, overs, named_windows), None)
        out = self._project(rel, exprs, Scope(rel.fields))
        if select.args.get("distinct"):
            out = AggRel(out, list(range(len(out.fields))), [], "group")
        return self._order_limit(select, out, None)

    def _expand_star(self, select: exp.Select, rel: Rel) -> list[exp.Expression]:
        out: list[exp.Expression] = []
        for e in select.expressions:
            if isinstance(e, exp.Star):
                out.extend(_col_expr(f) for f in rel.fields)
            elif isinstance(e, exp.Column) and isinstance(e.this, exp.Star):
                q = e.table
                hits = [f for f in rel.fields if f.qualifier == q]
                if not hits:
                    raise self.error(e, f"Table '{q}' not found")
                out.extend(_col_expr(f) for f in hits)
            else:
                out.append(e)
        return out

    def _project(self, rel: Rel, exprs: list[exp.Expression], scope: Scope, special: Any = None) -> Rel:
        comp = self.compiler(scope, special)
        fields, fns = [], []
        for i, e in enumerate(exprs):
            inner = e.this if isinstance(e, exp.Alias) else e
            c = comp.compile(inner)
            name = e.alias if isinstance(e, exp.Alias) else (inner.name if isinstance(inner, exp.Column) else
                                                             f"EXPR${i}")
            rowtime = False
            if isinstance(inner, exp.Column):
                idx = scope.lookup(inner.name, inner.table or None)
                rowtime = idx is not None and scope.fields[idx].rowtime
            t = c.type if c.type.name != "NULL" else T.STRING
            taken = {f.name for f in fields}
            if name in taken:  # SELECT a.s, b.s: Flink names the second s0 (then s1, ...)
                k = 0
                while f"{name}{k}" in taken:
                    k += 1
                name = f"{name}{k}"
            fields.append(Field(name, t, None, rowtime))
            fns.append(c.fn)
        if _is_identity(fns, exprs, scope):
            return _rename(rel, [f.name for f in fields])
        out = CalcRel(rel, fields, fns, None, "select=[" + ", ".join(e.sql() for e in exprs) + "]")
        return out

    def _find_aggs(self, e: exp.Expression) -> list[exp.Expression]:
        found = []
        for n in e.walk():
            if isinstance(n, exp.Window):
                continue
            if isinstance(n.parent, exp.Filter) and n is n.parent.this:
                continue  # the aggregate of agg(..) FILTER (WHERE ..): the Filter node stands for it
            if _agg_name(n, self._udafs()) and not any(isinstance(p, exp.Window) for p in _parents(n)):
                found.append(n)
        return found

    def _udafs(self) -> dict:
        from flinklite.table.udf import UserDefinedAggregateFunctionWrapper

        return {k: v for k, v in self.functions.items() if isinstance(v, UserDefinedAggregateFunctionWrapper)}

    def _make_agg(self, node: exp.Expression, comp: ExprCompiler, order_fn: Any = None) -> AggSpec:
        if isinstance(node, exp.Filter):
            spec = self._make_agg(node.this, comp)
            spec.filter = comp._bool(node.expression.this)
            return spec
        if isinstance(node, (exp.Rank, exp.DenseRank, exp.Lag)):
            if order_fn is None:
                raise self.error(node, f"{node.sql()} is a window function: it needs an OVER clause")
            if isinstance(node, exp.Lag):
                c = comp.compile(node.this)
                spec = AggSpec("LAG", c.fn, c.type.nullable())
                off = node.args.get("offset")
                spec.offset = int(off.this) if isinstance(off, exp.Literal) else 1
                d = node.args.get("default")
                spec.default = comp.compile(d).fn(None) if d is not None else None
                return spec
            name = "RANK" if isinstance(node, exp.Rank) else "DENSE_RANK"
            return AggSpec(name, order_fn, T.BIGINT.not_null())
        udafs = self._udafs()
        name = _agg_name(node, udafs)
        distinct = False
        arg_node = node.this if not isinstance(node, exp.Anonymous) else (node.expressions[0] if node.expressions
                                                                           else None)
        if isinstance(arg_node, exp.Distinct):
            distinct = True
            arg_node = arg_node.expressions[0]
        if name in udafs:
            udaf = udafs[name]
            arg_nodes = list(node.expressions)
            fns = [comp.compile(a).fn for a in arg_nodes]
            return AggSpec(name, None, udaf.result_type or T.STRING, distinct, udaf=udaf.function(), arg_fns=fns)
        if arg_node is None or isinstance(arg_node, exp.Star):
            if name != "COUNT":
                raise self.error(node, f"{name}(*) is not allowed")
            return make_agg("COUNT", None, None, distinct)
        c = comp.compile(arg_node)
        if name in ("SUM", "AVG") and not ty.is_numeric(c.type) and c.type.name != "NULL":
            raise self.error(node, f"Cannot apply '{name}' to arguments of type '{name}(<{c.type}>)'. "
                                   f"Supported form(s): '{name}(<NUMERIC>)'")
        return make_agg(name, c.fn, c.type, distinct)

    def _aggregate(self, select: exp.Select, rel: Rel, exprs: list, group: Any, having: Any) -> Rel:
        scope = Scope(rel.fields)
        comp = self.compiler(scope)
        gexprs = list(group.expressions) if group is not None else []
        key_idx: list[int] = []
        key_nodes: list[exp.Expression] = []
        window_meta: dict | None = None
        mode = "group"
        win_kind = None
        # GROUP BY <expression>: the expressions become extra columns of the input (a Calc), and
        # the same expression in the SELECT list / HAVING reads that column
        expr_keys = [g for g in gexprs if _column_index(g, scope) is None and not (
            isinstance(g, exp.Anonymous) and g.name.upper() in ("TUMBLE", "HOP", "SESSION"))]
        if expr_keys:
            width = len(rel.fields)
            compiled = [comp.compile(g) for g in expr_keys]
            extra = [Field(f"$group{i}", c.type) for i, c in enumerate(compiled)]
            fns = [_getter(i) for i in range(width)] + [c.fn for c in compiled]
            rel = CalcRel(rel, list(rel.fields) + extra, fns, None,
                          "select=[*, " + ", ".join(g.sql() for g in expr_keys) + "]")
            scope = Scope(rel.fields)
            comp = self.compiler(scope)
            by_text = {g.sql(): width + i for i, g in enumerate(expr_keys)}
            gexprs = [exp.column(f"$group{expr_keys.index(g)}") if g in expr_keys else g for g in gexprs]
        else:
            by_text = {}
        for g in gexprs:
            if isinstance(g, exp.Anonymous) and g.name.upper() in ("TUMBLE", "HOP", "SESSION"):
                # legacy group window: GROUP BY TUMBLE(rt, INTERVAL ..)
                win_kind = g.name.upper()
                t_node = g.expressions[0]
                t = scope.lookup(t_node.name, t_node.table or None)
                if t is None:
                    raise self.error(t_node, f"Column '{t_node.name}' not found in any table")
                params = [interval_ms(a) for a in g.expressions[1:]]
                if win_kind == "HOP":
                    params = [params[0], params[1]]
                if win_kind == "SESSION":
                    mode = "session"
                    window_meta = {"time_idx": t, "gap": params[0], "time_type": _wt(rel.fields[t].type)}
                else:
                    rel = WindowTVFRel(rel, win_kind, t, params, [])
                    scope = Scope(rel.fields)
                    comp = self.compiler(scope)
                    mode = "window"
                    window_meta = {"cols": rel.window_cols[:2], "time_type": rel.fields[rel.window_cols[2]].type}
                continue
            c_idx = _column_index(g, scope)
            if c_idx is None:
                # an expression key: compute it first
                raise self.error(g, "GROUP BY supports column references (project expressions in a subquery)")
            key_idx.append(c_idx)
            key_nodes.append(g)
        # window TVF aggregation: window_start / window_end among the keys
        wc = rel.window_cols if mode == "group" else None
        if wc is not None and wc[0] in key_idx and wc[1] in key_idx:
            if rel.session is not None:
                mode = "session"
                part, t, gap = rel.session
                src = rel.children()[0]
                window_meta = {"time_idx": t, "gap": gap, "time_type": _wt(src.fields[t].type)}
                new_keys = [k for k in key_idx if k not in wc]
                rel = src
                scope = Scope(rel.fields)
                comp = self.compiler(scope)
                key_idx = new_keys
            else:
                mode = "window"
                window_meta = {"cols": wc[:2], "time_type": rel.fields[wc[2]].type}
                key_idx = [k for k in key_idx if k not in wc]
            win_kind = "TVF"
        elif wc is not None and (wc[0] in key_idx or wc[1] in key_idx):
            raise self.error(group, "a window aggregation must GROUP BY both window_start and window_end")
        # aggregates (deduplicated by their SQL text)
        agg_nodes: list[exp.Expression] = []
        for e in exprs + ([having.this] if having is not None else []):
            for a in self._find_aggs(e):
                if a.sql() not in [x.sql() for x in agg_nodes]:
                    agg_nodes.append(a)
        aggs = [self._make_agg(a, comp) for a in agg_nodes]
        agg = AggRel(rel, key_idx, aggs, mode, window_meta)
        nk = len(key_idx)
        base = nk + (3 if mode != "group" else 0)
        agg_pos = {a.sql(): base + i for i, a in enumerate(agg_nodes)}
        key_pos = {k: i for i, k in enumerate(key_idx)}
        wcols = agg.window_cols
        in_scope = scope
        out_scope = Scope(agg.fields)

        def special(node: exp.Expression) -> Compiled | None:
            s = node.sql()
            if s in agg_pos:
                i = agg_pos[s]
                return Compiled(_getter(i), agg.fields[i].type)
            if s in by_text and by_text[s] in key_pos:
                i = key_pos[by_text[s]]
                return Compiled(_getter(i), agg.fields[i].type)
            if isinstance(node, exp.Column):
                idx = _column_index(node, in_scope)
                if idx is not None and idx in key_pos:
                    i = key_pos[idx]
                    return Compiled(_getter(i), agg.fields[i].type)
                if wcols is not None and node.name in ("window_start", "window_end", "window_time") and \
                        win_kind == "TVF":
                    i = wcols[("window_start", "window_end", "window_time").index(node.name)]
                    return Compiled(_getter(i), agg.fields[i].type)
                if idx is not None:
                    raise self.error(node, f"Expression '{node.sql()}' is not being grouped")
            if isinstance(node, exp.Anonymous) and node.name.upper() in _WINDOW_AUX and wcols is not None:
                i = wcols[_WINDOW_AUX[node.name.upper()][1]]
                return Compiled(_getter(i), agg.fields[i].type)
            return None

        out: Rel = agg
        if having is not None:
            cond = self.compiler(out_scope, special)._bool(having.this)
            out = CalcRel(out, out.fields, None, cond, "having")
        return self._project(out, exprs, out_scope, special)

    def _over_spec(self, w: exp.Window, named: dict) -> exp.Window:
        if w.args.get("partition_by") is None and w.args.get("order") is None and w.args.get("spec") is None:
            ref = w.args.get("alias")
            if ref is not None and ref.name in named:
                return named[ref.name]
            raise self.error(w, f"Window '{ref.name if ref else '?'}' not found")
        return w

    def _over(self, select: exp.Select, rel: Rel, exprs: list, overs: list, named: dict) -> Rel:
        scope = Scope(rel.fields)
        comp = self.compiler(scope)
        specs = [self._over_spec(w, named) for w in overs]
        first = specs[0]
        key = _window_key(first)
        for s, w in zip(specs, overs):
            if _window_key(s) != key:
                raise self.error(w, "Over Agg: Unsupported use of OVER windows. All aggregates must be computed "
                                    "on the same window.")
        partition = [_column_index(p, scope) for p in first.args.get("partition_by") or []]
        if None in partition:
            raise self.error(first, "PARTITION BY supports column references only")
        order = first.args.get("order")
        if order is None or len(order.expressions) != 1:
            raise self.error(first, "OVER windows must be ORDER BY exactly one time attribute")
        t = _column_index(order.expressions[0].this, scope)
        if t is None or not ty.is_timestamp(rel.fields[t].type):
            raise self.error(order, "OVER windows can only be ordered by a time attribute (ascending)")
        if not self.batch and not rel.fields[t].rowtime:
            raise self.error(order, "OVER windows must be ordered by a time attribute with a WATERMARK")
        spec = first.args.get("spec")
        frame: tuple
        if spec is None:
            frame = ("RANGE", None)
        else:
            kind = spec.args.get("kind", "ROWS").upper()
            start = spec.args.get("start")
            if isinstance(start, str) and start.upper() == "UNBOUNDED" or start is None:
                bound = None
            elif isinstance(start, exp.Interval):
                bound = interval_ms(start)
            elif isinstance(start, exp.Literal):
                bound = int(start.this)
            elif isinstance(start, str) and start.upper() == "CURRENT ROW":
                bound = 0
            else:
                raise self.error(first, f"unsupported OVER frame start {start!r}")
            if kind == "RANGE" and isinstance(start, exp.Literal):
                raise self.error(first, "RANGE frames need an INTERVAL preceding bound on a time attribute")
            frame = (kind, bound)
        call_nodes = [w.this for w in overs]
        for c in call_nodes:
            if _agg_name(c, self._udafs()) is None and not isinstance(c, (exp.Rank, exp.DenseRank, exp.Lag)):
                raise self.error(c, f"{c.sql()} is not supported in an OVER window by flinklite (aggregates, "
                                    "RANK, DENSE_RANK and LAG are)")
        if frame[1] is not None and any(isinstance(c, (exp.Rank, exp.DenseRank, exp.Lag)) for c in call_nodes):
            raise self.error(first, "RANK / DENSE_RANK / LAG need an unbounded OVER window (no ROWS/RANGE bound)")
        order_fn = _getter(t)
        aggs = [self._make_agg(c, comp, order_fn) for c in call_nodes]
        over = OverRel(rel, partition, t, frame, aggs)
        n = len(rel.fields)
        ids = {id(w): n + i for i, w in enumerate(overs)}
        out_scope = Scope(over.fields)

        def special(node: exp.Expression) -> Compiled | None:
            if isinstance(node, exp.Window) and id(node) in ids:
                i = ids[id(node)]
                return Compiled(_getter(i), over.fields[i].type)
            return None

        return self._project(over, exprs, out_scope, special)

    # -- ROW_NUMBER (Top-N / dedup) ---------------------------------------------------------------
    def _row_number_projection(self, select: exp.Select, rel: Rel, exprs: list, w: exp.Window,
                               named: dict) -> Rel:
        raise self.error(w, "ROW_NUMBER() must be filtered in an outer query (WHERE rn <= N): Top-N / "
                            "deduplication")

    def plan_rank(self, select: exp.Select) -> Rel | None:
        """``SELECT .. FROM (SELECT .., ROW_NUMBER() OVER (..) AS rn FROM t) WHERE rn <= N``."""
        from_ = select.args.get("from_")
        where = select.args.get("where")
        if from_ is None or where is None or not isinstance(from_.this, exp.Subquery):
            return None
        inner = from_.this.this
        if not isinstance(inner, exp.Select) or select.args.get("joins"):
            return None
        rn_alias, rn_window = None, None
        inner_exprs = []
        for e in inner.expressions:
            if isinstance(e, exp.Alias) and isinstance(e.this, exp.Window) and isinstance(e.this.this, exp.RowNumber):
                rn_alias, rn_window = e.alias, e.this
            else:
                inner_exprs.append(e)
        if rn_window is None:
            return None
        n = _rank_limit(where.this, rn_alias)
        if n is None:
            raise self.error(where, f"Top-N needs a filter {rn_alias} <= N (or = 1, < N) on the ROW_NUMBER column")
        if inner.args.get("group") is not None or any(self._find_aggs(e) for e in inner_exprs):
            return self._rank_over_aggregate(select, inner, inner_exprs, rn_alias, rn_window, n)
        base = self._from(inner)
        iw = inner.args.get("where")
        if iw is not None:
            base = CalcRel(base, base.fields, None, self.compiler(Scope(base.fields))._bool(iw.this), "where")
        named = {w.alias_or_name: w for w in inner.args.get("windows") or []}
        spec = self._over_spec(rn_window, named)
        # PARTITION BY / ORDER BY are evaluated on the inner query's input (they may name columns the
        # inner SELECT list drops, e.g. the time attribute of a deduplication)
        scope = Scope(base.fields)
        partition = [_column_index(p, scope) for p in spec.args.get("partition_by") or []]
        if None in partition:
            raise self.error(spec, "PARTITION BY supports column references only")
        comp = self.compiler(scope)
        keys = []
        order = spec.args.get("order")
        order_items = list(order.expressions) if order is not None else []
        for o in order_items:
            c = comp.compile(o.this)
            desc = bool(o.args.get("desc"))
            keys.append((c.fn, desc, not desc))
        outer_refs_rn = any(isinstance(e, exp.Star) or (isinstance(c, exp.Column) and c.name == rn_alias)
                            for e in select.expressions for c in e.walk())
        time_idx = _column_index(order_items[0].this, scope) if len(order_items) == 1 else None
        if n == 1 and not outer_refs_rn and time_idx is not None and base.fields[time_idx].rowtime \
                and not self.batch:
            # deduplication: Flink's row-time Deduplicate keeps the first / last row per key
            rank: Rel = DedupRel(base, partition, time_idx, keep_last=bool(order_items[0].args.get("desc")))
        else:
            rank = RankRel(base, partition, make_comparator(keys), n, outer_refs_rn)
        inner_scope = Scope(list(base.fields) + ([Field(rn_alias, T.BIGINT.not_null())] if outer_refs_rn else []))
        inner_exprs = self._expand_star(exp.select(*inner_exprs), base)
        if outer_refs_rn:
            inner_exprs = inner_exprs + [exp.column(rn_alias)]
        proj = self._project(rank, inner_exprs, inner_scope)
        return self._project(proj, self._expand_star(select, proj), Scope(proj.fields))

    def _rank_over_aggregate(self, select: exp.Select, inner: exp.Select, inner_exprs: list, rn_alias: str,
                             rn_window: exp.Window, n: int) -> Rel:
        """Top-N over an aggregating query (``ROW_NUMBER() OVER (PARTITION BY window_start ORDER BY
        SUM(v) DESC)``, e.g. window Top-N): the aggregate query is planned with the PARTITION BY /
        ORDER BY expressions as hidden columns, and ranked on those."""
        named = {w.alias_or_name: w for w in inner.args.get("windows") or []}
        spec = self._over_spec(rn_window, named)
        parts = list(spec.args.get("partition_by") or [])
        order = spec.args.get("order")
        order_items = list(order.expressions) if order is not None else []
        hidden = [exp.alias_(p.copy(), f"$part{i}", quoted=True) for i, p in enumerate(parts)]
        hidden += [exp.alias_(o.this.copy(), f"$order{i}", quoted=True) for i, o in enumerate(order_items)]
        agg_select = inner.copy()
        agg_select.set("expressions", [e.copy() for e in inner_exprs] + hidden)
        agg_select.set("windows", None)
        base = self._select(agg_select)
        width = len(base.fields) - len(hidden)
        partition = [width + i for i in range(len(parts))]
        keys = []
        for i, o in enumerate(order_items):
            desc = bool(o.args.get("desc"))
            keys.append((_getter(width + len(parts) + i), desc, not desc))
        outer_refs_rn = any(isinstance(e, exp.Star) or (isinstance(c, exp.Column) and c.name == rn_alias)
                            for e in select.expressions for c in e.walk())
        rank = RankRel(base, partition, make_comparator(keys), n, outer_refs_rn)
        visible = [exp.column(f.name, quoted=True) for f in base.fields[:width]]
        inner_scope = Scope(list(base.fields) + ([Field(rn_alias, T.BIGINT.not_null())] if outer_refs_rn else []))
        if outer_refs_rn:
            visible.append(exp.column(rn_alias))
        proj = self._project(rank, visible, inner_scope)
        return self._project(proj, self._expand_star(select, proj), Scope(proj.fields))

    # -- ORDER BY / LIMIT ---------------------------------------------------------------------------
    def _order_limit(self, node: exp.Expression, rel: Rel, scope: Scope | None) -> Rel:
        order = node.args.get("order")
        limit = node.args.get("limit")
        offset = node.args.get("offset")
        if order is None and limit is None and offset is None:
            return rel
        lim = int(limit.expression.this) if limit is not None else None
        off = int(offset.expression.this) if offset is not None else 0
        cmp = None
        if order is not None:
            sc = Scope(rel.fields)
            comp = self.compiler(sc)
            keys = []
            for o in order.expressions:
                c = comp.compile(o.this)
                desc = bool(o.args.get("desc"))
                nf = o.args.get("nulls_first")
                keys.append((c.fn, desc, bool(nf) if nf is not None else not desc))
            if not self.batch:
                t = _column_index(order.expressions[0].this, sc)
                if t is None or not rel.fields[t].rowtime or order.expressions[0].args.get("desc"):
                    raise self.error(order, "Sort on a non-time-attribute field is not supported in streaming "
                                            "mode: ORDER BY an ascending time attribute, or use BATCH mode")
            cmp = make_comparator(keys)
        return SortLimitRel(rel, cmp, lim, off)


# -- helpers ----------------------------------------------------------------------------------------

def _getter(i: int) -> Any:
    import operator

    return operator.itemgetter(i)


def _wt(t: Any) -> Any:
    return T.TIMESTAMP_LTZ3 if t.name == "TIMESTAMP_LTZ" else T.TIMESTAMP3


def _col_expr(f: Field) -> exp.Expression:
    return exp.column(f.name, table=f.qualifier, quoted=True)


def _column_index(node: exp.Expression, scope: Scope) -> int | None:
    if isinstance(node, exp.Column) and not isinstance(node.this, exp.Star):
        return scope.lookup(node.name, node.table or None)
    return None


def _parents(node: exp.Expression) -> list:
    out = []
    p = node.parent
    while p is not None:
        out.append(p)
        p = p.parent
    return out


def _conjuncts(node: exp.Expression) -> Any:
    if isinstance(node, exp.And):
        yield from _conjuncts(node.this)
        yield from _conjuncts(node.expression)
    elif isinstance(node, exp.Paren):
        yield from _conjuncts(node.this)
    else:
        yield node


def _side_of(node: exp.Expression, scope: Scope, nl: int) -> str | None:
    sides = set()
    for c in node.find_all(exp.Column):
        i = scope.lookup(c.name, c.table or None)
        if i is None:
            return None
        sides.add("L" if i < nl else "R")
    return sides.pop() if len(sides) == 1 else None


def _shift(fn: Any, n: int) -> Any:
    # a right-side key expression was compiled against left+right; feed it a padded row
    pad = (None,) * n
    return lambda row: fn(pad + row)


def _qualify(rel: Rel, alias: str | None) -> Rel:
    if alias is None:
        return rel
    out = _Renamed(rel, [Field(f.name, f.type, alias, f.rowtime) for f in rel.fields])
    return out


def _rename(rel: Rel, names: list[str]) -> Rel:
    return _Renamed(rel, [Field(n, f.type, f.qualifier, f.rowtime) for n, f in zip(names, rel.fields)])


class _Renamed(Rel):
    """The same stream under other column names / qualifier (no operator)."""

    def __init__(self, child: Rel, fields: list[Field]) -> None:
        self.child = child
        self.fields = fields
        self.append_only = child.append_only
        self.window_cols = child.window_cols
        self.session = child.session

    def build(self, ctx: PlanContext) -> Any:
        return self.child.build(ctx)

    def explain(self, depth: int = 0) -> str:
        return self.child.explain(depth)

    def children(self) -> list[Rel]:
        return self.child.children()


def _is_identity(fns: list, exprs: list, scope: Scope) -> bool:
    if len(exprs) != len(scope.fields):
        return False
    for i, e in enumerate(exprs):
        inner = e.this if isinstance(e, exp.Alias) else e
        if _column_index(inner, scope) != i:
            return False
    return True


def _window_key(w: exp.Window) -> str:
    parts = [w.args.get("partition_by"), w.args.get("order"), w.args.get("spec")]
    return "|".join(("" if p is None else (p.sql() if isinstance(p, exp.Expression) else
                                           ",".join(x.sql() for x in p))) for p in parts)


def _is_row_number(w: exp.Window, named: dict) -> bool:
    return isinstance(w.this, exp.RowNumber)


def _rank_limit(cond: exp.Expression, alias: str) -> int | None:
    def is_rn(n: exp.Expression) -> bool:
        return isinstance(n, exp.Column) and n.name == alias

    if isinstance(cond, (exp.LTE, exp.LT, exp.EQ)) and is_rn(cond.this) and isinstance(cond.expression, exp.Literal):
        v = int(cond.expression.this)
        return v - 1 if isinstance(cond, exp.LT) else v
    if isinstance(cond, (exp.GTE, exp.GT)) and is_rn(cond.expression) and isinstance(cond.this, exp.Literal):
        v = int(cond.this.this)
        return v - 1 if isinstance(cond, exp.GT) else v
    return None

