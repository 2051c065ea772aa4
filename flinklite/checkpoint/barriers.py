"""Checkpoint barriers (Flink's ``CheckpointBarrier`` and ``CancelCheckpointMarker``).

A source injects barrier ``n`` into its output when checkpoint ``n`` is triggered; every task
forwards it once it has snapshotted. Everything before barrier ``n`` on a channel belongs to
checkpoint ``n``, everything after it to the next one. Barriers flush the buffers ahead of them
and never overtake records.
"""

from __future__ import annotations

__all__ = ["CheckpointBarrier", "CancelCheckpointMarker"]


class CheckpointBarrier:
    __slots__ = ("checkpoint_id", "timestamp", "is_savepoint")

    def __init__(self, checkpoint_id: int, timestamp: int, is_savepoint: bool = False) -> None:
        self.checkpoint_id = checkpoint_id
        self.timestamp = timestamp
        self.is_savepoint = is_savepoint

    def __repr__(self) -> str:
        return f"CheckpointBarrier({self.checkpoint_id})"


class CancelCheckpointMarker:
    __slots__ = ("checkpoint_id",)

    def __init__(self, checkpoint_id: int) -> None:
        self.checkpoint_id = checkpoint_id

    def __repr__(self) -> str:
        return f"CancelCheckpointMarker({self.checkpoint_id})"
