"""Flink's metrics (``org.apache.flink.metrics``), as PyFlink's ``pyflink.metrics`` names them.

A ``MetricGroup`` is a named scope that hands out counters, gauges, meters and distributions.
``RuntimeContext.get_metrics_group()`` returns the operator's group, scoped like Flink's default
``metrics.scope.operator`` (``<host>.taskmanager.<tm_id>.<job_name>.<operator_name>.<subtask_index>``)
and carrying Flink's scope variables (``<job_id>``, ``<operator_name>``, ...), which a reporter
turns into Prometheus labels. ``add_group(key, value)`` makes a key/value group as Flink's
``addGroup(key, value)``: the key joins the metric's name, the value becomes a variable.

The engine's own metrics (numRecordsIn, currentInputWatermark, checkpoints, ...) live in the same
kind of groups; see docs/concepts/metrics-and-rest.md. Differences from Flink: a ``Meter`` is
Flink's ``MeterView`` (a rate over its time span, sampled about once a second while a reporter
or the REST server runs, else the average since creation); a ``Distribution`` keeps count, sum,
min and max (PyFlink's Python distribution), not a histogram.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

__all__ = ["Counter", "Distribution", "Meter", "Metric", "MetricGroup"]


class Metric:
    """Base of every metric kind."""


class Counter(Metric):
    __slots__ = ("_count",)

    def __init__(self) -> None:
        self._count = 0

    def inc(self, n: int = 1) -> None:
        self._count += n

    def dec(self, n: int = 1) -> None:
        self._count -= n

    def get_count(self) -> int:
        return self._count


class Meter(Metric):
    """Events per second over the last ``time_span_in_seconds`` (Flink's ``MeterView``).

    ``_sample()`` records (time, count) pairs; the rate is the count's growth across the samples
    inside the span. With fewer than two samples it is the average since creation.
    """

    def __init__(self, time_span_in_seconds: int = 60) -> None:
        self._span = max(1, int(time_span_in_seconds))
        self._count = 0
        self._start = time.monotonic()
        self._samples: deque = deque()

    def mark_event(self, value: int = 1) -> None:
        self._count += value

    def get_count(self) -> int:
        return self._count

    def _sample(self, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        samples = self._samples
        samples.append((now, self._count))
        while len(samples) > 2 and samples[1][0] <= now - self._span:
            samples.popleft()

    def get_rate(self) -> float:
        samples = self._samples
        if len(samples) >= 2:
            (t0, c0), (t1, c1) = samples[0], samples[-1]
            return (c1 - c0) / (t1 - t0) if t1 > t0 else 0.0
        elapsed = max(time.monotonic() - self._start, 1e-9)
        return self._count / elapsed


class _RateOf(Meter):
    """A meter whose count is read from elsewhere (Flink's ``MeterView`` over a ``Counter``):
    the engine counts per batch in its own fields, this turns that count into a rate."""

    def __init__(self, read: Callable[[], int], time_span_in_seconds: int = 60) -> None:
        super().__init__(time_span_in_seconds)
        self._read = read

    def mark_event(self, value: int = 1) -> None:  # the count is not ours to change
        raise TypeError("this meter follows an engine counter and cannot be marked")

    def get_count(self) -> int:
        return self._read()

    def _sample(self, now: float | None = None) -> None:
        self._count = self._read()
        super()._sample(now)

    def get_rate(self) -> float:
        self._count = self._read()
        return super().get_rate()


class Distribution(Metric):
    """Count, sum, min and max of the values seen (PyFlink's distribution)."""

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


class _Gauge(Metric):
    __slots__ = ("read",)

    def __init__(self, read: Callable[[], object]) -> None:
        self.read = read

    def get_value(self) -> object:
        return self.read()




class MetricGroup:
    """A scope of metrics. ``scope`` is the dotted identifier prefix (Flink's scope components),
    ``logical`` the scope without variable parts (what a Prometheus metric name is made of), and
    ``variables`` the ``<name>: value`` pairs every metric of the group carries."""

    def __init__(self, scope: str = "", logical: tuple[str, ...] = (),
                 variables: dict[str, str] | None = None) -> None:
        self._scope = scope
        self._logical = tuple(logical)
        self._variables = dict(variables or {})
        self._metrics: dict[str, Metric] = {}
        self._groups: dict[str, MetricGroup] = {}

    def _name(self, name: str) -> str:
        return f"{self._scope}.{name}" if self._scope else name

    def _child(self, name: str, logical: bool, variables: dict[str, str]) -> MetricGroup:
        return MetricGroup(self._name(name), self._logical + ((name,) if logical else ()), variables)

    def add_group(self, name: str, extra: str | None = None) -> MetricGroup:
        """A subgroup ``name``; with ``extra``, a key/value group: ``name`` is the key (part of
        the metric name), ``extra`` the value (the variable ``<name>``)."""
        name = str(name)
        if extra is None:
            group = self._groups.get(name)
            if group is None:
                group = self._groups[name] = self._child(name, True, self._variables)
            return group
        key_group = self._groups.get(name)
        if key_group is None:
            key_group = self._groups[name] = self._child(name, True, self._variables)
        extra = str(extra)
        group = key_group._groups.get(extra)
        if group is None:
            variables = dict(self._variables)
            variables[f"<{name}>"] = extra
            group = key_group._groups[extra] = key_group._child(extra, False, variables)
        return group

    def _register(self, name: str, metric: Metric) -> Metric:
        existing = self._metrics.get(name)
        if existing is not None and type(existing) is type(metric):
            return existing  # Flink warns and keeps the first; returning it keeps counts together
        self._metrics[name] = metric
        return metric

    def counter(self, name: str) -> Counter:
        return self._register(name, Counter())  # type: ignore[return-value]

    def gauge(self, name: str, obj: Callable[[], int]) -> None:
        self._metrics[name] = _Gauge(obj)

    def meter(self, name: str, time_span_in_seconds: int = 60) -> Meter:
        return self._register(name, Meter(time_span_in_seconds))  # type: ignore[return-value]

    def distribution(self, name: str) -> Distribution:
        return self._register(name, Distribution())  # type: ignore[return-value]

    # -- reading (reporters, REST, tests) ------------------------------------------------------
    def metrics(self) -> dict[str, object]:
        """Every metric of this group and its subgroups, by dotted scope name. Gauges are read;
        counters, meters and distributions are given as the objects."""
        out: dict[str, object] = {}
        for name, m in self._metrics.items():
            out[self._name(name)] = m.read() if isinstance(m, _Gauge) else m
        for group in self._groups.values():
            out.update(group.metrics())
        return out

    def _walk(self):
        """(group, name, metric) for this group and every subgroup."""
        for name, m in list(self._metrics.items()):
            yield self, name, m
        for group in list(self._groups.values()):
            yield from group._walk()

    def _meters(self):
        for _, _, m in self._walk():
            if isinstance(m, Meter):
                yield m


def _value(metric: Metric) -> object:
    """The number a reporter shows for a metric (a distribution is shown by its parts)."""
    if isinstance(metric, _Gauge):
        return metric.read()
    if isinstance(metric, Meter):
        return metric.get_rate()
    if isinstance(metric, Counter):
        return metric.get_count()
    if isinstance(metric, Distribution):
        return {"count": metric.count, "sum": metric.sum, "min": metric.min, "max": metric.max}
    return None
