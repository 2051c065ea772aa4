"""Processing-time windows and triggers on a virtual clock, and BATCH key order.

The clock is a module-level ``ManualClock`` that a map moves forward to each record's "arrival
time" (functions are copied per subtask, a module global is not). With one-record buffers every
record reaches the window operator before the next one is read, so the processing time each
record sees is exactly its arrival time, and processing-time timers fire in between.
"""

from __future__ import annotations

from flinklite.common import Configuration, Time, Types
from flinklite.datastream import RuntimeExecutionMode, StreamExecutionEnvironment
from flinklite.datastream.functions import ProcessWindowFunction
from flinklite.datastream.window import (
    ContinuousProcessingTimeTrigger,
    ProcessingTimeSessionWindows,
    SlidingProcessingTimeWindows,
    TumblingProcessingTimeWindows,
)
from flinklite.time.clock import ManualClock

CLOCK = ManualClock(0)


def _arrive(record):
    CLOCK.advance_to(record[1])
    return record


class _Bounds(ProcessWindowFunction):
    def process(self, key, context, elements):
        w = context.window()
        yield (key, w.start, w.end, sorted(e[2] for e in elements))


def _run(assigner, records, trigger=None):
    global CLOCK
    CLOCK = ManualClock(0)
    conf = Configuration()
    conf.set_string("flinklite.buffer-size", "1")
    env = StreamExecutionEnvironment.get_execution_environment(conf)
    env.set_parallelism(1)
    env.set_clock(CLOCK)
    ws = env.from_collection(records).map(_arrive).key_by(lambda r: r[0]).window(assigner)
    if trigger is not None:
        ws = ws.trigger(trigger)
    return list(ws.process(_Bounds()).execute_and_collect())


ARRIVALS = [("k", 1, "a"), ("k", 5, "b"), ("k", 12, "c"), ("k", 13, "d"), ("k", 25, "e")]


def test_tumbling_processing_time_windows_use_arrival_time():
    out = _run(TumblingProcessingTimeWindows.of(Time.milliseconds(10)), ARRIVALS)
    # [20, 30) never fires: processing-time timers still pending at the end of input are dropped
    assert out == [("k", 0, 10, ["a", "b"]), ("k", 10, 20, ["c", "d"])]


def test_sliding_processing_time_windows():
    out = _run(SlidingProcessingTimeWindows.of(Time.milliseconds(10), Time.milliseconds(5)), ARRIVALS)
    assert out == [("k", -5, 5, ["a"]), ("k", 0, 10, ["a", "b"]), ("k", 5, 15, ["b", "c", "d"]),
                   ("k", 10, 20, ["c", "d"])]


def test_processing_time_sessions_merge_and_close():
    out = _run(ProcessingTimeSessionWindows.with_gap(Time.milliseconds(5)), ARRIVALS)
    assert out == [("k", 1, 10, ["a", "b"]), ("k", 12, 18, ["c", "d"])]


def test_continuous_processing_time_trigger_fires_early():
    out = _run(TumblingProcessingTimeWindows.of(Time.milliseconds(100)), ARRIVALS,
               ContinuousProcessingTimeTrigger.of(Time.milliseconds(10)))
    # early firings of the still-open window [0, 100), contents accumulating
    assert out and all(o[1:3] == (0, 100) for o in out)
    assert out[0][3] == ["a", "b"] and out[-1][3][:4] == ["a", "b", "c", "d"]


def test_batch_mode_orders_keys_as_pyflink():
    # checked on apache-flink 2.3.0: serialized-key order (length first, signed bytes), INT keys numeric
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(1)
    env.set_runtime_mode(RuntimeExecutionMode.BATCH)
    words = ["b", "aa", "a", "c", "B", "é", "ab"]
    out = env.from_collection([(w, 1) for w in words]).key_by(lambda v: v[0], key_type=Types.STRING()) \
        .reduce(lambda a, b: a).execute_and_collect()
    assert [r[0] for r in out] == ["é", "B", "a", "b", "c", "aa", "ab"]
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(1)
    env.set_runtime_mode(RuntimeExecutionMode.BATCH)
    ints = [3, -1, 1, -300, 2, 70000]
    out = env.from_collection([(k, 1) for k in ints]).key_by(lambda v: v[0], key_type=Types.INT()) \
        .reduce(lambda a, b: a).execute_and_collect()
    assert [r[0] for r in out] == [-300, -1, 1, 2, 3, 70000]
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(1)
    env.set_runtime_mode(RuntimeExecutionMode.BATCH)
    untyped = [3, 1, 2, 10, -1, 300, 256, 255, "b", "aa", "a", "c"]
    out = env.from_collection([(k, 1) for k in untyped]).key_by(lambda v: v[0]) \
        .reduce(lambda a, b: a).execute_and_collect()
    assert [r[0] for r in out] == [255, 1, 2, 3, 10, 256, 300, "a", "b", "c", "aa", -1]
