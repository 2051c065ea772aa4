"""Exactly-once under random failures, over random job shapes (flinklite.testing).

Random jobs (collection or parallel number-sequence source, map/filter chains, key_by with keyed
state, event-time timers, parallelism 1..4), random out-of-order streams, random scheduler seeds
and checkpoint intervals, and random failure schedules (fail an operator at its k-th record,
during a snapshot, between snapshot and commit, in the commit): the committed output equals the
failure-free output in EXACTLY_ONCE mode, and contains it in AT_LEAST_ONCE mode.

Bounded for CI; ``FLINKLITE_SLOW=1 pytest -m slow tests/property/test_exactly_once.py`` runs
many more examples.
"""

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flinklite.testing import check_exactly_once
from flinklite.testing.strategies import failure_schedules, job_shapes, out_of_order_streams

FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
slow = pytest.mark.skipif(os.environ.get("FLINKLITE_SLOW") != "1", reason="set FLINKLITE_SLOW=1")

EXACTLY_ONCE_SHAPES = job_shapes()
AT_LEAST_ONCE_SHAPES = job_shapes(keyed=(None, "count"))  # a total counts a replayed record twice


def _check(mode, shape, data, draw, seed, interval):
    plan = draw(failure_schedules(shape.operator_names(), max_record=max(1, len(data))))
    result = check_exactly_once(shape.builder(), data, plan, mode=mode, seed=seed,
                                checkpoint_interval_ms=interval)
    assert result.restarts == len(result.fired)


common = dict(data=out_of_order_streams(size=(0, 120)), draw=st.data(), seed=st.integers(0, 1000),
              interval=st.sampled_from([10, 20, 40]))


@FAST
@given(shape=EXACTLY_ONCE_SHAPES, **common)
def test_exactly_once_under_random_failures(shape, data, draw, seed, interval):
    _check("exactly_once", shape, data, draw.draw, seed, interval)


@FAST
@given(shape=AT_LEAST_ONCE_SHAPES, **common)
def test_nothing_lost_at_least_once(shape, data, draw, seed, interval):
    _check("at_least_once", shape, data, draw.draw, seed, interval)


@slow
@pytest.mark.slow
@SLOW
@given(shape=EXACTLY_ONCE_SHAPES, **common)
def test_exactly_once_under_random_failures_slow(shape, data, draw, seed, interval):
    _check("exactly_once", shape, data, draw.draw, seed, interval)


@slow
@pytest.mark.slow
@SLOW
@given(shape=AT_LEAST_ONCE_SHAPES, **common)
def test_nothing_lost_at_least_once_slow(shape, data, draw, seed, interval):
    _check("at_least_once", shape, data, draw.draw, seed, interval)
