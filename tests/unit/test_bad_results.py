"""No silent wrong results (issue 16): timestamps that are not int milliseconds and reduce
functions that return None end the job with an error naming the operator, the record and the
fix, instead of mis-ordering events or dropping data. These are program errors: the job does not
restart over them even with checkpointing on."""

from __future__ import annotations

import datetime
import fractions

import pytest
from _helpers import make_env

from flinklite.common import Duration, WatermarkStrategy
from flinklite.common.watermark_strategy import TimestampAssigner
from flinklite.datastream import ReduceFunction, RuntimeExecutionMode
from flinklite.datastream.connectors.number_seq import NumberSequenceSource
from flinklite.datastream.window import (
    EventTimeSessionWindows,
    SlidingEventTimeWindows,
    TumblingEventTimeWindows,
)
from flinklite.errors import InvalidProgramException, JobExecutionException


def _assigned(env, assigner, data=(1, 2, 3)):
    return env.from_collection(list(data)).assign_timestamps_and_watermarks(
        WatermarkStrategy.for_monotonous_timestamps().with_timestamp_assigner(assigner)).name("stamp")


@pytest.mark.parametrize("returned, hint", [
    (lambda v: v / 10, "int(seconds * 1000)"),
    (lambda v: None, "make extract_timestamp return an int"),
    (lambda v: f"2024-01-0{v}", "parse the text"),
    (lambda v: datetime.datetime(2024, 1, v), "int(dt.timestamp() * 1000)"),
    (lambda v: fractions.Fraction(v, 3), "make extract_timestamp return an int"),
])
def test_timestamp_assigner_must_return_int_milliseconds(returned, hint):
    env = make_env(1, **{"execution.checkpointing.interval": "50 ms"})  # would restart a user error
    _assigned(env, lambda v, t: returned(v)).add_sink(lambda v: None)
    with pytest.raises(JobExecutionException) as info:
        env.execute()
    msg = str(info.value)
    assert isinstance(info.value.__cause__, InvalidProgramException)
    assert "operator 'stamp'" in msg and "for record 1" in msg and "int milliseconds" in msg
    assert hint in msg and type(returned(1)).__name__ in msg
    assert info.value.num_restarts == 0


def test_one_bad_timestamp_among_good_ones_is_found():
    env = make_env(1)
    _assigned(env, lambda v, t: v * 1.0 if v == 37 else v, range(100)).add_sink(lambda v: None)
    with pytest.raises(JobExecutionException, match=r"returned 37\.0 \(float\) for record 37"):
        env.execute()


class IntLike(int):
    pass


def test_int_subclasses_and_bools_are_accepted_as_int():
    env = make_env(1)
    out = list(_assigned(env, lambda v, t: IntLike(v * 1000), [1, 2]).key_by(lambda v: 0)
               .window(TumblingEventTimeWindows.of(Duration.of_millis(1000))).reduce(lambda a, b: a + b)
               .execute_and_collect())
    assert out == [1, 2]


class FromSource(TimestampAssigner):
    def extract_timestamp(self, value, record_timestamp):
        return value + 0.5


def test_source_side_assigner_is_checked_too():
    env = make_env(1)
    env.from_source(NumberSequenceSource(1, 10),
                    WatermarkStrategy.for_monotonous_timestamps().with_timestamp_assigner(FromSource()),
                    "numbers").add_sink(lambda v: None)
    with pytest.raises(JobExecutionException, match=r"operator 'Source: numbers'.*1\.5 \(float\) for record 1"):
        env.execute()


def forgot_return(a, b):
    a + b  # noqa: B018 - the bug under test: no return


class ForgotReturn(ReduceFunction):
    def reduce(self, value1, value2):
        value1 + value2  # noqa: B018


@pytest.mark.parametrize("fn", [forgot_return, ForgotReturn()])
def test_rolling_reduce_returning_none_is_an_error(fn):
    env = make_env(1, **{"execution.checkpointing.interval": "50 ms"})
    env.from_collection([("a", 1), ("a", 2)]).key_by(lambda v: v[0]).reduce(fn).name("sum").add_sink(lambda v: None)
    with pytest.raises(JobExecutionException) as info:
        env.execute()
    msg = str(info.value)
    assert "operator 'sum'" in msg and "returned None for key 'a'" in msg
    assert "accumulator ('a', 1), record ('a', 2)" in msg and "return" in msg
    assert info.value.num_restarts == 0


def _windowed(env, assigner, fn):
    return (_assigned(env, lambda v, t: v, [1, 2, 3]).key_by(lambda v: "k").window(assigner)
            .reduce(fn).name("win"))


@pytest.mark.parametrize("assigner", [
    TumblingEventTimeWindows.of(Duration.of_millis(10)),
    SlidingEventTimeWindows.of(Duration.of_millis(10), Duration.of_millis(5)),
    EventTimeSessionWindows.with_gap(Duration.of_millis(10)),
], ids=["tumbling", "sliding", "session"])
@pytest.mark.parametrize("fn", [forgot_return, lambda a, b: None], ids=["raises-next", "stays-none"])
def test_window_reduce_returning_none_is_an_error(assigner, fn):
    env = make_env(1)
    _windowed(env, assigner, fn).add_sink(lambda v: None)
    with pytest.raises(JobExecutionException) as info:
        env.execute()
    msg = str(info.value)
    assert "operator 'win'" in msg and "the reduce function returned None" in msg and "key 'k'" in msg
    assert "window TimeWindow(" in msg


def test_window_reduce_returning_none_in_batch_mode_is_an_error():
    env = make_env(1)
    env.set_runtime_mode(RuntimeExecutionMode.BATCH)
    _windowed(env, TumblingEventTimeWindows.of(Duration.of_millis(10)), lambda a, b: None).add_sink(lambda v: None)
    with pytest.raises(JobExecutionException, match="the reduce function returned None"):
        env.execute()


def test_count_window_reduce_returning_none_is_an_error():
    env = make_env(1)
    (env.from_collection([1, 2, 3, 4]).key_by(lambda v: "k").count_window(2).reduce(lambda a, b: None)
     .add_sink(lambda v: None))
    with pytest.raises(JobExecutionException, match="the reduce function returned None"):
        env.execute()


def test_window_reduce_that_returns_values_still_works():
    env = make_env(1)
    out = list(_windowed(env, TumblingEventTimeWindows.of(Duration.of_millis(10)), lambda a, b: a + b)
               .execute_and_collect())
    assert out == [6]
