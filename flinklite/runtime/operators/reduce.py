"""Keyed rolling aggregation: ``KeyedStream.reduce/sum/min/max/min_by/max_by`` (Flink's
``StreamGroupedReduceOperator`` and, in BATCH mode, ``BatchGroupedReduceOperator``).

STREAMING: every input record updates the key's accumulator and the new accumulator is emitted,
carrying the input record's timestamp. The reduce function is not called for a key's first
record. BATCH: the accumulator is emitted once, when the key's input ends, with timestamp
``MAX_TIMESTAMP`` (it is fired by an event-time timer at the end of the key, as in Flink).
"""

from __future__ import annotations

from typing import Any

from flinklite.datastream.state import ValueStateDescriptor
from flinklite.errors import InvalidProgramException
from flinklite.runtime.operators.base import StreamOperator
from flinklite.runtime.operators.simple import as_callable
from flinklite.runtime.runtime_context import StreamingRuntimeContext
from flinklite.time.timer_service import InternalTimerService
from flinklite.time.watermark import MAX_TIMESTAMP

__all__ = ["StreamGroupedReduceOperator", "BatchGroupedReduceOperator", "KeyedReduceOperator",
           "NullReduceResult", "null_reduce_result"]


def short_repr(value: Any, limit: int) -> str:
    r = repr(value)
    return r if len(r) <= limit else r[: limit - 3] + "..."

_MISSING = object()
_STATE = ValueStateDescriptor("_reduce_accumulator")


class NullReduceResult(InvalidProgramException):
    """A reduce function returned None (raised as is, never wrapped as a user error)."""


def null_reduce_result(op: StreamOperator, key: Any, acc: Any, record: Any) -> InvalidProgramException:
    """The error for a reduce function that returned None (Flink: a null record, which its
    serializers and reducing state reject, so the job fails there too)."""
    return NullReduceResult(
        f"{op.describe()}: the reduce function returned None for key {key!r} (accumulator "
        f"{short_repr(acc, 100)}, record {short_repr(record, 100)}). A reduce must return the combined "
        "value (did it forget `return`?); Flink fails on null reduce results too."
    )


class _ReduceBase(StreamOperator):
    keyed = True

    def __init__(self, fn: Any, name: str = "Keyed Reduce", uid: str | None = None) -> None:
        super().__init__(name, uid)
        self.fn = fn
        self._reduce = as_callable(fn, "reduce", "reduce")

    def open(self) -> None:
        self.state = self.keyed_backend.get_or_create_state(_STATE)
        self.open_function(self.fn, StreamingRuntimeContext(self))

    def close(self) -> None:
        self.close_function(self.fn)

    def _fold(self, values: list, keys: list) -> list:
        state = self.state
        state.set_current_namespace(None)
        table = state._writable()
        get = table.get
        reduce = self._reduce
        out = []
        append = out.append
        record = None
        try:
            for record, key in zip(values, keys):
                acc = get(key, _MISSING)
                table[key] = value = record if acc is _MISSING else reduce(acc, record)
                if value is None and acc is not _MISSING:
                    raise null_reduce_result(self, key, acc, record)
                append(value)
        except NullReduceResult:
            raise
        except Exception as e:
            raise self.user_error(e, record) from e
        return out


class StreamGroupedReduceOperator(_ReduceBase):
    def process_batch(self, values, timestamps, keys):
        self.output.collect(self._fold(values, keys), timestamps)


class BatchGroupedReduceOperator(_ReduceBase):
    def open(self) -> None:
        super().open()
        self.timer_service = InternalTimerService(
            "batch-reduce", self.keyed_backend, self.ctx.pt_service, self, owner=self.ctx.task
        )
        self.timer_service.batch_mode = True
        self._pending: list = []

    def process_batch(self, values, timestamps, keys):
        self._fold(values, keys)
        backend = self.keyed_backend
        register = self.timer_service.register_event_time_timer
        for key in keys:
            backend.current_key = key
            register(None, MAX_TIMESTAMP)

    def on_event_time(self, ts: int, key: Any, ns: Any) -> None:
        value = self.state.get_internal()
        if value is not None:
            self._pending.append(value)

    def on_processing_time(self, ts: int, key: Any, ns: Any) -> None:
        pass

    def end_key(self) -> None:
        self.timer_service.fire_all_for_current_key()
        self._flush()

    def process_watermark(self, watermark: int) -> None:
        self.timer_service.advance_watermark(watermark)
        self._flush()
        self.current_watermark = watermark
        self.output.emit_watermark(watermark)

    def _flush(self) -> None:
        if self._pending:
            out, self._pending = self._pending, []
            self.output.collect(out, [MAX_TIMESTAMP] * len(out))



class KeyedReduceOperator(_ReduceBase):
    """What ``KeyedStream.reduce`` (and the rolling aggregations) deploy: the rolling operator in
    STREAMING mode, the final-value one in BATCH mode (the mode is known only at deployment)."""

    def setup(self, ctx, output, side_outputs) -> None:
        super().setup(ctx, output, side_outputs)
        self.delegate = (BatchGroupedReduceOperator if ctx.batch_mode else StreamGroupedReduceOperator)(
            self.fn, self.name, self.uid)
        self.delegate.setup(ctx, output, side_outputs)
        self.delegate.node = getattr(self, "node", None)
        self.process_batch = self.delegate.process_batch  # type: ignore[method-assign]
        self.process_watermark = self.delegate.process_watermark  # type: ignore[method-assign]
        if ctx.batch_mode:
            self.end_key = self.delegate.end_key

    def open(self) -> None:
        self.delegate.open()

    def close(self) -> None:
        self.delegate.close()
