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
from typing import Any

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
    "ListStateDescriptor",
    "MapStateDescriptor",
    "ReducingStateDescriptor",
    "AggregatingStateDescriptor",
]


class State(ABC):
    @abstractmethod
    def clear(self) -> None:
        """Remove the value of the current key."""


class ValueState(State):
    @abstractmethod
    def value(self) -> Any: ...

    @abstractmethod
    def update(self, value: Any) -> None: ...


class AppendingState(State):
    @abstractmethod
    def get(self) -> Any: ...

    @abstractmethod
    def add(self, value: Any) -> None: ...


class MergingState(AppendingState):
    pass


class ListState(MergingState):
    @abstractmethod
    def update(self, values: list) -> None: ...

    @abstractmethod
    def add_all(self, values: list) -> None: ...

    def __iter__(self) -> Iterator:
        return iter(self.get())


class ReducingState(MergingState):
    pass


class AggregatingState(MergingState):
    pass


class MapState(State):
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


class ReadOnlyBroadcastState(State):
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


class BroadcastState(ReadOnlyBroadcastState):
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
        raise InvalidProgramException(
            f"state '{self.name}': state TTL is not available in this flinklite version; remove "
            "enable_time_to_live(...) or clear the state yourself with a timer."
        )

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
