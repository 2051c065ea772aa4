"""The processing-time service (Flink's ``ProcessingTimeService`` plus the task mailbox).

In Flink a timer thread puts processing-time callbacks into each task's mailbox and the task
thread runs them between records. flinklite has one thread, so the job owns one service: a heap
of ``(due, seq, callback)``; the scheduler runs due callbacks between task steps. A callback
registered for time ``T`` runs once the clock is past ``T`` (at ``T + 1`` at the earliest), as in
Flink, and receives ``T``.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable

from flinklite.time.clock import Clock

__all__ = ["ProcessingTimeService", "ScheduledCallback"]


class ScheduledCallback:
    __slots__ = ("timestamp", "callback", "owner", "cancelled")

    def __init__(self, timestamp: int, callback: Callable[[int], None], owner: object) -> None:
        self.timestamp = timestamp
        self.callback = callback
        self.owner = owner
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


class ProcessingTimeService:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._heap: list[tuple[int, int, ScheduledCallback]] = []
        self._seq = 0

    def now(self) -> int:
        return self.clock.now_ms()

    def register_timer(self, timestamp: int, callback: Callable[[int], None], owner: object = None):
        """Run ``callback(timestamp)`` once processing time is past ``timestamp``."""
        handle = ScheduledCallback(timestamp, callback, owner)
        self._seq += 1
        heapq.heappush(self._heap, (timestamp + 1, self._seq, handle))
        return handle

    def next_due(self) -> int | None:
        heap = self._heap
        while heap and heap[0][2].cancelled:
            heapq.heappop(heap)
        return heap[0][0] if heap else None

    def pop_due(self, now: int) -> ScheduledCallback | None:
        """The earliest callback due at ``now`` (removed), or None."""
        heap = self._heap
        while heap:
            due, _, handle = heap[0]
            if handle.cancelled:
                heapq.heappop(heap)
                continue
            if due > now:
                return None
            heapq.heappop(heap)
            return handle
        return None

    def cancel_owned_by(self, owner: object) -> None:
        for _, _, handle in self._heap:
            if handle.owner is owner:
                handle.cancelled = True

    def clear(self) -> None:
        self._heap.clear()
