"""Operator (non-keyed) state (Flink's ``DefaultOperatorStateBackend``), for functions that
implement :class:`~flinklite.datastream.functions.CheckpointedFunction` (Java API; not portable to
PyFlink, which has no operator state in Python).

A function keeps lists of items per subtask. What happens to them when the job restores at a
different parallelism depends on how the list was registered (§5.3):

* ``get_list_state`` (*even split*): every old subtask's items are concatenated in subtask order
  and cut into contiguous chunks, one per new subtask (the first ``N % p`` chunks get one more).
  At the same parallelism each subtask gets exactly its own list back.
* ``get_union_list_state`` (*union*): every subtask gets every item, even at the same parallelism.
"""

from __future__ import annotations

from typing import Any

from flinklite.datastream.state import ListState, ListStateDescriptor
from flinklite.datastream.state import OperatorStateStore as _OperatorStateStoreApi
from flinklite.errors import InvalidProgramException

__all__ = ["OperatorStateStore", "PartitionableListState", "redistribute"]


class PartitionableListState(ListState):
    def __init__(self, name: str, mode: str) -> None:
        self.name = name
        self.mode = mode  # "split" | "union"
        self.items: list = []

    def get(self) -> list:
        return list(self.items)

    def add(self, value: Any) -> None:
        if value is None:
            raise ValueError(f"operator list state '{self.name}': add(None) is not allowed")
        self.items.append(value)

    def add_all(self, values: list) -> None:
        for v in values:
            self.add(v)

    def update(self, values: list) -> None:
        self.items = []
        self.add_all(values)

    def clear(self) -> None:
        self.items = []


class OperatorStateStore(_OperatorStateStoreApi):
    """``context.get_operator_state_store()``: this subtask's operator list states."""

    def __init__(self) -> None:
        self.states: dict[str, PartitionableListState] = {}
        self.restored: dict[str, list] = {}

    def _get(self, descriptor: ListStateDescriptor, mode: str) -> PartitionableListState:
        if not isinstance(descriptor, ListStateDescriptor):
            raise InvalidProgramException(
                f"operator state needs a ListStateDescriptor, got {type(descriptor).__name__}"
            )
        st = self.states.get(descriptor.name)
        if st is None:
            st = self.states[descriptor.name] = PartitionableListState(descriptor.name, mode)
            st.items = list(self.restored.pop(descriptor.name, []))
        elif st.mode != mode:
            raise InvalidProgramException(
                f"operator state '{descriptor.name}' was registered as {st.mode} list state and is now "
                f"requested as {mode} list state; use one name per kind"
            )
        return st

    def get_list_state(self, state_descriptor: ListStateDescriptor) -> ListState:
        return self._get(state_descriptor, "split")

    def get_union_list_state(self, state_descriptor: ListStateDescriptor) -> ListState:
        return self._get(state_descriptor, "union")

    def get_broadcast_state(self, state_descriptor: Any) -> Any:
        raise InvalidProgramException(
            f"broadcast state '{getattr(state_descriptor, 'name', state_descriptor)}' lives in the broadcast "
            "operator: read it with ctx.get_broadcast_state(descriptor) in a (Keyed)BroadcastProcessFunction, "
            "whose stream came from DataStream.broadcast(descriptor)")

    def snapshot(self) -> dict:
        return {name: [st.mode, list(st.items)] for name, st in self.states.items()}


def redistribute(old: list[dict | None], index: int, parallelism: int) -> dict[str, list]:
    """This subtask's share of every operator list state of the old subtasks' snapshots."""
    names: dict[str, str] = {}
    for snap in old:
        for name, (mode, _) in (snap or {}).items():
            names.setdefault(name, mode)
    out: dict[str, list] = {}
    for name, mode in names.items():
        lists = [((snap or {}).get(name) or [mode, []])[1] for snap in old]
        if mode == "union":
            out[name] = [item for lst in lists for item in lst]
        elif len(old) == parallelism:
            out[name] = list(lists[index])
        else:
            every = [item for lst in lists for item in lst]
            base, extra = divmod(len(every), parallelism)
            start = index * base + min(index, extra)
            out[name] = every[start:start + base + (1 if index < extra else 0)]
    return out
