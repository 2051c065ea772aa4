"""The source behind ``env.from_collection`` (Flink's ``FromElementsFunction``): a non-parallel,
bounded source that replays a Python list. Its position is an index, so it is replayable after
recovery (unlike PyFlink 2.3's, which is not replayed consistently after a failover).

As in PyFlink the whole collection is read when the job is built. An iterator or generator
without a length is read up to :data:`MAX_ITERATOR_ELEMENTS` elements; one that yields more is
taken for an endless one and rejected with a pointer to a real (unbounded) source.
"""

from __future__ import annotations

from collections.abc import Sized
from itertools import islice
from typing import Any

from flinklite.datastream.connectors.base import Source, SourceReader
from flinklite.errors import InvalidProgramException

__all__ = ["CollectionSource", "materialize", "MAX_ITERATOR_ELEMENTS"]

MAX_ITERATOR_ELEMENTS = 1_000_000


def materialize(collection: Any) -> list:
    """The elements of ``collection`` as a list; an iterator that does not end within
    ``MAX_ITERATOR_ELEMENTS`` elements raises instead of filling memory."""
    if isinstance(collection, Sized):
        return list(collection)
    try:
        data = list(islice(collection, MAX_ITERATOR_ELEMENTS + 1))
    except TypeError:
        raise InvalidProgramException(
            f"from_collection needs a list or another iterable, got {type(collection).__name__}"
        ) from None
    if len(data) > MAX_ITERATOR_ELEMENTS:
        raise InvalidProgramException(
            f"from_collection: the {type(collection).__name__} passed yields more than "
            f"{MAX_ITERATOR_ELEMENTS:,} elements, so it looks endless. from_collection reads the whole "
            "collection when the job is built (as PyFlink does). For an endless stream use a source: "
            "env.from_source(NumberSequenceSource(...), ...), a FileSource that monitors a directory, or "
            "your own flinklite Source. If it is finite, pass list(...) of it."
        )
    return data


class _CollectionReader(SourceReader):
    def __init__(self, data: list, pos: int = 0) -> None:
        self.data = data
        self.pos = pos

    def poll(self, max_records: int):
        if self.pos >= len(self.data):
            return None
        end = self.pos + max_records
        values = self.data[self.pos:end]
        self.pos += len(values)
        return values, None

    def snapshot_state(self) -> list:
        return [self.pos]


class CollectionSource(Source):
    parallelism = 1

    def __init__(self, data: list) -> None:
        self.data = data

    def create_reader(self, subtask_index: int, parallelism: int) -> SourceReader:
        return _CollectionReader(self.data)

    def restore_reader(self, subtask_index: int, parallelism: int, splits: list) -> SourceReader:
        return _CollectionReader(self.data, splits[0] if splits else len(self.data))
