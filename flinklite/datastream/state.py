"""Keyed state and broadcast state, as PyFlink's ``pyflink.datastream.state`` declares them.

A *descriptor* names a piece of state and its type; ``RuntimeContext.get_state(descriptor)`` (and
friends) returns the state object, which reads and writes the value *of the current key*. The
heap implementations live in :mod:`flinklite.state.heap`; these classes are the public contract.

Rules that differ from a plain dict (all as in Flink): ``ValueState.update(None)`` clears;
``ListState.get()`` is never None; ``ListState.add(None)`` raises; ``ReducingState.add`` does not
call the reduce function for the first value.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from enum import Enum
from typing import Any, Generic, TypeVar

from flinklite.errors import InvalidProgramException

__all__ = [
    "State",
    "ValueState",
    "AppendingState",
    "MergingState",
    "ListState",
    "ReducingState",
    "AggregatingState",
    "MapState",
    "ReadOnlyBroadcastState",
    "BroadcastState",
    "StateDescriptor",
    "ValueStateDescriptor",
    "OperatorStateStore",
    "ListStateDescriptor",
    "MapStateDescriptor",
    "ReducingStateDescriptor",
    "AggregatingStateDescriptor",
    "StateTtlConfig",
]

# Type parameters, as in PyFlink, so `ValueState[int]`-style annotations work; no runtime effect.
T = TypeVar('T')
IN = TypeVar('IN')
OUT = TypeVar('OUT')
K = TypeVar('K')
V = TypeVar('V')


class OperatorStateStore(ABC):
    """The non-keyed state of one parallel subtask (Flink's ``OperatorStateStore``).

    PyFlink exposes broadcast state through it; flinklite also offers Java Flink's operator list
    states (``get_list_state``: split evenly on rescale; ``get_union_list_state``: every subtask
    gets all items), reached from ``CheckpointedFunction`` via
    ``context.get_operator_state_store()``.
    """

    @abstractmethod
    def get_broadcast_state(self, state_descriptor: MapStateDescriptor) -> BroadcastState: ...

    @abstractmethod
    def get_list_state(self, state_descriptor: ListStateDescriptor) -> ListState: ...

    @abstractmethod
    def get_union_list_state(self, state_descriptor: ListStateDescriptor) -> ListState: ...


class State(ABC):
    @abstractmethod
    def clear(self) -> None:
        """Remove the value of the current key."""


class ValueState(State, Generic[T]):
    @abstractmethod
    def value(self) -> Any: ...

    @abstractmethod
    def update(self, value: Any) -> None: ...


class AppendingState(State, Generic[IN, OUT]):
    @abstractmethod
    def get(self) -> Any: ...

    @abstractmethod
    def add(self, value: Any) -> None: ...


class MergingState(AppendingState[IN, OUT]):
    pass


class ListState(MergingState[T, Any]):
    @abstractmethod
    def update(self, values: list) -> None: ...

    @abstractmethod
    def add_all(self, values: list) -> None: ...

    def __iter__(self) -> Iterator:
        return iter(self.get())


class ReducingState(MergingState[T, T]):
    pass


class AggregatingState(MergingState[IN, OUT]):
    pass


class MapState(State, Generic[K, V]):
    @abstractmethod
    def get(self, key: Any) -> Any: ...

    @abstractmethod
    def put(self, key: Any, value: Any) -> None: ...

    @abstractmethod
    def put_all(self, dict_value: dict) -> None: ...

    @abstractmethod
    def remove(self, key: Any) -> None: ...

    @abstractmethod
    def contains(self, key: Any) -> bool: ...

    @abstractmethod
    def items(self) -> Iterable[tuple]: ...

    @abstractmethod
    def keys(self) -> Iterable: ...

    @abstractmethod
    def values(self) -> Iterable: ...

    @abstractmethod
    def is_empty(self) -> bool: ...

    def __getitem__(self, key: Any) -> Any:
        return self.get(key)

    def __setitem__(self, key: Any, value: Any) -> None:
        self.put(key, value)

    def __delitem__(self, key: Any) -> None:
        self.remove(key)

    def __contains__(self, key: Any) -> bool:
        return self.contains(key)

    def __iter__(self) -> Iterator:
        return iter(self.keys())


class ReadOnlyBroadcastState(State, Generic[K, V]):
    """Broadcast state as the non-broadcast side sees it: reads only."""

    @abstractmethod
    def get(self, key: Any) -> Any: ...

    @abstractmethod
    def contains(self, key: Any) -> bool: ...

    @abstractmethod
    def items(self) -> Iterable[tuple]: ...

    @abstractmethod
    def keys(self) -> Iterable: ...

    @abstractmethod
    def values(self) -> Iterable: ...

    @abstractmethod
    def is_empty(self) -> bool: ...

    def __getitem__(self, key: Any) -> Any:
        return self.get(key)

    def __contains__(self, key: Any) -> bool:
        return self.contains(key)

    def __iter__(self) -> Iterator:
        return iter(self.keys())


class BroadcastState(ReadOnlyBroadcastState[K, V]):
    @abstractmethod
    def put(self, key: Any, value: Any) -> None: ...

    @abstractmethod
    def put_all(self, dict_value: dict) -> None: ...

    @abstractmethod
    def remove(self, key: Any) -> None: ...

    def __setitem__(self, key: Any, value: Any) -> None:
        self.put(key, value)

    def __delitem__(self, key: Any) -> None:
        self.remove(key)


class StateDescriptor(ABC):
    """Names a piece of state and declares its type. Two descriptors with the same name refer to
    the same state; asking for one name with two different kinds of state is an error."""

    kind = "state"

    def __init__(self, name: str, type_info: Any = None) -> None:
        if not isinstance(name, str) or not name:
            raise InvalidProgramException(f"a state descriptor needs a non-empty string name, got {name!r}")
        self.name = name
        self.type_info = type_info
        self._ttl_config = None

    def get_name(self) -> str:
        return self.name

    def enable_time_to_live(self, ttl_config: Any) -> None:
        """Let the values of this state expire ``ttl`` after their last write (or read, with
        ``OnReadAndWrite``). Only value state has TTL in this flinklite version."""
        if not isinstance(ttl_config, StateTtlConfig):
            raise InvalidProgramException(
                f"state '{self.name}': enable_time_to_live expects a StateTtlConfig "
                f"(StateTtlConfig.new_builder(Time.seconds(n)).build()), got {type(ttl_config).__name__}"
            )
        if self.kind != "value" and ttl_config.is_enabled():
            raise InvalidProgramException(
                f"state '{self.name}': state TTL is only implemented for ValueState in this flinklite "
                f"version, not for {self.kind} state; use a ValueState or clear the state with a timer."
            )
        self._ttl_config = ttl_config

    def get_ttl_config(self) -> Any:
        return self._ttl_config

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"


class ValueStateDescriptor(StateDescriptor):
    kind = "value"

    def __init__(self, name: str, value_type_info: Any = None, default_value: Any = None) -> None:
        super().__init__(name, value_type_info)
        self.default_value = default_value


class ListStateDescriptor(StateDescriptor):
    kind = "list"

    def __init__(self, name: str, elem_type_info: Any = None) -> None:
        super().__init__(name, elem_type_info)
        self.elem_type_info = elem_type_info


class MapStateDescriptor(StateDescriptor):
    kind = "map"

    def __init__(self, name: str, key_type_info: Any = None, value_type_info: Any = None) -> None:
        super().__init__(name, (key_type_info, value_type_info))
        self.key_type_info = key_type_info
        self.value_type_info = value_type_info


class ReducingStateDescriptor(StateDescriptor):
    kind = "reducing"

    def __init__(self, name: str, reduce_function: Any, type_info: Any = None) -> None:
        super().__init__(name, type_info)
        from flinklite.datastream.functions import ReduceFunction

        if isinstance(reduce_function, ReduceFunction):
            self._reduce = reduce_function.reduce
        elif callable(reduce_function):
            self._reduce = reduce_function
        else:
            raise InvalidProgramException(
                f"ReducingStateDescriptor '{name}': reduce_function must be a ReduceFunction or a "
                f"callable (a, b) -> value, got {type(reduce_function).__name__}"
            )
        self.reduce_function = reduce_function

    def get_reduce_function(self) -> Any:
        return self.reduce_function


class AggregatingStateDescriptor(StateDescriptor):
    kind = "aggregating"

    def __init__(self, name: str, agg_function: Any, state_type_info: Any = None) -> None:
        super().__init__(name, state_type_info)
        from flinklite.datastream.functions import AggregateFunction

        if not isinstance(agg_function, AggregateFunction):
            raise InvalidProgramException(
                f"AggregatingStateDescriptor '{name}': agg_function must be an AggregateFunction "
                f"(create_accumulator/add/get_result/merge), got {type(agg_function).__name__}"
            )
        self.agg_function = agg_function

    def get_agg_function(self) -> Any:
        return self.agg_function


def _ttl_millis(ttl: Any) -> int:
    to_ms = getattr(ttl, "to_milliseconds", None)
    if to_ms is None or isinstance(ttl, bool):
        if isinstance(ttl, int) and not isinstance(ttl, bool):
            return ttl
        raise InvalidProgramException(
            f"StateTtlConfig: the TTL must be a Time or Duration (e.g. Time.seconds(10)), got {ttl!r}"
        )
    return int(to_ms())


class StateTtlConfig:
    """Time-to-live of keyed state (Flink's ``StateTtlConfig``). A value's last-access timestamp is
    set when it is written (and read, with ``OnReadAndWrite``); once ``ttl`` has passed, it is
    expired. Time is processing time, read from the job's clock (``flinklite.clock: manual`` makes
    it deterministic in tests)."""

    class UpdateType(Enum):
        Disabled = 0
        OnCreateAndWrite = 1
        OnReadAndWrite = 2

    class StateVisibility(Enum):
        ReturnExpiredIfNotCleanedUp = 0
        NeverReturnExpired = 1

    class TtlTimeCharacteristic(Enum):
        ProcessingTime = 0

    def __init__(self, update_type: UpdateType, state_visibility: StateVisibility,
                 ttl_time_characteristic: TtlTimeCharacteristic, ttl: Any,
                 cleanup_strategies: StateTtlConfig.CleanupStrategies) -> None:
        self._update_type = update_type
        self._state_visibility = state_visibility
        self._ttl_time_characteristic = ttl_time_characteristic
        self._ttl = ttl
        self.ttl_ms = _ttl_millis(ttl)
        if self.ttl_ms <= 0:
            raise InvalidProgramException(f"StateTtlConfig: the TTL must be positive, got {self.ttl_ms} ms")
        self._cleanup_strategies = cleanup_strategies

    @staticmethod
    def new_builder(ttl: Any) -> StateTtlConfig.Builder:
        return StateTtlConfig.Builder(ttl)

    def get_update_type(self) -> StateTtlConfig.UpdateType:
        return self._update_type

    def get_state_visibility(self) -> StateTtlConfig.StateVisibility:
        return self._state_visibility

    def get_ttl(self) -> Any:
        return self._ttl

    def get_ttl_time_characteristic(self) -> StateTtlConfig.TtlTimeCharacteristic:
        return self._ttl_time_characteristic

    def is_enabled(self) -> bool:
        return self._update_type is not StateTtlConfig.UpdateType.Disabled

    def get_cleanup_strategies(self) -> StateTtlConfig.CleanupStrategies:
        return self._cleanup_strategies

    def __repr__(self) -> str:
        return (f"StateTtlConfig(update_type={self._update_type.name}, "
                f"state_visibility={self._state_visibility.name}, ttl={self.ttl_ms} ms)")

    class Builder:
        def __init__(self, ttl: Any) -> None:
            _ttl_millis(ttl)
            self._ttl = ttl
            self._update_type = StateTtlConfig.UpdateType.OnCreateAndWrite
            self._state_visibility = StateTtlConfig.StateVisibility.NeverReturnExpired
            self._ttl_time_characteristic = StateTtlConfig.TtlTimeCharacteristic.ProcessingTime
            self._is_cleanup_in_background = True
            self._strategies: dict = {}

        def set_update_type(self, update_type: StateTtlConfig.UpdateType) -> StateTtlConfig.Builder:
            self._update_type = update_type
            return self

        def update_ttl_on_create_and_write(self) -> StateTtlConfig.Builder:
            return self.set_update_type(StateTtlConfig.UpdateType.OnCreateAndWrite)

        def update_ttl_on_read_and_write(self) -> StateTtlConfig.Builder:
            return self.set_update_type(StateTtlConfig.UpdateType.OnReadAndWrite)

        def set_state_visibility(self, state_visibility: StateTtlConfig.StateVisibility) -> StateTtlConfig.Builder:
            self._state_visibility = state_visibility
            return self

        def return_expired_if_not_cleaned_up(self) -> StateTtlConfig.Builder:
            return self.set_state_visibility(StateTtlConfig.StateVisibility.ReturnExpiredIfNotCleanedUp)

        def never_return_expired(self) -> StateTtlConfig.Builder:
            return self.set_state_visibility(StateTtlConfig.StateVisibility.NeverReturnExpired)

        def set_ttl_time_characteristic(self, characteristic: StateTtlConfig.TtlTimeCharacteristic
                                        ) -> StateTtlConfig.Builder:
            self._ttl_time_characteristic = characteristic
            return self

        def use_processing_time(self) -> StateTtlConfig.Builder:
            return self.set_ttl_time_characteristic(StateTtlConfig.TtlTimeCharacteristic.ProcessingTime)

        def cleanup_full_snapshot(self) -> StateTtlConfig.Builder:
            s = StateTtlConfig.CleanupStrategies
            self._strategies[s.Strategies.FULL_STATE_SCAN_SNAPSHOT] = s.EMPTY_STRATEGY
            return self

        def cleanup_incrementally(self, cleanup_size: int, run_cleanup_for_every_record: bool
                                  ) -> StateTtlConfig.Builder:
            s = StateTtlConfig.CleanupStrategies
            self._strategies[s.Strategies.INCREMENTAL_CLEANUP] = s.IncrementalCleanupStrategy(
                cleanup_size, run_cleanup_for_every_record)
            return self

        def cleanup_in_rocksdb_compact_filter(self, query_time_after_num_entries: int,
                                              periodic_compaction_time: Any = None) -> StateTtlConfig.Builder:
            s = StateTtlConfig.CleanupStrategies
            self._strategies[s.Strategies.ROCKSDB_COMPACTION_FILTER] = s.RocksdbCompactFilterCleanupStrategy(
                query_time_after_num_entries, periodic_compaction_time)
            return self

        def disable_cleanup_in_background(self) -> StateTtlConfig.Builder:
            self._is_cleanup_in_background = False
            return self

        def set_ttl(self, ttl: Any) -> StateTtlConfig.Builder:
            _ttl_millis(ttl)
            self._ttl = ttl
            return self

        def build(self) -> StateTtlConfig:
            return StateTtlConfig(self._update_type, self._state_visibility, self._ttl_time_characteristic,
                                  self._ttl, StateTtlConfig.CleanupStrategies(
                                      dict(self._strategies), self._is_cleanup_in_background))

    class CleanupStrategies:
        """When expired values are removed besides on read: in full snapshots (they are left out of
        the snapshot), or incrementally (a few entries checked on each state access)."""

        class Strategies(Enum):
            FULL_STATE_SCAN_SNAPSHOT = 0
            INCREMENTAL_CLEANUP = 1
            ROCKSDB_COMPACTION_FILTER = 2

        class CleanupStrategy(ABC):  # noqa: B024 - a marker base, as in Flink
            pass

        class EmptyCleanupStrategy(CleanupStrategy):
            pass

        class IncrementalCleanupStrategy(CleanupStrategy):
            def __init__(self, cleanup_size: int, run_cleanup_for_every_record: bool) -> None:
                if not isinstance(cleanup_size, int) or cleanup_size < 0:
                    raise InvalidProgramException(
                        f"cleanup_incrementally: cleanup_size must be an int >= 0, got {cleanup_size!r}")
                self._cleanup_size = cleanup_size
                self._run_cleanup_for_every_record = bool(run_cleanup_for_every_record)

            def get_cleanup_size(self) -> int:
                return self._cleanup_size

            def run_cleanup_for_every_record(self) -> bool:
                return self._run_cleanup_for_every_record

        class RocksdbCompactFilterCleanupStrategy(CleanupStrategy):
            def __init__(self, query_time_after_num_entries: int, periodic_compaction_time: Any = None) -> None:
                from flinklite.common.time import Duration

                self._query_time_after_num_entries = query_time_after_num_entries
                self._periodic_compaction_time = periodic_compaction_time or Duration.of_days(30)

            def get_query_time_after_num_entries(self) -> int:
                return self._query_time_after_num_entries

            def get_periodic_compaction_time(self) -> Any:
                return self._periodic_compaction_time

        EMPTY_STRATEGY: Any = None  # set below, once EmptyCleanupStrategy exists

        def __init__(self, strategies: dict, is_cleanup_in_background: bool) -> None:
            self._strategies = strategies
            self._is_cleanup_in_background = is_cleanup_in_background

        def is_cleanup_in_background(self) -> bool:
            return self._is_cleanup_in_background

        def in_full_snapshot(self) -> bool:
            return StateTtlConfig.CleanupStrategies.Strategies.FULL_STATE_SCAN_SNAPSHOT in self._strategies

        def get_incremental_cleanup_strategy(self) -> Any:
            s = StateTtlConfig.CleanupStrategies
            default = s.IncrementalCleanupStrategy(5, False) if self._is_cleanup_in_background else None
            return self._strategies.get(s.Strategies.INCREMENTAL_CLEANUP, default)

        def get_rocksdb_compact_filter_cleanup_strategy(self) -> Any:
            s = StateTtlConfig.CleanupStrategies
            default = s.RocksdbCompactFilterCleanupStrategy(1000) if self._is_cleanup_in_background else None
            return self._strategies.get(s.Strategies.ROCKSDB_COMPACTION_FILTER, default)


StateTtlConfig.CleanupStrategies.EMPTY_STRATEGY = StateTtlConfig.CleanupStrategies.EmptyCleanupStrategy()
