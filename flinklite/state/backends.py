"""Which keyed state backend a task creates, from the job configuration (Flink's
``StateBackendLoader``): ``state.backend.type`` is ``hashmap`` (the default) or ``rocksdb``;
``execution.checkpointing.incremental`` turns on incremental checkpoints of the RocksDB backend;
``state.backend.rocksdb.localdir`` and ``state.backend.rocksdb.memory.fixed-per-slot`` place and
size it. The RocksDB backend is imported only when configured."""

from __future__ import annotations

import os
import re
from typing import Any

from flinklite.common.configuration import parse_bool
from flinklite.errors import InvalidProgramException
from flinklite.state.heap import HeapKeyedStateBackend
from flinklite.state.key_groups import KeyGroupRange

__all__ = ["create_keyed_backend", "backend_type", "parse_memory_size"]

_HEAP = ("hashmap", "heap", "filesystem", "jobmanager", "memory")
_UNITS = {"": 1, "b": 1, "k": 1 << 10, "kb": 1 << 10, "kib": 1 << 10, "m": 1 << 20, "mb": 1 << 20,
          "mib": 1 << 20, "g": 1 << 30, "gb": 1 << 30, "gib": 1 << 30}


def parse_memory_size(value: str, key: str) -> int:
    """``"64mb"``, ``"512 kb"``, ``"1g"`` or a byte count, as Flink's ``MemorySize.parse``."""
    m = re.fullmatch(r"\s*(\d+)\s*([a-zA-Z]*)\s*", str(value))
    if m is None or m.group(2).lower() not in _UNITS:
        raise InvalidProgramException(f"{key}: {value!r} is not a memory size (e.g. '64mb', '1gb')")
    return int(m.group(1)) * _UNITS[m.group(2).lower()]


def backend_type(raw: dict) -> str:
    t = str(raw.get("state.backend.type") or raw.get("state.backend") or "hashmap").strip().lower()
    if t in _HEAP:
        return "hashmap"
    if t == "rocksdb":
        return "rocksdb"
    raise InvalidProgramException(
        f"state.backend.type: {t!r} is not a state backend flinklite has; use 'hashmap' (the default) or "
        "'rocksdb' (needs the rocksdb extra: pip install 'flinklite[rocksdb]')")


def create_keyed_backend(settings: Any, max_parallelism: int, kg_range: KeyGroupRange, operator_name: str,
                         job_id: str, subtask_index: int) -> HeapKeyedStateBackend:
    raw = settings.raw or {}
    if backend_type(raw) == "hashmap":
        backend = HeapKeyedStateBackend(max_parallelism, kg_range, operator_name)
    else:
        from flinklite.state.rocksdb import RocksDBKeyedStateBackend, RocksDBOptions

        incremental = parse_bool(str(raw.get("execution.checkpointing.incremental")
                                     or raw.get("state.backend.incremental") or "false"))
        memory = parse_memory_size(raw.get("state.backend.rocksdb.memory.fixed-per-slot") or "64mb",
                                   "state.backend.rocksdb.memory.fixed-per-slot")
        options = RocksDBOptions(memory, str(raw.get("state.backend.rocksdb.predefined-options") or "DEFAULT"))
        local_dir = None
        dirs = [d for d in str(raw.get("state.backend.rocksdb.localdir") or "").split(",") if d.strip()]
        if dirs:
            import uuid

            base = dirs[subtask_index % len(dirs)].strip()
            safe = re.sub(r"[^A-Za-z0-9_.-]", "_", operator_name)[:40]
            local_dir = os.path.join(base, f"job_{job_id}_op_{safe}_{subtask_index}_{uuid.uuid4().hex[:8]}")
            os.makedirs(local_dir, exist_ok=True)
        backend = RocksDBKeyedStateBackend(max_parallelism, kg_range, operator_name, local_dir=local_dir,
                                           incremental=incremental, options=options)
        storage = str(raw.get("execution.checkpointing.storage") or "").lower()
        if settings.checkpoint_dir and storage != "jobmanager":
            backend.shared_dir = os.path.join(settings.checkpoint_dir, job_id, "shared")
    backend.allow_pickle = settings.allow_pickle
    backend.ttl_clock = settings.clock.now_ms  # state TTL runs on processing time
    return backend
