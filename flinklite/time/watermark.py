"""Watermarks and watermark statuses as they travel between tasks (Flink's ``Watermark`` and
``WatermarkStatus`` stream elements).

Time is an integer count of milliseconds in a Java ``long``. ``MIN_TIMESTAMP`` means "no timestamp"
and "no watermark yet"; ``MAX_TIMESTAMP`` means "end of time" and is what a bounded source emits
when it finishes, which is what flushes every event-time window and timer downstream.
"""

from __future__ import annotations

__all__ = ["MIN_TIMESTAMP", "MAX_TIMESTAMP", "Watermark", "WatermarkStatus"]

MIN_TIMESTAMP = -(2**63)
MAX_TIMESTAMP = 2**63 - 1


class Watermark:
    """A watermark element in a channel: no element with ``timestamp <= self.timestamp`` is expected."""

    __slots__ = ("timestamp",)

    def __init__(self, timestamp: int) -> None:
        self.timestamp = timestamp

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Watermark) and other.timestamp == self.timestamp

    def __hash__(self) -> int:
        return hash(("wm", self.timestamp))

    def __repr__(self) -> str:
        return f"Watermark({self.timestamp})"


class WatermarkStatus:
    """IDLE or ACTIVE: an idle channel is left out of the minimum that forms the watermark."""

    __slots__ = ("idle",)

    IDLE: WatermarkStatus
    ACTIVE: WatermarkStatus

    def __init__(self, idle: bool) -> None:
        self.idle = idle

    def __repr__(self) -> str:
        return "WatermarkStatus.IDLE" if self.idle else "WatermarkStatus.ACTIVE"


WatermarkStatus.IDLE = WatermarkStatus(True)
WatermarkStatus.ACTIVE = WatermarkStatus(False)
