"""The few SQL scalar expressions the DataStream <-> Table bridge evaluates: computed columns
(``TO_TIMESTAMP_LTZ(col, 3)``, a plain column reference) and watermark expressions (``rt`` or
``rt - INTERVAL 'n' SECOND``). Timestamps are carried as epoch milliseconds inside the runtime.

This is deliberately tiny; the SQL engine (a later issue) replaces it with a real parser and
planner, keeping :func:`compile_expression`'s contract: SQL text + input column names -> a
function of the row's value list.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flinklite.errors import InvalidProgramException

__all__ = ["compile_expression"]

_UNIT_MS = {"MILLISECOND": 1, "SECOND": 1000, "MINUTE": 60_000, "HOUR": 3_600_000, "DAY": 86_400_000}
_IDENT = r"`?([A-Za-z_][A-Za-z0-9_]*)`?"
_TO_TS = re.compile(r"^TO_TIMESTAMP_LTZ\s*\(\s*" + _IDENT + r"\s*(?:,\s*(\d+)\s*)?\)$", re.I)
_COL = re.compile(r"^" + _IDENT + r"$")
_MINUS_INTERVAL = re.compile(r"^(.*?)\s*-\s*INTERVAL\s+'(\d+)'\s+(MILLISECOND|SECOND|MINUTE|HOUR|DAY)S?$", re.I)


def compile_expression(expr: str, columns: list[str]) -> Callable[[list], Any]:
    """A function computing ``expr`` from a row's values (in ``columns`` order)."""
    text = expr.strip()
    m = _MINUS_INTERVAL.match(text)
    if m:
        inner = compile_expression(m.group(1), columns)
        delta = int(m.group(2)) * _UNIT_MS[m.group(3).upper()]
        return lambda row: None if (v := inner(row)) is None else v - delta
    m = _TO_TS.match(text)
    if m:
        idx = _index(m.group(1), columns, expr)
        precision = int(m.group(2) or 3)
        if precision not in (0, 3):
            raise InvalidProgramException(f"TO_TIMESTAMP_LTZ precision must be 0 or 3, got {precision} in {expr!r}")
        scale = 1000 if precision == 0 else 1
        return lambda row: None if row[idx] is None else int(row[idx]) * scale
    m = _COL.match(text)
    if m:
        idx = _index(m.group(1), columns, expr)
        return lambda row: row[idx]
    raise InvalidProgramException(
        f"expression {expr!r} is not supported by flinklite's DataStream/Table bridge yet: supported are "
        "a column name, TO_TIMESTAMP_LTZ(col, 0|3) and `col - INTERVAL 'n' SECOND` (also MILLISECOND, "
        "MINUTE, HOUR, DAY)."
    )


def _index(name: str, columns: list[str], expr: str) -> int:
    for i, c in enumerate(columns):
        if c.lower() == name.lower():
            return i
    raise InvalidProgramException(f"unknown column {name!r} in expression {expr!r}; columns are {columns}")
