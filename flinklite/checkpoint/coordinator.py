"""The CheckpointCoordinator (Flink's ``CheckpointCoordinator`` + ``PendingCheckpoint`` +
``CompletedCheckpointStore``), owned by the job, not by a task.

Every ``interval`` ms of processing time it triggers checkpoint ``n`` (ids only grow, across
restarts too) by asking every source task to snapshot and inject barrier ``n``. Each task acks
with its operators' state once its barrier alignment is done. When every task that was running
at trigger time has acked, the checkpoint is *complete*: it is stored (keeping
``num_retained``), and every operator gets ``notify_checkpoint_complete(n)``. A checkpoint that
times out, or whose task finishes or fails before acking, is aborted and
``notify_checkpoint_aborted(n)`` is sent.

Completed checkpoints are kept in memory (their state is already an encoded copy taken at the
barrier) and, with ``state.checkpoints.dir`` set, written to disk by :mod:`.storage`. One
checkpoint is in flight at a time (``max-concurrent-checkpoints`` above 1 is accepted but
flinklite never overlaps checkpoints).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flinklite._logging import FlinkLogger

__all__ = ["CheckpointCoordinator", "CompletedCheckpoint", "CheckpointSettings"]

_LOG = FlinkLogger("org.apache.flink.runtime.checkpoint.CheckpointCoordinator")


@dataclass
class CheckpointSettings:
    interval_ms: int | None  # None: no periodic checkpoints (savepoints still work)
    exactly_once: bool = True
    timeout_ms: int = 600_000
    min_pause_ms: int = 0
    max_concurrent: int = 1
    tolerable_failures: int = 0
    num_retained: int = 1


@dataclass
class CompletedCheckpoint:
    checkpoint_id: int
    timestamp: int
    # operator id -> list (per old subtask) of {"keyed": backend snapshot, "operator": bytes, ...}
    operator_states: dict[str, list] = field(default_factory=dict)
    parallelism: dict[str, int] = field(default_factory=dict)
    location: str | None = None  # the chk-<n> directory, when stored on disk

    def keyed_state_for(self, operator_id: str) -> list[dict]:
        """The keyed snapshots of every old subtask that had keyed state (each with its key-group
        range; see ``HeapKeyedStateBackend.snapshot``)."""
        return [snap["keyed"] for snap in self.operator_states.get(operator_id, [])
                if snap and snap.get("keyed")]

    def user_operator_states(self, operator_id: str) -> list | None:
        snaps = self.operator_states.get(operator_id)
        if not snaps or all(s is None or "user" not in s for s in snaps):
            return None
        return [s.get("user") if s else None for s in snaps]

    def operator_state_list(self, operator_id: str) -> list | None:
        snaps = self.operator_states.get(operator_id)
        if not snaps or all(s is None or "operator" not in s for s in snaps):
            return None
        return [s.get("operator") if s else None for s in snaps]


class _Pending:
    def __init__(self, checkpoint_id: int, timestamp: int, expected: set, savepoint: Any = None) -> None:
        self.checkpoint_id = checkpoint_id
        self.timestamp = timestamp
        self.expected = expected
        self.acks: dict[Any, dict] = {}
        self.savepoint = savepoint  # (target_dir, stop, drain, on_done) for savepoints


class CheckpointCoordinator:
    def __init__(self, job: Any, settings: CheckpointSettings) -> None:
        self.job = job
        self.settings = settings
        self.next_id = 1
        self.pending: _Pending | None = None
        self.completed: list[CompletedCheckpoint] = []
        self.last_completion_ms: int | None = None
        self.failed_in_a_row = 0
        self._timer = None
        self.stats = {"completed": 0, "aborted": 0}
        from flinklite.metrics._checkpoint_stats import CheckpointStatsTracker

        self.stats_tracker = CheckpointStatsTracker()  # metrics and the REST API read it

    @property
    def latest(self) -> CompletedCheckpoint | None:
        return self.completed[-1] if self.completed else None

    # -- triggering ---------------------------------------------------------------------------
    def start(self) -> None:
        if self.settings.interval_ms is not None:
            self._schedule(self.job.pt_service.now() + self.settings.interval_ms)

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _schedule(self, at: int) -> None:
        self._timer = self.job.pt_service.register_timer(at, self._on_tick, None)

    def _on_tick(self, t: int) -> None:
        now = self.job.pt_service.now()
        self._expire(now)
        self.trigger(now)
        self._schedule(now + self.settings.interval_ms)

    def trigger(self, now: int) -> int | None:
        if self.pending is not None:
            return None  # max 1 concurrent checkpoint
        if self.last_completion_ms is not None and now < self.last_completion_ms + self.settings.min_pause_ms:
            return None
        tasks = self.job.tasks
        sources = [t for t in tasks if t.is_source]
        if not sources or any(t.status != "RUNNING" for t in sources):
            return None  # sources that finished cannot inject barriers any more
        cid = self.next_id
        self.next_id += 1
        self.pending = _Pending(cid, now, {t for t in tasks if t.status == "RUNNING"})
        self.stats_tracker.report_pending(cid, False, len(self.pending.expected))
        for t in sources:
            t.trigger_checkpoint(cid, now)
        return cid

    def trigger_savepoint(self, target_dir: str | None, stop: bool, drain: bool, on_done: Any) -> None:
        """A savepoint: forced (it subsumes a pending checkpoint), written in the savepoint format,
        never a recovery point for automatic failover. A plain savepoint sends no
        ``notify_checkpoint_complete``; stop-with-savepoint does, then stops the job."""
        from flinklite.errors import IllegalStateException

        sources = [t for t in self.job.tasks if t.is_source]
        if not sources or any(t.status != "RUNNING" for t in sources):
            raise IllegalStateException(
                "cannot take a savepoint: some sources have already finished (a savepoint needs every "
                "source to inject its barrier)"
            )
        if self.pending is not None:
            self.abort("subsumed by a savepoint")
        if drain:
            # --drain: end event time first, so windows and timers fire before the barrier and
            # the savepoint holds none of what they emitted
            from flinklite.time.watermark import MAX_TIMESTAMP

            for t in sources:
                t.head.tw.wm_output.emit_watermark(MAX_TIMESTAMP)
        now = self.job.pt_service.now()
        cid = self.next_id
        self.next_id += 1
        self.pending = _Pending(cid, now, {t for t in self.job.tasks if t.status == "RUNNING"},
                                savepoint=(target_dir, stop, drain, on_done))
        self.stats_tracker.report_pending(cid, True, len(self.pending.expected))
        for t in sources:
            t.trigger_checkpoint(cid, now)

    # -- acks ---------------------------------------------------------------------------------
    def acknowledge(self, task: Any, checkpoint_id: int, states: dict) -> None:
        p = self.pending
        if p is None or p.checkpoint_id != checkpoint_id or task not in p.expected:
            return
        p.acks[task] = states
        self.stats_tracker.report_ack(checkpoint_id, task.vertex.head.operator_id, states)
        if len(p.acks) == len(p.expected):
            self._complete(p)

    def _complete(self, p: _Pending) -> None:
        self.pending = None
        cp = CompletedCheckpoint(p.checkpoint_id, p.timestamp)
        for task, states in p.acks.items():
            for op_id, snap in states.items():
                lst = cp.operator_states.setdefault(op_id, [None] * task.parallelism)
                lst[task.subtask_index] = snap
                cp.parallelism[op_id] = task.parallelism
        if p.savepoint is not None:
            self._complete_savepoint(p, cp)
            return
        storage = getattr(self.job, "storage", None)
        if storage is not None:
            cp.location = storage.store(cp, self.job.operator_descriptions())
        self.completed.append(cp)
        _LOG.debug(
            "Completed checkpoint %d for job %s%s.", cp.checkpoint_id, self.job.job_id,
            f" @ {cp.location}" if getattr(cp, "location", None) else "")
        del self.completed[: -self.settings.num_retained]
        self.last_completion_ms = self.job.pt_service.now()
        self.failed_in_a_row = 0
        self.stats["completed"] += 1
        self.stats_tracker.report_completed(p.checkpoint_id, cp.location)
        for task in list(p.expected):
            if task.status in ("RUNNING", "FINISHED"):
                task.notify_checkpoint_complete(p.checkpoint_id)

    def _complete_savepoint(self, p: _Pending, cp: CompletedCheckpoint) -> None:
        from flinklite.checkpoint.storage import FileSystemCheckpointStorage

        target, stop, drain, on_done = p.savepoint
        storage = getattr(self.job, "storage", None) or FileSystemCheckpointStorage(
            self.job.settings.checkpoint_dir or "", self.job.job_id, 1, self.job.settings.savepoint_dir)
        try:
            cp.location = storage.store_savepoint(cp, self.job.operator_descriptions(), target)
        except BaseException as e:  # noqa: BLE001 - reported to whoever asked for the savepoint
            self.stats_tracker.report_failed(p.checkpoint_id, f"{type(e).__name__}: {e}")
            on_done(None, e)
            return
        self.stats_tracker.report_completed(p.checkpoint_id, cp.location)
        if stop:
            for task in list(p.expected):
                if task.status in ("RUNNING", "FINISHED"):
                    task.notify_checkpoint_complete(p.checkpoint_id)
            self.job.stop_after_savepoint(drain)
        on_done(cp.location, None)

    def task_finished(self, task: Any) -> None:
        p = self.pending
        if p is not None and task in p.expected and task not in p.acks:
            self.abort("a task finished before it acknowledged")

    def _expire(self, now: int) -> None:
        p = self.pending
        if p is not None and now - p.timestamp > self.settings.timeout_ms:
            self.abort("expired")

    def abort(self, reason: str, checkpoint_id: int | None = None) -> None:
        p = self.pending
        if p is None or (checkpoint_id is not None and p.checkpoint_id != checkpoint_id):
            return
        self.pending = None
        self.stats_tracker.report_failed(p.checkpoint_id, reason)
        if p.savepoint is not None:
            from flinklite.errors import FlinkliteError

            p.savepoint[3](None, FlinkliteError(f"savepoint {p.checkpoint_id} failed: {reason}"))
        self.stats["aborted"] += 1
        if reason == "expired":  # subsumed or overtaken checkpoints are not failures (as in Flink)
            self.failed_in_a_row += 1
        for task in p.expected:
            if task.status == "RUNNING":
                task.notify_checkpoint_aborted(p.checkpoint_id)
        if reason == "expired" and self.failed_in_a_row > self.settings.tolerable_failures:
            from flinklite.errors import JobExecutionException

            raise JobExecutionException(
                f"checkpoint {p.checkpoint_id} expired after {self.settings.timeout_ms} ms and the job "
                f"tolerates {self.settings.tolerable_failures} failed checkpoints in a row "
                "(execution.checkpointing.tolerable-failed-checkpoints)"
            )

    def on_job_restart(self) -> None:
        self.pending = None
