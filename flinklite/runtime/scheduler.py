"""The cooperative scheduler: every task of a job in one thread (Flink's per-task mailbox loop,
run for all tasks at once).

Each turn it (1) runs the processing-time callbacks that are due (timers, periodic watermarks),
(2) flushes every writer when the buffer timeout has elapsed (Flink's ``OutputFlusher``), and
(3) runs one step of one runnable task. A task is runnable when it has input and room in every
output channel, so a full channel stops its producer until the consumer drains it: that is the
backpressure of bounded channels, without threads.

Which runnable task goes next (deterministic either way):

* default: the deepest runnable task (its distance from the sources in the job graph), which
  drains channels before producing more and keeps latency low. Tasks at the same depth (the
  parallel subtasks of one vertex, or several sources) take turns round-robin, so parallel
  source subtasks advance at the same pace, as Flink's independent task threads do.
* seeded (``flinklite.scheduler.seed``): a seeded random choice among the runnable tasks, which
  explores other (legal) interleavings of the inputs of unions and two-input operators.
  The same seed gives the same run.

Either way a starvation guard bounds how long a runnable task can wait: every ``period`` steps
the scheduler queues the runnable tasks that have not stepped for ``period`` steps (oldest
first) and runs them before anything else. A task that stays runnable therefore steps at least
once every :attr:`Scheduler.turn_bound` steps, whatever the shape of the job (a flat_map that
multiplies its input cannot keep its upstream waiting forever).

When nothing is runnable it flushes partially filled buffers at once (there is no network to
amortise in one process); if there is still nothing to do it lets processing time pass until
the next timer is due: a real sleep on the wall clock, a jump on a virtual clock.
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Callable

from flinklite._logging import FlinkLogger
from flinklite.errors import JobExecutionException

__all__ = ["Scheduler"]

LOG = FlinkLogger("org.apache.flink.runtime.taskmanager.Task")


class Scheduler:
    def __init__(self, tasks: list, pt_service, buffer_timeout_ms: int, seed: int | None = None) -> None:
        # deepest first; the sort is stable, so subtasks of a level keep topological order
        depth_of = {id(t): getattr(t, "depth", t.order) for t in tasks}
        self.tasks = sorted(tasks, key=lambda t: (-depth_of[id(t)], t.order))
        levels: dict[int, list] = {}
        for t in self.tasks:
            levels.setdefault(depth_of[id(t)], []).append(t)
        self.levels = [levels[d] for d in sorted(levels, reverse=True)]
        self._rr = [0] * len(self.levels)  # next task to try, per level
        # no level with two tasks: round-robin changes nothing, so pick with one plain loop
        self._linear = all(len(level) == 1 for level in self.levels)
        self.pt_service = pt_service
        self.clock = pt_service.clock
        self.buffer_timeout = buffer_timeout_ms
        self.rng = random.Random(seed) if seed is not None else None
        self._next_flush = None
        self.steps = 0
        n = len(self.tasks)
        # the starvation guard: a sweep every `period` steps; see turn_bound
        self.period = max(16, 2 * n)
        self.turn_bound = 2 * self.period + n
        self._next_sweep = self.period
        self._overdue: deque = deque()
        self.last_step: dict[int, int] = {id(t): 0 for t in self.tasks}  # id(task) -> last step it ran

    def unfinished(self) -> bool:
        for t in self.tasks:
            if t.status == "RUNNING":
                return True
        return False

    def _pick(self):
        """The next task to step, or None when nothing is runnable."""
        overdue = self._overdue
        while overdue:
            t = overdue.popleft()
            if t.runnable():
                return t
        if self.rng is not None:
            ready = [t for t in self.tasks if t.runnable()]
            return ready[self.rng.randrange(len(ready))] if ready else None
        rr = self._rr
        for li, level in enumerate(self.levels):
            n = len(level)
            if n == 1:
                t = level[0]
                if t.runnable():
                    return t
                continue
            start = rr[li]
            for k in range(n):
                i = start + k
                if i >= n:
                    i -= n
                t = level[i]
                if t.runnable():
                    rr[li] = i + 1 if i + 1 < n else 0
                    return t
        return None

    def _sweep(self) -> None:
        """Queue the runnable tasks that have not stepped for ``period`` steps, oldest first."""
        limit = self.steps - self.period
        last = self.last_step
        waiting = [t for t in self.tasks if last[id(t)] <= limit and t.runnable()]
        waiting.sort(key=lambda t: last[id(t)])  # stable: ties keep depth order
        self._overdue.extend(waiting)
        self._next_sweep = self.steps + self.period

    def run(self, stop: Callable[[], bool] | None = None, max_steps: int | None = None) -> bool:
        """Run until every task finished (returns True), ``stop()`` is true, or ``max_steps``
        steps were taken (returns False in both cases). Exceptions from tasks propagate."""
        tasks = self.tasks
        pt = self.pt_service
        clock = self.clock
        timeout = self.buffer_timeout
        last = self.last_step
        linear = self._linear and self.rng is None
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
            if self.steps >= self._next_sweep:
                self._sweep()
            if linear and not self._overdue:
                task = None
                for t in tasks:
                    if t.runnable():
                        task = t
                        break
            else:
                task = self._pick()
            if task is not None:
                self._current = task
                task.step()
                steps += 1
                self.steps += 1
                last[id(task)] = self.steps
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
                running = [repr(t) for t in tasks if t.status == "RUNNING"]
                LOG.error("no task can make progress and no timer is pending: %s", running)
                raise JobExecutionException(
                    "the job is stuck: no task can make progress and no timer is pending "
                    f"(tasks: {running}). This is a flinklite "
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
