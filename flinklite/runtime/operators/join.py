"""Interval join (Java Flink's ``KeyedStream.intervalJoin`` / ``IntervalJoinOperator``; PyFlink has
no interval join, so programs using it are **non-portable**).

``a.key_by(ka).interval_join(b.key_by(kb)).between(lo, hi).process(ProcessJoinFunction)`` pairs
every left ``(x, ta)`` with every right ``(y, tb)`` of the same key where
``ta + lo <= tb <= ta + hi`` (both bounds inclusive unless ``lower_bound_exclusive()`` /
``upper_bound_exclusive()``). Event time only. Rules (semantics reference §7.2):

* a record is late iff its timestamp is *strictly* below the operator's watermark; late records
  go to the side's late tag if one is set, else are dropped;
* each side keeps a per-key buffer ``{timestamp: [values]}``; a pair is emitted when its second
  record arrives, with timestamp ``max(ta, tb)``;
* buckets are removed by event-time cleanup timers (namespaces ``"left"`` / ``"right"``) once no
  future record of the other side could match them.

The window join and coGroup are built from the window operator (see
:mod:`flinklite.datastream.windowed_stream`).
"""

from __future__ import annotations

from typing import Any

from flinklite.datastream.functions import ProcessJoinFunction
from flinklite.datastream.output_tag import OutputTag
from flinklite.datastream.state import MapStateDescriptor
from flinklite.datastream.window import _ms
from flinklite.errors import InvalidProgramException
from flinklite.runtime.operators.base import TimerFiringMixin
from flinklite.runtime.operators.collector import TimestampedCollector
from flinklite.runtime.operators.two_input import TwoInputStreamOperator
from flinklite.runtime.runtime_context import StreamingRuntimeContext
from flinklite.time.timer_service import InternalTimerService
from flinklite.time.watermark import MIN_TIMESTAMP

__all__ = ["IntervalJoin", "IntervalJoined", "IntervalJoinOperator"]


class IntervalJoin:
    """``left_keyed.interval_join(right_keyed)``: set the bounds with :meth:`between`."""

    def __init__(self, left: Any, right: Any) -> None:
        from flinklite.datastream.data_stream import KeyedStream

        if not isinstance(left, KeyedStream) or not isinstance(right, KeyedStream):
            raise InvalidProgramException(
                "interval_join joins two keyed streams: a.key_by(...).interval_join(b.key_by(...))"
            )
        self.left = left
        self.right = right

    def between(self, lower_bound: Any, upper_bound: Any) -> IntervalJoined:
        lo = _ms(lower_bound, "interval_join.between")
        hi = _ms(upper_bound, "interval_join.between")
        if lo > hi:
            raise InvalidProgramException(
                f"interval_join.between: the lower bound ({lo}) must not be larger than the upper bound ({hi})"
            )
        return IntervalJoined(self.left, self.right, lo, hi)


class IntervalJoined:
    def __init__(self, left: Any, right: Any, lo: int, hi: int) -> None:
        self.left = left
        self.right = right
        self.lo = lo
        self.hi = hi
        self.lower_exclusive = False
        self.upper_exclusive = False
        self.left_late: OutputTag | None = None
        self.right_late: OutputTag | None = None

    def lower_bound_exclusive(self) -> IntervalJoined:
        self.lower_exclusive = True
        return self

    def upper_bound_exclusive(self) -> IntervalJoined:
        self.upper_exclusive = True
        return self

    def side_output_left_late_data(self, output_tag: OutputTag) -> IntervalJoined:
        self.left_late = output_tag
        return self

    def side_output_right_late_data(self, output_tag: OutputTag) -> IntervalJoined:
        self.right_late = output_tag
        return self

    def process(self, process_join_function: ProcessJoinFunction, output_type: Any = None) -> Any:
        from flinklite.datastream.data_stream import ConnectedStreams

        if not isinstance(process_join_function, ProcessJoinFunction):
            raise InvalidProgramException(
                f"interval_join(...).process needs a ProcessJoinFunction, got {type(process_join_function).__name__}"
            )
        lo = self.lo + (1 if self.lower_exclusive else 0)
        hi = self.hi - (1 if self.upper_exclusive else 0)
        payload = (process_join_function, lo, hi, self.left_late, self.right_late)
        out = ConnectedStreams(self.left, self.right)._two(
            "Interval Join", lambda p: IntervalJoinOperator(*p), payload, output_type, True)
        t = out._transformation
        t.side_outputs_allowed = True
        for tag in (self.left_late, self.right_late):
            if tag is not None:
                t.side_output_types[tag.tag_id] = tag.type_info
        return out


class _JoinContext(ProcessJoinFunction.Context):
    __slots__ = ("left_ts", "right_ts", "ts", "_col")

    def __init__(self, collector: TimestampedCollector) -> None:
        self.left_ts = MIN_TIMESTAMP
        self.right_ts = MIN_TIMESTAMP
        self.ts = MIN_TIMESTAMP
        self._col = collector

    def get_left_timestamp(self) -> int:
        return self.left_ts

    def get_right_timestamp(self) -> int:
        return self.right_ts

    def get_timestamp(self) -> int:
        return self.ts

    def output(self, output_tag: Any, value: Any) -> None:
        self._col.side(output_tag, value, self.ts)


_LEFT = MapStateDescriptor("interval-join-left-buffer")
_RIGHT = MapStateDescriptor("interval-join-right-buffer")


class IntervalJoinOperator(TimerFiringMixin, TwoInputStreamOperator):
    keyed = True

    def __init__(self, fn: ProcessJoinFunction, lo: int, hi: int, left_late: Any = None, right_late: Any = None,
                 name: str = "Interval Join", uid: str | None = None) -> None:
        super().__init__(name, uid)
        self.fn = fn
        self.lo = lo
        self.hi = hi
        self.left_late = left_late
        self.right_late = right_late

    def open(self) -> None:
        backend = self.keyed_backend
        self.left_buf = backend.get_or_create_state(_LEFT)
        self.right_buf = backend.get_or_create_state(_RIGHT)
        self.timer_service = InternalTimerService(
            "interval-join-timers", backend, self.ctx.pt_service, self, owner=self.ctx.task
        )
        self.timer_service.batch_mode = self.ctx.batch_mode
        self.collector = TimestampedCollector(self)
        self.context = _JoinContext(self.collector)
        self.open_function(self.fn, StreamingRuntimeContext(self))

    def close(self) -> None:
        if hasattr(self, "timer_service"):
            self.timer_service.cancel()
        self.close_function(self.fn)

    def process_batch1(self, values, timestamps, keys) -> None:
        self._batch(values, timestamps, keys, True)

    def process_batch2(self, values, timestamps, keys) -> None:
        self._batch(values, timestamps, keys, False)

    def _batch(self, values: list, timestamps: list | None, keys: list, left: bool) -> None:
        backend = self.keyed_backend
        element = self._element
        ts_list = timestamps if timestamps is not None else [MIN_TIMESTAMP] * len(values)
        record = None
        try:
            for record, key, ts in zip(values, keys, ts_list):
                backend.current_key = key
                element(record, ts, left)
        except Exception as e:
            self.collector.clear()
            raise self.user_error(e, record) from e
        self.collector.flush()

    def _element(self, value: Any, ts: int, left: bool) -> None:
        if ts is None or ts == MIN_TIMESTAMP:
            raise InvalidProgramException(
                "interval join: a record has no timestamp. The interval join works on event time; "
                "assign timestamps with assign_timestamps_and_watermarks(...) before key_by."
            )
        if ts < self.timer_service.current_watermark:
            tag = self.left_late if left else self.right_late
            if tag is not None:
                self.collector.side(tag, value, ts)
            return
        if left:
            ours, theirs, lo, hi = self.left_buf, self.right_buf, self.lo, self.hi
        else:
            ours, theirs, lo, hi = self.right_buf, self.left_buf, -self.hi, -self.lo
        ours.set_current_namespace(None)
        bucket = ours.get(ts)
        if bucket is None:
            ours.put(ts, [value])
        else:
            bucket.append(value)
        theirs.set_current_namespace(None)
        ctx = self.context
        process = self.fn.process_element
        drain = self.collector.drain_checked
        low, high = ts + lo, ts + hi
        for other_ts, others in theirs.items():
            if other_ts < low or other_ts > high:
                continue
            out_ts = ts if ts > other_ts else other_ts
            ctx.ts = out_ts
            for other in list(others):
                if left:
                    ctx.left_ts, ctx.right_ts = ts, other_ts
                    drain(process(value, other, ctx), out_ts)
                else:
                    ctx.left_ts, ctx.right_ts = other_ts, ts
                    drain(process(other, value, ctx), out_ts)
        if left:
            cleanup = ts + self.hi if self.hi > 0 else ts
            self.timer_service.register_event_time_timer("left", cleanup)
        else:
            cleanup = ts - self.lo if self.lo <= 0 else ts
            self.timer_service.register_event_time_timer("right", cleanup)

    def on_event_time(self, ts: int, key: Any, ns: Any) -> None:
        if ns == "left":
            buf = self.left_buf
            bucket = ts - self.hi if self.hi > 0 else ts
        else:
            buf = self.right_buf
            bucket = ts + self.lo if self.lo <= 0 else ts
        buf.set_current_namespace(None)
        buf.remove(bucket)

    def on_processing_time(self, ts: int, key: Any, ns: Any) -> None:
        pass

