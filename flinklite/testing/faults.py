"""Declarative fault injection: say *where* a job should fail, not how to make it fail.

A :class:`FaultPlan` is a list of faults, each of which fires **once**::

    from flinklite.testing import FaultPlan

    plan = (FaultPlan()
            .fail_operator("Map", at_record=30)                  # raise before the 30th record
            .fail_during_snapshot("KeyedProcess", checkpoint=2)  # raise while snapshotting cp 2
            .fail_after_snapshot_before_commit("Collect Sink")   # cp complete, commit not yet run
            .fail_in_commit("Collect Sink", checkpoint=3))       # commit ran, then the task fails
    plan.install(env)        # every job this environment submits is instrumented
    ...run the job...
    plan.fired               # what actually happened, as FiredFault records

Operators are chosen by name (``.name(...)`` in the program, or the default such as ``"Map"``,
``"KeyedProcess"``, ``"Collect Sink"``, ``"Source: Collection Source"``) or by uid; ``subtask=``
narrows a fault to one parallel instance. A fault fires on the job's first attempt by default
(``attempt=0``); ``attempt=1`` fires it on the first restart, ``attempt=None`` on whichever
attempt reaches it first.

Injected errors are :class:`InjectedFailure`, so a test can tell an injected failure from a real
bug (``job.failures`` of a recovered job, or the ``__cause__`` of a ``JobExecutionException`` when
the restart strategy gave up). :meth:`FaultPlan.kill_process` sends ``SIGKILL`` to the current
process instead: only for tests that run the job in a subprocess.

How it works: at every deployment (the first one and after each restart) the runtime calls
:meth:`FaultPlan.instrument` for every task after its operators are built and before they are
opened. The plan replaces the chosen methods (``process_batch``, ``snapshot_state``,
``notify_checkpoint_complete``, ...) *on those operator instances only*; every other operator
runs untouched code, so an installed plan costs nothing where it does not inject.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flinklite.errors import InvalidProgramException

__all__ = ["FaultPlan", "Fault", "FiredFault", "InjectedFailure", "FaultPlanError"]


class InjectedFailure(Exception):
    """A failure injected by a :class:`FaultPlan` (never raised by flinklite itself).

    ``fault`` is the :class:`Fault` that fired; ``where`` describes the operator instance.
    """

    def __init__(self, fault: Fault, where: str, detail: str) -> None:
        super().__init__(f"injected failure ({fault.describe()}) in {where}: {detail}")
        self.fault = fault
        self.where = where
        self.detail = detail


class FaultPlanError(InvalidProgramException):
    """The plan does not fit the job (e.g. it names an operator the job does not have)."""


_KINDS = ("record", "snapshot", "before_commit", "in_commit", "kill")


@dataclass
class Fault:
    """One fault of a plan. Build them with the :class:`FaultPlan` methods."""

    kind: str  # one of _KINDS
    operator: str | None  # name or uid; None: any source (kill_process only)
    at_record: int | None = None  # 1-based: fire before this record of the subtask is processed
    checkpoint: int | None = None  # fire at the first checkpoint id >= this (None: the first one)
    subtask: int | None = None
    attempt: int | None = 0
    fired: bool = False

    def describe(self) -> str:
        what = {
            "record": "fail_operator",
            "snapshot": "fail_during_snapshot",
            "before_commit": "fail_after_snapshot_before_commit",
            "in_commit": "fail_in_commit",
            "kill": "kill_process",
        }[self.kind]
        args = [repr(self.operator)] if self.operator is not None else []
        if self.at_record is not None:
            args.append(f"at_record={self.at_record}")
        if self.checkpoint is not None:
            args.append(f"checkpoint={self.checkpoint}")
        if self.subtask is not None:
            args.append(f"subtask={self.subtask}")
        if self.attempt != 0:
            args.append(f"attempt={self.attempt}")
        return f"{what}({', '.join(args)})"

    def __repr__(self) -> str:
        return f"<{self.describe()}{' fired' if self.fired else ''}>"


@dataclass(frozen=True)
class FiredFault:
    """A record of one fault that fired: which, where, on which attempt, and at what point."""

    fault: Fault
    operator: str
    subtask: int
    attempt: int
    detail: str

    def __str__(self) -> str:
        return f"{self.fault.describe()} fired in {self.operator}, attempt {self.attempt}: {self.detail}"


class FaultPlan:
    """A declarative list of faults to inject into a job. Methods return the plan (chainable).

    ``faults``: the faults, in the order they were added. ``fired``: a :class:`FiredFault` for
    each fault that fired, in firing order."""

    def __init__(self, faults: list[Fault] | None = None) -> None:
        self.faults: list[Fault] = list(faults or [])
        self.fired: list[FiredFault] = []
        self._counters: dict = {}

    # -- building ----------------------------------------------------------------------------
    def fail_operator(self, operator: str, *, at_record: int, subtask: int | None = None,
                      attempt: int | None = 0) -> FaultPlan:
        """Raise :class:`InjectedFailure` in ``operator`` just before it processes its
        ``at_record``-th record (counted from 1 over all its subtasks, or over ``subtask`` only;
        records before it in the same batch are processed). For a source: once it has emitted
        ``at_record`` records."""
        _positive("at_record", at_record)
        return self._add(Fault("record", _name(operator), at_record=at_record, subtask=subtask, attempt=attempt))

    def fail_during_snapshot(self, operator: str, *, checkpoint: int | None = None, subtask: int | None = None,
                             attempt: int | None = 0) -> FaultPlan:
        """Raise while ``operator`` takes its snapshot for checkpoint ``checkpoint`` (the first
        checkpoint with an id >= ``checkpoint``; None: the first checkpoint it takes part in).
        The checkpoint never completes; the job restarts from the previous one."""
        _positive("checkpoint", checkpoint, optional=True)
        return self._add(Fault("snapshot", _name(operator), checkpoint=checkpoint, subtask=subtask, attempt=attempt))

    def fail_after_snapshot_before_commit(self, operator: str, *, checkpoint: int | None = None,
                                          subtask: int | None = None, attempt: int | None = 0) -> FaultPlan:
        """Raise in ``operator``'s ``notify_checkpoint_complete``, *before* it runs: the
        checkpoint is complete (and will be restored from) but its side effects were never
        committed. Exactly-once sinks must commit them on recovery."""
        _positive("checkpoint", checkpoint, optional=True)
        return self._add(Fault("before_commit", _name(operator), checkpoint=checkpoint, subtask=subtask,
                               attempt=attempt))

    def fail_in_commit(self, sink: str, *, checkpoint: int | None = None, subtask: int | None = None,
                       attempt: int | None = 0) -> FaultPlan:
        """Raise in ``sink``'s commit (``notify_checkpoint_complete``) *after* the commit took
        effect: recovery commits the same transaction again, which must be idempotent."""
        _positive("checkpoint", checkpoint, optional=True)
        return self._add(Fault("in_commit", _name(sink), checkpoint=checkpoint, subtask=subtask, attempt=attempt))

    def kill_process(self, *, at_record: int, operator: str | None = None, subtask: int | None = None,
                     attempt: int | None = 0) -> FaultPlan:
        """``SIGKILL`` this process when ``operator`` (default: the sources) reaches its
        ``at_record``-th record (counted as in :meth:`fail_operator`). Nothing is cleaned up:
        use it in a subprocess, and restart the job from its retained checkpoint."""
        _positive("at_record", at_record)
        return self._add(Fault("kill", _name(operator) if operator is not None else None, at_record=at_record,
                               subtask=subtask, attempt=attempt))

    def _add(self, fault: Fault) -> FaultPlan:
        self.faults.append(fault)
        return self

    # -- using -------------------------------------------------------------------------------
    def install(self, env: Any) -> FaultPlan:
        """Instrument every job ``env`` submits from now on (``env._fault_plan = self``)."""
        env._fault_plan = self
        return self

    def uninstall(self, env: Any) -> None:
        if getattr(env, "_fault_plan", None) is self:
            env._fault_plan = None

    def reset(self) -> FaultPlan:
        """Arm every fault again and forget what fired (to reuse a plan for another run)."""
        for f in self.faults:
            f.fired = False
        self.fired.clear()
        self._counters.clear()
        return self

    @property
    def pending(self) -> list[Fault]:
        """Faults that have not fired (yet)."""
        return [f for f in self.faults if not f.fired]

    def describe(self) -> str:
        if not self.faults:
            return "FaultPlan() (no faults)"
        return "FaultPlan()." + ".".join(f.describe() for f in self.faults)

    def __repr__(self) -> str:
        fired = f"  # {len(self.fired)} fired" if self.fired else ""
        return self.describe() + fired

    def __bool__(self) -> bool:
        return True

    # -- the runtime hook --------------------------------------------------------------------
    def instrument(self, task: Any) -> None:
        """Called by the runtime for every task of every deployment, after the task's operators
        were built and before they are opened. Wraps the methods that faults target."""
        self._validate(task)
        for fault in self.faults:
            if fault.fired or (fault.attempt is not None and fault.attempt != task.attempt):
                continue
            for op in task.operators:
                if not self._matches(fault, op, task):
                    continue
                if fault.subtask is not None and op.ctx.subtask_index != fault.subtask:
                    continue
                _INSTRUMENT[fault.kind](self, fault, op, task)

    def _matches(self, fault: Fault, op: Any, task: Any) -> bool:
        if fault.operator is None:
            return op.node.kind == "source"
        return fault.operator in (op.name, op.uid) or fault.operator == _strip_source(op.name)

    def _validate(self, task: Any) -> None:
        graph = task.job.graph
        if getattr(graph, "_fault_plan_checked", None) is self:
            return
        names = []
        for v in graph.vertices:
            for n in v.nodes:
                names.append(n.name)
                if n.uid:
                    names.append(n.uid)
        known = set(names) | {_strip_source(n) for n in names}
        for fault in self.faults:
            if fault.operator is not None and fault.operator not in known:
                listing = ", ".join(repr(n) for n in dict.fromkeys(names))
                raise FaultPlanError(
                    f"{fault.describe()}: the job has no operator named or with uid {fault.operator!r}. "
                    f"Its operators are: {listing}. Name an operator with .name(...) or .uid(...) in the "
                    "program to target it."
                )
        graph._fault_plan_checked = self

    def _fire(self, fault: Fault, op: Any, detail: str) -> InjectedFailure:
        fault.fired = True
        where = op.describe() if hasattr(op, "describe") else repr(op)
        self.fired.append(FiredFault(fault, where, op.ctx.subtask_index, op.ctx.attempt_number, detail))
        return InjectedFailure(fault, where, detail)


def _name(operator: Any) -> str:
    if not isinstance(operator, str) or not operator:
        raise FaultPlanError(f"a fault needs an operator name or uid (a non-empty str), got {operator!r}")
    return operator


def _positive(what: str, value: Any, optional: bool = False) -> None:
    if value is None and optional:
        return
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise FaultPlanError(f"{what} must be a positive int (counting from 1), got {value!r}")


def _strip_source(name: str) -> str:
    return name[len("Source: "):] if name.startswith("Source: ") else name


# -- instrumentation: one function per fault kind -----------------------------------------------
def _record_trigger(plan: FaultPlan, fault: Fault, op: Any, task: Any, act: Callable[[str], None]) -> None:
    """Wrap the operator's data entry points so ``act(detail)`` runs before record ``at_record``."""
    target = fault.at_record
    # one counter per fault and deployment, shared by the subtasks it watches
    seen = plan._counters.setdefault((id(fault), id(task.job), task.attempt), [0])
    if op.node.kind == "source":
        original_emit = op.emit_next

        def emit_next(max_records: int) -> str:
            if fault.fired:
                return original_emit(max_records)
            before = op.records_emitted
            status = original_emit(max_records)
            seen[0] += op.records_emitted - before
            if seen[0] >= target:
                act(f"after the source emitted its record #{target}")
            return status

        op.emit_next = emit_next
        return

    def wrap(original: Callable) -> Callable:
        def process(values: list, timestamps: list | None, keys: list | None) -> None:
            if fault.fired:
                return original(values, timestamps, keys)
            before = seen[0]
            n = len(values)
            if before + n < target:
                seen[0] = before + n
                return original(values, timestamps, keys)
            i = target - before - 1  # index of the target record in this batch
            if i > 0:
                original(values[:i], None if timestamps is None else timestamps[:i],
                         None if keys is None else keys[:i])
            seen[0] = target
            act(f"before record #{target}: {values[i]!r}")
            return original(values[i:], None if timestamps is None else timestamps[i:],
                            None if keys is None else keys[i:])

        return process

    for attr in ("process_batch", "process_batch1", "process_batch2"):
        if attr in ("process_batch1", "process_batch2") and not hasattr(op, attr):
            continue
        setattr(op, attr, wrap(getattr(op, attr)))
    _rewire_chained_inputs(task, op)


def _rewire_chained_inputs(task: Any, op: Any) -> None:
    """A chained predecessor calls ``op.process_batch`` through a ``ChainingOutput`` that bound
    the method when the chain was built; point it at the wrapper."""
    from flinklite.runtime.operators.base import BroadcastingOutput, ChainingOutput

    process = op.process_batch

    def visit(out: Any) -> None:
        if isinstance(out, ChainingOutput) and out.op is op:
            out.collect = lambda values, timestamps: process(values, timestamps, None)
        elif isinstance(out, BroadcastingOutput):
            for o in out.outputs:
                visit(o)
        elif getattr(out, "inner", None) is not None:  # a wrapper (the metrics' CountingOutput)
            visit(out.inner)

    for other in task.operators:
        visit(other.output)
        for side in other.side_outputs.values():
            visit(side)


def _instrument_record(plan: FaultPlan, fault: Fault, op: Any, task: Any) -> None:
    def act(detail: str) -> None:
        raise plan._fire(fault, op, detail)

    _record_trigger(plan, fault, op, task, act)


def _instrument_kill(plan: FaultPlan, fault: Fault, op: Any, task: Any) -> None:
    def act(detail: str) -> None:
        plan._fire(fault, op, detail)
        os.kill(os.getpid(), signal.SIGKILL)

    _record_trigger(plan, fault, op, task, act)


def _due(fault: Fault, checkpoint_id: int) -> bool:
    return not fault.fired and (fault.checkpoint is None or checkpoint_id >= fault.checkpoint)


def _instrument_snapshot(plan: FaultPlan, fault: Fault, op: Any, task: Any) -> None:
    original = op.snapshot_state

    def snapshot_state(checkpoint_id: int) -> dict:
        if _due(fault, checkpoint_id):
            raise plan._fire(fault, op, f"while taking the snapshot of checkpoint {checkpoint_id}")
        return original(checkpoint_id)

    op.snapshot_state = snapshot_state


def _instrument_commit(plan: FaultPlan, fault: Fault, op: Any, after: bool) -> None:
    """Fail in ``notify_checkpoint_complete``: before the commit runs, or right after it took effect."""
    original = op.notify_checkpoint_complete
    what = "the commit of checkpoint {} took effect, then failed" if after \
        else "checkpoint {} is complete, its commit has not run"

    def notify_checkpoint_complete(checkpoint_id: int) -> None:
        if after:
            original(checkpoint_id)
        if _due(fault, checkpoint_id):
            raise plan._fire(fault, op, what.format(checkpoint_id))
        if not after:
            original(checkpoint_id)

    op.notify_checkpoint_complete = notify_checkpoint_complete


def _instrument_before_commit(plan: FaultPlan, fault: Fault, op: Any, task: Any) -> None:
    _instrument_commit(plan, fault, op, after=False)


def _instrument_in_commit(plan: FaultPlan, fault: Fault, op: Any, task: Any) -> None:
    _instrument_commit(plan, fault, op, after=True)


_INSTRUMENT: dict[str, Callable[[FaultPlan, Fault, Any, Any], None]] = {
    "record": _instrument_record,
    "kill": _instrument_kill,
    "snapshot": _instrument_snapshot,
    "before_commit": _instrument_before_commit,
    "in_commit": _instrument_in_commit,
}
