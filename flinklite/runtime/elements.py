"""What travels in a channel (Flink's ``StreamElement``s and network ``Buffer``s).

Records travel in :class:`Buffer`s: three parallel lists (values, timestamps, keys), so the hot
loop touches plain lists and no per-record wrapper object is ever made. ``timestamps is None``
means no record of the buffer has a timestamp; ``keys`` is set when the buffer was partitioned by
key (the consumer is keyed and reuses the keys instead of calling the key selector again).

Control events (watermarks, watermark statuses, end of partition, checkpoint barriers) travel
between buffers, never inside one, and are never reordered with them.
"""

from __future__ import annotations

__all__ = ["Buffer", "EndOfPartition", "END_OF_PARTITION"]


class Buffer:
    __slots__ = ("values", "timestamps", "keys")

    def __init__(self, values: list, timestamps: list | None, keys: list | None) -> None:
        self.values = values
        self.timestamps = timestamps
        self.keys = keys

    def __len__(self) -> int:
        return len(self.values)

    def __repr__(self) -> str:
        return f"Buffer({len(self.values)} records)"


class EndOfPartition:
    """The producer subtask finished: nothing more will come on this channel."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "EndOfPartition"


END_OF_PARTITION = EndOfPartition()
