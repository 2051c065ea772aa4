"""Collecting what a process function yields (Flink's ``TimestampedCollector`` + side outputs).

PyFlink's convention: ``yield value`` is main output, ``yield tag, value`` with an ``OutputTag``
is a side output. The collector gathers a batch's worth of both, each value with its timestamp,
and flushes them to the operator's outputs in one call per output.
"""

from __future__ import annotations

from types import GeneratorType
from typing import Any

from flinklite.datastream.output_tag import OutputTag
from flinklite.time.watermark import MIN_TIMESTAMP

__all__ = ["TimestampedCollector"]


class TimestampedCollector:
    __slots__ = ("op", "values", "timestamps", "sides")

    def __init__(self, op) -> None:
        self.op = op
        self.values: list = []
        self.timestamps: list = []
        self.sides: dict[str, tuple[list, list]] = {}

    def drain_checked(self, results: Any, ts: int, side_ts: int | None = None) -> None:
        """Consume one user call's results (``None``: nothing); main output gets ``ts``, side
        outputs ``side_ts`` (default ``ts``). One call per user call: this is on every hot path."""
        if results is None:
            return
        cls = results.__class__
        if cls is not list and cls is not GeneratorType and cls is not tuple and (
                not hasattr(results, "__iter__") or isinstance(results, (str, bytes))):
            raise TypeError(
                "a process function must yield its outputs (or return an iterable of them), got "
                f"{type(results).__name__}: {results!r}"
            )
        values = self.values
        timestamps = self.timestamps
        for r in results:
            if r.__class__ is tuple and len(r) == 2 and isinstance(r[0], OutputTag):
                self.side(r[0], r[1], ts if side_ts is None else side_ts)
            else:
                values.append(r)
                timestamps.append(ts)

    def emit(self, value: Any, ts: int) -> None:
        self.values.append(value)
        self.timestamps.append(ts)

    def side(self, tag: OutputTag, value: Any, ts: int) -> None:
        entry = self.sides.get(tag.tag_id)
        if entry is None:
            entry = self.sides[tag.tag_id] = ([], [])
        entry[0].append(value)
        entry[1].append(ts)

    def flush(self) -> None:
        if self.values:
            values, timestamps = self.values, self.timestamps
            self.values, self.timestamps = [], []
            self.op.output.collect(values, _or_none(timestamps))
        if self.sides:
            sides, self.sides = self.sides, {}
            for tag_id, (values, timestamps) in sides.items():
                self.op.side_output(tag_id).collect(values, _or_none(timestamps))

    def clear(self) -> None:
        self.values, self.timestamps, self.sides = [], [], {}


def _or_none(timestamps: list) -> list | None:
    # "no timestamp on any record" travels as None, which keeps downstream loops on the fast path
    for t in timestamps:
        if t != MIN_TIMESTAMP:
            return timestamps
    return None
