"""The two-input operator base (Flink's ``AbstractStreamOperator.processWatermark1/2``).

Each input arrives already combined over its channels (the task's valves). The operator keeps
the last watermark and idleness per input; its event-time clock is the minimum over the
*non-idle* inputs, advanced only when it increases. If both inputs are idle nothing moves. A
change of the "all inputs idle" state is forwarded downstream as a watermark status.
"""

from __future__ import annotations

from flinklite.runtime.operators.base import StreamOperator
from flinklite.time.watermark import MIN_TIMESTAMP

__all__ = ["TwoInputStreamOperator"]


class TwoInputStreamOperator(StreamOperator):
    def __init__(self, name: str = "", uid: str | None = None) -> None:
        super().__init__(name, uid)
        self._wm = [MIN_TIMESTAMP, MIN_TIMESTAMP]
        self._idle = [False, False]

    def process_batch1(self, values, timestamps, keys) -> None:
        raise NotImplementedError

    def process_batch2(self, values, timestamps, keys) -> None:
        raise NotImplementedError

    def process_watermark1(self, watermark: int) -> None:
        self._wm[0] = watermark
        self._combine()

    def process_watermark2(self, watermark: int) -> None:
        self._wm[1] = watermark
        self._combine()

    def process_watermark_status1(self, idle: bool) -> None:
        self._status(0, idle)

    def process_watermark_status2(self, idle: bool) -> None:
        self._status(1, idle)

    def _status(self, i: int, idle: bool) -> None:
        was_all_idle = all(self._idle)
        self._idle[i] = idle
        self._combine()
        now_all_idle = all(self._idle)
        if now_all_idle != was_all_idle:
            self.output.emit_watermark_status(now_all_idle)

    def _combine(self) -> None:
        i1, i2 = self._idle
        if i1 and i2:
            return
        w1, w2 = self._wm
        combined = w2 if i1 else w1 if i2 else min(w1, w2)
        if combined > self.current_watermark:
            self.process_watermark(combined)

    def end_input2(self) -> None:
        pass

    def end_input1(self) -> None:
        pass
