"""Virtual clocks for tests.

:class:`~flinklite.time.clock.ManualClock` only moves when told to, or when the whole job is idle
(the scheduler then jumps to the next timer). That makes runs reproducible, but a busy job never
sees processing time pass: no periodic checkpoint is taken until its sources stall.

:class:`SteppingClock` is a manual clock that also advances by itself, ``ms_per_tick``
milliseconds every ``reads_per_tick`` reads. The scheduler reads the clock once per step, so
processing time passes *while* data is in flight, and periodic checkpoints, watermarks and
processing-time timers interleave with records in a way that is still the same on every run of
the same program::

    env.set_clock(SteppingClock(reads_per_tick=2))
"""

from __future__ import annotations

from flinklite.time.clock import ManualClock

__all__ = ["SteppingClock"]


class SteppingClock(ManualClock):
    """A deterministic virtual clock that advances ``ms_per_tick`` ms every ``reads_per_tick``
    calls of :meth:`now_ms` (and jumps ahead when the job is idle, as ``ManualClock`` does)."""

    def __init__(self, start_ms: int = 0, *, reads_per_tick: int = 1, ms_per_tick: int = 1) -> None:
        if reads_per_tick < 1 or ms_per_tick < 0:
            raise ValueError(
                f"SteppingClock needs reads_per_tick >= 1 and ms_per_tick >= 0, got {reads_per_tick}, {ms_per_tick}"
            )
        super().__init__(start_ms)
        self.reads_per_tick = reads_per_tick
        self.ms_per_tick = ms_per_tick
        self._reads = 0

    def now_ms(self) -> int:
        self._reads += 1
        if self._reads >= self.reads_per_tick:
            self._reads = 0
            self._now += self.ms_per_tick
        return self._now
