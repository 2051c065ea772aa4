"""Checkpoint statistics (Flink's ``CheckpointStatsTracker``): counts, the latest completed,
failed and restored checkpoints, and a short history, for the job's checkpoint metrics and the
REST API's ``/jobs/<id>/checkpoints``.

The coordinator reports each checkpoint when it is triggered, completed or aborted; nothing here
runs per record. Sizes are the bytes of the encoded state the tasks acknowledged (flinklite
writes full snapshots, so checkpointed size and full state size are the same).
"""

from __future__ import annotations

import time
from collections import deque
from typing import Any

__all__ = ["CheckpointStatsTracker", "CheckpointStats", "state_size"]

HISTORY = 10  # Flink's web.checkpoints.history default


def state_size(obj: Any, _depth: int = 0) -> int:
    """Bytes held by an acknowledged snapshot (encoded state is bytes inside dicts and lists)."""
    if isinstance(obj, (bytes, bytearray, memoryview)):
        return len(obj)
    if isinstance(obj, str):
        return len(obj)
    if _depth > 8:
        return 0
    if isinstance(obj, dict):
        return sum(state_size(v, _depth + 1) for v in obj.values())
    if isinstance(obj, (list, tuple)):
        return sum(state_size(v, _depth + 1) for v in obj)
    return 0


class CheckpointStats:
    __slots__ = ("checkpoint_id", "trigger_timestamp", "is_savepoint", "status", "num_subtasks",
                 "num_acknowledged", "latest_ack_timestamp", "state_size", "external_path",
                 "failure_message", "failure_timestamp", "task_sizes")

    def __init__(self, checkpoint_id: int, trigger_timestamp: int, is_savepoint: bool, num_subtasks: int) -> None:
        self.checkpoint_id = checkpoint_id
        self.trigger_timestamp = trigger_timestamp
        self.is_savepoint = is_savepoint
        self.status = "IN_PROGRESS"
        self.num_subtasks = num_subtasks
        self.num_acknowledged = 0
        self.latest_ack_timestamp = trigger_timestamp
        self.state_size = 0
        self.external_path: str | None = None
        self.failure_message: str | None = None
        self.failure_timestamp: int | None = None
        self.task_sizes: dict[str, int] = {}  # job vertex id -> bytes

    @property
    def end_to_end_duration(self) -> int:
        end = self.failure_timestamp if self.status == "FAILED" else self.latest_ack_timestamp
        return max(0, (end or self.trigger_timestamp) - self.trigger_timestamp)


def _now_ms() -> int:
    return int(time.time() * 1000)


class CheckpointStatsTracker:
    def __init__(self) -> None:
        self.history: deque[CheckpointStats] = deque(maxlen=HISTORY)
        self.in_progress: CheckpointStats | None = None
        self.completed = 0
        self.failed = 0
        self.restored = 0
        self.latest_completed: CheckpointStats | None = None
        self.latest_savepoint: CheckpointStats | None = None
        self.latest_failed: CheckpointStats | None = None
        self.restored_from: tuple[int, int, str | None] | None = None  # (id, restore time, path)
        self.durations: deque[int] = deque(maxlen=1000)
        self.sizes: deque[int] = deque(maxlen=1000)

    @property
    def total(self) -> int:
        return self.completed + self.failed + (1 if self.in_progress is not None else 0)

    # -- reports from the coordinator ----------------------------------------------------------
    def report_pending(self, checkpoint_id: int, is_savepoint: bool, num_subtasks: int) -> None:
        stats = CheckpointStats(checkpoint_id, _now_ms(), is_savepoint, num_subtasks)
        self.in_progress = stats
        self.history.appendleft(stats)

    def report_ack(self, checkpoint_id: int, vertex_id: str, states: dict) -> None:
        stats = self.in_progress
        if stats is None or stats.checkpoint_id != checkpoint_id:
            return
        size = state_size(states)
        stats.num_acknowledged += 1
        stats.latest_ack_timestamp = _now_ms()
        stats.state_size += size
        stats.task_sizes[vertex_id] = stats.task_sizes.get(vertex_id, 0) + size

    def report_completed(self, checkpoint_id: int, path: str | None) -> None:
        stats = self.in_progress
        if stats is None or stats.checkpoint_id != checkpoint_id:
            return
        self.in_progress = None
        stats.status = "COMPLETED"
        stats.external_path = path
        self.completed += 1
        self.durations.append(stats.end_to_end_duration)
        self.sizes.append(stats.state_size)
        if stats.is_savepoint:
            self.latest_savepoint = stats
        self.latest_completed = stats

    def report_failed(self, checkpoint_id: int, reason: str) -> None:
        stats = self.in_progress
        if stats is None or stats.checkpoint_id != checkpoint_id:
            return
        self.in_progress = None
        stats.status = "FAILED"
        stats.failure_message = reason
        stats.failure_timestamp = _now_ms()
        self.failed += 1
        self.latest_failed = stats

    def report_restored(self, checkpoint_id: int, path: str | None) -> None:
        self.restored += 1
        self.restored_from = (checkpoint_id, _now_ms(), path)
