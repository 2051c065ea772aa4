"""Hypothesis strategies for stream-processing tests (needs ``hypothesis``: ``pip install
flinklite[test]``; the rest of :mod:`flinklite.testing` works without it).

* :func:`out_of_order_streams`: ``[(key, timestamp, value), ...]`` whose disorder is bounded by
  ``max_delay`` (every record's timestamp is at least the largest timestamp before it minus
  ``max_delay``), so ``WatermarkStrategy.for_bounded_out_of_orderness(max_delay)`` never makes a
  record late.
* :func:`failure_schedules`: :class:`~flinklite.testing.faults.FaultPlan` s over the operators you
  name.
* :func:`job_shapes`: small random :class:`JobShape` s (source kind, map/filter chain, optional
  ``key_by`` with keyed state, optional event-time timers, parallelism 1..4) and
  :func:`build_job` turns a shape plus a stream into a pipeline. Every shape's output is
  order-insensitive as a multiset, so it can be compared across runs with
  :func:`~flinklite.testing.exactly_once.check_exactly_once`::

      @given(shape=job_shapes(), data=out_of_order_streams(), plan=st.data())
      def test_recovers(shape, data, plan):
          faults = plan.draw(failure_schedules(shape.operator_names()))
          check_exactly_once(shape.builder(), data, faults)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from flinklite.common import TimestampAssigner, Types
from flinklite.datastream.functions import KeyedProcessFunction
from flinklite.datastream.state import ValueStateDescriptor
from flinklite.testing.faults import FaultPlan
from flinklite.time.watermark import MIN_TIMESTAMP

__all__ = ["out_of_order_streams", "failure_schedules", "job_shapes", "JobShape", "build_job", "COLLECT_SINK"]

#: the name of the sink behind ``execute_and_collect()``, for faults that target a commit
COLLECT_SINK = "Collect Sink"


# -- streams ----------------------------------------------------------------------------------
@st.composite
def out_of_order_streams(draw: Any, keys: Sequence[Any] | st.SearchStrategy = ("a", "b", "c", "d"),
                         max_delay: int = 10, size: int | tuple[int, int] = (0, 60),
                         values: st.SearchStrategy | None = None, start: int = 0,
                         max_step: int = 5) -> list[tuple[Any, int, Any]]:
    """A list of ``(key, timestamp, value)`` with bounded disorder: each record's timestamp is
    ``t - d`` where ``t`` is a non-decreasing "true" time (steps of 0..``max_step``) and ``d`` a
    delay in ``0..max_delay``. ``keys``: a sequence to sample from, or a strategy. ``size``: an
    exact length or ``(min, max)``. ``values``: a strategy (default: small ints)."""
    key_strategy = keys if isinstance(keys, st.SearchStrategy) else st.sampled_from(list(keys))
    value_strategy = values if values is not None else st.integers(-1000, 1000)
    lo, hi = (size, size) if isinstance(size, int) else size
    n = draw(st.integers(lo, hi))
    out = []
    t = start
    for _ in range(n):
        t += draw(st.integers(0, max_step))
        delay = draw(st.integers(0, max_delay)) if max_delay > 0 else 0
        out.append((draw(key_strategy), t - delay, draw(value_strategy)))
    return out


# -- fault plans --------------------------------------------------------------------------------
@st.composite
def failure_schedules(draw: Any, operators: Sequence[str], sinks: Sequence[str] = (COLLECT_SINK,),
                      max_faults: int = 3, max_record: int = 100, max_checkpoint: int = 4,
                      kinds: Sequence[str] = ("record", "snapshot", "before_commit", "in_commit"),
                      min_faults: int = 1) -> FaultPlan:
    """A :class:`FaultPlan` of ``min_faults..max_faults`` faults over ``operators`` (names or
    uids; commit faults go to ``sinks``). ``kinds`` picks among ``"record"``
    (:meth:`~FaultPlan.fail_operator`), ``"snapshot"``, ``"before_commit"`` and ``"in_commit"``.
    Each fault fires on a chosen attempt, or (``attempt=None``) on the first that reaches it."""
    if not operators:
        raise ValueError("failure_schedules needs at least one operator name")
    plan = FaultPlan()
    for _ in range(draw(st.integers(min_faults, max_faults))):
        kind = draw(st.sampled_from(list(kinds)))
        attempt = draw(st.one_of(st.none(), st.integers(0, 2)))
        checkpoint = draw(st.one_of(st.none(), st.integers(1, max_checkpoint)))
        if kind == "record":
            plan.fail_operator(draw(st.sampled_from(list(operators))), at_record=draw(st.integers(1, max_record)),
                               attempt=attempt)
        elif kind == "snapshot":
            plan.fail_during_snapshot(draw(st.sampled_from(list(operators) + list(sinks))), checkpoint=checkpoint,
                                      attempt=attempt)
        elif kind == "before_commit":
            plan.fail_after_snapshot_before_commit(draw(st.sampled_from(list(sinks) + list(operators))),
                                                   checkpoint=checkpoint, attempt=attempt)
        elif kind == "in_commit":
            plan.fail_in_commit(draw(st.sampled_from(list(sinks))), checkpoint=checkpoint, attempt=attempt)
        else:
            raise ValueError(f"unknown fault kind {kind!r}; use record, snapshot, before_commit or in_commit")
    return plan


# -- job shapes ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class JobShape:
    """A small job, as data. ``source``: ``"collection"`` (``from_collection``, parallelism 1) or
    ``"number_sequence"`` (parallel ``NumberSequenceSource`` over the record indexes).
    ``steps``: ``("map", a)`` (value * a + 1) and ``("filter", m)`` (drop values divisible by m),
    in order. ``keyed``: None, ``"count"`` (running count per key: emits ``(key, n)``),
    ``"sum"`` (per-key total emitted at the end of input by an event-time timer) or
    ``"window"`` (a tumbling event-time window of ``window_size`` ms per key, reducing its
    records to ``(key, earliest timestamp, sum of values)``; needs ``event_time``; the data's
    disorder must stay within ``max_delay``, so no record is late and results do not depend on
    when watermarks happen to be emitted).
    ``timers``: the keyed function also registers an event-time timer at ``ts + timer_delay``
    per record and emits ``("timer", key, t)`` when it fires. ``event_time``: assign timestamps
    and bounded-out-of-orderness watermarks after the source."""

    source: str = "collection"
    parallelism: int = 1
    steps: tuple[tuple[str, int], ...] = ()
    keyed: str | None = None
    timers: bool = False
    event_time: bool = True
    max_delay: int = 10
    timer_delay: int = 5
    window_size: int = 20

    @property
    def source_name(self) -> str:
        return "numbers" if self.source == "number_sequence" else "Collection Source"

    def operator_names(self) -> list[str]:
        """Names a fault plan can target: the source, each step, the keyed operator."""
        names = [self.source_name]
        if self.source == "number_sequence":
            names.append("lookup")
        if self.event_time:
            names.append("timestamps")
        names += [f"{kind}{i}" for i, (kind, _) in enumerate(self.steps)]
        if self.keyed is not None:
            names.append("keyed")
        return names

    def builder(self) -> Callable[[Any, Any], Any]:
        """``build(env, data)`` for :func:`~flinklite.testing.exactly_once.check_exactly_once`."""
        return lambda env, data: build_job(env, self, data)


@st.composite
def job_shapes(draw: Any, max_parallelism: int = 4, max_steps: int = 3,
               sources: Sequence[str] = ("collection", "number_sequence"),
               keyed: Sequence[str | None] = (None, "count", "sum", "window")) -> JobShape:
    """Random :class:`JobShape` s, parallelism ``1..max_parallelism``. For at-least-once tests
    leave out ``"sum"`` and ``"window"`` (``keyed=(None, "count")``): a replayed record is
    counted twice in a total, so totals legitimately differ."""
    steps = tuple(draw(st.lists(st.one_of(st.tuples(st.just("map"), st.integers(-3, 3)),
                                          st.tuples(st.just("filter"), st.integers(2, 5))),
                                max_size=max_steps)))
    keyed_kind = draw(st.sampled_from(list(keyed)))
    windowed = keyed_kind == "window"
    return JobShape(
        source=draw(st.sampled_from(list(sources))),
        parallelism=draw(st.integers(1, max_parallelism)),
        steps=steps,
        keyed=keyed_kind,
        timers=keyed_kind is not None and not windowed and draw(st.booleans()),
        event_time=windowed or draw(st.booleans()),
        window_size=draw(st.integers(5, 40)) if windowed else 20,
    )


def build_job(env: Any, shape: JobShape, data: list[tuple[Any, int, Any]]) -> Any:
    """Assemble ``shape`` over ``data`` (``(key, timestamp, value)`` records) on ``env`` and
    return the last ``DataStream`` (call ``execute_and_collect()`` on it, or hand
    ``shape.builder()`` to ``check_exactly_once``)."""
    from flinklite.common import WatermarkStrategy
    from flinklite.datastream.connectors.number_seq import NumberSequenceSource

    env.set_parallelism(shape.parallelism)
    if shape.source == "number_sequence":
        if data:
            ds = env.from_source(NumberSequenceSource(0, len(data) - 1), WatermarkStrategy.no_watermarks(),
                                 "numbers")
        else:  # NumberSequenceSource cannot be empty; keep the operator names of the shape
            ds = env.from_collection([]).name("numbers")
        ds = ds.map(_Lookup(list(data))).name("lookup").uid("lookup")
    elif shape.source == "collection":
        ds = env.from_collection(list(data))
    else:
        raise ValueError(f"unknown source kind {shape.source!r}: use 'collection' or 'number_sequence'")
    if shape.event_time:
        strategy = (WatermarkStrategy.for_bounded_out_of_orderness(shape.max_delay)
                    .with_timestamp_assigner(_RecordTimestamp()))
        ds = ds.assign_timestamps_and_watermarks(strategy).name("timestamps").uid("timestamps")
    for i, (kind, arg) in enumerate(shape.steps):
        if kind == "map":
            ds = ds.map(_Scale(arg)).name(f"map{i}").uid(f"map{i}")
        elif kind == "filter":
            ds = ds.filter(_NotDivisible(arg)).name(f"filter{i}").uid(f"filter{i}")
        else:
            raise ValueError(f"unknown step {kind!r}: use 'map' or 'filter'")
    if shape.keyed == "window":
        from flinklite.common import Time
        from flinklite.datastream.window import TumblingEventTimeWindows

        if not shape.event_time:
            raise ValueError("a 'window' job shape needs event_time=True")
        ds = (ds.key_by(_first).window(TumblingEventTimeWindows.of(Time.milliseconds(shape.window_size)))
              .reduce(_window_sum).name("keyed").uid("keyed"))
    elif shape.keyed is not None:
        fn = _KeyedShapeFunction(shape.keyed, shape.timers, shape.timer_delay)
        ds = ds.key_by(_first).process(fn).name("keyed").uid("keyed")
    return ds


def _window_sum(a: tuple, b: tuple) -> tuple:
    # commutative and associative: the result does not depend on the arrival order
    return (a[0], min(a[1], b[1]), a[2] + b[2])


# -- the functions job shapes use (module-level: copyable and picklable) ------------------------
def _first(record: tuple) -> Any:
    return record[0]


class _Lookup:
    def __init__(self, data: list) -> None:
        self.data = data

    def __call__(self, i: int) -> Any:
        return self.data[i]


class _Scale:
    def __init__(self, factor: int) -> None:
        self.factor = factor

    def __call__(self, r: tuple) -> tuple:
        return (r[0], r[1], r[2] * self.factor + 1)


class _NotDivisible:
    def __init__(self, m: int) -> None:
        self.m = m

    def __call__(self, r: tuple) -> bool:
        return r[2] % self.m != 0


class _RecordTimestamp(TimestampAssigner):
    def extract_timestamp(self, value: tuple, record_timestamp: int) -> int:
        return value[1]


_END = 10**12  # an event-time timer that only the final MAX watermark fires


class _KeyedShapeFunction(KeyedProcessFunction):
    def __init__(self, kind: str, timers: bool, timer_delay: int) -> None:
        self.kind = kind
        self.timers = timers
        self.timer_delay = timer_delay

    def open(self, runtime_context: Any) -> None:
        self.count = runtime_context.get_state(ValueStateDescriptor("count", Types.LONG()))
        self.total = runtime_context.get_state(ValueStateDescriptor("total", Types.LONG()))

    def process_element(self, value: tuple, ctx: Any):
        n = (self.count.value() or 0) + 1
        self.count.update(n)
        self.total.update((self.total.value() or 0) + value[2])
        ts = ctx.timestamp()
        if self.timers and ts is not None and ts > MIN_TIMESTAMP:
            ctx.timer_service().register_event_time_timer(ts + self.timer_delay)
        if self.kind == "count":
            yield (value[0], n)
        elif n == 1:
            ctx.timer_service().register_event_time_timer(_END)

    def on_timer(self, timestamp: int, ctx: Any):
        if timestamp >= _END:
            yield ("sum", ctx.get_current_key(), self.total.value(), self.count.value())
        else:
            yield ("timer", ctx.get_current_key(), timestamp)
