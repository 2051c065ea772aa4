"""The heap keyed state backend (Flink's ``HeapKeyedStateBackend``).

State lives in plain dicts: per state name, per namespace, ``{key: value}``. User functions see
the *void* namespace (``None``); windows use the window as the namespace. Every access reads the
backend's ``current_key``, which the operator sets before it calls user code for a record or a
timer. Key groups are not part of the dict layout (that would cost a hash per access); they are
computed when state is snapshotted, which is where Flink needs them.
"""

from __future__ import annotations

import copy
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
from flinklite.state.key_groups import KeyGroupRange, assign_to_key_group

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

    def restore_entry(self, ns: Any, key: Any, value: Any) -> None:
        self._tables.setdefault(ns, {})[key] = value
        if ns == self._ns:
            self._table = self._tables[ns]

    def keys_in_namespace(self, ns: Any) -> list:
        return list(self._tables.get(ns, _EMPTY))

    def drop_all(self) -> None:
        self._tables.clear()
        self._table = _EMPTY


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
        if values is None:
            raise ValueError(f"list state '{self.name}': add_all(None) is not allowed; pass a list")
        values = list(values)
        if not values:
            return
        if any(v is None for v in values):
            raise ValueError(f"list state '{self.name}': the list passed to add_all contains None")
        t = self._writable()
        key = self._key()
        lst = t.get(key)
        if lst is None:
            t[key] = values
        else:
            lst.extend(values)

    def update(self, values: list) -> None:
        if values is None:
            raise ValueError(f"list state '{self.name}': update(None) is not allowed; use clear()")
        values = list(values)
        if any(v is None for v in values):
            raise ValueError(f"list state '{self.name}': the list passed to update contains None")
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


class HeapKeyedStateBackend:
    """All keyed state of one operator subtask."""

    def __init__(self, max_parallelism: int, key_group_range: KeyGroupRange, operator_name: str = "") -> None:
        self.max_parallelism = max_parallelism
        self.key_group_range = key_group_range
        self.operator_name = operator_name
        self.current_key: Any = NO_KEY
        self._states: dict[str, _HeapState] = {}
        self._kg_cache: dict[type, dict[Any, int]] = {}
        self.timer_services: dict[str, Any] = {}
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
            kg = cache[key] = assign_to_key_group(key, self.max_parallelism)
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
        state = self._states[descriptor.name] = cls(self, descriptor)
        for ns, key, value in self._restored_entries.pop(descriptor.name, ()):
            state.restore_entry(ns, key, value)
        state.set_current_namespace(None)
        return state

    # -- timers live with the keyed state: they are snapshotted per key group too ------------
    def register_timer_service(self, service: Any) -> None:
        self.timer_services[service.name] = service
        for domain, ts, key, ns in self._restored_timers.pop(service.name, ()):
            queue = service.event_time_timers if domain == "et" else service.processing_time_timers
            if queue.add(ts, key, ns) and domain == "pt":
                service.schedule_restored_processing_time(ts)

    # -- snapshots ------------------------------------------------------------------------------
    def snapshot(self) -> dict[int, bytes]:
        """State and timers grouped by key group, each group encoded (msgpack: a consistent copy
        taken at the barrier). A key group can be restored on its own, on any subtask."""
        # Layout per key group: {state: {namespace: [[key, value], ...]}} and
        # {"service/domain": {namespace: [[ts, key], ...]}}. Grouping by namespace writes each
        # window once per key group, and plain lists are native to msgpack (tuples are not).
        groups: dict[int, tuple[dict, dict]] = {}
        kg_of = self.key_group_of

        def add_entry(name: str, ns: Any, key: Any, value: Any) -> None:
            states = groups.setdefault(kg_of(key), ({}, {}))[0]
            states.setdefault(name, {}).setdefault(ns, []).append([key, value])

        for name, st in self._states.items():
            for ns, key, value in st.entries():
                add_entry(name, ns, key, value)
        for name, entries in self._restored_entries.items():  # restored, not yet claimed by open()
            for ns, key, value in entries:
                add_entry(name, ns, key, value)
        for svc_name, svc in self.timer_services.items():
            for domain, queue in (("et", svc.event_time_timers), ("pt", svc.processing_time_timers)):
                for ts, key, ns in queue:
                    timers = groups.setdefault(kg_of(key), ({}, {}))[1]
                    timers.setdefault(f"{svc_name}/{domain}", {}).setdefault(ns, []).append([ts, key])
        out = {}
        for kg, (states, timers) in groups.items():
            encoded = {name: encode(by_ns, self._may_pickle(name), self._what(name))
                       for name, by_ns in states.items()}
            out[kg] = encode([encoded, encode(timers, self.allow_pickle, f"timers of '{self.operator_name}'")])
        return out

    def _may_pickle(self, state_name: str) -> bool:
        if self.allow_pickle:
            return True
        st = self._states.get(state_name)
        type_info = getattr(st.descriptor, "type_info", None) if st is not None else None
        return type(type_info).__name__ == "PickledBytesTypeInfo"

    def _what(self, state_name: str) -> str:
        return f"state '{state_name}' of operator '{self.operator_name}'"

    def restore(self, key_groups: dict[int, bytes]) -> None:
        """Take back the key groups of this backend's range (from any number of old subtasks)."""
        for kg, blob in key_groups.items():
            if int(kg) not in self.key_group_range:
                continue
            encoded, timers = decode(blob)
            for name, by_ns in encoded.items():
                restored = self._restored_entries.setdefault(name, [])
                for ns, pairs in decode(by_ns).items():
                    restored.extend((ns, key, value) for key, value in pairs)
            for service, by_ns in decode(timers).items():
                svc_name, _, domain = service.rpartition("/")
                restored_timers = self._restored_timers.setdefault(svc_name, [])
                for ns, pairs in by_ns.items():
                    restored_timers.extend((domain, ts, key, ns) for ts, key in pairs)

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
