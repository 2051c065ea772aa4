"""Fair scheduling (issue 16): parallel subtasks take turns, so unbounded parallel sources let
watermarks advance, and bounded parallel sources interleave instead of running one after the
other. Flink gives every subtask its own thread; the cooperative scheduler must bound how long
a runnable subtask waits."""

from __future__ import annotations

from _helpers import make_env

from flinklite.common import Duration, Types, WatermarkStrategy
from flinklite.common.watermark_strategy import TimestampAssigner
from flinklite.datastream import FlatMapFunction, MapFunction, RuntimeContext
from flinklite.datastream.connectors.number_seq import NumberSequenceSource
from flinklite.datastream.window import TumblingEventTimeWindows

SEEN: list = []  # (subtask, value) in processing order; module level: functions are copied


class ValueAsTimestamp(TimestampAssigner):
    def extract_timestamp(self, value, record_timestamp):
        return value


class Tag(MapFunction):
    def open(self, runtime_context: RuntimeContext) -> None:
        self.index = runtime_context.get_index_of_this_subtask()

    def map(self, value):
        SEEN.append((self.index, value))
        return value


def _unbounded_windows(env, n_windows: int) -> list:
    ds = env.from_source(
        NumberSequenceSource(0, 2**62),  # effectively unbounded
        WatermarkStrategy.for_monotonous_timestamps().with_timestamp_assigner(ValueAsTimestamp()),
        "numbers")
    windows = (ds.key_by(lambda x: x % 3, key_type=Types.LONG())
               .window(TumblingEventTimeWindows.of(Duration.of_millis(1000)))
               .reduce(lambda a, b: a + b))
    return windows.execute_and_collect(limit=n_windows)


def _expected_window_sums(n_windows: int) -> list:
    # subtask 0 reads 0, 1, 2, ...; subtask 1 starts at 2**61, so only subtask 0's windows fire
    sums = {}
    for v in range(n_windows // 3 * 1000 + 1000):
        sums[(v // 1000, v % 3)] = sums.get((v // 1000, v % 3), 0) + v
    return [s for _, s in sorted(sums.items())]


def _assert_early_windows(out: list) -> None:
    early = _expected_window_sums(3 * len(out))  # a subtask may run several seconds ahead of the other
    assert len(set(out)) == len(out) and set(out) <= set(early), out


def test_unbounded_parallel_source_windows_fire_continuously():
    env = make_env(2)
    out = _unbounded_windows(env, 9)
    assert len(out) == 9
    # three windows per second of event time; the keys' subtasks fire independently, so the first 9
    # results are windows of the first seconds, each once, in no fixed order across subtasks (the
    # watermark is the minimum over both source subtasks, so neither can be far ahead)
    _assert_early_windows(out)


def test_unbounded_parallel_source_windows_with_a_seeded_scheduler():
    env = make_env(2, **{"flinklite.scheduler.seed": "7"})
    out = _unbounded_windows(env, 6)
    assert len(out) == 6
    _assert_early_windows(out)


def test_bounded_parallel_sources_interleave():
    SEEN.clear()
    env = make_env(2, **{"flinklite.buffer-size": "16"})
    env.from_source(NumberSequenceSource(0, 9999), WatermarkStrategy.no_watermarks(), "numbers") \
        .map(Tag()).add_sink(lambda v: None)
    env.execute("interleave")
    order = [i for i, _ in SEEN]
    assert sorted(v for _, v in SEEN) == list(range(10000))
    # subtask 1 starts long before subtask 0 has finished its 5000 numbers
    first_of_1 = order.index(1)
    assert first_of_1 < 100
    # and they keep alternating: no run of one subtask longer than a few buffers
    longest = run = 1
    for a, b in zip(order, order[1:]):
        run = run + 1 if a == b else 1
        longest = max(longest, run)
    assert longest <= 16 * 8


class Explode(FlatMapFunction):
    """Multiplies its input: downstream always has work, so only the starvation guard lets the
    upstream source (which never becomes 'deeper') take its turns."""

    def flat_map(self, value):
        for i in range(50):
            yield value * 100 + i


def test_turn_bound_holds_when_downstream_always_has_work():
    env = make_env(1, **{"flinklite.buffer-size": "8"})
    env.from_source(NumberSequenceSource(0, 2**62), WatermarkStrategy.no_watermarks(), "numbers") \
        .flat_map(Explode()).rebalance().map(lambda v: v).add_sink(lambda v: None)
    job = env._create_job("bound")
    job.start()
    sched = job.scheduler
    waited = {id(t): 0 for t in sched.tasks}
    worst = 0
    try:
        for _ in range(3000):
            runnable = [t for t in sched.tasks if t.runnable()]
            job.run(max_steps=1)
            for t in sched.tasks:
                if t in runnable and sched.last_step[id(t)] != sched.steps:
                    waited[id(t)] += 1
                else:
                    waited[id(t)] = 0
                worst = max(worst, waited[id(t)])
        assert all(sched.last_step[id(t)] > 0 for t in sched.tasks)
        assert worst <= sched.turn_bound
    finally:
        job.cancel()
