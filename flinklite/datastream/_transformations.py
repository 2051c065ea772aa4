"""Transformations: the lazy DAG that DataStream API calls build (Flink's ``Transformation``).

Each API call that adds an operator makes one *physical* transformation holding a ``factory``
that builds the operator and a ``payload`` (the user's function objects) that is deep-copied for
every parallel subtask and every restart, as Flink deserialises a fresh copy of the function
for each task. *Virtual* transformations (partitioning, union, side output) add no operator:
the graph builder turns them into edges.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

__all__ = [
    "Transformation",
    "SourceTransformation",
    "OneInputTransformation",
    "TwoInputTransformation",
    "PartitionTransformation",
    "UnionTransformation",
    "SideOutputTransformation",
]

_ids = itertools.count(1)


class Transformation:
    physical = True

    def __init__(self, name: str, output_type: Any = None, parallelism: int | None = None) -> None:
        self.id = next(_ids)
        self.name = name
        self.uid: str | None = None
        self.uid_hash: str | None = None
        self.description: str | None = None
        self.parallelism = parallelism
        self.fixed_parallelism: int | None = None  # e.g. non-parallel sources, window_all
        self.max_parallelism: int | None = None
        self.chaining = "ALWAYS"  # ALWAYS | HEAD | NEVER
        self.output_type = output_type
        self.buffer_timeout: int | None = None
        self.slot_sharing_group: str | None = None
        self.inputs: list[Transformation] = []
        # side outputs this operator can produce: tag id -> type info (None = not declared)
        self.side_outputs_allowed = False
        self.side_output_types: dict[str, Any] = {}

    def __repr__(self) -> str:
        return f"{type(self).__name__}#{self.id}({self.name!r})"


class SourceTransformation(Transformation):
    def __init__(self, name: str, source: Any, watermark_strategy: Any, output_type: Any = None) -> None:
        super().__init__(name, output_type)
        self.source = source
        self.watermark_strategy = watermark_strategy
        if getattr(source, "parallelism", None):
            self.fixed_parallelism = source.parallelism


class OneInputTransformation(Transformation):
    def __init__(self, name: str, input: Transformation, factory: Callable[[Any], Any], payload: Any = None,
                 output_type: Any = None, keyed: bool = False) -> None:
        super().__init__(name, output_type)
        self.inputs = [input]
        self.factory = factory
        self.payload = payload
        self.keyed = keyed
        self.is_sink = False


class TwoInputTransformation(Transformation):
    def __init__(self, name: str, input1: Transformation, input2: Transformation, factory: Callable[[Any], Any],
                 payload: Any = None, output_type: Any = None, keyed: bool = False) -> None:
        super().__init__(name, output_type)
        self.inputs = [input1, input2]
        self.factory = factory
        self.payload = payload
        self.keyed = keyed


class PartitionTransformation(Transformation):
    physical = False

    def __init__(self, input: Transformation, partitioner: Any) -> None:
        super().__init__(f"Partition({partitioner})", input.output_type)
        self.inputs = [input]
        self.partitioner = partitioner


class UnionTransformation(Transformation):
    physical = False

    def __init__(self, inputs: list[Transformation]) -> None:
        super().__init__("Union", inputs[0].output_type)
        self.inputs = list(inputs)


class SideOutputTransformation(Transformation):
    physical = False

    def __init__(self, input: Transformation, tag: Any) -> None:
        super().__init__(f"SideOutput({tag.tag_id})", tag.type_info)
        self.inputs = [input]
        self.tag = tag
