"""The aligned-window operator's own paths: which windows get it, rescaling its snapshots, and its
error cases. Its results are compared with the general operator's in
``tests/property/test_aligned_windows.py``."""

from __future__ import annotations

import pytest

from flinklite.datastream.functions import AggregateFunction, ProcessWindowFunction
from flinklite.datastream.window import (
    CountTrigger,
    EventTimeTrigger,
    GlobalWindows,
    SlidingEventTimeWindows,
    TumblingEventTimeWindows,
)
from flinklite.errors import IllegalStateException
from flinklite.runtime.operators.aligned_window import AlignedWindowOperator
from flinklite.runtime.operators.base import UserFunctionError
from flinklite.runtime.operators.window import WindowOperator, WindowSpec
from flinklite.state.heap import HeapKeyedStateBackend
from flinklite.state.key_groups import KeyGroupRange
from flinklite.testing import KeyedOneInputOperatorHarness


class Count(AggregateFunction):
    def create_accumulator(self):
        return 0

    def add(self, value, acc):
        return acc + 1

    def get_result(self, acc):
        return acc

    def merge(self, a, b):
        return a + b


class KeyStart(ProcessWindowFunction):
    def process(self, key, context, elements):
        yield (key, context.window().start, len(list(elements)))


def _spec(assigner=None, trigger=None, contents="aggregate", fn=None, fn_kind="pass", lateness=0):
    agg = Count() if contents == "aggregate" else None
    return WindowSpec(assigner or TumblingEventTimeWindows(10, 0), trigger or EventTimeTrigger(), lateness,
                      None, None, contents, agg, fn, fn_kind, agg)


def _key(v):
    return v[0]


def test_windowed_stream_picks_the_aligned_operator_only_where_it_applies():
    from flinklite.common import Duration, Time, WatermarkStrategy
    from flinklite.datastream import StreamExecutionEnvironment
    from flinklite.datastream.window import EventTimeSessionWindows

    env = StreamExecutionEnvironment.get_execution_environment()
    ks = env.from_collection([("a", 1)]).assign_timestamps_and_watermarks(
        WatermarkStrategy.for_bounded_out_of_orderness(Duration.of_millis(0))
        .with_timestamp_assigner(lambda v, _: v[1])).key_by(_key)

    def operator_of(ds):
        t = ds._transformation
        return t.factory(t.payload)

    assert type(operator_of(ks.window(TumblingEventTimeWindows.of(Time.seconds(1))).aggregate(Count()))) \
        is AlignedWindowOperator
    assert type(operator_of(ks.window(SlidingEventTimeWindows.of(Time.seconds(2), Time.seconds(1)))
                            .process(KeyStart()))) is AlignedWindowOperator
    assert type(operator_of(ks.window(TumblingEventTimeWindows.of(Time.seconds(1))).allowed_lateness(5)
                            .process(KeyStart()))) is WindowOperator
    assert type(operator_of(ks.window(EventTimeSessionWindows.with_gap(Time.seconds(1))).aggregate(Count()))) \
        is WindowOperator
    assert type(operator_of(ks.window(TumblingEventTimeWindows.of(Time.seconds(1))).trigger(CountTrigger.of(2))
                            .aggregate(Count()))) is WindowOperator


def test_snapshot_restores_at_another_parallelism_by_key_group():
    keys = [f"k{i}" for i in range(40)]
    h = KeyedOneInputOperatorHarness(AlignedWindowOperator(_spec(fn=KeyStart(), fn_kind="pwf", contents="list")),
                                     _key)
    records = [(k, ts) for ts in (1, 12) for k in keys]
    h.process_elements(records, [ts for _, ts in records])
    snap = h.snapshot()
    expected = {(k, 0, 1) for k in keys} | {(k, 10, 1) for k in keys}
    # the same operator on, restored into three subtasks: each fires its own keys only
    fired = []
    for i in range(3):
        part = KeyedOneInputOperatorHarness(AlignedWindowOperator(_spec(fn=KeyStart(), fn_kind="pwf",
                                                                         contents="list")),
                                            _key, parallelism=3, subtask_index=i)
        part.restore([snap])
        part.process_watermark(100)
        out = part.extract_output_values()
        assert out and all(part.owns_key(k) for k, _, _ in out)
        fired += out
    assert sorted(fired) == sorted(expected)


def test_list_contents_reject_none_with_the_list_state_message():
    h = KeyedOneInputOperatorHarness(AlignedWindowOperator(_spec(contents="list", fn=KeyStart(), fn_kind="pwf")),
                                     lambda v: "a")
    with pytest.raises(UserFunctionError, match=r"add\(None\) is not allowed") as info:
        h.process_elements([("a", 1), None], [1, 2])
    assert info.value.record is None


def test_restoring_state_of_another_assigner_is_an_actionable_error():
    general = KeyedOneInputOperatorHarness(
        WindowOperator(_spec(assigner=GlobalWindows.create(), trigger=CountTrigger.of(5))), _key)
    general.process_elements([("a", 1)], [1])
    snap = general.snapshot()
    aligned = KeyedOneInputOperatorHarness(AlignedWindowOperator(_spec()), _key)
    aligned.restore(snap)
    with pytest.raises(IllegalStateException, match="not a TimeWindow.*different window assigner"):
        aligned.open()


def test_backend_refuses_a_second_state_of_the_same_name():
    backend = HeapKeyedStateBackend(128, KeyGroupRange(0, 127), "op")
    h = KeyedOneInputOperatorHarness(AlignedWindowOperator(_spec()), _key)
    h.open()
    contents = h.keyed_backend.states["window-contents"]
    backend.adopt_state(contents)
    with pytest.raises(IllegalStateException, match="exists already"):
        backend.adopt_state(contents)


def test_equal_keys_of_other_types_keep_their_own_object():
    """1 and True are one key in Python; each window must still report the key object its pane
    was created with, as the general operator (one timer per pane) does."""
    outs = []
    for op in (AlignedWindowOperator(_spec(contents="list", fn=KeyStart(), fn_kind="pwf")),
               WindowOperator(_spec(contents="list", fn=KeyStart(), fn_kind="pwf"))):
        h = KeyedOneInputOperatorHarness(op, _key)
        h.process_elements([(True, 1), (1, 12), (1.0, 25), (7, 3), (7, 14)], [1, 12, 25, 3, 14])
        h.process_watermark(100)
        outs.append([(repr(k), start, n) for k, start, n in h.extract_output_values()])
    assert outs[0] == outs[1] == [("True", 0, 1), ("7", 0, 1), ("1", 10, 1), ("7", 10, 1), ("1.0", 20, 1)]
