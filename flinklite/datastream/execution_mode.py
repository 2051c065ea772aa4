"""``RuntimeExecutionMode`` (PyFlink's ``pyflink.datastream.execution_mode``).

STREAMING processes records as they come and emits rolling results; BATCH requires bounded inputs,
sorts keyed inputs by key and emits only final results; AUTOMATIC picks BATCH when every source is
bounded. See ``docs/concepts/execution-modes.md``.
"""

from enum import Enum

__all__ = ["RuntimeExecutionMode"]


class RuntimeExecutionMode(Enum):
    STREAMING = 0
    BATCH = 1
    AUTOMATIC = 2
