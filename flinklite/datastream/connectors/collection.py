"""The source behind ``env.from_collection`` (Flink's ``FromElementsFunction``): a non-parallel,
bounded source that replays a Python list. Its position is an index, so it is replayable after
recovery (unlike PyFlink 2.3's, which is not replayed consistently after a failover)."""

from __future__ import annotations

from flinklite.datastream.connectors.base import Source, SourceReader

__all__ = ["CollectionSource"]


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
