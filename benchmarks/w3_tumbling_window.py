"""W3 event-time tumbling window: N events (key = i % 1000, timestamp = i ms) -> 1 s tumbling
windows -> count per key and window, at parallelism 1 and 2.

Job::

    env.from_source(NumberSequenceSource(0, N - 1),
                    WatermarkStrategy.for_bounded_out_of_orderness(Duration.of_millis(100))
                        .with_timestamp_assigner(event_time), "numbers")      # parallelism 1
       .key_by(key_of)                                                        # i % 1000
       .window(TumblingEventTimeWindows.of(Time.seconds(1)))
       .aggregate(CountAggregate(), window_function=WithWindow())             # -> (key, start, count)
       .add_sink(sink)

The count is an ``aggregate`` with a counting :class:`AggregateFunction` (accumulator = an int),
and a :class:`WindowFunction` attaches the key and the window start to the count, so each firing
emits ``(key, window_start, count)``. The event is the number itself (no map): the timestamp
assigner returns it, the key selector takes it modulo 1000.

Shape of the data: in 1 s of event time there are exactly 1000 events, one per key, so every
(key, window) pane receives **one** event: 1,000,000 panes created, each with one accumulator
and one firing. That is the worst case for a window operator (no amortisation of a pane over
several events), and it is the workload issue 5 specifies. The job runs on flinklite's
aligned-window operator (one due time per window, not one timer per pane; see
``flinklite/runtime/operators/aligned_window.py``).

The bare loop is the floor: ``open_windows: dict[window_start, dict[key, accumulator]]`` (a dict
of windows keyed by (key, window_start), grouped by start so the firing needs no scan), the
maximum timestamp seen and the watermark ``max_ts - 100 - 1`` exactly as
``BoundedOutOfOrdernessWatermarks`` computes it. It fires every window whose ``max_timestamp``
the watermark has passed once every 1,024 events: the engine's source emits 1,024-record batches
and can only emit a watermark between batches, so that is the finest granularity at which the
engine could fire (the engine actually emits watermarks every 200 ms of processing time, i.e.
later, which costs it memory, not work). At the end of the input everything fires (the final
``MAX_TIMESTAMP`` watermark). Both sides call the same timestamp assigner, key selector,
``CountAggregate`` methods, ``WithWindow.apply`` (with a real ``TimeWindow``) and sink.

Result: a :class:`ResultDigest` of the emitted ``(key, window_start, count)`` triples (how many,
the sum of the counts, and the sum of their hashes mod 2**64, an order-independent fingerprint of
the multiset). It stands for the set of triples without holding 1,000,000 tuples on both sides,
which would dominate the peak RSS the issue asks to compare.

At parallelism 2 the source stays at 1 (two source subtasks would split the number range into two
halves with separate watermarks, holding half the windows open); the window operator and the sink
run as two subtasks behind a key_by exchange.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from benchmarks.harness import Workload
from flinklite.common import Configuration, Duration, Time, WatermarkStrategy
from flinklite.datastream import StreamExecutionEnvironment
from flinklite.datastream.connectors.number_seq import NumberSequenceSource
from flinklite.datastream.functions import AggregateFunction, WindowFunction
from flinklite.datastream.window import TimeWindow, TumblingEventTimeWindows

N = 1_000_000
KEYS = 1000
WINDOW_MS = 1000
OUT_OF_ORDERNESS_MS = 100
BATCH = 1024  # the engine's source batch: the bare loop checks its watermark this often

# The user functions: one object each, shared by the engine job and the bare loop.
event_time = lambda i, _record_ts: i  # noqa: E731  (timestamp = i ms)
key_of = lambda i: i % KEYS  # noqa: E731


class CountAggregate(AggregateFunction):
    """Counts the elements of a window."""

    def create_accumulator(self) -> int:
        return 0

    def add(self, value: Any, accumulator: int) -> int:
        return accumulator + 1

    def get_result(self, accumulator: int) -> int:
        return accumulator

    def merge(self, acc_a: int, acc_b: int) -> int:
        return acc_a + acc_b


class WithWindow(WindowFunction):
    """Turns a window's count into ``(key, window_start, count)``."""

    def apply(self, key: Any, window: TimeWindow, inputs: Iterable) -> list:
        (count,) = inputs
        return [(key, window.start, count)]


COUNT = CountAggregate()
WITH_WINDOW = WithWindow()
MASK = (1 << 64) - 1


class ResultDigest:
    """Order-independent fingerprint of a multiset of result records (equality = same results)."""

    __slots__ = ("records", "total", "hashes")

    def __init__(self) -> None:
        self.records = 0
        self.total = 0  # sum of the counts (field 2)
        self.hashes = 0  # sum of hash(record) mod 2**64

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ResultDigest) and (self.records, self.total, self.hashes) == (
            other.records, other.total, other.hashes)

    def __repr__(self) -> str:
        return f"ResultDigest(records={self.records}, total={self.total}, hashes={self.hashes:#x})"


def digest_sink(field: int = 2) -> tuple[Callable[[Any], None], ResultDigest]:
    """A plain-callable sink folding every record into a :class:`ResultDigest`; a plain function
    is shared, not copied, by the parallel sink subtasks."""
    d = ResultDigest()

    def sink(value: tuple, _d: ResultDigest = d, _h: Callable[[Any], int] = hash) -> None:
        _d.records += 1
        _d.total += value[field]
        _d.hashes = (_d.hashes + _h(value)) & MASK

    return sink, d


def strategy() -> WatermarkStrategy:
    return (WatermarkStrategy.for_bounded_out_of_orderness(Duration.of_millis(OUT_OF_ORDERNESS_MS))
            .with_timestamp_assigner(event_time))


def build(env: StreamExecutionEnvironment, n: int, sink: Callable[[Any], None]) -> None:
    """Add the W3 pipeline to ``env`` (shared with W4, which adds checkpointing)."""
    (env.from_source(NumberSequenceSource(0, n - 1), strategy(), "numbers")
        .set_parallelism(1)
        .key_by(key_of)
        .window(TumblingEventTimeWindows.of(Time.seconds(WINDOW_MS // 1000)))
        .aggregate(COUNT, window_function=WITH_WINDOW)
        .add_sink(sink))


def engine(n: int, parallelism: int, conf: Configuration | None = None) -> ResultDigest:
    env = StreamExecutionEnvironment.get_execution_environment(conf)
    env.set_parallelism(parallelism)
    sink, digest = digest_sink()
    build(env, n, sink)
    env.execute(f"w3 p={parallelism}")
    return digest


def bare(n: int) -> ResultDigest:
    """The floor: per-key accumulators grouped by window start, fired as the watermark passes."""
    extract, key, agg, apply = event_time, key_of, COUNT, WITH_WINDOW.apply
    create, add, result = agg.create_accumulator, agg.add, agg.get_result
    sink, digest = digest_sink()
    size = WINDOW_MS
    open_windows: dict[int, dict[Any, Any]] = {}
    max_ts = -(2**63) + OUT_OF_ORDERNESS_MS + 1

    def fire(watermark: int) -> None:
        for start in sorted(s for s in open_windows if s + size - 1 <= watermark):
            window = TimeWindow(start, start + size)
            for k, acc in open_windows.pop(start).items():
                for out in apply(k, window, (result(acc),)):
                    sink(out)

    for lo in range(0, n, BATCH):
        for i in range(lo, min(lo + BATCH, n)):
            ts = extract(i, None)
            if ts > max_ts:
                max_ts = ts
            start = ts - ts % size
            panes = open_windows.get(start)
            if panes is None:
                panes = open_windows[start] = {}
            k = key(i)
            acc = panes.get(k)
            panes[k] = add(i, create() if acc is None else acc)
        fire(max_ts - OUT_OF_ORDERNESS_MS - 1)
    fire(2**63 - 1)
    return digest


WORKLOADS: list[Workload] = [
    Workload(
        name=f"W3 tumbling window count, p={p}",
        events=N,
        setup=lambda n: n,
        engine=lambda n, p=p: engine(n, p),
        bare=bare,
        note=("aggregate(CountAggregate, WindowFunction); one event per (key, window) pane; "
              "digest of (key, start, count)" + ("; source at p=1" if p > 1 else "")),
    )
    for p in (1, 2)
]
