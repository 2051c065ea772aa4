"""Flink's user metrics (``org.apache.flink.metrics``), as PyFlink's ``pyflink.metrics`` names them.

A ``MetricGroup`` is a named scope that hands out counters, gauges, meters and distributions.
Ours keeps every metric in process memory and lets a test or tool read it back with
``MetricGroup.metrics()``; no reporter (Prometheus, REST) is wired yet, unlike Flink.
"""

from __future__ import annotations

import time
from collections.abc import Callable

__all__ = ["Counter", "Distribution", "Meter", "Metric", "MetricGroup"]


class Metric:
    """Base of every metric kind."""


class Counter(Metric):
    def __init__(self) -> None:
        self._count = 0

    def inc(self, n: int = 1) -> None:
        self._count += n

    def dec(self, n: int = 1) -> None:
        self._count -= n

    def get_count(self) -> int:
        return self._count


class Meter(Metric):
    """Events per second over ``time_span_in_seconds`` (average since creation, span-bounded)."""

    def __init__(self, time_span_in_seconds: int = 60) -> None:
        self._span = time_span_in_seconds
        self._count = 0
        self._start = time.monotonic()

    def mark_event(self, value: int = 1) -> None:
        self._count += value

    def get_count(self) -> int:
        return self._count

    def get_rate(self) -> float:
        elapsed = max(time.monotonic() - self._start, 1e-9)
        return self._count / elapsed


class Distribution(Metric):
    """Count, sum, min and max of the values seen (Flink's distribution / histogram summary)."""

    def __init__(self) -> None:
        self.count = 0
        self.sum = 0
        self.min: float | None = None
        self.max: float | None = None

    def update(self, value) -> None:
        self.count += 1
        self.sum += value
        self.min = value if self.min is None else min(self.min, value)
        self.max = value if self.max is None else max(self.max, value)


class MetricGroup:
    def __init__(self, scope: str = "") -> None:
        self._scope = scope
        self._metrics: dict[str, object] = {}
        self._groups: dict[str, MetricGroup] = {}

    def _name(self, name: str) -> str:
        return f"{self._scope}.{name}" if self._scope else name

    def add_group(self, name: str, extra: str | None = None) -> MetricGroup:
        key = name if extra is None else f"{name}.{extra}"
        if key not in self._groups:
            self._groups[key] = MetricGroup(self._name(key))
        return self._groups[key]

    def counter(self, name: str) -> Counter:
        return self._metrics.setdefault(name, Counter())  # type: ignore[return-value]

    def gauge(self, name: str, obj: Callable[[], int]) -> None:
        self._metrics[name] = obj

    def meter(self, name: str, time_span_in_seconds: int = 60) -> Meter:
        return self._metrics.setdefault(name, Meter(time_span_in_seconds))  # type: ignore[return-value]

    def distribution(self, name: str) -> Distribution:
        return self._metrics.setdefault(name, Distribution())  # type: ignore[return-value]

    def metrics(self) -> dict[str, object]:
        """Every metric of this group and its subgroups, by dotted scope name; gauges are read."""
        out: dict[str, object] = {}
        for name, m in self._metrics.items():
            value = m() if callable(m) else m
            out[self._name(name)] = value
        for group in self._groups.values():
            out.update(group.metrics())
        return out
