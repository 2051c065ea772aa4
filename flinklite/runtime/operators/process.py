"""``process(ProcessFunction)`` and ``KeyedStream.process(KeyedProcessFunction)`` (Flink's
``ProcessOperator`` and ``KeyedProcessOperator``).

Output timestamps (§2.7): per element, the element's timestamp; from a timer, the timer's
timestamp. (Java Flink leaves the main output of a processing-time timer without a timestamp;
PyFlink stamps it with the timer time, and PyFlink's behaviour is flinklite's contract.)
``ctx.timestamp()`` of an element without one is ``MIN_TIMESTAMP``,
as PyFlink reports it.
"""

from __future__ import annotations

from heapq import heappush as _heappush
from types import GeneratorType
from typing import Any

from flinklite.datastream.functions import KeyedProcessFunction, ProcessFunction
from flinklite.datastream.output_tag import OutputTag
from flinklite.datastream.time_domain import TimeDomain
from flinklite.datastream.timerservice import TimerService
from flinklite.errors import IllegalStateException
from flinklite.runtime.operators.base import StreamOperator, TimerFiringMixin
from flinklite.runtime.operators.collector import TimestampedCollector
from flinklite.runtime.runtime_context import StreamingRuntimeContext
from flinklite.time.timer_service import InternalTimerService
from flinklite.time.watermark import MIN_TIMESTAMP

__all__ = ["ProcessOperator", "KeyedProcessOperator", "NonKeyedTimerService", "KeyedTimerService"]


class NonKeyedTimerService(TimerService):
    """Clocks only: timers need a key to be scoped to."""

    __slots__ = ("_op",)

    def __init__(self, op: StreamOperator) -> None:
        self._op = op

    def current_processing_time(self) -> int:
        return self._op.ctx.pt_service.now()

    def current_watermark(self) -> int:
        return self._op.current_watermark

    def _no_timers(self) -> None:
        raise IllegalStateException(
            f"{self._op.describe()}: timers can only be used on a keyed stream. Use "
            "ds.key_by(...).process(KeyedProcessFunction) to register timers."
        )

    def register_processing_time_timer(self, timestamp: int) -> None:
        self._no_timers()

    def register_event_time_timer(self, timestamp: int) -> None:
        self._no_timers()

    def delete_processing_time_timer(self, timestamp: int) -> None:
        self._no_timers()

    def delete_event_time_timer(self, timestamp: int) -> None:
        self._no_timers()


class KeyedTimerService(TimerService):
    """The user's view of an operator's :class:`InternalTimerService` (void namespace)."""

    __slots__ = ("_ts", "_et", "_kc")

    def __init__(self, internal: InternalTimerService) -> None:
        self._ts = internal
        # event-time timers are the hot path (one or two calls per record in session logic):
        # go to the queue directly instead of through InternalTimerService's methods
        self._et = internal.event_time_timers
        self._kc = internal._key_context

    def current_processing_time(self) -> int:
        return self._ts.current_processing_time()

    def current_watermark(self) -> int:
        return self._ts.current_watermark

    def register_processing_time_timer(self, timestamp: int) -> None:
        self._ts.register_processing_time_timer(None, timestamp)

    def register_event_time_timer(self, timestamp: int) -> None:
        # TimerQueue.add inlined: often called once per record.
        if not self._ts.ignore_registrations:
            key = self._kc.current_key
            queue = self._et
            index = queue._index
            ident = (timestamp, key, None)
            if ident not in index:
                seq = index[ident] = queue._seq = queue._seq + 1
                _heappush(queue._heap, (timestamp, seq, key, None))

    def delete_processing_time_timer(self, timestamp: int) -> None:
        self._ts.delete_processing_time_timer(None, timestamp)

    def delete_event_time_timer(self, timestamp: int) -> None:
        self._et.remove(timestamp, self._kc.current_key, None)


class _ProcessContext(ProcessFunction.Context):
    __slots__ = ("ts", "_timer_service")

    def __init__(self, timer_service: TimerService) -> None:
        self.ts = MIN_TIMESTAMP
        self._timer_service = timer_service

    def timestamp(self) -> int:
        return self.ts

    def timer_service(self) -> TimerService:
        return self._timer_service


class ProcessOperator(StreamOperator):
    def __init__(self, fn: ProcessFunction, name: str = "Process", uid: str | None = None) -> None:
        super().__init__(name, uid)
        self.fn = fn

    def open(self) -> None:
        self.collector = TimestampedCollector(self)
        self.context = _ProcessContext(NonKeyedTimerService(self))
        self.open_function(self.fn, StreamingRuntimeContext(self))

    def close(self) -> None:
        self.close_function(self.fn)

    def process_batch(self, values, timestamps, keys):
        process = self.fn.process_element
        ctx = self.context
        col = self.collector
        drain = col.drain_checked
        record = None
        try:
            if timestamps is None:
                ctx.ts = MIN_TIMESTAMP
                for record in values:
                    drain(process(record, ctx), MIN_TIMESTAMP)
            else:
                for record, ts in zip(values, timestamps):
                    ctx.ts = ts
                    drain(process(record, ctx), ts)
        except Exception as e:
            col.clear()
            raise self.user_error(e, record) from e
        col.flush()


_EVENT_TIME = TimeDomain.EVENT_TIME


class _KeyedContext(KeyedProcessFunction.OnTimerContext):
    __slots__ = ("ts", "domain", "_timer_service", "_backend")

    def __init__(self, timer_service: TimerService, backend) -> None:
        self.ts = MIN_TIMESTAMP
        self.domain = TimeDomain.EVENT_TIME
        self._timer_service = timer_service
        self._backend = backend

    def timestamp(self) -> int:
        return self.ts

    def timer_service(self) -> TimerService:
        return self._timer_service

    def get_current_key(self) -> Any:
        return self._backend.current_key

    def time_domain(self) -> TimeDomain:
        return self.domain


class KeyedProcessOperator(TimerFiringMixin, StreamOperator):
    keyed = True

    def __init__(self, fn: KeyedProcessFunction, name: str = "KeyedProcess", uid: str | None = None) -> None:
        super().__init__(name, uid)
        self.fn = fn

    def open(self) -> None:
        self.collector = TimestampedCollector(self)
        self.timer_service = InternalTimerService(
            "user-timers", self.keyed_backend, self.ctx.pt_service, self, owner=self.ctx.task
        )
        self.timer_service.batch_mode = self.ctx.batch_mode
        self.context = _KeyedContext(KeyedTimerService(self.timer_service), self.keyed_backend)
        self.open_function(self.fn, StreamingRuntimeContext(self))

    def close(self) -> None:
        if hasattr(self, "timer_service"):
            self.timer_service.cancel()
        self.close_function(self.fn)

    def process_batch(self, values, timestamps, keys):
        process = self.fn.process_element
        ctx = self.context
        ctx.domain = None
        backend = self.keyed_backend
        col = self.collector
        drain = col.drain_checked
        record = None
        try:
            if timestamps is None:
                ctx.ts = MIN_TIMESTAMP
                for record, key in zip(values, keys):
                    backend.current_key = key
                    drain(process(record, ctx), MIN_TIMESTAMP)
            else:
                emit, stamp = col.values.append, col.timestamps.append
                for record, key, ts in zip(values, keys, timestamps):
                    backend.current_key = key
                    ctx.ts = ts
                    out = process(record, ctx)
                    if out is None:  # most calls emit nothing: skip the collector call
                        continue
                    if out.__class__ is not GeneratorType:
                        drain(out, ts)
                        continue
                    # a generator (PyFlink's style: yield): drain_checked inlined
                    for r in out:
                        if r.__class__ is tuple and len(r) == 2 and isinstance(r[0], OutputTag):
                            col.side(r[0], r[1], ts)
                        else:
                            emit(r)
                            stamp(ts)
        except Exception as e:
            col.clear()
            raise self.user_error(e, record) from e
        col.flush()

    # -- timers -----------------------------------------------------------------------------
    def _fire(self, ts: int, domain: TimeDomain, main_ts: int) -> None:
        ctx = self.context
        ctx.ts = ts
        ctx.domain = domain
        try:
            self.collector.drain_checked(self.fn.on_timer(ts, ctx), main_ts, ts)
        except Exception as e:
            self.collector.clear()
            raise self.user_error(e, f"<{domain.name.lower()} timer {ts} of key {ctx.get_current_key()!r}>") from e

    def on_event_time(self, ts: int, key: Any, ns: Any) -> None:
        # _fire inlined for event time: one call per timer, often a million per job.
        ctx = self.context
        ctx.ts = ts
        ctx.domain = _EVENT_TIME
        try:
            out = self.fn.on_timer(ts, ctx)
            if out is not None:
                self.collector.drain_checked(out, ts, ts)
        except Exception as e:
            self.collector.clear()
            raise self.user_error(e, f"<event_time timer {ts} of key {ctx.get_current_key()!r}>") from e

    def on_processing_time(self, ts: int, key: Any, ns: Any) -> None:
        self._fire(ts, TimeDomain.PROCESSING_TIME, ts)  # PyFlink stamps these with the timer time too
        self.collector.flush()  # processing-time timers run between batches: emit at once

