"""Every failure path: user exceptions fail the job with ``JobExecutionException`` naming the
operator (name, uid), the subtask and the record, with the user's exception as ``__cause__``;
API misuse raises ``InvalidProgramException`` (at build time or when the job starts) with text
that says what to do; ``execute_and_collect`` never hands out a partial result as success.
"""

import datetime

import pytest

from flinklite.common import Types, WatermarkStrategy
from flinklite.common.watermark_strategy import TimestampAssigner
from flinklite.datastream import (
    FlatMapFunction,
    KeyedBroadcastProcessFunction,
    KeyedProcessFunction,
    MapFunction,
    ProcessFunction,
    StreamExecutionEnvironment,
)
from flinklite.datastream.output_tag import OutputTag
from flinklite.datastream.state import MapStateDescriptor, ValueStateDescriptor
from flinklite.errors import IllegalStateException, InvalidProgramException, JobExecutionException


class UserBoom(Exception):
    """A user exception type nothing in flinklite raises."""


def env(p=1):
    e = StreamExecutionEnvironment.get_execution_environment()
    e.set_parallelism(p)
    return e


def fails_on(bad):
    def f(x):
        if x == bad:
            raise UserBoom(f"bad value {x!r}")
        return x
    return f


def check(exc_info, name, subtask=None, uid=None, record=None, cause=UserBoom):
    err = exc_info.value
    msg = str(err)
    assert isinstance(err, JobExecutionException)
    assert f"'{name}'" in msg, msg
    if uid is not None:
        assert uid in msg, msg
    if subtask is not None:
        assert subtask in msg, msg
    if record is not None:
        assert repr(record) in msg, msg
    assert isinstance(err.__cause__, cause), repr(err.__cause__)
    return err


def test_map_failure():
    e = env()
    e.from_collection([1, 2, ("x", 3), 4]).map(fails_on(("x", 3))).name("my-map").uid("map-uid").print()
    with pytest.raises(JobExecutionException) as ei:
        e.execute()
    err = check(ei, "my-map", "1/1", "map-uid", ("x", 3))
    assert err.operator_name == "my-map" and err.operator_uid == "map-uid" and err.subtask_index == 0
    assert err.record == ("x", 3)
    assert "bad value" in str(err.__cause__)
    assert err.__cause__.__traceback__ is not None  # the user's traceback is kept


def test_map_function_class_failure_without_uid():
    class M(MapFunction):
        def map(self, v):
            return 10 // v

    e = env()
    e.from_collection([5, 0]).map(M()).name("div").print()
    with pytest.raises(JobExecutionException) as ei:
        e.execute()
    check(ei, "div", "1/1", record=0, cause=ZeroDivisionError)


def test_flat_map_failure():
    class F(FlatMapFunction):
        def flat_map(self, v):
            yield v
            if v == "b":
                raise UserBoom("fm")

    e = env()
    e.from_collection(["a", "b", "c"]).flat_map(F()).name("fm").uid("fm-uid").print()
    with pytest.raises(JobExecutionException) as ei:
        e.execute()
    check(ei, "fm", "1/1", "fm-uid", "b")


def test_filter_failure():
    e = env()
    e.from_collection([1, 2, 3]).filter(lambda v: fails_on(2)(v) > 0).name("flt").print()
    with pytest.raises(JobExecutionException) as ei:
        e.execute()
    check(ei, "flt", "1/1", record=2)


def test_process_failure():
    class P(ProcessFunction):
        def process_element(self, v, ctx):
            fails_on(7)(v)
            yield v

    e = env()
    e.from_collection([6, 7]).process(P()).name("proc").uid("proc-uid").print()
    with pytest.raises(JobExecutionException) as ei:
        e.execute()
    check(ei, "proc", "1/1", "proc-uid", 7)


def test_key_selector_failure():
    e = env()
    e.from_collection([("k", 1), ("k", 2)]).key_by(lambda v: fails_on(2)(v[1])).map(lambda v: v) \
        .name("after-key").print()
    with pytest.raises(JobExecutionException) as ei:
        e.execute()
    check(ei, "after-key", "1/1", record=("k", 2))


def test_reduce_failure_names_the_keys_subtask():
    # PyFlink hashes the key "a" (no key_type) as Row(pickle("a")): key group 33 at M=128 ->
    # subtask 33*2//128 = 0, i.e. "1/2" (real PyFlink 2.3 prints it from subtask 1 too)
    def red(a, b):
        if b[1] == 3:
            raise UserBoom("reduce")
        return (a[0], a[1] + b[1])

    e = env(2)
    e.from_collection([("a", 1), ("a", 2), ("a", 3)]).key_by(lambda v: v[0]).reduce(red) \
        .name("red").uid("red-uid").print()
    with pytest.raises(JobExecutionException) as ei:
        e.execute()
    err = check(ei, "red", "1/2", "red-uid", ("a", 3))
    assert err.subtask_index == 0


def test_on_timer_failure():
    class K(KeyedProcessFunction):
        def process_element(self, v, ctx):
            ctx.timer_service().register_event_time_timer(100)
            yield v

        def on_timer(self, ts, ctx):
            raise UserBoom(f"timer {ts}")

    e = env()
    e.from_collection(["z"]).key_by(lambda v: v).process(K()).name("kp").uid("kp-uid").print()
    with pytest.raises(JobExecutionException) as ei:
        e.execute()
    err = check(ei, "kp", "1/1", "kp-uid")
    assert "timer 100" in str(err.__cause__)


def test_timestamp_assigner_failure():
    class TA(TimestampAssigner):
        def extract_timestamp(self, value, record_timestamp):
            return fails_on(("b", 2))(value)[1]

    e = env()
    e.from_collection([("a", 1), ("b", 2)]).assign_timestamps_and_watermarks(
        WatermarkStrategy.for_monotonous_timestamps().with_timestamp_assigner(TA())
    ).name("wm").uid("wm-uid").print()
    with pytest.raises(JobExecutionException) as ei:
        e.execute()
    check(ei, "wm", "1/1", "wm-uid", ("b", 2))


def test_open_failure():
    class M(MapFunction):
        def open(self, rc):
            raise UserBoom("cannot open")

        def map(self, v):
            return v

    e = env(2)
    e.from_collection([1]).map(M()).name("opener").uid("open-uid").print()
    with pytest.raises(JobExecutionException) as ei:
        e.execute()
    err = check(ei, "opener", "/2", "open-uid")
    assert "cannot open" in str(err.__cause__)


def test_failure_stops_the_job_and_closes_functions(capsys):
    closed = []

    class M(MapFunction):
        def map(self, v):
            return fails_on(3)(v)

        def close(self):
            closed.append(True)

    e = env()
    e.from_collection(list(range(10))).map(M()).print()
    with pytest.raises(JobExecutionException):
        e.execute()
    out = capsys.readouterr().out.split()
    assert "3" not in out and "9" not in out  # nothing after the failing record got through
    assert closed == [True]


def test_record_repr_is_truncated():
    big = "x" * 5000

    def f(v):
        raise UserBoom("short")

    e = env()
    e.from_collection([big]).map(f).name("big").print()
    with pytest.raises(JobExecutionException) as ei:
        e.execute()
    assert "xxxxxxxx" in str(ei.value)
    assert len(str(ei.value)) < 2000


# -- misuse -----------------------------------------------------------------------------------

def test_keyed_state_in_non_keyed_function_fails_when_job_starts():
    class M(MapFunction):
        def open(self, rc):
            self.s = rc.get_state(ValueStateDescriptor("s", Types.INT()))

        def map(self, v):
            return v

    e = env()
    e.from_collection([1]).map(M()).name("ksm").print()
    with pytest.raises((InvalidProgramException, JobExecutionException)) as ei:
        e.execute()
    msg = str(ei.value)
    assert "key_by" in msg and "'s'" in msg and "ksm" in msg
    if isinstance(ei.value, JobExecutionException):
        assert isinstance(ei.value.__cause__, InvalidProgramException)


def test_timer_in_non_keyed_process_function():
    class P(ProcessFunction):
        def process_element(self, v, ctx):
            ctx.timer_service().register_event_time_timer(5)
            yield v

    e = env()
    e.from_collection([1]).process(P()).name("tp").print()
    with pytest.raises(JobExecutionException) as ei:
        e.execute()
    err = check(ei, "tp", "1/1", cause=IllegalStateException)
    assert "key_by" in str(err)


def test_non_keyed_process_function_may_read_time():
    seen = []

    class P(ProcessFunction):
        def process_element(self, v, ctx):
            seen.append(ctx.timer_service().current_watermark())
            yield v

    e = env()
    assert list(e.from_collection([1]).process(P()).execute_and_collect()) == [1]
    assert seen == [-(2**63)]


def test_parallelism_above_max_parallelism():
    e = env(4)
    e.set_max_parallelism(2)
    e.from_collection([1]).map(lambda v: v).print()
    with pytest.raises(InvalidProgramException, match="max parallelism"):
        e.execute()
    e = env(1)
    with pytest.raises(InvalidProgramException, match="max parallelism"):
        e.from_collection([1]).map(lambda v: v).set_max_parallelism(2).set_parallelism(4)


def test_set_parallelism_on_collection_source():
    e = env()
    with pytest.raises(InvalidProgramException, match="non-parallel"):
        e.from_collection([1, 2]).set_parallelism(2)


def test_sum_on_date_field_of_typed_row():
    e = env()
    ds = e.from_collection([("a", datetime.date(2020, 1, 1))],
                           type_info=Types.ROW_NAMED(["k", "d"], [Types.STRING(), Types.SQL_DATE()]))
    with pytest.raises(InvalidProgramException, match="sum") as ei:
        ds.key_by(lambda r: r[0]).sum("d")
    assert "reduce" in str(ei.value)  # says what to use instead
    with pytest.raises(InvalidProgramException):
        ds.key_by(lambda r: r[0]).sum(1)


def test_sum_on_string_field_concatenates():
    e = env()
    ds = e.from_collection([("a", "x"), ("a", "y"), ("a", "z")],
                           type_info=Types.ROW_NAMED(["k", "s"], [Types.STRING(), Types.STRING()]))
    out = [r["s"] for r in ds.key_by(lambda r: r[0]).sum("s").map(lambda r: r).execute_and_collect()]
    assert out[-1] == "xyz"


def test_sum_with_float_position():
    e = env()
    ks = e.from_collection([("a", 1)]).key_by(lambda r: r[0])
    with pytest.raises((TypeError, InvalidProgramException), match="must be of int or str type"):
        ks.sum(1.5)


def test_side_output_of_map():
    e = env()
    with pytest.raises(InvalidProgramException, match="process"):
        e.from_collection([1]).map(lambda v: v).get_side_output(OutputTag("t", Types.INT()))


def test_same_tag_name_two_types():
    class P(ProcessFunction):
        def process_element(self, v, ctx):
            yield v

    e = env()
    s = e.from_collection([1]).process(P())
    s.get_side_output(OutputTag("t", Types.INT()))
    s.get_side_output(OutputTag("t", Types.INT()))  # same type again is fine
    with pytest.raises(InvalidProgramException, match="'t'"):
        s.get_side_output(OutputTag("t", Types.STRING()))


def test_forward_between_different_parallelisms():
    e = env(3)
    e.from_collection([1]).map(lambda v: v).forward().map(lambda v: v).set_parallelism(2).print()
    with pytest.raises(InvalidProgramException, match="rebalance"):
        e.execute()


def test_keyed_process_function_on_data_stream():
    class K(KeyedProcessFunction):
        def process_element(self, v, ctx):
            yield v

    e = env()
    with pytest.raises(InvalidProgramException, match="key_by"):
        e.from_collection([1]).process(K())


def test_unhashable_key():
    e = env(2)
    e.from_collection([[1, 2]]).key_by(lambda v: v).map(lambda v: v).name("lk").print()
    with pytest.raises(JobExecutionException) as ei:
        e.execute()
    msg = str(ei.value)
    assert "list" in msg and "tuple" in msg and "lk" in msg and "[1, 2]" in msg


def test_unhashable_key_at_parallelism_one():
    e = env(1)
    e.from_collection([{"a": 1}]).key_by(lambda v: v).map(lambda v: v).name("dk").print()
    with pytest.raises(JobExecutionException, match="dict"):
        e.execute()


def test_broadcast_state_write_from_data_side():
    desc = MapStateDescriptor("rules", Types.STRING(), Types.STRING())

    class B(KeyedBroadcastProcessFunction):
        def process_element(self, v, ctx):
            ctx.get_broadcast_state(desc).put("x", "y")
            yield v

        def process_broadcast_element(self, v, ctx):
            ctx.get_broadcast_state(desc).put(v, v)

    e = env()
    data = e.from_collection(["a"]).key_by(lambda v: v)
    rules = e.from_collection(["r"]).broadcast(desc)
    data.connect(rules).process(B()).name("bp").print()
    with pytest.raises(JobExecutionException) as ei:
        e.execute()
    err = check(ei, "bp", "1/1", record="a", cause=IllegalStateException)
    assert "read-only" in str(err)


def test_execute_and_collect_does_not_deliver_partial_result():
    e = env()
    it = e.from_collection([1, 2, 3, 4]).map(fails_on(3)).name("cm").execute_and_collect()
    with pytest.raises(JobExecutionException) as ei:
        list(it)
    check(ei, "cm", "1/1", record=3)
    e = env()
    with pytest.raises(JobExecutionException):
        e.from_collection([1, 2, 3, 4]).map(fails_on(3)).execute_and_collect(limit=10)


def test_execute_raises_not_returns_after_failure():
    e = env()
    e.from_collection([1, 2]).map(fails_on(2)).print()
    result = None
    with pytest.raises(JobExecutionException):
        result = e.execute()
    assert result is None
