"""Flink's tableau print format for ``TableResult.print()``.

Query results have column widths fixed from the column types up front (rows are printed as they
arrive), in streaming with an ``op`` column (``+I``, ``-U``, ``+U``, ``-D``), in batch without; the
fixed rows of SHOW / DESCRIBE / EXPLAIN are sized by their content. Values are right-aligned;
NULL prints as ``<NULL>``; values longer than the width are cut and end in ``...``.
"""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Iterable
from typing import Any

__all__ = ["print_rows", "format_value"]

_MAX_WIDTH = 30
_NULL = "<NULL>"
# streaming columns are sized from the type alone (rows print as they arrive); FLOAT / DOUBLE have no
# fixed width in Flink and get the maximum, like strings
_TYPE_WIDTH = {"BOOLEAN": 5, "TINYINT": 4, "SMALLINT": 6, "INT": 11, "BIGINT": 20, "DATE": 10, "TIME": 8}


def format_value(v: Any) -> str:
    if v is None:
        return _NULL
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, datetime.datetime):
        s = v.strftime("%Y-%m-%d %H:%M:%S")
        return s + f".{v.microsecond // 1000:03d}"
    if isinstance(v, (datetime.date, datetime.time)):
        return v.isoformat()
    if isinstance(v, decimal.Decimal):
        return format(v, "f")
    if isinstance(v, float):
        from flinklite.table._sql.expr import _fmt_double

        return _fmt_double(v)
    return str(v)


def _type_width(t: Any) -> int:
    name = getattr(t, "name", "STRING")
    if name in _TYPE_WIDTH:
        return _TYPE_WIDTH[name]
    if name in ("TIMESTAMP", "TIMESTAMP_LTZ"):
        return 23
    if name == "DECIMAL":
        p, s = t.args
        return p + 2
    return _MAX_WIDTH


def _line(widths: list[int]) -> str:
    return "+" + "+".join("-" * (w + 2) for w in widths) + "+"


def _cells(values: list[str], widths: list[int]) -> str:
    out = []
    for v, w in zip(values, widths):
        if len(v) > w:
            v = v[: max(w - 3, 0)] + "..."
        out.append(" " + v.rjust(w) + " ")
    return "|" + "|".join(out) + "|"


def print_rows(names: list[str], types: list[Any], rows: Iterable, with_op: bool, batch_style: bool) -> None:
    if batch_style:
        data = [[format_value(v) for v in r] for _, r in rows]
        widths = [max([len(n)] + [len(d[i]) for d in data]) for i, n in enumerate(names)]
        if not data:
            print("Empty set")
            return
        print(_line(widths))
        print(_cells(list(names), widths))
        print(_line(widths))
        for d in data:
            print(_cells(d, widths))
        print(_line(widths))
        print(f"{len(data)} row{'s' if len(data) != 1 else ''} in set")
        return
    widths = [max(len(n), _type_width(t), len(_NULL)) for n, t in zip(names, types)]
    all_names = list(names)
    if with_op:
        widths = [2] + widths
        all_names = ["op"] + all_names
    header_done = False
    count = 0
    for kind, r in rows:
        if not header_done:
            print(_line(widths))
            print(_cells(all_names, widths))
            print(_line(widths))
            header_done = True
        vals = [format_value(v) for v in r]
        if with_op:
            vals = [kind.short_string() if kind is not None else "+I"] + vals
        print(_cells(vals, widths))
        count += 1
    if not header_done:
        print("Empty set")
        return
    print(_line(widths))
    # PyFlink's print() ends a streaming result like a batch one (the SQL client says "Received a
    # total of N rows" instead; PyFlink is the spec here)
    print(f"{count} row{'s' if count != 1 else ''} in set")
