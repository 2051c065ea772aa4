"""Group and over windows of the Table API (PyFlink's ``pyflink.table.window``): ``Tumble``,
``Slide``, ``Session`` for ``table.window(...)`` and ``Over`` for ``table.over_window(...)``.

A group window renders to Flink's legacy group-window SQL (``GROUP BY TUMBLE(rt, INTERVAL ..)``
with ``TUMBLE_START`` / ``TUMBLE_END`` / ``TUMBLE_ROWTIME`` for ``col('w').start`` / ``.end`` /
``.rowtime``); an over window renders to an ``OVER (PARTITION BY .. ORDER BY .. ROWS|RANGE
BETWEEN .. PRECEDING AND CURRENT ROW)`` clause. The SQL planner then plans both as for SQL text.
Differences: only event-time windows on a time attribute (no processing-time windows), and no
row-count group windows.
"""

from __future__ import annotations

from typing import Any

from flinklite.errors import ValidationException
from flinklite.table.expression import Expression, RenderContext

__all__ = ["Tumble", "Session", "Slide", "Over", "GroupWindow", "OverWindow"]


def _interval_sql(e: Any, what: str) -> Expression:
    if not isinstance(e, Expression) or e._interval is None:
        raise ValidationException(f"{what} must be a time interval such as lit(10).seconds or a row count "
                                  f"row_interval(n), got {e!r}")
    return e


class GroupWindow:
    """A group window with an alias: its SQL group function and its time column."""

    def __init__(self, kind: str, time_field: Expression, params: list[Expression], alias: str | None) -> None:
        self._kind = kind
        self._time_field = time_field
        self._params = params
        self._alias = alias

    def alias(self, alias: str) -> GroupWindow:
        return GroupWindow(self._kind, self._time_field, self._params, alias)

    def _args(self, ctx: RenderContext) -> str:
        return ", ".join([self._time_field._render(ctx)] + [p._render(ctx) for p in self._params])

    def _group_sql(self, ctx: RenderContext) -> str:
        return f"{self._kind}({self._args(ctx)})"


class OverWindow:
    """An over window with an alias: partition, order (the time attribute) and the frame."""

    def __init__(self, partition_by: list, order_by: Expression | None, preceding: Expression | None,
                 following: Expression | None, alias: str | None) -> None:
        self._partition_by = partition_by
        self._order_by = order_by
        self._preceding = preceding
        self._following = following
        self._alias = alias

    def _spec_sql(self, ctx: RenderContext) -> str:
        parts = []
        if self._partition_by:
            parts.append("PARTITION BY " + ", ".join(p._render(ctx) for p in self._partition_by))
        if self._order_by is None:
            raise ValidationException("an over window needs order_by(<time attribute>)")
        parts.append("ORDER BY " + self._order_by._render(ctx))
        pre = self._preceding
        if pre is None:
            parts.append("RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW")
        else:
            n, unit = pre._interval
            if unit in ("ROWS", "RANGE"):
                frame = "ROWS" if unit == "ROWS" else "RANGE"
                start = "UNBOUNDED PRECEDING" if n is None else ("CURRENT ROW" if n == 0 else f"{n} PRECEDING")
            else:
                frame, start = "RANGE", f"{pre._render(ctx)} PRECEDING"
            parts.append(f"{frame} BETWEEN {start} AND CURRENT ROW")
        return " ".join(parts)


class Tumble:
    """``Tumble.over(lit(10).minutes).on(col('rt')).alias('w')``."""

    @classmethod
    def over(cls, size: Expression) -> TumbleWithSize:
        return TumbleWithSize(_interval_sql(size, "Tumble.over"))


class TumbleWithSize:
    def __init__(self, size: Expression) -> None:
        self._size = size

    def on(self, time_field: Expression) -> TumbleWithSizeOnTime:
        return TumbleWithSizeOnTime(self._size, time_field)


class TumbleWithSizeOnTime:
    def __init__(self, size: Expression, time_field: Expression) -> None:
        self._size = size
        self._time_field = time_field

    def alias(self, alias: str) -> GroupWindow:
        return GroupWindow("TUMBLE", self._time_field, [self._size], alias)


class Session:
    """``Session.with_gap(lit(10).minutes).on(col('rt')).alias('w')``."""

    @classmethod
    def with_gap(cls, gap: Expression) -> SessionWithGap:
        return SessionWithGap(_interval_sql(gap, "Session.with_gap"))


class SessionWithGap:
    def __init__(self, gap: Expression) -> None:
        self._gap = gap

    def on(self, time_field: Expression) -> SessionWithGapOnTime:
        return SessionWithGapOnTime(self._gap, time_field)


class SessionWithGapOnTime:
    def __init__(self, gap: Expression, time_field: Expression) -> None:
        self._gap = gap
        self._time_field = time_field

    def alias(self, alias: str) -> GroupWindow:
        return GroupWindow("SESSION", self._time_field, [self._gap], alias)


class Slide:
    """``Slide.over(lit(10).minutes).every(lit(5).minutes).on(col('rt')).alias('w')``."""

    @classmethod
    def over(cls, size: Expression) -> SlideWithSize:
        return SlideWithSize(_interval_sql(size, "Slide.over"))


class SlideWithSize:
    def __init__(self, size: Expression) -> None:
        self._size = size

    def every(self, slide: Expression) -> SlideWithSizeAndSlide:
        return SlideWithSizeAndSlide(self._size, _interval_sql(slide, "Slide.every"))


class SlideWithSizeAndSlide:
    def __init__(self, size: Expression, slide: Expression) -> None:
        self._size = size
        self._slide = slide

    def on(self, time_field: Expression) -> SlideWithSizeAndSlideOnTime:
        return SlideWithSizeAndSlideOnTime(self._size, self._slide, time_field)


class SlideWithSizeAndSlideOnTime:
    def __init__(self, size: Expression, slide: Expression, time_field: Expression) -> None:
        self._size = size
        self._slide = slide
        self._time_field = time_field

    def alias(self, alias: str) -> GroupWindow:
        # legacy HOP(time, slide, size): the slide comes first
        return GroupWindow("HOP", self._time_field, [self._slide, self._size], alias)


class Over:
    """``Over.partition_by(col('k')).order_by(col('rt')).preceding(row_interval(2)).alias('w')``."""

    @classmethod
    def order_by(cls, order_by: Expression) -> OverWindowPartitionedOrdered:
        return OverWindowPartitionedOrdered([], order_by)

    @classmethod
    def partition_by(cls, *partition_by: Expression) -> OverWindowPartitioned:
        return OverWindowPartitioned(list(partition_by))


class OverWindowPartitioned:
    def __init__(self, partition_by: list) -> None:
        self._partition_by = partition_by

    def order_by(self, order_by: Expression) -> OverWindowPartitionedOrdered:
        return OverWindowPartitionedOrdered(self._partition_by, order_by)


class OverWindowPartitionedOrdered:
    def __init__(self, partition_by: list, order_by: Expression) -> None:
        self._partition_by = partition_by
        self._order_by = order_by

    def alias(self, alias: str) -> OverWindow:
        return OverWindow(self._partition_by, self._order_by, None, None, alias)

    def preceding(self, preceding: Expression) -> OverWindowPartitionedOrderedPreceding:
        return OverWindowPartitionedOrderedPreceding(self._partition_by, self._order_by,
                                                     _interval_sql(preceding, "Over.preceding"))


class OverWindowPartitionedOrderedPreceding:
    def __init__(self, partition_by: list, order_by: Expression, preceding: Expression,
                 following: Expression | None = None) -> None:
        self._partition_by = partition_by
        self._order_by = order_by
        self._preceding = preceding
        self._following = following

    def alias(self, alias: str) -> OverWindow:
        return OverWindow(self._partition_by, self._order_by, self._preceding, self._following, alias)

    def following(self, following: Expression) -> OverWindowPartitionedOrderedPreceding:
        n, unit = _interval_sql(following, "Over.following")._interval
        if n not in (0, None) or unit not in ("ROWS", "RANGE"):
            raise ValidationException("flinklite (like Flink's streaming over aggregation) only supports "
                                      "following(CURRENT_ROW) / following(CURRENT_RANGE)")
        return OverWindowPartitionedOrderedPreceding(self._partition_by, self._order_by, self._preceding, following)
