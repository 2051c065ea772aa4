"""Task metrics (Flink's ``TaskIOMetricGroup``): counters a user or a test can read.

Counters are updated per batch, never per record, so they cost nothing on the hot path.
"""

from __future__ import annotations

from flinklite.time.watermark import MIN_TIMESTAMP

__all__ = ["TaskMetrics"]


class TaskMetrics:
    def __init__(self, task_name: str) -> None:
        self.task_name = task_name
        self.num_records_in = 0
        self.current_input_watermark = MIN_TIMESTAMP
        self.steps = 0

    def as_dict(self) -> dict:
        return {
            "numRecordsIn": self.num_records_in,
            "currentInputWatermark": self.current_input_watermark,
        }

    def __repr__(self) -> str:
        return f"TaskMetrics({self.task_name}: {self.as_dict()})"
