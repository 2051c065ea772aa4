"""Applying a declared ``output_type`` where PyFlink would serialize a record.

PyFlink hands the raw Python object from one chained Python operator to the next, and encodes it
with the declared type only where it crosses a boundary: a network exchange (``key_by``,
``rebalance``, a change of parallelism, ...) or a Java operator (print and collect sinks). There
a tuple under ``Types.ROW(...)`` fails, an unnamed ``Row`` gets field names ``f0, f1, ...``, a
float under ``Types.INT()`` is truncated. flinklite applies the same conversion at the same
places (see ``TypeInformation._coerce``), so a program behaves the same on both.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flinklite.runtime.operators.base import Output

__all__ = ["boundary_coercion", "CoercingOutput"]


def boundary_coercion(type_info: Any) -> Callable[[Any, list], list] | None:
    """``fn(operator, values) -> converted values``, or None when nothing needs converting."""
    if type_info is None:
        return None
    from flinklite.common.typeinfo import PickledBytesTypeInfo

    if isinstance(type_info, PickledBytesTypeInfo):
        return None
    from flinklite.common._typecheck import batch_coercer

    # Built once per type: a whole batch is checked inline and passes as it is when every record
    # already has the declared shape; otherwise each record is converted by the type.
    fast = batch_coercer(type_info)
    coerce = type_info._coerce

    def convert(op: Any, values: list) -> list:
        try:
            return fast(values)
        except TypeError:
            pass
        # Slow path, only on failure: find the record, for an error that names it.
        for record in values:
            try:
                coerce(record)
            except TypeError as e:
                raise op.user_error(
                    TypeError(f"{e} (declared output type: {type_info!r})"), record,
                    "type conversion at the exchange",
                ) from e
        return [coerce(record) for record in values]  # not reached: fast() raised for one of them

    return convert


class CoercingOutput(Output):
    """Wraps a record writer: converts each batch to the producer's declared type first."""

    def __init__(self, inner: Output, convert: Callable[[Any, list], list], op: Any) -> None:
        self.inner = inner
        self.convert = convert
        self.op = op

    def collect(self, values: list, timestamps: list | None) -> None:
        self.inner.collect(self.convert(self.op, values), timestamps)

    def emit_watermark(self, watermark: int) -> None:
        self.inner.emit_watermark(watermark)

    def emit_watermark_status(self, idle: bool) -> None:
        self.inner.emit_watermark_status(idle)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)
