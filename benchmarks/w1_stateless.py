"""W1 stateless: N ints -> ``map(x * 3)`` -> ``filter(x % 2 == 0)`` -> counting sink, parallelism 1.

Two sources, because they reach the chain differently:

* ``number_seq``: ``env.from_source(NumberSequenceSource(0, N - 1), WatermarkStrategy.no_watermarks(), ...)``;
  each poll builds a fresh ``list(range(...))`` batch.
* ``collection``: ``env.from_collection(list)``; each poll slices the (copied) list.

The bare loop calls the very same lambda objects and counts inline::

    for x in range(N):
        y = f(x)
        if g(y):
            count += 1

The engine's sink is a plain callable that counts (``add_sink(fn)``), so the engine pays one
sink call per surviving record that the bare loop does not. Result: the count of records that
reached the sink (N / 2).
"""

from __future__ import annotations

from typing import Any

from benchmarks.harness import Workload, counting_sink
from flinklite.common import WatermarkStrategy
from flinklite.datastream import StreamExecutionEnvironment
from flinklite.datastream.connectors.number_seq import NumberSequenceSource

N = 2_000_000

# The user functions: one object each, shared by the engine job and the bare loop.
triple = lambda x: x * 3  # noqa: E731
is_even = lambda x: x % 2 == 0  # noqa: E731


def _env() -> StreamExecutionEnvironment:
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(1)
    return env


def engine_number_seq(n: int) -> int:
    env = _env()
    sink, count = counting_sink()
    (env.from_source(NumberSequenceSource(0, n - 1), WatermarkStrategy.no_watermarks(), "numbers")
        .map(triple)
        .filter(is_even)
        .add_sink(sink))
    env.execute("w1 number_seq")
    return count[0]


def engine_collection(data: list[int]) -> int:
    env = _env()
    sink, count = counting_sink()
    env.from_collection(data).map(triple).filter(is_even).add_sink(sink)
    env.execute("w1 collection")
    return count[0]


def bare(source: Any) -> int:
    """The floor: the same two lambdas in a plain loop (``source`` is a range or a list)."""
    f, g = triple, is_even
    count = 0
    for x in source:
        y = f(x)
        if g(y):
            count += 1
    return count


WORKLOADS: list[Workload] = [
    Workload(
        name="W1 stateless, NumberSequenceSource",
        events=N,
        setup=lambda n: n,
        engine=engine_number_seq,
        bare=lambda n: bare(range(n)),
    ),
    Workload(
        name="W1 stateless, from_collection",
        events=N,
        setup=lambda n: list(range(n)),
        engine=engine_collection,
        bare=bare,
    ),
]
