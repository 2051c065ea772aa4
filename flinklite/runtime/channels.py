"""Input channels and input gates (Flink's ``InputChannel`` / ``InputGate``).

A channel connects one producer subtask to one consumer subtask. It is a FIFO of buffers and
events with a capacity counted in records: a producer whose channel is at capacity is not
scheduled (that is backpressure, Flink's credit-based flow control reduced to one process). The
bound is soft: a task checks for room before a step and may overshoot by that one step's output.

An input gate groups the channels of one logical input of a task (one-input tasks have one gate,
two-input tasks two). It hands out elements round-robin over channels that have data and are not
blocked (barrier alignment blocks channels).
"""

from __future__ import annotations

from collections import deque

from flinklite.runtime.elements import Buffer

__all__ = ["Channel", "InputGate"]


class Channel:
    __slots__ = ("queue", "queued_records", "capacity", "blocked", "finished", "index", "name")

    def __init__(self, capacity: int, name: str = "") -> None:
        self.queue: deque = deque()
        self.queued_records = 0
        self.capacity = capacity
        self.blocked = False
        self.finished = False
        self.index = -1  # position in the consumer's gate
        self.name = name

    def push_buffer(self, buffer: Buffer) -> None:
        self.queue.append(buffer)
        self.queued_records += len(buffer.values)

    def push_event(self, event: object) -> None:
        self.queue.append(event)

    def has_room(self) -> bool:
        return self.queued_records < self.capacity

    def pop(self) -> object:
        el = self.queue.popleft()
        if el.__class__ is Buffer:
            self.queued_records -= len(el.values)
        return el

    def clear(self) -> None:
        self.queue.clear()
        self.queued_records = 0

    def __repr__(self) -> str:
        return f"Channel({self.name}, {len(self.queue)} elements)"


class InputGate:
    __slots__ = ("channels", "_next", "num_finished")

    def __init__(self, channels: list[Channel]) -> None:
        self.channels = channels
        for i, ch in enumerate(channels):
            ch.index = i
        self._next = 0
        self.num_finished = 0

    def has_data(self) -> bool:
        for ch in self.channels:
            if ch.queue and not ch.blocked:
                return True
        return False

    def poll(self) -> tuple[Channel, object] | None:
        """The next element, round-robin over unblocked channels with data."""
        chans = self.channels
        n = len(chans)
        start = self._next
        for i in range(n):
            ch = chans[(start + i) % n]
            if ch.queue and not ch.blocked:
                self._next = (start + i + 1) % n
                return ch, ch.pop()
        return None

    @property
    def all_finished(self) -> bool:
        return self.num_finished == len(self.channels)
