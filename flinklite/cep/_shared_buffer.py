"""The shared buffer of a CEP NFA (Flink's ``SharedBuffer`` + ``SharedBufferAccessor``).

All partial matches of one key are stored together, as a graph, so that an event taken by many
branches is stored once:

* ``events``: event id -> ``[event, lock count]``. An event id is ``(timestamp, n)``, the n-th
  event of that timestamp, so ids sort like the events.
* ``nodes``: node id -> ``[lock count, edges]``. A node id is ``(event id, pattern name)``: the
  event as taken by that step. Each edge ``[previous node id | None, version, lock count]``
  points at the node taken just before on some branch; ``None`` ends a match's chain.

A computation state (one branch of the NFA) points at the node of its last event and carries a
*Dewey version* (a tuple of ints, see ``_nfa.py``). Walking back from that node along the edges
whose version is *compatible* with the branch's version yields exactly that branch's events.
Versions are what make sharing safe: two branches may reach the same node, but they left it
along different edges.

Lock counts keep nodes and events alive while something refers to them: a branch pointing at a
node, a newer node's edge pointing at it. ``release_node`` walks back and frees what is no
longer referenced, so the buffer holds only what some live branch can still reach.

Everything here is plain lists, dicts and tuples: the buffer is part of the operator's keyed
state and is written to checkpoints as it is.
"""

from __future__ import annotations

from typing import Any

__all__ = ["SharedBuffer", "is_compatible"]


def is_compatible(version: tuple, other: tuple) -> bool:
    """Flink's ``DeweyNumber.isCompatibleWith``: ``other`` is a prefix of ``version``, or equal
    to it except for a last digit that is not larger."""
    lv, lo = len(version), len(other)
    if lv > lo:
        return version[:lo] == other
    if lv == lo:
        return version[:-1] == other[:-1] and version[-1] >= other[-1]
    return False


class SharedBuffer:
    """A view on one key's buffer (``data = [events, nodes, counts]``, stored in keyed state)."""

    __slots__ = ("events", "nodes", "counts")

    def __init__(self, data: list) -> None:
        self.events: dict = data[0]
        self.nodes: dict = data[1]
        self.counts: dict = data[2]

    @staticmethod
    def new_data() -> list:
        return [{}, {}, {}]

    def event_id(self, timestamp: int) -> tuple:
        """A fresh id for an arriving event (it is stored only when a branch takes it)."""
        n = self.counts.get(timestamp, 0)
        self.counts[timestamp] = n + 1
        return (timestamp, n)

    def advance_time(self, timestamp: int) -> None:
        """Forget the per-timestamp counters before ``timestamp``: no event can arrive there."""
        counts = self.counts
        if counts:
            for ts in [t for t in counts if t < timestamp]:
                del counts[ts]

    def is_empty(self) -> bool:
        return not self.events

    # -- nodes ---------------------------------------------------------------------------------
    def lock_node(self, node_id: Any, version: tuple) -> None:
        node = self.nodes.get(node_id)
        if node is not None:
            node[0] += 1
            for edge in node[1]:
                if is_compatible(version, edge[1]):
                    edge[2] += 1

    def put(self, page: str, event_id: tuple, event: Any, previous: Any, version: tuple) -> tuple:
        """Record that a branch at ``version`` took ``event`` into step ``page`` after the node
        ``previous``; returns the (possibly shared) node's id."""
        if previous is not None:
            self.lock_node(previous, version)
        node_id = (event_id, page)
        node = self.nodes.get(node_id)
        if node is None:
            node = self.nodes[node_id] = [0, []]
            entry = self.events.get(event_id)
            if entry is None:
                self.events[event_id] = [event, 1]
            else:
                entry[1] += 1
        node[1].append([previous, version, 0])
        return node_id

    def release_node(self, node_id: Any, version: tuple) -> None:
        """A branch at ``version`` no longer needs ``node_id``: unlock it and the edges it walked,
        and free whatever is left unreferenced."""
        if node_id is None:
            return
        nodes = self.nodes
        stack = [(node_id, version)]
        while stack:
            nid, ver = stack.pop()
            node = nodes.get(nid)
            if node is None:
                break
            kept = []
            for edge in node[1]:
                if is_compatible(ver, edge[1]):
                    edge[2] -= 1
                    if edge[2] <= 0:
                        if edge[0] is not None:
                            stack.append((edge[0], edge[1]))
                        continue
                kept.append(edge)
            node[1] = kept
            node[0] -= 1
            if node[0] <= 0:
                del nodes[nid]
                self._release_event(nid[0])

    def _release_event(self, event_id: tuple) -> None:
        entry = self.events.get(event_id)
        if entry is not None:
            entry[1] -= 1
            if entry[1] <= 0:
                del self.events[event_id]

    # -- reading matches -----------------------------------------------------------------------
    def extract_patterns(self, node_id: Any, version: tuple) -> list[dict[str, list]]:
        """The matches that end at ``node_id`` for a branch at ``version``: for each, pattern name
        -> event ids, names in the order of their first event."""
        result = []
        node = self.nodes.get(node_id)
        if node is None:
            return result
        nodes = self.nodes
        # depth-first over compatible edges; a path is a linked list (node id, rest) of nodes
        stack = [(node_id, version, None)]
        while stack:
            nid, ver, path = stack.pop()
            if nid is None:
                match: dict[str, list] = {}
                while path is not None:
                    (eid, page), path = path
                    match.setdefault(page, []).append(eid)
                result.append(match)
                continue
            path = (nid, path)
            for edge in nodes[nid][1]:
                if is_compatible(ver, edge[1]):
                    stack.append((edge[0], edge[1], path))
        return result

    def materialize(self, match: dict[str, list]) -> dict[str, list]:
        events = self.events
        return {page: [events[eid][0] for eid in ids] for page, ids in match.items()}
