"""The queues of the async wait operator (Flink's ``StreamElementQueue``: ``OrderedStreamElementQueue``
and ``UnorderedStreamElementQueue``).

Both hold every element the operator has taken in but not yet emitted: records whose call is in
flight or finished, and watermarks. Their size is what ``capacity`` bounds. They differ in what
may leave first:

* ordered: strictly arrival order. A finished record waits for every earlier record.
* unordered: records leave as soon as they finish, but never across a watermark. The watermarks
  cut the stream into *segments*; a segment's records leave in completion order, then its
  watermark, then the next segment may start. So no record ever becomes late because async
  I/O reordered it behind a watermark that was ahead of it, which is Flink's guarantee. Without
  watermarks (processing time) there is one segment and the output is fully unordered.

Both run on the task thread only; the event loop thread never touches them.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any

__all__ = ["QueueEntry", "OrderedStreamElementQueue", "UnorderedStreamElementQueue"]


class QueueEntry:
    """One element in the queue: a record (with its call's outcome) or a watermark."""

    __slots__ = ("value", "timestamp", "is_watermark", "done", "results", "error", "timed_out",
                 "segment")

    def __init__(self, value: Any, timestamp: int | None, is_watermark: bool = False) -> None:
        self.value = value
        self.timestamp = timestamp
        self.is_watermark = is_watermark
        self.done = is_watermark  # watermarks are complete the moment they arrive
        self.results: list | None = None
        self.error: BaseException | None = None
        self.timed_out = False
        self.segment: _Segment | None = None


Emit = Callable[[QueueEntry], None]


class OrderedStreamElementQueue:
    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._entries: deque[QueueEntry] = deque()

    def __len__(self) -> int:
        return len(self._entries)

    def put(self, entry: QueueEntry) -> None:
        self._entries.append(entry)

    def on_complete(self, entry: QueueEntry) -> None:
        entry.done = True

    def emit_completed(self, emit: Emit) -> None:
        entries = self._entries
        while entries and entries[0].done:
            emit(entries.popleft())

    def values(self) -> list[QueueEntry]:
        """Everything not yet emitted, in the order it arrived (what a checkpoint keeps)."""
        return list(self._entries)


class _Segment:
    __slots__ = ("unemitted", "ready", "watermark")

    def __init__(self) -> None:
        self.unemitted: dict[QueueEntry, None] = {}  # records in arrival order
        self.ready: deque[QueueEntry] = deque()  # finished records, in completion order
        self.watermark: QueueEntry | None = None  # closes the segment


class UnorderedStreamElementQueue:
    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._segments: deque[_Segment] = deque()
        self._size = 0

    def __len__(self) -> int:
        return self._size

    def put(self, entry: QueueEntry) -> None:
        segments = self._segments
        last = segments[-1] if segments else None
        if last is None or last.watermark is not None:
            last = _Segment()
            segments.append(last)
        if entry.is_watermark:
            last.watermark = entry
        else:
            entry.segment = last
            last.unemitted[entry] = None
        self._size += 1

    def on_complete(self, entry: QueueEntry) -> None:
        entry.done = True
        entry.segment.ready.append(entry)

    def emit_completed(self, emit: Emit) -> None:
        segments = self._segments
        while segments:
            seg = segments[0]
            while seg.ready:
                entry = seg.ready.popleft()
                del seg.unemitted[entry]
                self._size -= 1
                emit(entry)
            if seg.unemitted or seg.watermark is None:
                return
            self._size -= 1
            emit(seg.watermark)
            segments.popleft()

    def values(self) -> list[QueueEntry]:
        out: list[QueueEntry] = []
        for seg in self._segments:
            out.extend(seg.unemitted)
            if seg.watermark is not None:
                out.append(seg.watermark)
        return out
