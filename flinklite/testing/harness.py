"""Operator test harnesses: run one operator, by hand, without a job (Flink's
``OneInputStreamOperatorTestHarness`` / ``KeyedOneInputStreamOperatorTestHarness`` /
``ProcessFunctionTestHarnesses``).

The harness builds the real operator with the real heap keyed state backend and the real timer
service, on a virtual processing-time clock. You push records and watermarks, move processing
time, and read what came out, with timestamps::

    from flinklite.testing import KeyedProcessFunctionHarness

    h = KeyedProcessFunctionHarness(MyFunction(), key_selector=lambda v: v[0])
    h.process_element(("a", 1), timestamp=10)
    h.process_watermark(20)            # fires event-time timers <= 20
    h.set_processing_time(1_000)       # fires processing-time timers <= 1000
    assert h.extract_output_values() == [...]

    state = h.snapshot()               # keyed state + timers, with the key-group range
    h2 = KeyedProcessFunctionHarness(MyFunction(), key_selector=lambda v: v[0])
    h2.restore(state)                  # before the first element: like a restart
    # rescaling: restore [snapshots of every old subtask] at another parallelism / subtask index
    h3 = KeyedProcessFunctionHarness(MyFunction(), lambda v: v[0], parallelism=2, subtask_index=1)
    h3.restore([state])                # takes only the key groups of subtask 1 of 2

The operator is opened on first use (or by :meth:`OperatorHarness.open`); :meth:`restore` must
come before that. Use the harness as a context manager, or call :meth:`OperatorHarness.close`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

from flinklite.errors import IllegalStateException, InvalidProgramException
from flinklite.runtime.operators.base import OperatorContext, Output, StreamOperator
from flinklite.runtime.settings import ExecutionSettings
from flinklite.state.heap import HeapKeyedStateBackend
from flinklite.state.key_groups import (
    compute_default_max_parallelism,
    compute_key_group_range_for_operator_index,
)
from flinklite.time.clock import ManualClock
from flinklite.time.processing_time import ProcessingTimeService
from flinklite.time.watermark import MIN_TIMESTAMP

__all__ = [
    "Record",
    "OperatorSnapshot",
    "OperatorHarness",
    "OneInputOperatorHarness",
    "KeyedOneInputOperatorHarness",
    "ProcessFunctionHarness",
    "KeyedProcessFunctionHarness",
]


class Record(NamedTuple):
    """An output record: its value and timestamp (None when it carries no timestamp)."""

    value: Any
    timestamp: int | None


@dataclass(frozen=True)
class OperatorSnapshot:
    """What :meth:`OperatorHarness.snapshot` returns: the operator's part of a checkpoint (keyed
    state and timers with the subtask's key-group range, operator state), and which subtask took it."""

    state: dict
    subtask_index: int
    parallelism: int
    max_parallelism: int
    checkpoint_id: int


class _RecordingOutput(Output):
    def __init__(self) -> None:
        self.records: list[Record] = []
        self.watermarks: list[int] = []
        self.statuses: list[bool] = []

    def collect(self, values: list, timestamps: list | None) -> None:
        if timestamps is None:
            self.records.extend(Record(v, None) for v in values)
        else:
            self.records.extend(Record(v, None if t == MIN_TIMESTAMP else t) for v, t in zip(values, timestamps))

    def emit_watermark(self, watermark: int) -> None:
        self.watermarks.append(watermark)

    def emit_watermark_status(self, idle: bool) -> None:
        self.statuses.append(idle)


class _SideOutputs(dict):
    """Every side-output tag an operator asks for gets a recorder."""

    def get(self, tag_id: str, default: Any = None) -> _RecordingOutput:  # type: ignore[override]
        out = dict.get(self, tag_id)
        if out is None:
            out = self[tag_id] = _RecordingOutput()
        return out


class OperatorHarness:
    """Runs one operator by hand. See the module docstring for a tour."""

    def __init__(self, operator: StreamOperator, *, key_selector: Callable[[Any], Any] | None = None,
                 parallelism: int = 1, subtask_index: int = 0, max_parallelism: int | None = None,
                 start_time_ms: int = 0, job_parameters: dict | None = None) -> None:
        if not 0 <= subtask_index < parallelism:
            raise InvalidProgramException(
                f"subtask_index must be in [0, parallelism), got subtask_index={subtask_index}, "
                f"parallelism={parallelism}"
            )
        keyed = bool(getattr(operator, "keyed", False))
        if keyed and key_selector is None:
            raise InvalidProgramException(
                f"{type(operator).__name__} is a keyed operator: pass key_selector=... so the harness "
                "knows each record's key"
            )
        self.operator = operator
        self.key_selector = key_selector if keyed or key_selector is not None else None
        self.parallelism = parallelism
        self.subtask_index = subtask_index
        self.max_parallelism = max_parallelism or compute_default_max_parallelism(parallelism)
        self.clock = ManualClock(start_time_ms)
        self.pt_service = ProcessingTimeService(self.clock)
        self._output = _RecordingOutput()
        self._sides = _SideOutputs()
        self._checkpoint_id = 0
        self._opened = False
        self._closed = False
        backend = None
        if keyed or key_selector is not None:
            kg_range = compute_key_group_range_for_operator_index(self.max_parallelism, parallelism, subtask_index)
            backend = HeapKeyedStateBackend(self.max_parallelism, kg_range, operator.name or type(operator).__name__)
        self.keyed_backend = backend
        settings = ExecutionSettings(parallelism=parallelism, clock=self.clock,
                                     job_parameters=dict(job_parameters or {}))
        ctx = OperatorContext(
            task_name=operator.name or type(operator).__name__,
            subtask_index=subtask_index,
            parallelism=parallelism,
            max_parallelism=self.max_parallelism,
            attempt_number=0,
            pt_service=self.pt_service,
            keyed_backend=backend,
            job_parameters=settings.job_parameters,
            config=settings,
            task=None,
        )
        operator.setup(ctx, self._output, self._sides)

    # -- life cycle --------------------------------------------------------------------------
    def restore(self, state: OperatorSnapshot | Iterable[OperatorSnapshot]) -> OperatorHarness:
        """Initialize the operator from one snapshot, or from the snapshots of every subtask of an
        earlier run (at any parallelism): keyed state and timers of this subtask's key groups, operator
        state is handed over as the runtime does. Call before the first element."""
        if self._opened:
            raise IllegalStateException(
                "restore() must be called before the operator is opened (before the first "
                "process_element/process_watermark/set_processing_time, or open()). Restore into a "
                "fresh harness, as a restarted job would."
            )
        snaps = [state] if isinstance(state, OperatorSnapshot) else list(state)
        if not snaps:
            return self
        for s in snaps:
            if not isinstance(s, OperatorSnapshot):
                raise InvalidProgramException(f"restore() takes OperatorSnapshot(s) from snapshot(), got {s!r}")
            if s.max_parallelism != self.max_parallelism:
                raise InvalidProgramException(
                    f"the snapshot was taken with max_parallelism={s.max_parallelism} but this harness has "
                    f"{self.max_parallelism}: key groups cannot be mapped (as in Flink, max parallelism must "
                    "not change across a restore). Pass max_parallelism=... to the harness."
                )
        from flinklite.checkpoint.coordinator import CompletedCheckpoint

        # restore exactly as a job deployment does: through a completed checkpoint
        old_parallelism = max(s.parallelism for s in snaps)
        per_subtask: list = [None] * old_parallelism
        for s in snaps:
            per_subtask[s.subtask_index] = s.state
        cp = CompletedCheckpoint(max(s.checkpoint_id for s in snaps), 0)
        cp.operator_states["harness"] = per_subtask
        cp.parallelism["harness"] = old_parallelism
        self.operator.initialize_state(cp.keyed_state_for("harness"), cp.operator_state_list("harness"))
        user_states = getattr(cp, "user_operator_states", None)
        user = user_states("harness") if user_states is not None else None
        if user is not None:
            self.operator.restore_user_operator_state(user)
        self._checkpoint_id = max(s.checkpoint_id for s in snaps)
        return self

    def open(self) -> OperatorHarness:
        if not self._opened:
            self._opened = True
            self.operator.open()
        return self

    def _ensure_open(self) -> None:
        if self._closed:
            raise IllegalStateException("the harness was closed")
        if not self._opened:
            self.open()

    def end_input(self) -> None:
        """End of input: ``end_input`` and ``finish`` (flushes, final commits) in order."""
        self._ensure_open()
        self.operator.end_input()
        self.operator.finish()

    def close(self) -> None:
        if self._opened and not self._closed:
            self._closed = True
            self.operator.close()

    def __enter__(self) -> OperatorHarness:
        return self.open()

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # -- input -------------------------------------------------------------------------------
    def process_element(self, value: Any, timestamp: int | None = None) -> None:
        """Push one record (with an event timestamp, or none)."""
        self.process_elements([value], None if timestamp is None else [timestamp])

    def process_elements(self, values: list, timestamps: list[int] | None = None) -> None:
        """Push several records as one batch (as a network buffer would deliver them)."""
        self._ensure_open()
        values = list(values)
        if timestamps is not None and len(timestamps) != len(values):
            raise InvalidProgramException(f"{len(values)} values but {len(timestamps)} timestamps")
        keys = None
        if self.key_selector is not None:
            keys = [self.key_selector(v) for v in values]
        self.operator.process_batch(values, None if timestamps is None else list(timestamps), keys)

    def process_watermark(self, watermark: int) -> None:
        """Advance event time: fires event-time timers up to ``watermark``, then forwards it."""
        self._ensure_open()
        self.operator.process_watermark(watermark)

    def set_processing_time(self, time_ms: int) -> None:
        """Move the processing-time clock to ``time_ms`` and fire every processing-time callback
        due by then (timers with a timestamp <= ``time_ms``, as Flink's test harness does)."""
        self._ensure_open()
        if time_ms < self.clock.now_ms():
            raise InvalidProgramException(
                f"processing time cannot go back: it is {self.clock.now_ms()}, asked for {time_ms}"
            )
        self.clock.advance_to(time_ms)
        while True:
            handle = self.pt_service.pop_due(time_ms + 1)
            if handle is None:
                return
            handle.callback(handle.timestamp)

    def get_processing_time(self) -> int:
        return self.clock.now_ms()

    # -- checkpoints -------------------------------------------------------------------------
    def snapshot(self, checkpoint_id: int | None = None) -> OperatorSnapshot:
        """Take the operator's part of a checkpoint (what a restarted job would restore)."""
        self._ensure_open()
        self._checkpoint_id = checkpoint_id if checkpoint_id is not None else self._checkpoint_id + 1
        state = self.operator.snapshot_state(self._checkpoint_id)
        return OperatorSnapshot(state, self.subtask_index, self.parallelism, self.max_parallelism,
                                self._checkpoint_id)

    def notify_checkpoint_complete(self, checkpoint_id: int | None = None) -> None:
        self._ensure_open()
        self.operator.notify_checkpoint_complete(checkpoint_id if checkpoint_id is not None else self._checkpoint_id)

    # -- output ------------------------------------------------------------------------------
    def extract_output(self) -> list[Record]:
        """Main output so far, as :class:`Record` ``(value, timestamp)``, oldest first; clears it."""
        out, self._output.records = self._output.records, []
        return out

    def extract_output_values(self) -> list:
        """Like :meth:`extract_output`, values only."""
        return [r.value for r in self.extract_output()]

    @property
    def output(self) -> list[Record]:
        """Main output so far, without clearing it."""
        return list(self._output.records)

    def get_side_output(self, tag: Any) -> list[Record]:
        """What went to side output ``tag`` (an ``OutputTag`` or its id), with timestamps."""
        tag_id = getattr(tag, "tag_id", tag)
        out = dict.get(self._sides, tag_id)
        return list(out.records) if out is not None else []

    def get_emitted_watermarks(self) -> list[int]:
        return list(self._output.watermarks)

    # -- timers and state ----------------------------------------------------------------------
    def _timer_services(self) -> list:
        self._ensure_open()  # restored timers are handed to the operator's timer service in open()
        if self.keyed_backend is None:
            return []
        return list(self.keyed_backend.timer_services.values())

    def num_event_time_timers(self) -> int:
        return sum(s.num_event_time_timers() for s in self._timer_services())

    def num_processing_time_timers(self) -> int:
        return sum(s.num_processing_time_timers() for s in self._timer_services())

    def num_keyed_state_entries(self) -> int:
        """Entries in all keyed state of this subtask (every key, every namespace)."""
        self._ensure_open()
        if self.keyed_backend is None:
            return 0
        return sum(1 for st in self.keyed_backend.states.values() for _ in st.entries())

    def owns_key(self, key: Any) -> bool:
        """True if ``key`` belongs to this subtask's key groups."""
        if self.keyed_backend is None:
            return True
        return self.keyed_backend.key_group_of(key) in self.keyed_backend.key_group_range


class OneInputOperatorHarness(OperatorHarness):
    """A harness for any one-input operator: ``OneInputOperatorHarness(operator, keyed=True,
    key_selector=...)``. ``keyed`` defaults to what the operator says (``operator.keyed``)."""

    def __init__(self, operator: StreamOperator, *, keyed: bool | None = None,
                 key_selector: Callable[[Any], Any] | None = None, **kwargs: Any) -> None:
        if keyed is False and key_selector is not None:
            raise InvalidProgramException("keyed=False and a key_selector contradict each other")
        if keyed and key_selector is None:
            raise InvalidProgramException("keyed=True needs key_selector=... (how to get each record's key)")
        super().__init__(operator, key_selector=key_selector, **kwargs)


class KeyedOneInputOperatorHarness(OneInputOperatorHarness):
    """Flink's ``KeyedOneInputStreamOperatorTestHarness``: a keyed one-input operator."""

    def __init__(self, operator: StreamOperator, key_selector: Callable[[Any], Any], **kwargs: Any) -> None:
        super().__init__(operator, keyed=True, key_selector=key_selector, **kwargs)


class ProcessFunctionHarness(OperatorHarness):
    """A ``ProcessFunction`` in its real ``ProcessOperator``."""

    def __init__(self, fn: Any, **kwargs: Any) -> None:
        from flinklite.runtime.operators.process import ProcessOperator

        super().__init__(ProcessOperator(fn, name=type(fn).__name__), **kwargs)


class KeyedProcessFunctionHarness(OperatorHarness):
    """A ``KeyedProcessFunction`` in its real ``KeyedProcessOperator``, keyed by ``key_selector``."""

    def __init__(self, fn: Any, key_selector: Callable[[Any], Any], **kwargs: Any) -> None:
        from flinklite.runtime.operators.process import KeyedProcessOperator

        super().__init__(KeyedProcessOperator(fn, name=type(fn).__name__), key_selector=key_selector, **kwargs)
