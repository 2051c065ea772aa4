"""End-to-end window behaviour: late data, triggers, evictors, idle keys/inputs, BATCH, joins."""

from __future__ import annotations

from collections import Counter

from _window_helpers import collect, make_env, punctuated

from flinklite.common import Duration, WatermarkStrategy
from flinklite.datastream import OutputTag
from flinklite.datastream.functions import AggregateFunction, ProcessWindowFunction
from flinklite.datastream.window import (
    CountEvictor,
    CountTrigger,
    EventTimeSessionWindows,
    GlobalWindows,
    PurgingTrigger,
    SlidingEventTimeWindows,
    TimeEvictor,
    TumblingEventTimeWindows,
)


class Ids(ProcessWindowFunction):
    def process(self, key, context, elements):
        w = context.window()
        yield (key, getattr(w, "start", None), sorted(e[2] for e in elements))


def _keyed(env, data, bound=0):
    return env.from_collection(data).assign_timestamps_and_watermarks(punctuated(bound)).set_parallelism(1) \
        .key_by(lambda v: v[0])


def test_late_firing_per_element_and_side_output():
    env = make_env()
    data = [("a", 1, 1), ("a", 12, 2), ("a", 3, 3), ("a", 5, 4), ("a", 30, 5), ("a", 7, 6)]
    late = OutputTag("late")
    w = _keyed(env, data).window(TumblingEventTimeWindows.of(10)).allowed_lateness(5) \
        .side_output_late_data(late).process(Ids())
    out = collect(w.union(w.get_side_output(late).map(lambda v: ("late", v[2]))))
    assert out.count(("a", 0, [1])) == 1
    assert ("a", 0, [1, 3]) in out and ("a", 0, [1, 3, 4]) in out  # one late firing per element
    assert ("late", 6) in out  # window [0,10) cleaned up at wm >= 14
    assert ("a", 10, [2]) in out and ("a", 30, [5]) in out


def test_sliding_element_late_for_one_window_is_not_side_output():
    env = make_env()
    late = OutputTag("late")
    data = [("a", 20, 1), ("a", 8, 2)]  # wm 19: [0,10) late; [5,15) still open? no: max 14 <= 19
    w = _keyed(env, data).window(SlidingEventTimeWindows.of(20, 5)).side_output_late_data(late).process(Ids())
    out = collect(w.union(w.get_side_output(late).map(lambda v: ("late", v[2]))))
    assert ("late", 2) not in out  # [5, 25) and [0, 20) are not late for ts 8
    assert ("a", 5, [1, 2]) in out


def test_purging_and_count_trigger_and_evictor():
    env = make_env()
    data = [("a", i, i) for i in range(1, 8)]
    ks = _keyed(env, data)
    purge = ks.window(GlobalWindows.create()).trigger(PurgingTrigger.of(CountTrigger.of(3))).process(Ids())
    ev = ks.window(GlobalWindows.create()).trigger(CountTrigger.of(2)).evictor(CountEvictor.of(3)).process(Ids())
    out = collect(purge.map(lambda v: ("p", v[2])).union(ev.map(lambda v: ("e", v[2]))))
    assert [v for t, v in out if t == "p"] == [[1, 2, 3], [4, 5, 6]]
    assert [v for t, v in out if t == "e"] == [[1, 2], [2, 3, 4], [4, 5, 6]]


def test_time_evictor():
    env = make_env()
    data = [("a", 1, 1), ("a", 5, 2), ("a", 9, 3)]
    out = collect(_keyed(env, data).window(TumblingEventTimeWindows.of(10)).evictor(TimeEvictor.of(5)).process(Ids()))
    assert out == [("a", 0, [2, 3])]


class Avg(AggregateFunction):
    def create_accumulator(self):
        return (0, 0)

    def add(self, value, acc):
        return (acc[0] + value[2], acc[1] + 1)

    def get_result(self, acc):
        return acc[0] / acc[1]

    def merge(self, a, b):
        return (a[0] + b[0], a[1] + b[1])


def test_session_aggregate_merges_accumulators():
    env = make_env()
    data = [("a", 0, 2), ("a", 20, 4), ("a", 10, 6)]  # the third bridges both sessions (gap 10)
    out = collect(_keyed(env, data, bound=100).window(EventTimeSessionWindows.with_gap(10)).aggregate(Avg()))
    assert out == [4.0]


def test_idle_key_window_closes_on_other_keys_watermark():
    env = make_env(2)
    data = [("idle", 1, 1)] + [("busy", t, t) for t in range(2, 40, 3)]
    out = collect(_keyed(env, data).window(TumblingEventTimeWindows.of(10)).process(Ids())
                  .map(lambda v: v))
    # every window fires, and the idle key's window fires before the end of input: checked by
    # order in a parallelism-1 run below
    assert ("idle", 0, [1]) in out
    env1 = make_env(1)
    seq = collect(_keyed(env1, data).window(TumblingEventTimeWindows.of(10)).process(Ids()))
    assert seq.index(("idle", 0, [1])) < seq.index(("busy", 10, [11, 14, 17]))


def test_with_idleness_idle_input_does_not_hold_back():
    # manual clock: the idle source subtask is marked idle, so the other one drives event time
    from flinklite.common import Configuration
    from flinklite.datastream import StreamExecutionEnvironment

    conf = Configuration()
    conf.set_string("pipeline.auto-watermark-interval", "10")
    env = StreamExecutionEnvironment.get_execution_environment(conf)
    env.set_parallelism(2)
    strategy = WatermarkStrategy.for_monotonous_timestamps().with_idleness(Duration.of_millis(1)) \
        .with_timestamp_assigner(lambda v, t: v[1])
    data = [("a", t, t) for t in range(0, 50, 5)]
    out = collect(env.from_collection(data).assign_timestamps_and_watermarks(strategy)
                  .key_by(lambda v: v[0]).window(TumblingEventTimeWindows.of(10)).process(Ids()))
    assert Counter(map(str, out)) == Counter(map(str, [("a", s, [s, s + 5]) for s in range(0, 50, 10)]))


def test_batch_mode_fires_each_window_once_with_everything():
    env = make_env(batch=True)
    data = [("a", 15, 1), ("a", 1, 2), ("b", 3, 3), ("a", 2, 4)]
    env.get_config()
    ks = env.from_collection(data).assign_timestamps_and_watermarks(
        WatermarkStrategy.for_monotonous_timestamps().with_timestamp_assigner(lambda v, t: v[1])).key_by(lambda v: v[0])
    out = collect(ks.window(TumblingEventTimeWindows.of(10)).allowed_lateness(0).process(Ids()))
    assert sorted(out) == [("a", 0, [2, 4]), ("a", 10, [1]), ("b", 0, [3])]


def test_window_all_runs_at_parallelism_one():
    env = make_env(3)
    data = [("a", 1, 1), ("b", 2, 2), ("c", 11, 3)]
    out = collect(env.from_collection(data).assign_timestamps_and_watermarks(punctuated(0)).set_parallelism(1)
                  .window_all(TumblingEventTimeWindows.of(10)).reduce(lambda x, y: (x[0] + y[0], x[1], x[2] + y[2])))
    assert sorted(out) == [("ab", 1, 3), ("c", 11, 3)]
