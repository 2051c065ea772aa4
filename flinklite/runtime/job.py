"""Running a job in this process (Flink's ``MiniCluster`` + ``JobMaster`` + ``ExecutionGraph``).

:class:`LocalJob` expands the job graph by parallelism into tasks and channels, opens every
operator, and drives the :class:`~flinklite.runtime.scheduler.Scheduler`. It owns the
:class:`~flinklite.checkpoint.coordinator.CheckpointCoordinator` and the checkpoint storage.

When a task fails, the restart strategy decides (Flink's full failover): either every task is
rebuilt from the latest completed checkpoint (sources rewind, state and timers come back,
watermarks start again from MIN), or every task is closed without ``finish`` and the caller gets
a ``JobExecutionException`` naming the operator, its uid, the subtask and the record, with the
user's exception as ``__cause__``. A job can also start from a checkpoint or savepoint on disk
(``execution.state-recovery.path``), matching state to operators by operator id.
"""

from __future__ import annotations

import math
import os
import random
import time
from typing import Any

from flinklite._logging import FlinkLogger
from flinklite.common.job_execution_result import JobExecutionResult
from flinklite.errors import (
    IllegalStateException,
    InvalidProgramException,
    JobCancellationException,
    JobExecutionException,
    KeySelectionError,
)
from flinklite.runtime.channels import Channel, InputGate
from flinklite.runtime.graph import JobGraph, JobVertex, StreamEdge
from flinklite.runtime.operators.base import NO_RECORD, UserFunctionError
from flinklite.runtime.partitioners import UserKeySelectorError
from flinklite.runtime.record_writer import RecordWriter
from flinklite.runtime.scheduler import Scheduler
from flinklite.runtime.settings import ExecutionSettings
from flinklite.runtime.task import InputStreamTask, SourceStreamTask, StreamTask
from flinklite.time.processing_time import ProcessingTimeService

__all__ = ["LocalJob", "JobExecutionResult", "short_repr"]

# Flink's logger names, so a Flink user's logging configuration (and grep) finds the lines. Job state
# switches are DEBUG: PyFlink programs often basicConfig(level=INFO), and PyFlink never prints them.
LOG = FlinkLogger("org.apache.flink.runtime.executiongraph.ExecutionGraph")
CHECKPOINT_LOG = FlinkLogger("org.apache.flink.runtime.checkpoint.CheckpointCoordinator")
RECOVERY_LOG = FlinkLogger("flinklite.checkpoint")


def short_repr(value: Any, limit: int = 200) -> str:
    try:
        r = repr(value)
    except Exception as e:  # noqa: BLE001 - a broken __repr__ must not hide the real error
        r = f"<unrepresentable {type(value).__name__}: {e}>"
    return r if len(r) <= limit else r[: limit - 3] + "..."


def _connect(edge: StreamEdge, up: int, down: int) -> list[tuple[int, int]]:
    """(producer subtask, consumer subtask) pairs an edge connects."""
    if not edge.partitioner.pointwise:
        return [(i, j) for i in range(up) for j in range(down)]
    if up == down:
        return [(i, i) for i in range(up)]
    pairs = []
    if up >= down:
        for j in range(down):
            for i in range(j * up // down, (j + 1) * up // down):
                pairs.append((i, j))
    else:
        for i in range(up):
            for j in range(math.ceil(i * down / up), math.ceil((i + 1) * down / up)):
                pairs.append((i, j))
    return pairs


def _check_writable(directory: str, key: str) -> None:
    """Fail at submission, not at the first checkpoint, when checkpoints cannot be written there
    (a failed checkpoint would otherwise restart the job over and over)."""
    probe = os.path.join(directory, f".flinklite-probe-{os.urandom(8).hex()}")
    try:
        os.makedirs(directory, exist_ok=True)
        with open(probe, "wb"):
            pass
        os.remove(probe)
    except OSError as e:
        raise InvalidProgramException(
            f"{key} is set to {directory!r}, but checkpoints cannot be written there "
            f"({type(e).__name__}: {e.strerror or e}). Point it at a writable local directory "
            "(it is created if missing), or turn checkpointing off."
        ) from e


def _cause_line(exc: BaseException, task) -> str:
    """One line naming what failed, where, and on which record."""
    if isinstance(exc, UserFunctionError):
        record = "" if exc.record is NO_RECORD else f" on record {short_repr(exc.record, 100)}"
        what = f" in {exc.what}" if exc.what else ""
        return f"{exc.operator.describe()} raised {type(exc.cause).__name__}{what}: {exc.cause}{record}"
    if isinstance(exc, UserKeySelectorError):
        return (f"the {exc.where} raised {type(exc.cause).__name__}: {exc.cause} "
                f"for record {short_repr(exc.record, 100)}")
    where = f" in task '{task.name}'" if task is not None else ""
    return f"{type(exc).__name__}{where}: {exc}"


class LocalJob:
    def __init__(self, graph: JobGraph, settings: ExecutionSettings, job_id: str) -> None:
        self.graph = graph
        self.settings = settings
        self.job_id = job_id
        self.pt_service = ProcessingTimeService(settings.clock)
        self.attempt = 0
        self.tasks: list[StreamTask] = []
        self.scheduler: Scheduler | None = None
        self.status = "CREATED"
        self.start_ms = 0
        self.failure: BaseException | None = None
        self.failures: list[BaseException] = []  # failures recovered from, oldest first
        self.coordinator = None
        if settings.checkpointing is not None and not graph.batch:
            from flinklite.checkpoint.coordinator import CheckpointCoordinator

            self.coordinator = CheckpointCoordinator(self, settings.checkpointing)
        from flinklite.checkpoint.restart import NoRestart

        self.restart_strategy = settings.restart_strategy or NoRestart()
        self.recovery_log: list[str] = []
        self.restored_from: str | None = None
        self.storage = None
        if self.coordinator is not None:
            from flinklite.checkpoint.storage import FileSystemCheckpointStorage, storage_for

            self.storage = storage_for(settings, job_id)
            if settings.checkpointing_enabled and isinstance(self.storage, FileSystemCheckpointStorage):
                _check_writable(settings.checkpoint_dir, "state.checkpoints.dir (execution.checkpointing.dir)")
        self._finish_hooks: list = []  # run once when the job has finished (final commits)
        self._stopping = False  # stop-with-savepoint without drain
        from flinklite.metrics._system import JobMetrics

        self.metrics = JobMetrics(self)  # Flink's system and user metrics of this job

    def on_finished(self, hook) -> None:
        """Run ``hook()`` once the whole job finished successfully (Flink's final checkpoint:
        sinks commit their last transaction only when no task can fail any more)."""
        self._finish_hooks.append(hook)

    # -- deployment -------------------------------------------------------------------------
    def deploy(self, restore=None) -> None:
        settings = self.settings
        rng = random.Random(settings.seed if settings.seed is not None else 0)
        tasks_of: dict[int, list[StreamTask]] = {}
        order = 0
        self.tasks = []
        for vertex in self.graph.vertices:
            cls = SourceStreamTask if vertex.head.kind == "source" else InputStreamTask
            tasks_of[vertex.id] = []
            for i in range(vertex.parallelism):
                t = cls(self, vertex, i, self.attempt)
                t.order = order
                tasks_of[vertex.id].append(t)
                self.tasks.append(t)
            order += 1
        vertex_of_node: dict[int, JobVertex] = {n.id: v for v in self.graph.vertices for n in v.nodes}
        # depth (longest path from a source) orders the scheduler's levels; vertices are topological
        depth: dict[int, int] = {}
        for vertex in self.graph.vertices:
            ups = [depth[vertex_of_node[e.source.id].id] for n in vertex.nodes for e in n.in_edges
                   if not e.chained and vertex_of_node[e.source.id].id in depth]
            depth[vertex.id] = 1 + max(ups) if ups else 0
            for t in tasks_of[vertex.id]:
                t.depth = depth[vertex.id]
        # channels per non-chained edge; gates are assembled per consumer subtask
        gate_channels: dict[tuple[int, int, int], list[Channel]] = {}
        for edge in self.graph.edges:
            if edge.chained:
                continue
            up_v, down_v = vertex_of_node[edge.source.id], vertex_of_node[edge.target.id]
            pairs = _connect(edge, up_v.parallelism, down_v.parallelism)
            per_producer: dict[int, list[Channel]] = {}
            for i, j in pairs:
                ch = Channel(settings.channel_capacity, f"{edge.source.name}#{i}->{edge.target.name}#{j}")
                per_producer.setdefault(i, []).append(ch)
                gate_channels.setdefault((down_v.id, j, edge.input_index), []).append(ch)
            for i, chans in per_producer.items():
                partitioner = edge.partitioner.copy()
                partitioner.setup(len(chans), rng)
                writer = RecordWriter(chans, partitioner, settings.buffer_size)
                tasks_of[up_v.id][i].add_writer(edge, writer)
        plan = getattr(settings, "fault_plan", None)
        for t in self.tasks:
            t.build_chain()
            self.metrics.attach(t)
            if plan is not None:
                plan.instrument(t)
            if restore is not None:
                for op in t.operators:
                    op_id = op.node.operator_id
                    op.initialize_state(restore.keyed_state_for(op_id), restore.operator_state_list(op_id))
                    user = restore.user_operator_states(op_id)
                    if user is not None:
                        op.restore_user_operator_state(user)
        for t in self.tasks:
            if isinstance(t, InputStreamTask):
                n_inputs = 2 if t.vertex.head.kind == "two" else 1
                gates = [InputGate(gate_channels.get((t.vertex.id, t.subtask_index, k), []))
                         for k in range(1, n_inputs + 1)]
                t.setup_inputs(gates)
        self.scheduler = Scheduler(self.tasks, self.pt_service, settings.buffer_timeout, settings.seed)

    def start(self) -> None:
        self.start_ms = int(time.time() * 1000)
        from flinklite.metrics._registry import REGISTRY

        REGISTRY.job_started(self)  # reporters and the REST server, when configured
        self.status = "RUNNING"
        LOG.debug("Job %s (%s) switched from state CREATED to RUNNING.", self.graph.job_name, self.job_id)
        initial = None
        if self.settings.restore_path:
            initial = self._load_initial(self.settings.restore_path)
        self._launch(initial)

    # -- checkpoint storage and restore -------------------------------------------------------
    def operator_descriptions(self) -> dict[str, dict]:
        return {n.operator_id: {"uid": n.uid, "name": n.name, "max_parallelism": n.max_parallelism}
                for n in self.graph.nodes}

    def _load_initial(self, path: str):
        """The checkpoint or savepoint to start from: ``path`` itself, or the newest complete one
        below it (corrupted or partial checkpoints are reported and skipped)."""
        from flinklite.checkpoint.storage import find_latest_valid

        if not os.path.exists(path):
            raise InvalidProgramException(
                f"execution.state-recovery.path points at {path!r}, which does not exist. Give the "
                "path of a retained checkpoint (<state.checkpoints.dir>/<job-id>/chk-<n>) or a savepoint."
            )
        found = find_latest_valid(path, report=self.report)
        if found is None:
            raise InvalidProgramException(
                f"no complete checkpoint or savepoint found at {path} (execution.state-recovery.path); "
                "point it at a chk-<n> or savepoint directory that has a _metadata file."
            )
        cp, manifest, directory = found
        self.restored_from = directory
        self._match_operators(cp, manifest)
        if self.coordinator is not None:
            self.coordinator.next_id = max(self.coordinator.next_id, cp.checkpoint_id + 1)
            self.coordinator.completed.append(cp)
            self.coordinator.stats_tracker.report_restored(cp.checkpoint_id, directory)
        return cp

    def _match_operators(self, cp, manifest: dict) -> None:
        nodes = {n.operator_id: n for n in self.graph.nodes}
        for op_id, info in manifest["operators"].items():
            if not any(s for s in cp.operator_states.get(op_id, [])):
                continue
            node = nodes.get(op_id)
            label = f"uid '{info.get('uid')}'" if info.get("uid") else f"'{info.get('name')}' (id {op_id})"
            if node is None:
                if self.settings.ignore_unclaimed_state:
                    self.report(f"ignoring state of operator {label}: no operator of this job claims it")
                    continue
                raise InvalidProgramException(
                    f"the checkpoint has state for operator {label} that no operator of this job claims. "
                    "Give operators stable uids (uid(...)) so state finds them after the program changes, "
                    "or set execution.state-recovery.ignore-unclaimed-state: true to drop that state."
                )
            stored_max = info.get("max_parallelism")
            if stored_max and stored_max != node.max_parallelism and cp.keyed_state_for(op_id):
                if getattr(node, "explicit_max_parallelism", False):
                    raise InvalidProgramException(
                        f"operator {label}: the checkpoint was taken with max parallelism {stored_max} "
                        f"but the job sets {node.max_parallelism}; the max parallelism (number of key "
                        "groups) cannot change once a job has keyed state."
                    )
                node.max_parallelism = stored_max  # not set explicitly: Flink takes the stored one
                for e in node.in_edges:
                    if hasattr(e.partitioner, "max_parallelism"):
                        e.partitioner.max_parallelism = stored_max

    def report(self, message: str) -> None:
        """Recovery notes (skipped checkpoints, dropped state), kept and logged."""
        self.recovery_log.append(message)
        RECOVERY_LOG.warning(message)

    def _on_terminated(self) -> None:
        """Checkpoint retention (execution.checkpointing.externalized-checkpoint-retention), as in
        Flink: NO_EXTERNALIZED_CHECKPOINTS deletes them when the job ends in any way;
        DELETE_ON_CANCELLATION keeps them only after a failure; RETAIN_ON_CANCELLATION keeps them.
        A killed process runs no code, so its checkpoints always stay."""
        if self.storage is None:
            return
        mode = self.settings.checkpoint_retention
        if mode == "RETAIN_ON_CANCELLATION":
            return
        if mode == "DELETE_ON_CANCELLATION" and self.status == "FAILED":
            return
        self.storage.discard_all()

    def _launch(self, restore) -> None:
        while True:
            try:
                self.deploy(restore)
                for t in reversed(self.tasks):
                    t.open()
                if self.coordinator is not None:
                    self.coordinator.start()
                return
            except KeyboardInterrupt as e:
                self._interrupted(e)
                raise
            except BaseException as e:
                if not self._try_restart(e, None):
                    self._fail(e, None)
                restore = self.coordinator.latest if self.coordinator is not None else None

    def _try_restart(self, exc: BaseException, task) -> bool:
        """Failover (Flink's full restart): rebuild every task from the latest completed
        checkpoint, if the restart strategy allows. Sources rewind, state and timers come back,
        watermarks start again from MIN."""
        if isinstance(exc, (KeyboardInterrupt, SystemExit, JobCancellationException, InvalidProgramException)):
            return False
        name = task.name if task is not None else "the job"
        now = self.pt_service.now()
        restart = self.restart_strategy.can_restart(now)
        # a restart is worth a warning (the user's output may repeat); a final failure is raised
        (LOG.warning if restart else LOG.info)(
                "%s switched from RUNNING to FAILED with failure cause: %s", name, _cause_line(exc, task))
        LOG.debug("failure of %s", name, exc_info=exc)
        if not restart:
            return False
        backoff = self.restart_strategy.backoff_ms()
        LOG.warning("Job %s (%s) switched from state RUNNING to RESTARTING: restart %d, in %d ms (%s).",
                    self.graph.job_name, self.job_id, len(self.failures) + 1, backoff,
                    self.restart_strategy.describe())
        self.failures.append(exc)
        self._finish_hooks = []
        self._dispose_all()
        if self.coordinator is not None:
            self.coordinator.stop()
            self.coordinator.on_job_restart()
        self.settings.clock.sleep_until(now + backoff)
        self.attempt += 1
        latest = self.coordinator.latest if self.coordinator is not None else None
        if latest is not None:
            CHECKPOINT_LOG.info("Restoring job %s from checkpoint %d%s.", self.job_id, latest.checkpoint_id,
                                f" @ {latest.location}" if getattr(latest, "location", None) else "")
        else:
            LOG.info("Job %s (%s) restarts from the beginning: no checkpoint has completed yet.",
                     self.graph.job_name, self.job_id)
        return True

    # -- running ----------------------------------------------------------------------------
    def run(self, stop=None, max_steps: int | None = None) -> bool:
        """Advance the job; True once it has finished. Raises JobExecutionException on failure."""
        if self.status in ("FINISHED",):
            return True
        if self.status != "RUNNING":
            raise IllegalStateException(f"job {self.job_id} is {self.status}, not running")
        while True:
            try:
                done = self.scheduler.run(stop=lambda: self._stopping or (stop is not None and stop()),
                                          max_steps=max_steps)
                if self._stopping:
                    self._stopping = False
                    self._dispose_all()
                    done = True
                break
            except KeyboardInterrupt as e:
                self._interrupted(e)
                raise
            except BaseException as e:
                if not self._try_restart(e, self.scheduler.current_task):
                    self._fail(e, self.scheduler.current_task)
                self._launch(self.coordinator.latest if self.coordinator is not None else None)
        if done:
            if self.coordinator is not None:
                self.coordinator.stop()
            hooks, self._finish_hooks = self._finish_hooks, []
            try:
                for hook in hooks:
                    hook()
            except BaseException as e:
                self._fail(e, None)
            self.status = "FINISHED"
            LOG.debug("Job %s (%s) switched from state RUNNING to FINISHED.", self.graph.job_name, self.job_id)
            self._on_terminated()
        return done

    def run_to_completion(self) -> JobExecutionResult:
        from flinklite.runtime.interrupt import terminate_as_interrupt

        with terminate_as_interrupt():
            self.run()
        return JobExecutionResult(self.job_id, self.graph.job_name, int(time.time() * 1000) - self.start_ms)

    def stop_after_savepoint(self, drain: bool) -> None:
        """Stop-with-savepoint: the job stops right after the savepoint and ends FINISHED. (With
        ``drain`` the MAX watermark already went out ahead of the savepoint barrier.)"""
        self._stopping = True

    def cancel(self) -> None:
        if self.status == "RUNNING":
            self.status = "CANCELED"
            LOG.debug("Job %s (%s) switched from state RUNNING to CANCELED.", self.graph.job_name, self.job_id)
            self._dispose_all()
            if self.coordinator is not None:
                self.coordinator.stop()
            self._on_terminated()

    def _interrupted(self, exc: KeyboardInterrupt) -> None:
        """Ctrl-C / SIGTERM: stop every task cleanly but keep the checkpoints on disk whatever the
        retention says, as when Flink's process is killed (see flinklite.runtime.interrupt)."""
        from flinklite.runtime.interrupt import JobInterrupted, mark_interrupt

        if self.status not in ("RUNNING", "CREATED"):
            return
        self.status = "CANCELED"
        try:
            self._dispose_all()
            if self.coordinator is not None:
                self.coordinator.stop()
        except Exception:  # noqa: BLE001 - the interrupt is what the user asked for
            LOG.debug("while stopping job %s after an interrupt", self.job_id, exc_info=True)
        what = "SIGTERM" if isinstance(exc, JobInterrupted) else "Ctrl-C"
        message = f"job '{self.graph.job_name}' stopped ({what})."
        retained = self.storage.retained if self.storage is not None else []
        if retained:
            message += (f" Its checkpoints are kept; resume with "
                        f"execution.state-recovery.path: {retained[-1]}")
        elif self.storage is not None:
            message += " No checkpoint had completed yet."
        LOG.debug("Job %s (%s) switched from state RUNNING to CANCELED: %s", self.graph.job_name,
                 self.job_id, message)
        mark_interrupt(exc, message)

    def _dispose_all(self) -> None:
        self.pt_service.clear()
        for t in self.tasks:
            t.dispose_after_failure()

    def _fail(self, exc: BaseException, task: StreamTask | None) -> None:
        if isinstance(exc, KeyboardInterrupt):
            self._interrupted(exc)
            raise exc
        self.status = "CANCELED" if isinstance(exc, JobCancellationException) else "FAILED"
        self._dispose_all()
        if self.coordinator is not None:
            self.coordinator.stop()
        self._on_terminated()
        err = self.describe_failure(exc, task)
        if self.failures and not isinstance(err, JobCancellationException):
            # as Flink's "Recovery is suppressed by <strategy>": how often it restarted before
            n = len(self.failures)
            err = JobExecutionException(
                f"{err} Recovery is suppressed by the {self.restart_strategy.describe()}: the job "
                f"restarted {n} time{'s' if n != 1 else ''} and failed again.",
                operator_name=err.operator_name, operator_uid=err.operator_uid,
                subtask_index=err.subtask_index, record=err.record)
            err.num_restarts = n
        LOG.debug("Job %s (%s) switched from state RUNNING to FAILED: %s", self.graph.job_name, self.job_id,
                 _cause_line(exc, task))
        self.failure = err
        raise err from (exc.cause if isinstance(exc, (UserFunctionError, UserKeySelectorError)) else exc)

    def describe_failure(self, exc: BaseException, task: StreamTask | None) -> JobExecutionException:
        if isinstance(exc, JobExecutionException):
            return exc
        where = f" in task '{task.name}'" if task is not None else ""
        if isinstance(exc, UserFunctionError):
            op = exc.operator
            cause = exc.cause
            what = f" in {exc.what}" if exc.what else ""
            record = "" if exc.record is NO_RECORD else f" while processing record {short_repr(exc.record)}"
            msg = (
                f"Job failed: {op.describe()} raised {type(cause).__name__}{what}: {cause}{record}. "
                "The job stopped and its output is incomplete; the user function's traceback is "
                "the cause of this exception."
            )
            return JobExecutionException(
                msg, operator_name=op.name, operator_uid=op.uid,
                subtask_index=op.ctx.subtask_index if op.ctx else None,
                record=None if exc.record is NO_RECORD else exc.record,
            )
        if isinstance(exc, UserKeySelectorError):
            return JobExecutionException(
                f"Job failed{where}: the {exc.where} raised {type(exc.cause).__name__}: {exc.cause} "
                f"for record {short_repr(exc.record)}.",
                record=exc.record,
            )
        if isinstance(exc, (InvalidProgramException, IllegalStateException, KeySelectionError)):
            return JobExecutionException(f"Job failed{where}: {exc}")
        if isinstance(exc, JobCancellationException):
            return exc
        return JobExecutionException(
            f"Job failed{where}: {type(exc).__name__}: {exc}"
        )
