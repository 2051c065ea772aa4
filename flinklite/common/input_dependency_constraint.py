"""``InputDependencyConstraint`` (PyFlink's ``pyflink.common.input_dependency_constraint``).

A deprecated batch-scheduling hint in Flink (when a task with several inputs may be scheduled).
flinklite schedules every task of a job at once in one process, so the value has no effect.
"""

from enum import Enum

__all__ = ["InputDependencyConstraint"]


class InputDependencyConstraint(Enum):
    ANY = 0  # schedule when any input is consumable
    ALL = 1  # schedule when all inputs are consumable
