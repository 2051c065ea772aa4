"""W2 keyed rolling reduce: N events ``(i % 1000, i)`` -> ``key_by(e[0])`` -> ``reduce`` sum ->
sink, at parallelism 1 and 2.

The events are made by a map over ``NumberSequenceSource(0, N - 1)`` (``to_event``), the shape of
Flink's word count: key in field 0, running sum in field 1. STREAMING mode, so ``reduce`` is
rolling: every input record emits the key's new sum.

The bare loop is a dict fold calling the very same functions (``to_event``, ``key_of``,
``add``) and "emits" each rolling value into the same kind of sink, ``RollingSink``: a plain
callable that counts records and keeps the last value per key. Result: (records emitted,
final sum per key), which must be equal on both sides.

At parallelism 2 the source and its map run as one task, the reduce and the sink as two
(key_by is an all-to-all exchange), so the engine also pays partitioning and channel hand-over.
"""

from __future__ import annotations

from typing import Any

from benchmarks.harness import Workload
from flinklite.common import WatermarkStrategy
from flinklite.datastream import StreamExecutionEnvironment
from flinklite.datastream.connectors.number_seq import NumberSequenceSource

N = 1_000_000
KEYS = 1000

# The user functions: one object each, shared by the engine job and the bare loop.
to_event = lambda i: (i % KEYS, i)  # noqa: E731
key_of = lambda e: e[0]  # noqa: E731
add = lambda a, b: (a[0], a[1] + b[1])  # noqa: E731


def rolling_sink() -> tuple[Any, list[int], dict]:
    """A plain-callable sink: counts records and keeps the last (= final) value per key.

    A plain function is shared, not copied, by every parallel sink subtask."""
    count = [0]
    last: dict = {}

    def sink(value: tuple, _count: list[int] = count, _last: dict = last) -> None:
        _count[0] += 1
        _last[value[0]] = value[1]

    return sink, count, last


def engine(n: int, parallelism: int) -> tuple[int, dict]:
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(parallelism)
    sink, count, last = rolling_sink()
    (env.from_source(NumberSequenceSource(0, n - 1), WatermarkStrategy.no_watermarks(), "numbers")
        .set_parallelism(1)
        .map(to_event)
        .set_parallelism(1)
        .key_by(key_of)
        .reduce(add)
        .add_sink(sink))
    env.execute(f"w2 p={parallelism}")
    return count[0], last


def bare(n: int) -> tuple[int, dict]:
    """The floor: a dict fold over the same functions; a key's first record is its accumulator
    (the reduce function is not called for it), as in the engine."""
    make, key, reduce = to_event, key_of, add
    sink, count, last = rolling_sink()
    acc: dict = {}
    get = acc.get
    for i in range(n):
        e = make(i)
        k = key(e)
        a = get(k)
        v = e if a is None else reduce(a, e)
        acc[k] = v
        sink(v)
    return count[0], last


WORKLOADS: list[Workload] = [
    Workload(
        name=f"W2 keyed reduce, p={p}",
        events=N,
        setup=lambda n: n,
        engine=lambda n, p=p: engine(n, p),
        bare=bare,
        note="source+map at p=1" if p > 1 else "",
    )
    for p in (1, 2)
]
