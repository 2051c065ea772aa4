"""``flinklite.testing``: tools for testing streaming jobs, exactly-once guarantees in particular.

* :mod:`~flinklite.testing.faults`: :class:`FaultPlan`, declarative fault injection (fail an
  operator at its k-th record, during a snapshot, between snapshot and commit, in a commit; kill
  the process) and :class:`InjectedFailure`;
* :mod:`~flinklite.testing.harness`: operator test harnesses (:class:`KeyedProcessFunctionHarness`,
  :class:`ProcessFunctionHarness`, :class:`OneInputOperatorHarness`): push records and watermarks,
  move processing time, snapshot and restore (also rescaled), read output with timestamps;
* :mod:`~flinklite.testing.exactly_once`: :func:`check_exactly_once`, which runs a job with and
  without faults and compares the committed output;
* :mod:`~flinklite.testing.clocks`: :class:`SteppingClock`, virtual time that passes while a job
  is busy, so checkpoints fall between records deterministically;
* :mod:`~flinklite.testing.strategies` (needs ``hypothesis``): ``out_of_order_streams``,
  ``failure_schedules``, ``job_shapes`` and ``build_job``. Imported on first use, so the rest of
  this package works without hypothesis installed.

The tutorial is ``docs/testing.md``.
"""

from __future__ import annotations

from typing import Any

from flinklite.testing.clocks import SteppingClock
from flinklite.testing.exactly_once import ExactlyOnceResult, RunResult, check_exactly_once, run_collect
from flinklite.testing.faults import Fault, FaultPlan, FaultPlanError, FiredFault, InjectedFailure
from flinklite.testing.harness import (
    KeyedOneInputOperatorHarness,
    KeyedProcessFunctionHarness,
    OneInputOperatorHarness,
    OperatorHarness,
    OperatorSnapshot,
    ProcessFunctionHarness,
    Record,
)

__all__ = [
    "FaultPlan",
    "Fault",
    "FiredFault",
    "InjectedFailure",
    "FaultPlanError",
    "OperatorHarness",
    "OneInputOperatorHarness",
    "KeyedOneInputOperatorHarness",
    "ProcessFunctionHarness",
    "KeyedProcessFunctionHarness",
    "OperatorSnapshot",
    "Record",
    "check_exactly_once",
    "run_collect",
    "ExactlyOnceResult",
    "RunResult",
    "SteppingClock",
    # from flinklite.testing.strategies, loaded on first access (needs hypothesis)
    "out_of_order_streams",
    "failure_schedules",
    "job_shapes",
    "JobShape",
    "build_job",
]

_STRATEGIES = {"out_of_order_streams", "failure_schedules", "job_shapes", "JobShape", "build_job"}


def __getattr__(name: str) -> Any:
    if name in _STRATEGIES:
        try:
            from flinklite.testing import strategies
        except ImportError as e:  # pragma: no cover - depends on the environment
            raise ImportError(
                f"flinklite.testing.{name} needs the hypothesis library: pip install hypothesis "
                "(or flinklite[test])"
            ) from e
        return getattr(strategies, name)
    raise AttributeError(f"module 'flinklite.testing' has no attribute {name!r}")
