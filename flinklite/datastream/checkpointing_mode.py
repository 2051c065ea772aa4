"""``CheckpointingMode`` (PyFlink's ``pyflink.datastream.checkpointing_mode``).

EXACTLY_ONCE aligns barriers (a channel that delivered barrier ``n`` is blocked until all have),
so state reflects every record exactly once after recovery. AT_LEAST_ONCE never blocks: faster
alignment, possible duplicates after recovery, never loss.
"""

from enum import Enum

__all__ = ["CheckpointingMode"]


class CheckpointingMode(Enum):
    EXACTLY_ONCE = 0
    AT_LEAST_ONCE = 1
