"""The cooperative scheduler: every task of a job in one thread (Flink's per-task mailbox loop,
run for all tasks at once).

Each turn it (1) runs the processing-time callbacks that are due (timers, periodic watermarks),
(2) flushes every writer when the buffer timeout has elapsed (Flink's ``OutputFlusher``), and
(3) runs one step of one runnable task. A task is runnable when it has input and room in every
output channel, so a full channel stops its producer until the consumer drains it: that is the
backpressure of bounded channels, without threads.

Which runnable task goes next:

* default: the most downstream one (drain before producing more), which keeps channels short
  and latency low; deterministic.
* seeded (``flinklite.scheduler.seed``): a seeded random choice among the runnable tasks, which
  explores other (legal) interleavings of the inputs of unions and two-input operators.
  The same seed gives the same run.

When nothing is runnable it flushes partially filled buffers at once (there is no network to
amortise in one process); if there is still nothing to do it lets processing time pass until
the next timer is due: a real sleep on the wall clock, a jump on a virtual clock.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from flinklite.errors import JobExecutionException

__all__ = ["Scheduler"]


class Scheduler:
    def __init__(self, tasks: list, pt_service, buffer_timeout_ms: int, seed: int | None = None) -> None:
        # most downstream first: tasks are given in topological order
        self.tasks = sorted(tasks, key=lambda t: -t.order)
        self.pt_service = pt_service
        self.clock = pt_service.clock
        self.buffer_timeout = buffer_timeout_ms
        self.rng = random.Random(seed) if seed is not None else None
        self._next_flush = None
        self.steps = 0

    def unfinished(self) -> bool:
        for t in self.tasks:
            if t.status == "RUNNING":
                return True
        return False

    def run(self, stop: Callable[[], bool] | None = None, max_steps: int | None = None) -> bool:
        """Run until every task finished (returns True), ``stop()`` is true, or ``max_steps``
        steps were taken (returns False in both cases). Exceptions from tasks propagate."""
        tasks = self.tasks
        pt = self.pt_service
        clock = self.clock
        rng = self.rng
        timeout = self.buffer_timeout
        steps = 0
        while True:
            if stop is not None and stop():
                return False
            if max_steps is not None and steps >= max_steps:
                return False
            now = clock.now_ms()
            # (1) due processing-time callbacks, in time order, then mail posted by other
            # threads (async I/O results)
            handle = pt.pop_due(now)
            while handle is not None:
                self._run_mail(handle)
                handle = pt.pop_due(now)
            if pt.posted:
                for handle in pt.take_posted():
                    self._run_mail(handle)
            # (2) the buffer timeout flusher
            if timeout > 0:
                if self._next_flush is None:
                    self._next_flush = now + timeout
                elif now >= self._next_flush:
                    for t in tasks:
                        t.flush_outputs()
                    self._next_flush = now + timeout
            # (3) one step of one runnable task
            task = None
            if rng is None:
                for t in tasks:
                    if t.runnable():
                        task = t
                        break
            else:
                ready = [t for t in tasks if t.runnable()]
                if ready:
                    task = ready[rng.randrange(len(ready))]
            if task is not None:
                self._current = task
                task.step()
                steps += 1
                self.steps += 1
                continue
            # nothing runnable: flush partial buffers, else wait for time to pass
            if any([t.flush_outputs() for t in tasks]):
                continue
            if not self.unfinished():
                return True
            wake = self._next_wakeup()
            if pt.external_in_flight:
                # async requests are out and their results arrive as mail. A virtual clock may
                # jump ahead only when no result came within a short real-time wait.
                if clock.virtual and wake is not None:
                    if pt.wait_for_mail(0.01):
                        continue
                else:
                    pt.wait_for_mail(0.1 if wake is None else max(0.0, wake - clock.now_precise_ms()) / 1000)
                    continue
            if wake is None:
                raise JobExecutionException(
                    "the job is stuck: no task can make progress and no timer is pending "
                    f"(tasks: {[repr(t) for t in tasks if t.status == 'RUNNING']}). This is a flinklite "
                    "bug; please report it with the job that produced it."
                )
            clock.sleep_until(wake)

    def _run_mail(self, handle) -> None:
        task = handle.owner
        if task is None or task.status == "RUNNING":
            self._current = task
            if task is None:
                handle.callback(handle.timestamp)
            else:
                task.run_mail(handle)

    def _next_wakeup(self) -> int | None:
        candidates = []
        due = self.pt_service.next_due()
        if due is not None:
            candidates.append(due)
        for t in self.tasks:
            w = getattr(t, "next_wakeup", None)
            if w is not None:
                w = w()
                if w is not None:
                    candidates.append(w)
        return min(candidates) if candidates else None

    @property
    def current_task(self):
        return getattr(self, "_current", None)
