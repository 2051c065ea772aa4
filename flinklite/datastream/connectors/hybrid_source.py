"""``HybridSource`` (PyFlink's ``pyflink.datastream.connectors.hybrid_source``): several sources
read one after another, e.g. the history from files, then the live tail from another source.

Flink's ``HybridSource`` switches from source *k* to source *k+1* when every reader of source *k*
has finished, so all sources except the last must be bounded; the hybrid source is bounded when
its last source is. Its checkpoint holds the index of the current source and that source's splits,
so a restore resumes inside the source it was reading and never re-reads an earlier one.

**How ours differs.** The hybrid source runs as one reader (parallelism 1) that walks the sources
in order, reading each through ``create_reader(0, 1)``. Flink reads each underlying source at the
job's parallelism and coordinates the switch in its split enumerator; the records and their order
within each source are the same, only the downstream subtask of a record may differ.
"""

from __future__ import annotations

from flinklite.datastream.connectors.base import Boundedness, Source, SourceReader
from flinklite.errors import InvalidProgramException

__all__ = ["HybridSource", "HybridSourceBuilder"]


class _HybridSourceReader(SourceReader):
    """Reads ``sources[index]`` through ``reader``; moves to the next source when it is exhausted."""

    def __init__(self, sources: list[Source], index: int, reader: SourceReader) -> None:
        self.sources = sources
        self.index = index
        self.reader = reader

    def poll(self, max_records: int):
        while True:
            polled = self.reader.poll(max_records)
            if polled is not None:
                return polled
            if self.index + 1 == len(self.sources):
                return None
            self.reader.close()
            self.index += 1
            self.reader = self.sources[self.index].create_reader(0, 1)

    def next_available_ms(self) -> float | None:
        return self.reader.next_available_ms()

    def snapshot_state(self) -> list:
        return [["hybrid", self.index, self.reader.snapshot_state()]]

    def close(self) -> None:
        self.reader.close()


class HybridSource(Source):
    """Reads its sources in order; build one with ``HybridSource.builder(first).add_source(next)``."""

    parallelism = 1

    def __init__(self, sources: list[Source]) -> None:
        self._sources = list(sources)

    @staticmethod
    def builder(first_source: Source) -> HybridSourceBuilder:
        return HybridSourceBuilder(first_source)

    def get_boundedness(self) -> Boundedness:
        return self._sources[-1].get_boundedness()

    def _check_usable(self) -> None:
        for s in self._sources:  # e.g. a KafkaSource as the live tail
            check = getattr(s, "_check_usable", None)
            if check is not None:
                check()

    def create_reader(self, subtask_index: int, parallelism: int) -> SourceReader:
        return _HybridSourceReader(self._sources, 0, self._sources[0].create_reader(0, 1))

    def restore_reader(self, subtask_index: int, parallelism: int, splits: list) -> SourceReader:
        if not splits:  # checkpointed before the reader opened: start from the beginning
            return self.create_reader(subtask_index, parallelism)
        (tag, index, inner), = splits
        if tag != "hybrid" or not 0 <= index < len(self._sources):
            raise InvalidProgramException(
                f"HybridSource: the checkpoint holds {splits!r}, which is not this hybrid source's state "
                f"(it has {len(self._sources)} sources); was the job changed since the checkpoint?")
        return _HybridSourceReader(self._sources, index, self._sources[index].restore_reader(0, 1, inner))


class HybridSourceBuilder:
    def __init__(self, first_source: Source) -> None:
        self._sources: list[Source] = []
        self.add_source(first_source)

    def add_source(self, source: Source) -> HybridSourceBuilder:
        if not isinstance(source, Source):
            raise InvalidProgramException(
                f"HybridSource: source {len(self._sources)} must be a flinklite Source (e.g. FileSource, "
                f"NumberSequenceSource), got {type(source).__name__}")
        if self._sources and self._sources[-1].get_boundedness() is not Boundedness.BOUNDED:
            raise InvalidProgramException(
                f"HybridSource: source {len(self._sources) - 1} ({type(self._sources[-1]).__name__}) is unbounded, "
                "so no source can follow it; every source but the last must be bounded")
        self._sources.append(source)
        return self

    def build(self) -> HybridSource:
        return HybridSource(self._sources)

