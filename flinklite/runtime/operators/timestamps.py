"""Timestamp assignment and watermark generation (Flink's ``TimestampsAndWatermarksOperator``
and the source-side ``ProgressiveTimestampsAndWatermarks``).

:class:`TimestampsAndWatermarks` is the shared machinery: assign timestamps to a batch, feed the
generator, emit periodic watermarks every ``pipeline.auto-watermark-interval`` of processing
time, and keep records and watermarks in order (a punctuated watermark always follows the record
that caused it). :class:`TimestampsAndWatermarksOperator` is ``assign_timestamps_and_watermarks``
in the middle of a pipeline: it discards upstream watermarks except the final ``MAX_TIMESTAMP``
and swallows upstream idleness, as Flink does.

In BATCH mode the generator is replaced by "no watermarks": only the final ``MAX_TIMESTAMP``
flows, the assigner still runs.
"""

from __future__ import annotations

import datetime
import numbers
from itertools import repeat
from typing import Any

from flinklite.errors import InvalidProgramException
from flinklite.runtime.operators.base import StreamOperator, failing_record
from flinklite.time.generators import MonotonicWatermarkOutput, NoWatermarksGenerator
from flinklite.time.watermark import MAX_TIMESTAMP, MIN_TIMESTAMP

__all__ = ["TimestampsAndWatermarks", "TimestampsAndWatermarksOperator"]


def _checked_timestamps(op: StreamOperator, values: list, timestamps: list) -> list:
    """The slow path of the timestamp check: integral numbers (numpy's too) become ``int``;
    anything else is an error naming the operator, the record and the fix."""
    out = []
    for record, ts in zip(values, timestamps):
        if ts.__class__ is int:
            out.append(ts)
        elif isinstance(ts, numbers.Integral):
            out.append(int(ts))
        else:
            hint = ""
            if isinstance(ts, float):
                hint = " (for seconds as a float: int(seconds * 1000))"
            elif isinstance(ts, datetime.datetime):
                hint = " (for a datetime: int(dt.timestamp() * 1000))"
            elif isinstance(ts, str):
                hint = " (parse the text, then convert it to epoch milliseconds)"
            raise InvalidProgramException(
                f"{op.describe()}: the timestamp assigner returned {short_value(ts)} "
                f"({type(ts).__name__}) for record {short_value(record)}. Event-time timestamps are "
                f"int milliseconds since the epoch; make extract_timestamp return an int{hint}."
            )
    return out


def short_value(value: Any, limit: int = 120) -> str:
    r = repr(value)
    return r if len(r) <= limit else r[: limit - 3] + "..."


class TimestampsAndWatermarks:
    def __init__(self, op: StreamOperator, strategy: Any) -> None:
        self.op = op
        self.strategy = strategy
        self.extract = strategy._extractor() if strategy is not None else None
        self.generator: Any = None
        self.wm_output: MonotonicWatermarkOutput | None = None
        self._timer = None
        self._interval = 0

    def open(self, interval_ms: int) -> None:
        ctx = self.op.ctx
        if ctx.batch_mode or self.strategy is None:
            self.generator = NoWatermarksGenerator()
        else:
            self.generator = self.strategy._create_generator(ctx.pt_service.clock)
        self.wm_output = MonotonicWatermarkOutput(self.op.output)
        self._batched = getattr(self.generator, "on_event_batch", None)
        self._interval = interval_ms
        if interval_ms > 0 and not ctx.batch_mode and not isinstance(self.generator, NoWatermarksGenerator):
            self._schedule(ctx.pt_service.now() + interval_ms)

    def _schedule(self, at: int) -> None:
        self._timer = self.op.ctx.pt_service.register_timer(at, self._on_periodic, self.op.ctx.task)

    def _on_periodic(self, t: int) -> None:
        self.emit_periodic()
        self._schedule(self.op.ctx.pt_service.now() + self._interval)

    def emit_periodic(self) -> None:
        try:
            self.generator.on_periodic_emit(self.wm_output)
        except Exception as e:
            raise self.op.user_error(e, "<periodic watermark emission>") from e

    def cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def process(self, values: list, timestamps: list | None) -> None:
        """Assign timestamps to a batch, emit it, and feed the generator."""
        op = self.op
        extract = self.extract
        if extract is not None:
            try:
                ts_in = timestamps if timestamps is not None else repeat(MIN_TIMESTAMP)
                timestamps = [extract(record, t) for record, t in zip(values, ts_in)]
            except Exception as e:
                raise op.user_error(e, failing_record(e, values), "timestamp assigner") from e
            try:  # one C-level pass: a float anywhere makes the sum a float; None/str/datetime raise
                ok = sum(timestamps).__class__ is int
            except TypeError:
                ok = False
            if not ok:
                timestamps = _checked_timestamps(op, values, timestamps)
        output = op.output
        if self._batched is not None:
            output.collect(values, timestamps)
            self._batched(timestamps, len(values))
            return
        # A user generator may emit inside on_event: emit the records up to that one first.
        gen = self.generator
        wm_out = self.wm_output
        start = 0
        i = 0

        def flush_prefix() -> None:
            nonlocal start
            if i + 1 > start:
                output.collect(values[start:i + 1], None if timestamps is None else timestamps[start:i + 1])
                start = i + 1

        wm_out.before_emit = flush_prefix
        record = None
        try:
            for i, record in enumerate(values):
                gen.on_event(record, MIN_TIMESTAMP if timestamps is None else timestamps[i], wm_out)
        except Exception as e:
            raise op.user_error(e, record, "watermark generator") from e
        finally:
            wm_out.before_emit = None
        if start < len(values):
            output.collect(values[start:], None if timestamps is None else timestamps[start:])


class TimestampsAndWatermarksOperator(StreamOperator):
    def __init__(self, strategy: Any, name: str = "Timestamps/Watermarks", uid: str | None = None) -> None:
        super().__init__(name, uid)
        self.strategy = strategy

    def open(self) -> None:
        self.tw = TimestampsAndWatermarks(self, self.strategy)
        self.tw.open(self.ctx.config.auto_watermark_interval)

    def process_batch(self, values, timestamps, keys):
        self.tw.process(values, timestamps)

    def process_watermark(self, watermark: int) -> None:
        # Upstream event time is replaced by ours; only the end-of-input watermark passes.
        if watermark == MAX_TIMESTAMP:
            self.current_watermark = watermark
            self.tw.wm_output.emit_watermark(MAX_TIMESTAMP)

    def process_watermark_status(self, idle: bool) -> None:
        pass

    def finish(self) -> None:
        self.tw.cancel()
        if not self.ctx.batch_mode:
            self.tw.emit_periodic()

    def close(self) -> None:
        if hasattr(self, "tw"):
            self.tw.cancel()
