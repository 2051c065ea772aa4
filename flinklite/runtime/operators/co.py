"""Operators over ``connect``-ed streams (Flink's ``CoStreamMap``, ``CoStreamFlatMap``,
``CoProcessOperator``, ``KeyedCoProcessOperator``).

The two inputs interleave in whatever order their data arrives (Flink does not define it). On
keyed connected streams both inputs share the keyed state and timers of a key.
"""

from __future__ import annotations

from typing import Any

from flinklite.datastream.functions import CoProcessFunction, KeyedCoProcessFunction
from flinklite.datastream.time_domain import TimeDomain
from flinklite.runtime.operators.base import TimerFiringMixin
from flinklite.runtime.operators.collector import TimestampedCollector
from flinklite.runtime.operators.process import KeyedTimerService, NonKeyedTimerService
from flinklite.runtime.operators.simple import as_callable
from flinklite.runtime.operators.two_input import TwoInputStreamOperator
from flinklite.runtime.runtime_context import StreamingRuntimeContext
from flinklite.time.timer_service import InternalTimerService
from flinklite.time.watermark import MIN_TIMESTAMP

__all__ = ["CoMapOperator", "CoFlatMapOperator", "CoProcessOperator", "KeyedCoProcessOperator"]


class _CoUdf(TwoInputStreamOperator):
    methods = ("", "")

    def __init__(self, fn: Any, name: str, uid: str | None = None, keyed: bool = False) -> None:
        super().__init__(name, uid)
        self.fn = fn
        self.keyed = keyed
        self._calls = (as_callable(fn, self.methods[0], name), as_callable(fn, self.methods[1], name))
        if self._calls[0] is fn:  # a plain callable cannot serve two inputs
            from flinklite.errors import InvalidProgramException

            raise InvalidProgramException(
                f"{name}: needs an object with {self.methods[0]}() and {self.methods[1]}() methods"
            )

    def open(self) -> None:
        self.open_function(self.fn, StreamingRuntimeContext(self))

    def close(self) -> None:
        self.close_function(self.fn)

    def _results(self, idx: int, values: list, keys: list | None) -> list:
        f = self._calls[idx]
        backend = self.keyed_backend
        out = []
        append = out.append
        record = None
        try:
            if keys is None or backend is None:
                for record in values:
                    append(f(record))
            else:
                for record, key in zip(values, keys):
                    backend.current_key = key
                    append(f(record))
        except Exception as e:
            raise self.user_error(e, record) from e
        return out


class CoMapOperator(_CoUdf):
    methods = ("map1", "map2")

    def process_batch1(self, values, timestamps, keys):
        self.output.collect(self._results(0, values, keys), timestamps)

    def process_batch2(self, values, timestamps, keys):
        self.output.collect(self._results(1, values, keys), timestamps)


class CoFlatMapOperator(_CoUdf):
    methods = ("flat_map1", "flat_map2")

    def _flat(self, idx: int, values, timestamps, keys):
        f = self._calls[idx]
        backend = self.keyed_backend
        out: list = []
        out_t: list | None = None if timestamps is None else []
        record = None
        try:
            for i, record in enumerate(values):
                if keys is not None and backend is not None:
                    backend.current_key = keys[i]
                res = f(record)
                if res is not None:
                    before = len(out)
                    out.extend(res)
                    if out_t is not None:
                        out_t.extend([timestamps[i]] * (len(out) - before))
        except Exception as e:
            raise self.user_error(e, record) from e
        if out:
            self.output.collect(out, out_t)

    def process_batch1(self, values, timestamps, keys):
        self._flat(0, values, timestamps, keys)

    def process_batch2(self, values, timestamps, keys):
        self._flat(1, values, timestamps, keys)


class _CoContext(KeyedCoProcessFunction.OnTimerContext, CoProcessFunction.Context):
    __slots__ = ("ts", "domain", "_timer_service", "_backend")

    def __init__(self, timer_service, backend) -> None:
        self.ts = MIN_TIMESTAMP
        self.domain = TimeDomain.EVENT_TIME
        self._timer_service = timer_service
        self._backend = backend

    def timestamp(self) -> int:
        return self.ts

    def timer_service(self):
        return self._timer_service

    def get_current_key(self) -> Any:
        return self._backend.current_key if self._backend is not None else None

    def time_domain(self) -> TimeDomain:
        return self.domain


class CoProcessOperator(TwoInputStreamOperator):
    """Non-keyed ``CoProcessFunction``; also the keyed one via :class:`KeyedCoProcessOperator`."""

    def __init__(self, fn: Any, name: str = "Co-Process", uid: str | None = None) -> None:
        super().__init__(name, uid)
        self.fn = fn

    def _timer_service(self):
        return NonKeyedTimerService(self)

    def open(self) -> None:
        self.collector = TimestampedCollector(self)
        self.context = _CoContext(self._timer_service(), self.keyed_backend)
        self.open_function(self.fn, StreamingRuntimeContext(self))

    def close(self) -> None:
        self.close_function(self.fn)

    def _process(self, method, values, timestamps, keys) -> None:
        ctx = self.context
        backend = self.keyed_backend
        col = self.collector
        drain = col.drain_checked
        record = None
        try:
            for i, record in enumerate(values):
                if keys is not None and backend is not None:
                    backend.current_key = keys[i]
                ts = MIN_TIMESTAMP if timestamps is None else timestamps[i]
                ctx.ts = ts
                drain(method(record, ctx), ts)
        except Exception as e:
            col.clear()
            raise self.user_error(e, record) from e
        col.flush()

    def process_batch1(self, values, timestamps, keys):
        self._process(self.fn.process_element1, values, timestamps, keys)

    def process_batch2(self, values, timestamps, keys):
        self._process(self.fn.process_element2, values, timestamps, keys)


class KeyedCoProcessOperator(TimerFiringMixin, CoProcessOperator):
    keyed = True

    def _timer_service(self):
        self.timer_service = InternalTimerService(
            "user-timers", self.keyed_backend, self.ctx.pt_service, self, owner=self.ctx.task
        )
        self.timer_service.batch_mode = self.ctx.batch_mode
        return KeyedTimerService(self.timer_service)

    def close(self) -> None:
        if hasattr(self, "timer_service"):
            self.timer_service.cancel()
        super().close()

    def _fire(self, ts: int, domain: TimeDomain, main_ts: int) -> None:
        ctx = self.context
        ctx.ts = ts
        ctx.domain = domain
        try:
            self.collector.drain_checked(self.fn.on_timer(ts, ctx), main_ts, ts)
        except Exception as e:
            self.collector.clear()
            raise self.user_error(e, f"<{domain.name.lower()} timer {ts}>") from e

    def on_event_time(self, ts: int, key: Any, ns: Any) -> None:
        self._fire(ts, TimeDomain.EVENT_TIME, ts)

    def on_processing_time(self, ts: int, key: Any, ns: Any) -> None:
        self._fire(ts, TimeDomain.PROCESSING_TIME, ts)  # PyFlink stamps these with the timer time too
        self.collector.flush()

