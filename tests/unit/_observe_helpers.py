"""An unbounded, paced, checkpointable source and a job that runs until told to stop, for the
metrics / Prometheus / REST / dashboard tests (they need a job that is running while they look)."""

from __future__ import annotations

import json
import time
import urllib.request

from flinklite.common.watermark_strategy import WatermarkStrategy
from flinklite.datastream import StreamExecutionEnvironment
from flinklite.datastream.connectors.base import Boundedness, Source, SourceReader
from flinklite.datastream.functions import MapFunction


class _TickReader(SourceReader):
    def __init__(self, start: int, per_ms: float) -> None:
        self.next = start
        self.per_ms = per_ms
        self.t0 = time.time() * 1000 - start / per_ms

    def poll(self, max_records: int):
        due = int((time.time() * 1000 - self.t0) * self.per_ms)
        n = min(max_records, due - self.next)
        if n <= 0:
            return [], None
        values = list(range(self.next, self.next + n))
        self.next += n
        return values, [v for v in values]  # event time = the number (ms)

    def next_available_ms(self):
        return self.t0 + (self.next + 1) / self.per_ms

    def snapshot_state(self) -> list:
        return [self.next]


class TickSource(Source):
    """Numbers 0, 1, 2, ... forever, ``rate`` per second, event time = the number in ms."""

    parallelism = 1

    def __init__(self, rate: int = 2000) -> None:
        self.per_ms = rate / 1000

    def get_boundedness(self):
        return Boundedness.CONTINUOUS_UNBOUNDED

    def create_reader(self, subtask_index, parallelism):
        return _TickReader(0, self.per_ms)

    def restore_reader(self, subtask_index, parallelism, splits):
        return _TickReader(splits[0] if splits else 0, self.per_ms)


class CountingMap(MapFunction):
    """Registers user metrics the way a PyFlink job does."""

    def open(self, runtime_context):
        group = runtime_context.get_metrics_group()
        self.seen = group.add_group("mymetrics").counter("seen")
        self.values = group.add_group("kind", "even").distribution("values")
        group.gauge("lastValue", lambda: self.last)
        self.last = 0

    def map(self, value):
        self.seen.inc()
        if value % 2 == 0:
            self.values.update(value)
        self.last = value
        return value * 2


def unbounded_env(config: dict, checkpoint_ms: int | None = 200, parallelism: int = 2, build=None, rate: int = 2000):
    """An environment with an unbounded job: ticks -> count (user metrics) -> key_by -> sum ->
    discard, or ``build(ticks_stream)`` for another pipeline."""
    from flinklite.common import Configuration

    conf = Configuration()
    for k, v in config.items():
        conf.set_string(k, str(v))
    env = StreamExecutionEnvironment.get_execution_environment(conf)
    env.set_parallelism(parallelism)
    if checkpoint_ms:
        env.enable_checkpointing(checkpoint_ms)
    ticks = env.from_source(TickSource(rate), WatermarkStrategy.for_monotonous_timestamps(), "ticks").uid("ticks")
    if build is not None:
        build(ticks)
        return env
    (ticks.map(CountingMap()).name("count").uid("count")
        .key_by(lambda v: v % 7)
        .reduce(lambda a, b: a + b).name("sum").uid("sum")
        .add_sink(lambda v: None).name("discard").uid("discard"))
    return env


def get_json(url: str, method: str = "GET", body: dict | None = None, timeout: float = 5.0):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"Content-Type": "application/json"} if data else {})
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        raw = resp.read()
        return resp.status, (json.loads(raw) if raw else None)


def wait_until(predicate, timeout: float = 10.0, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s")
