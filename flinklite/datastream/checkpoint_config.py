"""``CheckpointConfig`` (PyFlink's ``pyflink.datastream.checkpoint_config``): the checkpoint
settings of one environment. Every setter writes the matching ``execution.checkpointing.*``
configuration key, so the two ways of configuring (code and ``Configuration``) stay one."""

from __future__ import annotations

from enum import Enum
from typing import Any

from flinklite.datastream.checkpointing_mode import CheckpointingMode
from flinklite.errors import InvalidProgramException

__all__ = ["CheckpointConfig", "ExternalizedCheckpointRetention"]

_P = "execution.checkpointing."


class ExternalizedCheckpointRetention(Enum):
    """What happens to retained checkpoints when the job ends: deleted on cancel (kept after a
    failure), kept always, or never kept (the default)."""

    DELETE_ON_CANCELLATION = 0
    RETAIN_ON_CANCELLATION = 1
    NO_EXTERNALIZED_CHECKPOINTS = 2


class CheckpointConfig:
    def __init__(self, configuration: Any) -> None:
        self._conf = configuration

    def _get(self, key: str, default: str) -> str:
        return self._conf.get_string(_P + key, default)

    def _set(self, key: str, value: Any) -> CheckpointConfig:
        self._conf.set_string(_P + key, str(value))
        return self

    def set_checkpoint_storage(self, storage: Any) -> CheckpointConfig:
        """Where completed checkpoints go: a FileSystemCheckpointStorage or JobManagerCheckpointStorage
        (writes ``execution.checkpointing.storage`` / ``execution.checkpointing.dir``)."""
        from flinklite.datastream.checkpoint_storage import CheckpointStorage

        if not isinstance(storage, CheckpointStorage):
            from flinklite.errors import InvalidProgramException

            raise InvalidProgramException(
                f"set_checkpoint_storage expects FileSystemCheckpointStorage(path) or "
                f"JobManagerCheckpointStorage(), got {type(storage).__name__}")
        storage._configure(self._conf)
        return self

    def set_checkpoint_storage_dir(self, checkpoint_path: str) -> CheckpointConfig:
        """Shorthand for ``set_checkpoint_storage(FileSystemCheckpointStorage(checkpoint_path))``."""
        from flinklite.datastream.checkpoint_storage import FileSystemCheckpointStorage

        return self.set_checkpoint_storage(FileSystemCheckpointStorage(checkpoint_path))

    def get_checkpoint_storage(self) -> Any:
        from flinklite.datastream.checkpoint_storage import FileSystemCheckpointStorage, JobManagerCheckpointStorage

        kind = (self._conf.get_string("execution.checkpointing.storage", None) or "").lower()
        path = (self._conf.get_string("execution.checkpointing.dir", None)
                or self._conf.get_string("state.checkpoints.dir", None))
        if kind == "jobmanager" or (not kind and path is None):
            size = self._conf.get_string("flinklite.checkpointing.jobmanager.max-state-size", None)
            return JobManagerCheckpointStorage(max_state_size=int(size) if size else None)
        return FileSystemCheckpointStorage(path)

    def is_checkpointing_enabled(self) -> bool:
        return self._conf.get_string(_P + "interval", None) is not None

    def get_checkpoint_interval(self) -> int:
        from flinklite.common.configuration import parse_duration_ms

        v = self._conf.get_string(_P + "interval", None)
        return -1 if v is None else parse_duration_ms(v)

    def set_checkpoint_interval(self, checkpoint_interval: int) -> CheckpointConfig:
        if checkpoint_interval < 10:
            raise InvalidProgramException(
                f"checkpoint interval must be at least 10 ms, got {checkpoint_interval}"
            )
        return self._set("interval", f"{checkpoint_interval} ms")

    def get_checkpointing_mode(self) -> CheckpointingMode:
        return CheckpointingMode[self._get("mode", "EXACTLY_ONCE").upper()]

    def set_checkpointing_mode(self, checkpointing_mode: CheckpointingMode) -> CheckpointConfig:
        return self._set("mode", checkpointing_mode.name)

    def get_checkpoint_timeout(self) -> int:
        from flinklite.common.configuration import parse_duration_ms

        return parse_duration_ms(self._get("timeout", "600000"))

    def set_checkpoint_timeout(self, checkpoint_timeout: int) -> CheckpointConfig:
        return self._set("timeout", f"{checkpoint_timeout} ms")

    def get_min_pause_between_checkpoints(self) -> int:
        from flinklite.common.configuration import parse_duration_ms

        return parse_duration_ms(self._get("min-pause", "0"))

    def set_min_pause_between_checkpoints(self, min_pause_between_checkpoints: int) -> CheckpointConfig:
        return self._set("min-pause", f"{min_pause_between_checkpoints} ms")

    def get_max_concurrent_checkpoints(self) -> int:
        return int(self._get("max-concurrent-checkpoints", "1"))

    def set_max_concurrent_checkpoints(self, max_concurrent_checkpoints: int) -> CheckpointConfig:
        return self._set("max-concurrent-checkpoints", max_concurrent_checkpoints)

    def get_tolerable_checkpoint_failure_number(self) -> int:
        return int(self._get("tolerable-failed-checkpoints", "0"))

    def set_tolerable_checkpoint_failure_number(self, tolerable_checkpoint_failure_number: int) -> CheckpointConfig:
        return self._set("tolerable-failed-checkpoints", tolerable_checkpoint_failure_number)

    def set_externalized_checkpoint_retention(
        self, retention_mode: ExternalizedCheckpointRetention
    ) -> CheckpointConfig:
        return self._set("externalized-checkpoint-retention", retention_mode.name)

    def get_externalized_checkpoint_retention(self) -> ExternalizedCheckpointRetention | None:
        return ExternalizedCheckpointRetention[self._get("externalized-checkpoint-retention",
                                                         "NO_EXTERNALIZED_CHECKPOINTS").upper()]

    def is_externalized_checkpoints_enabled(self) -> bool:
        never = ExternalizedCheckpointRetention.NO_EXTERNALIZED_CHECKPOINTS
        return self.get_externalized_checkpoint_retention() != never

    # Unaligned checkpoints are accepted and recorded, but flinklite always aligns barriers: the
    # results (exactly once) are the same; only the time a channel stays blocked differs.
    def enable_unaligned_checkpoints(self, enabled: bool = True) -> CheckpointConfig:
        return self._set("unaligned.enabled", "true" if enabled else "false")

    def disable_unaligned_checkpoints(self) -> CheckpointConfig:
        return self.enable_unaligned_checkpoints(False)

    def is_unaligned_checkpoints_enabled(self) -> bool:
        return self._get("unaligned.enabled", "false").lower() == "true"

    def set_force_unaligned_checkpoints(self, force_unaligned_checkpoints: bool = True) -> CheckpointConfig:
        return self._set("unaligned.forced", "true" if force_unaligned_checkpoints else "false")

    def is_force_unaligned_checkpoints(self) -> bool:
        return self._get("unaligned.forced", "false").lower() == "true"

    def set_aligned_checkpoint_timeout(self, alignment_timeout: Any) -> CheckpointConfig:
        return self._set("aligned-checkpoint-timeout", f"{alignment_timeout.to_milliseconds()} ms")

    def get_aligned_checkpoint_timeout(self) -> Any:
        from flinklite.common.configuration import parse_duration_ms
        from flinklite.common.time import Duration

        return Duration.of_millis(parse_duration_ms(self._get("aligned-checkpoint-timeout", "0")))

    set_alignment_timeout = set_aligned_checkpoint_timeout
    get_alignment_timeout = get_aligned_checkpoint_timeout

    def set_fail_on_checkpointing_errors(self, fail_on_checkpointing_errors: bool) -> CheckpointConfig:
        return self.set_tolerable_checkpoint_failure_number(0 if fail_on_checkpointing_errors else 2**31 - 1)

    def is_fail_on_checkpointing_errors(self) -> bool:
        return self.get_tolerable_checkpoint_failure_number() == 0
