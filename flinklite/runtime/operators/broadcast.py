"""The broadcast state pattern: ``stream.connect(other.broadcast(descriptor)).process(...)``
(Flink's ``CoBroadcastWithNonKeyedOperator`` and ``CoBroadcastWithKeyedOperator``).

Input 1 is the data side (keyed or not), input 2 the broadcast side. Broadcast state is
read-write in ``process_broadcast_element`` and read-only in ``process_element`` / ``on_timer``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flinklite.datastream.functions import KeyedBroadcastProcessFunction
from flinklite.datastream.state import MapStateDescriptor
from flinklite.datastream.time_domain import TimeDomain
from flinklite.errors import IllegalStateException, InvalidProgramException
from flinklite.runtime.operators.co import KeyedCoProcessOperator
from flinklite.runtime.operators.process import NonKeyedTimerService
from flinklite.runtime.operators.two_input import TwoInputStreamOperator
from flinklite.state.broadcast import HeapBroadcastState, ReadOnlyBroadcastStateView
from flinklite.time.watermark import MIN_TIMESTAMP

__all__ = ["BroadcastProcessOperator", "KeyedBroadcastProcessOperator"]


class _BroadcastContext(KeyedBroadcastProcessFunction.OnTimerContext, KeyedBroadcastProcessFunction.Context):
    """One context class for both sides; ``writable`` says which side is running."""

    __slots__ = ("op", "ts", "writable", "domain")

    def __init__(self, op) -> None:
        self.op = op
        self.ts = MIN_TIMESTAMP
        self.writable = False
        self.domain = TimeDomain.EVENT_TIME

    def timestamp(self) -> int:
        return self.ts

    def current_processing_time(self) -> int:
        return self.op.ctx.pt_service.now()

    def current_watermark(self) -> int:
        return self.op.current_watermark

    def get_broadcast_state(self, state_descriptor: MapStateDescriptor) -> Any:
        state = self.op.broadcast_state(state_descriptor)
        return state if self.writable else ReadOnlyBroadcastStateView(state)

    def timer_service(self):
        if self.writable:
            raise IllegalStateException(
                f"{self.op.describe()}: timers cannot be used from process_broadcast_element (it has "
                "no current key); register them in process_element or on_timer."
            )
        return self.op.user_timer_service

    def get_current_key(self) -> Any:
        if self.writable:
            raise IllegalStateException(
                f"{self.op.describe()}: process_broadcast_element has no current key; use "
                "ctx.apply_to_keyed_state(descriptor, fn) to visit the keyed state of every key."
            )
        return self.op.keyed_backend.current_key

    def apply_to_keyed_state(self, state_descriptor: Any, function: Callable[[Any, Any], None]) -> None:
        backend = self.op.keyed_backend
        if backend is None:
            raise IllegalStateException(f"{self.op.describe()}: apply_to_keyed_state needs a keyed data side")
        state = backend.get_or_create_state(state_descriptor)
        state.set_current_namespace(None)
        previous = backend.current_key
        try:
            for key in backend.keys(state_descriptor.name):
                backend.current_key = key
                function(key, state)
        finally:
            backend.current_key = previous

    def time_domain(self) -> TimeDomain:
        return self.domain


class _BroadcastMixin:
    def snapshot_operator_state(self, checkpoint_id: int):
        return {name: dict(st.map) for name, st in self.broadcast_states.items()}

    def restore_operator_state(self, own, all_states) -> None:
        # every subtask held the same copy; a new subtask of a scaled-up job reads one round robin
        for name, content in (own or {}).items():
            self.broadcast_states.setdefault(name, HeapBroadcastState(name)).map.update(content)

    def broadcast_state(self, descriptor: MapStateDescriptor) -> HeapBroadcastState:
        if not isinstance(descriptor, MapStateDescriptor):
            raise InvalidProgramException(
                f"{self.describe()}: get_broadcast_state needs the MapStateDescriptor passed to "
                f"broadcast(...), got {type(descriptor).__name__}"
            )
        state = self.broadcast_states.get(descriptor.name)
        if state is None:
            state = self.broadcast_states[descriptor.name] = HeapBroadcastState(descriptor.name)
        return state


class BroadcastProcessOperator(_BroadcastMixin, TwoInputStreamOperator):
    def __init__(self, fn: Any, descriptors: list, name: str = "Broadcast-Process", uid: str | None = None):
        super().__init__(name, uid)
        self.fn = fn
        self.descriptors = descriptors
        self.broadcast_states: dict[str, HeapBroadcastState] = {}

    def open(self) -> None:
        from flinklite.runtime.operators.collector import TimestampedCollector
        from flinklite.runtime.runtime_context import StreamingRuntimeContext

        for d in self.descriptors:
            self.broadcast_state(d)
        self.collector = TimestampedCollector(self)
        self.context = _BroadcastContext(self)
        self.user_timer_service = NonKeyedTimerService(self)
        self.open_function(self.fn, StreamingRuntimeContext(self))

    def close(self) -> None:
        self.close_function(self.fn)

    def _run(self, method, writable: bool, values, timestamps, keys) -> None:
        ctx = self.context
        ctx.writable = writable
        backend = self.keyed_backend
        col = self.collector
        drain = col.drain_checked
        record = None
        if writable and backend is not None:
            from flinklite.state.heap import NO_KEY  # (import cycle: heap -> datastream -> here)

            backend.current_key = NO_KEY  # keyed state is per key: use apply_to_keyed_state here
        try:
            for i, record in enumerate(values):
                if keys is not None and backend is not None and not writable:
                    backend.current_key = keys[i]
                ts = MIN_TIMESTAMP if timestamps is None else timestamps[i]
                ctx.ts = ts
                drain(method(record, ctx), ts)
        except Exception as e:
            col.clear()
            raise self.user_error(e, record) from e
        col.flush()

    def process_batch1(self, values, timestamps, keys):
        self._run(self.fn.process_element, False, values, timestamps, keys)

    def process_batch2(self, values, timestamps, keys):
        self._run(self.fn.process_broadcast_element, True, values, timestamps, None)


class KeyedBroadcastProcessOperator(_BroadcastMixin, KeyedCoProcessOperator):
    keyed = True

    def __init__(self, fn: Any, descriptors: list, name: str = "Keyed-Broadcast-Process",
                 uid: str | None = None):
        super().__init__(fn, name, uid)
        self.descriptors = descriptors
        self.broadcast_states: dict[str, HeapBroadcastState] = {}

    def open(self) -> None:
        super().open()
        for d in self.descriptors:
            self.broadcast_state(d)
        self.user_timer_service = self.context._timer_service
        self.context = _BroadcastContext(self)

    _run = BroadcastProcessOperator._run

    def process_batch1(self, values, timestamps, keys):
        self._run(self.fn.process_element, False, values, timestamps, keys)

    def process_batch2(self, values, timestamps, keys):
        self._run(self.fn.process_broadcast_element, True, values, timestamps, None)

    def _fire(self, ts: int, domain: TimeDomain, main_ts: int) -> None:
        self.context.writable = False
        super()._fire(ts, domain, main_ts)
