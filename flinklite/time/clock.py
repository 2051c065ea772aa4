"""Processing-time clocks (Flink's ``Clock`` / ``ProcessingTimeService`` time source).

Everything in flinklite that reads processing time (periodic watermarks, processing-time timers
and windows, idleness, buffer timeouts) reads it from one injectable clock, so a test can run a
job on a ``ManualClock`` and get the same trace every time. ``SystemClock`` is the default.
"""

from __future__ import annotations

import math
import time

__all__ = ["Clock", "SystemClock", "ManualClock"]


class Clock:
    """A source of processing time in epoch milliseconds."""

    virtual = False

    def now_ms(self) -> int:
        raise NotImplementedError

    def now_precise_ms(self) -> float:
        """Now, with sub-millisecond precision (for sources paced faster than 1 kHz)."""
        return float(self.now_ms())

    def sleep_until(self, deadline_ms: float) -> None:
        """Let processing time pass until ``deadline_ms`` (the scheduler calls this when idle)."""
        raise NotImplementedError


class SystemClock(Clock):
    """The wall clock."""

    def now_ms(self) -> int:
        return time.time_ns() // 1_000_000

    def now_precise_ms(self) -> float:
        return time.time_ns() / 1_000_000

    def sleep_until(self, deadline_ms: float) -> None:
        # time.sleep overshoots by tens of microseconds: sleep most of a long wait, then spin
        # for the last stretch, so a source paced at 20 kHz is polled on time
        delay = deadline_ms - self.now_precise_ms()
        if delay > 1.0:
            time.sleep((delay - 0.5) / 1000.0)
        while self.now_precise_ms() < deadline_ms:
            pass


class ManualClock(Clock):
    """A virtual clock: time only moves when told to, or when the scheduler is idle and jumps
    straight to the next due timer (so a job that waits an hour of processing time runs in
    microseconds, deterministically)."""

    virtual = True

    def __init__(self, start_ms: int = 0) -> None:
        self._now = start_ms

    def now_ms(self) -> int:
        return self._now

    def advance_to(self, t_ms: int) -> None:
        if t_ms > self._now:
            self._now = t_ms

    def advance_by(self, delta_ms: int) -> None:
        self._now += max(0, delta_ms)

    def sleep_until(self, deadline_ms: float) -> None:
        self.advance_to(math.ceil(deadline_ms))
