"""The operator contract (Flink's ``StreamOperator`` / ``AbstractStreamOperator``) and outputs.

An operator receives *batches*: ``process_batch(values, timestamps, keys)`` with parallel lists
(``timestamps``/``keys`` may be ``None``, meaning "no timestamps" / "not keyed"). It pushes its
results to ``self.output`` (also in batches), and the watermark it has seen to
``process_watermark``. Semantics stay record-at-a-time: within a batch records are handled in
order, and a watermark is only processed after every record that came before it.

Life cycle, as in Flink: ``setup -> open -> (process_batch | process_watermark | timers)* ->
end_input -> finish -> close``. On failure or cancel, ``close`` runs without ``finish``.

User-code failures are wrapped in :class:`UserFunctionError` with the operator and the record, so
the job can raise a ``JobExecutionException`` that names both. The hot loops are plain list
comprehensions with no bookkeeping; :func:`failing_record` recovers the record afterwards from
the traceback, so error reporting costs nothing until something fails.
"""

from __future__ import annotations

import types
from typing import Any

from flinklite.checkpoint.serialization import decode, encode
from flinklite.errors import IllegalStateException, InvalidProgramException
from flinklite.time.watermark import MIN_TIMESTAMP

__all__ = [
    "Output",
    "ChainingOutput",
    "BroadcastingOutput",
    "DiscardingOutput",
    "StreamOperator",
    "OperatorContext",
    "UserFunctionError",
    "failing_record",
    "NO_RECORD",
    "TimerFiringMixin",
]

NO_RECORD = object()


class UserFunctionError(Exception):
    """User code raised inside an operator. ``record`` is what it was processing."""

    def __init__(self, operator: StreamOperator, record: Any, cause: BaseException, what: str = "") -> None:
        super().__init__(str(cause))
        self.operator = operator
        self.record = record
        self.cause = cause
        self.what = what


def failing_record(exc: BaseException, values: list | None = None) -> Any:
    """The record a user function failed on, found in the traceback of ``exc``.

    Operator loops name their loop variable ``record``. The innermost runtime frame that has one
    (an explicit loop, or on CPython 3.11 a comprehension's own frame) holds the failing record.
    On 3.12+ comprehensions are inlined and their variable is gone once the exception leaves
    them, so we fall back to the first argument of the user function's frame.
    """
    tb = exc.__traceback__
    frames = []
    while tb is not None:
        frames.append(tb.tb_frame)
        tb = tb.tb_next
    for i in range(len(frames) - 1, -1, -1):
        frame = frames[i]
        if not frame.f_code.co_filename.startswith(_RUNTIME_DIR):
            continue
        record = frame.f_locals.get("record", NO_RECORD)
        if record is not NO_RECORD:
            return record
        if i + 1 < len(frames):
            user = frames[i + 1]
            names = user.f_code.co_varnames[: user.f_code.co_argcount]
            if names and names[0] == "self":
                names = names[1:]
            if names:
                return user.f_locals.get(names[0], NO_RECORD)
        break
    return NO_RECORD


_RUNTIME_DIR = __file__.rsplit("/", 2)[0]  # .../flinklite/runtime


class _InitializationContext:
    """``FunctionInitializationContext`` (Java API)."""

    def __init__(self, op: StreamOperator) -> None:
        self._op = op

    def is_restored(self) -> bool:
        return self._op.restored

    def get_operator_state_store(self) -> Any:
        return self._op.operator_state_store

    def get_keyed_state_store(self) -> Any:
        from flinklite.runtime.runtime_context import StreamingRuntimeContext

        return StreamingRuntimeContext(self._op)


class _SnapshotContext:
    """``FunctionSnapshotContext`` (Java API)."""

    def __init__(self, checkpoint_id: int, timestamp: int) -> None:
        self._id = checkpoint_id
        self._ts = timestamp

    def get_checkpoint_id(self) -> int:
        return self._id

    def get_checkpoint_timestamp(self) -> int:
        return self._ts


# -- outputs --------------------------------------------------------------------------------
class Output:
    """Where an operator's results go: the next chained operator, a record writer, or several."""

    def collect(self, values: list, timestamps: list | None) -> None:
        raise NotImplementedError

    def emit_watermark(self, watermark: int) -> None:
        raise NotImplementedError

    def emit_watermark_status(self, idle: bool) -> None:
        raise NotImplementedError


class ChainingOutput(Output):
    """Direct call into the next operator of the chain (no buffer, no copy)."""

    __slots__ = ("op", "collect", "_op_watermark", "_op_status")

    def __init__(self, op: StreamOperator) -> None:
        self.op = op
        process = op.process_batch
        self.collect = lambda values, timestamps: process(values, timestamps, None)  # type: ignore
        self._op_watermark = op.process_watermark
        self._op_status = op.process_watermark_status

    def emit_watermark(self, watermark: int) -> None:
        self._op_watermark(watermark)

    def emit_watermark_status(self, idle: bool) -> None:
        self._op_status(idle)


class BroadcastingOutput(Output):
    """Fan-out: the same batch to several outputs (they must not mutate it)."""

    def __init__(self, outputs: list[Output]) -> None:
        self.outputs = outputs

    def collect(self, values: list, timestamps: list | None) -> None:
        for o in self.outputs:
            o.collect(values, timestamps)

    def emit_watermark(self, watermark: int) -> None:
        for o in self.outputs:
            o.emit_watermark(watermark)

    def emit_watermark_status(self, idle: bool) -> None:
        for o in self.outputs:
            o.emit_watermark_status(idle)


class DiscardingOutput(Output):
    """For a stream nobody reads (e.g. a side output with no consumer)."""

    def collect(self, values: list, timestamps: list | None) -> None:
        pass

    def emit_watermark(self, watermark: int) -> None:
        pass

    def emit_watermark_status(self, idle: bool) -> None:
        pass


DISCARD = DiscardingOutput()


# -- context ---------------------------------------------------------------------------------
class OperatorContext:
    """What the task gives an operator at setup: identity, clocks, state, configuration."""

    def __init__(
        self,
        *,
        task_name: str,
        subtask_index: int,
        parallelism: int,
        max_parallelism: int,
        attempt_number: int,
        pt_service,
        keyed_backend=None,
        job_parameters: dict | None = None,
        batch_mode: bool = False,
        config=None,
        task=None,
    ) -> None:
        self.task_name = task_name
        self.subtask_index = subtask_index
        self.parallelism = parallelism
        self.max_parallelism = max_parallelism
        self.attempt_number = attempt_number
        self.pt_service = pt_service
        self.keyed_backend = keyed_backend
        self.job_parameters = job_parameters or {}
        self.batch_mode = batch_mode
        self.config = config
        self.task = task


class TimerFiringMixin:
    """For keyed operators with an ``InternalTimerService`` (``self.timer_service``) and a
    ``TimestampedCollector`` (``self.collector``): a watermark first fires every due timer, then
    their output goes out, then the watermark itself (§4: timer output precedes the watermark)."""

    def process_watermark(self, watermark: int) -> None:
        self.timer_service.advance_watermark(watermark)
        self.collector.flush()
        self.current_watermark = watermark
        self.output.emit_watermark(watermark)

    def end_key(self) -> None:
        """BATCH mode: the current key's input is complete; fire all its timers."""
        self.timer_service.fire_all_for_current_key()
        self.collector.flush()


class StreamOperator:
    """Base of all operators. Subclasses override the ``process_*`` hooks they need."""

    #: True for operators whose input is a keyed stream (records arrive with keys).
    keyed = False

    def __init__(self, name: str = "", uid: str | None = None) -> None:
        self.name = name
        self.uid = uid
        self.output: Output = DISCARD
        self.side_outputs: dict[str, Output] = {}
        self.current_watermark = MIN_TIMESTAMP
        self.ctx: OperatorContext | None = None
        self.keyed_backend = None

    # -- life cycle -------------------------------------------------------------------------
    def setup(self, ctx: OperatorContext, output: Output, side_outputs: dict[str, Output]) -> None:
        self.ctx = ctx
        self.output = output
        self.side_outputs = side_outputs
        self.keyed_backend = ctx.keyed_backend

    def open(self) -> None:
        pass

    def end_input(self) -> None:
        pass

    def finish(self) -> None:
        pass

    def close(self) -> None:
        pass

    # -- checkpoints ------------------------------------------------------------------------
    def snapshot_state(self, checkpoint_id: int) -> dict:
        """This operator's part of checkpoint ``checkpoint_id``: keyed state and timers with the
        subtask's key-group range, plus whatever :meth:`snapshot_operator_state` returns, each encoded at once (a
        consistent copy; see :mod:`flinklite.checkpoint.serialization`)."""
        snap: dict = {}
        if self.keyed_backend is not None:
            keyed = self.keyed_backend.snapshot()
            if keyed is not None:
                snap["keyed"] = keyed
        fn = getattr(self, "_checkpointed_fn", None)
        if fn is not None:
            try:
                fn.snapshot_state(_SnapshotContext(checkpoint_id, self.ctx.pt_service.now()))
            except Exception as e:
                raise self.user_error(e, NO_RECORD, f"snapshot_state() of checkpoint {checkpoint_id}") from e
            snap["user"] = encode(self.operator_state_store.snapshot(), self.ctx.config.allow_pickle,
                                  f"operator state of {self.describe()}")
        op_state = self.snapshot_operator_state(checkpoint_id)
        if op_state is not None:
            allow = self.pickle_operator_state or self.ctx.config.allow_pickle
            snap["operator"] = encode(op_state, allow, f"operator state of {self.describe()}")
        return snap

    def initialize_state(self, keyed: list[dict] | None, operator_states: list | None) -> None:
        """Called after ``setup`` and before ``open`` when the job restores from a checkpoint.
        ``operator_states`` holds one entry per *old* subtask (None where it had none)."""
        self.restored = True
        if keyed and self.keyed_backend is not None:
            self.keyed_backend.restore(keyed)
        if operator_states:
            idx = self.ctx.subtask_index
            own = operator_states[idx] if idx < len(operator_states) else operator_states[idx % len(operator_states)]
            states = [decode(s) if s is not None else None for s in operator_states]
            self.restore_operator_state(decode(own) if own is not None else None, states)

    #: operator state may be pickled when msgpack cannot encode it (e.g. buffered user records)
    pickle_operator_state = False
    restored = False

    @property
    def operator_state_store(self):
        store = self.__dict__.get("_operator_state_store")
        if store is None:
            from flinklite.state.operator_state import OperatorStateStore

            store = self.__dict__["_operator_state_store"] = OperatorStateStore()
        return store

    def restore_user_operator_state(self, snapshots: list) -> None:
        from flinklite.state.operator_state import redistribute

        old = [decode(s) if s is not None else None for s in snapshots]
        self.operator_state_store.restored = redistribute(old, self.ctx.subtask_index, self.ctx.parallelism)

    def snapshot_operator_state(self, checkpoint_id: int) -> Any:
        """Non-keyed state of this subtask (source positions, broadcast state, ...)."""
        return None

    def restore_operator_state(self, own: Any, all_states: list) -> None:
        pass

    def notify_checkpoint_complete(self, checkpoint_id: int) -> None:
        fn = getattr(self, "fn", None)
        hook = getattr(fn, "notify_checkpoint_complete", None)
        if hook is not None:
            hook(checkpoint_id)

    def notify_checkpoint_aborted(self, checkpoint_id: int) -> None:
        fn = getattr(self, "fn", None)
        hook = getattr(fn, "notify_checkpoint_aborted", None)
        if hook is not None:
            hook(checkpoint_id)

    # -- data -------------------------------------------------------------------------------
    def process_batch(self, values: list, timestamps: list | None, keys: list | None) -> None:
        raise NotImplementedError(f"{type(self).__name__} takes no input")

    def process_watermark(self, watermark: int) -> None:
        self.current_watermark = watermark
        self.output.emit_watermark(watermark)

    def process_watermark_status(self, idle: bool) -> None:
        self.output.emit_watermark_status(idle)

    # -- helpers ----------------------------------------------------------------------------
    def describe(self) -> str:
        uid = f", uid '{self.uid}'" if self.uid else ""
        sub = f" (subtask {self.ctx.subtask_index + 1}/{self.ctx.parallelism})" if self.ctx else ""
        return f"operator '{self.name}'{uid}{sub}"

    def user_error(self, exc: BaseException, record: Any, what: str = "") -> UserFunctionError:
        return UserFunctionError(self, record, exc, what)

    def side_output(self, tag_id: str) -> Output:
        return self.side_outputs.get(tag_id, DISCARD)

    def open_function(self, fn: Any, runtime_context: Any) -> None:
        """Call ``fn.open(runtime_context)`` if ``fn`` is a Function with life-cycle hooks, after
        ``fn.initialize_state(context)`` for a :class:`CheckpointedFunction`."""
        from flinklite.datastream.functions import CheckpointedFunction

        if isinstance(fn, CheckpointedFunction):
            self._checkpointed_fn = fn
            try:
                fn.initialize_state(_InitializationContext(self))
            except (InvalidProgramException, IllegalStateException):
                raise
            except Exception as e:
                raise self.user_error(e, NO_RECORD, "initialize_state()") from e
        opener = getattr(fn, "open", None)
        if opener is not None and not isinstance(fn, types.FunctionType):
            try:
                opener(runtime_context)
            except (InvalidProgramException, IllegalStateException):
                raise
            except Exception as e:
                raise self.user_error(e, NO_RECORD, "open()") from e

    def close_function(self, fn: Any) -> None:
        closer = getattr(fn, "close", None)
        if closer is not None and not isinstance(fn, types.FunctionType):
            try:
                closer()
            except Exception as e:
                raise self.user_error(e, NO_RECORD, "close()") from e

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"
