"""``NumberSequenceSource`` (PyFlink's ``pyflink.datastream.connectors.number_seq``): the numbers
``start .. end`` (inclusive), split evenly over the parallel readers, each reader emitting its
range in ascending order. Its position is a single number, so it replays exactly after recovery.
"""

from __future__ import annotations

from flinklite.datastream.connectors.base import Boundedness, Source, SourceReader
from flinklite.errors import InvalidProgramException

__all__ = ["NumberSequenceSource"]


def _split_range(start: int, end: int, num_splits: int) -> list[tuple[int, int]]:
    total = end - start + 1
    base, extra = divmod(total, num_splits)
    splits = []
    cur = start
    for i in range(num_splits):
        n = base + (1 if i < extra else 0)
        splits.append((cur, cur + n - 1))
        cur += n
    return splits


class _NumberSequenceReader(SourceReader):
    def __init__(self, first: int, last: int) -> None:
        self.next = first
        self.last = last

    def poll(self, max_records: int):
        if self.next > self.last:
            return None
        stop = min(self.last + 1, self.next + max_records)
        values = list(range(self.next, stop))
        self.next = stop
        return values, None

    def snapshot_state(self) -> int:
        return self.next

    def restore_state(self, state: int) -> None:
        self.next = state


class NumberSequenceSource(Source):
    def __init__(self, start: int, end: int) -> None:
        if end < start:
            raise InvalidProgramException(f"NumberSequenceSource: end ({end}) must not be below start ({start})")
        self.start = start
        self.end = end

    def get_boundedness(self) -> Boundedness:
        return Boundedness.BOUNDED

    def create_reader(self, subtask_index: int, parallelism: int) -> SourceReader:
        first, last = _split_range(self.start, self.end, parallelism)[subtask_index]
        return _NumberSequenceReader(first, last)
