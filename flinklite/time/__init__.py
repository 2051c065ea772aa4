"""Event time and processing time: watermarks, the per-input watermark valve, timers, clocks.

Maps to Flink's ``org.apache.flink.api.common.eventtime`` (generators), ``StatusWatermarkValve``
and ``InternalTimerService``. See ``docs/concepts/event-time-and-watermarks.md``.
"""

from flinklite.time.clock import Clock, ManualClock, SystemClock
from flinklite.time.watermark import MAX_TIMESTAMP, MIN_TIMESTAMP, Watermark, WatermarkStatus

__all__ = [
    "MIN_TIMESTAMP",
    "MAX_TIMESTAMP",
    "Watermark",
    "WatermarkStatus",
    "Clock",
    "SystemClock",
    "ManualClock",
]
