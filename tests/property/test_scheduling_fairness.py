"""Hypothesis property of the cooperative scheduler (issue 16): on random job shapes with
unbounded parallel sources, every subtask that is runnable gets a step within
``Scheduler.turn_bound`` steps, every task steps at all, and the watermark at every non-source
task advances (and never goes back).

Flink runs each subtask in its own thread, so no subtask can starve another; a single-threaded
scheduler has to guarantee the same. The job runs on a manual clock with punctuated watermarks,
so each example is deterministic. ``FLINKLITE_SLOW=1 pytest -m slow`` runs many more shapes.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flinklite.common import Configuration, Duration, Types, WatermarkStrategy
from flinklite.common.watermark_strategy import WatermarkGenerator
from flinklite.datastream import StreamExecutionEnvironment
from flinklite.datastream.connectors.number_seq import NumberSequenceSource
from flinklite.datastream.window import TumblingEventTimeWindows
from flinklite.runtime.task import InputStreamTask
from flinklite.time.watermark import MIN_TIMESTAMP

FAST = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
slow = pytest.mark.skipif(os.environ.get("FLINKLITE_SLOW") != "1", reason="set FLINKLITE_SLOW=1")

SPLIT = 10**9  # each source subtask's numbers start at a multiple of this (see _timestamp)


class EveryEvent(WatermarkGenerator):
    """Monotonous timestamps, a watermark after every event (deterministic on a manual clock)."""

    def __init__(self):
        self.max_ts = MIN_TIMESTAMP

    def on_event(self, event, ts, output):
        self.max_ts = max(self.max_ts, ts)
        output.emit_watermark(self.max_ts - 1)

    def on_periodic_emit(self, output):
        pass


def _timestamp(value, record_timestamp):
    return value % SPLIT  # every subtask's event time starts near 0


op = st.one_of(
    st.tuples(st.just("map"), st.integers(1, 3)),
    st.tuples(st.just("flat_map"), st.integers(1, 4)),
    st.tuples(st.just("filter"), st.integers(1, 3)),
    st.tuples(st.just("rebalance"), st.just(0)),
)
shapes = st.fixed_dictionaries({
    "parallelism": st.integers(1, 3),
    "sources": st.lists(st.integers(1, 3), min_size=1, max_size=2),
    "ops": st.lists(op, max_size=3),
    "end": st.sampled_from(["sink", "window", "keyed_map"]),
    "seed": st.one_of(st.none(), st.integers(0, 2**16)),
    "buffer": st.sampled_from([4, 16, 64]),
})


def build(shape):
    c = Configuration()
    c.set_string("flinklite.clock", "manual")
    c.set_string("flinklite.buffer-size", str(shape["buffer"]))
    if shape["seed"] is not None:
        c.set_string("flinklite.scheduler.seed", str(shape["seed"]))
    env = StreamExecutionEnvironment.get_execution_environment(c)
    env.set_parallelism(shape["parallelism"])
    wm = WatermarkStrategy.for_generator(lambda: EveryEvent()).with_timestamp_assigner(_timestamp)
    streams = []
    for i, p in enumerate(shape["sources"]):
        # p splits of [0, p * SPLIT): split k starts at k * SPLIT, i.e. event time ~0
        streams.append(env.from_source(NumberSequenceSource(0, p * SPLIT - 1), wm, f"numbers-{i}")
                       .set_parallelism(p))
    ds = streams[0].union(*streams[1:]) if len(streams) > 1 else streams[0]
    for kind, arg in shape["ops"]:
        if kind == "map":
            ds = ds.map(lambda v: v).set_parallelism(arg)
        elif kind == "flat_map":
            ds = ds.flat_map(lambda v, n=arg: [v] * n)
        elif kind == "filter":
            ds = ds.filter(lambda v, m=arg + 1: v % m != 1)
        else:
            ds = ds.rebalance()
    if shape["end"] == "window":
        ds = (ds.key_by(lambda v: v % 5, key_type=Types.LONG())
              .window(TumblingEventTimeWindows.of(Duration.of_millis(50))).reduce(lambda a, b: a + b))
    elif shape["end"] == "keyed_map":
        ds = ds.key_by(lambda v: v % 5, key_type=Types.LONG()).map(lambda v: v)
    ds.add_sink(lambda v: None)
    return env._create_job("fairness")


def check_fair(shape, steps):
    job = build(shape)
    job.start()
    sched = job.scheduler
    tasks = sched.tasks
    waited = {id(t): 0 for t in tasks}
    worst = 0
    last_wm = {id(t): MIN_TIMESTAMP for t in tasks}
    half: dict = {}
    try:
        for step in range(steps):
            if step == steps // 2:
                half = dict(last_wm)
            runnable = {id(t) for t in tasks if t.runnable()}
            job.run(max_steps=1)
            for t in tasks:
                key = id(t)
                waited[key] = waited[key] + 1 if key in runnable and sched.last_step[key] != sched.steps else 0
                worst = max(worst, waited[key])
                wm = t.metrics.current_input_watermark
                assert wm >= last_wm[key], f"{t.name}: watermark went back from {last_wm[key]} to {wm}"
                last_wm[key] = wm
        assert worst <= sched.turn_bound, f"a runnable task waited {worst} steps (bound {sched.turn_bound})"
        idle = [t.name for t in tasks if sched.last_step[id(t)] == 0]
        assert not idle, f"tasks that never stepped in {steps} steps: {idle}"
        # still advancing in the second half of the run, everywhere downstream of the sources
        stuck = [(t.name, half[id(t)], last_wm[id(t)]) for t in tasks if isinstance(t, InputStreamTask)
                 and not (MIN_TIMESTAMP < half[id(t)] < last_wm[id(t)])]
        assert not stuck, f"watermark did not advance (name, at half, at end): {stuck}"
    finally:
        job.cancel()


@FAST
@given(shapes)
def test_every_subtask_progresses_and_watermarks_advance(shape):
    check_fair(shape, 1000)


@slow
@pytest.mark.slow
@SLOW
@given(shapes)
def test_every_subtask_progresses_and_watermarks_advance_long(shape):
    check_fair(shape, 6000)
