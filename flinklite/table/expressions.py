"""The few SQL scalar expressions the DataStream <-> Table bridge evaluates: computed columns
(``TO_TIMESTAMP_LTZ(col, 3)``, a plain column reference) and watermark expressions (``rt`` or
``rt - INTERVAL 'n' SECOND``). Timestamps are carried as epoch milliseconds inside the runtime.

This is deliberately tiny; the SQL engine (a later issue) replaces it with a real parser and
planner, keeping :func:`compile_expression`'s contract: SQL text + input column names -> a
function of the row's value list.
"""

from __future__ import annotations

from typing import Any

from flinklite.errors import InvalidProgramException

__all__ = ["compile_expression"]

def compile_expression(expr: str, columns: list[str], types: list | None = None,
                       typed: bool = False) -> Any:
    """A function computing the SQL expression ``expr`` from a row's values (in ``columns``
    order); with ``typed`` also its SQL type. ``types`` are the columns' DataTypes (None = not
    known yet: such a column is typed BIGINT). Compiled by the SQL engine's expression compiler."""
    from flinklite.table._sql.dialect import parse_expression
    from flinklite.table._sql.expr import ExprCompiler, Field, Scope
    from flinklite.table._sql.types import T

    fields = [Field(n, (types[i] if types and i < len(types) and types[i] is not None else T.BIGINT))
              for i, n in enumerate(columns)]
    try:
        node = parse_expression(expr)
    except Exception as e:  # sqlglot's ParseError: report it as an invalid program
        raise InvalidProgramException(f"cannot parse the SQL expression {expr!r}: {e}") from None
    compiled = ExprCompiler(Scope(fields), expr).compile(node)
    return (compiled.fn, compiled.type) if typed else compiled.fn
