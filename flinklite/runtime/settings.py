"""Everything a job run needs to know from its environment, resolved once at submission
(the subset of Flink's ``Configuration`` / ``ExecutionConfig`` the runtime reads).

flinklite-only keys (not in Flink; harmless to a Flink cluster, which ignores unknown keys):

===============================  =========================================================
``flinklite.scheduler.seed``     seed the scheduler's choice of task: explores interleavings
``flinklite.clock``              ``system`` (default) or ``manual`` (virtual processing time)
``flinklite.buffer-size``        records per network buffer (default 1024)
``flinklite.channel-capacity``   records a channel holds before backpressure (default 4096)
``flinklite.state.allow-pickle`` pickle state values msgpack cannot encode (default false)
===============================  =========================================================
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flinklite.datastream.execution_mode import RuntimeExecutionMode
from flinklite.errors import InvalidProgramException
from flinklite.time.clock import Clock, SystemClock

__all__ = ["ExecutionSettings"]


@dataclass
class ExecutionSettings:
    parallelism: int = 1
    max_parallelism: int = -1
    runtime_mode: RuntimeExecutionMode = RuntimeExecutionMode.STREAMING
    auto_watermark_interval: int = 200
    buffer_timeout: int = 100  # ms; 0 = flush after every step; -1 = only when full (or idle)
    buffer_size: int = 1024
    source_batch_size: int = 1024
    channel_capacity: int = 4096
    chaining_enabled: bool = True
    seed: int | None = None
    clock: Clock = field(default_factory=SystemClock)
    job_parameters: dict = field(default_factory=dict)
    restart_strategy: Any = None  # flinklite.checkpoint.restart.RestartStrategy
    checkpointing: Any = None  # flinklite.checkpoint.coordinator.CheckpointSettings

    @property
    def checkpointing_enabled(self) -> bool:
        """Periodic checkpoints are on (savepoints work either way)."""
        return self.checkpointing is not None and self.checkpointing.interval_ms is not None
    raw: dict = field(default_factory=dict)
    allow_pickle: bool = False  # flinklite.state.allow-pickle
    checkpoint_dir: str | None = None  # state.checkpoints.dir / execution.checkpointing.dir
    savepoint_dir: str | None = None  # state.savepoints.dir / execution.checkpointing.savepoint-dir
    restore_path: str | None = None  # execution.savepoint.path / execution.state-recovery.path
    ignore_unclaimed_state: bool = False
    checkpoint_retention: str = "NO_EXTERNALIZED_CHECKPOINTS"
    fault_plan: Any = None  # flinklite.testing fault injection: instruments tasks at deployment

    def is_batch(self, transformations: list) -> bool:
        from flinklite.datastream._transformations import SourceTransformation
        from flinklite.datastream.connectors.base import Boundedness

        mode = self.runtime_mode
        if mode == RuntimeExecutionMode.STREAMING:
            return False
        sources = []
        seen: set[int] = set()
        stack = list(transformations)
        while stack:
            t = stack.pop()
            if t.id in seen:
                continue
            seen.add(t.id)
            if isinstance(t, SourceTransformation):
                sources.append(t)
            stack.extend(t.inputs)
        unbounded = [s for s in sources if s.source.get_boundedness() != Boundedness.BOUNDED]
        if mode == RuntimeExecutionMode.AUTOMATIC:
            return not unbounded
        if unbounded:
            raise InvalidProgramException(
                f"BATCH execution mode needs bounded sources, but '{unbounded[0].name}' is unbounded. "
                "Use STREAMING (or AUTOMATIC) mode, or a bounded source."
            )
        return True
