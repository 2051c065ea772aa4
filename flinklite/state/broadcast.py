"""Broadcast state (Flink's ``HeapBroadcastState``): a map per descriptor, one copy per subtask.

Every subtask receives every broadcast element and applies it to its own copy, so the copies
stay identical. The broadcast side may write; the data side only reads, which is what keeps the
copies identical (a write from the data side would diverge between subtasks).
"""

from __future__ import annotations

from typing import Any

from flinklite.datastream.state import BroadcastState, ReadOnlyBroadcastState
from flinklite.errors import IllegalStateException

__all__ = ["HeapBroadcastState", "ReadOnlyBroadcastStateView"]


class HeapBroadcastState(BroadcastState):
    def __init__(self, name: str) -> None:
        self.name = name
        self.map: dict = {}

    def get(self, key: Any) -> Any:
        return self.map.get(key)

    def contains(self, key: Any) -> bool:
        return key in self.map

    def items(self) -> list[tuple]:
        return list(self.map.items())

    def keys(self) -> list:
        return list(self.map.keys())

    def values(self) -> list:
        return list(self.map.values())

    def is_empty(self) -> bool:
        return not self.map

    def put(self, key: Any, value: Any) -> None:
        self.map[key] = value

    def put_all(self, dict_value: dict) -> None:
        self.map.update(dict_value)

    def remove(self, key: Any) -> None:
        self.map.pop(key, None)

    def clear(self) -> None:
        self.map.clear()


class ReadOnlyBroadcastStateView(ReadOnlyBroadcastState):
    def __init__(self, state: HeapBroadcastState) -> None:
        self._state = state

    def get(self, key: Any) -> Any:
        return self._state.map.get(key)

    def contains(self, key: Any) -> bool:
        return key in self._state.map

    def items(self) -> list[tuple]:
        return self._state.items()

    def keys(self) -> list:
        return self._state.keys()

    def values(self) -> list:
        return self._state.values()

    def is_empty(self) -> bool:
        return not self._state.map

    def _read_only(self, *args: Any) -> None:
        raise IllegalStateException(
            f"broadcast state '{self._state.name}' is read-only on the non-broadcast side: only "
            "process_broadcast_element may change it (so that every subtask's copy stays the same)."
        )

    put = put_all = remove = clear = _read_only  # type: ignore[assignment]
