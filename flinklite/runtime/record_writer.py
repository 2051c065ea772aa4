"""The record writer: the exit of a task towards one downstream operator (Flink's
``RecordWriter`` + ``ResultPartition``).

It keeps one pending buffer per channel. Records accumulate there until the buffer is full, the
buffer timeout flusher runs (the scheduler calls :meth:`flush` every ``buffer_timeout`` ms, as
Flink's ``OutputFlusher`` does), an event must be sent (events never overtake records), or the
scheduler has nothing else to run. Watermarks and statuses are broadcast to every channel.
"""

from __future__ import annotations

from flinklite.runtime.channels import Channel
from flinklite.runtime.elements import END_OF_PARTITION, Buffer
from flinklite.runtime.partitioners import StreamPartitioner
from flinklite.time.watermark import MIN_TIMESTAMP, Watermark, WatermarkStatus

__all__ = ["RecordWriter"]


class RecordWriter:
    """Also an ``Output``: operators call ``collect`` / ``emit_watermark`` on it directly."""

    __slots__ = (
        "channels", "partitioner", "buffer_size", "_pv", "_pt", "_pk", "_n", "_dirty", "records_out",
    )

    def __init__(self, channels: list[Channel], partitioner: StreamPartitioner, buffer_size: int) -> None:
        self.channels = channels
        self.partitioner = partitioner
        self.buffer_size = buffer_size
        n = self._n = len(channels)
        self._pv: list[list] = [[] for _ in range(n)]
        self._pt: list[list | None] = [None] * n
        self._pk: list[list | None] = [None] * n
        self._dirty = False
        self.records_out = 0

    # -- Output ---------------------------------------------------------------------------
    def collect(self, values: list, timestamps: list | None) -> None:
        self.records_out += len(values)
        self.partitioner.route(self, values, timestamps)

    def emit_watermark(self, watermark: int) -> None:
        self.broadcast_event(Watermark(watermark))

    def emit_watermark_status(self, idle: bool) -> None:
        self.broadcast_event(WatermarkStatus.IDLE if idle else WatermarkStatus.ACTIVE)

    # -- pending buffers ------------------------------------------------------------------
    def append(self, c: int, values: list, timestamps: list | None, keys: list | None) -> None:
        pv = self._pv[c]
        had = len(pv)
        pt = self._pt[c]
        if timestamps is not None:
            if pt is None:
                pt = self._pt[c] = [MIN_TIMESTAMP] * had
            pt.extend(timestamps)
        elif pt is not None:
            pt.extend([MIN_TIMESTAMP] * len(values))
        pk = self._pk[c]
        if keys is not None:
            if pk is None:
                self._pk[c] = list(keys) if not had else [None] * had + list(keys)
            else:
                pk.extend(keys)
        elif pk is not None:
            pk.extend([None] * len(values))
        pv.extend(values)
        self._dirty = True
        if len(pv) >= self.buffer_size:
            self._flush_channel(c)

    def append_one(self, c: int, value, timestamp, key) -> None:
        pv = self._pv[c]
        pt = self._pt[c]
        if timestamp is not None:
            if pt is None:
                pt = self._pt[c] = [MIN_TIMESTAMP] * len(pv)
            pt.append(timestamp)
        elif pt is not None:
            pt.append(MIN_TIMESTAMP)
        if key is not None or self._pk[c] is not None:
            pk = self._pk[c]
            if pk is None:
                pk = self._pk[c] = [None] * len(pv)
            pk.append(key)
        pv.append(value)
        self._dirty = True
        if len(pv) >= self.buffer_size:
            self._flush_channel(c)

    def _flush_channel(self, c: int) -> None:
        pv = self._pv[c]
        if pv:
            self.channels[c].push_buffer(Buffer(pv, self._pt[c], self._pk[c]))
            self._pv[c] = []
            self._pt[c] = None
            self._pk[c] = None

    def flush(self) -> None:
        if self._dirty:
            for c in range(self._n):
                self._flush_channel(c)
            self._dirty = False

    @property
    def has_pending(self) -> bool:
        return self._dirty

    def broadcast_event(self, event: object) -> None:
        self.flush()
        for ch in self.channels:
            ch.push_event(event)

    def end_of_partition(self) -> None:
        self.broadcast_event(END_OF_PARTITION)

    def is_available(self) -> bool:
        for ch in self.channels:
            if ch.queued_records >= ch.capacity:
                return False
        return True

    def clear(self) -> None:
        n = self._n
        self._pv = [[] for _ in range(n)]
        self._pt = [None] * n
        self._pk = [None] * n
        self._dirty = False
