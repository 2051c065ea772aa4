"""Flink's system metrics of a job, its tasks and their operators, with Flink's names and scopes.

Scopes are Flink's defaults: ``<host>.jobmanager.<job_name>`` for job metrics (checkpoints,
restarts), ``<host>.taskmanager.<tm_id>.<job_name>.<task_name>.<subtask_index>`` for a task and
``...<operator_name>.<subtask_index>`` for an operator. Every group carries Flink's scope
variables (``<job_id>``, ``<task_name>``, ``<operator_id>``, ...), which the Prometheus reporter
turns into labels.

Cost: the engine already counts records per batch (``TaskMetrics.num_records_in``,
``RecordWriter.records_out``). Per operator, each output is wrapped in a :class:`CountingOutput`
(Flink's ``CountingOutput``): one extra call and one addition per *batch*. A task's steps are
timed (two clock reads per step) for busy time. Everything else (rates, watermark lag,
backpressure) is computed when someone reads a metric, or by the sampler thread that runs only
while a reporter or the REST server is up (see :mod:`._registry`).

Differences from Flink: busy/backpressured/idle time are approximations. Busy time is the time
spent in the task's steps; backpressured time is sampled (a task is backpressured when it could
run but waits while its consumers have not taken its output, see
:meth:`TaskMetricGroup.is_backpressured`); idle is the rest. Without the sampler, busy time is the
average since the task started and backpressure reads 0.
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from time import perf_counter
from typing import Any

from flinklite.metrics import MetricGroup, _RateOf
from flinklite.runtime.operators.base import Output
from flinklite.time.watermark import MIN_TIMESTAMP

__all__ = ["CountingOutput", "JobMetrics", "TaskMetricGroup", "HOST", "TM_ID"]

HOST = socket.gethostname() or "localhost"
TM_ID = f"{HOST}:flinklite-{os.getpid()}"


class CountingOutput(Output):
    """Counts the records and remembers the last watermark an operator emits (per batch)."""

    __slots__ = ("inner", "count", "watermark")

    def __init__(self, inner: Output) -> None:
        self.inner = inner
        self.count = 0
        self.watermark = MIN_TIMESTAMP

    def collect(self, values: list, timestamps: list | None) -> None:
        self.count += len(values)
        self.inner.collect(values, timestamps)  # looked up each time: fault injection rewires it

    def emit_watermark(self, watermark: int) -> None:
        self.watermark = watermark
        self.inner.emit_watermark(watermark)

    def emit_watermark_status(self, idle: bool) -> None:
        self.inner.emit_watermark_status(idle)


def wrap_outputs(op: Any, main: Output, sides: dict[str, Output]) -> tuple[Output, dict[str, Output]]:
    """Called by the task while it builds its chain: count what ``op`` emits."""
    counted = CountingOutput(main)
    op._metrics_out = counted
    op._metrics_side = {tag: CountingOutput(o) for tag, o in sides.items()}
    return counted, dict(op._metrics_side)


def _now_ms() -> int:
    return int(time.time() * 1000)


class TaskMetricGroup:
    """The metric groups of one task (one subtask of a job vertex) and of its operators, plus the
    busy/backpressure accounting the sampler updates."""

    def __init__(self, job_metrics: JobMetrics, task: Any) -> None:
        self.task = task
        self.job_metrics = job_metrics
        job = task.job
        vertex = task.vertex
        self.vertex_id = vertex.head.operator_id
        self.attempt_id = uuid.uuid4().hex
        base_vars = {
            "<host>": HOST, "<tm_id>": TM_ID, "<job_id>": job.job_id, "<job_name>": job.graph.job_name,
            "<task_id>": self.vertex_id, "<task_attempt_id>": self.attempt_id, "<task_name>": vertex.name,
            "<task_attempt_num>": str(task.attempt), "<subtask_index>": str(task.subtask_index),
        }
        tm_scope = f"{HOST}.taskmanager.{TM_ID}.{job.graph.job_name}"
        self.group = MetricGroup(f"{tm_scope}.{vertex.name}.{task.subtask_index}",
                                 ("taskmanager", "job", "task"), base_vars)
        self.started = perf_counter()
        self.busy_s = 0.0  # time inside steps and mails
        self.backpressured_s = 0.0  # sampled
        self._window: list[tuple[float, float, float]] = []  # (time, busy_s, backpressured_s) samples
        self.operator_groups: dict[int, MetricGroup] = {}
        system = job_metrics.system
        if system:
            self._register_task_metrics()
        for op in task.operators:
            op_vars = dict(base_vars)
            op_vars["<operator_id>"] = op.node.operator_id
            op_vars["<operator_name>"] = op.name
            g = MetricGroup(f"{tm_scope}.{op.name}.{task.subtask_index}",
                            ("taskmanager", "job", "task", "operator"), op_vars)
            self.operator_groups[id(op)] = g
            op._metric_group = g
            if system:
                self._register_operator_metrics(g, op)
        if system:
            self._instrument()

    # -- task ------------------------------------------------------------------------------
    def records_in(self) -> int:
        task = self.task
        if task.is_source:
            head_out = getattr(task.head, "_metrics_out", None)
            return head_out.count if head_out is not None else 0
        return task.metrics.num_records_in

    def records_out(self) -> int:
        return sum(w.records_out for w in self.task.writers)

    def _register_task_metrics(self) -> None:
        g = self.group
        g.gauge("numRecordsIn", self.records_in)
        g.gauge("numRecordsOut", self.records_out)
        g._metrics["numRecordsInPerSecond"] = _RateOf(self.records_in)
        g._metrics["numRecordsOutPerSecond"] = _RateOf(self.records_out)
        g.gauge("busyTimeMsPerSecond", lambda: self.ratios()[0] * 1000.0)
        g.gauge("backPressuredTimeMsPerSecond", lambda: self.ratios()[1] * 1000.0)
        g.gauge("idleTimeMsPerSecond", lambda: self.ratios()[2] * 1000.0)
        g.gauge("accumulatedBusyTime", lambda: int(self.busy_s * 1000))
        g.gauge("accumulatedBackPressuredTime", lambda: int(self.backpressured_s * 1000))
        g.gauge("accumulatedIdleTime", lambda: int(max(0.0, perf_counter() - self.started - self.busy_s
                                                       - self.backpressured_s) * 1000))
        g.gauge("isBackPressured", lambda: self.is_backpressured())

    def _instrument(self) -> None:
        """Time the task's steps and mails (the scheduler calls them through the instance)."""
        task = self.task
        step = task.step
        run_mail = task.run_mail

        def timed_step() -> None:
            t0 = perf_counter()
            try:
                step()
            finally:
                self.busy_s += perf_counter() - t0

        def timed_mail(handle) -> None:
            t0 = perf_counter()
            try:
                run_mail(handle)
            finally:
                self.busy_s += perf_counter() - t0

        task.step = timed_step
        task.run_mail = timed_mail

    def is_backpressured(self) -> bool:
        """The task has work but waits for its consumers.

        Flink's definition is "waiting for an output buffer". Here every task shares one thread,
        and the scheduler runs the most downstream runnable task first. A slow consumer therefore
        seldom lets its producer's channels fill up. Instead, the producer is ready, and its
        output still holds records that the consumer has not taken. So a task counts as
        backpressured when it is not the one running, it could run (a source that is not
        waiting, or an input with data), and one of its output channels is full or not empty.
        """
        task = self.task
        if task.status != "RUNNING":
            return False
        scheduler = task.job.scheduler
        if scheduler is not None and scheduler.current_task is task:
            return False
        if task.is_source:
            wait_until = task.wait_until
            if wait_until is not None and task.job.pt_service.clock.now_precise_ms() < wait_until:
                return False
        elif not any(g.has_data() for g in getattr(task, "gates", ())):
            return False
        for w in task.writers:
            for ch in w.channels:
                if ch.queued_records > 0:
                    return True
        return False

    def sample(self, now: float, dt: float) -> None:
        """Called by the sampler thread every ``dt`` seconds."""
        if self.is_backpressured():
            self.backpressured_s += dt
        w = self._window
        w.append((now, self.busy_s, self.backpressured_s))
        while len(w) > 2 and w[1][0] <= now - 2.0:  # ratios over the last ~2 s
            del w[0]

    def ratios(self) -> tuple[float, float, float]:
        """(busy, backpressured, idle) fractions of wall time, recent if sampled, else since start."""
        w = self._window
        if len(w) >= 2 and w[-1][0] > w[0][0]:
            span = w[-1][0] - w[0][0]
            busy = (w[-1][1] - w[0][1]) / span
            bp = (w[-1][2] - w[0][2]) / span
        else:
            span = max(perf_counter() - self.started, 1e-9)
            busy = self.busy_s / span
            bp = self.backpressured_s / span
        busy = min(1.0, max(0.0, busy))
        bp = min(1.0 - busy, max(0.0, bp))
        return busy, bp, max(0.0, 1.0 - busy - bp)

    # -- operators -----------------------------------------------------------------------
    def _chained_inputs(self, op: Any) -> list[CountingOutput]:
        """The counting outputs of the chained operators that feed ``op``."""
        task = self.task
        feeds = []
        for e in op.node.in_edges:
            if e.chained:
                up = task.op_of.get(e.source.id)
                if up is None:
                    continue
                out = up._metrics_side.get(e.side_tag) if e.side_tag else getattr(up, "_metrics_out", None)
                if out is not None:
                    feeds.append(out)
        return feeds

    def _register_operator_metrics(self, g: MetricGroup, op: Any) -> None:
        task = self.task
        is_head = op is task.operators[0]
        feeds = self._chained_inputs(op)
        out = getattr(op, "_metrics_out", None)

        def records_out() -> int:
            return out.count if out is not None else 0

        if is_head:
            records_in = self.records_in
        else:
            def records_in() -> int:
                return sum(f.count for f in feeds)

        def input_watermark() -> int:
            if is_head:
                return MIN_TIMESTAMP if task.is_source else task.metrics.current_input_watermark
            return min((f.watermark for f in feeds), default=MIN_TIMESTAMP)

        def output_watermark() -> int:
            return out.watermark if out is not None else MIN_TIMESTAMP

        def watermark_lag() -> int:
            # FLIP-33's watermarkLag: how far event time trails the wall clock
            wm = output_watermark()
            return 0 if wm <= MIN_TIMESTAMP else max(0, _now_ms() - wm)

        g.gauge("numRecordsIn", records_in)
        g.gauge("numRecordsOut", records_out)
        g._metrics["numRecordsInPerSecond"] = _RateOf(records_in)
        g._metrics["numRecordsOutPerSecond"] = _RateOf(records_out)
        g.gauge("currentInputWatermark", input_watermark)
        g.gauge("currentOutputWatermark", output_watermark)
        g.gauge("watermarkLag", watermark_lag)
        backend = getattr(op, "keyed_backend", None)
        if backend is not None:
            g.gauge("numKeyedStateEntries", lambda: _keyed_entries(backend))


def _keyed_entries(backend: Any) -> int:
    """Entries of a heap keyed backend, over all states and namespaces (flinklite's stand-in for
    RocksDB's estimate-num-keys)."""
    total = 0
    for state in list(getattr(backend, "_states", {}).values()):
        for table in list(getattr(state, "_tables", {}).values()):
            total += len(table)
    return total


class JobMetrics:
    """Every metric of one job: the job group (jobmanager scope) and the groups of its tasks,
    rebuilt at each deployment (a restart starts new task metrics, as in Flink)."""

    def __init__(self, job: Any) -> None:
        self.job = job
        raw = getattr(job.settings, "raw", None) or {}
        # flinklite.metrics.system: false leaves out the engine's own metrics (user metrics stay)
        self.system = str(raw.get("flinklite.metrics.system", "true")).strip().lower() != "false"
        self.group = MetricGroup(f"{HOST}.jobmanager.{job.graph.job_name}", ("jobmanager", "job"),
                                 {"<host>": HOST, "<job_id>": job.job_id, "<job_name>": job.graph.job_name})
        self.tasks: list[TaskMetricGroup] = []
        self._register_job_metrics()

    def attach(self, task: Any) -> TaskMetricGroup:
        """Called at deployment (on the job's thread), after the task's chain was built and
        before it opens. Groups of an earlier deployment are dropped here, never by readers."""
        tg = TaskMetricGroup(self, task)
        live = {id(t) for t in self.job.tasks}
        self.tasks = [g for g in self.tasks if id(g.task) in live] + [tg]
        return tg

    def task_groups(self) -> list[TaskMetricGroup]:
        """The groups of the tasks of the current deployment (safe from any thread)."""
        live = {id(t) for t in list(self.job.tasks)}
        return [tg for tg in list(self.tasks) if id(tg.task) in live]

    def groups(self) -> list[MetricGroup]:
        """Every root group of this job (job, tasks, operators)."""
        out = [self.group]
        for tg in self.task_groups():
            out.append(tg.group)
            out.extend(tg.operator_groups.values())
        return out

    def sample(self, now: float, dt: float) -> None:
        for tg in self.task_groups():
            tg.sample(now, dt)

    def _register_job_metrics(self) -> None:
        job = self.job
        g = self.group

        def tracker():
            c = job.coordinator
            return c.stats_tracker if c is not None else None

        def stat(read, default=0):
            def gauge():
                t = tracker()
                return read(t) if t is not None else default
            return gauge

        g.gauge("numRestarts", lambda: job.attempt)
        g.gauge("fullRestarts", lambda: job.attempt)
        g.gauge("uptime", lambda: max(0, _now_ms() - job.start_ms) if job.status == "RUNNING" and job.start_ms
                else 0)
        g.gauge("numberOfCompletedCheckpoints", stat(lambda t: t.completed))
        g.gauge("numberOfFailedCheckpoints", stat(lambda t: t.failed))
        g.gauge("numberOfInProgressCheckpoints", stat(lambda t: 1 if t.in_progress is not None else 0))
        g.gauge("totalNumberOfCheckpoints", stat(lambda t: t.total))
        g.gauge("lastCheckpointDuration", stat(
            lambda t: t.latest_completed.end_to_end_duration if t.latest_completed else -1, -1))
        g.gauge("lastCheckpointSize", stat(lambda t: t.latest_completed.state_size if t.latest_completed else -1, -1))
        g.gauge("lastCheckpointFullSize", stat(
            lambda t: t.latest_completed.state_size if t.latest_completed else -1, -1))
        g.gauge("lastCompletedCheckpointId", stat(
            lambda t: t.latest_completed.checkpoint_id if t.latest_completed else -1, -1))
        g.gauge("lastCheckpointRestoreTimestamp", stat(lambda t: t.restored_from[1] if t.restored_from else -1, -1))
