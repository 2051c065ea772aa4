"""Shared helpers for the window/join tests: deterministic per-record watermarks."""

from __future__ import annotations

from typing import Any

from flinklite.common import Configuration
from flinklite.common.watermark_strategy import WatermarkGenerator, WatermarkStrategy
from flinklite.datastream import StreamExecutionEnvironment


class PunctuatedBounded(WatermarkGenerator):
    """Bounded out-of-orderness, but emitted after every record (``max_ts - bound - 1``)."""

    def __init__(self, bound: int) -> None:
        self.bound = bound
        self.max_ts: int | None = None

    def on_event(self, event: Any, event_timestamp: int, output: Any) -> None:
        if self.max_ts is None or event_timestamp > self.max_ts:
            self.max_ts = event_timestamp
        output.emit_watermark(self.max_ts - self.bound - 1)

    def on_periodic_emit(self, output: Any) -> None:
        pass


def punctuated(bound: int, ts_index: int = 1) -> WatermarkStrategy:
    return WatermarkStrategy.for_generator(lambda: PunctuatedBounded(bound)).with_timestamp_assigner(
        lambda v, _t: v[ts_index])


def make_env(parallelism: int = 1, batch: bool = False) -> StreamExecutionEnvironment:
    conf = Configuration()
    conf.set_string("pipeline.auto-watermark-interval", "0")
    if batch:
        conf.set_string("execution.runtime-mode", "BATCH")
    env = StreamExecutionEnvironment.get_execution_environment(conf)
    env.set_parallelism(parallelism)
    return env


def collect(stream: Any) -> list:
    with stream.execute_and_collect() as it:
        return list(it)
