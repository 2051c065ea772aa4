"""The heap keyed state backend (Flink's ``HeapKeyedStateBackend``).

State lives in plain dicts: per state name, per namespace, ``{key: value}``. User functions see
the *void* namespace (``None``); windows use the window as the namespace. Every access reads the
backend's ``current_key``, which the operator sets before it calls user code for a record or a
timer. Key groups are not part of the dict layout (that would cost a hash per access), nor of a
snapshot, which carries the subtask's key-group range instead; they are computed when a restore
at another parallelism has to split an old subtask's state.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Iterable
from typing import Any

from flinklite.checkpoint.serialization import decode, encode
from flinklite.datastream.state import (
    AggregatingState,
    AggregatingStateDescriptor,
    ListState,
    MapState,
    ReducingState,
    ReducingStateDescriptor,
    StateDescriptor,
    ValueState,
    ValueStateDescriptor,
)
from flinklite.errors import IllegalStateException, InvalidProgramException
from flinklite.state.key_groups import DEFAULT_KEY_HASH, KeyGroupRange, assign_to_key_group
from flinklite.time.timer_service import timer_runs

__all__ = ["HeapKeyedStateBackend", "NO_KEY"]


class _NoKey:
    __slots__ = ()

    def __repr__(self) -> str:
        return "<no key>"


NO_KEY = _NoKey()
_MISSING = object()
_EMPTY: dict = {}  # shared read-only table of a namespace that has no entries yet


def _no_key_error(state_name: str) -> IllegalStateException:
    return IllegalStateException(
        f"state '{state_name}' was accessed with no current key. Keyed state can only be read or "
        "written while a record or timer of a keyed stream is being processed (process_element, "
        "on_timer, map/filter/... of a KeyedStream), not in open() or close()."
    )


def _checked_values(state_name: str, values: Any, call: str, if_none: str) -> list:
    """The argument of ``ListState.add_all``/``update`` as a list, refusing None and None items
    (Flink's list state rejects null elements); shared by the heap and RocksDB list states."""
    if values is None:
        raise ValueError(f"list state '{state_name}': {call}(None) is not allowed; {if_none}")
    values = list(values)
    if any(v is None for v in values):
        raise ValueError(f"list state '{state_name}': the list passed to {call} contains None")
    return values


class _HeapState:
    __slots__ = ("_backend", "_tables", "_table", "_ns", "name", "descriptor")

    def __init__(self, backend: HeapKeyedStateBackend, descriptor: StateDescriptor) -> None:
        self._backend = backend
        self.descriptor = descriptor
        self.name = descriptor.name
        self._tables: dict[Any, dict] = {}
        self._ns: Any = None
        self._table: dict = _EMPTY

    # -- namespaces -------------------------------------------------------------------------
    def set_current_namespace(self, ns: Any) -> None:
        self._ns = ns
        self._table = self._tables.get(ns, _EMPTY)

    def _writable(self) -> dict:
        t = self._table
        if t is _EMPTY:
            t = self._tables[self._ns] = self._table = {}
        return t

    def _key(self) -> Any:
        key = self._backend.current_key
        if key is NO_KEY:
            raise _no_key_error(self.name)
        return key

    def clear(self) -> None:
        t = self._table
        if t:
            t.pop(self._key(), None)
            if not t and self._ns is not None:
                del self._tables[self._ns]
                self._table = _EMPTY

    # -- raw access (windows, snapshots) ----------------------------------------------------
    def get_internal(self) -> Any:
        return self._table.get(self._backend.current_key)

    def update_internal(self, value: Any) -> None:
        if value is None:
            self.clear()
        else:
            self._writable()[self._key()] = value

    def entries(self) -> Iterable[tuple[Any, Any, Any]]:
        """Every ``(namespace, key, value)`` held."""
        for ns, table in self._tables.items():
            for key, value in table.items():
                yield ns, key, value

    def columns(self) -> dict:
        """``{namespace: [keys, values]}`` of every non-empty namespace (for snapshots)."""
        return {ns: [list(t), list(t.values())] for ns, t in self._tables.items() if t}

    def restore_entry(self, ns: Any, key: Any, value: Any) -> None:
        self._tables.setdefault(ns, {})[key] = value
        if ns == self._ns:
            self._table = self._tables[ns]

    def keys_in_namespace(self, ns: Any) -> list:
        return list(self._tables.get(ns, _EMPTY))

    def raw_get(self, ns: Any, key: Any) -> Any:
        return self._tables.get(ns, _EMPTY).get(key)

    def remove_entry(self, ns: Any, key: Any) -> None:
        t = self._tables.get(ns)
        if t is not None:
            t.pop(key, None)
            if not t and ns is not None:
                del self._tables[ns]
                if ns == self._ns:
                    self._table = _EMPTY

    def drop_all(self) -> None:
        self._tables.clear()
        self._table = _EMPTY


def _append_columns(by_ns: dict, rows: Iterable[tuple]) -> None:
    """Add ``(namespace, first, second)`` rows to a ``{namespace: [firsts, seconds]}`` layout."""
    for ns, first, second in rows:
        col = by_ns.get(ns)
        if col is None:
            col = by_ns[ns] = [[], []]
        col[0].append(first)
        col[1].append(second)


class HeapValueState(_HeapState, ValueState):
    __slots__ = ("_default",)

    def __init__(self, backend, descriptor: ValueStateDescriptor) -> None:
        super().__init__(backend, descriptor)
        self._default = descriptor.default_value

    def value(self) -> Any:
        v = self._table.get(self._backend.current_key, _MISSING)
        if v is _MISSING:
            if self._backend.current_key is NO_KEY:
                raise _no_key_error(self.name)
            return copy.copy(self._default) if self._default is not None else None
        return v

    def update(self, value: Any) -> None:
        if value is None:
            self.clear()
            return
        key = self._backend.current_key
        if key is NO_KEY:
            raise _no_key_error(self.name)
        t = self._table
        if t is _EMPTY:
            t = self._writable()
        t[key] = value


class HeapListState(_HeapState, ListState):
    __slots__ = ()

    def get(self) -> list:
        v = self._table.get(self._key())
        return list(v) if v else []

    def add(self, value: Any) -> None:
        if value is None:
            raise ValueError(f"list state '{self.name}': add(None) is not allowed (Flink rejects null elements)")
        t = self._writable()
        key = self._key()
        lst = t.get(key)
        if lst is None:
            t[key] = [value]
        else:
            lst.append(value)

    def add_all(self, values: list) -> None:
        values = _checked_values(self.name, values, "add_all", "pass a list")
        if not values:
            return
        t = self._writable()
        key = self._key()
        lst = t.get(key)
        if lst is None:
            t[key] = values
        else:
            lst.extend(values)

    def update(self, values: list) -> None:
        values = _checked_values(self.name, values, "update", "use clear()")
        if not values:
            self.clear()
        else:
            self._writable()[self._key()] = values

    def merge_namespaces(self, target: Any, sources: Iterable[Any]) -> None:
        key = self._key()
        merged: list = []
        for ns in sources:
            t = self._tables.get(ns)
            if t and key in t:
                merged.extend(t.pop(key))
                if not t:
                    del self._tables[ns]
        if merged:
            self.set_current_namespace(target)
            t = self._writable()
            t.setdefault(key, []).extend(merged)


class HeapReducingState(_HeapState, ReducingState):
    __slots__ = ("_reduce",)

    def __init__(self, backend, descriptor: ReducingStateDescriptor) -> None:
        super().__init__(backend, descriptor)
        self._reduce = descriptor._reduce

    def get(self) -> Any:
        return self._table.get(self._key())

    def add(self, value: Any) -> None:
        if value is None:
            self.clear()
            return
        key = self._key()
        t = self._table
        old = t.get(key, _MISSING)
        if t is _EMPTY:
            t = self._writable()
        t[key] = value if old is _MISSING else self._reduce(old, value)

    def merge_namespaces(self, target: Any, sources: Iterable[Any]) -> None:
        key = self._key()
        acc = _MISSING
        for ns in sources:
            t = self._tables.get(ns)
            if t and key in t:
                v = t.pop(key)
                if not t:
                    del self._tables[ns]
                acc = v if acc is _MISSING else self._reduce(acc, v)
        if acc is not _MISSING:
            self.set_current_namespace(target)
            t = self._writable()
            old = t.get(key, _MISSING)
            t[key] = acc if old is _MISSING else self._reduce(old, acc)


class HeapAggregatingState(_HeapState, AggregatingState):
    __slots__ = ("_agg",)

    def __init__(self, backend, descriptor: AggregatingStateDescriptor) -> None:
        super().__init__(backend, descriptor)
        self._agg = descriptor.agg_function

    def get(self) -> Any:
        acc = self._table.get(self._key(), _MISSING)
        return None if acc is _MISSING else self._agg.get_result(acc)

    def add(self, value: Any) -> None:
        if value is None:
            self.clear()
            return
        key = self._key()
        t = self._writable()
        acc = t.get(key, _MISSING)
        if acc is _MISSING:
            acc = self._agg.create_accumulator()
        t[key] = self._agg.add(value, acc)

    def merge_namespaces(self, target: Any, sources: Iterable[Any]) -> None:
        key = self._key()
        acc = _MISSING
        for ns in sources:
            t = self._tables.get(ns)
            if t and key in t:
                v = t.pop(key)
                if not t:
                    del self._tables[ns]
                acc = v if acc is _MISSING else self._agg.merge(acc, v)
        if acc is not _MISSING:
            self.set_current_namespace(target)
            t = self._writable()
            old = t.get(key, _MISSING)
            t[key] = acc if old is _MISSING else self._agg.merge(old, acc)


class HeapMapState(_HeapState, MapState):
    __slots__ = ()

    def _map(self) -> dict:
        return self._table.get(self._key()) or {}

    def get(self, key: Any) -> Any:
        return self._map().get(key)

    def put(self, key: Any, value: Any) -> None:
        t = self._writable()
        k = self._key()
        m = t.get(k)
        if m is None:
            t[k] = {key: value}
        else:
            m[key] = value

    def put_all(self, dict_value: dict) -> None:
        if not dict_value:
            return
        t = self._writable()
        k = self._key()
        m = t.get(k)
        if m is None:
            t[k] = dict(dict_value)
        else:
            m.update(dict_value)

    def remove(self, key: Any) -> None:
        k = self._key()
        m = self._table.get(k)
        if m is not None:
            m.pop(key, None)
            if not m:
                self.clear()

    def contains(self, key: Any) -> bool:
        return key in self._map()

    def items(self) -> list[tuple]:
        return list(self._map().items())

    def keys(self) -> list:
        return list(self._map().keys())

    def values(self) -> list:
        return list(self._map().values())

    def is_empty(self) -> bool:
        return not self._map()


_STATE_CLASSES = {
    "value": HeapValueState,
    "list": HeapListState,
    "reducing": HeapReducingState,
    "aggregating": HeapAggregatingState,
    "map": HeapMapState,
}


def _wall_clock_ms() -> int:
    return time.time_ns() // 1_000_000


class HeapKeyedStateBackend:
    """All keyed state of one operator subtask."""

    def __init__(self, max_parallelism: int, key_group_range: KeyGroupRange, operator_name: str = "") -> None:
        self.max_parallelism = max_parallelism
        self.key_group_range = key_group_range
        self.operator_name = operator_name
        self.current_key: Any = NO_KEY
        self._states: dict[str, _HeapState] = {}
        self._kg_cache: dict[type, dict[Any, int]] = {}
        self.key_hash = DEFAULT_KEY_HASH  # the task sets its input partitioner's (PyFlink's hash of the key_type)
        self.timer_services: dict[str, Any] = {}
        self.ttl_clock = _wall_clock_ms  # processing time of state TTL, in ms; the task sets the job's clock
        self.allow_pickle = False  # flinklite.state.allow-pickle: pickle state msgpack cannot encode
        # restored but not yet claimed: state entries by state name, timers by service name
        self._restored_entries: dict[str, list] = {}
        self._restored_timers: dict[str, list] = {}

    def set_current_key(self, key: Any) -> None:
        self.current_key = key

    def key_group_of(self, key: Any) -> int:
        # cached per key type: True, 1 and 1.0 are equal in Python but hash differently in Java
        cache = self._kg_cache.get(key.__class__)
        if cache is None:
            cache = self._kg_cache[key.__class__] = {}
        kg = cache.get(key)
        if kg is None:
            if len(cache) > 1_000_000:  # bound memory for high-cardinality keys
                cache.clear()
            kg = cache[key] = assign_to_key_group(key, self.max_parallelism, self.key_hash)
        return kg

    def get_or_create_state(self, descriptor: StateDescriptor) -> _HeapState:
        if not isinstance(descriptor, StateDescriptor):
            raise InvalidProgramException(
                f"operator '{self.operator_name}': expected a state descriptor (ValueStateDescriptor, "
                f"ListStateDescriptor, ...), got {type(descriptor).__name__}"
            )
        existing = self._states.get(descriptor.name)
        if existing is not None:
            if existing.descriptor.kind != descriptor.kind:
                raise InvalidProgramException(
                    f"operator '{self.operator_name}': state '{descriptor.name}' was first registered as "
                    f"{existing.descriptor.kind} state and is now requested as {descriptor.kind} state; "
                    "use a different name for each piece of state."
                )
            return existing
        cls = _STATE_CLASSES.get(descriptor.kind)
        if cls is None:
            raise InvalidProgramException(f"unsupported state descriptor {descriptor!r}")
        ttl = getattr(descriptor, "_ttl_config", None)
        if ttl is not None and ttl.is_enabled():
            from flinklite.state.ttl import create_ttl_state

            state = create_ttl_state(self, descriptor, lambda d: _STATE_CLASSES[d.kind](self, d))
        else:
            state = cls(self, descriptor)
        self._states[descriptor.name] = state
        for ns, key, value in self._restored_entries.pop(descriptor.name, ()):
            state.restore_entry(ns, key, value)
        state.set_current_namespace(None)
        return state

    def adopt_state(self, state: Any) -> None:
        """Take an operator's own state table into this backend (the aligned-window operator's
        window contents, see :mod:`flinklite.runtime.operators.aligned_window`): it is snapshotted
        with the rest and gets the restored entries of its name. It must offer
        ``name``, ``descriptor``, ``entries()``, ``columns()``, ``restore_entry(ns, key, value)``,
        ``keys_in_namespace(ns)`` and ``drop_all()``, like the heap states above."""
        if state.name in self._states:
            raise IllegalStateException(f"operator '{self.operator_name}': state '{state.name}' exists already")
        self._states[state.name] = state
        for ns, key, value in self._restored_entries.pop(state.name, ()):
            state.restore_entry(ns, key, value)

    # -- timers live with the keyed state: they are snapshotted and restored with it -----------
    def register_timer_service(self, service: Any) -> None:
        self.timer_services[service.name] = service
        for domain, ts, key, ns in self._restored_timers.pop(service.name, ()):
            queue = service.event_time_timers if domain == "et" else service.processing_time_timers
            if queue.add(ts, key, ns) and domain == "pt":
                service.schedule_restored_processing_time(ts)

    # -- snapshots ------------------------------------------------------------------------------
    def snapshot(self) -> dict | None:
        """This subtask's keyed state and timers (Flink's ``KeyGroupsStateHandle``): one blob per
        state plus one for the timers, tagged with the subtask's key-group range, or None when it
        holds nothing. Each blob is encoded at once (msgpack: a consistent copy at the barrier).

        Layout, column-wise so that taking a snapshot is a few C-level list copies per namespace
        rather than Python work per entry: ``{state: {namespace: [keys, values]}}`` and
        ``{"service/domain": [[namespace, timestamps, keys], ...]}``, timers in firing order. Key groups
        are not materialised: a restore at another parallelism computes them for the entries of
        the overlapping ranges only, as Flink reads the key groups it needs out of each handle."""
        states: dict[str, dict] = {}
        for name, st in self._states.items():
            columns = st.columns()
            if columns:
                states[name] = columns
        for name, entries in self._restored_entries.items():  # restored, not yet claimed by open()
            _append_columns(states.setdefault(name, {}), entries)
        timers: dict[str, list] = {}
        for svc_name, svc in self.timer_services.items():
            for domain, queue in (("et", svc.event_time_timers), ("pt", svc.processing_time_timers)):
                columns = queue.columns()
                if columns:
                    timers[f"{svc_name}/{domain}"] = columns
        for svc_name, restored in self._restored_timers.items():  # restored, service not created yet
            for domain in ("et", "pt"):
                runs = timer_runs((ts, key, ns) for d, ts, key, ns in restored if d == domain)
                if runs:
                    timers.setdefault(f"{svc_name}/{domain}", []).extend(runs)
        if not states and not timers:
            return None
        kgr = self.key_group_range
        return {
            "key_groups": [kgr.start_key_group, kgr.end_key_group],
            "states": {name: encode(by_ns, self._may_pickle(name), self._what(name))
                       for name, by_ns in states.items()},
            "timers": encode(timers, self.allow_pickle, f"timers of '{self.operator_name}'"),
        }

    def _may_pickle(self, state_name: str) -> bool:
        if self.allow_pickle:
            return True
        st = self._states.get(state_name)
        type_info = getattr(st.descriptor, "type_info", None) if st is not None else None
        return type(type_info).__name__ == "PickledBytesTypeInfo"

    def _what(self, state_name: str) -> str:
        return f"state '{state_name}' of operator '{self.operator_name}'"

    def restore(self, snapshots: list[dict]) -> None:
        """Take back this backend's key groups from the snapshots of any number of old subtasks:
        a snapshot whose range lies inside ours is taken whole, one that overlaps it is filtered
        key by key, the others are skipped."""
        mine = self.key_group_range
        lo, hi = mine.start_key_group, mine.end_key_group
        kg_of = self.key_group_of
        for snap in snapshots:
            if snap.get("format") is not None:
                raise InvalidProgramException(
                    f"operator '{self.operator_name}': the checkpoint holds {snap['format']} state (an incremental "
                    "checkpoint of EmbeddedRocksDBStateBackend), which the heap backend cannot read; restore it "
                    "with 'state.backend.type: rocksdb', or take a savepoint from a job without incremental "
                    "checkpoints.")
            first, last = snap["key_groups"]
            if last < lo or first > hi:
                continue
            whole = lo <= first and last <= hi
            for name, blob in snap["states"].items():
                restored = self._restored_entries.setdefault(name, [])
                for ns, (keys, values) in decode(blob).items():
                    restored.extend((ns, key, value) for key, value in zip(keys, values)
                                    if whole or kg_of(key) in mine)
            for service, runs in decode(snap["timers"]).items():
                svc_name, _, domain = service.rpartition("/")
                restored_timers = self._restored_timers.setdefault(svc_name, [])
                for ns, stamps, keys in runs:
                    restored_timers.extend((domain, ts, key, ns) for ts, key in zip(stamps, keys)
                                           if whole or kg_of(key) in mine)

    @property
    def states(self) -> dict[str, _HeapState]:
        return self._states

    def keys(self, state_name: str, namespace: Any = None) -> list:
        """The keys that have a value in ``state_name`` under ``namespace``."""
        st = self._states.get(state_name)
        return st.keys_in_namespace(namespace) if st is not None else []

    def dispose(self) -> None:
        for st in self._states.values():
            st.drop_all()
        self._states.clear()
        self._kg_cache.clear()
