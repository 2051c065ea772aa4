"""The processing-time service (Flink's ``ProcessingTimeService`` plus the task mailbox).

In Flink a timer thread puts processing-time callbacks into each task's mailbox and the task
thread runs them between records. flinklite has one thread, so the job owns one service: a heap
of ``(due, seq, callback)``; the scheduler runs due callbacks between task steps. A callback
registered for time ``T`` runs once the clock is past ``T`` (at ``T + 1`` at the earliest), as in
Flink, and receives ``T``.

Other threads cannot touch the heap, but they may *post* mail (:meth:`ProcessingTimeService.post`):
async I/O completes in an event-loop thread and posts "results are ready" for its task, as
Flink's async operator puts a mail into the task's mailbox. The scheduler runs posted mail
between steps, and while ``external_in_flight`` says requests are outstanding it waits for mail
instead of declaring the job stuck.
"""

from __future__ import annotations

import heapq
import threading
from collections import deque
from collections.abc import Callable, Iterator

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
        #: mail from other threads, not yet run (appended by :meth:`post`)
        self.posted: deque[ScheduledCallback] = deque()
        self._mail_signal = threading.Event()
        #: requests running outside the task thread (async I/O), maintained by their operators
        self.external_in_flight = 0

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

    # -- mail from other threads ---------------------------------------------------------------
    def post(self, callback: Callable[[int], None], owner: object = None) -> None:
        """Run ``callback(-1)`` on the task thread as soon as possible; safe from any thread."""
        self.posted.append(ScheduledCallback(-1, callback, owner))
        self._mail_signal.set()

    def take_posted(self) -> Iterator[ScheduledCallback]:
        """The posted mail, oldest first, each removed as it is handed out (mail posted
        meanwhile is handed out too)."""
        posted = self.posted
        while posted:
            yield posted.popleft()

    def wait_for_mail(self, timeout_s: float | None) -> bool:
        """Block until mail is posted (True) or ``timeout_s`` passed (False)."""
        if self.posted:
            return True
        got = self._mail_signal.wait(timeout_s)
        self._mail_signal.clear()
        return got or bool(self.posted)

    def cancel_owned_by(self, owner: object) -> None:
        for _, _, handle in self._heap:
            if handle.owner is owner:
                handle.cancelled = True

    def clear(self) -> None:
        self._heap.clear()
        self.posted.clear()
