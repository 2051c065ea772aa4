"""State backends (PyFlink's ``pyflink.datastream.state_backend``): where a job's keyed state
lives while it runs.

- :class:`HashMapStateBackend`: keyed state as Python objects in dicts (the default;
  :mod:`flinklite.state.heap`).
- :class:`EmbeddedRocksDBStateBackend`: keyed state serialized in an embedded on-disk RocksDB
  instance per operator subtask (:mod:`flinklite.state.rocksdb`; needs the ``rocksdb`` extra), for
  state larger than memory, with optional incremental checkpoints.

Like Flink 2.x, a backend is configuration: ``env.set_state_backend(b)`` writes ``b``'s settings to
the job configuration (``state.backend.type``, ``execution.checkpointing.incremental``,
``state.backend.rocksdb.localdir``, ...), and setting those keys directly has the same effect.

How ours differs: ``set_options`` takes a Java options-factory class name in PyFlink; flinklite has
no Java RocksDB options, so it is rejected. ``CustomStateBackend`` wraps a Java object in PyFlink
and cannot be created here. The number of transfer threads is recorded (files are copied by the
task itself).
"""

from __future__ import annotations

from abc import ABC
from enum import Enum
from typing import Any

from flinklite.errors import InvalidProgramException, UnsupportedFeature

__all__ = ["StateBackend", "HashMapStateBackend", "EmbeddedRocksDBStateBackend", "CustomStateBackend",
           "PredefinedOptions"]


class StateBackend(ABC):  # noqa: B024 - a marker base, as in PyFlink
    """Base of the state backends; :meth:`_configure` writes the backend into a configuration."""

    _type = ""

    def _configure(self, configuration: Any) -> None:
        configuration.set_string("state.backend.type", self._type)


class HashMapStateBackend(StateBackend):
    """Keyed state on the heap, as Python objects (Flink's ``HashMapStateBackend``)."""

    _type = "hashmap"

    def __init__(self, j_hashmap_state_backend: Any = None) -> None:
        if j_hashmap_state_backend is not None:
            raise InvalidProgramException("HashMapStateBackend: j_hashmap_state_backend is PyFlink-internal; omit it")

    def __str__(self) -> str:
        return "HashMapStateBackend"


class PredefinedOptions(Enum):
    """RocksDB option profiles (Flink's ``PredefinedOptions``)."""

    DEFAULT = 0
    SPINNING_DISK_OPTIMIZED = 1
    SPINNING_DISK_OPTIMIZED_HIGH_MEM = 2
    FLASH_SSD_OPTIMIZED = 3


class EmbeddedRocksDBStateBackend(StateBackend):
    """Keyed state in an embedded RocksDB on local disk (Flink's ``EmbeddedRocksDBStateBackend``).

    ``enable_incremental_checkpointing``: True makes each checkpoint upload only the RocksDB files
    not in the previous one; None leaves ``execution.checkpointing.incremental`` as configured.
    """

    _type = "rocksdb"

    def __init__(self, enable_incremental_checkpointing: bool | None = None,
                 j_embedded_rocks_db_state_backend: Any = None) -> None:
        if j_embedded_rocks_db_state_backend is not None:
            raise InvalidProgramException(
                "EmbeddedRocksDBStateBackend: j_embedded_rocks_db_state_backend is PyFlink-internal; omit it")
        if enable_incremental_checkpointing not in (None, True, False):
            raise TypeError(
                f"EmbeddedRocksDBStateBackend: enable_incremental_checkpointing must be None, True or False, "
                f"got {enable_incremental_checkpointing!r}")
        self._incremental = enable_incremental_checkpointing
        self._paths: list[str] = []
        self._predefined = PredefinedOptions.DEFAULT
        self._transfer_threads = 4

    def set_db_storage_paths(self, *paths: str) -> None:
        """Local directories for the RocksDB files (``state.backend.rocksdb.localdir``)."""
        from flinklite.datastream.stream_execution_environment import _local_path

        self._paths = [_local_path(p, "state.backend.rocksdb.localdir") for p in paths]

    def get_db_storage_paths(self) -> list[str]:
        return list(self._paths)

    def is_incremental_checkpoints_enabled(self) -> bool:
        return bool(self._incremental)

    def set_predefined_options(self, options: PredefinedOptions) -> None:
        if not isinstance(options, PredefinedOptions):
            raise InvalidProgramException(
                f"set_predefined_options expects a PredefinedOptions member, got {options!r}")
        self._predefined = options

    def get_predefined_options(self) -> PredefinedOptions:
        return self._predefined

    def set_options(self, options_factory_class_name: str) -> None:
        raise UnsupportedFeature(
            f"EmbeddedRocksDBStateBackend.set_options({options_factory_class_name!r}) names a Java "
            "RocksDBOptionsFactory, which flinklite cannot load; use set_predefined_options(...) or the "
            "'state.backend.rocksdb.memory.fixed-per-slot' configuration key")

    def get_options(self) -> str | None:
        return None

    def get_number_of_transfer_threads(self) -> int:
        return self._transfer_threads

    def set_number_of_transfer_threads(self, number_of_transfering_threads: int) -> None:
        if not isinstance(number_of_transfering_threads, int) or number_of_transfering_threads < 1:
            raise InvalidProgramException(
                f"set_number_of_transfer_threads expects an int >= 1, got {number_of_transfering_threads!r}")
        self._transfer_threads = number_of_transfering_threads

    def _configure(self, configuration: Any) -> None:
        super()._configure(configuration)
        if self._incremental is not None:
            configuration.set_string("execution.checkpointing.incremental", "true" if self._incremental else "false")
        if self._paths:
            configuration.set_string("state.backend.rocksdb.localdir", ",".join(self._paths))
        configuration.set_string("state.backend.rocksdb.predefined-options", self._predefined.name)

    def __str__(self) -> str:
        return f"EmbeddedRocksDBStateBackend(incremental={self.is_incremental_checkpoints_enabled()})"


class CustomStateBackend(StateBackend):
    """A user-defined Java state backend in PyFlink: not available in a pure-Python engine."""

    def __init__(self, j_custom_state_backend: Any = None) -> None:
        raise UnsupportedFeature(
            "CustomStateBackend wraps a Java state backend, which flinklite cannot run; use "
            "HashMapStateBackend() or EmbeddedRocksDBStateBackend()")
