"""LAT per-event latency: a paced source (20,000 events/s for 5 s by default) -> ``map`` ->
``key_by`` -> ``process`` -> sink, parallelism 1, with ``env.set_buffer_timeout(0)`` and with the
default buffer timeout (100 ms).

Every event is ``(seq, created_ns)``, stamped with ``time.perf_counter_ns()`` when the source
reader creates it; the sink records ``perf_counter_ns() - created_ns``. Reported: p50, p99 and
p99.9 of that latency in microseconds (issue 5 targets with timeout 0: p50 <= 20 us,
p99 <= 200 us, p99.9 <= 2 ms; with the default: p99 <= 100 ms).

:class:`PacedSource` is a flinklite ``Source``: its reader emits every event that is due at
``rate`` events/s since its first poll (``poll`` returns ``([], None)`` when none is due yet and
``None`` after the last), and ``next_available_ms()`` tells the scheduler when the next one is
due (the scheduler's clock has millisecond resolution, so at 20,000 events/s the events arrive
in bursts of ~20 per millisecond; each is stamped when it is created, so the wait for the
burst is not counted, only what happens after creation).

The bare loop paces the same way (sleeping until the next event is due) and runs each event
through the same map function, key selector, per-key counter logic and sink right after
creating it: the floor, about a microsecond.

Under ``benchmarks.run`` the table's throughput ratio means little (both sides are paced at the
same rate); the latency percentiles of both sides go into the note, each the median over three
runs (the tails of single runs swing several-fold on this shared machine). The run length is ``n /
rate`` seconds: 100,000 events = 5 s, ``--quick`` 0.5 s. Standalone::

    .venv/bin/python -m benchmarks.lat_latency [--seconds 5] [--rate 20000] [--quick]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from benchmarks.harness import Workload
from flinklite.common import Types, WatermarkStrategy
from flinklite.datastream import KeyedProcessFunction, RuntimeContext, StreamExecutionEnvironment
from flinklite.datastream.connectors.base import Boundedness, Source, SourceReader
from flinklite.datastream.state import ValueStateDescriptor

RATE = 20_000  # events per second
SECONDS = 5.0
KEYS = 100

perf_counter_ns = time.perf_counter_ns


class _PacedReader(SourceReader):
    """Emits ``(seq, perf_counter_ns())`` for every event due at ``rate``/s since the first poll."""

    def __init__(self, total: int, rate: int) -> None:
        self.total = total
        self.period_ns = 1_000_000_000 // rate
        self.emitted = 0
        self.t0: int | None = None

    def poll(self, max_records: int) -> tuple[list, None] | None:
        if self.emitted >= self.total:
            return None
        now = perf_counter_ns()
        if self.t0 is None:
            self.t0 = now
        due = min((now - self.t0) // self.period_ns + 1, self.total) - self.emitted
        if due <= 0:
            return [], None
        first = self.emitted
        values = [(seq, perf_counter_ns()) for seq in range(first, first + min(due, max_records))]
        self.emitted += len(values)
        return values, None

    def next_available_ms(self) -> float | None:
        if self.t0 is None:
            return None
        wait_ns = self.t0 + self.emitted * self.period_ns - perf_counter_ns()
        # the scheduler's clock is wall-clock milliseconds; fractions make it wake on time
        return (time.time_ns() + max(0, wait_ns)) / 1_000_000


class PacedSource(Source):
    parallelism = 1

    def __init__(self, total: int, rate: int) -> None:
        self.total = total
        self.rate = rate

    def get_boundedness(self) -> Boundedness:
        return Boundedness.BOUNDED

    def create_reader(self, subtask_index: int, parallelism: int) -> SourceReader:
        return _PacedReader(self.total, self.rate)


# The user functions: one object each, shared by the engine job and the bare loop.
to_keyed = lambda e: (e[0] % KEYS, e[1])  # noqa: E731  (key, created_ns)
key_of = lambda e: e[0]  # noqa: E731


def count_and_tag(e: tuple, count: int) -> tuple:
    """What the process step emits: (key, created_ns, the key's running count)."""
    return (e[0], e[1], count)


class CountPerKey(KeyedProcessFunction):
    """A per-key running count in a ValueState; emits every event tagged with it."""

    def open(self, runtime_context: RuntimeContext) -> None:
        self.count = runtime_context.get_state(ValueStateDescriptor("count", Types.LONG()))

    def process_element(self, value: tuple, ctx: KeyedProcessFunction.Context) -> Iterable:
        c = (self.count.value() or 0) + 1
        self.count.update(c)
        return [count_and_tag(value, c)]


def latency_sink() -> tuple[Callable[[tuple], None], list[int]]:
    lat: list[int] = []

    def sink(value: tuple, _append: Callable[[int], None] = lat.append, _now: Callable[[], int] = perf_counter_ns
             ) -> None:
        _append(_now() - value[1])

    return sink, lat


@dataclass
class Ctx:
    n: int
    rate: int
    buffer_timeout: int | None  # None: the default
    engine_lat: list[int] = field(default_factory=list)  # of the last run, ns
    bare_lat: list[int] = field(default_factory=list)
    # (p50, p99, p99.9) of every run: the shared machine makes single runs' tails noisy
    engine_runs: list[tuple] = field(default_factory=list)
    bare_runs: list[tuple] = field(default_factory=list)


def engine(ctx: Ctx) -> int:
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(1)
    if ctx.buffer_timeout is not None:
        env.set_buffer_timeout(ctx.buffer_timeout)
    sink, lat = latency_sink()
    (env.from_source(PacedSource(ctx.n, ctx.rate), WatermarkStrategy.no_watermarks(), "paced")
        .map(to_keyed)
        .key_by(key_of)
        .process(CountPerKey())
        .add_sink(sink))
    env.execute("lat")
    ctx.engine_lat = lat
    ctx.engine_runs.append(percentiles(lat))
    return len(lat)


def bare(ctx: Ctx) -> int:
    """The floor: pace like the source, then run each event through the same functions at once."""
    make, key, tag = to_keyed, key_of, count_and_tag
    sink, lat = latency_sink()
    counts: dict[Any, int] = {}
    period = 1_000_000_000 // ctx.rate
    t0 = perf_counter_ns()
    for seq in range(ctx.n):
        wait = t0 + seq * period - perf_counter_ns()
        if wait > 0:
            time.sleep(wait / 1e9)
        e = make((seq, perf_counter_ns()))
        k = key(e)
        c = counts.get(k, 0) + 1
        counts[k] = c
        sink(tag(e, c))
    ctx.bare_lat = lat
    ctx.bare_runs.append(percentiles(lat))
    return len(lat)


def percentiles(lat_ns: list[int]) -> tuple[float, float, float]:
    """p50, p99, p99.9 in microseconds (nearest rank)."""
    s = sorted(lat_ns)
    if not s:
        return (float("nan"),) * 3

    def at(q: float) -> float:
        return s[min(len(s) - 1, int(q * len(s)))] / 1000

    return at(0.50), at(0.99), at(0.999)


def _fmt(p: tuple[float, float, float]) -> str:
    return " / ".join(f"{x:,.0f}" if x >= 100 else f"{x:.1f}" for x in p)


def _median(runs: list[tuple]) -> tuple[float, float, float]:
    return tuple(statistics.median(r[i] for r in runs) for i in range(3))  # type: ignore[return-value]


def report(ctx: Ctx) -> str:
    tails = ", ".join(_fmt((r[2],)) for r in ctx.engine_runs)
    return (f"latency p50 / p99 / p99.9 us, median of {len(ctx.engine_runs)} runs: engine "
            f"{_fmt(_median(ctx.engine_runs))}, bare {_fmt(_median(ctx.bare_runs))} "
            f"(engine p99.9 per run: {tails}; {ctx.rate:,} ev/s for {ctx.n / ctx.rate:g} s; "
            "throughput columns are the paced rate)")


WORKLOADS: list[Workload] = [
    Workload(
        name=f"LAT latency, buffer timeout {'0' if timeout == 0 else '100 ms (default)'}",
        events=int(RATE * SECONDS),
        setup=lambda n, timeout=timeout: Ctx(n, RATE, timeout),
        engine=engine,
        bare=bare,
        max_repeat=3,
        warmup=0,
        report=report,
    )
    for timeout in (0, None)
]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.lat_latency", description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=SECONDS, help=f"run length (default {SECONDS:g})")
    ap.add_argument("--rate", type=int, default=RATE, help=f"events per second (default {RATE:,})")
    ap.add_argument("--quick", action="store_true", help="a tenth of the run length")
    args = ap.parse_args(argv)
    n = int(args.rate * args.seconds / (10 if args.quick else 1))
    print("| buffer timeout | side | p50 us | p99 us | p99.9 us | events |")
    print("|---|---|---:|---:|---:|---:|")
    for timeout, label in ((0, "0"), (None, "100 ms (default)")):
        ctx = Ctx(n, args.rate, timeout)
        bare(ctx)
        engine(ctx)
        for side, lat in (("engine", ctx.engine_lat), ("bare", ctx.bare_lat)):
            p = percentiles(lat)
            print(f"| {label} | {side} | {p[0]:.1f} | {p[1]:.1f} | {p[2]:.1f} | {len(lat):,} |")


if __name__ == "__main__":
    main()
