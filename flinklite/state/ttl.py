"""State time-to-live (Flink's ``TtlStateFactory`` and the ``Ttl*State`` decorators).

As in Flink, TTL is a layer over a backend's plain states, so every keyed backend (heap and
RocksDB) gets it the same way: the backend creates an ordinary state of the same kind whose stored
values carry their last-access timestamp, and a decorator here adds the expiry rules.

Stored layout (the same on every backend, and in snapshots):

=============  =================================================
value          ``[value, ts]``
list           ``[[element, ts], ...]`` (each element has its own timestamp)
map            ``{user_key: [value, ts]}`` (each entry has its own timestamp)
reducing       ``[value, ts]`` (the reduce function is wrapped)
aggregating    ``[accumulator, ts]`` (the aggregate function is wrapped)
=============  =================================================

A value is expired when ``ts + ttl <= now``. Reads follow Flink's ``AbstractTtlDecorator``: an
expired value found by a read is removed, and returned once more only under
``ReturnExpiredIfNotCleanedUp``; ``OnReadAndWrite`` refreshes the timestamp of what a read returns.
A list read skips expired elements and clears the list when none is left; a map read removes its
expired entries. Besides reads, expired values are removed in full snapshots
(``cleanup_full_snapshot``) and incrementally (a few entries are checked on every state access, on
the heap backend only, as in Flink, where RocksDB uses its compaction filter instead).

How ours differs: ``run_cleanup_for_every_record`` has no extra effect (the cleanup runs on state
accesses), and the RocksDB compaction-filter cleanup is not emulated.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

from flinklite.datastream.functions import AggregateFunction
from flinklite.datastream.state import (
    AggregatingState,
    AggregatingStateDescriptor,
    ListState,
    ListStateDescriptor,
    MapState,
    MapStateDescriptor,
    ReducingState,
    ReducingStateDescriptor,
    StateDescriptor,
    StateTtlConfig,
    ValueState,
    ValueStateDescriptor,
)
from flinklite.errors import InvalidProgramException

__all__ = ["create_ttl_state", "TtlValueState", "TtlListState", "TtlMapState", "TtlReducingState",
           "TtlAggregatingState"]

_MISSING = object()


class _TtlSettings:
    """The parts of a ``StateTtlConfig`` the decorators read on every access."""

    __slots__ = ("ttl", "refresh_on_read", "return_expired", "in_full_snapshot", "cleanup_size", "clock_of")

    def __init__(self, cfg: StateTtlConfig, backend: Any) -> None:
        self.ttl = cfg.ttl_ms
        self.refresh_on_read = cfg.get_update_type() is StateTtlConfig.UpdateType.OnReadAndWrite
        self.return_expired = (cfg.get_state_visibility()
                               is StateTtlConfig.StateVisibility.ReturnExpiredIfNotCleanedUp)
        strategies = cfg.get_cleanup_strategies()
        self.in_full_snapshot = strategies.in_full_snapshot()
        incremental = strategies.get_incremental_cleanup_strategy()
        self.cleanup_size = incremental.get_cleanup_size() if incremental is not None else 0
        if not getattr(backend, "supports_incremental_ttl_cleanup", True):
            self.cleanup_size = 0
        self.clock_of = backend  # the task sets backend.ttl_clock after the backend exists: read it late

    def now(self) -> int:
        return self.clock_of.ttl_clock()

    def expired(self, wrapped: list, now: int) -> bool:
        return wrapped[1] + self.ttl <= now

    def unexpired(self, wrapped: Any, now: int) -> Any:
        """The user value of ``wrapped``, or _MISSING when absent or expired-and-invisible."""
        if wrapped is None or (not self.return_expired and wrapped[1] + self.ttl <= now):
            return _MISSING
        return wrapped[0]


class _TtlState:
    """What every decorator shares: delegation of the raw operations (namespaces, snapshots,
    restores) to the wrapped plain state, and the incremental cleanup."""

    def __init__(self, backend: Any, descriptor: StateDescriptor, inner: Any, settings: _TtlSettings) -> None:
        self._backend = backend
        self.descriptor = descriptor
        self.name = descriptor.name
        self.inner = inner
        self._s = settings
        self._cursor: list = []  # (namespace, key) still to check by the incremental cleanup

    # -- expiry of one stored value (snapshots and incremental cleanup) ----------------------
    def _unexpired_or_none(self, raw: Any, now: int) -> Any:
        """``raw`` without its expired parts: itself if nothing expired, None if all did."""
        return None if raw is None or self._s.expired(raw, now) else raw

    def _access(self) -> None:
        # Flink's TtlIncrementalCleanup.stateAccessed: check a few more entries of this state
        n = self._s.cleanup_size
        if not n:
            return
        cursor = self._cursor
        if not cursor:
            cursor.extend((ns, k) for ns, k, _ in self.inner.entries())
            if not cursor:
                return
        now = self._s.now()
        inner = self.inner
        while n and cursor:
            ns, k = cursor.pop()
            n -= 1
            raw = inner.raw_get(ns, k)
            if raw is None:
                continue
            kept = self._unexpired_or_none(raw, now)
            if kept is None:
                inner.remove_entry(ns, k)
            elif kept is not raw:
                inner.restore_entry(ns, k, kept)

    # -- raw operations ---------------------------------------------------------------------
    def set_current_namespace(self, ns: Any) -> None:
        self.inner.set_current_namespace(ns)

    def clear(self) -> None:
        self._access()
        self.inner.clear()

    def merge_namespaces(self, target: Any, sources: Iterable[Any]) -> None:
        self.inner.merge_namespaces(target, sources)

    def entries(self) -> Iterable[tuple[Any, Any, Any]]:
        return self.inner.entries()

    def columns(self) -> dict:
        columns = self.inner.columns()
        if not self._s.in_full_snapshot:
            return columns
        return self.snapshot_filter(columns)

    def snapshot_filter(self, columns: dict) -> dict:
        """``{namespace: [keys, values]}`` without what has expired (Flink's
        ``TtlStateSnapshotTransformer``)."""
        now = self._s.now()
        out = {}
        unexpired = self._unexpired_or_none
        for ns, (keys, values) in columns.items():
            ks, vs = [], []
            for k, v in zip(keys, values):
                kept = unexpired(v, now)
                if kept is not None:
                    ks.append(k)
                    vs.append(kept)
            if ks:
                out[ns] = [ks, vs]
        return out

    def restore_entry(self, ns: Any, key: Any, value: Any) -> None:
        self.inner.restore_entry(ns, key, value)

    def raw_get(self, ns: Any, key: Any) -> Any:
        return self.inner.raw_get(ns, key)

    def remove_entry(self, ns: Any, key: Any) -> None:
        self.inner.remove_entry(ns, key)

    def keys_in_namespace(self, ns: Any) -> list:
        return self.inner.keys_in_namespace(ns)

    def drop_all(self) -> None:
        self._cursor.clear()
        self.inner.drop_all()


class TtlValueState(_TtlState, ValueState):
    def _default(self) -> Any:
        d = self.descriptor.default_value
        return copy.copy(d) if d is not None else None

    def value(self) -> Any:
        self._access()
        raw = self.inner.value()
        if raw is None:
            return self._default()
        s = self._s
        now = s.now()
        if raw[1] + s.ttl <= now:
            self.inner.clear()
            return raw[0] if s.return_expired else self._default()
        if s.refresh_on_read:
            self.inner.update([raw[0], now])
        return raw[0]

    def update(self, value: Any) -> None:
        self._access()
        if value is None:
            self.inner.clear()
        else:
            self.inner.update([value, self._s.now()])

    def get_internal(self) -> Any:
        raw = self.inner.get_internal()
        return None if raw is None else raw[0]

    def update_internal(self, value: Any) -> None:
        self.inner.update_internal(None if value is None else [value, self._s.now()])


class TtlListState(_TtlState, ListState):
    def _unexpired_or_none(self, raw: Any, now: int) -> Any:
        if not raw:
            return None
        ttl = self._s.ttl
        kept = [e for e in raw if e[1] + ttl > now]
        if not kept:
            return None
        return raw if len(kept) == len(raw) else kept

    def get(self) -> list:
        self._access()
        raw = self.inner.get()
        if not raw:
            return []
        s = self._s
        now = s.now()
        ttl = s.ttl
        if s.refresh_on_read:
            fresh = [[e[0], now] for e in raw if e[1] + ttl > now]
            if fresh:
                self.inner.update(fresh)
        out = []
        any_unexpired = False
        for e in raw:
            if e[1] + ttl > now:
                any_unexpired = True
                out.append(e[0])
            elif s.return_expired:
                out.append(e[0])
        if not any_unexpired:
            self.inner.clear()  # every element has expired: the list goes (Flink's IteratorWithCleanup)
        return out

    def _wrap(self, values: Any, what: str) -> list:
        if values is None:
            raise ValueError(f"list state '{self.name}': {what}(None) is not allowed; pass a list")
        now = self._s.now()
        out = []
        for v in values:
            if v is None:
                raise ValueError(f"list state '{self.name}': the list passed to {what} contains None")
            out.append([v, now])
        return out

    def add(self, value: Any) -> None:
        self._access()
        if value is None:
            raise ValueError(f"list state '{self.name}': add(None) is not allowed (Flink rejects null elements)")
        self.inner.add([value, self._s.now()])

    def add_all(self, values: list) -> None:
        self._access()
        wrapped = self._wrap(values, "add_all")
        if wrapped:
            self.inner.add_all(wrapped)

    def update(self, values: list) -> None:
        self._access()
        self.inner.update(self._wrap(values, "update"))

    def get_internal(self) -> Any:
        return self.get() or None

    def update_internal(self, values: Any) -> None:
        if not values:
            self.inner.clear()
        else:
            self.inner.update(self._wrap(values, "update"))


class TtlMapState(_TtlState, MapState):
    def _unexpired_or_none(self, raw: Any, now: int) -> Any:
        if not raw:
            return None
        ttl = self._s.ttl
        kept = {k: e for k, e in raw.items() if e[1] + ttl > now}
        if not kept:
            return None
        return raw if len(kept) == len(raw) else kept

    def get(self, key: Any) -> Any:
        self._access()
        raw = self.inner.get(key)
        if raw is None:
            return None
        s = self._s
        now = s.now()
        if raw[1] + s.ttl <= now:
            self.inner.remove(key)
            return raw[0] if s.return_expired else None
        if s.refresh_on_read:
            self.inner.put(key, [raw[0], now])
        return raw[0]

    def put(self, key: Any, value: Any) -> None:
        self._access()
        self.inner.put(key, [value, self._s.now()])

    def put_all(self, dict_value: dict) -> None:
        self._access()
        if not dict_value:
            return
        now = self._s.now()
        self.inner.put_all({k: [v, now] for k, v in dict_value.items()})

    def remove(self, key: Any) -> None:
        self._access()
        self.inner.remove(key)

    def contains(self, key: Any) -> bool:
        return self.get(key) is not None

    def _live_items(self, stop_at_first: bool = False) -> list[tuple]:
        # Flink's EntriesIterator: expired entries are removed as the iteration meets them
        s = self._s
        now = s.now()
        inner = self.inner
        out = []
        for k, raw in inner.items():
            if raw[1] + s.ttl <= now:
                inner.remove(k)
                if s.return_expired:
                    out.append((k, raw[0]))
                continue
            if s.refresh_on_read:
                inner.put(k, [raw[0], now])
            out.append((k, raw[0]))
            if stop_at_first:
                break
        return out

    def items(self) -> list[tuple]:
        self._access()
        return self._live_items()

    def keys(self) -> list:
        return [k for k, _ in self.items()]

    def values(self) -> list:
        return [v for _, v in self.items()]

    def is_empty(self) -> bool:
        self._access()
        return not self._live_items(stop_at_first=True)

    def get_internal(self) -> Any:
        return dict(self._live_items()) or None

    def update_internal(self, value: Any) -> None:
        self.inner.clear()
        if value:
            self.put_all(value)


class _TtlReduce:
    """Flink's ``TtlReduceFunction``: an expired left side is dropped, not reduced into."""

    def __init__(self, reduce: Any, settings: _TtlSettings) -> None:
        self._reduce = reduce
        self._s = settings

    def __call__(self, a: list, b: list) -> list:
        now = self._s.now()
        v1 = self._s.unexpired(a, now)
        return [b[0], now] if v1 is _MISSING else [self._reduce(v1, b[0]), now]


class TtlReducingState(_TtlState, ReducingState):
    def get(self) -> Any:
        self._access()
        raw = self.inner.get_internal()
        if raw is None:
            return None
        s = self._s
        now = s.now()
        if raw[1] + s.ttl <= now:
            self.inner.clear()
            return raw[0] if s.return_expired else None
        if s.refresh_on_read:
            self.inner.update_internal([raw[0], now])
        return raw[0]

    def add(self, value: Any) -> None:
        self._access()
        if value is None:
            self.inner.clear()
        else:
            self.inner.add([value, self._s.now()])

    def get_internal(self) -> Any:
        return self.get()

    def update_internal(self, value: Any) -> None:
        self.inner.update_internal(None if value is None else [value, self._s.now()])


class _TtlAggregateFunction(AggregateFunction):
    """Flink's ``TtlAggregateFunction``: the accumulator carries its timestamp; an expired one is
    replaced by a fresh accumulator before it is added to, and left out of merges."""

    def __init__(self, agg: AggregateFunction, settings: _TtlSettings) -> None:
        self.agg = agg
        self._s = settings

    def create_accumulator(self) -> list:
        return [self.agg.create_accumulator(), self._s.now()]

    def add(self, value: Any, accumulator: list) -> list:
        now = self._s.now()
        acc = self._s.unexpired(accumulator, now)
        if acc is _MISSING:
            acc = self.agg.create_accumulator()
        return [self.agg.add(value, acc), now]

    def get_result(self, accumulator: Any) -> Any:
        return None if accumulator is None else self.agg.get_result(accumulator[0])

    def merge(self, a: Any, b: Any) -> Any:
        now = self._s.now()
        va = self._s.unexpired(a, now)
        vb = self._s.unexpired(b, now)
        if va is not _MISSING and vb is not _MISSING:
            return [self.agg.merge(va, vb), now]
        if va is not _MISSING:
            return [va, now]
        if vb is not _MISSING:
            return [vb, now]
        return None


class TtlAggregatingState(_TtlState, AggregatingState):
    def _accumulator(self) -> Any:
        raw = self.inner.get_internal()
        if raw is None:
            return _MISSING
        s = self._s
        now = s.now()
        if raw[1] + s.ttl <= now:
            self.inner.clear()
            return raw[0] if s.return_expired else _MISSING
        if s.refresh_on_read:
            self.inner.update_internal([raw[0], now])
        return raw[0]

    def get(self) -> Any:
        self._access()
        acc = self._accumulator()
        return None if acc is _MISSING else self.descriptor.agg_function.get_result(acc)

    def add(self, value: Any) -> None:
        self._access()
        if value is None:
            self.inner.clear()
        else:
            self.inner.add(value)

    def get_internal(self) -> Any:
        acc = self._accumulator()
        return None if acc is _MISSING else acc

    def update_internal(self, value: Any) -> None:
        self.inner.update_internal(None if value is None else [value, self._s.now()])


def _inner_descriptor(descriptor: StateDescriptor, settings: _TtlSettings) -> StateDescriptor:
    """The plain descriptor of the wrapped state: same name and kind, values with timestamps."""
    kind = descriptor.kind
    if kind == "value":
        inner: StateDescriptor = ValueStateDescriptor(descriptor.name, descriptor.type_info)
    elif kind == "list":
        inner = ListStateDescriptor(descriptor.name, descriptor.type_info)
    elif kind == "map":
        inner = MapStateDescriptor(descriptor.name, descriptor.key_type_info, descriptor.value_type_info)
    elif kind == "reducing":
        inner = ReducingStateDescriptor(descriptor.name, _TtlReduce(descriptor._reduce, settings),
                                        descriptor.type_info)
    elif kind == "aggregating":
        inner = AggregatingStateDescriptor(
            descriptor.name, _TtlAggregateFunction(descriptor.agg_function, settings), descriptor.type_info)
    else:
        raise InvalidProgramException(
            f"state '{descriptor.name}': state TTL is not supported for {kind} state")
    return inner


_DECORATORS = {
    "value": TtlValueState,
    "list": TtlListState,
    "map": TtlMapState,
    "reducing": TtlReducingState,
    "aggregating": TtlAggregatingState,
}


def create_ttl_state(backend: Any, descriptor: StateDescriptor, create_plain: Any) -> _TtlState:
    """A TTL decorator for ``descriptor`` over the plain state ``create_plain(inner_descriptor)``
    of ``backend`` (Flink's ``TtlStateFactory.createStateAndWrapWithTtlIfEnabled``)."""
    settings = _TtlSettings(descriptor.get_ttl_config(), backend)
    inner = create_plain(_inner_descriptor(descriptor, settings))
    return _DECORATORS[descriptor.kind](backend, descriptor, inner, settings)
