"""The built-in watermark generators (Flink's ``BoundedOutOfOrdernessWatermarks``,
``NoWatermarksGenerator``, ``WatermarksWithIdleness``) and the generator output wrapper that
enforces "watermarks only go up" (Flink's ``WatermarkToDataOutput``).

Built-in generators only emit periodically, so they also offer ``on_event_batch(timestamps, n)``:
the operator feeds them a whole batch at once instead of one call per record.
"""

from __future__ import annotations

from typing import Any

from flinklite.common.watermark_strategy import WatermarkGenerator, WatermarkOutput
from flinklite.time.watermark import MIN_TIMESTAMP

__all__ = [
    "BoundedOutOfOrdernessWatermarks",
    "NoWatermarksGenerator",
    "WatermarksWithIdleness",
    "MonotonicWatermarkOutput",
]


class BoundedOutOfOrdernessWatermarks(WatermarkGenerator):
    def __init__(self, out_of_orderness_ms: int) -> None:
        self.out_of_orderness = out_of_orderness_ms
        # start so that the first periodic emit yields MIN_TIMESTAMP (filtered out downstream)
        self.max_timestamp = MIN_TIMESTAMP + out_of_orderness_ms + 1

    def on_event(self, event: Any, event_timestamp: int, output: WatermarkOutput) -> None:
        if event_timestamp > self.max_timestamp:
            self.max_timestamp = event_timestamp

    def on_event_batch(self, timestamps: list | None, count: int) -> None:
        if timestamps:
            m = max(timestamps)
            if m > self.max_timestamp:
                self.max_timestamp = m

    def on_periodic_emit(self, output: WatermarkOutput) -> None:
        output.emit_watermark(self.max_timestamp - self.out_of_orderness - 1)


class NoWatermarksGenerator(WatermarkGenerator):
    def on_event(self, event: Any, event_timestamp: int, output: WatermarkOutput) -> None:
        pass

    def on_event_batch(self, timestamps: list | None, count: int) -> None:
        pass

    def on_periodic_emit(self, output: WatermarkOutput) -> None:
        pass


class WatermarksWithIdleness(WatermarkGenerator):
    """Marks the stream idle after ``timeout`` ms of processing time without events.

    The check runs at each periodic emit: the first quiet check starts the inactivity clock,
    a later quiet check more than ``timeout`` after it marks idle (once). While idle the inner
    generator's periodic emit is skipped. The next event clears the flag; downstream sees the
    stream active again when its next (higher) watermark is emitted.
    """

    def __init__(self, inner: Any, timeout_ms: int, clock: Any) -> None:
        self.inner = inner
        self.timeout = timeout_ms
        self.clock = clock
        self._counter = 0
        self._last_counter = 0
        self._inactive_since: int | None = None
        self._idle = False
        self.on_event_batch = self._on_event_batch if hasattr(inner, "on_event_batch") else None

    def on_event(self, event: Any, event_timestamp: int, output: WatermarkOutput) -> None:
        self.inner.on_event(event, event_timestamp, output)
        self._counter += 1
        self._idle = False

    def _on_event_batch(self, timestamps: list | None, count: int) -> None:
        self.inner.on_event_batch(timestamps, count)
        if count:
            self._counter += 1
            self._idle = False

    def _check_if_idle(self) -> bool:
        if self._counter != self._last_counter:
            self._last_counter = self._counter
            self._inactive_since = None
            return False
        now = self.clock.now_ms()
        if self._inactive_since is None:
            self._inactive_since = now
            return False
        return now - self._inactive_since > self.timeout

    def on_periodic_emit(self, output: WatermarkOutput) -> None:
        if self._check_if_idle():
            if not self._idle:
                output.mark_idle()
                self._idle = True
        else:
            self.inner.on_periodic_emit(output)


class MonotonicWatermarkOutput(WatermarkOutput):
    """Sends a generator's watermarks downstream, dropping any that do not increase, and turning
    the stream ACTIVE again before the first watermark after idleness.

    ``before_emit`` is called first so that records collected before the watermark (in the same
    batch) go out ahead of it.
    """

    def __init__(self, output: Any, before_emit: Any = None) -> None:
        self.output = output
        self.before_emit = before_emit
        self.max_emitted = MIN_TIMESTAMP
        self.idle = False
        self.emitted_any = False

    def emit_watermark(self, watermark: int) -> None:
        if watermark <= self.max_emitted:
            return
        self.max_emitted = watermark
        if self.before_emit is not None:
            self.before_emit()
        if self.idle:
            self.idle = False
            self.output.emit_watermark_status(False)
        self.emitted_any = True
        self.output.emit_watermark(watermark)

    def mark_idle(self) -> None:
        if not self.idle:
            if self.before_emit is not None:
                self.before_emit()
            self.idle = True
            self.output.emit_watermark_status(True)

    def mark_active(self) -> None:
        if self.idle:
            if self.before_emit is not None:
                self.before_emit()
            self.idle = False
            self.output.emit_watermark_status(False)
