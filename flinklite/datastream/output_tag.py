"""``OutputTag``: the name of a side output (PyFlink's ``pyflink.datastream.output_tag``).

A tag is identified by its name alone. A process function sends a record to a side output by
yielding ``(tag, value)``; ``stream.get_side_output(tag)`` is the stream of those records.
"""

from __future__ import annotations

from typing import Any

from flinklite.errors import InvalidProgramException

__all__ = ["OutputTag"]


class OutputTag:
    __slots__ = ("tag_id", "type_info")

    def __init__(self, tag_id: str, type_info: Any = None) -> None:
        if not isinstance(tag_id, str) or not tag_id:
            raise InvalidProgramException(f"OutputTag needs a non-empty string id, got {tag_id!r}")
        self.tag_id = tag_id
        self.type_info = type_info

    def get_tag_id(self) -> str:
        return self.tag_id

    def get_type_info(self) -> Any:
        return self.type_info

    def __eq__(self, other: object) -> bool:
        return isinstance(other, OutputTag) and other.tag_id == self.tag_id

    def __hash__(self) -> int:
        return hash(("OutputTag", self.tag_id))

    def __repr__(self) -> str:
        return f"OutputTag({self.tag_id!r})"
