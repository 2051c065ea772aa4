"""SQL aggregate functions as accumulators: ``create() -> acc``, ``add(acc, v) -> acc``,
``retract(acc, v) -> acc`` (for retraction changelogs) and ``get(acc) -> value``.

Accumulators are plain lists / dicts so keyed state can snapshot them with pickle. MIN and MAX keep
a value -> count map so a retraction can remove the current extreme, as Flink's retractable
MIN/MAX do with their MapView. NULL inputs are ignored (COUNT(*) counts rows); an aggregate over
no non-NULL values is NULL (COUNT is 0).
"""

from __future__ import annotations

import decimal
from typing import Any

from flinklite.table._sql import types as ty
from flinklite.table._sql.types import T
from flinklite.table.types import DataType

__all__ = ["AggSpec", "make_agg", "AGG_NAMES"]

AGG_NAMES = {"COUNT", "SUM", "SUM0", "AVG", "MIN", "MAX", "FIRST_VALUE", "LAST_VALUE", "STDDEV_POP",
             "STDDEV_SAMP", "VAR_POP", "VAR_SAMP", "LISTAGG", "COLLECT"}


_NO_KEY = ("<no order key yet>",)


class AggSpec:
    """One aggregate call: its accumulator functions, the argument closure (None for COUNT(*)),
    DISTINCT, and the result type."""

    def __init__(self, name: str, arg: Any, result_type: DataType, distinct: bool = False,
                 udaf: Any = None, arg_fns: list | None = None) -> None:
        self.name = name
        self.arg = arg
        self.arg_fns = arg_fns
        self.result_type = result_type
        self.distinct = distinct
        self.udaf = udaf
        # FILTER (WHERE ..): only rows whose condition is TRUE reach the accumulator
        self.filter: Any = None
        # LAG's offset and default (the over-window functions RANK / DENSE_RANK / LAG)
        self.offset = 1
        self.default: Any = None

    def create(self) -> Any:
        n = self.name
        if self.udaf is not None:
            return [self.udaf.create_accumulator(), {} if self.distinct else None]
        if n in ("COUNT",):
            acc: Any = [0]
        elif n in ("RANK", "DENSE_RANK"):
            acc = [0, _NO_KEY, 0, 0]  # rows so far, last order key, rank, dense rank
        elif n == "LAG":
            acc = [[]]
        elif n in ("SUM", "SUM0"):
            acc = [None, 0]  # sum, number of non-null values
        elif n == "AVG":
            acc = [0, 0]
        elif n in ("MIN", "MAX"):
            acc = [{}]
        elif n in ("FIRST_VALUE", "LAST_VALUE", "COLLECT", "LISTAGG"):
            acc = [[]]
        else:  # variance family: n, sum, sum of squares
            acc = [0, 0.0, 0.0]
        return [acc, {} if self.distinct else None]

    def add(self, state: Any, row: Any, sign: int) -> None:
        """Accumulates (sign=+1) or retracts (sign=-1) the argument of ``row``."""
        if self.filter is not None and self.filter(row) is not True:
            return
        if self.name in ("RANK", "DENSE_RANK", "LAG"):
            self._add_window_fn(state[0], row)
            return
        if self.arg_fns is not None:
            v: Any = tuple(f(row) for f in self.arg_fns)
            if self.udaf is None and any(x is None for x in v):
                return
            if len(v) == 1:
                v = v[0]
        else:
            v = 1 if self.arg is None else self.arg(row)
            if v is None:
                return
        acc, seen = state
        if seen is not None:
            c = seen.get(v, 0) + sign
            if c > 0:
                seen[v] = c
            else:
                seen.pop(v, None)
            if (sign > 0 and c != 1) or (sign < 0 and c != 0):
                return  # DISTINCT: only the first copy counts, and only the last retraction
        n = self.name
        if self.udaf is not None:
            args = v if isinstance(v, tuple) else (v,)
            if sign > 0:
                self.udaf.accumulate(acc, *args)
            else:
                self.udaf.retract(acc, *args)
            return
        if n == "COUNT":
            acc[0] += sign
        elif n in ("SUM", "SUM0"):
            acc[1] += sign
            acc[0] = v * sign if acc[0] is None else acc[0] + v * sign
            if acc[1] == 0:
                acc[0] = None
        elif n == "AVG":
            acc[0] += v * sign
            acc[1] += sign
        elif n in ("MIN", "MAX"):
            m = acc[0]
            c = m.get(v, 0) + sign
            if c > 0:
                m[v] = c
            else:
                m.pop(v, None)
        elif n in ("FIRST_VALUE", "LAST_VALUE", "COLLECT", "LISTAGG"):
            if sign > 0:
                acc[0].append(v)
            else:
                try:
                    acc[0].reverse()
                    acc[0].remove(v)
                finally:
                    acc[0].reverse()
        else:
            f = float(v)
            acc[0] += sign
            acc[1] += f * sign
            acc[2] += f * f * sign

    def _add_window_fn(self, acc: list, row: Any) -> None:
        """RANK / DENSE_RANK count rows in the over window's order (``arg`` is the order key);
        LAG keeps the last ``offset + 1`` values of its argument. Rows only arrive in order."""
        if self.name == "LAG":
            acc[0].append(self.arg(row))
            del acc[0][: -(self.offset + 1)]
            return
        key = self.arg(row)
        acc[0] += 1
        if key != acc[1]:
            acc[1] = key
            acc[2] = acc[0]
            acc[3] += 1

    def get(self, state: Any) -> Any:
        acc = state[0]
        n = self.name
        if n == "RANK":
            return acc[2]
        if n == "DENSE_RANK":
            return acc[3]
        if n == "LAG":
            return acc[0][0] if len(acc[0]) > self.offset else self.default
        if self.udaf is not None:
            return self.udaf.get_value(acc)
        if n == "COUNT":
            return acc[0]
        if n == "SUM":
            return acc[0]
        if n == "SUM0":
            return acc[0] if acc[0] is not None else 0
        if n == "AVG":
            if acc[1] == 0:
                return None
            rt = self.result_type
            if ty.is_integer(rt):
                q = abs(acc[0]) // abs(acc[1])
                return q if (acc[0] >= 0) == (acc[1] >= 0) else -q
            if rt.name == "DECIMAL":
                return (decimal.Decimal(acc[0]) / acc[1]).quantize(
                    decimal.Decimal(1).scaleb(-rt.args[1]), rounding=decimal.ROUND_HALF_UP)
            return acc[0] / acc[1]
        if n == "MIN":
            return min(acc[0]) if acc[0] else None
        if n == "MAX":
            return max(acc[0]) if acc[0] else None
        if n == "FIRST_VALUE":
            return acc[0][0] if acc[0] else None
        if n == "LAST_VALUE":
            return acc[0][-1] if acc[0] else None
        if n == "LISTAGG":
            return ",".join(str(x) for x in acc[0]) if acc[0] else None
        if n == "COLLECT":
            return list(acc[0])
        cnt, s, sq = acc
        if n in ("VAR_POP", "STDDEV_POP"):
            if cnt == 0:
                return None
            var = max(sq / cnt - (s / cnt) ** 2, 0.0)
        else:
            if cnt < 2:
                return None
            var = max((sq - s * s / cnt) / (cnt - 1), 0.0)
        out = var ** 0.5 if n.startswith("STDDEV") else var
        # Flink keeps the argument's type: an integer column's deviation is truncated to an integer
        rt = self.result_type.name
        if rt in ("TINYINT", "SMALLINT", "INT", "BIGINT"):
            return int(out)
        if rt == "DECIMAL":
            return decimal.Decimal(repr(out)).quantize(decimal.Decimal(1).scaleb(-self.result_type.args[1]),
                                                       rounding=decimal.ROUND_DOWN)
        return out


def make_agg(name: str, arg: Any, arg_type: DataType | None, distinct: bool) -> AggSpec:
    """The AggSpec of a built-in aggregate, with Flink's result types: COUNT -> BIGINT NOT NULL,
    SUM keeps the integer type (BIGINT stays BIGINT, INT stays INT), DECIMAL sums widen to 38
    digits, AVG keeps its argument type (an integer average is an integer)."""
    n = name.upper()
    if n == "COUNT":
        rt = T.BIGINT.not_null()
    elif n in ("SUM", "SUM0"):
        rt = T.decimal(38, arg_type.args[1]) if arg_type is not None and arg_type.name == "DECIMAL" else arg_type
    elif n == "AVG":
        if arg_type is not None and arg_type.name == "DECIMAL":
            rt = T.decimal(38, max(arg_type.args[1], 6))
        else:
            rt = arg_type
    elif n in ("STDDEV_POP", "STDDEV_SAMP", "VAR_POP", "VAR_SAMP"):
        numeric = arg_type is not None and arg_type.name in ("TINYINT", "SMALLINT", "INT", "BIGINT", "DECIMAL",
                                                              "FLOAT", "DOUBLE")
        rt = arg_type.nullable() if numeric else T.DOUBLE
    elif n == "LISTAGG":
        rt = T.STRING
    elif n == "COLLECT":
        rt = DataType("MULTISET")
    else:
        rt = arg_type
    return AggSpec(n, arg, rt or T.NULL, distinct)
