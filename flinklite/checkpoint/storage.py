"""Checkpoint storage (Flink's ``CheckpointStorage``: ``JobManagerCheckpointStorage`` in memory,
``FileSystemCheckpointStorage`` on disk).

On disk a checkpoint is one directory, laid out as Flink does::

    <state.checkpoints.dir>/<job-id>/chk-<n>/
        <operator-id>-<subtask>.state     lz4-compressed msgpack of that subtask's snapshot
        _metadata                         msgpack manifest: operators, parallelism, files, SHA-256

``_metadata`` is written last, to a temporary name and then renamed into place atomically, so a
directory without ``_metadata`` is a checkpoint that never completed. Loading verifies every
file's checksum; a partial or corrupted checkpoint raises :class:`CorruptCheckpointError`, and
:func:`find_latest_valid` skips it for the previous complete one. Savepoints use the same format
in ``<state.savepoints.dir>/savepoint-<job-id prefix>-<random>/``.
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

__all__ = ["FileSystemCheckpointStorage", "CorruptCheckpointError", "load_checkpoint", "find_latest_valid",
           "write_checkpoint"]

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

    def store(self, cp: CompletedCheckpoint, operators: dict[str, dict]) -> str:
        directory = write_checkpoint(os.path.join(self.job_dir, f"chk-{cp.checkpoint_id}"), cp, self.job_id,
                                     operators)
        self.retained.append(directory)
        while len(self.retained) > self.num_retained:
            shutil.rmtree(self.retained.pop(0), ignore_errors=True)
        return directory

    def store_savepoint(self, cp: CompletedCheckpoint, operators: dict[str, dict], target: str | None) -> str:
        base = target or self.savepoint_dir
        if base is None:
            from flinklite.errors import InvalidProgramException

            raise InvalidProgramException(
                "no savepoint directory: pass one to trigger_savepoint(...) or set state.savepoints.dir"
            )
        directory = os.path.join(base, f"savepoint-{self.job_id[:6]}-{uuid.uuid4().hex[:12]}")
        return write_checkpoint(directory, cp, self.job_id, operators, is_savepoint=True)

    def discard_all(self) -> None:
        for d in self.retained:
            shutil.rmtree(d, ignore_errors=True)
        self.retained.clear()
        try:
            os.rmdir(self.job_dir)
        except OSError:
            pass
