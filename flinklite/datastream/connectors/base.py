"""The source and sink contracts (Flink's FLIP-27 ``Source`` and FLIP-143 ``Sink``), reduced to
what one process needs.

A :class:`Source` is split into *splits* when the job starts (the enumerator's job in Flink);
each parallel reader gets its share and polls records in batches. A reader's position is its
checkpointable state, which is what makes a source replayable after a failure.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

__all__ = ["Boundedness", "Source", "SourceReader", "Sink", "DeliveryGuarantee"]


class Boundedness(Enum):
    BOUNDED = 0
    CONTINUOUS_UNBOUNDED = 1


class DeliveryGuarantee(Enum):
    EXACTLY_ONCE = 0
    AT_LEAST_ONCE = 1
    NONE = 2


class SourceReader:
    """Reads the splits assigned to one parallel subtask."""

    def poll(self, max_records: int) -> tuple[list, list | None] | None:
        """Up to ``max_records`` records as ``(values, timestamps or None)``; an empty list when
        nothing is available right now; ``None`` when the input is exhausted for good."""
        raise NotImplementedError

    def next_available_ms(self) -> int | None:
        """When nothing is available: the processing time at which to poll again (None: soon)."""
        return None

    def snapshot_state(self) -> Any:
        return None

    def restore_state(self, state: Any) -> None:
        pass

    def close(self) -> None:
        pass


class Source:
    """Base of flinklite sources. ``parallelism`` fixes the source's parallelism (1 for
    non-parallel sources such as ``from_collection``); None follows the environment's."""

    parallelism: int | None = None

    def get_boundedness(self) -> Boundedness:
        return Boundedness.BOUNDED

    def create_reader(self, subtask_index: int, parallelism: int) -> SourceReader:
        raise NotImplementedError


class Sink:
    """Base of sinks used with ``DataStream.sink_to``: one writer per parallel subtask."""

    def create_writer(self, subtask_index: int, parallelism: int) -> Any:
        raise NotImplementedError
