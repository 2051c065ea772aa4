"""The source operator (Flink's ``SourceOperator``): polls a reader in batches, assigns timestamps
and watermarks, and at the end of a bounded input emits the final ``MAX_TIMESTAMP`` watermark,
which is what flushes every event-time window and timer downstream.
"""

from __future__ import annotations

from typing import Any

from flinklite.runtime.operators.base import StreamOperator
from flinklite.runtime.operators.timestamps import TimestampsAndWatermarks
from flinklite.time.watermark import MAX_TIMESTAMP

__all__ = ["SourceOperator", "MORE", "END", "WAIT"]

MORE, END, WAIT = "more", "end", "wait"


class SourceOperator(StreamOperator):
    def __init__(self, source: Any, strategy: Any = None, name: str = "Source", uid: str | None = None) -> None:
        super().__init__(name, uid)
        self.source = source
        self.strategy = strategy
        self.reader = None
        self.records_emitted = 0

    def snapshot_operator_state(self, checkpoint_id: int):
        return {"splits": self.reader.snapshot_state()} if self.reader is not None else None

    def restore_operator_state(self, own, all_states) -> None:
        # Splits are redistributed when the parallelism changed: subtask i takes every q-th split
        # of the old subtasks' splits, in order (Flink re-assigns splits the same way).
        if len(all_states) == self.ctx.parallelism:
            self._restored_splits = (own or {}).get("splits", [])
        else:
            every = [sp for st in all_states if st for sp in st.get("splits", [])]
            self._restored_splits = every[self.ctx.subtask_index::self.ctx.parallelism]

    def open(self) -> None:
        restored = getattr(self, "_restored_splits", None)
        if restored is None:
            self.reader = self.source.create_reader(self.ctx.subtask_index, self.ctx.parallelism)
        else:
            self.reader = self.source.restore_reader(self.ctx.subtask_index, self.ctx.parallelism, restored)
        self.tw = TimestampsAndWatermarks(self, self.strategy)
        self.tw.open(self.ctx.config.auto_watermark_interval)

    def emit_next(self, max_records: int) -> str:
        try:
            polled = self.reader.poll(max_records)
        except Exception as e:
            raise self.user_error(e, "<source read>") from e
        if polled is None:
            return END
        values, timestamps = polled
        if not values:
            return WAIT
        self.records_emitted += len(values)
        self.tw.process(values, timestamps)
        return MORE

    def next_available_ms(self) -> int | None:
        return self.reader.next_available_ms()

    def finish(self) -> None:
        self.tw.cancel()
        self.tw.wm_output.emit_watermark(MAX_TIMESTAMP)

    def close(self) -> None:
        if hasattr(self, "tw"):
            self.tw.cancel()
        if self.reader is not None:
            self.reader.close()
