"""Async I/O: AsyncDataStream.ordered_wait / unordered_wait (+ retry) on asyncio."""

from __future__ import annotations

import asyncio
import random

import pytest

from flinklite.common import Duration, Time, WatermarkStrategy
from flinklite.common.watermark_strategy import TimestampAssigner
from flinklite.datastream import StreamExecutionEnvironment
from flinklite.datastream.async_data_stream import AsyncDataStream
from flinklite.datastream.async_retry_predicates import (
    empty_result_predicate,
    exception_type_predicate,
    has_exception_predicate,
)
from flinklite.datastream.async_retry_strategies import (
    NO_RETRY_STRATEGY,
    ExponentialBackoffDelayRetryStrategy,
    FixedDelayRetryStrategy,
)
from flinklite.datastream.functions import AsyncFunction, ProcessFunction
from flinklite.errors import InvalidProgramException, JobExecutionException
from flinklite.testing import FaultPlan, check_exactly_once


def env_p(parallelism: int = 1) -> StreamExecutionEnvironment:
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(parallelism)
    return env


class Jittery(AsyncFunction):
    """Answers value * 10 after a random delay of up to ``max_ms``; tracks concurrency."""

    def __init__(self, max_ms: float = 5.0, seed: int = 0) -> None:
        self.max_ms = max_ms
        self.seed = seed

    def open(self, runtime_context):
        self.rng = random.Random(self.seed + runtime_context.get_index_of_this_subtask())
        self.active = 0
        self.peak = 0

    async def async_invoke(self, value):
        self.active += 1
        self.peak = max(self.peak, self.active)
        try:
            await asyncio.sleep(self.rng.random() * self.max_ms / 1000)
        finally:
            self.active -= 1
        return [value * 10]


def test_ordered_wait_keeps_input_order_despite_random_latency():
    env = env_p(1)
    ds = env.from_collection(list(range(300)))
    out = AsyncDataStream.ordered_wait(ds, Jittery(), Time.seconds(10), capacity=16)
    assert list(out.execute_and_collect()) == [v * 10 for v in range(300)]


def test_unordered_wait_emits_everything_in_completion_order():
    env = env_p(1)
    ds = env.from_collection(list(range(300)))
    out = list(AsyncDataStream.unordered_wait(ds, Jittery(), Time.seconds(10), capacity=16).execute_and_collect())
    assert sorted(out) == [v * 10 for v in range(300)]
    assert out != sorted(out)  # random latencies reorder within the capacity window


def test_results_keep_input_timestamps_and_lists_fan_out():
    class Twice(AsyncFunction):
        async def async_invoke(self, value):
            await asyncio.sleep(0)
            return [value, -value]

    class Stamp(ProcessFunction):
        def process_element(self, value, ctx):
            yield value, ctx.timestamp()

    env = env_p(1)
    ds = env.from_collection([(1, 100), (2, 200), (3, 300)]).assign_timestamps_and_watermarks(
        WatermarkStrategy.for_monotonous_timestamps().with_timestamp_assigner(_Second()))
    out = AsyncDataStream.ordered_wait(ds.map(lambda p: p[0]), Twice(), Time.seconds(1)).process(Stamp())
    assert list(out.execute_and_collect()) == [(1, 100), (-1, 100), (2, 200), (-2, 200), (3, 300), (-3, 300)]


class _Second(TimestampAssigner):
    def extract_timestamp(self, value, record_timestamp):
        return value[1]


def test_capacity_bounds_calls_in_flight():
    fn = _SharedPeak()
    env = env_p(1)
    ds = env.from_collection(list(range(200)))
    out = AsyncDataStream.unordered_wait(ds, fn, Time.seconds(10), capacity=5)
    assert sorted(out.execute_and_collect()) == list(range(200))
    assert 1 < _SharedPeak.peak <= 5


class _SharedPeak(AsyncFunction):
    active = 0
    peak = 0

    async def async_invoke(self, value):
        cls = type(self)
        cls.active += 1
        cls.peak = max(cls.peak, cls.active)
        await asyncio.sleep(0.001)
        cls.active -= 1
        return [value]


def test_unordered_never_moves_a_record_behind_a_later_watermark():
    """Flink's guarantee for unordered mode with event time: watermarks are not overtaken, so no
    record becomes late downstream, even when late answers would reorder across them."""

    class SlowFirst(AsyncFunction):
        async def async_invoke(self, value):
            # early records answer slowest: without segments they would come after watermarks
            await asyncio.sleep(0.004 if value % 10 < 3 else 0)
            return [value]

    class Lateness(ProcessFunction):
        def process_element(self, value, ctx):
            yield value, ctx.timestamp(), ctx.timer_service().current_watermark()

    env = env_p(1)
    env.get_config().set_auto_watermark_interval(1)
    ds = env.from_collection(list(range(200))).assign_timestamps_and_watermarks(
        WatermarkStrategy.for_monotonous_timestamps().with_timestamp_assigner(_Identity()))
    out = list(AsyncDataStream.unordered_wait(ds, SlowFirst(), Time.seconds(5), capacity=50)
               .process(Lateness()).execute_and_collect())
    assert sorted(v for v, _, _ in out) == list(range(200))
    assert all(ts > wm for _, ts, wm in out), [o for o in out if o[1] <= o[2]][:3]


class _Identity(TimestampAssigner):
    def extract_timestamp(self, value, record_timestamp):
        return value


def test_timeout_calls_the_functions_timeout_handler():
    class Hangs(AsyncFunction):
        async def async_invoke(self, value):
            if value == 3:
                await asyncio.sleep(30)
            return [value]

        def timeout(self, value):
            return [f"timed out: {value}"]

    env = env_p(1)
    ds = env.from_collection([1, 2, 3, 4])
    out = AsyncDataStream.ordered_wait(ds, Hangs(), Time.milliseconds(50))
    assert list(out.execute_and_collect()) == [1, 2, "timed out: 3", 4]


def test_default_timeout_fails_the_job_naming_operator_and_record():
    class Hangs(AsyncFunction):
        async def async_invoke(self, value):
            await asyncio.sleep(30)
            return [value]

    env = env_p(1)
    out = AsyncDataStream.unordered_wait(env.from_collection(["slow-one"]), Hangs(), Duration.of_millis(30))
    with pytest.raises(JobExecutionException) as info:
        list(out.execute_and_collect())
    msg = str(info.value)
    assert "async wait operator" in msg and "slow-one" in msg
    assert isinstance(info.value.__cause__, TimeoutError)


def test_exception_in_async_invoke_fails_the_job_with_the_cause():
    class Boom(AsyncFunction):
        async def async_invoke(self, value):
            if value == 7:
                raise ConnectionError("service down")
            return [value]

    env = env_p(1)
    out = AsyncDataStream.ordered_wait(env.from_collection(list(range(10))), Boom(), Time.seconds(1))
    with pytest.raises(JobExecutionException) as info:
        list(out.execute_and_collect())
    assert isinstance(info.value.__cause__, ConnectionError)
    assert "7" in str(info.value)


def test_returning_none_is_a_clear_error():
    class Forgot(AsyncFunction):
        async def async_invoke(self, value):
            pass

    env = env_p(1)
    out = AsyncDataStream.ordered_wait(env.from_collection(["x"]), Forgot(), Time.seconds(1))
    with pytest.raises(JobExecutionException, match="must return a list of results"):
        list(out.execute_and_collect())


class Flaky(AsyncFunction):
    """Fails the first ``failures`` attempts of every record."""

    def __init__(self, failures: int, empty: bool = False) -> None:
        self.failures = failures
        self.empty = empty

    def open(self, runtime_context):
        self.attempts: dict = {}

    async def async_invoke(self, value):
        n = self.attempts[value] = self.attempts.get(value, 0) + 1
        if n <= self.failures:
            if self.empty:
                return []
            raise ConnectionError(f"attempt {n} of {value}")
        return [(value, n)]


def test_fixed_delay_retry_on_exception_then_success():
    strategy = FixedDelayRetryStrategy(2, 1, None, has_exception_predicate)
    env = env_p(1)
    out = AsyncDataStream.ordered_wait_with_retry(
        env.from_collection([1, 2, 3]), Flaky(failures=2), Time.seconds(5), strategy)
    # max_attempts counts retries: the first call plus two more
    assert list(out.execute_and_collect()) == [(1, 3), (2, 3), (3, 3)]


def test_retries_exhausted_fail_with_the_last_error():
    strategy = FixedDelayRetryStrategy(2, 1, None, lambda e: exception_type_predicate(e, ConnectionError))
    env = env_p(1)
    out = AsyncDataStream.unordered_wait_with_retry(
        env.from_collection([5]), Flaky(failures=3), Time.seconds(5), strategy)
    with pytest.raises(JobExecutionException) as info:
        list(out.execute_and_collect())
    assert "attempt 3 of 5" in str(info.value.__cause__)


def test_retry_on_empty_result_with_exponential_backoff():
    strategy = ExponentialBackoffDelayRetryStrategy(3, 1, 4, 2.0, empty_result_predicate, None)
    env = env_p(1)
    out = AsyncDataStream.ordered_wait_with_retry(
        env.from_collection(["a", "b"]), Flaky(failures=2, empty=True), Time.seconds(5), strategy)
    assert list(out.execute_and_collect()) == [("a", 3), ("b", 3)]


def test_backoff_delays_and_attempt_counting():
    exp = ExponentialBackoffDelayRetryStrategy(4, 10, 50, 2.0, None, None)
    assert [exp.get_backoff_time_millis(n) for n in (1, 2, 3, 4)] == [10, 20, 40, 50]
    assert [exp.can_retry(n) for n in (1, 4, 5)] == [True, True, False]
    fixed = FixedDelayRetryStrategy(1, 7, None, None)
    assert fixed.get_backoff_time_millis(1) == 7 and not fixed.can_retry(2)
    assert not NO_RETRY_STRATEGY.can_retry(1)
    with pytest.raises(ValueError, match="max_attempts"):
        FixedDelayRetryStrategy(0, 1, None, None)


def test_retries_still_run_after_the_end_of_input():
    """PyFlink keeps retrying while a bounded job finishes (Java Flink would take the outcome of
    one immediate last attempt instead)."""
    strategy = FixedDelayRetryStrategy(5, 2, empty_result_predicate, None)
    env = env_p(1)
    out = AsyncDataStream.ordered_wait_with_retry(
        env.from_collection(["z"]), Flaky(failures=4, empty=True), Time.seconds(10), strategy)
    assert list(out.execute_and_collect()) == [("z", 5)]


def test_the_timeout_bounds_all_attempts_together():
    strategy = FixedDelayRetryStrategy(1000, 5, empty_result_predicate, None)

    class Never(Flaky):
        def timeout(self, value):
            return [("gave up", value)]

    env = env_p(1)
    out = AsyncDataStream.ordered_wait_with_retry(
        env.from_collection(["q"]), Never(failures=10**6, empty=True), Time.milliseconds(60), strategy)
    assert list(out.execute_and_collect()) == [("gave up", "q")]


@pytest.mark.parametrize("bad, match", [
    (dict(fn="sync"), "must be declared 'async def"),
    (dict(capacity=0), "capacity"),
    (dict(timeout="5s"), "timeout must be a Time or Duration"),
    (dict(retry=True, timeout=Time.milliseconds(0)), "needs a positive timeout"),
])
def test_invalid_programs_are_rejected_when_built(bad, match):
    class Sync(AsyncFunction):
        def async_invoke(self, value):  # not a coroutine
            return [value]

    fn = Sync() if bad.get("fn") == "sync" else Jittery()
    env = env_p(1)
    ds = env.from_collection([1])
    strategy = FixedDelayRetryStrategy(1, 1, None, has_exception_predicate) if bad.get("retry") else NO_RETRY_STRATEGY
    with pytest.raises(InvalidProgramException, match=match):
        AsyncDataStream.ordered_wait_with_retry(ds, fn, bad.get("timeout", Time.seconds(1)), strategy,
                                                capacity=bad.get("capacity", 10))


def test_parallel_async_on_a_keyed_stream():
    env = env_p(3)
    ds = env.from_collection([(i % 4, i) for i in range(120)]).key_by(lambda p: p[0])
    out = AsyncDataStream.unordered_wait(ds.map(lambda p: p[1]), Jittery(), Time.seconds(5), capacity=8)
    assert sorted(out.execute_and_collect()) == [i * 10 for i in range(120)]


# -- exactly once: in-flight calls are part of the checkpoint --------------------------------------
def _pipeline(ordered: bool):
    def build(env, data):
        ds = env.from_collection(data)
        wait = AsyncDataStream.ordered_wait if ordered else AsyncDataStream.unordered_wait
        looked_up = wait(ds, Jittery(max_ms=2.0), Time.seconds(10), capacity=6)
        return (looked_up.map(lambda v: (v % 7, 1)).name("pair")
                .key_by(lambda p: p[0]).reduce(lambda a, b: (a[0], a[1] + b[1])))
    return build


@pytest.mark.parametrize("ordered", [True, False])
@pytest.mark.parametrize("plan", [
    FaultPlan().fail_operator("async wait operator", at_record=37),
    FaultPlan().fail_operator("pair", at_record=55),
    FaultPlan().fail_during_snapshot("async wait operator", checkpoint=2),
    FaultPlan().fail_after_snapshot_before_commit("pair", checkpoint=3),
])
def test_exactly_once_through_failures(ordered, plan):
    result = check_exactly_once(_pipeline(ordered), list(range(150)), plan, checkpoint_interval_ms=5,
                                require_fired=True)
    assert result.restarts == 1 and result.checkpoints_completed >= 1


def test_snapshot_holds_the_calls_in_flight_and_restore_reinvokes_them():
    from flinklite.datastream.functions import AsyncFunctionDescriptor
    from flinklite.runtime.operators.async_wait import AsyncWaitOperator
    from flinklite.testing import OneInputOperatorHarness

    class Gate(AsyncFunction):
        async def async_invoke(self, value):
            if value == "held":
                await asyncio.sleep(30)
            return [value.upper()]

    def operator():
        return AsyncWaitOperator(AsyncFunctionDescriptor(
            Gate(), 60_000, 10, NO_RETRY_STRATEGY, AsyncFunctionDescriptor.OutputMode.ORDERED))

    h = OneInputOperatorHarness(operator())
    h.open()
    h.process_element("held", 5)
    h.process_element("next", 6)
    snap = h.snapshot(1)
    h.close()

    class Quick(Gate):
        async def async_invoke(self, value):
            return [value.upper()]

    restored = OneInputOperatorHarness(AsyncWaitOperator(AsyncFunctionDescriptor(
        Quick(), 60_000, 10, NO_RETRY_STRATEGY, AsyncFunctionDescriptor.OutputMode.ORDERED)))
    restored.restore(snap)
    restored.open()
    restored.end_input()
    assert [(r.value, r.timestamp) for r in restored.extract_output()] == [("HELD", 5), ("NEXT", 6)]
    restored.close()


def test_strategy_factories_on_the_base_class_as_in_pyflink():
    from flinklite.datastream.async_retry_strategies import (
        ExponentialBackoffDelayRetryStrategy,
        FixedDelayRetryStrategy,
    )
    from flinklite.datastream.functions import AsyncRetryStrategy

    fixed = AsyncRetryStrategy.fixed_delay(3, 10, None, lambda e: True)
    assert isinstance(fixed, FixedDelayRetryStrategy) and fixed.can_retry(3) and not fixed.can_retry(4)
    assert fixed.get_backoff_time_millis(1) == 10
    expo = AsyncRetryStrategy.exponential_backoff(5, 10, 100, 2.0, None, lambda e: True)
    assert isinstance(expo, ExponentialBackoffDelayRetryStrategy)
