"""Sinks: where records leave the job (Flink's ``StreamSink``, ``PrintSinkFunction`` and the collect
sink behind ``execute_and_collect``)."""

from __future__ import annotations

import sys
from typing import Any

from flinklite.common._java_text import batch_text
from flinklite.runtime.operators.base import StreamOperator
from flinklite.runtime.operators.coercion import boundary_coercion
from flinklite.runtime.runtime_context import StreamingRuntimeContext
from flinklite.time.watermark import MIN_TIMESTAMP

__all__ = ["CollectSinkOperator", "PrintSinkOperator", "SinkFunctionOperator", "SinkWriterOperator"]


class CollectSinkOperator(StreamOperator):
    """Hands records to the client iterating ``execute_and_collect()``.

    Without checkpointing records are handed over at once. With checkpointing the sink is
    transactional, like Flink's checkpointed collect sink: records since the last barrier are
    held back, become visible only when that checkpoint completes, and are replayed rather than
    duplicated after a failure; the rest is handed over when the job finishes.
    """

    pickle_operator_state = True  # held-back results are the user's own records, for this process

    def __init__(self, results: Any, name: str = "Collect Sink", uid: str | None = None,
                 type_info: Any = None) -> None:
        super().__init__(name, uid)
        self.results = results  # a _CollectBuffer: append_batch / publish / stage_final
        self.coerce = boundary_coercion(type_info)
        self.pending: list = []
        self.uncommitted: dict[int, list] = {}

    def open(self) -> None:
        self.transactional = self.ctx.config.checkpointing_enabled
        for cid in sorted(self.uncommitted):  # restored: their checkpoint is complete
            self.results.publish(cid, self.uncommitted.pop(cid))

    def process_batch(self, values, timestamps, keys):
        if self.coerce is not None:
            values = self.coerce(self, values)
        if self.transactional:
            self.pending.extend(values)
        else:
            self.results.append_batch(values)

    def snapshot_operator_state(self, checkpoint_id: int):
        if not self.transactional:
            return None
        self.uncommitted[checkpoint_id] = self.pending
        self.pending = []
        return {"uncommitted": self.uncommitted}

    def restore_operator_state(self, own, all_states) -> None:
        if own:
            self.uncommitted = dict(own["uncommitted"])

    def notify_checkpoint_complete(self, checkpoint_id: int) -> None:
        for cid in sorted(c for c in self.uncommitted if c <= checkpoint_id):
            self.results.publish(cid, self.uncommitted.pop(cid))

    def finish(self) -> None:
        if self.transactional:
            rest = [v for cid in sorted(self.uncommitted) for v in self.uncommitted[cid]] + self.pending
            self.results.stage_final(self.ctx.attempt_number, rest)
            self.uncommitted, self.pending = {}, []


class PrintSinkOperator(StreamOperator):
    """``DataStream.print()``: one line per record, prefixed ``"<id>:<subtask>> "`` as Flink does
    (the subtask only when the sink runs with parallelism > 1, the id only when given)."""

    def __init__(self, sink_identifier: str | None = None, to_stderr: bool = False,
                 name: str = "Print to Std. Out", uid: str | None = None, type_info: Any = None) -> None:
        super().__init__(name, uid)
        self.identifier = sink_identifier or ""
        self.to_stderr = to_stderr
        self.type_info = type_info

    def open(self) -> None:
        prefix = self.identifier
        if self.ctx.parallelism > 1:
            prefix = f"{prefix}:{self.ctx.subtask_index + 1}" if prefix else str(self.ctx.subtask_index + 1)
        self.prefix = prefix + "> " if prefix else ""
        # One function per type renders a whole (converted) batch: see _java_text.batch_text.
        self.text = batch_text(self.type_info, self.prefix)
        self.coerce = boundary_coercion(self.type_info)

    def process_batch(self, values, timestamps, keys):
        stream = sys.stderr if self.to_stderr else sys.stdout
        if self.coerce is not None:
            values = self.coerce(self, values)
        stream.write(self.text(values))
        stream.flush()


class _SinkContext:
    __slots__ = ("ts", "op")

    def __init__(self, op) -> None:
        self.op = op
        self.ts = MIN_TIMESTAMP

    def timestamp(self) -> int:
        return self.ts

    def current_processing_time(self) -> int:
        return self.op.ctx.pt_service.now()

    def current_watermark(self) -> int:
        return self.op.current_watermark


class SinkFunctionOperator(StreamOperator):
    """``add_sink(SinkFunction)``: ``invoke(value, context)`` per record (a plain callable
    ``fn(value)`` works too)."""

    def __init__(self, fn: Any, name: str = "Sink", uid: str | None = None) -> None:
        super().__init__(name, uid)
        self.fn = fn

    def open(self) -> None:
        self.context = _SinkContext(self)
        self._invoke = getattr(self.fn, "invoke", None)
        self.open_function(self.fn, StreamingRuntimeContext(self))

    def process_batch(self, values, timestamps, keys):
        invoke = self._invoke
        record = None
        try:
            if invoke is None:  # a plain callable: no context to keep current
                fn = self.fn
                for record in values:
                    fn(record)
                return
            ctx = self.context
            if timestamps is None:
                ctx.ts = MIN_TIMESTAMP
                for record in values:
                    invoke(record, ctx)
            else:
                for record, ts in zip(values, timestamps):
                    ctx.ts = ts
                    invoke(record, ctx)
        except Exception as e:
            raise self.user_error(e, record) from e

    def finish(self) -> None:
        finisher = getattr(self.fn, "finish", None)
        if finisher is not None:
            finisher()

    def close(self) -> None:
        self.close_function(self.fn)


class SinkWriterOperator(StreamOperator):
    """``sink_to(Sink)``: a :class:`~flinklite.datastream.connectors.base.SinkWriter` per subtask,
    and, for transactional sinks, two-phase commit driven by checkpoints (the protocol is
    described in :mod:`flinklite.datastream.connectors.base`).

    Committables wait in ``pending`` (by checkpoint id) until their checkpoint completes; they are
    part of the checkpoint, so after a restore they are committed again (idempotently) and never
    lost. Without checkpointing, or at the end of a bounded input, the rest is committed when the
    job finishes.
    """

    def __init__(self, sink: Any, name: str = "Sink Writer", uid: str | None = None) -> None:
        super().__init__(name, uid)
        self.sink = sink
        self.writer = None
        self.committer = None
        self.pending: dict[int, list] = {}
        self._restored_writer_state: Any = None

    def restore_operator_state(self, own, all_states) -> None:
        # Subtask i takes over old subtask j when j % p == i: at the same parallelism its own
        # state; scaled down, several (their pending commits are all committed, their extra
        # writers finished); scaled up, none for i >= old parallelism.
        i, p = self.ctx.subtask_index, self.ctx.parallelism
        mine = [st for j, st in enumerate(all_states) if j % p == i and st]
        self.pending = {}
        for st in mine:
            for k, v in st.get("pending", {}).items():
                self.pending.setdefault(int(k), []).extend(v)
        self._restored_writer_state = all_states[i].get("writer") if i < len(all_states) and all_states[i] else None
        self._extra_writer_states = [st.get("writer") for j, st in enumerate(all_states)
                                     if j % p == i and j != i and st and st.get("writer") is not None]

    def open(self) -> None:
        self.committer = self.sink.create_committer()
        if self.committer is not None and self.pending:
            # recover-and-commit: these were pre-committed in the checkpoint we restored from
            self._commit_up_to(max(self.pending))
        for state in getattr(self, "_extra_writer_states", ()):  # writers of a scaled-down job
            orphan = self.sink.create_writer(self.ctx.subtask_index, self.ctx.parallelism, state)
            orphan.close()
        self.writer = self.sink.create_writer(self.ctx.subtask_index, self.ctx.parallelism,
                                              self._restored_writer_state)

    def process_batch(self, values, timestamps, keys):
        write = self.writer.write
        record = None
        try:
            if timestamps is None:
                for record in values:
                    write(record, MIN_TIMESTAMP)
            else:
                for record, ts in zip(values, timestamps):
                    write(record, ts)
        except Exception as e:
            raise self.user_error(e, record) from e

    def snapshot_operator_state(self, checkpoint_id: int):
        if self.committer is None:
            try:
                self.writer.flush(False)  # an at-least-once sink: everything before the barrier is written
            except Exception as e:
                raise self.user_error(e, f"<flush at checkpoint {checkpoint_id}>") from e
            return None
        try:
            self.writer.flush(False)
            committables = self.writer.prepare_commit()
            writer_state = self.writer.snapshot_state(checkpoint_id)
        except Exception as e:
            raise self.user_error(e, f"<pre-commit of checkpoint {checkpoint_id}>") from e
        if committables:
            self.pending[checkpoint_id] = committables
        return {"pending": dict(self.pending), "writer": writer_state}

    def notify_checkpoint_complete(self, checkpoint_id: int) -> None:
        if self.committer is not None:
            self._commit_up_to(checkpoint_id)

    def _commit_up_to(self, checkpoint_id: int) -> None:
        for cid in sorted(c for c in self.pending if c <= checkpoint_id):
            try:
                self.committer.commit(self.pending[cid])
            except Exception as e:
                raise self.user_error(e, f"<commit of checkpoint {cid}>") from e
            del self.pending[cid]

    def finish(self) -> None:
        if self.writer is None:
            return
        try:
            self.writer.flush(True)
            if self.committer is not None:
                final = self.writer.prepare_commit()
                if final:
                    self.pending[_FINAL] = final
                self.ctx.task.job.on_finished(self._commit_final)
        except Exception as e:
            raise self.user_error(e, "<end of input>") from e

    def _commit_final(self) -> None:
        self._commit_up_to(_FINAL)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None


_FINAL = 2**62  # the end of input commits after every real checkpoint id
