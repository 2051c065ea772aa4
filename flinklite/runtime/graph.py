"""From transformations to a job graph (Flink's ``StreamGraphGenerator`` and
``StreamingJobGraphGenerator``).

1. **StreamGraph**: one :class:`StreamNode` per physical transformation; virtual transformations
   (partition, union, side output) become :class:`StreamEdge` properties. An edge without an
   explicit partitioner is *forward* when both sides have the same parallelism, else *rebalance*.
2. **Chaining**: an edge is chained (the two operators run in one task and call each other
   directly) iff chaining is on, the target has exactly one input edge, the edge is forward,
   the parallelisms match and the chaining strategies allow it (§10.1). Chaining never changes
   results; it only removes exchanges.
3. **JobGraph**: one :class:`JobVertex` per chain; the remaining edges become channels.

Every node also gets an *operator id*: a hash of its ``uid`` if set, else of its position in the
graph, so an unchanged program finds its own state again after a restart.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from flinklite.datastream._transformations import (
    PartitionTransformation,
    SideOutputTransformation,
    SourceTransformation,
    Transformation,
    TwoInputTransformation,
    UnionTransformation,
)
from flinklite.errors import InvalidProgramException
from flinklite.runtime.partitioners import (
    ForwardPartitioner,
    KeyGroupStreamPartitioner,
    RebalancePartitioner,
    StreamPartitioner,
)
from flinklite.state.key_groups import check_parallelism, compute_default_max_parallelism

__all__ = ["StreamNode", "StreamEdge", "JobVertex", "JobGraph", "build_job_graph"]


@dataclass(eq=False)
class StreamNode:
    id: int
    transformation: Transformation
    name: str
    uid: str | None
    parallelism: int
    max_parallelism: int
    kind: str  # "source" | "one" | "two"
    keyed: bool
    chaining: str
    in_edges: list[StreamEdge] = field(default_factory=list)
    out_edges: list[StreamEdge] = field(default_factory=list)
    operator_id: str = ""

    def __repr__(self) -> str:
        return f"StreamNode({self.name!r}, p={self.parallelism})"


@dataclass(eq=False)
class StreamEdge:
    source: StreamNode
    target: StreamNode
    partitioner: StreamPartitioner
    side_tag: str | None
    input_index: int  # 1 or 2 (which input of a two-input target); 1 for one-input targets
    chained: bool = False

    def __repr__(self) -> str:
        tag = f"[{self.side_tag}]" if self.side_tag else ""
        return f"{self.source.name}{tag} -{self.partitioner}-> {self.target.name}"


@dataclass(eq=False)
class JobVertex:
    id: int
    nodes: list[StreamNode]  # head first, then chained nodes in topological order
    parallelism: int

    @property
    def head(self) -> StreamNode:
        return self.nodes[0]

    @property
    def name(self) -> str:
        return " -> ".join(n.name for n in self.nodes)


@dataclass
class JobGraph:
    vertices: list[JobVertex]  # topological order
    nodes: list[StreamNode]
    edges: list[StreamEdge]
    batch: bool
    job_name: str = "Flink Streaming Job"

    def describe(self) -> str:
        """A readable plan: one line per task chain and exchange."""
        lines = []
        for v in self.vertices:
            lines.append(f"[{v.id}] {v.name} (parallelism {v.parallelism})")
            for n in v.nodes:
                for e in n.out_edges:
                    if not e.chained:
                        lines.append(f"      {e}")
        return "\n".join(lines)


def _resolve(t: Transformation, nodes: dict[int, StreamNode]) -> list[tuple[StreamNode, Any, str | None]]:
    """The physical upstream nodes of ``t`` with the partitioner and side tag on the way."""
    if t.physical:
        return [(nodes[t.id], None, None)]
    if isinstance(t, PartitionTransformation):
        return [(n, t.partitioner, tag) for n, _, tag in _resolve(t.inputs[0], nodes)]
    if isinstance(t, UnionTransformation):
        out = []
        for i in t.inputs:
            out.extend(_resolve(i, nodes))
        return out
    if isinstance(t, SideOutputTransformation):
        return [(n, p, t.tag.tag_id) for n, p, _ in _resolve(t.inputs[0], nodes)]
    raise AssertionError(f"unknown transformation {t!r}")


def _topological(roots: list[Transformation]) -> list[Transformation]:
    order: list[Transformation] = []
    seen: set[int] = set()

    def visit(t: Transformation) -> None:
        if t.id in seen:
            return
        seen.add(t.id)
        for i in t.inputs:
            visit(i)
        order.append(t)

    for r in sorted(roots, key=lambda t: t.id):
        visit(r)
    return order


def build_job_graph(transformations: list[Transformation], env_config: Any, job_name: str = "") -> JobGraph:
    """Translate the transformations (and everything upstream of them) into a :class:`JobGraph`."""
    if not transformations:
        raise InvalidProgramException(
            "No operators defined in streaming topology. Cannot execute: add a sink (print(), "
            "add_sink, sink_to) or call execute_and_collect() on a stream."
        )
    batch = env_config.is_batch(transformations)
    default_p = env_config.parallelism
    default_max_p = env_config.max_parallelism
    nodes: dict[int, StreamNode] = {}
    ordered: list[StreamNode] = []
    for t in _topological(transformations):
        if not t.physical:
            continue
        p = t.fixed_parallelism or t.parallelism or default_p
        max_p = t.max_parallelism or (default_max_p if default_max_p and default_max_p > 0 else None)
        explicit_max = max_p is not None
        if max_p is None:
            max_p = compute_default_max_parallelism(p)
        check_parallelism(p, max_p, f"operator '{t.name}'")
        if t.fixed_parallelism and t.parallelism and t.parallelism != t.fixed_parallelism:
            raise InvalidProgramException(
                f"operator '{t.name}' runs with parallelism {t.fixed_parallelism} only (it is "
                f"non-parallel); remove set_parallelism({t.parallelism})."
            )
        kind = "source" if isinstance(t, SourceTransformation) else (
            "two" if isinstance(t, TwoInputTransformation) else "one")
        node = StreamNode(
            id=t.id, transformation=t, name=t.name, uid=t.uid, parallelism=p, max_parallelism=max_p,
            kind=kind, keyed=bool(getattr(t, "keyed", False)), chaining=t.chaining,
        )
        node.explicit_max_parallelism = explicit_max  # type: ignore[attr-defined]
        nodes[t.id] = node
        ordered.append(node)

    edges: list[StreamEdge] = []
    for node in ordered:
        t = node.transformation
        for input_index, inp in enumerate(t.inputs, start=1):
            for up, partitioner, tag in _resolve(inp, nodes):
                edges.append(_make_edge(up, node, partitioner, tag, input_index if node.kind == "two" else 1))

    uids: dict[str, StreamNode] = {}
    for node in ordered:
        if node.uid:
            if node.uid in uids:
                raise InvalidProgramException(
                    f"the uid '{node.uid}' is used by two operators ('{uids[node.uid].name}' and "
                    f"'{node.name}'); uids must be unique within a job."
                )
            uids[node.uid] = node
    _assign_operator_ids(ordered)
    _check_side_outputs(ordered)
    # (BATCH needs no special case: its blocking, keyed exchanges are never forward edges)
    _chain(ordered, env_config.chaining_enabled)
    vertices = _vertices(ordered)
    return JobGraph(vertices=vertices, nodes=ordered, edges=edges, batch=batch,
                    job_name=job_name or "Flink Streaming Job")


def _make_edge(up: StreamNode, down: StreamNode, partitioner: Any, tag: str | None, input_index: int) -> StreamEdge:
    if partitioner is None:
        partitioner = ForwardPartitioner() if up.parallelism == down.parallelism else RebalancePartitioner()
    else:
        partitioner = partitioner.copy()
    if isinstance(partitioner, ForwardPartitioner) and up.parallelism != down.parallelism:
        raise InvalidProgramException(
            f"forward partitioning does not allow a change of parallelism: '{up.name}' has "
            f"parallelism {up.parallelism} and '{down.name}' has {down.parallelism}. Use rebalance() "
            "or rescale() instead, or give both the same parallelism."
        )
    if isinstance(partitioner, KeyGroupStreamPartitioner):
        partitioner.max_parallelism = down.max_parallelism
        partitioner.describe = f"key_by feeding '{down.name}'"
    edge = StreamEdge(up, down, partitioner, tag, input_index)
    up.out_edges.append(edge)
    down.in_edges.append(edge)
    return edge


def _check_side_outputs(nodes: list[StreamNode]) -> None:
    for node in nodes:
        for e in node.out_edges:
            if e.side_tag is not None and not node.transformation.side_outputs_allowed:
                raise InvalidProgramException(
                    f"get_side_output('{e.side_tag}') was called on the output of '{node.name}', which "
                    "cannot emit side outputs. Only process functions (and windows) emit side outputs: "
                    "call get_side_output on the stream returned by process(...)."
                )


def _chainable(e: StreamEdge, enabled: bool) -> bool:
    up, down = e.source, e.target
    return (
        enabled
        and len(down.in_edges) == 1
        and down.kind == "one"
        and isinstance(e.partitioner, ForwardPartitioner)
        and up.parallelism == down.parallelism
        and up.chaining in ("ALWAYS", "HEAD")
        and down.chaining == "ALWAYS"
        and up.transformation.slot_sharing_group == down.transformation.slot_sharing_group
    )


def _chain(nodes: list[StreamNode], enabled: bool) -> None:
    for node in nodes:
        for e in node.out_edges:
            e.chained = _chainable(e, enabled)


def _vertices(nodes: list[StreamNode]) -> list[JobVertex]:
    vertices: list[JobVertex] = []
    for node in nodes:
        if any(e.chained for e in node.in_edges):
            continue
        chain = [node]
        frontier = [node]
        while frontier:
            n = frontier.pop(0)
            for e in n.out_edges:
                if e.chained:
                    chain.append(e.target)
                    frontier.append(e.target)
        vertices.append(JobVertex(id=len(vertices) + 1, nodes=chain, parallelism=node.parallelism))
    return vertices


def _assign_operator_ids(nodes: list[StreamNode]) -> None:
    for index, node in enumerate(nodes):
        uid_hash = node.transformation.uid_hash
        if uid_hash:  # set_uid_hash: the user names the operator id directly (as in Flink)
            node.operator_id = str(uid_hash).lower()
            continue
        if node.uid:
            basis = f"uid:{node.uid}"
        else:
            ups = ",".join(sorted(e.source.operator_id for e in node.in_edges))
            basis = f"pos:{index}:{node.kind}:{type(node.transformation).__name__}:{ups}"
        node.operator_id = hashlib.sha1(basis.encode()).hexdigest()[:32]
