"""Checkpoint storages (PyFlink's ``pyflink.datastream.checkpoint_storage``): where completed
checkpoints go.

- :class:`FileSystemCheckpointStorage`: each checkpoint in ``<path>/<job-id>/chk-<n>/``, shared
  files of incremental checkpoints in ``<path>/<job-id>/shared/`` (see
  :mod:`flinklite.checkpoint.storage`).
- :class:`JobManagerCheckpointStorage`: checkpoints kept in memory only (Flink's default without a
  checkpoint directory); a subtask's snapshot larger than ``max_state_size`` (5 MiB by default)
  fails the checkpoint, as in Flink.

Like the state backends, a storage is configuration: setting one writes
``execution.checkpointing.storage`` and ``execution.checkpointing.dir``.

How ours differs: only local paths (or ``file://`` URIs) are accepted; ``file_state_size_threshold``
and ``write_buffer_size`` are recorded only (every subtask snapshot is one file).
``CustomCheckpointStorage`` wraps a Java object in PyFlink and cannot be created here.
"""

from __future__ import annotations

from abc import ABC
from typing import Any

from flinklite.errors import InvalidProgramException, UnsupportedFeature

__all__ = ["CheckpointStorage", "JobManagerCheckpointStorage", "FileSystemCheckpointStorage",
           "CustomCheckpointStorage"]


def _path(value: Any, what: str) -> str | None:
    if value is None:
        return None
    from flinklite.datastream.stream_execution_environment import _local_path

    if not isinstance(value, str):
        raise InvalidProgramException(f"{what}: expected a path string, got {type(value).__name__}")
    return _local_path(value, what)


class CheckpointStorage(ABC):  # noqa: B024 - a marker base, as in PyFlink
    """Base of the checkpoint storages; :meth:`_configure` writes one into a configuration."""

    def _configure(self, configuration: Any) -> None:
        raise NotImplementedError


class JobManagerCheckpointStorage(CheckpointStorage):
    """Checkpoints in memory (Flink's ``JobManagerCheckpointStorage``). ``checkpoint_path``, when
    given, is where savepoints go by default."""

    DEFAULT_MAX_STATE_SIZE = 5 * 1024 * 1024

    def __init__(self, checkpoint_path: str | None = None, max_state_size: int | None = None,
                 j_jobmanager_checkpoint_storage: Any = None) -> None:
        if j_jobmanager_checkpoint_storage is not None:
            raise InvalidProgramException("JobManagerCheckpointStorage: j_jobmanager_checkpoint_storage is "
                                          "PyFlink-internal; omit it")
        if max_state_size is None:
            max_state_size = self.DEFAULT_MAX_STATE_SIZE
        if not isinstance(max_state_size, int) or isinstance(max_state_size, bool) or max_state_size <= 0:
            raise InvalidProgramException(
                f"JobManagerCheckpointStorage: max_state_size must be a positive int (bytes), got {max_state_size!r}")
        self._path = _path(checkpoint_path, "JobManagerCheckpointStorage checkpoint_path")
        self._max_state_size = max_state_size

    def get_checkpoint_path(self) -> str | None:
        return self._path

    def get_max_state_size(self) -> int:
        return self._max_state_size

    def get_savepoint_path(self) -> str | None:
        return self._path

    def _configure(self, configuration: Any) -> None:
        configuration.set_string("execution.checkpointing.storage", "jobmanager")
        configuration.set_string("flinklite.checkpointing.jobmanager.max-state-size", str(self._max_state_size))
        if self._path is not None and configuration.get_string("execution.checkpointing.savepoint-dir", None) is None:
            configuration.set_string("execution.checkpointing.savepoint-dir", self._path)

    def __str__(self) -> str:
        return f"JobManagerCheckpointStorage (checkpoints to JobManager) ( maxStateSize: {self._max_state_size})"


class FileSystemCheckpointStorage(CheckpointStorage):
    """Checkpoints in directories under ``checkpoint_path`` (Flink's ``FileSystemCheckpointStorage``)."""

    MAX_FILE_STATE_THRESHOLD = 1024 * 1024

    def __init__(self, checkpoint_path: str | None = None, file_state_size_threshold: int | None = None,
                 write_buffer_size: int = -1, j_filesystem_checkpoint_storage: Any = None) -> None:
        if j_filesystem_checkpoint_storage is not None:
            raise InvalidProgramException("FileSystemCheckpointStorage: j_filesystem_checkpoint_storage is "
                                          "PyFlink-internal; omit it")
        if checkpoint_path is None:
            raise ValueError("checkpoint_path must not be None")
        self._path = _path(checkpoint_path, "FileSystemCheckpointStorage checkpoint_path")
        if file_state_size_threshold is None:
            file_state_size_threshold = 20 * 1024
        if not (0 <= file_state_size_threshold <= self.MAX_FILE_STATE_THRESHOLD) and file_state_size_threshold != -1:
            raise InvalidProgramException(
                f"FileSystemCheckpointStorage: file_state_size_threshold must be between 0 and "
                f"{self.MAX_FILE_STATE_THRESHOLD} bytes, got {file_state_size_threshold!r}")
        self._threshold = file_state_size_threshold
        self._write_buffer_size = write_buffer_size if write_buffer_size != -1 else 4096

    def get_checkpoint_path(self) -> str:
        return self._path

    def get_savepoint_path(self) -> str | None:
        return None

    def get_min_file_size_threshold(self) -> int:
        return self._threshold

    def get_write_buffer_size(self) -> int:
        return self._write_buffer_size

    def _configure(self, configuration: Any) -> None:
        configuration.set_string("execution.checkpointing.storage", "filesystem")
        configuration.set_string("execution.checkpointing.dir", self._path)

    def __str__(self) -> str:
        return f"FileSystemCheckpointStorage (checkpoints to {self._path})"


class CustomCheckpointStorage(CheckpointStorage):
    """A user-defined Java checkpoint storage in PyFlink: not available in a pure-Python engine."""

    def __init__(self, j_custom_checkpoint_storage: Any = None) -> None:
        raise UnsupportedFeature(
            "CustomCheckpointStorage wraps a Java checkpoint storage, which flinklite cannot run; use "
            "FileSystemCheckpointStorage(path) or JobManagerCheckpointStorage()")
