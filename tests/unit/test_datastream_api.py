"""DataStream API behaviours not covered by the conformance cases: union, connect with a
CoProcessFunction, the partitioning methods (multiset preservation, broadcast copies), print()
formatting and the ``N> `` prefix (PyFlink notes Q1), RuntimeContext getters, open/close once per
subtask, BATCH-mode timers per key (§4, §10.5), execute_async, NumberSequenceSource splits,
``with_idleness`` releasing the watermark, and rolling aggregations not mutating emitted records.
"""

from collections import Counter

from _helpers import make_env

from flinklite.common import Duration, Row, Types, WatermarkStrategy
from flinklite.datastream import (
    CoProcessFunction,
    KeyedProcessFunction,
    MapFunction,
    ProcessFunction,
    RuntimeExecutionMode,
)
from flinklite.datastream.connectors import NumberSequenceSource
from flinklite.datastream.connectors.base import Boundedness, Source, SourceReader
from flinklite.datastream.time_domain import TimeDomain
from flinklite.time.clock import ManualClock
from flinklite.time.watermark import MAX_TIMESTAMP, MIN_TIMESTAMP


def env(p=1, **conf):
    return make_env(p, **conf)


class SubIdx(MapFunction):
    def open(self, rc):
        self.idx = rc.get_index_of_this_subtask()

    def map(self, v):
        return (self.idx, v)


def test_union_keeps_every_record():
    e = env(2)
    a = e.from_collection([1, 2, 3])
    b = e.from_collection([10, 20])
    c = e.from_collection(["x"]).map(lambda v: v * 2)
    assert Counter(a.union(b, c).execute_and_collect()) == Counter([1, 2, 3, 10, 20, "xx"])


def test_union_preserves_order_per_input_at_parallelism_one():
    e = env(1)
    a = e.from_collection(list(range(50)))
    b = e.from_collection(list(range(100, 150)))
    out = list(a.union(b).execute_and_collect())
    assert [v for v in out if v < 100] == list(range(50))
    assert [v for v in out if v >= 100] == list(range(100, 150))


class Tagger(CoProcessFunction):
    def process_element1(self, v, ctx):
        yield ("left", v)

    def process_element2(self, v, ctx):
        yield ("right", v)


def test_connect_with_co_process_function():
    e = env(2)
    left = e.from_collection([1, 2, 3])
    right = e.from_collection(["a", "b"])
    out = Counter(left.connect(right).process(Tagger()).execute_and_collect())
    assert out == Counter([("left", 1), ("left", 2), ("left", 3), ("right", "a"), ("right", "b")])


def _partitioned(method, p=3, data=None):
    e = env(p)
    data = data if data is not None else list(range(40))
    src = e.from_collection(data).map(lambda v: v)  # parallel upstream
    ds = method(src)
    return list(ds.map(SubIdx()).execute_and_collect()), data


def test_rescale_shuffle_rebalance_preserve_multiset():
    for method in (lambda s: s.rescale(), lambda s: s.shuffle(), lambda s: s.rebalance()):
        out, data = _partitioned(method)
        assert Counter(v for _, v in out) == Counter(data)


def test_broadcast_copies_to_each_subtask():
    out, data = _partitioned(lambda s: s.broadcast(), p=3)
    assert Counter(v for _, v in out) == Counter(data * 3)
    for sub in range(3):
        assert sorted(v for s, v in out if s == sub) == sorted(data)


def test_global_sends_everything_to_subtask_zero():
    out, data = _partitioned(lambda s: s.global_())
    assert {s for s, _ in out} == {0}
    assert Counter(v for _, v in out) == Counter(data)


def test_partition_custom_routes_by_partitioner():
    out, data = _partitioned(lambda s: s.partition_custom(lambda k, n: k % n, lambda v: v))
    assert Counter(v for _, v in out) == Counter(data)
    assert all(s == v % 3 for s, v in out)


def test_print_untyped_values(capsys):
    e = env(1)
    e.from_collection(["s1", 42, 3.5, 1e20, (1, None), (1, "a"), [1, 2], {"k": 1}, None, True,
                       Row(1, "x"), Row(a=1, b="y"), float("nan")]).print()
    e.execute()
    assert capsys.readouterr().out.splitlines() == [
        "s1", "42", "3.5", "1e+20", "(1, None)", "(1, 'a')", "[1, 2]", "{'k': 1}", "None", "True",
        "<Row(1, 'x')>", "Row(a=1, b='y')", "nan",
    ]


def test_print_typed_values_and_identifier(capsys):
    e = env(1)
    src = e.from_collection(["x"])
    src.map(lambda v: 1.0e20, output_type=Types.DOUBLE()).print("DOUBLE")
    e.execute()
    src = e.from_collection(["x"])
    src.map(lambda v: True, output_type=Types.BOOLEAN()).print("BOOL")
    e.execute()
    src = e.from_collection(["x"])
    src.map(lambda v: (1, "a"), output_type=Types.TUPLE([Types.INT(), Types.STRING()])).print("TUP")
    e.execute()
    src = e.from_collection(["x"])
    src.map(lambda v: Row(2, None), output_type=Types.ROW([Types.INT(), Types.STRING()])).print("ROW")
    e.execute()
    src = e.from_collection(["x"])
    src.map(lambda v: Row(a=1, b=1.5), output_type=Types.ROW_NAMED(["a", "b"], [Types.INT(), Types.DOUBLE()])) \
        .print("ROWN")
    e.execute()
    e.from_collection([(1, "a")]).key_by(lambda v: v[0]).print("KEYED")  # identifier ignored
    e.execute()
    assert capsys.readouterr().out.splitlines() == [
        "DOUBLE> 1.0E20", "BOOL> true", "TUP> (1,a)", "ROW> +I[2,None]", "ROWN> +I[1,1.5]", "(1, 'a')",
    ]


def test_print_prefix_at_parallelism_two(capsys):
    e = env(2)
    e.from_collection(["a", "b", "c", "d"]).print()
    e.execute()
    lines = capsys.readouterr().out.splitlines()
    assert sorted(line[3:] for line in lines) == ["a", "b", "c", "d"]
    prefixes = [line[:3] for line in lines]
    assert set(prefixes) == {"1> ", "2> "}
    order = {line[3:]: line[:3] for line in lines}
    # non-parallel source -> round robin: consecutive records alternate sinks
    assert order["a"] != order["b"] and order["a"] == order["c"] and order["b"] == order["d"]
    e.from_collection(["e", "f"]).print("ID2")
    e.execute()
    lines = capsys.readouterr().out.splitlines()
    assert sorted(lines) in (["ID2:1> e", "ID2:2> f"], ["ID2:1> f", "ID2:2> e"])


def test_print_sink_parallelism_one_has_no_subtask_prefix(capsys):
    e = env(2)
    e.from_collection(["x"]).print("P").set_parallelism(1)
    e.execute()
    assert capsys.readouterr().out.splitlines() == ["P> x"]


class RC(MapFunction):
    def open(self, rc):
        self.info = (
            rc.get_index_of_this_subtask(), rc.get_number_of_parallel_subtasks(),
            rc.get_max_number_of_parallel_subtasks(), rc.get_attempt_number(), rc.get_task_name(),
            rc.get_task_name_with_subtasks(), rc.get_job_parameter("y", "dflt"), rc.get_job_parameter("x", "dflt"),
        )

    def map(self, v):
        return self.info


def test_runtime_context_getters():
    e = env(2)
    e.get_config().set_global_job_parameters({"y": "yv"})
    out = set(e.from_collection([1, 2, 3, 4]).map(RC()).name("my-map").execute_and_collect())
    assert {o[0] for o in out} == {0, 1}
    for idx, n, max_n, attempt, name, with_sub, y, x in out:
        assert (n, max_n, attempt, y, x) == (2, 128, 0, "yv", "dflt")
        assert "my-map" in name
        assert with_sub == f"{name} ({idx + 1}/2)#0"


def test_open_and_close_once_per_subtask():
    calls = []

    class M(MapFunction):
        def open(self, rc):
            calls.append(("open", rc.get_index_of_this_subtask()))

        def map(self, v):
            return v

        def close(self):
            calls.append(("close",))

    e = env(3)
    e.from_collection(list(range(30))).map(M()).print()
    import contextlib
    import io

    with contextlib.redirect_stdout(io.StringIO()):
        e.execute()
    assert sorted(c for c in calls if c[0] == "open") == [("open", 0), ("open", 1), ("open", 2)]
    assert calls.count(("close",)) == 3
    assert calls.index(("close",)) > max(i for i, c in enumerate(calls) if c[0] == "open")


class BatchKPF(KeyedProcessFunction):
    def process_element(self, value, ctx):
        yield ("elem", ctx.get_current_key(), value[1], ctx.timer_service().current_watermark())
        ctx.timer_service().register_event_time_timer(value[1] + 10)
        ctx.timer_service().register_processing_time_timer(10**13 + value[1])  # far future

    def on_timer(self, ts, ctx):
        dom = "et" if ctx.time_domain() == TimeDomain.EVENT_TIME else "pt"
        yield ("timer", ctx.get_current_key(), dom, ts, ctx.timer_service().current_watermark())


def test_batch_mode_timers_fire_per_key():
    e = env(1)
    e.set_runtime_mode(RuntimeExecutionMode.BATCH)
    data = [("b", 1), ("a", 2), ("c", 3), ("b", 4), ("a", 5)]
    out = list(e.from_collection(data).key_by(lambda v: v[0]).process(BatchKPF()).execute_and_collect())
    assert [o[1] for o in out if o[0] == "elem"] == ["a", "a", "b", "b", "c"]  # sorted by key
    # per key: all its elements, then its event-time timers ascending, then its processing-time timers
    for key, vals in (("a", [2, 5]), ("b", [1, 4]), ("c", [3])):
        seq = [o for o in out if o[1] == key]
        assert seq == (
            [("elem", key, v, MIN_TIMESTAMP) for v in vals]
            + [("timer", key, "et", v + 10, MAX_TIMESTAMP) for v in vals]
            + [("timer", key, "pt", 10**13 + v, MAX_TIMESTAMP) for v in vals]
        )
        positions = [i for i, o in enumerate(out) if o[1] == key]
        assert positions == list(range(positions[0], positions[0] + len(positions)))  # contiguous


def test_batch_mode_reduce_emits_final_value_per_key():
    e = env(2)
    e.set_runtime_mode(RuntimeExecutionMode.BATCH)
    data = [("b", 1), ("a", 2), ("c", 3), ("b", 4), ("a", 5)]
    out = list(e.from_collection(data).key_by(lambda v: v[0]).reduce(lambda a, b: (a[0], a[1] + b[1]))
               .execute_and_collect())
    assert sorted(out) == [("a", 7), ("b", 5), ("c", 3)]


def test_execute_async_job_client(capsys):
    e = env(1)
    e.from_collection([1, 2, 3]).map(lambda v: v * 10).print()
    client = e.execute_async("async-job")
    assert client.get_job_id()
    result = client.get_job_execution_result().result()
    assert result is not None
    assert capsys.readouterr().out.splitlines() == ["10", "20", "30"]


def test_number_sequence_source_splits():
    e = env(3)
    ds = e.from_source(NumberSequenceSource(0, 9), WatermarkStrategy.no_watermarks(), "seq")
    out = list(ds.map(SubIdx()).execute_and_collect())
    assert sorted(v for _, v in out) == list(range(10))
    per_sub = {s: [v for t, v in out if t == s] for s in range(3)}
    for vals in per_sub.values():
        assert vals == list(range(vals[0], vals[0] + len(vals)))  # contiguous, ascending
    assert sorted(len(v) for v in per_sub.values()) == [3, 3, 4]
    # the larger split comes first in the range
    first = min(per_sub.values(), key=lambda v: v[0])
    assert first == [0, 1, 2, 3]


class TimedSource(Source):
    """Unbounded-looking test source on a manual clock: subtask 0 emits ``(i, ts=i*1000)`` at
    processing time ``i*100``; subtask 1 emits nothing and only ends at ``quiet_until``."""

    def __init__(self, clock, n, quiet_until):
        self.clock, self.n, self.quiet_until = clock, n, quiet_until

    def get_boundedness(self):
        return Boundedness.BOUNDED

    def create_reader(self, subtask_index, parallelism):
        src = self

        class Reader(SourceReader):
            def __init__(self):
                self.i = 1

            def poll(self, max_records):
                now = src.clock.now_ms()
                if subtask_index != 0:
                    return None if now >= src.quiet_until else ([], None)
                if self.i > src.n:
                    return None
                if now < self.i * 100:
                    return [], None
                v = self.i
                self.i += 1
                return [v], [v * 1000]

            def next_available_ms(self):
                if subtask_index != 0:
                    return src.quiet_until
                return self.i * 100

        return Reader()


class FireLog(KeyedProcessFunction):
    def process_element(self, v, ctx):
        ctx.timer_service().register_event_time_timer(ctx.timestamp())
        return iter(())

    def on_timer(self, ts, ctx):
        yield (ts, ctx.timer_service().current_processing_time())


def _idle_run(strategy):
    clock = ManualClock(0)
    e = env(2)
    e.set_clock(clock)
    e.get_config().set_auto_watermark_interval(50)
    ds = e.from_source(TimedSource(clock, 10, 100_000), strategy, "timed")
    return list(ds.key_by(lambda v: 0).process(FireLog()).execute_and_collect())


def test_with_idleness_releases_the_watermark():
    base = WatermarkStrategy.for_monotonous_timestamps()
    held = _idle_run(base)
    assert sorted(ts for ts, _ in held) == [i * 1000 for i in range(1, 11)]
    assert all(pt >= 100_000 for _, pt in held)  # the quiet subtask pins the watermark at MIN
    released = _idle_run(base.with_idleness(Duration.of_millis(300)))
    assert sorted(ts for ts, _ in released) == [i * 1000 for i in range(1, 11)]
    early = [ts for ts, pt in released if pt < 100_000]
    assert early and min(early) == 1000  # timers fire while the other subtask is still quiet


def test_rolling_sum_does_not_mutate_emitted_records():
    # PyFlink notes Q2: pickled lists sum(1) -> ['a', 1], ['a', 3], ['a', 3]
    e = env(1)
    out = list(e.from_collection([["a", 1], ["a", 2], ["a", 0]]).key_by(lambda v: v[0]).sum(1)
               .execute_and_collect())
    assert out == [["a", 1], ["a", 3], ["a", 3]]
    out = list(e.from_collection([Row("a", 1), Row("a", 2)]).key_by(lambda v: v[0]).sum(1)
               .map(repr).execute_and_collect())
    assert out == ["<Row('a', 1)>", "<Row('a', 3)>"]


def test_rolling_reduce_keeps_record_timestamps():
    class TS(ProcessFunction):
        def process_element(self, v, ctx):
            yield (v, ctx.timestamp())

    e = env(1)
    ws = WatermarkStrategy.for_monotonous_timestamps().with_timestamp_assigner(lambda v, t: v[1])
    out = list(e.from_collection([("k", 5), ("k", 7), ("j", 9)]).assign_timestamps_and_watermarks(ws)
               .key_by(lambda v: v[0]).reduce(lambda a, b: (a[0], a[1] + b[1])).process(TS())
               .execute_and_collect())
    assert out == [(("k", 5), 5), (("k", 12), 7), (("j", 9), 9)]
