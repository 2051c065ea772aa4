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
    """Reads its splits ``[next, last]`` one after the other."""

    def __init__(self, splits: list[list[int]]) -> None:
        self.splits = [list(s) for s in splits if s[0] <= s[1]]

    def poll(self, max_records: int):
        while self.splits and self.splits[0][0] > self.splits[0][1]:
            self.splits.pop(0)
        if not self.splits:
            return None
        split = self.splits[0]
        stop = min(split[1] + 1, split[0] + max_records)
        values = list(range(split[0], stop))
        split[0] = stop
        return values, None

    def snapshot_state(self) -> list:
        return [list(s) for s in self.splits if s[0] <= s[1]]


class NumberSequenceSource(Source):
    def __init__(self, start: int, end: int) -> None:
        if end < start:
            raise InvalidProgramException(f"NumberSequenceSource: end ({end}) must not be below start ({start})")
        self.start = start
        self.end = end

    def get_boundedness(self) -> Boundedness:
        return Boundedness.BOUNDED

    def create_reader(self, subtask_index: int, parallelism: int) -> SourceReader:
        return _NumberSequenceReader([list(_split_range(self.start, self.end, parallelism)[subtask_index])])

    def restore_reader(self, subtask_index: int, parallelism: int, splits: list) -> SourceReader:
        return _NumberSequenceReader(splits)
