"""Tasks: one parallel instance of an operator chain (Flink's ``StreamTask`` + ``OperatorChain``).

A task owns its chain's operators, the input gates it reads and the record writers it writes.
The scheduler calls :meth:`StreamTask.step` when the task is runnable (input available, room in
every output channel); a step handles one input element (a buffer or an event) or, for a source,
emits one batch. Processing-time callbacks run between steps (:meth:`StreamTask.run_mail`),
never inside one, like mails in Flink's mailbox loop.

Life cycle: ``open`` (operators tail first, so downstream is ready) -> steps -> when every input
ended: each operator in chain order gets ``end_input`` and ``finish`` -> writers send
EndOfPartition -> ``close``. A failed or cancelled task closes without finishing.

BATCH mode: a task whose head is keyed does not process its keyed input as it arrives. It
collects it until every input channel ended, sorts it by key (then timestamp), and feeds it key by
key, firing the key's timers when the key ends; nothing is late and only the final
``MAX_TIMESTAMP`` watermark flows.
"""

from __future__ import annotations

import copy
from time import perf_counter
from typing import Any

from flinklite.checkpoint.barrier_handler import AlignedBarrierHandler, AtLeastOnceBarrierHandler
from flinklite.checkpoint.barriers import CheckpointBarrier
from flinklite.errors import InvalidProgramException
from flinklite.runtime.batch_sort import batch_key_order
from flinklite.runtime.channels import InputGate
from flinklite.runtime.elements import Buffer, EndOfPartition
from flinklite.runtime.graph import JobVertex, StreamNode
from flinklite.runtime.metrics import TaskMetrics
from flinklite.runtime.operators.base import (
    DISCARD,
    BroadcastingOutput,
    ChainingOutput,
    OperatorContext,
    Output,
    StreamOperator,
)
from flinklite.runtime.operators.coercion import CoercingOutput, boundary_coercion
from flinklite.runtime.operators.source import END, WAIT, SourceOperator
from flinklite.runtime.partitioners import KeyGroupStreamPartitioner
from flinklite.runtime.record_writer import RecordWriter
from flinklite.state.backends import create_keyed_backend
from flinklite.state.key_groups import compute_key_group_range_for_operator_index
from flinklite.time.valve import StatusWatermarkValve
from flinklite.time.watermark import MAX_TIMESTAMP, Watermark, WatermarkStatus

__all__ = ["StreamTask", "SourceStreamTask", "InputStreamTask", "RUNNING", "FINISHED", "FAILED", "CANCELED"]

CREATED, RUNNING, FINISHED, FAILED, CANCELED = "CREATED", "RUNNING", "FINISHED", "FAILED", "CANCELED"


def _combine(outputs: list[Output]) -> Output:
    if not outputs:
        return DISCARD
    if len(outputs) == 1:
        return outputs[0]
    return BroadcastingOutput(outputs)


def _copy_payload(node: StreamNode) -> Any:
    payload = node.transformation.payload
    try:
        return copy.deepcopy(payload)
    except Exception as e:
        raise InvalidProgramException(
            f"operator '{node.name}': its function object cannot be copied for each parallel subtask "
            f"({type(e).__name__}: {e}). Flink ships a serialized copy of every function to each task; "
            "keep open files, sockets, locks or generators out of __init__ and create them in open()."
        ) from e


class StreamTask:
    def __init__(self, job, vertex: JobVertex, subtask_index: int, attempt: int) -> None:
        self.job = job
        self.vertex = vertex
        self.subtask_index = subtask_index
        self.parallelism = vertex.parallelism
        self.attempt = attempt
        self.name = f"{vertex.name} ({subtask_index + 1}/{vertex.parallelism})"
        self.status = CREATED
        self.operators: list[StreamOperator] = []
        self.op_of: dict[int, StreamOperator] = {}
        self.writers: list[RecordWriter] = []
        self.writer_of_edge: dict[int, RecordWriter] = {}
        self.metrics = TaskMetrics(self.name)
        self.order = 0  # topological position, set by the job
        # buffer timeout 0 (job-wide or set on an operator of this chain): flush after every step
        timeouts = [n.transformation.buffer_timeout for n in vertex.nodes
                    if n.transformation.buffer_timeout is not None]
        self.flush_each_step = min(timeouts + [job.settings.buffer_timeout]) == 0 if timeouts \
            else job.settings.buffer_timeout == 0

    # -- construction -----------------------------------------------------------------------
    def add_writer(self, edge, writer: RecordWriter) -> None:
        self.writers.append(writer)
        self.writer_of_edge[id(edge)] = writer

    def build_chain(self) -> None:
        """Instantiate the chain's operators and wire their outputs."""
        settings = self.job.settings
        for node in self.vertex.nodes:
            t = node.transformation
            if node.kind == "source":
                op = SourceOperator(t.source, copy.deepcopy(t.watermark_strategy), name=node.name, uid=node.uid)
            else:
                op = t.factory(_copy_payload(node))
                op.name, op.uid = node.name, node.uid
            op.node = node
            self.op_of[node.id] = op
            self.operators.append(op)
        for node in reversed(self.vertex.nodes):
            main: list[Output] = []
            sides: dict[str, list[Output]] = {}
            op = self.op_of[node.id]
            for e in node.out_edges:
                if e.chained:
                    target: Output = ChainingOutput(self.op_of[e.target.id])
                else:
                    target = self.writer_of_edge[id(e)]
                    t = node.transformation
                    declared = t.side_output_types.get(e.side_tag) if e.side_tag else t.output_type
                    # Records a typed collection already converted need no second check.
                    in_shape = not e.side_tag and getattr(t, "records_in_shape", False)
                    convert = None if in_shape else boundary_coercion(declared)
                    if convert is not None:
                        target = CoercingOutput(target, convert, op)
                (sides.setdefault(e.side_tag, []) if e.side_tag else main).append(target)
            backend = None
            if op.keyed:
                kg_range = compute_key_group_range_for_operator_index(
                    node.max_parallelism, node.parallelism, self.subtask_index)
                backend = create_keyed_backend(settings, node.max_parallelism, kg_range, node.name,
                                               self.job.job_id, self.subtask_index)
                backend.key_hash = _input_key_hash(node, backend.key_hash)
            ctx = OperatorContext(
                task_name=self.vertex.name,
                subtask_index=self.subtask_index,
                parallelism=node.parallelism,
                max_parallelism=node.max_parallelism,
                attempt_number=self.attempt,
                pt_service=self.job.pt_service,
                keyed_backend=backend,
                job_parameters=settings.job_parameters,
                batch_mode=self.job.graph.batch,
                config=settings,
                task=self,
            )
            out, side_outs = _combine(main), {tag: _combine(outs) for tag, outs in sides.items()}
            job_metrics = getattr(self.job, "metrics", None)
            if job_metrics is not None and job_metrics.system:  # count per batch (Flink's CountingOutput)
                from flinklite.metrics._system import wrap_outputs

                out, side_outs = wrap_outputs(op, out, side_outs)
            op.setup(ctx, out, side_outs)
        self.head = self.operators[0]

    def open(self) -> None:
        for op in reversed(self.operators):
            op.open()
        self.status = RUNNING

    # -- scheduling -------------------------------------------------------------------------
    def outputs_available(self) -> bool:
        for w in self.writers:
            if not w.is_available():
                return False
        return True

    def runnable(self) -> bool:
        raise NotImplementedError

    def step(self) -> None:
        raise NotImplementedError

    def run_mail(self, handle) -> None:
        handle.callback(handle.timestamp)
        self.after_step()

    def after_step(self) -> None:
        if self.flush_each_step:
            for w in self.writers:
                w.flush()

    def flush_outputs(self) -> bool:
        flushed = False
        for w in self.writers:
            if w.has_pending:
                w.flush()
                flushed = True
        return flushed

    # -- checkpoints --------------------------------------------------------------------------
    is_source = False

    def perform_checkpoint(self, checkpoint_id: int, timestamp: int) -> None:
        """Snapshot every chained operator, then send the barrier on, then ack (one atomic step,
        so no record can slip in between)."""
        states = {}
        for op in self.operators:
            snap = op.snapshot_state(checkpoint_id)
            states[op.node.operator_id] = snap or None  # stateless operators write nothing
        barrier = CheckpointBarrier(checkpoint_id, timestamp)
        for w in self.writers:
            w.broadcast_event(barrier)
        self.job.coordinator.acknowledge(self, checkpoint_id, states)

    def notify_checkpoint_complete(self, checkpoint_id: int) -> None:
        for op in self.operators:
            op.notify_checkpoint_complete(checkpoint_id)
        self.after_step()

    def notify_checkpoint_aborted(self, checkpoint_id: int) -> None:
        for op in self.operators:
            op.notify_checkpoint_aborted(checkpoint_id)

    # -- end of input -----------------------------------------------------------------------
    def finish(self) -> None:
        for op in self.operators:
            op.end_input()
            op.finish()
        for w in self.writers:
            w.end_of_partition()
        self.status = FINISHED
        if self.job.coordinator is not None:
            self.job.coordinator.task_finished(self)
        self.close()

    def close(self) -> None:
        for op in self.operators:
            op.close()

    def dispose_after_failure(self) -> None:
        """Close without finish (failure or cancel); swallow secondary errors."""
        self.status = FAILED if self.status != FINISHED else self.status
        for op in self.operators:
            try:
                op.close()
            except Exception:  # noqa: BLE001 - the original failure is what matters
                pass

    def __repr__(self) -> str:
        return f"Task({self.name}, {self.status})"


class SourceStreamTask(StreamTask):
    """Polls its source in batches whose size adapts to how long a step takes.

    Flink's task thread runs mails (processing-time timers, periodic watermarks) between any two
    records. A step is atomic here, so a long step would delay them. The batch therefore starts
    at one record and doubles while steps stay under ``_FAST`` seconds, and halves when a step
    takes longer than ``_SLOW``: cheap pipelines get large batches (throughput), slow ones go
    record by record (timers and watermarks interleave as in Flink). With a virtual clock or a
    scheduler seed the batch size is fixed, so runs stay reproducible.
    """

    _FAST = 0.0005
    _SLOW = 0.002
    is_source = True

    def trigger_checkpoint(self, checkpoint_id: int, timestamp: int) -> None:
        if self.status == RUNNING:
            self.perform_checkpoint(checkpoint_id, timestamp)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.wait_until: int | None = None
        settings = self.job.settings
        self.max_batch = settings.source_batch_size
        self.adaptive = not settings.clock.virtual and settings.seed is None
        self.batch = 1 if self.adaptive else self.max_batch

    def runnable(self) -> bool:
        if self.status != RUNNING:
            return False
        if self.wait_until is not None:
            if self.job.pt_service.clock.now_precise_ms() < self.wait_until:
                return False
            self.wait_until = None
        return self.outputs_available()

    def step(self) -> None:
        head: SourceOperator = self.head  # type: ignore[assignment]
        if self.adaptive:
            started = perf_counter()
            status = head.emit_next(self.batch)
            took = perf_counter() - started
            if took < self._FAST:
                self.batch = min(self.max_batch, self.batch * 2)
            elif took > self._SLOW:
                self.batch = max(1, self.batch // 2)
        else:
            status = head.emit_next(self.batch)
        if status == END:
            self.finish()
            return
        if status == WAIT:
            nxt = head.next_available_ms()
            self.wait_until = nxt if nxt is not None else self.job.pt_service.now() + 1
        self.after_step()

    def next_wakeup(self) -> int | None:
        return self.wait_until if self.status == RUNNING else None


class InputStreamTask(StreamTask):
    """A task whose head reads one or two input gates.

    Like source batches, the number of records handled per step adapts (see
    :class:`SourceStreamTask`): a buffer is split and its rest put back at the head of its
    channel when the operators are slow, so checkpoints, periodic watermarks and processing-time
    timers still run every few milliseconds, as Flink's mailbox would run them between records.
    """

    _FAST = SourceStreamTask._FAST
    _SLOW = SourceStreamTask._SLOW

    def setup_inputs(self, gates: list[InputGate]) -> None:
        settings = self.job.settings
        self.adaptive = not settings.clock.virtual and settings.seed is None
        self.max_slice = settings.buffer_size
        self.slice = 1 if self.adaptive else self.max_slice
        self.gates = gates
        self.valves = [StatusWatermarkValve(len(g.channels)) for g in gates]
        head = self.head
        two = len(gates) == 2
        self._process = [head.process_batch1, head.process_batch2] if two else [head.process_batch]
        self._watermark = [head.process_watermark1, head.process_watermark2] if two else [head.process_watermark]
        self._status = ([head.process_watermark_status1, head.process_watermark_status2] if two
                        else [head.process_watermark_status])
        self._next_gate = 0
        self.gates_open = len(gates)
        batch = self.job.graph.batch
        # BATCH: keyed inputs are sorted by key before processing
        self.sorting = [batch and head.keyed and self._gate_is_keyed(i) for i in range(len(gates))]
        self.sorted_buffers: list[list] = [[] for _ in gates]
        self.barrier_handler = None
        cp = self.job.settings.checkpointing
        if cp is not None and not batch:
            channels = [ch for g in gates for ch in g.channels]
            cls = AlignedBarrierHandler if cp.exactly_once else AtLeastOnceBarrierHandler
            self.barrier_handler = cls(channels, self._on_barriers_aligned, self._on_alignment_aborted)

    def _on_barriers_aligned(self, checkpoint_id: int) -> None:
        self.perform_checkpoint(checkpoint_id, self.job.pt_service.now())

    def _on_alignment_aborted(self, checkpoint_id: int) -> None:
        self.job.coordinator.abort(f"alignment of checkpoint {checkpoint_id} was overtaken", checkpoint_id)

    def _gate_is_keyed(self, i: int) -> bool:
        node = self.vertex.head
        return any(isinstance(e.partitioner, KeyGroupStreamPartitioner)
                   for e in node.in_edges if (e.input_index - 1 if len(self.gates) == 2 else 0) == i)

    def runnable(self) -> bool:
        if self.status != RUNNING:
            return False
        for g in self.gates:
            if g.has_data():
                return self.outputs_available()
        return False

    def step(self) -> None:
        gates = self.gates
        n = len(gates)
        polled = None
        gi = 0
        for k in range(n):
            gi = (self._next_gate + k) % n
            polled = gates[gi].poll()
            if polled is not None:
                break
        if polled is None:
            return
        self._next_gate = (gi + 1) % n
        channel, el = polled
        cls = el.__class__
        if cls is Buffer:
            if self.sorting[gi]:
                self.metrics.num_records_in += len(el.values)
                self.sorted_buffers[gi].append(el)
            elif self.adaptive:
                self._process_adaptively(gi, channel, el)
            else:
                self.metrics.num_records_in += len(el.values)
                self._process[gi](el.values, el.timestamps, el.keys)
        elif cls is Watermark:
            if not self.sorting[gi]:
                wm = self.valves[gi].input_watermark(el.timestamp, channel.index)
                if wm is not None:
                    self.metrics.current_input_watermark = wm
                    self._watermark[gi](wm)
        elif cls is WatermarkStatus:
            if not self.sorting[gi]:
                wm, status = self.valves[gi].input_status(el.idle, channel.index)
                if wm is not None:
                    self._watermark[gi](wm)
                if status is not None:
                    self._status[gi](status)
        elif cls is CheckpointBarrier:
            if self.barrier_handler is not None:
                self.barrier_handler.barrier(el.checkpoint_id, channel)
        elif cls is EndOfPartition:
            channel.finished = True
            if self.barrier_handler is not None:
                self.barrier_handler.end_of_partition(channel)
            gate = gates[gi]
            gate.num_finished += 1
            if gate.all_finished:
                self._gate_finished(gi)
        else:
            self.handle_event(gi, channel, el)
        self.after_step()

    def _process_adaptively(self, gi: int, channel, buf: Buffer) -> None:
        n = self.slice
        values, timestamps, keys = buf.values, buf.timestamps, buf.keys
        if len(values) > n:  # take a slice, put the rest back in front of everything else
            rest = Buffer(values[n:], None if timestamps is None else timestamps[n:],
                          None if keys is None else keys[n:])
            channel.queue.appendleft(rest)
            channel.queued_records += len(rest.values)
            values = values[:n]
            timestamps = None if timestamps is None else timestamps[:n]
            keys = None if keys is None else keys[:n]
        self.metrics.num_records_in += len(values)
        started = perf_counter()
        self._process[gi](values, timestamps, keys)
        took = perf_counter() - started
        if took < self._FAST:
            self.slice = min(self.max_slice, n * 2)
        elif took > self._SLOW:
            self.slice = max(1, n // 2)

    def handle_event(self, gi: int, channel, event: object) -> None:
        raise AssertionError(f"unexpected element {event!r}")

    def _gate_finished(self, gi: int) -> None:
        self.gates_open -= 1
        if len(self.gates) == 2 and not self.sorting[gi]:
            (self.head.end_input1 if gi == 0 else self.head.end_input2)()
        if self.gates_open == 0:
            if any(self.sorting):
                self._process_sorted()
            self.finish()

    def _process_sorted(self) -> None:
        """BATCH: feed every sorted keyed input key by key, then the final watermark."""
        head = self.head
        per_key: dict[Any, list] = {}
        for gi, buffers in enumerate(self.sorted_buffers):
            if not self.sorting[gi]:
                continue
            for buf in buffers:
                ts = buf.timestamps
                for i, (v, k) in enumerate(zip(buf.values, buf.keys)):
                    per_key.setdefault(k, []).append((ts[i] if ts is not None else None, gi, v))
        self.sorted_buffers = [[] for _ in self.gates]
        keys = sorted(per_key, key=batch_key_order(getattr(self.vertex.head.transformation, "key_type", None)))
        backend = head.keyed_backend
        for key in keys:
            rows = per_key[key]
            if any(r[0] is not None for r in rows):
                rows.sort(key=lambda r: r[0] if r[0] is not None else MAX_TIMESTAMP)
            start = 0
            while start < len(rows):  # runs of the same input, in timestamp order
                gi = rows[start][1]
                end = start
                while end < len(rows) and rows[end][1] == gi:
                    end += 1
                run = rows[start:end]
                stamps = [r[0] for r in run]
                self._process[gi]([r[2] for r in run],
                                  None if all(t is None for t in stamps) else
                                  [t if t is not None else -(2**63) for t in stamps],
                                  [key] * len(run))
                start = end
            backend.current_key = key
            end_key = getattr(head, "end_key", None)
            if end_key is not None:
                end_key()
        for gi in range(len(self.gates)):
            self._watermark[gi](MAX_TIMESTAMP)


def _input_key_hash(node: Any, default: Any) -> Any:
    """The hash of the key_by feeding ``node``: its keyed state must file each key under the key
    group the partitioner sent it by (with two keyed inputs, the first one's, as in Flink)."""
    for e in sorted(node.in_edges, key=lambda e: e.input_index):
        if isinstance(e.partitioner, KeyGroupStreamPartitioner):
            return e.partitioner.key_hash
    return default
