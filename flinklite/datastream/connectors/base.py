"""The source and sink contracts (Flink's FLIP-27 ``Source`` and FLIP-143 Sink V2), reduced to
what one process needs.

**Sources.** A :class:`Source` is read by one :class:`SourceReader` per parallel subtask. A
reader's checkpointable state is a list of *splits* (each with its position), which is what
makes a source replayable after a failure and redistributable when the job restarts with another
parallelism (``Source.restore_reader`` hands a subtask its share of the old splits).

**Sinks.** A :class:`Sink` creates one :class:`SinkWriter` per subtask. A transactional sink
also creates a :class:`Committer` and takes part in checkpoints as a two-phase commit:

1. at the barrier of checkpoint ``n``: ``writer.prepare_commit()`` returns *committables*
   (pre-committed, invisible work, e.g. closed "pending" files) and ``writer.snapshot_state(n)``
   the writer's own state; both go into the checkpoint;
2. when checkpoint ``n`` completes: ``committer.commit(committables)`` for every checkpoint
   ``<= n`` (``notify_checkpoint_complete`` may skip ids; a later one implies earlier ones);
3. after a restore: the committables stored in the checkpoint are committed again (commit must be
   idempotent), and the writer resumes from its state, discarding what was not pre-committed.

At the end of a bounded input the last committables are committed when the job finishes. Without
checkpointing, everything is committed at the end of input.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

__all__ = ["Boundedness", "Source", "SourceReader", "Sink", "SinkWriter", "Committer", "DeliveryGuarantee"]


def ensure_usable(connector: Any) -> None:
    """Connectors flinklite names but cannot run (Kafka today) refuse when put into a job: they
    define ``_check_usable()``, which raises :class:`~flinklite.errors.ConnectorNotAvailable`."""
    check = getattr(connector, "_check_usable", None)
    if check is not None:
        check()


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

    def next_available_ms(self) -> float | None:
        """When nothing is available: the processing time (epoch ms; fractions allowed, for
        sources paced faster than 1 kHz) at which to poll again (None: soon)."""
        return None

    def snapshot_state(self) -> list:
        """The reader's splits with their positions (msgpack-encodable values)."""
        return []

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

    def restore_reader(self, subtask_index: int, parallelism: int, splits: list) -> SourceReader:
        """A reader for ``splits`` (this subtask's share of the checkpointed splits)."""
        raise NotImplementedError


class SinkWriter:
    def write(self, value: Any, timestamp: int) -> None:
        raise NotImplementedError

    def flush(self, end_of_input: bool) -> None:
        pass

    def prepare_commit(self) -> list:
        """Pre-commit what was written since the last call; return the committables."""
        return []

    def snapshot_state(self, checkpoint_id: int) -> Any:
        return None

    def close(self) -> None:
        pass


class Committer:
    def commit(self, committables: list) -> None:
        """Make pre-committed work visible. Must be idempotent: it may run again after a restore."""
        raise NotImplementedError

    def close(self) -> None:
        pass


class Sink:
    """Base of sinks used with ``DataStream.sink_to``."""

    def create_writer(self, subtask_index: int, parallelism: int, restored_state: Any = None) -> SinkWriter:
        raise NotImplementedError

    def create_committer(self) -> Committer | None:
        """A committer makes the sink transactional (two-phase commit); None for plain sinks."""
        return None
