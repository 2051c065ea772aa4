"""The exactly-once checker: run a job twice, once with injected faults, and compare what was
committed.

::

    from flinklite.testing import FaultPlan, check_exactly_once

    def build(env, data):
        return (env.from_collection(data)
                   .map(lambda v: (v % 3, 1)).name("to-pair")
                   .key_by(lambda p: p[0])
                   .reduce(lambda a, b: (a[0], a[1] + b[1])))   # a rolling count per key

    result = check_exactly_once(build, list(range(200)),
                                FaultPlan().fail_operator("to-pair", at_record=120))
    assert result.restarts == 1

``build(env, data)`` assembles the pipeline on the environment it is given and returns the
``DataStream`` whose ``execute_and_collect()`` output is compared (with checkpointing on, the
collect sink is transactional, so that output is exactly what was *committed*). Both runs use the
same configuration: checkpoints every ``checkpoint_interval_ms`` of *virtual* processing time on
a :class:`~flinklite.testing.clocks.SteppingClock` (so checkpoints fall between records and the
run takes milliseconds, the same every time), small network buffers, a seeded scheduler, and a
fixed-delay restart strategy that allows one restart per fault.

Outputs are compared as multisets. ``mode="exactly_once"``: equal. ``mode="at_least_once"``
(checkpointing mode AT_LEAST_ONCE): every record of the failure-free run is there at least as
often; duplicates are allowed. On a mismatch an ``AssertionError`` lists the first missing and
duplicated records and the faults that fired.

The comparison is only meaningful for a job whose output, as a multiset, does not depend on the
order in which parallel inputs interleave (a failure changes that interleaving). Per-record
maps and filters, keyed counts, and per-key totals emitted at the end are fine; "the value that
arrived 3rd for key k" across several parallel sources is not.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from flinklite.testing.clocks import SteppingClock
from flinklite.testing.faults import FaultPlan, FiredFault

__all__ = ["check_exactly_once", "run_collect", "ExactlyOnceResult", "RunResult"]

_MODES = ("exactly_once", "at_least_once")


@dataclass
class RunResult:
    """One run of a job: the committed output and what happened on the way."""

    output: list
    restarts: int
    failures: list[BaseException]
    checkpoints_completed: int
    fired: list[FiredFault] = field(default_factory=list)


@dataclass
class ExactlyOnceResult:
    """What :func:`check_exactly_once` observed (returned when the check passed)."""

    expected: list
    actual: list
    fired: list[FiredFault]
    restarts: int
    checkpoints_completed: int
    duplicates: Counter

    def __str__(self) -> str:
        return (f"{len(self.actual)} records committed ({len(self.expected)} without failures), "
                f"{len(self.fired)} faults fired, {self.restarts} restarts, "
                f"{self.checkpoints_completed} checkpoints completed")


def run_collect(build_job: Callable[[Any, Any], Any], data: Any, plan: FaultPlan | None = None, *,
                mode: str = "exactly_once", checkpoint_interval_ms: int = 20, seed: int = 0,
                parallelism: int | None = None, max_restarts: int | None = None,
                buffer_size: int = 4, configure: Callable[[Any], None] | None = None) -> RunResult:
    """Build the job on a fresh checkpointed environment, run it (with ``plan`` installed, if
    given) and return the committed ``execute_and_collect()`` output. See
    :func:`check_exactly_once` for the parameters."""
    from flinklite.common import Configuration
    from flinklite.datastream import StreamExecutionEnvironment

    if mode not in _MODES:
        raise ValueError(f"mode must be one of {_MODES}, got {mode!r}")
    n_faults = len(plan.faults) if plan is not None else 0
    restarts = max_restarts if max_restarts is not None else n_faults + 1
    conf = Configuration()
    conf.set_string("execution.checkpointing.interval", f"{checkpoint_interval_ms} ms")
    conf.set_string("execution.checkpointing.mode", mode.upper())
    conf.set_string("restart-strategy.type", "fixed-delay")
    conf.set_string("restart-strategy.fixed-delay.attempts", str(restarts))
    conf.set_string("restart-strategy.fixed-delay.delay", "1 ms")
    conf.set_string("flinklite.scheduler.seed", str(seed))
    conf.set_string("flinklite.buffer-size", str(buffer_size))
    conf.set_string("pipeline.auto-watermark-interval", "10 ms")
    env = StreamExecutionEnvironment.get_execution_environment(conf)
    env.set_clock(SteppingClock())
    if parallelism is not None:
        env.set_parallelism(parallelism)
    if configure is not None:
        configure(env)
    if plan is not None:
        plan.reset().install(env)
    stream = build_job(env, data)
    collect = getattr(stream, "execute_and_collect", None)
    if collect is None:
        raise TypeError(
            f"build_job(env, data) must return the DataStream to collect, got {type(stream).__name__}. "
            "End the function with `return stream` (not stream.execute_and_collect())."
        )
    iterator = collect()
    try:
        output = list(iterator)
    finally:
        iterator.close()
    job = iterator._job
    coordinator = job.coordinator
    return RunResult(
        output=output,
        restarts=job.attempt,
        failures=list(job.failures),
        checkpoints_completed=coordinator.stats["completed"] if coordinator is not None else 0,
        fired=list(plan.fired) if plan is not None else [],
    )


def check_exactly_once(build_job: Callable[[Any, Any], Any], data: Any, plan: FaultPlan, *,
                       mode: str = "exactly_once", checkpoint_interval_ms: int = 20, seed: int = 0,
                       parallelism: int | None = None, max_restarts: int | None = None,
                       buffer_size: int = 4, require_fired: bool = False,
                       configure: Callable[[Any], None] | None = None,
                       show: int = 5) -> ExactlyOnceResult:
    """Run ``build_job(env, data)`` without failures and with ``plan``, and assert that the
    committed outputs agree (equal multisets for ``mode="exactly_once"``; nothing lost for
    ``mode="at_least_once"``).

    ``checkpoint_interval_ms``: virtual ms between checkpoints (the clock advances ~1 ms per
    scheduler step). ``seed``: the scheduler seed (other interleavings of parallel inputs).
    ``parallelism``: the environment's default parallelism (else ``build_job`` decides).
    ``max_restarts``: restarts allowed (default: one per fault, plus one). ``buffer_size``:
    records per network buffer and source batch (small: more interleaving). ``require_fired``:
    also fail if a fault of the plan never fired. ``configure(env)``: any extra setup, applied to
    both runs. ``show``: how many differing records the error message lists.
    """
    if not isinstance(plan, FaultPlan):
        raise TypeError(f"plan must be a FaultPlan, got {type(plan).__name__}")
    opts = dict(mode=mode, checkpoint_interval_ms=checkpoint_interval_ms, seed=seed, parallelism=parallelism,
                buffer_size=buffer_size, configure=configure)
    clean = run_collect(build_job, data, None, **opts)
    try:
        faulty = run_collect(build_job, data, plan, max_restarts=max_restarts, **opts)
    except Exception as e:
        fired = "\n".join(f"  - {f}" for f in plan.fired) or "  (none)"
        raise AssertionError(
            f"the job did not recover from the injected faults: {type(e).__name__}: {e}\n"
            f"plan: {plan.describe()}\nfaults that fired:\n{fired}"
        ) from e
    expected, actual = _counter(clean.output), _counter(faulty.output)
    missing = expected - actual
    duplicated = actual - expected
    problems = []
    if missing:
        problems.append(f"{sum(missing.values())} records lost (in the failure-free output, missing after "
                        f"recovery): {_sample(missing, show)}")
    if duplicated and mode == "exactly_once":
        problems.append(f"{sum(duplicated.values())} records duplicated or unexpected: {_sample(duplicated, show)}")
    if require_fired and plan.pending:
        problems.append("faults that never fired: " + ", ".join(f.describe() for f in plan.pending))
    if problems:
        fired = "\n".join(f"  - {f}" for f in faulty.fired) or "  (none)"
        raise AssertionError(
            f"{mode.replace('_', '-')} violated: " + "; ".join(problems) + "\n"
            f"plan: {plan.describe()}\nfaults that fired:\n{fired}\n"
            f"restarts: {faulty.restarts}, checkpoints completed: {faulty.checkpoints_completed} "
            f"(failure-free run: {clean.checkpoints_completed}); "
            f"{len(clean.output)} records expected, {len(faulty.output)} committed"
        )
    return ExactlyOnceResult(clean.output, faulty.output, faulty.fired, faulty.restarts,
                             faulty.checkpoints_completed, duplicated)


def _freeze(v: Any) -> Any:
    if isinstance(v, list | tuple):
        return tuple(_freeze(x) for x in v)
    if isinstance(v, dict):
        return tuple(sorted((_freeze(k), _freeze(x)) for k, x in v.items()))
    if isinstance(v, set):
        return frozenset(_freeze(x) for x in v)
    try:
        hash(v)
    except TypeError:
        return repr(v)
    return v


def _counter(values: Iterable[Any]) -> Counter:
    return Counter(_freeze(v) for v in values)


def _sample(c: Counter, n: int) -> str:
    items = sorted(c.items(), key=lambda kv: repr(kv[0]))
    shown = ", ".join(f"{v!r}" + (f" x{k}" if k > 1 else "") for v, k in items[:n])
    more = f" ... and {len(items) - n} more" if len(items) > n else ""
    return shown + more
