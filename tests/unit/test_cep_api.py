"""flinklite.cep end to end: conditions with context, time (sorting, lateness, windows,
timeouts, processing time), state through snapshots, select/flat_select in jobs, and errors."""

from __future__ import annotations

import pytest
from _cep_helpers import LATE, TIMEOUT, Collect, harness, letter, run

from flinklite.cep import (
    CEP,
    AfterMatchSkipStrategy,
    IterativeCondition,
    MalformedPatternException,
    Pattern,
    PatternFlatSelectFunction,
    PatternProcessFunction,
    PatternSelectFunction,
    PatternTimeoutFunction,
    SimpleCondition,
)
from flinklite.common import Duration, WatermarkStrategy
from flinklite.common.watermark_strategy import TimestampAssigner
from flinklite.datastream import OutputTag, StreamExecutionEnvironment
from flinklite.errors import FlinkliteError, InvalidProgramException

MAX = 2**63 - 1


# -- conditions ------------------------------------------------------------------------------------
class Rising(IterativeCondition):
    """A price above the last one the loop accepted (or above the start's)."""

    def filter(self, value, ctx):
        before = ctx.get_events_for_pattern("up") or ctx.get_events_for_pattern("start")
        return value > before[-1]


def test_iterative_condition_sees_the_partial_match():
    p = Pattern.begin("start").followed_by("up").where(Rising()).times(2).consecutive()
    assert run(p, [5, 6, 7, 3, 4, 2]) == ["5 6 7"]


def test_simple_condition_class_and_two_argument_functions():
    class IsA(SimpleCondition):
        def filter(self, value):
            return value == "a"

    p = Pattern.begin("a").where(IsA()).next("b").where(lambda v, ctx: ctx.get_events_for_pattern("a") == ["a"])
    assert run(p, ["a", "b", "x"]) == ["a b"]


def test_where_and_or_combine_in_call_order():
    p = Pattern.begin("x").where(lambda v: v > 0).where(lambda v: v % 2 == 0).or_(lambda v: v == -1)
    assert run(p, [1, 2, 3, 4, -1, -2]) == ["2", "4", "-1"]


# -- event time ----------------------------------------------------------------------------------------
def test_events_are_sorted_by_timestamp_before_matching():
    p = Pattern.begin("a").where(letter("a")).next("b").where(letter("b"))
    h = harness(p)
    h.process_element("b", 2)
    h.process_element("a", 1)   # arrives after b but is earlier: matched first
    assert h.extract_output_values() == []  # nothing before a watermark
    h.process_watermark(2)
    records = h.extract_output()
    assert [r.value for r in records] == ["a b"]
    assert [r.timestamp for r in records] == [2]  # a match carries its last event's timestamp


def test_late_events_go_to_the_side_output():
    p = Pattern.begin("a").where(letter("a"))
    h = harness(p)
    h.process_watermark(10)
    h.process_element("a-late", 10)  # at the watermark: late
    h.process_element("a-ok", 11)
    h.process_watermark(20)
    assert h.extract_output_values() == ["a-ok"]
    assert [r.value for r in h.get_side_output(LATE)] == ["a-late"]


def test_within_times_out_partial_matches_to_the_side_output():
    p = Pattern.begin("a").where(letter("a")).followed_by("b").where(letter("b")).within(Duration.of_millis(10))
    h = harness(p)
    h.process_element("a1", 0)
    h.process_element("a2", 5)
    h.process_element("b", 12)   # 12 - 0 >= 10: a1's match timed out, a2's did not
    h.process_watermark(30)
    assert h.extract_output_values() == ["a2 b"]
    assert [r.value for r in h.get_side_output(TIMEOUT)] == [("a1", 10)]
    assert [r.timestamp for r in h.get_side_output(TIMEOUT)] == [10]


def test_timeouts_fire_on_watermarks_alone():
    p = Pattern.begin("a").where(letter("a")).followed_by("b").where(letter("b")).within(Duration.of_millis(10))
    h = harness(p)
    h.process_element("a", 1)
    h.process_watermark(5)
    assert h.get_side_output(TIMEOUT) == []
    h.process_watermark(11)
    assert [r.value for r in h.get_side_output(TIMEOUT)] == [("a", 11)]
    assert h.num_keyed_state_entries() == 0  # nothing left for the key


def test_keys_are_matched_separately():
    p = Pattern.begin("a").where(lambda e: e[1] == "a").next("b").where(lambda e: e[1] == "b")
    h = harness(p, key=lambda e: e[0])
    for i, e in enumerate([("k1", "a"), ("k2", "a"), ("k1", "b"), ("k2", "x"), ("k2", "b")]):
        h.process_element(e, i)
    h.process_watermark(MAX)
    assert h.extract_output_values() == ["('k1', 'a') ('k1', 'b')"]


# -- processing time ---------------------------------------------------------------------------------------
def test_processing_time_matches_at_once_and_times_out_on_the_clock():
    p = Pattern.begin("a").where(letter("a")).followed_by("b").where(letter("b")).within(Duration.of_millis(100))
    h = harness(p, processing_time=True)
    h.set_processing_time(1000)
    h.process_element("a1")
    h.process_element("b")
    assert h.extract_output_values() == ["a1 b"]
    h.process_element("a2")
    h.set_processing_time(1100)
    assert [r.value for r in h.get_side_output(TIMEOUT)] == [("a2", 1100)]


# -- state -----------------------------------------------------------------------------------------------
def test_snapshot_and_restore_in_the_middle_of_a_match():
    def at(c):
        return lambda e: e[1] == c  # events are key + step letter (+ number)

    p = Pattern.begin("a").where(at("a")).followed_by("b").where(at("b")).one_or_more() \
        .followed_by("c").where(at("c"))
    h = harness(p, key=lambda e: e[0])
    for i, e in enumerate(["xa", "ya", "xb1", "yb1"]):
        h.process_element(e, i)
    h.process_watermark(2)   # xa, ya, xb1 matched; yb1 still buffered
    snap = h.snapshot()
    h2 = harness(p, key=lambda e: e[0]).restore(snap)
    for i, e in enumerate(["xb2", "xc", "yc"], start=4):
        h2.process_element(e, i)
    h2.process_watermark(MAX)
    restored = sorted(h2.extract_output_values())
    assert restored == ["xa xb1 xb2 xc", "xa xb1 xc", "ya yb1 yc"]
    # the same as a run without the restore
    uninterrupted = harness(p, key=lambda e: e[0])
    for i, e in enumerate(["xa", "ya", "xb1", "yb1", "xb2", "xc", "yc"]):
        uninterrupted.process_element(e, i)
    uninterrupted.process_watermark(MAX)
    assert sorted(uninterrupted.extract_output_values()) == restored


def test_restore_at_another_parallelism_keeps_every_key():
    p = Pattern.begin("a").where(lambda e: e[1] == "a").followed_by("b").where(lambda e: e[1] == "b")
    keys = [f"k{i}" for i in range(12)]
    h = harness(p, key=lambda e: e[0], max_parallelism=16)
    for i, k in enumerate(keys):
        h.process_element((k, "a"), i)
    h.process_watermark(100)
    snap = h.snapshot()
    out = []
    for idx in range(3):
        h2 = harness(p, key=lambda e: e[0], max_parallelism=16, parallelism=3, subtask_index=idx).restore(snap)
        mine = [k for k in keys if h2.owns_key(k)]
        for k in mine:
            h2.process_element((k, "b"), 200)
        h2.process_watermark(MAX)
        out += h2.extract_output_values()
    assert sorted(out) == sorted(f"('{k}', 'a') ('{k}', 'b')" for k in keys)


# -- in a job ------------------------------------------------------------------------------------------------
class _TS(TimestampAssigner):
    def extract_timestamp(self, value, record_timestamp):
        return value[2]


def _events(env):
    data = [("k1", "a", 1), ("k2", "a", 2), ("k1", "b", 3), ("k2", "b", 4), ("k1", "a", 30), ("k2", "c", 5)]
    return env.from_collection(data).assign_timestamps_and_watermarks(
        WatermarkStrategy.for_monotonous_timestamps().with_timestamp_assigner(_TS()))


def _ab(within=None):
    p = Pattern.begin("a").where(lambda e: e[1] == "a").followed_by("b").where(lambda e: e[1] == "b")
    return p.within(within) if within is not None else p


def test_select_and_timeouts_in_a_job():
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(2)
    tag = OutputTag("timeouts")

    class Timeout(PatternTimeoutFunction):
        def timeout(self, match, timeout_timestamp):
            return (match["a"][0][0], timeout_timestamp)

    class Sel(PatternSelectFunction):
        def select(self, match):
            return (match["a"][0][0], match["b"][0][2])

    ps = CEP.pattern(_events(env).key_by(lambda e: e[0]), _ab(Duration.of_millis(10)))
    out = ps.select(tag, Timeout(), Sel())
    got = list(out.union(out.get_side_output(tag).map(lambda v: ("timeout",) + v)).execute_and_collect())
    # k1's second a (at 30) never sees a b: it times out at 30 + 10 when the input ends
    assert sorted(got) == [("k1", 3), ("k2", 4), ("timeout", "k1", 40)]


def test_flat_select_and_process_on_a_non_keyed_stream():
    env = StreamExecutionEnvironment.get_execution_environment()

    class Both(PatternFlatSelectFunction):
        def flat_select(self, match):
            yield match["a"][0][0]
            yield match["b"][0][0]

    got = list(CEP.pattern(_events(env), _ab()).flat_select(Both()).execute_and_collect())
    # one NFA for the whole stream: both a's (k1 at 1, k2 at 2) are followed by the first b (k1 at 3)
    assert got == ["k1", "k1", "k2", "k1"]

    class Proc(PatternProcessFunction):
        def process_match(self, match, ctx):
            yield (ctx.timestamp(), [e[2] for e in match["a"] + match["b"]])

    got = list(CEP.pattern(_events(env), _ab()).process(Proc()).execute_and_collect())
    assert got == [(3, [1, 3]), (3, [2, 3])]


# -- errors ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("build, message", [
    (lambda: Pattern.begin("a").next("a"), "duplicate pattern name"),
    (lambda: Pattern.begin("a").until(lambda e: True), "only applies to looping"),
    (lambda: Pattern.begin("a").one_or_more().until(lambda e: True).until(lambda e: True), "only one until"),
    (lambda: Pattern.begin("a").next("b").one_or_more().greedy(), "cannot be the last step"),
    (lambda: Pattern.begin("a").not_followed_by("b"), "can only end a pattern with a time window"),
    (lambda: Pattern.begin("a").optional().optional(), "optional already applied"),
    (lambda: Pattern.begin("a").optional().not_next("b"), "after the optional pattern"),
    (lambda: Pattern.begin("a").one_or_more().times(2), "already has a quantifier"),
    (lambda: Pattern.begin("a").times(0), "positive number"),
    (lambda: Pattern.begin("a").times(3, 2), "upper bound"),
    (lambda: Pattern.begin("a").greedy(), "not to a single event"),
    (lambda: Pattern.begin("a").consecutive(), "applies to one_or_more/times"),
    (lambda: Pattern.begin("a").one_or_more().consecutive().allow_combinations(), "not both"),
    (lambda: Pattern.begin("a").next("b").not_next("c").optional(), "cannot be optional"),
    (lambda: Pattern.begin("a", AfterMatchSkipStrategy.skip_to_first("zz")).next("b"), "'zz' is not a step"),
    (lambda: Pattern.begin("a:b"), "reserved"),
    (lambda: Pattern.begin("a").within(0), "must be positive"),
    (lambda: Pattern.begin("a").where(42), "expected a SimpleCondition"),
])
def test_malformed_patterns(build, message):
    env = StreamExecutionEnvironment.get_execution_environment()
    with pytest.raises(MalformedPatternException if "expected a Simple" not in message else InvalidProgramException,
                       match=message):
        CEP.pattern(env.from_collection([1]), build())


def test_bad_arguments_to_the_pattern_stream():
    env = StreamExecutionEnvironment.get_execution_environment()
    ps = CEP.pattern(env.from_collection([1]), Pattern.begin("a"))
    with pytest.raises(InvalidProgramException, match="takes"):
        ps.select(lambda m: m, lambda m: m)
    with pytest.raises(InvalidProgramException, match="PatternProcessFunction"):
        ps.process(lambda m: m)
    with pytest.raises(InvalidProgramException, match="OutputTag"):
        ps.side_output_late_data("late")
    with pytest.raises(InvalidProgramException, match="needs a Pattern"):
        CEP.pattern(env.from_collection([1]), "a b")


def test_a_failing_condition_names_the_operator_and_the_event():
    def boom(e):
        raise ValueError("bad event")

    env = StreamExecutionEnvironment.get_execution_environment()
    ds = CEP.pattern(env.from_collection([1, 2]), Pattern.begin("a").where(boom)).in_processing_time() \
        .select(lambda m: m)
    with pytest.raises(FlinkliteError) as info:
        list(ds.execute_and_collect())
    text = str(info.value) + str(info.value.__cause__)
    assert "CepOperator" in text and "bad event" in text


def test_skip_to_first_can_fail_on_a_missing_step():
    skip = AfterMatchSkipStrategy.skip_to_first("b").throw_exception_on_miss()
    p = Pattern.begin("a", skip).where(letter("a")).followed_by("b").where(letter("b")).optional() \
        .followed_by("c").where(letter("c"))
    with pytest.raises(Exception, match="could not skip to 'b'"):
        run(p, ["a", "c"])
    with pytest.raises(InvalidProgramException, match="skip_to_first/skip_to_last"):
        AfterMatchSkipStrategy.no_skip().throw_exception_on_miss()


def test_timed_out_handler_may_not_emit_to_the_main_output():
    class Bad(Collect):
        def process_timed_out_match(self, match, ctx):
            yield "main"

    p = Pattern.begin("a").where(letter("a")).followed_by("b").where(letter("b")).within(5)
    with pytest.raises(Exception, match="only emit to side outputs"):
        run(p, ["a", "x", "y"], [0, 1, 10], fn=Bad())


def test_batch_mode_gives_the_streaming_result():
    from flinklite.datastream import RuntimeExecutionMode

    p = Pattern.begin("a").where(lambda e: e[1] == "a").followed_by("b").where(lambda e: e[1] == "b") \
        .one_or_more().followed_by("c").where(lambda e: e[1] == "c")
    data = [("k1", "a", 1), ("k2", "a", 2), ("k1", "b", 3), ("k2", "b", 4), ("k1", "c", 5), ("k2", "c", 6)]
    results = []
    for mode in (RuntimeExecutionMode.BATCH, RuntimeExecutionMode.STREAMING):
        env = StreamExecutionEnvironment.get_execution_environment()
        env.set_runtime_mode(mode)
        env.set_parallelism(2)
        ds = env.from_collection(data).assign_timestamps_and_watermarks(
            WatermarkStrategy.for_monotonous_timestamps().with_timestamp_assigner(_TS()))
        out = CEP.pattern(ds.key_by(lambda e: e[0]), p).select(lambda m: tuple(e[2] for v in m.values() for e in v))
        results.append(sorted(out.execute_and_collect()))
    assert results[0] == results[1] == [(1, 3, 5), (2, 4, 6)]
