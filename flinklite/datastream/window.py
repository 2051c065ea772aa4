"""Windows, window assigners, triggers and evictors (PyFlink's ``pyflink.datastream.window``).

The window kinds, assigners and triggers follow Flink's semantics (see the semantics reference
§3): ``TimeWindow`` is ``[start, end)`` with ``max_timestamp() == end - 1``; touching windows
intersect (so sessions ``[0, 10)`` and ``[10, 20)`` merge); window starts use the floor modulo, so
negative timestamps land in the right window.

Where PyFlink and Java Flink differ, flinklite follows PyFlink (the API it mirrors):

* ``count_window(n[, s])`` uses :class:`CountTumblingWindowAssigner` / :class:`CountSlidingWindowAssigner`
  (a per-key element counter assigns each element to count windows with ids), not Java's
  GlobalWindows + evictor combination. A sliding count window therefore always fires with
  exactly ``n`` elements.
* :class:`ContinuousEventTimeTrigger` / :class:`ContinuousProcessingTimeTrigger` align the first
  fire time with the *floor* modulo (Java truncates towards zero; the two differ only for
  negative timestamps).

Evictors (:class:`CountEvictor`, :class:`TimeEvictor`, :class:`DeltaEvictor`) and
``GlobalWindows.create_with_end_of_stream_trigger`` exist only in Java Flink's API: programs that
use them are **non-portable** to PyFlink.
"""

from __future__ import annotations

import enum
from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Iterable
from typing import Any, Generic, TypeVar

from flinklite.datastream.state import ReducingStateDescriptor, ValueStateDescriptor
from flinklite.errors import InvalidProgramException
from flinklite.time.watermark import MAX_TIMESTAMP, MIN_TIMESTAMP

__all__ = [
    "Window",
    "TimeWindow",
    "CountWindow",
    "GlobalWindow",
    "WindowAssigner",
    "TumblingProcessingTimeWindows",
    "TumblingEventTimeWindows",
    "SlidingProcessingTimeWindows",
    "SlidingEventTimeWindows",
    "ProcessingTimeSessionWindows",
    "EventTimeSessionWindows",
    "DynamicProcessingTimeSessionWindows",
    "DynamicEventTimeSessionWindows",
    "GlobalWindows",
    "MergingWindowAssigner",
    "CountTumblingWindowAssigner",
    "CountSlidingWindowAssigner",
    "TriggerResult",
    "Trigger",
    "EventTimeTrigger",
    "ProcessingTimeTrigger",
    "ContinuousEventTimeTrigger",
    "ContinuousProcessingTimeTrigger",
    "NeverTrigger",
    "PurgingTrigger",
    "CountTrigger",
    "EndOfStreamTrigger",
    "SessionWindowTimeGapExtractor",
    "TimeWindowSerializer",
    "CountWindowSerializer",
    "GlobalWindowSerializer",
    "Evictor",
    "TimestampedValue",
    "CountEvictor",
    "TimeEvictor",
    "DeltaEvictor",
]

T = TypeVar("T")
W = TypeVar("W", bound="Window")


def _ms(value: Any, what: str) -> int:
    """Milliseconds from a ``Time``/``Duration`` or a plain int."""
    if isinstance(value, bool):
        raise InvalidProgramException(f"{what}: expected Time.milliseconds(...)/seconds(...), got {value!r}")
    if isinstance(value, int):
        return value
    to_ms = getattr(value, "to_milliseconds", None)
    if to_ms is None:
        raise InvalidProgramException(
            f"{what}: expected a Time (e.g. Time.seconds(5)) or milliseconds as int, got {value!r}"
        )
    return int(to_ms())


# -- windows ----------------------------------------------------------------------------------
class Window(ABC):
    """A group of elements; every window has a maximum timestamp (its last instant)."""

    @abstractmethod
    def max_timestamp(self) -> int: ...


class TimeWindow(Window):
    """The interval ``[start, end)`` of event or processing time."""

    __slots__ = ("start", "end", "_hash")

    def __init__(self, start: int, end: int) -> None:
        self.start = start
        self.end = end
        self._hash = hash((start, end))  # windows are dict keys (state namespaces): hash once

    def max_timestamp(self) -> int:
        return self.end - 1

    def intersects(self, other: TimeWindow) -> bool:
        # closed comparison on purpose: windows that only touch still merge (sessions)
        return self.start <= other.end and self.end >= other.start

    def cover(self, other: TimeWindow) -> TimeWindow:
        return TimeWindow(min(self.start, other.start), max(self.end, other.end))

    @staticmethod
    def get_window_start_with_offset(timestamp: int, offset: int, window_size: int) -> int:
        # Python's % with a positive divisor is the floor modulo Flink emulates with a fix-up
        return timestamp - (timestamp - offset) % window_size

    @staticmethod
    def merge_windows(windows: Iterable[TimeWindow], callback: MergingWindowAssigner.MergeCallback) -> None:
        """Report every group of (transitively) intersecting windows with at least two members."""
        cur: TimeWindow | None = None
        members: set = set()
        groups: list[tuple[TimeWindow, set]] = []
        for cand in sorted(windows):
            if cur is None:
                cur, members = cand, {cand}
            elif cur.intersects(cand):
                cur = cur.cover(cand)
                members.add(cand)
            else:
                groups.append((cur, members))
                cur, members = cand, {cand}
        if cur is not None:
            groups.append((cur, members))
        for result, group in groups:
            if len(group) > 1:
                callback.merge(group, result)

    def __eq__(self, other: object) -> bool:
        return other.__class__ is TimeWindow and self.start == other.start and self.end == other.end  # type: ignore

    def __hash__(self) -> int:
        return self._hash

    def __lt__(self, other: TimeWindow) -> bool:
        return (self.start, self.end) < (other.start, other.end)

    def __repr__(self) -> str:
        return f"TimeWindow(start={self.start}, end={self.end})"

    def __reduce__(self):
        return TimeWindow, (self.start, self.end)


class CountWindow(Window):
    """A count window, identified by a number (PyFlink's count window assigners)."""

    __slots__ = ("id",)

    def __init__(self, id: int) -> None:
        self.id = id

    def max_timestamp(self) -> int:
        return MAX_TIMESTAMP

    def __eq__(self, other: object) -> bool:
        return other.__class__ is CountWindow and self.id == other.id  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(("count", self.id))

    def __lt__(self, other: CountWindow) -> bool:
        return self.id < other.id

    def __repr__(self) -> str:
        return f"CountWindow(id={self.id})"

    def __reduce__(self):
        return CountWindow, (self.id,)


class GlobalWindow(Window):
    """The single window of :class:`GlobalWindows`; it never ends."""

    __slots__ = ()
    _instance: GlobalWindow | None = None

    def __new__(cls) -> GlobalWindow:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    @staticmethod
    def get() -> GlobalWindow:
        return GlobalWindow()

    def max_timestamp(self) -> int:
        return MAX_TIMESTAMP

    def __eq__(self, other: object) -> bool:
        return isinstance(other, GlobalWindow)

    def __hash__(self) -> int:
        return 0

    def __repr__(self) -> str:
        return "GlobalWindow"

    def __reduce__(self):
        return GlobalWindow, ()


class TimeWindowSerializer:
    """Placeholder for PyFlink's serializer class (flinklite keeps windows as Python objects)."""


class CountWindowSerializer:
    """Placeholder for PyFlink's serializer class."""


class GlobalWindowSerializer:
    """Placeholder for PyFlink's serializer class."""


# -- triggers ---------------------------------------------------------------------------------
class TriggerResult(enum.Enum):
    """What a trigger asks the window operator to do."""

    CONTINUE = (False, False)
    FIRE_AND_PURGE = (True, True)
    FIRE = (True, False)
    PURGE = (False, True)

    def is_fire(self) -> bool:
        return self.value[0]

    def is_purge(self) -> bool:
        return self.value[1]


class Trigger(ABC, Generic[T, W]):
    """Decides when a window is evaluated (FIRE) and when its contents are dropped (PURGE)."""

    class TriggerContext(ABC):
        """What a trigger may use: clocks, timers (scoped to the key and window), window state."""

        @abstractmethod
        def get_current_processing_time(self) -> int: ...

        def get_metric_group(self) -> Any:
            return None

        @abstractmethod
        def get_current_watermark(self) -> int: ...

        @abstractmethod
        def register_processing_time_timer(self, time: int) -> None: ...

        @abstractmethod
        def register_event_time_timer(self, time: int) -> None: ...

        @abstractmethod
        def delete_processing_time_timer(self, time: int) -> None: ...

        @abstractmethod
        def delete_event_time_timer(self, time: int) -> None: ...

        @abstractmethod
        def get_partitioned_state(self, state_descriptor: Any) -> Any: ...

    class OnMergeContext(TriggerContext):
        @abstractmethod
        def merge_partitioned_state(self, state_descriptor: Any) -> None: ...

    @abstractmethod
    def on_element(self, element: T, timestamp: int, window: W, ctx: Trigger.TriggerContext) -> TriggerResult: ...

    @abstractmethod
    def on_processing_time(self, time: int, window: W, ctx: Trigger.TriggerContext) -> TriggerResult: ...

    @abstractmethod
    def on_event_time(self, time: int, window: W, ctx: Trigger.TriggerContext) -> TriggerResult: ...

    def can_merge(self) -> bool:
        return False

    def on_merge(self, window: W, ctx: Trigger.OnMergeContext) -> None:
        raise NotImplementedError(f"{type(self).__name__} does not support merging (session) windows")

    @abstractmethod
    def clear(self, window: W, ctx: Trigger.TriggerContext) -> None: ...


class EventTimeTrigger(Trigger):
    """Fires once the watermark passes the window's end; an element for a window the watermark has
    already passed fires it at once (a late firing)."""

    def on_element(self, element, timestamp, window, ctx):
        if window.max_timestamp() <= ctx.get_current_watermark():
            return TriggerResult.FIRE
        ctx.register_event_time_timer(window.max_timestamp())
        return TriggerResult.CONTINUE

    def on_processing_time(self, time, window, ctx):
        return TriggerResult.CONTINUE

    def on_event_time(self, time, window, ctx):
        return TriggerResult.FIRE if time == window.max_timestamp() else TriggerResult.CONTINUE

    def can_merge(self) -> bool:
        return True

    def on_merge(self, window, ctx) -> None:
        # a merged window whose end the watermark already passed needs no timer: the element
        # being added fires it through on_element
        if window.max_timestamp() > ctx.get_current_watermark():
            ctx.register_event_time_timer(window.max_timestamp())

    def clear(self, window, ctx) -> None:
        ctx.delete_event_time_timer(window.max_timestamp())

    @staticmethod
    def create() -> EventTimeTrigger:
        return EventTimeTrigger()

    def __repr__(self) -> str:
        return "EventTimeTrigger()"


class ProcessingTimeTrigger(Trigger):
    """Fires when processing time passes the window's end."""

    def on_element(self, element, timestamp, window, ctx):
        ctx.register_processing_time_timer(window.max_timestamp())
        return TriggerResult.CONTINUE

    def on_processing_time(self, time, window, ctx):
        return TriggerResult.FIRE

    def on_event_time(self, time, window, ctx):
        return TriggerResult.CONTINUE

    def can_merge(self) -> bool:
        return True

    def on_merge(self, window, ctx) -> None:
        if window.max_timestamp() > ctx.get_current_processing_time():
            ctx.register_processing_time_timer(window.max_timestamp())

    def clear(self, window, ctx) -> None:
        ctx.delete_processing_time_timer(window.max_timestamp())

    @staticmethod
    def create() -> ProcessingTimeTrigger:
        return ProcessingTimeTrigger()

    def __repr__(self) -> str:
        return "ProcessingTimeTrigger()"


def _sum(a: int, b: int) -> int:
    return a + b


def _min(a: int, b: int) -> int:
    return a if a <= b else b


class CountTrigger(Trigger):
    """Fires each time the window has received ``count`` more elements (the count restarts)."""

    def __init__(self, window_size: int) -> None:
        if not isinstance(window_size, int) or window_size <= 0:
            raise InvalidProgramException(f"CountTrigger.of: the count must be a positive int, got {window_size!r}")
        self._count = window_size
        self._desc = ReducingStateDescriptor("count", _sum)

    @staticmethod
    def of(window_size: int) -> CountTrigger:
        return CountTrigger(window_size)

    def on_element(self, element, timestamp, window, ctx):
        st = ctx.get_partitioned_state(self._desc)
        st.add(1)
        if st.get() >= self._count:
            st.clear()
            return TriggerResult.FIRE
        return TriggerResult.CONTINUE

    def on_processing_time(self, time, window, ctx):
        return TriggerResult.CONTINUE

    def on_event_time(self, time, window, ctx):
        return TriggerResult.CONTINUE

    def can_merge(self) -> bool:
        return True

    def on_merge(self, window, ctx) -> None:
        ctx.merge_partitioned_state(self._desc)

    def clear(self, window, ctx) -> None:
        ctx.get_partitioned_state(self._desc).clear()

    def __repr__(self) -> str:
        return f"CountTrigger({self._count})"


class PurgingTrigger(Trigger):
    """Wraps a trigger and turns every FIRE into FIRE_AND_PURGE."""

    def __init__(self, nested_trigger: Trigger) -> None:
        if not isinstance(nested_trigger, Trigger):
            raise InvalidProgramException(
                f"PurgingTrigger.of needs a Trigger (e.g. CountTrigger.of(3)), got {type(nested_trigger).__name__}"
            )
        self.nested_trigger = nested_trigger

    @staticmethod
    def of(nested_trigger: Trigger) -> PurgingTrigger:
        return PurgingTrigger(nested_trigger)

    @staticmethod
    def _purging(r: TriggerResult) -> TriggerResult:
        return TriggerResult.FIRE_AND_PURGE if r.is_fire() else r

    def on_element(self, element, timestamp, window, ctx):
        return self._purging(self.nested_trigger.on_element(element, timestamp, window, ctx))

    def on_event_time(self, time, window, ctx):
        return self._purging(self.nested_trigger.on_event_time(time, window, ctx))

    def on_processing_time(self, time, window, ctx):
        return self._purging(self.nested_trigger.on_processing_time(time, window, ctx))

    def can_merge(self) -> bool:
        return self.nested_trigger.can_merge()

    def on_merge(self, window, ctx) -> None:
        self.nested_trigger.on_merge(window, ctx)

    def clear(self, window, ctx) -> None:
        self.nested_trigger.clear(window, ctx)

    def __repr__(self) -> str:
        return f"PurgingTrigger({self.nested_trigger!r})"


class _ContinuousTrigger(Trigger):
    _event_time = True

    def __init__(self, interval: int) -> None:
        if not isinstance(interval, int) or interval <= 0:
            raise InvalidProgramException(f"{type(self).__name__}.of: the interval must be > 0 ms, got {interval!r}")
        self.interval = interval
        self._desc = ReducingStateDescriptor("fire-time", _min)

    def _register(self, ctx: Trigger.TriggerContext, t: int) -> None:
        if self._event_time:
            ctx.register_event_time_timer(t)
        else:
            ctx.register_processing_time_timer(t)

    def register_next_fire_timestamp(self, time: int, window, ctx, fire_timestamp_state) -> None:
        nxt = min(time + self.interval, window.max_timestamp())
        fire_timestamp_state.add(nxt)
        self._register(ctx, nxt)

    def can_merge(self) -> bool:
        return True

    def on_merge(self, window, ctx) -> None:
        ctx.merge_partitioned_state(self._desc)
        nxt = ctx.get_partitioned_state(self._desc).get()
        if nxt is not None:
            self._register(ctx, nxt)

    def clear(self, window, ctx) -> None:
        st = ctx.get_partitioned_state(self._desc)
        t = st.get()
        if t is not None:
            if self._event_time:
                ctx.delete_event_time_timer(t)
            else:
                ctx.delete_processing_time_timer(t)
            st.clear()


class ContinuousEventTimeTrigger(_ContinuousTrigger):
    """Fires repeatedly every ``interval`` of event time, and at the window's end (no purge, so
    each firing sees everything collected so far)."""

    @staticmethod
    def of(interval: Any) -> ContinuousEventTimeTrigger:
        return ContinuousEventTimeTrigger(_ms(interval, "ContinuousEventTimeTrigger.of"))

    def on_element(self, element, timestamp, window, ctx):
        if window.max_timestamp() <= ctx.get_current_watermark():
            return TriggerResult.FIRE
        ctx.register_event_time_timer(window.max_timestamp())
        st = ctx.get_partitioned_state(self._desc)
        if st.get() is None:
            # PyFlink aligns with the floor modulo (Java: truncating remainder)
            self.register_next_fire_timestamp(timestamp - timestamp % self.interval, window, ctx, st)
        return TriggerResult.CONTINUE

    def on_processing_time(self, time, window, ctx):
        return TriggerResult.CONTINUE

    def on_event_time(self, time, window, ctx):
        if time == window.max_timestamp():
            return TriggerResult.FIRE
        st = ctx.get_partitioned_state(self._desc)
        if st.get() == time:
            st.clear()
            self.register_next_fire_timestamp(time, window, ctx, st)
            return TriggerResult.FIRE
        return TriggerResult.CONTINUE

    def __repr__(self) -> str:
        return f"ContinuousEventTimeTrigger({self.interval})"


class ContinuousProcessingTimeTrigger(_ContinuousTrigger):
    """Fires repeatedly every ``interval`` of processing time."""

    _event_time = False

    @staticmethod
    def of(interval: Any) -> ContinuousProcessingTimeTrigger:
        return ContinuousProcessingTimeTrigger(_ms(interval, "ContinuousProcessingTimeTrigger.of"))

    def on_element(self, element, timestamp, window, ctx):
        st = ctx.get_partitioned_state(self._desc)
        now = ctx.get_current_processing_time()
        if st.get() is None:
            self.register_next_fire_timestamp(now - now % self.interval, window, ctx, st)
        return TriggerResult.CONTINUE

    def on_processing_time(self, time, window, ctx):
        st = ctx.get_partitioned_state(self._desc)
        if st.get() == time:
            st.clear()
            self.register_next_fire_timestamp(time, window, ctx, st)
            return TriggerResult.FIRE
        return TriggerResult.CONTINUE

    def on_event_time(self, time, window, ctx):
        return TriggerResult.CONTINUE

    def __repr__(self) -> str:
        return f"ContinuousProcessingTimeTrigger({self.interval})"


class NeverTrigger(Trigger):
    """The default trigger of :class:`GlobalWindows`: never fires."""

    def on_element(self, element, timestamp, window, ctx):
        return TriggerResult.CONTINUE

    def on_processing_time(self, time, window, ctx):
        return TriggerResult.CONTINUE

    def on_event_time(self, time, window, ctx):
        return TriggerResult.CONTINUE

    def can_merge(self) -> bool:
        return True

    def on_merge(self, window, ctx) -> None:
        pass

    def clear(self, window, ctx) -> None:
        pass


class EndOfStreamTrigger(Trigger):
    """Fires once, at the end-of-input watermark (Java ``GlobalWindows.createWithEndOfStreamTrigger``;
    non-portable)."""

    def on_element(self, element, timestamp, window, ctx):
        ctx.register_event_time_timer(MAX_TIMESTAMP)
        return TriggerResult.CONTINUE

    def on_processing_time(self, time, window, ctx):
        return TriggerResult.CONTINUE

    def on_event_time(self, time, window, ctx):
        return TriggerResult.FIRE if time == MAX_TIMESTAMP else TriggerResult.CONTINUE

    def clear(self, window, ctx) -> None:
        pass


# -- assigners --------------------------------------------------------------------------------
class WindowAssigner(ABC, Generic[T, W]):
    """Puts each element into zero or more windows."""

    class WindowAssignerContext(ABC):
        @abstractmethod
        def get_current_processing_time(self) -> int: ...

        @abstractmethod
        def get_runtime_context(self) -> Any: ...

    @abstractmethod
    def assign_windows(self, element: T, timestamp: int,
                       context: WindowAssigner.WindowAssignerContext) -> Collection[W]: ...

    @abstractmethod
    def get_default_trigger(self, env: Any) -> Trigger: ...

    def get_window_serializer(self) -> Any:
        return None

    @abstractmethod
    def is_event_time(self) -> bool: ...


class MergingWindowAssigner(WindowAssigner[T, W]):
    """An assigner whose windows can merge (sessions)."""

    class MergeCallback(ABC, Generic[W]):
        @abstractmethod
        def merge(self, to_be_merged: Iterable[W], merge_result: W) -> None: ...

    @abstractmethod
    def merge_windows(self, windows: Iterable[W], callback: MergingWindowAssigner.MergeCallback) -> None: ...


def _require_timestamp(timestamp: int | None, assigner: str) -> int:
    if timestamp is None or timestamp <= MIN_TIMESTAMP:
        raise InvalidProgramException(
            f"{assigner}: a record has no timestamp (MIN_TIMESTAMP). Is the time characteristic set to "
            "event time without assigning timestamps? Call assign_timestamps_and_watermarks(...) with "
            "a TimestampAssigner before the window, or use a processing-time window."
        )
    return timestamp


def _check_tumbling(size: int, offset: int, name: str) -> None:
    if size <= 0:
        raise InvalidProgramException(f"{name}: the window size must be > 0, got {size}")
    if abs(offset) >= size:
        raise InvalidProgramException(
            f"{name}: the offset must satisfy abs(offset) < size (size {size}, offset {offset})"
        )


def _check_sliding(size: int, slide: int, offset: int, name: str) -> None:
    if size <= 0 or slide <= 0:
        raise InvalidProgramException(f"{name}: size and slide must be > 0 (size {size}, slide {slide})")
    if abs(offset) >= slide:
        raise InvalidProgramException(
            f"{name}: the offset must satisfy abs(offset) < slide (slide {slide}, offset {offset})"
        )


def _sliding(ts: int, size: int, slide: int, offset: int) -> list[TimeWindow]:
    # latest start first, as Flink lists them
    start = ts - (ts - offset) % slide
    out = []
    while start > ts - size:
        out.append(TimeWindow(start, start + size))
        start -= slide
    return out


class _FixedTimeWindows(WindowAssigner):
    """What tumbling and sliding windows share: which time places an element (its timestamp, or
    the current processing time), and the trigger and time domain that go with it."""

    _event_time = True

    def _time(self, timestamp: int, context: Any) -> int:
        if self._event_time:
            return _require_timestamp(timestamp, type(self).__name__)
        return context.get_current_processing_time()

    def get_default_trigger(self, env) -> Trigger:
        return EventTimeTrigger() if self._event_time else ProcessingTimeTrigger()

    def is_event_time(self) -> bool:
        return self._event_time


class _TumblingWindows(_FixedTimeWindows):
    """Fixed-size, non-overlapping windows ``[start, start + size)``."""

    def __init__(self, size: int, offset: int = 0) -> None:
        _check_tumbling(size, offset, type(self).__name__)
        self._size = size
        self._offset = offset

    @classmethod
    def of(cls, size: Any, offset: Any = None):
        what = f"{cls.__name__}.of"
        return cls(_ms(size, what), 0 if offset is None else _ms(offset, what))

    def assign_windows(self, element, timestamp, context):
        t = self._time(timestamp, context)
        start = t - (t - self._offset) % self._size
        last = self.__dict__.get("_last")
        if last is not None and last[0].start == start:
            return last  # consecutive elements mostly fall into the same window: reuse it
        last = self.__dict__["_last"] = [TimeWindow(start, start + self._size)]
        return last

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._size}, {self._offset})"


class TumblingEventTimeWindows(_TumblingWindows):
    """Fixed-size, non-overlapping event-time windows ``[start, start + size)``."""


class TumblingProcessingTimeWindows(_TumblingWindows):
    """Fixed-size windows of processing time (the record's timestamp is ignored)."""

    _event_time = False


class _SlidingWindows(_FixedTimeWindows):
    """Windows of ``size`` starting every ``slide``; an element is in about ``size/slide`` of them."""

    def __init__(self, size: int, slide: int, offset: int = 0) -> None:
        _check_sliding(size, slide, offset, type(self).__name__)
        self._size = size
        self._slide = slide
        self._offset = offset

    @classmethod
    def of(cls, size: Any, slide: Any, offset: Any = None):
        what = f"{cls.__name__}.of"
        return cls(_ms(size, what), _ms(slide, what), 0 if offset is None else _ms(offset, what))

    def assign_windows(self, element, timestamp, context):
        return _sliding(self._time(timestamp, context), self._size, self._slide, self._offset)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._size}, {self._slide}, {self._offset})"


class SlidingEventTimeWindows(_SlidingWindows):
    """Sliding windows of event time."""


class SlidingProcessingTimeWindows(_SlidingWindows):
    """Sliding windows of processing time."""

    _event_time = False


class SessionWindowTimeGapExtractor(ABC):
    """Gives each element its own session gap (dynamic session windows)."""

    @abstractmethod
    def extract(self, element: Any) -> int: ...


def _gap_fn(extractor: Any) -> Callable[[Any], int]:
    if isinstance(extractor, SessionWindowTimeGapExtractor):
        return extractor.extract
    if callable(extractor):
        return extractor
    raise InvalidProgramException(
        f"with_dynamic_gap needs a SessionWindowTimeGapExtractor, got {type(extractor).__name__}"
    )


class _SessionBase(MergingWindowAssigner):
    _event_time = True

    def merge_windows(self, windows, callback) -> None:
        TimeWindow.merge_windows(windows, callback)

    def get_default_trigger(self, env) -> Trigger:
        return EventTimeTrigger() if self._event_time else ProcessingTimeTrigger()

    def is_event_time(self) -> bool:
        return self._event_time

    def _base_ts(self, timestamp: int, context: Any) -> int:
        if self._event_time:
            return _require_timestamp(timestamp, type(self).__name__)
        return context.get_current_processing_time()


class EventTimeSessionWindows(_SessionBase):
    """Sessions of event time: an element opens ``[ts, ts + gap)`` and overlapping ones merge."""

    def __init__(self, session_gap: int) -> None:
        if session_gap <= 0:
            raise InvalidProgramException(f"{type(self).__name__}: the session gap must be > 0, got {session_gap}")
        self._gap = session_gap

    @staticmethod
    def with_gap(size: Any) -> EventTimeSessionWindows:
        return EventTimeSessionWindows(_ms(size, "EventTimeSessionWindows.with_gap"))

    @staticmethod
    def with_dynamic_gap(extractor: Any) -> DynamicEventTimeSessionWindows:
        return DynamicEventTimeSessionWindows(extractor)

    def assign_windows(self, element, timestamp, context):
        ts = self._base_ts(timestamp, context)
        return [TimeWindow(ts, ts + self._gap)]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._gap})"


class ProcessingTimeSessionWindows(EventTimeSessionWindows):
    """Sessions of processing time."""

    _event_time = False

    @staticmethod
    def with_gap(size: Any) -> ProcessingTimeSessionWindows:
        return ProcessingTimeSessionWindows(_ms(size, "ProcessingTimeSessionWindows.with_gap"))

    @staticmethod
    def with_dynamic_gap(extractor: Any) -> DynamicProcessingTimeSessionWindows:
        return DynamicProcessingTimeSessionWindows(extractor)


class DynamicEventTimeSessionWindows(_SessionBase):
    """Event-time sessions whose gap comes from each element."""

    def __init__(self, session_window_time_gap_extractor: Any) -> None:
        self._extractor = session_window_time_gap_extractor
        self._gap = _gap_fn(session_window_time_gap_extractor)

    @staticmethod
    def with_dynamic_gap(extractor: Any) -> DynamicEventTimeSessionWindows:
        return DynamicEventTimeSessionWindows(extractor)

    def assign_windows(self, element, timestamp, context):
        ts = self._base_ts(timestamp, context)
        gap = self._gap(element)
        if gap <= 0:
            raise InvalidProgramException(
                f"{type(self).__name__}: the session gap must be > 0, the extractor returned {gap!r} for {element!r}"
            )
        return [TimeWindow(ts, ts + gap)]


class DynamicProcessingTimeSessionWindows(DynamicEventTimeSessionWindows):
    """Processing-time sessions whose gap comes from each element."""

    _event_time = False

    @staticmethod
    def with_dynamic_gap(extractor: Any) -> DynamicProcessingTimeSessionWindows:
        return DynamicProcessingTimeSessionWindows(extractor)


class GlobalWindows(WindowAssigner):
    """Every element of a key in one window that never ends; needs a custom trigger to fire."""

    def __init__(self, end_of_stream: bool = False) -> None:
        self._end_of_stream = end_of_stream

    @staticmethod
    def create() -> GlobalWindows:
        return GlobalWindows()

    @staticmethod
    def create_with_end_of_stream_trigger() -> GlobalWindows:
        """Java Flink only (non-portable): fire once at the end of the input."""
        return GlobalWindows(True)

    def assign_windows(self, element, timestamp, context):
        return [GlobalWindow()]

    def get_default_trigger(self, env) -> Trigger:
        return EndOfStreamTrigger() if self._end_of_stream else NeverTrigger()

    def is_event_time(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "GlobalWindows()"


_COUNT = ValueStateDescriptor("count-assigner")
_SLIDE_COUNT = ValueStateDescriptor("slide-count-assigner")


class CountTumblingWindowAssigner(WindowAssigner):
    """PyFlink's tumbling count windows: the n-th element of a key (from 0) goes to window
    ``n // size``; the default CountTrigger fires it when it is full."""

    def __init__(self, window_size: int) -> None:
        if not isinstance(window_size, int) or window_size <= 0:
            raise InvalidProgramException(f"count_window: the size must be a positive int, got {window_size!r}")
        self._window_size = window_size

    @staticmethod
    def of(window_size: int) -> CountTumblingWindowAssigner:
        return CountTumblingWindowAssigner(window_size)

    def assign_windows(self, element, timestamp, context):
        st = context.get_runtime_context().get_state(_COUNT)
        n = st.value() or 0
        st.update(n + 1)
        return [CountWindow(n // self._window_size)]

    def get_default_trigger(self, env) -> Trigger:
        return CountTrigger(self._window_size)

    def is_event_time(self) -> bool:
        return False

    def __repr__(self) -> str:
        return f"CountTumblingWindowAssigner({self._window_size})"


class CountSlidingWindowAssigner(WindowAssigner):
    """PyFlink's sliding count windows: window ``i`` holds elements ``[i*slide, i*slide + size)``
    of the key; each fires once, when full."""

    def __init__(self, window_size: int, window_slide: int) -> None:
        for v in (window_size, window_slide):
            if not isinstance(v, int) or v <= 0:
                raise InvalidProgramException(
                    f"count_window: size and slide must be positive ints, got {window_size!r}, {window_slide!r}"
                )
        self._window_size = window_size
        self._window_slide = window_slide

    @staticmethod
    def of(window_size: int, window_slide: int) -> CountSlidingWindowAssigner:
        return CountSlidingWindowAssigner(window_size, window_slide)

    def assign_windows(self, element, timestamp, context):
        st = context.get_runtime_context().get_state(_SLIDE_COUNT)
        n = st.value() or 0
        st.update(n + 1)
        slide, size = self._window_slide, self._window_size
        wid = n // slide
        start = wid * slide
        out = []
        # newest window first; stops at the first window that does not contain n (PyFlink)
        while wid >= 0 and start <= n <= start + size - 1:
            out.append(CountWindow(wid))
            wid -= 1
            start -= slide
        return out

    def get_default_trigger(self, env) -> Trigger:
        return CountTrigger(self._window_size)

    def is_event_time(self) -> bool:
        return False

    def __repr__(self) -> str:
        return f"CountSlidingWindowAssigner({self._window_size}, {self._window_slide})"


# -- evictors (Java Flink only; non-portable) -------------------------------------------------
class TimestampedValue:
    """An element of an evicting window: the value and its timestamp (None if it has none)."""

    __slots__ = ("value", "timestamp")

    def __init__(self, value: Any, timestamp: int | None = None) -> None:
        self.value = value
        self.timestamp = timestamp

    def get_value(self) -> Any:
        return self.value

    def get_timestamp(self) -> int:
        return MIN_TIMESTAMP if self.timestamp is None else self.timestamp

    def has_timestamp(self) -> bool:
        return self.timestamp is not None and self.timestamp != MIN_TIMESTAMP

    def __repr__(self) -> str:
        return f"TimestampedValue({self.value!r}, {self.timestamp!r})"


class Evictor(ABC):
    """Removes elements from a window before and/or after the window function runs (Java Flink's
    ``Evictor``; non-portable). ``elements`` is a list of :class:`TimestampedValue` in insertion
    order that the evictor edits in place; what is left stays in the window."""

    @abstractmethod
    def evict_before(self, elements: list, size: int, window: Window, ctx: Any) -> None: ...

    @abstractmethod
    def evict_after(self, elements: list, size: int, window: Window, ctx: Any) -> None: ...


class _AfterOrBefore(Evictor):
    def __init__(self, do_evict_after: bool) -> None:
        self.do_evict_after = do_evict_after

    def evict_before(self, elements, size, window, ctx) -> None:
        if not self.do_evict_after:
            self._evict(elements, size)

    def evict_after(self, elements, size, window, ctx) -> None:
        if self.do_evict_after:
            self._evict(elements, size)

    def _evict(self, elements: list, size: int) -> None:
        raise NotImplementedError


class CountEvictor(_AfterOrBefore):
    """Keeps the last ``max_count`` elements."""

    def __init__(self, max_count: int, do_evict_after: bool = False) -> None:
        super().__init__(do_evict_after)
        self.max_count = max_count

    @staticmethod
    def of(max_count: int, do_evict_after: bool = False) -> CountEvictor:
        return CountEvictor(max_count, do_evict_after)

    def _evict(self, elements, size) -> None:
        if size > self.max_count:
            del elements[: size - self.max_count]


class TimeEvictor(_AfterOrBefore):
    """Keeps the elements newer than ``max(timestamps) - window_size``."""

    def __init__(self, window_size: int, do_evict_after: bool = False) -> None:
        super().__init__(do_evict_after)
        self.window_size = window_size

    @staticmethod
    def of(window_size: Any, do_evict_after: bool = False) -> TimeEvictor:
        return TimeEvictor(_ms(window_size, "TimeEvictor.of"), do_evict_after)

    def _evict(self, elements, size) -> None:
        if not elements or not elements[0].has_timestamp():
            return
        cut = max(e.get_timestamp() for e in elements) - self.window_size
        elements[:] = [e for e in elements if e.get_timestamp() > cut]


class DeltaEvictor(_AfterOrBefore):
    """Drops every element whose ``delta_function(element, last_element) >= threshold``."""

    def __init__(self, threshold: float, delta_function: Callable[[Any, Any], float],
                 do_evict_after: bool = False) -> None:
        super().__init__(do_evict_after)
        self.threshold = threshold
        self.delta_function = delta_function

    @staticmethod
    def of(threshold: float, delta_function: Callable[[Any, Any], float], do_evict_after: bool = False) -> DeltaEvictor:
        return DeltaEvictor(threshold, delta_function, do_evict_after)

    def _evict(self, elements, size) -> None:
        if not elements:
            return
        last = elements[-1].get_value()
        elements[:] = [e for e in elements if self.delta_function(e.get_value(), last) < self.threshold]
