"""The embedded RocksDB keyed state backend (Flink's ``RocksDBKeyedStateBackend``).

Keyed state lives in an on-disk RocksDB instance per operator subtask (through ``rocksdict``, the
``rocksdb`` extra, imported only when this backend is used), so state larger than memory works:
RocksDB keeps a bounded memtable and block cache in memory and the rest in SST files on local
disk. Every access serializes; nothing of the state is held as Python objects.

Layout of one entry (Flink uses a column family per state and the same key layout after it)::

    key    = state id (2 bytes) | key group (2 bytes, big-endian) | msgpack(key) | msgpack(namespace)
             [| msgpack(user key)]      (map state: one RocksDB entry per map entry)
    value  = msgpack(value)             (list state: the whole list; TTL: ``[value, ts]``)

msgpack encodings are prefix-free, so ``state | key group | key | namespace`` is a prefix that
selects exactly one key's map entries, and the key group leads so that a rescaling restore reads
contiguous key-group ranges. Timers stay on the heap and are snapshotted with the keyed state
(Flink's ``state.backend.rocksdb.timer-service.factory: HEAP``); the aligned-window operator's own
window table (``adopt_state``) stays on the heap too.

Snapshots: a *full* snapshot writes the same column-wise format as the heap backend (Flink's
canonical format), so a job can switch between backends across a restore. An *incremental*
snapshot (``enable_incremental_checkpointing``) flushes the memtable, takes a RocksDB checkpoint
(hard links of the live SST files) and uploads only the SST files not uploaded before into the
checkpoint storage's ``shared/`` directory; the small private files (MANIFEST, CURRENT, OPTIONS)
travel inside the snapshot. See :mod:`flinklite.checkpoint.storage` for how shared files are
reference-counted and deleted when no retained checkpoint uses them.

How ours differs: list appends read and rewrite the list (Flink uses RocksDB's merge operator);
the TTL compaction filter is not emulated (expired values are removed on read and in full
snapshots); snapshots are taken synchronously at the barrier.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
import weakref
from collections.abc import Iterable, Iterator
from typing import Any

import msgpack

from flinklite.checkpoint.serialization import _default, decode
from flinklite.datastream.state import (
    AggregatingState,
    ListState,
    MapState,
    ReducingState,
    StateDescriptor,
    ValueState,
)
from flinklite.errors import ConnectorNotAvailable, InvalidProgramException
from flinklite.state.heap import NO_KEY, HeapKeyedStateBackend, _checked_values, _no_key_error
from flinklite.state.key_groups import KeyGroupRange

__all__ = ["RocksDBKeyedStateBackend", "RocksDBOptions", "NATIVE_FORMAT"]

NATIVE_FORMAT = "rocksdb-native"  # a snapshot made of RocksDB's own files (incremental checkpoints)
_MISSING = object()
_PRIVATE_FILES = ("CURRENT", "MANIFEST-", "OPTIONS-", "rocksdict-config.json")


def _rocksdict() -> Any:
    try:
        import rocksdict
    except ImportError as e:  # pragma: no cover - depends on the installation
        raise ConnectorNotAvailable(
            "EmbeddedRocksDBStateBackend needs the 'rocksdict' package: pip install 'flinklite[rocksdb]' "
            "(or use HashMapStateBackend, the default heap backend)"
        ) from e
    return rocksdict


class RocksDBOptions:
    """The RocksDB settings we expose: memory for memtables and block cache (Flink's
    ``state.backend.rocksdb.memory.fixed-per-slot``) and the predefined options profile."""

    def __init__(self, memory_bytes: int = 64 * 1024 * 1024, predefined: str = "DEFAULT") -> None:
        self.memory_bytes = memory_bytes
        self.predefined = predefined

    def build(self) -> Any:
        r = _rocksdict()
        opts = r.Options(raw_mode=True)
        opts.create_if_missing(True)
        budget = max(self.memory_bytes, 1 << 20)
        # as Flink's managed memory for RocksDB: one block cache for the budget, the memtables
        # costed into it (a write buffer manager), index and filter blocks cached too
        cache = r.Cache(budget)
        opts.set_write_buffer_size(max(budget // 4, 256 * 1024))
        opts.set_max_write_buffer_number(2)
        opts.set_write_buffer_manager(
            r.WriteBufferManager.new_write_buffer_manager_with_cache(budget // 2, False, cache))
        table = r.BlockBasedOptions()
        table.set_block_cache(cache)
        table.set_cache_index_and_filter_blocks(True)
        opts.set_block_based_table_factory(table)
        opts.set_max_open_files(256)
        if self.predefined in ("SPINNING_DISK_OPTIMIZED", "SPINNING_DISK_OPTIMIZED_HIGH_MEM"):
            opts.set_compaction_readahead_size(2 * 1024 * 1024)
        opts.set_max_background_jobs(2)
        return opts


class _Codec:
    """msgpack with flinklite's extension types (checkpoint/serialization), one packer per state."""

    __slots__ = ("pack",)

    def __init__(self, allow_pickle: bool, what: str) -> None:
        self.pack = msgpack.Packer(default=_default(allow_pickle, what), use_bin_type=True,
                                   strict_types=True).pack


def _split_key(rest: bytes) -> list:
    """The msgpack objects concatenated in ``rest`` (key, namespace[, user key])."""
    from flinklite.checkpoint.serialization import _ext_hook

    unpacker = msgpack.Unpacker(ext_hook=_ext_hook, raw=False, strict_map_key=False, use_list=True)
    unpacker.feed(rest)
    return list(unpacker)


def _prefix_end(prefix: bytes) -> bytes:
    """The smallest byte string greater than every string starting with ``prefix``."""
    p = bytearray(prefix)
    while p and p[-1] == 0xFF:
        p.pop()
    if not p:
        return b"\xff" * (len(prefix) + 1)
    p[-1] += 1
    return bytes(p)


class _RocksState:
    """Shared parts: the key prefix of the current key and namespace, raw access by
    ``(namespace, key)`` for snapshots, restores and the TTL cleanup."""

    def __init__(self, backend: RocksDBKeyedStateBackend, descriptor: StateDescriptor, sid: int) -> None:
        self._backend = backend
        self._db = backend.db
        self.descriptor = descriptor
        self.name = descriptor.name
        self.sid = sid
        self._sidb = sid.to_bytes(2, "big")
        may_pickle = backend._may_pickle_descriptor(descriptor)
        self._pack = _Codec(may_pickle, backend._what(descriptor.name)).pack
        self._ns: Any = None
        self._nsb = self._pack(None)
        self._ns_cache: dict = {}

    # -- key bytes ------------------------------------------------------------------------------
    def set_current_namespace(self, ns: Any) -> None:
        self._ns = ns
        if ns is None:
            self._nsb = b"\xc0"
            return
        b = self._ns_cache.get(ns)
        if b is None:
            if len(self._ns_cache) > 10_000:
                self._ns_cache.clear()
            b = self._ns_cache[ns] = self._pack(ns)
        self._nsb = b

    def _k(self) -> bytes:
        """The RocksDB key of the current key in the current namespace."""
        backend = self._backend
        key = backend.current_key
        if key is not backend._kb_key or key is NO_KEY:
            if key is NO_KEY:
                raise _no_key_error(self.name)
            backend._set_key_bytes(key)
        return self._sidb + backend._kb + self._nsb

    def _k_of(self, ns: Any, key: Any) -> bytes:
        return self._sidb + self._backend._key_bytes_of(key) + self._pack(ns)

    # -- raw access -----------------------------------------------------------------------------
    def _scan(self, prefix: bytes) -> Iterator[tuple[bytes, bytes]]:
        it = self._db.iter()
        it.seek(prefix)
        while it.valid():
            k = it.key()
            if not k.startswith(prefix):
                break
            yield k, it.value()
            it.next()

    def entries(self) -> Iterable[tuple[Any, Any, Any]]:
        for k, v in self._scan(self._sidb):
            key, ns = _split_key(k[4:])
            yield ns, key, decode(v)

    def columns(self) -> dict:
        out: dict = {}
        for ns, key, value in self.entries():
            col = out.get(ns)
            if col is None:
                col = out[ns] = [[], []]
            col[0].append(key)
            col[1].append(value)
        return out

    def raw_get(self, ns: Any, key: Any) -> Any:
        v = self._db.get(self._k_of(ns, key))
        return None if v is None else decode(v)

    def restore_entry(self, ns: Any, key: Any, value: Any) -> None:
        self._db.put(self._k_of(ns, key), self._pack(value))

    def remove_entry(self, ns: Any, key: Any) -> None:
        self._db.delete(self._k_of(ns, key))

    def keys_in_namespace(self, ns: Any) -> list:
        return [key for kns, key, _ in self.entries() if kns == ns]

    def drop_all(self) -> None:
        self._db.delete_range(self._sidb, _prefix_end(self._sidb))

    # -- single-value states ------------------------------------------------------------------
    def clear(self) -> None:
        self._db.delete(self._k())

    def get_internal(self) -> Any:
        v = self._db.get(self._k())
        return None if v is None else decode(v)

    def update_internal(self, value: Any) -> None:
        if value is None:
            self.clear()
        else:
            self._db.put(self._k(), self._pack(value))

    def _take(self, ns: Any) -> Any:
        k = self._sidb + self._backend._kb + self._pack(ns)
        v = self._db.get(k)
        if v is None:
            return _MISSING
        self._db.delete(k)
        return decode(v)


class _TableView:
    """A dict-like view of one namespace of a value state, by key (what the rolling-reduce
    operator writes through: ``get(key, default)`` and ``view[key] = value``)."""

    __slots__ = ("_st", "_prefix_ns")

    def __init__(self, st: RocksDBValueState) -> None:
        self._st = st
        self._prefix_ns = st._nsb

    def get(self, key: Any, default: Any = None) -> Any:
        st = self._st
        v = st._db.get(st._sidb + st._backend._key_bytes_of(key) + self._prefix_ns)
        return default if v is None else decode(v)

    def __setitem__(self, key: Any, value: Any) -> None:
        st = self._st
        st._db.put(st._sidb + st._backend._key_bytes_of(key) + self._prefix_ns, st._pack(value))

    def __contains__(self, key: Any) -> bool:
        return self.get(key, _MISSING) is not _MISSING


class RocksDBValueState(_RocksState, ValueState):
    def value(self) -> Any:
        v = self._db.get(self._k())
        if v is None:
            d = self.descriptor.default_value
            return None if d is None else decode(self._pack(d))  # a fresh copy
        return decode(v)

    def update(self, value: Any) -> None:
        if value is None:
            self.clear()
        else:
            self._db.put(self._k(), self._pack(value))

    def _writable(self) -> _TableView:
        return _TableView(self)


class RocksDBListState(_RocksState, ListState):
    def get(self) -> list:
        v = self._db.get(self._k())
        return [] if v is None else decode(v)

    def add(self, value: Any) -> None:
        if value is None:
            raise ValueError(f"list state '{self.name}': add(None) is not allowed (Flink rejects null elements)")
        k = self._k()
        v = self._db.get(k)
        lst = [] if v is None else decode(v)
        lst.append(value)
        self._db.put(k, self._pack(lst))

    def add_all(self, values: list) -> None:
        values = _checked_values(self.name, values, "add_all", "pass a list")
        if not values:
            return
        k = self._k()
        v = self._db.get(k)
        self._db.put(k, self._pack(values if v is None else decode(v) + values))

    def update(self, values: list) -> None:
        values = _checked_values(self.name, values, "update", "use clear()")
        if not values:
            self.clear()
        else:
            self._db.put(self._k(), self._pack(values))

    def merge_namespaces(self, target: Any, sources: Iterable[Any]) -> None:
        self._k()  # checks the key and fills the key bytes
        merged: list = []
        for ns in sources:
            v = self._take(ns)
            if v is not _MISSING:
                merged.extend(v)
        if merged:
            self.set_current_namespace(target)
            self.add_all(merged)


class RocksDBReducingState(_RocksState, ReducingState):
    def get(self) -> Any:
        return self.get_internal()

    def add(self, value: Any) -> None:
        if value is None:
            self.clear()
            return
        k = self._k()
        v = self._db.get(k)
        self._db.put(k, self._pack(value if v is None else self.descriptor._reduce(decode(v), value)))

    def merge_namespaces(self, target: Any, sources: Iterable[Any]) -> None:
        self._k()
        reduce = self.descriptor._reduce
        acc = _MISSING
        for ns in sources:
            v = self._take(ns)
            if v is not _MISSING:
                acc = v if acc is _MISSING else reduce(acc, v)
        if acc is not _MISSING:
            self.set_current_namespace(target)
            old = self.get_internal()
            self.update_internal(acc if old is None else reduce(old, acc))


class RocksDBAggregatingState(_RocksState, AggregatingState):
    def get(self) -> Any:
        acc = self.get_internal()
        return None if acc is None else self.descriptor.agg_function.get_result(acc)

    def add(self, value: Any) -> None:
        if value is None:
            self.clear()
            return
        agg = self.descriptor.agg_function
        k = self._k()
        v = self._db.get(k)
        acc = agg.create_accumulator() if v is None else decode(v)
        self._db.put(k, self._pack(agg.add(value, acc)))

    def merge_namespaces(self, target: Any, sources: Iterable[Any]) -> None:
        self._k()
        agg = self.descriptor.agg_function
        acc = _MISSING
        for ns in sources:
            v = self._take(ns)
            if v is not _MISSING:
                acc = v if acc is _MISSING else agg.merge(acc, v)
        if acc is not _MISSING:
            self.set_current_namespace(target)
            old = self.get_internal()
            self.update_internal(acc if old is None else agg.merge(old, acc))


class RocksDBMapState(_RocksState, MapState):
    """One RocksDB entry per map entry, under the key's prefix (Flink's ``RocksDBMapState``)."""

    def get(self, key: Any) -> Any:
        v = self._db.get(self._k() + self._pack(key))
        return None if v is None else decode(v)

    def put(self, key: Any, value: Any) -> None:
        self._db.put(self._k() + self._pack(key), self._pack(value))

    def put_all(self, dict_value: dict) -> None:
        if not dict_value:
            return
        prefix = self._k()
        pack = self._pack
        batch = _rocksdict().WriteBatch(raw_mode=True)
        for k, v in dict_value.items():
            batch.put(prefix + pack(k), pack(v))
        self._db.write(batch)

    def remove(self, key: Any) -> None:
        self._db.delete(self._k() + self._pack(key))

    def contains(self, key: Any) -> bool:
        return self._db.get(self._k() + self._pack(key)) is not None

    def _prefix_items(self, prefix: bytes) -> list[tuple]:
        from flinklite.checkpoint.serialization import _ext_hook

        n = len(prefix)
        out = []
        for k, v in self._scan(prefix):
            out.append((msgpack.unpackb(k[n:], ext_hook=_ext_hook, raw=False, strict_map_key=False),
                        decode(v)))
        return out

    def items(self) -> list[tuple]:
        return self._prefix_items(self._k())

    def keys(self) -> list:
        return [k for k, _ in self.items()]

    def values(self) -> list:
        return [v for _, v in self.items()]

    def is_empty(self) -> bool:
        for _ in self._scan(self._k()):
            return False
        return True

    def clear(self) -> None:
        prefix = self._k()
        self._db.delete_range(prefix, _prefix_end(prefix))

    def get_internal(self) -> Any:
        return dict(self.items()) or None

    def update_internal(self, value: Any) -> None:
        self.clear()
        if value:
            self.put_all(value)

    # a map entry of the state is the whole user map of one (key, namespace)
    def entries(self) -> Iterable[tuple[Any, Any, Any]]:
        current = None
        for k, v in self._scan(self._sidb):
            key, ns, uk = _split_key(k[4:])
            if current is None or current[0] != ns or current[1] != key:
                if current is not None:
                    yield current
                current = (ns, key, {})
            current[2][uk] = decode(v)
        if current is not None:
            yield current

    def raw_get(self, ns: Any, key: Any) -> Any:
        return dict(self._prefix_items(self._k_of(ns, key))) or None

    def restore_entry(self, ns: Any, key: Any, value: Any) -> None:
        self.remove_entry(ns, key)
        prefix = self._k_of(ns, key)
        pack = self._pack
        batch = _rocksdict().WriteBatch(raw_mode=True)
        for uk, uv in value.items():
            batch.put(prefix + pack(uk), pack(uv))
        self._db.write(batch)

    def remove_entry(self, ns: Any, key: Any) -> None:
        prefix = self._k_of(ns, key)
        self._db.delete_range(prefix, _prefix_end(prefix))

    def keys_in_namespace(self, ns: Any) -> list:
        return [key for kns, key, _ in self.entries() if kns == ns]


_STATE_CLASSES = {
    "value": RocksDBValueState,
    "list": RocksDBListState,
    "reducing": RocksDBReducingState,
    "aggregating": RocksDBAggregatingState,
    "map": RocksDBMapState,
}


class RocksDBKeyedStateBackend(HeapKeyedStateBackend):
    """All keyed state of one operator subtask in one RocksDB instance; timers on the heap."""

    supports_incremental_ttl_cleanup = False  # as Flink: RocksDB cleans up in its compaction filter

    def __init__(self, max_parallelism: int, key_group_range: KeyGroupRange, operator_name: str = "",
                 local_dir: str | None = None, incremental: bool = False,
                 options: RocksDBOptions | None = None) -> None:
        super().__init__(max_parallelism, key_group_range, operator_name)
        self._owns_dir = local_dir is None
        self.local_dir = local_dir or tempfile.mkdtemp(prefix="flinklite-rocksdb-")
        self.db_path = os.path.join(self.local_dir, "db")
        self.incremental = incremental
        self.options = options or RocksDBOptions()
        self.shared_dir: str | None = None  # the checkpoint storage's shared/ directory (incremental)
        self._uploaded: dict[str, str] = {}  # local SST name -> its file name in shared_dir
        self._sids: dict[str, tuple[int, str]] = {}  # state name -> (state id, kind), kept in the DB
        self._open_db()
        # the DB is closed and its files removed when the backend goes (the task has no dispose step)
        self._finalizer = weakref.finalize(self, _release, self._db_box, self.local_dir if self._owns_dir
                                           else self.db_path)
        self._kb_key: Any = NO_KEY
        self._kb = b""
        self._kb_cache: dict = {}
        self._key_pack: Any = None  # made on first use: allow_pickle is set after construction

    def _open_db(self) -> None:
        r = _rocksdict()
        self.db = r.Rdict(self.db_path, self.options.build())
        box = self.__dict__.setdefault("_db_box", [])
        box[:] = [self.db]
        meta = self.db.get(b"\xff\xffmeta")
        self._sids = {name: (sid, kind) for name, (sid, kind) in decode(meta).items()} if meta else {}

    # -- key bytes: key group | msgpack(key), cached for the current key ------------------------
    def _key_bytes_of(self, key: Any) -> bytes:
        cache = self._kb_cache
        kb = cache.get(key) if type(key) in (str, int) else None
        if kb is None:
            pack = self._key_pack
            if pack is None:
                pack = self._key_pack = _Codec(self.allow_pickle, f"a key of operator '{self.operator_name}'").pack
            kb = self.key_group_of(key).to_bytes(2, "big") + pack(key)
            if type(key) in (str, int):
                if len(cache) > 100_000:
                    cache.clear()
                cache[key] = kb
        return kb

    def _set_key_bytes(self, key: Any) -> None:
        self._kb = self._key_bytes_of(key)
        self._kb_key = key

    def set_current_key(self, key: Any) -> None:
        self.current_key = key

    def _may_pickle_descriptor(self, descriptor: StateDescriptor) -> bool:
        type_info = getattr(descriptor, "type_info", None)
        return self.allow_pickle or type(type_info).__name__ == "PickledBytesTypeInfo"

    # -- states ---------------------------------------------------------------------------------
    def _sid_of(self, name: str, kind: str) -> int:
        entry = self._sids.get(name)
        if entry is not None:
            if entry[1] != kind:
                raise InvalidProgramException(
                    f"operator '{self.operator_name}': state '{name}' was stored as {entry[1]} state and is "
                    f"now requested as {kind} state; use a different name for each piece of state.")
            return entry[0]
        sid = max((s for s, _ in self._sids.values()), default=0) + 1
        if sid >= 0xFFFF:
            raise InvalidProgramException(f"operator '{self.operator_name}': too many keyed states")
        self._sids[name] = (sid, kind)
        self.db.put(b"\xff\xffmeta", msgpack.packb({n: list(v) for n, v in self._sids.items()}))
        return sid

    def get_or_create_state(self, descriptor: StateDescriptor) -> Any:
        if not isinstance(descriptor, StateDescriptor):
            return super().get_or_create_state(descriptor)  # the heap backend's error
        existing = self._states.get(descriptor.name)
        if existing is not None:
            return super().get_or_create_state(descriptor)  # kind check, same object
        cls = _STATE_CLASSES.get(descriptor.kind)
        if cls is None:
            raise InvalidProgramException(f"unsupported state descriptor {descriptor!r}")

        def plain(d: StateDescriptor) -> _RocksState:
            return _STATE_CLASSES[d.kind](self, d, self._sid_of(d.name, d.kind))

        ttl = getattr(descriptor, "_ttl_config", None)
        if ttl is not None and ttl.is_enabled():
            from flinklite.state.ttl import create_ttl_state

            state = create_ttl_state(self, descriptor, plain)
        else:
            state = plain(descriptor)
        self._states[descriptor.name] = state
        for ns, key, value in self._restored_entries.pop(descriptor.name, ()):
            state.restore_entry(ns, key, value)
        state.set_current_namespace(None)
        return state

    # -- snapshots ------------------------------------------------------------------------------
    def snapshot(self) -> dict | None:
        if self.incremental:
            return self._native_snapshot()
        saved = self._states
        self._states = {**self._unclaimed_states(), **saved}
        try:
            return super().snapshot()
        finally:
            self._states = saved

    def _unclaimed_states(self) -> dict:
        """States stored in the DB (restored from native files) that no operator asked for yet:
        plain state objects for a full snapshot to include (their functions are not needed)."""
        out = {}
        for name, (sid, kind) in self._sids.items():
            if name not in self._states:
                out[name] = _STATE_CLASSES[kind](self, _PlaceholderDescriptor(name, kind), sid)
        return out

    def _heap_only_snapshot(self) -> dict | None:
        """Timers and adopted (heap) tables, in the heap format, without the RocksDB states."""
        saved = self._states
        self._states = {n: st for n, st in saved.items() if not self._in_db(st)}
        try:
            return super().snapshot()
        finally:
            self._states = saved

    @staticmethod
    def _in_db(st: Any) -> bool:
        return isinstance(st, _RocksState) or isinstance(getattr(st, "inner", None), _RocksState)

    def _native_snapshot(self) -> dict:
        """Flink's ``RocksIncrementalSnapshotStrategy``: the live SST files (uploaded once to the
        shared directory) plus the private files, and the heap parts in the heap format."""
        r = _rocksdict()
        self.db.flush()
        tmp = os.path.join(self.local_dir, f"chk-{uuid.uuid4().hex[:8]}")
        r.Checkpoint(self.db).create_checkpoint(tmp)
        shared: dict[str, str] = {}
        inline: dict[str, bytes] = {}
        try:
            for name in sorted(os.listdir(tmp)):
                path = os.path.join(tmp, name)
                if name.endswith(".sst") and self.shared_dir is not None:
                    target = self._uploaded.get(name)
                    if target is None or not os.path.exists(os.path.join(self.shared_dir, target)):
                        target = f"{uuid.uuid4().hex}.sst"
                        os.makedirs(self.shared_dir, exist_ok=True)
                        shutil.copyfile(path, os.path.join(self.shared_dir, target))
                        self._uploaded[name] = target
                    shared[name] = target
                elif name.endswith(".log") and os.path.getsize(path) == 0:
                    continue
                else:
                    with open(path, "rb") as f:
                        inline[name] = f.read()
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        # only the files of this checkpoint count as uploaded for the next one
        self._uploaded = {n: t for n, t in self._uploaded.items() if n in shared}
        kgr = self.key_group_range
        return {
            "format": NATIVE_FORMAT,
            "key_groups": [kgr.start_key_group, kgr.end_key_group],
            "shared_dir": self.shared_dir,
            "shared": shared,
            "files": inline,
            "heap": self._heap_only_snapshot(),
        }

    def restore(self, snapshots: list[dict]) -> None:
        mine = self.key_group_range
        lo, hi = mine.start_key_group, mine.end_key_group
        full = []
        for snap in snapshots:
            if snap.get("format") != NATIVE_FORMAT:
                full.append(snap)
                continue
            first, last = snap["key_groups"]
            if last < lo or first > hi:
                continue
            if snap.get("heap"):
                full.append(snap["heap"])
            self._restore_native(snap, whole=(first, last) == (lo, hi) and len(snapshots) == 1)
        if full:
            super().restore(full)

    def _materialize(self, snap: dict, directory: str) -> None:
        os.makedirs(directory, exist_ok=True)
        base = snap.get("base_dir") or snap.get("shared_dir")
        for name, target in snap["shared"].items():
            src = os.path.join(base, target) if base else target
            try:
                os.link(src, os.path.join(directory, name))
            except OSError:
                shutil.copyfile(src, os.path.join(directory, name))
        for name, data in snap["files"].items():
            with open(os.path.join(directory, name), "wb") as f:
                f.write(data)

    def _restore_native(self, snap: dict, whole: bool) -> None:
        r = _rocksdict()
        if whole and not self._sids and not self._states:
            # the old subtask's DB is ours unchanged: open its files directly (Flink's fast path)
            self.db.close()
            shutil.rmtree(self.db_path, ignore_errors=True)
            self._materialize(snap, self.db_path)
            self._open_db()
            self._uploaded = dict(snap["shared"]) if snap.get("shared_dir") == self.shared_dir else {}
            return
        # rescaling: copy our key groups out of the old DB, state by state
        tmp = os.path.join(self.local_dir, f"restore-{uuid.uuid4().hex[:8]}")
        self._materialize(snap, tmp)
        old = r.Rdict(tmp, RocksDBOptions(8 << 20).build())
        try:
            meta = old.get(b"\xff\xffmeta")
            old_sids = decode(meta) if meta else {}
            lo, hi = self.key_group_range.start_key_group, self.key_group_range.end_key_group
            for name, (old_sid, kind) in old_sids.items():
                new = self._sid_of(name, kind).to_bytes(2, "big")
                start = old_sid.to_bytes(2, "big") + lo.to_bytes(2, "big")
                end = old_sid.to_bytes(2, "big") + (hi + 1).to_bytes(2, "big")
                batch = r.WriteBatch(raw_mode=True)
                n = 0
                it = old.iter()
                it.seek(start)
                while it.valid():
                    k = it.key()
                    if k >= end:
                        break
                    batch.put(new + k[2:], it.value())
                    n += 1
                    if n % 10_000 == 0:
                        self.db.write(batch)
                        batch = r.WriteBatch(raw_mode=True)
                    it.next()
                self.db.write(batch)
        finally:
            old.close()
            shutil.rmtree(tmp, ignore_errors=True)

    def dispose(self) -> None:
        self._states.clear()
        self._kg_cache.clear()
        self._kb_cache.clear()
        self._finalizer()


def _release(box: list, path: str) -> None:
    for db in box:
        try:
            db.close()
        except Exception:  # noqa: BLE001 - closing twice is fine
            pass
    box.clear()
    shutil.rmtree(path, ignore_errors=True)


class _PlaceholderDescriptor(StateDescriptor):
    """A descriptor for snapshotting stored reducing/aggregating state no operator asked for."""

    def __init__(self, name: str, kind: str) -> None:
        super().__init__(name)
        self.kind = kind
        self.default_value = None
