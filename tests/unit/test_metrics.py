import pytest
from _observe_helpers import CountingMap, unbounded_env, wait_until

from flinklite.common import Configuration
from flinklite.datastream import StreamExecutionEnvironment
from flinklite.errors import InvalidProgramException, JobCancellationException
from flinklite.metrics import Counter, Distribution, Meter, MetricGroup, _RateOf
from flinklite.metrics._registry import REGISTRY, parse_port_range
from flinklite.time.watermark import MAX_TIMESTAMP


@pytest.fixture(autouse=True)
def _no_servers_left():
    yield
    REGISTRY.shutdown()


def test_metric_group_counter_gauge_meter_distribution():
    root = MetricGroup()
    g = root.add_group("my", "x")
    c = g.counter("c")
    c.inc(3)
    c.dec()
    assert g.counter("c") is c and isinstance(c, Counter) and c.get_count() == 2
    g.gauge("g", lambda: 7)
    m = g.meter("m")
    m.mark_event(5)
    assert isinstance(m, Meter) and m.get_count() == 5 and m.get_rate() > 0
    d = g.distribution("d")
    for v in (4, 1, 9):
        d.update(v)
    assert isinstance(d, Distribution) and (d.count, d.sum, d.min, d.max) == (3, 14, 1, 9)
    seen = root.metrics()
    assert seen["my.x.g"] == 7 and seen["my.x.c"] is c


def test_key_value_group_is_a_variable_and_plain_group_is_part_of_the_name():
    root = MetricGroup("h.taskmanager", ("taskmanager",), {"<host>": "h"})
    kv = root.add_group("region", "eu")
    plain = root.add_group("mine")
    assert kv._logical == ("taskmanager", "region") and kv._variables == {"<host>": "h", "<region>": "eu"}
    assert plain._logical == ("taskmanager", "mine") and plain._variables == {"<host>": "h"}
    assert root.add_group("region", "eu") is kv and root.add_group("region", "us") is not kv


def test_meter_rate_is_over_its_samples():
    m = Meter(60)
    m._sample(100.0)
    m.mark_event(50)
    m._sample(102.0)
    assert m.get_rate() == 25.0
    m.mark_event(10)
    m._sample(104.0)
    assert m.get_rate() == 15.0  # (60 - 0) / 4 s


def test_engine_rate_meter_cannot_be_marked():
    m = _RateOf(lambda: 5)
    assert m.get_count() == 5
    with pytest.raises(TypeError, match="cannot be marked"):
        m.mark_event()


def _bounded_job(n: int, parallelism: int = 2, conf: dict | None = None):
    c = Configuration()
    for k, v in (conf or {}).items():
        c.set_string(k, v)
    env = StreamExecutionEnvironment.get_execution_environment(c)
    env.set_parallelism(parallelism)
    out = []
    (env.from_collection(list(range(n))).name("numbers")
        .map(CountingMap()).name("count")
        .filter(lambda v: v % 3 == 0).name("thirds")
        .key_by(lambda v: v % 5)
        .map(lambda v: v).name("after-keyby")
        .add_sink(out.append))
    job = env._create_job("bounded")
    job.start()
    job.run()
    return job, out


def _ops(job, name):
    return [(tg, g) for tg in job.metrics.task_groups() for op, g in
            ((op, tg.operator_groups[id(op)]) for op in tg.task.operators) if op.name == name]


def _read(group, metric):
    return group._metrics[metric].read()


def test_system_metrics_count_records_per_operator_and_task():
    n = 3000
    job, out = _bounded_job(n)
    evens_of_thirds = len([v for v in range(n) if (v * 2) % 3 == 0])
    assert len(out) == evens_of_thirds
    (src_tg, src), = _ops(job, "numbers")
    assert _read(src, "numRecordsOut") == n and _read(src_tg.group, "numRecordsOut") == n
    counts = _ops(job, "count")
    assert sum(_read(g, "numRecordsIn") for _, g in counts) == n
    assert sum(_read(g, "numRecordsOut") for _, g in counts) == n
    thirds = _ops(job, "thirds")  # chained after "count": its input is count's output
    assert sum(_read(g, "numRecordsIn") for _, g in thirds) == n
    assert sum(_read(g, "numRecordsOut") for _, g in thirds) == evens_of_thirds
    after = _ops(job, "after-keyby")
    assert sum(_read(g, "numRecordsIn") for _, g in after) == evens_of_thirds
    assert sum(_read(tg.group, "numRecordsIn") for tg, _ in after) == evens_of_thirds
    # the bounded input ended: MAX watermark everywhere downstream
    assert all(_read(g, "currentOutputWatermark") == MAX_TIMESTAMP for _, g in after)
    assert all(_read(g, "currentInputWatermark") == MAX_TIMESTAMP for _, g in after)
    tg = after[0][0]
    busy, bp, idle = tg.ratios()
    assert 0 <= busy <= 1 and bp == 0 and abs(busy + bp + idle - 1) < 1e-9
    assert _read(tg.group, "accumulatedBusyTime") >= 0


def test_user_metrics_through_runtime_context():
    n = 1000
    job, _ = _bounded_job(n)
    counts = _ops(job, "count")
    assert len(counts) == 2
    total = 0
    for _, g in counts:
        seen = g.metrics()
        scope = g._scope
        total += seen[f"{scope}.mymetrics.seen"].get_count()
    assert total == n
    dists = [g.metrics()[f"{g._scope}.kind.even.values"] for _, g in counts]
    assert sum(d.count for d in dists) == n // 2
    assert sum(d.sum for d in dists) == sum(range(0, n, 2))
    _, g = counts[0]
    assert g._variables["<operator_name>"] == "count" and g._variables["<job_name>"] == "bounded"
    assert g._scope.split(".")[1] == "taskmanager" and g._scope.endswith(".count.0")


def test_system_metrics_can_be_switched_off_user_metrics_stay():
    job, _ = _bounded_job(200, conf={"flinklite.metrics.system": "false"})
    (_, g), _ = _ops(job, "count")
    assert "numRecordsIn" not in g._metrics
    assert sum(m.get_count() for k, m in g.metrics().items() if k.endswith("mymetrics.seen")) > 0
    assert not hasattr(job.tasks[0].head.output, "count")  # no counting wrapper on the hot path


def test_checkpoint_and_restart_metrics(tmp_path):
    class FailOnce:
        failed = False

        def __call__(self, v):
            if v == 300 and not FailOnce.failed:
                FailOnce.failed = True
                raise ValueError("boom")
            return v

    conf = {"restart-strategy.type": "fixed-delay", "restart-strategy.fixed-delay.attempts": "3",
            "restart-strategy.fixed-delay.delay": "10 ms"}
    env = unbounded_env(conf, checkpoint_ms=50, parallelism=1, rate=4000, build=lambda ticks: (
        ticks.map(FailOnce()).key_by(lambda v: v % 3).reduce(lambda a, b: a + b).add_sink(lambda v: None)))
    client = env.execute_async("restarting")
    job = client._job
    g = job.metrics.group
    wait_until(lambda: _read(g, "numRestarts") == 1 and _read(g, "numberOfCompletedCheckpoints") >= 3, 20)
    assert _read(g, "lastCheckpointSize") > 0  # source position + keyed sums
    assert _read(g, "lastCheckpointDuration") >= 0
    assert _read(g, "lastCompletedCheckpointId") >= 3
    assert _read(g, "totalNumberOfCheckpoints") >= _read(g, "numberOfCompletedCheckpoints")
    client.cancel().result(5)
    with pytest.raises(JobCancellationException):
        client.get_job_execution_result().result(10)


def test_unknown_reporter_factory_is_rejected():
    with pytest.raises(InvalidProgramException, match="only the Prometheus reporter"):
        _bounded_job(10, conf={"metrics.reporter.jmx.factory.class": "org.apache.flink.metrics.jmx.JMXReporterFactory"})


def test_port_ranges():
    assert parse_port_range("9250-9252", "p") == [9250, 9251, 9252]
    assert parse_port_range("1,3", "p") == [1, 3]
    with pytest.raises(InvalidProgramException, match="is not a port"):
        parse_port_range("eighty", "rest.port")
    with pytest.raises(InvalidProgramException, match="between 0 and 65535"):
        parse_port_range("70000", "rest.port")


def test_user_metrics_of_a_reduce_function_are_in_the_operator_group():
    from flinklite.datastream.functions import ReduceFunction

    class Sum(ReduceFunction):
        def open(self, ctx):
            self.calls = ctx.get_metrics_group().counter("reduceCalls")

        def reduce(self, a, b):
            self.calls.inc()
            return a + b

    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(1)
    env.from_collection(list(range(100))).key_by(lambda v: v % 4).reduce(Sum()).name("summing") \
        .add_sink(lambda v: None)
    job = env._create_job("reduce metrics")
    job.start()
    job.run()
    ((_, g),) = _ops(job, "summing")
    assert g.metrics()[f"{g._scope}.reduceCalls"].get_count() == 96  # the first record per key is not reduced
