"""flinklite.testing: every fault kind really fires and the job really recovers; the operator
harness (elements, watermarks, processing time, snapshot/restore incl. rescaling, side outputs);
the exactly-once checker's verdicts and messages; the strategies' contracts."""

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flinklite.common import Configuration, Types
from flinklite.datastream import (
    KeyedProcessFunction,
    MapFunction,
    OutputTag,
    ProcessFunction,
    StreamExecutionEnvironment,
)
from flinklite.datastream.state import ValueStateDescriptor
from flinklite.errors import IllegalStateException, InvalidProgramException, JobExecutionException
from flinklite.runtime.operators.process import KeyedProcessOperator
from flinklite.testing import (
    FaultPlan,
    FaultPlanError,
    InjectedFailure,
    KeyedProcessFunctionHarness,
    OneInputOperatorHarness,
    ProcessFunctionHarness,
    SteppingClock,
    check_exactly_once,
    run_collect,
)
from flinklite.testing.strategies import JobShape, build_job, failure_schedules, out_of_order_streams


# -- a small job used by the fault tests ----------------------------------------------------------
def pairs_job(env, data):
    """A rolling count per key: as a multiset, its output does not depend on the order in which
    the parallel map subtasks' records interleave (a rolling *sum* would)."""
    return (env.from_collection(data)
               .map(lambda v: (v % 3, 1)).name("to-pair").uid("to-pair")
               .key_by(lambda p: p[0])
               .reduce(lambda a, b: (a[0], a[1] + b[1])).name("sum"))


DATA = list(range(200))


def _kinds(result):
    return [f.fault.kind for f in result.fired]


# -- faults: each kind fires and the job recovers -------------------------------------------------
@pytest.mark.parametrize("parallelism", [1, 3])
def test_fail_operator_fires_and_recovers(parallelism):
    plan = FaultPlan().fail_operator("to-pair", at_record=120)
    r = check_exactly_once(pairs_job, DATA, plan, parallelism=parallelism, require_fired=True)
    assert _kinds(r) == ["record"] and r.restarts == 1
    assert "before record #120" in r.fired[0].detail
    assert Counter(r.actual) == Counter(r.expected)


def test_fail_operator_in_a_chained_operator():
    # parallelism 1: source -> map -> ... are chained; the fault must still see the records
    plan = FaultPlan().fail_operator("to-pair", at_record=7)
    res = run_collect(pairs_job, DATA, plan, parallelism=1)
    assert len(plan.fired) == 1 and res.restarts == 1
    assert all(isinstance(f, InjectedFailure) for f in res.failures)


def test_fail_source_by_name_without_prefix():
    plan = FaultPlan().fail_operator("Collection Source", at_record=50)
    r = check_exactly_once(pairs_job, DATA, plan, parallelism=2, require_fired=True)
    assert r.restarts == 1


def test_fail_during_snapshot_aborts_that_checkpoint():
    plan = FaultPlan().fail_during_snapshot("sum", checkpoint=2)
    r = check_exactly_once(pairs_job, DATA, plan, parallelism=2, require_fired=True, checkpoint_interval_ms=10)
    assert "snapshot of checkpoint" in r.fired[0].detail and r.restarts == 1


def test_fail_after_snapshot_before_commit_recommits_on_recovery():
    plan = FaultPlan().fail_after_snapshot_before_commit("Collect Sink", checkpoint=2)
    r = check_exactly_once(pairs_job, DATA, plan, parallelism=2, require_fired=True, checkpoint_interval_ms=10)
    assert "its commit has not run" in r.fired[0].detail


def test_fail_in_commit_does_not_duplicate():
    plan = FaultPlan().fail_in_commit("Collect Sink", checkpoint=1)
    r = check_exactly_once(pairs_job, DATA, plan, parallelism=2, require_fired=True, checkpoint_interval_ms=10)
    assert "took effect" in r.fired[0].detail and not r.duplicates


def test_several_faults_on_successive_attempts():
    plan = (FaultPlan()
            .fail_operator("to-pair", at_record=40)
            .fail_during_snapshot("sum", attempt=1)
            .fail_in_commit("Collect Sink", attempt=2))
    r = check_exactly_once(pairs_job, DATA, plan, parallelism=3, require_fired=True, checkpoint_interval_ms=10)
    assert [f.attempt for f in r.fired] == [0, 1, 2] and r.restarts == 3


def test_attempt_none_fires_on_whichever_attempt_reaches_it():
    plan = FaultPlan().fail_operator("to-pair", at_record=20, attempt=1).fail_operator("to-pair", at_record=150,
                                                                                       attempt=None)
    r = check_exactly_once(pairs_job, DATA, plan, parallelism=1, require_fired=True)
    assert [(f.fault.at_record, f.attempt) for f in r.fired] == [(150, 0), (20, 1)]


def test_subtask_filter():
    plan = FaultPlan().fail_operator("to-pair", at_record=10, subtask=2)
    r = check_exactly_once(pairs_job, DATA, plan, parallelism=3, require_fired=True)
    assert r.fired[0].subtask == 2


def test_fault_fires_once_even_when_reused_across_restarts():
    plan = FaultPlan().fail_operator("to-pair", at_record=5, attempt=None)
    res = run_collect(pairs_job, DATA, plan, parallelism=1, max_restarts=5)
    assert len(plan.fired) == 1 and res.restarts == 1


def test_injected_failure_is_the_cause_when_the_job_cannot_restart():
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(1)
    FaultPlan().fail_operator("to-pair", at_record=3).install(env)
    with pytest.raises(JobExecutionException) as info:
        list(pairs_job(env, DATA).execute_and_collect())
    assert isinstance(info.value.__cause__, InjectedFailure)
    assert "fail_operator('to-pair', at_record=3)" in str(info.value.__cause__)


def test_unknown_operator_is_reported_with_the_operators_the_job_has():
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(1)
    FaultPlan().fail_operator("Mapp", at_record=3).install(env)
    with pytest.raises(JobExecutionException, match=r"no operator named or with uid 'Mapp'.*'to-pair'"):
        list(pairs_job(env, DATA).execute_and_collect())


def test_plan_validation_errors_are_immediate():
    with pytest.raises(FaultPlanError, match="at_record must be a positive int"):
        FaultPlan().fail_operator("Map", at_record=0)
    with pytest.raises(FaultPlanError, match="operator name"):
        FaultPlan().fail_in_commit("")
    assert isinstance(FaultPlanError("x"), InvalidProgramException)


def test_plan_describe_and_reset():
    plan = FaultPlan().fail_operator("Map", at_record=3).fail_during_snapshot("KeyedProcess", checkpoint=2)
    assert repr(plan) == ("FaultPlan().fail_operator('Map', at_record=3)"
                          ".fail_during_snapshot('KeyedProcess', checkpoint=2)")
    plan.faults[0].fired = True
    assert plan.pending == [plan.faults[1]]
    assert plan.reset().pending == plan.faults


def test_uninstrumented_operators_run_their_own_methods():
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(1)
    plan = FaultPlan().fail_operator("to-pair", at_record=10**9)
    plan.install(env)
    stream = pairs_job(env, DATA)
    it = stream.execute_and_collect()
    list(it)
    ops = {op.name: op for t in it._job.tasks for op in t.operators}
    assert "process_batch" in vars(ops["to-pair"])  # wrapped on the instance
    for op in ops.values():  # nothing else is touched
        assert "snapshot_state" not in vars(op) and "notify_checkpoint_complete" not in vars(op)
    assert "emit_next" not in vars(ops["Source: Collection Source"])


# -- the checker ----------------------------------------------------------------------------------
class _AttemptTagger(MapFunction):
    """Not replay-safe: its output depends on the attempt number."""

    def open(self, runtime_context):
        self.attempt = runtime_context.get_attempt_number()

    def map(self, value):
        return (value, self.attempt)


def test_checker_reports_lost_and_duplicated_records_and_the_faults():
    def build(env, data):
        return env.from_collection(data).map(_AttemptTagger()).name("tag")

    plan = FaultPlan().fail_operator("tag", at_record=150)
    with pytest.raises(AssertionError) as info:
        check_exactly_once(build, DATA, plan, parallelism=1)
    msg = str(info.value)
    assert "exactly-once violated" in msg and "records lost" in msg and "duplicated or unexpected" in msg
    assert "fail_operator('tag', at_record=150) fired in operator 'tag'" in msg
    assert "(0, 0)" in msg or ", 0)" in msg


def test_checker_at_least_once_allows_duplicates_only():
    r = check_exactly_once(pairs_job, DATA, FaultPlan().fail_operator("to-pair", at_record=90),
                           mode="at_least_once", parallelism=3, require_fired=True)
    assert r.restarts == 1
    with pytest.raises(ValueError, match="mode must be one of"):
        check_exactly_once(pairs_job, DATA, FaultPlan(), mode="exactly-once")


def test_checker_reports_unrecoverable_jobs():
    plan = FaultPlan().fail_operator("to-pair", at_record=5).fail_operator("to-pair", at_record=6, attempt=1)
    with pytest.raises(AssertionError, match="did not recover from the injected faults"):
        check_exactly_once(pairs_job, DATA, plan, parallelism=1, max_restarts=1)


def test_checker_wants_a_datastream():
    with pytest.raises(TypeError, match="must return the DataStream"):
        check_exactly_once(lambda env, data: list(env.from_collection(data).execute_and_collect()), DATA,
                           FaultPlan())


def test_require_fired_lists_faults_that_never_fired():
    with pytest.raises(AssertionError, match=r"never fired: fail_operator\('to-pair', at_record=100000\)"):
        check_exactly_once(pairs_job, DATA, FaultPlan().fail_operator("to-pair", at_record=100_000),
                           require_fired=True, parallelism=1)


# -- the clock ------------------------------------------------------------------------------------
def test_stepping_clock():
    c = SteppingClock(100, reads_per_tick=2, ms_per_tick=5)
    assert [c.now_ms() for _ in range(4)] == [100, 105, 105, 110]
    c.sleep_until(200)
    assert c.now_ms() == 200
    with pytest.raises(ValueError):
        SteppingClock(reads_per_tick=0)


def test_checkpoints_happen_mid_stream_on_the_stepping_clock():
    res = run_collect(pairs_job, DATA, None, parallelism=2, checkpoint_interval_ms=10)
    assert res.checkpoints_completed >= 3


# -- the harness ----------------------------------------------------------------------------------
LATE = OutputTag("late", Types.STRING())


class CountWithTimeout(KeyedProcessFunction):
    """Counts per key; an event-time timer 10 ms after each record emits the count; a
    processing-time timer 100 ms after the first record emits "pt"; late records go to a side
    output."""

    def open(self, runtime_context):
        self.count = runtime_context.get_state(ValueStateDescriptor("count", Types.LONG()))

    def process_element(self, value, ctx):
        if ctx.timestamp() <= ctx.timer_service().current_watermark():
            yield LATE, f"late {value}"
            return
        n = (self.count.value() or 0) + 1
        self.count.update(n)
        ctx.timer_service().register_event_time_timer(ctx.timestamp() + 10)
        if n == 1:
            ctx.timer_service().register_processing_time_timer(ctx.timer_service().current_processing_time() + 100)
        yield (value[0], n)

    def on_timer(self, timestamp, ctx):
        yield (ctx.get_current_key(), "timer", timestamp, self.count.value())


def key0(v):
    return v[0]


def test_keyed_harness_elements_timers_and_output_timestamps():
    with KeyedProcessFunctionHarness(CountWithTimeout(), key0) as h:
        h.process_element(("a", 1), timestamp=5)
        h.process_element(("a", 2), timestamp=7)
        h.process_element(("b", 1), timestamp=6)
        assert h.extract_output() == [(("a", 1), 5), (("a", 2), 7), (("b", 1), 6)]
        assert h.num_event_time_timers() == 3 and h.num_processing_time_timers() == 2
        h.process_watermark(16)
        assert h.extract_output_values() == [("a", "timer", 15, 2), ("b", "timer", 16, 1)]
        assert h.get_emitted_watermarks() == [16]
        h.process_element(("a", 3), timestamp=12)
        assert h.get_side_output(LATE) == [("late ('a', 3)", 12)]
        h.set_processing_time(99)
        assert h.extract_output() == []
        h.set_processing_time(100)  # fires timers <= 100, as Flink's harness does
        out = h.extract_output()
        assert sorted(r.value for r in out) == [("a", "timer", 100, 2), ("b", "timer", 100, 1)]
        assert all(r.timestamp == 100 for r in out)
        assert h.num_processing_time_timers() == 0 and h.num_event_time_timers() == 1


def test_keyed_harness_snapshot_and_restore_keeps_state_and_timers():
    h = KeyedProcessFunctionHarness(CountWithTimeout(), key0)
    for i, k in enumerate("abcabca"):
        h.process_element((k, i), timestamp=100 + i)
    h.extract_output()
    snap = h.snapshot()
    h.process_element(("a", 99), timestamp=200)  # after the snapshot: must not survive
    h.close()

    h2 = KeyedProcessFunctionHarness(CountWithTimeout(), key0)
    h2.restore(snap)
    assert h2.num_event_time_timers() == 7
    h2.process_element(("a", 0), timestamp=150)
    assert h2.extract_output_values() == [("a", 4)]
    h2.process_watermark(10**6)
    fired = [v for v in h2.extract_output_values() if v[1] == "timer"]
    assert {(v[0], v[3]) for v in fired} == {("a", 4), ("b", 2), ("c", 2)}


def test_keyed_harness_restore_at_another_parallelism_splits_by_key_group():
    keys = [f"k{i}" for i in range(20)]
    h = KeyedProcessFunctionHarness(CountWithTimeout(), key0, max_parallelism=16)
    for k in keys:
        h.process_element((k, 0), timestamp=1)
    snap = h.snapshot()
    parts = [KeyedProcessFunctionHarness(CountWithTimeout(), key0, parallelism=3, subtask_index=i, max_parallelism=16)
             for i in range(3)]
    for p in parts:
        p.restore([snap])
    owned = [[k for k in keys if p.owns_key(k)] for p in parts]
    assert sorted(k for o in owned for k in o) == sorted(keys)  # every key exactly once
    for p, ks in zip(parts, owned):
        assert p.num_keyed_state_entries() == len(ks)
        assert p.num_event_time_timers() == len(ks)
    # and back: 3 -> 2
    snaps = [p.snapshot() for p in parts]
    back = [KeyedProcessFunctionHarness(CountWithTimeout(), key0, parallelism=2, subtask_index=i, max_parallelism=16)
            for i in range(2)]
    for b in back:
        b.restore(snaps)
    assert sum(b.num_keyed_state_entries() for b in back) == len(keys)


def test_harness_restore_errors():
    h = KeyedProcessFunctionHarness(CountWithTimeout(), key0)
    snap = h.snapshot()
    with pytest.raises(IllegalStateException, match="before the operator is opened"):
        h.restore(snap)
    other = KeyedProcessFunctionHarness(CountWithTimeout(), key0, max_parallelism=64)
    with pytest.raises(InvalidProgramException, match="max_parallelism"):
        other.restore(snap)
    with pytest.raises(InvalidProgramException, match="subtask_index"):
        KeyedProcessFunctionHarness(CountWithTimeout(), key0, parallelism=2, subtask_index=2)


class Splitter(ProcessFunction):
    def process_element(self, value, ctx):
        if value < 0:
            yield LATE, value
        else:
            yield value * 2


def test_process_function_harness_side_outputs_and_timestamps():
    h = ProcessFunctionHarness(Splitter())
    h.process_element(1, timestamp=10)
    h.process_element(-1, timestamp=11)
    h.process_element(3)
    assert h.extract_output() == [(2, 10), (6, None)]
    assert h.get_side_output("late") == [(-1, 11)]


class TimerInNonKeyed(ProcessFunction):
    def process_element(self, value, ctx):
        ctx.timer_service().register_event_time_timer(5)
        yield value


def test_process_function_harness_reports_timers_on_non_keyed_streams():
    h = ProcessFunctionHarness(TimerInNonKeyed())
    with pytest.raises(Exception, match="timers can only be used on a keyed stream"):
        h.process_element(1)


def test_generic_harness_on_a_real_operator():
    op = KeyedProcessOperator(CountWithTimeout(), name="counter")
    h = OneInputOperatorHarness(op, keyed=True, key_selector=key0)
    h.process_elements([("x", 1), ("x", 2)], [1, 2])
    assert h.extract_output_values() == [("x", 1), ("x", 2)]
    with pytest.raises(InvalidProgramException, match="key_selector"):
        OneInputOperatorHarness(KeyedProcessOperator(CountWithTimeout()), keyed=True)
    with pytest.raises(InvalidProgramException, match="keyed operator"):
        OneInputOperatorHarness(KeyedProcessOperator(CountWithTimeout()))


# -- strategies -----------------------------------------------------------------------------------
@settings(max_examples=50, deadline=None)
@given(st.data())
def test_out_of_order_streams_have_bounded_disorder(data):
    delay = data.draw(st.integers(0, 20))
    stream = data.draw(out_of_order_streams(keys=["x", "y"], max_delay=delay, size=(0, 50)))
    high = None
    for key, ts, _ in stream:
        assert key in ("x", "y")
        if high is not None:
            assert ts >= high - delay
        high = ts if high is None else max(high, ts)


@settings(max_examples=30, deadline=None)
@given(st.data())
def test_failure_schedules_target_named_operators(data):
    plan = data.draw(failure_schedules(["a", "b"], sinks=["s"], max_faults=4))
    assert 1 <= len(plan.faults) <= 4
    for f in plan.faults:
        assert f.operator in ("a", "b", "s")
        if f.kind == "in_commit":
            assert f.operator == "s"


def test_build_job_runs_every_kind_of_shape():
    data = [("a", 3, 1), ("b", 1, 2), ("a", 5, 3), ("c", 4, 4)]
    for shape in [JobShape(), JobShape(source="number_sequence", parallelism=3, steps=(("map", 2), ("filter", 3))),
                  JobShape(keyed="count", parallelism=2), JobShape(keyed="sum", timers=True, parallelism=4)]:
        env = StreamExecutionEnvironment.get_execution_environment(Configuration())
        out = list(build_job(env, shape, data).execute_and_collect())
        if shape.keyed == "sum":
            assert ("sum", "a", 4, 2) in out and ("timer", "a", 10) in out
        elif shape.keyed == "count":
            assert sorted(out) == [("a", 1), ("a", 2), ("b", 1), ("c", 1)]
        elif not shape.steps:
            assert sorted(out) == sorted(data)


# -- regression: found by the at-least-once property ----------------------------------------------
def test_at_least_once_barrier_tracker_does_not_count_a_finished_channel_for_an_open_one():
    from flinklite.checkpoint.barrier_handler import AtLeastOnceBarrierHandler

    class Ch:
        finished = False

    a, b = Ch(), Ch()
    done = []
    h = AtLeastOnceBarrierHandler([a, b], done.append, lambda cid: None)
    h.barrier(1, a)
    a.finished = True  # a delivered barrier 1, then ended; b's barrier 1 is still on its way
    h.end_of_partition(a)
    assert done == []  # snapshotting now would miss b's records before its barrier: loss
    h.barrier(1, b)
    assert done == [1]
