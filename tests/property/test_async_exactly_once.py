"""Async I/O keeps exactly-once under random failures: calls in flight at a checkpoint are part
of it and are made again after a restore, so the committed output equals the failure-free one,
for ordered and unordered mode, any capacity and parallelism.

Bounded for CI; ``FLINKLITE_SLOW=1 pytest -m slow tests/property/test_async_exactly_once.py``
runs many more examples.
"""

import asyncio
import os
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flinklite.common import Time
from flinklite.datastream.async_data_stream import AsyncDataStream
from flinklite.datastream.functions import AsyncFunction
from flinklite.testing import check_exactly_once
from flinklite.testing.strategies import failure_schedules

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
slow = pytest.mark.skipif(os.environ.get("FLINKLITE_SLOW") != "1", reason="set FLINKLITE_SLOW=1")


class Lookup(AsyncFunction):
    def __init__(self, seed: int) -> None:
        self.seed = seed

    def open(self, runtime_context):
        self.rng = random.Random(self.seed)

    async def async_invoke(self, value):
        if self.rng.random() < 0.5:
            await asyncio.sleep(self.rng.random() / 1000)
        return [value] if value % 5 else [value, -value]


def builder(ordered: bool, capacity: int, seed: int):
    def build(env, data):
        wait = AsyncDataStream.ordered_wait if ordered else AsyncDataStream.unordered_wait
        out = wait(env.from_collection(data), Lookup(seed), Time.seconds(30), capacity=capacity)
        return (out.map(lambda v: (v % 4, 1)).name("pair")
                .key_by(lambda p: p[0]).reduce(lambda a, b: (a[0], a[1] + b[1])))
    return build


def _check(data, ordered, capacity, parallelism, seed, draw):
    plan = draw(failure_schedules(["async wait operator", "pair"], max_record=max(1, len(data))))
    result = check_exactly_once(builder(ordered, capacity, seed), data, plan, seed=seed,
                                parallelism=parallelism, checkpoint_interval_ms=8)
    assert result.restarts == len(result.fired)


params = dict(data=st.lists(st.integers(0, 10_000), max_size=80), ordered=st.booleans(),
              capacity=st.integers(1, 8), parallelism=st.integers(1, 3), seed=st.integers(0, 1000),
              draw=st.data())


@FAST
@given(**params)
def test_async_io_exactly_once_under_random_failures(data, ordered, capacity, parallelism, seed, draw):
    _check(data, ordered, capacity, parallelism, seed, draw.draw)


@slow
@pytest.mark.slow
@SLOW
@given(**params)
def test_async_io_exactly_once_under_random_failures_slow(data, ordered, capacity, parallelism, seed, draw):
    _check(data, ordered, capacity, parallelism, seed, draw.draw)
