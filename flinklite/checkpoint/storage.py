"""Checkpoint storage (Flink's ``CheckpointStorage``: ``JobManagerCheckpointStorage`` in memory,
``FileSystemCheckpointStorage`` on disk).

On disk a checkpoint is one directory, laid out as Flink does::

    <state.checkpoints.dir>/<job-id>/chk-<n>/
        <operator-id>-<subtask>.state     lz4-compressed msgpack of that subtask's snapshot
        _metadata                         msgpack manifest: operators, parallelism, files, SHA-256
    <state.checkpoints.dir>/<job-id>/shared/
        <uuid>.sst                        RocksDB files of incremental checkpoints, shared by the
                                          checkpoints that reference them

``_metadata`` is written last, to a temporary name and then renamed into place atomically, so a
directory without ``_metadata`` is a checkpoint that never completed. Loading verifies every
file's checksum; a partial or corrupted checkpoint raises :class:`CorruptCheckpointError`, and
:func:`find_latest_valid` skips it for the previous complete one. Savepoints use the same format
in ``<state.savepoints.dir>/savepoint-<job-id prefix>-<random>/``.

Shared files (Flink's ``SharedStateRegistry``): a RocksDB subtask snapshot of an incremental
checkpoint names the files of ``shared/`` it uses; when a checkpoint is dropped from the retained
ones, every shared file no retained checkpoint names any more is deleted. A savepoint copies the
shared files it needs into itself, so it never depends on a checkpoint's lifetime.
:class:`InMemoryCheckpointStorage` (PyFlink's ``JobManagerCheckpointStorage``) keeps checkpoints in
memory only and fails a checkpoint whose subtask snapshot is larger than its ``max_state_size``.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import uuid
from typing import Any

import lz4.frame
import msgpack

from flinklite.checkpoint.coordinator import CompletedCheckpoint
from flinklite.errors import FlinkliteError

__all__ = ["FileSystemCheckpointStorage", "InMemoryCheckpointStorage", "CorruptCheckpointError",
           "load_checkpoint", "find_latest_valid", "write_checkpoint", "storage_for", "shared_files_of"]

_NATIVE = "rocksdb-native"  # flinklite.state.rocksdb.NATIVE_FORMAT (not imported: rocksdict is optional)


def _native_keyed(cp: CompletedCheckpoint):
    for snaps in cp.operator_states.values():
        for snap in snaps:
            keyed = snap.get("keyed") if isinstance(snap, dict) else None
            if isinstance(keyed, dict) and keyed.get("format") == _NATIVE:
                yield snap, keyed


def shared_files_of(cp: CompletedCheckpoint) -> set[str]:
    """The names of the ``shared/`` files the RocksDB snapshots of ``cp`` use."""
    return {name for _, keyed in _native_keyed(cp) for name in keyed["shared"].values()}


def _self_contained(cp: CompletedCheckpoint) -> CompletedCheckpoint:
    """A copy of ``cp`` whose RocksDB snapshots carry their shared files inline (for savepoints)."""
    out = CompletedCheckpoint(cp.checkpoint_id, cp.timestamp)
    out.parallelism = dict(cp.parallelism)
    for op_id, snaps in cp.operator_states.items():
        copied = []
        for snap in snaps:
            keyed = snap.get("keyed") if isinstance(snap, dict) else None
            if isinstance(keyed, dict) and keyed.get("format") == _NATIVE and keyed["shared"]:
                base = keyed.get("base_dir") or keyed.get("shared_dir")
                files = dict(keyed["files"])
                for local, target in keyed["shared"].items():
                    with open(os.path.join(base, target), "rb") as f:
                        files[local] = f.read()
                snap = {**snap, "keyed": {**keyed, "shared": {}, "files": files}}
            copied.append(snap)
        out.operator_states[op_id] = copied
    return out

FORMAT_VERSION = 2  # 2: keyed state column-wise per subtask with its key-group range


class CorruptCheckpointError(FlinkliteError, ValueError):
    """A checkpoint directory is incomplete or its files do not match their checksums."""


def _fsync_write(path: str, data: bytes) -> None:
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def write_checkpoint(directory: str, cp: CompletedCheckpoint, job_id: str, operators: dict[str, dict],
                     is_savepoint: bool = False) -> str:
    """Write ``cp`` into ``directory`` (created); ``operators`` maps operator id to its description
    (uid, name, max_parallelism). Returns the directory."""
    os.makedirs(directory, exist_ok=True)
    manifest_ops: dict[str, Any] = {}
    for op_id, snaps in cp.operator_states.items():
        subtasks = []
        for i, snap in enumerate(snaps):
            if snap is None:
                subtasks.append(None)
                continue
            data = lz4.frame.compress(msgpack.packb(snap, use_bin_type=True))
            name = f"{op_id}-{i}.state"
            _fsync_write(os.path.join(directory, name), data)
            subtasks.append({"file": name, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)})
        info = dict(operators.get(op_id, {}))
        info.update({"parallelism": cp.parallelism.get(op_id, len(snaps)), "subtasks": subtasks})
        manifest_ops[op_id] = info
    manifest = {
        "version": FORMAT_VERSION,
        "checkpoint_id": cp.checkpoint_id,
        "timestamp": cp.timestamp,
        "job_id": job_id,
        "is_savepoint": is_savepoint,
        "operators": manifest_ops,
    }
    tmp = os.path.join(directory, f"_metadata.inprogress.{uuid.uuid4().hex}")
    _fsync_write(tmp, msgpack.packb(manifest, use_bin_type=True))
    os.replace(tmp, os.path.join(directory, "_metadata"))  # the checkpoint exists from here on
    return directory


def load_checkpoint(path: str) -> tuple[CompletedCheckpoint, dict]:
    """Read a checkpoint or savepoint directory (or its ``_metadata`` file); verify checksums."""
    directory = os.path.dirname(path) if os.path.basename(path) == "_metadata" else path
    meta_path = os.path.join(directory, "_metadata")
    if not os.path.isfile(meta_path):
        raise CorruptCheckpointError(
            f"{directory} has no _metadata: the checkpoint never completed (or this is not a "
            "checkpoint directory). Point at a chk-<n> or savepoint directory."
        )
    try:
        with open(meta_path, "rb") as f:
            manifest = msgpack.unpackb(f.read(), raw=False, strict_map_key=False)
    except Exception as e:
        raise CorruptCheckpointError(f"{meta_path} cannot be read: {e}") from e
    if manifest.get("version") != FORMAT_VERSION:
        raise CorruptCheckpointError(
            f"{meta_path} has format version {manifest.get('version')!r}; this flinklite reads version "
            f"{FORMAT_VERSION}. Restore it with the flinklite version that wrote it."
        )
    cp = CompletedCheckpoint(manifest["checkpoint_id"], manifest["timestamp"])
    for op_id, info in manifest["operators"].items():
        snaps = []
        for entry in info["subtasks"]:
            if entry is None:
                snaps.append(None)
                continue
            file_path = os.path.join(directory, entry["file"])
            try:
                with open(file_path, "rb") as f:
                    data = f.read()
            except OSError as e:
                raise CorruptCheckpointError(f"checkpoint file {file_path} is missing: {e}") from e
            if hashlib.sha256(data).hexdigest() != entry["sha256"]:
                raise CorruptCheckpointError(
                    f"checkpoint file {file_path} does not match its checksum in _metadata (corrupted)"
                )
            snaps.append(msgpack.unpackb(lz4.frame.decompress(data), raw=False, strict_map_key=False))
        cp.operator_states[op_id] = snaps
    shared = os.path.join(os.path.dirname(os.path.abspath(directory)), "shared")
    for _, keyed in _native_keyed(cp):
        if keyed["shared"] and os.path.isdir(shared):
            keyed["base_dir"] = shared  # the shared files next to this checkpoint, wherever it was moved
        cp.parallelism[op_id] = info["parallelism"]
    return cp, manifest


def _chk_number(name: str) -> int | None:
    if name.startswith("chk-") and name[4:].isdigit():
        return int(name[4:])
    return None


def find_latest_valid(path: str, report: Any = None) -> tuple[CompletedCheckpoint, dict, str] | None:
    """The newest loadable checkpoint under ``path``: a checkpoint/savepoint directory itself, a
    job directory with ``chk-<n>`` children, or a checkpoint base directory with job directories.
    Corrupted or partial checkpoints are reported through ``report(message)`` and skipped."""
    if os.path.isfile(os.path.join(path, "_metadata")) or os.path.basename(path) == "_metadata":
        cp, manifest = load_checkpoint(path)
        return cp, manifest, path
    candidates: list[tuple[int, str]] = []
    for root in [path] + [os.path.join(path, d) for d in sorted(os.listdir(path))
                          if os.path.isdir(os.path.join(path, d))]:
        for d in os.listdir(root):
            n = _chk_number(d)
            if n is not None:
                candidates.append((n, os.path.join(root, d)))
    for _, directory in sorted(candidates, reverse=True):
        try:
            cp, manifest = load_checkpoint(directory)
            return cp, manifest, directory
        except CorruptCheckpointError as e:
            if report is not None:
                report(f"skipping checkpoint {directory}: {e}")
    return None


class FileSystemCheckpointStorage:
    """Retained checkpoints of one job under ``<base>/<job-id>/``."""

    def __init__(self, base_dir: str, job_id: str, num_retained: int = 1, savepoint_dir: str | None = None) -> None:
        self.base_dir = base_dir
        self.job_dir = os.path.join(base_dir, job_id)
        self.job_id = job_id
        self.num_retained = max(1, num_retained)
        self.savepoint_dir = savepoint_dir
        self.retained: list[str] = []
        self.shared_dir = os.path.join(self.job_dir, "shared")
        self._refs: dict[str, set[str]] = {}  # retained checkpoint directory -> shared files it uses

    def store(self, cp: CompletedCheckpoint, operators: dict[str, dict]) -> str:
        directory = write_checkpoint(os.path.join(self.job_dir, f"chk-{cp.checkpoint_id}"), cp, self.job_id,
                                     operators)
        self.retained.append(directory)
        self._refs[directory] = shared_files_of(cp)
        while len(self.retained) > self.num_retained:
            dropped = self.retained.pop(0)
            shutil.rmtree(dropped, ignore_errors=True)
            unused = self._refs.pop(dropped, set()).difference(*self._refs.values())
            for name in unused:  # no retained checkpoint uses it any more
                try:
                    os.remove(os.path.join(self.shared_dir, name))
                except FileNotFoundError:
                    pass
        return directory

    def store_savepoint(self, cp: CompletedCheckpoint, operators: dict[str, dict], target: str | None) -> str:
        base = target or self.savepoint_dir
        if base is None:
            from flinklite.errors import InvalidProgramException

            raise InvalidProgramException(
                "no savepoint directory: pass one to trigger_savepoint(...) or set state.savepoints.dir"
            )
        directory = os.path.join(base, f"savepoint-{self.job_id[:6]}-{uuid.uuid4().hex[:12]}")
        return write_checkpoint(directory, _self_contained(cp), self.job_id, operators, is_savepoint=True)

    def discard_all(self) -> None:
        for d in self.retained:
            shutil.rmtree(d, ignore_errors=True)
        self.retained.clear()
        self._refs.clear()
        shutil.rmtree(self.shared_dir, ignore_errors=True)
        try:
            os.rmdir(self.job_dir)
        except OSError:
            pass


class InMemoryCheckpointStorage:
    """Checkpoints kept in memory only (by the coordinator); each subtask snapshot must fit in
    ``max_state_size`` bytes, as Flink's ``JobManagerCheckpointStorage`` checks each state handle."""

    def __init__(self, job_id: str, max_state_size: int, savepoint_dir: str | None = None) -> None:
        self.job_id = job_id
        self.max_state_size = max_state_size
        self._savepoints = FileSystemCheckpointStorage("", job_id, 1, savepoint_dir)

    def store(self, cp: CompletedCheckpoint, operators: dict[str, dict]) -> None:
        from flinklite.errors import JobExecutionException

        for op_id, snaps in cp.operator_states.items():
            for i, snap in enumerate(snaps):
                if snap is None:
                    continue
                size = len(msgpack.packb(snap, use_bin_type=True))
                if size > self.max_state_size:
                    name = operators.get(op_id, {}).get("name", op_id)
                    raise JobExecutionException(
                        f"checkpoint {cp.checkpoint_id}: the state of '{name}' (subtask {i}) is {size} bytes, "
                        f"larger than the maximum of JobManagerCheckpointStorage ({self.max_state_size} bytes). "
                        "Use FileSystemCheckpointStorage (set execution.checkpointing.dir) or raise max_state_size."
                    )
        return None

    def store_savepoint(self, cp: CompletedCheckpoint, operators: dict[str, dict], target: str | None) -> str:
        return self._savepoints.store_savepoint(cp, operators, target)

    def discard_all(self) -> None:
        pass


def storage_for(settings: Any, job_id: str) -> Any:
    """The storage a job's checkpoints go to (``execution.checkpointing.storage``: ``jobmanager`` or
    ``filesystem``; the default is the file system when a checkpoint directory is set), or None."""
    raw = settings.raw or {}
    kind = str(raw.get("execution.checkpointing.storage") or raw.get("state.checkpoint-storage") or "").lower()
    if kind == "jobmanager":
        size = int(raw.get("flinklite.checkpointing.jobmanager.max-state-size") or 5 * 1024 * 1024)
        return InMemoryCheckpointStorage(job_id, size, settings.savepoint_dir)
    if kind not in ("", "filesystem"):
        from flinklite.errors import InvalidProgramException

        raise InvalidProgramException(
            f"execution.checkpointing.storage: {kind!r} is not a checkpoint storage; use 'jobmanager' or 'filesystem'")
    if not settings.checkpoint_dir:
        if kind == "filesystem":
            from flinklite.errors import InvalidProgramException

            raise InvalidProgramException(
                "execution.checkpointing.storage is 'filesystem' but no execution.checkpointing.dir is set")
        return None
    return FileSystemCheckpointStorage(settings.checkpoint_dir, job_id, settings.checkpointing.num_retained,
                                       settings.savepoint_dir)
