"""U*: the programs users write, shaped the way PyFlink's documentation writes them.

The W1-W6 workloads feed the engine plain ints from ``NumberSequenceSource`` and sink into a plain
callable: shapes that were tuned. Here every job starts from a typed collection and ends in
``print()`` or ``execute_and_collect()``, as the PyFlink docs' examples do::

    ds = env.from_collection(DATA, type_info=Types.TUPLE([Types.STRING(), Types.INT(), Types.LONG()]))

The data: N tuples ``(f"user{(i // 10) % 100}", i % 97, i)``: a name key (100 keys, arriving in
bursts of 10), a small value and an event time in ms (one event per ms, monotonous).

Jobs (all parallelism 1, each compared with a bare loop over the same list):

* ``U1 stateless``: ``map(f, output_type=T).filter(g)`` then ``print()``, ``execute_and_collect()``
  or ``add_sink(callable)``.
* ``U2 keyed reduce``: ``key_by(t[0]).reduce(sum of t[1])`` -> ``print()`` (one line per event).
* ``U3 tumbling window reduce``: ``assign_timestamps_and_watermarks(monotonous, TimestampAssigner)``
  -> ``key_by`` -> ``window(TumblingEventTimeWindows.of(Time.seconds(1))).reduce(...)`` -> ``print()``
  (100 keys x 1,000 windows = 100,000 panes of 10 events).
* ``U3 tumbling window process``: the same with a ``ProcessWindowFunction`` that counts the
  buffered elements and emits ``(key, window_start, count, total)``.
* ``U4 keyed process``: PyFlink's ``CountWithTimeoutFunction`` example: a ``ValueState`` holding
  ``(key, count, last_modified)`` and an event-time timer at ``last_modified + 100 ms`` per event
  (1 M timers, each firing; only the last of a burst emits).
* ``U5 connected streams``: two typed collections (even / odd events) ``connect`` -> ``map(CoMapFunction)``
  -> ``print()``.

The bare loop is the floor for each: a plain loop over the same list calling the **same** user
function objects, with the cheapest Python stand-ins for what the engine provides (a dict per
state, a ``heapq`` of timers, a dict of panes) and none of the conversions the user did not ask
for (the data already have the declared shape, so the loop validates nothing). Where the job
prints, the loop writes the same text Flink prints (``(user1,3,42)`` for a ``Types.TUPLE``)
batch by batch. ``sys.stdout`` is swapped for a :class:`LineDigest` during both sides, so the
check compares the printed lines (as a multiset: connected streams interleave).
"""

from __future__ import annotations

import heapq
import sys
from collections.abc import Callable, Iterable
from typing import Any

from benchmarks.harness import Workload
from flinklite.common import Time, TimestampAssigner, Types, WatermarkStrategy
from flinklite.datastream import (
    CoMapFunction,
    KeyedProcessFunction,
    ProcessWindowFunction,
    StreamExecutionEnvironment,
)
from flinklite.datastream.state import ValueStateDescriptor
from flinklite.datastream.window import TimeWindow, TumblingEventTimeWindows

N = 1_000_000
KEYS = 100
BURST = 10
WINDOW_MS = 1000
TIMEOUT_MS = 100
BATCH = 1024
MASK = (1 << 64) - 1


def event_type() -> Any:
    return Types.TUPLE([Types.STRING(), Types.INT(), Types.LONG()])


def make_data(n: int) -> list[tuple]:
    return [(f"user{(i // BURST) % KEYS}", i % 97, i) for i in range(n)]


# ----------------------------------------------------------------------------- printing
class LineDigest:
    """A stand-in for ``sys.stdout``: counts the lines written and sums their hashes (an
    order-independent fingerprint of the printed multiset). Chunking does not matter: lines are
    cut only at newlines, and a line split across writes is carried over."""

    def __init__(self) -> None:
        self.lines = 0
        self.hashes = 0
        self._rest = ""

    def write(self, text: str) -> int:
        parts = (self._rest + text).split("\n")
        self._rest = parts.pop()
        self.lines += len(parts)
        self.hashes = (self.hashes + sum(map(hash, parts))) & MASK
        return len(text)

    def flush(self) -> None:
        pass

    def result(self) -> tuple[int, int]:
        return self.lines, self.hashes


def printed(job: Callable[[Any], None]) -> Callable[[Any], tuple[int, int]]:
    """Run ``job(ctx)`` with ``sys.stdout`` swapped for a :class:`LineDigest`; its digest."""

    def run(ctx: Any) -> tuple[int, int]:
        out, saved = LineDigest(), sys.stdout
        sys.stdout = out
        try:
            job(ctx)
        finally:
            sys.stdout = saved
        return out.result()

    return run


def text3(t: tuple) -> str:
    """Flink's text of a 3-field ``Types.TUPLE`` (Java's ``Tuple3.toString``)."""
    return f"({t[0]},{t[1]},{t[2]})"


def text4(t: tuple) -> str:
    return f"({t[0]},{t[1]},{t[2]},{t[3]})"


def _env() -> StreamExecutionEnvironment:
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(1)
    return env


# ----------------------------------------------------------------------------- user functions
# One object each, shared by the engine job and the bare loop.
triple = lambda t: (t[0], t[1] * 3, t[2])  # noqa: E731
is_even = lambda t: t[1] % 2 == 0  # noqa: E731
by_name = lambda t: t[0]  # noqa: E731
add_values = lambda a, b: (a[0], a[1] + b[1], b[2])  # noqa: E731


class EventTime(TimestampAssigner):
    def extract_timestamp(self, value: Any, record_timestamp: int) -> int:
        return value[2]


EVENT_TIME = EventTime()


class CountWindow(ProcessWindowFunction):
    """Counts and sums a window's elements: ``(key, window_start, count, total)``."""

    def process(self, key: Any, context: ProcessWindowFunction.Context, elements: Iterable) -> Iterable:
        count = total = 0
        for e in elements:
            count += 1
            total += e[1]
        return [(key, context.window().start, count, total)]


COUNT_WINDOW = CountWindow()


class CountWithTimeout(KeyedProcessFunction):
    """PyFlink's ``CountWithTimeoutFunction`` (its documentation's KeyedProcessFunction example):
    counts per key and emits ``(key, count)`` once a key has been quiet for ``TIMEOUT_MS`` of
    event time; here the state is cleared then, so each burst is one session."""

    def open(self, runtime_context: Any) -> None:
        self.state = runtime_context.get_state(ValueStateDescriptor(
            "my_state", Types.TUPLE([Types.STRING(), Types.LONG(), Types.LONG()])))

    def process_element(self, value: Any, ctx: KeyedProcessFunction.Context) -> Iterable:
        current = self.state.value()
        ts = ctx.timestamp()
        if current is not None and ts > current[2] + TIMEOUT_MS:
            # Quiet for longer than the timeout, but the watermark has not fired the timer yet
            # (periodic watermarks follow processing time): close the session here, so the
            # result does not depend on the machine's speed.
            yield current[0], current[1]
            current = None
        if current is None:
            current = (value[0], 0, ts)
        current = (current[0], current[1] + 1, ts)
        self.state.update(current)
        ctx.timer_service().register_event_time_timer(ts + TIMEOUT_MS)

    def on_timer(self, timestamp: int, ctx: KeyedProcessFunction.OnTimerContext) -> Iterable:
        result = self.state.value()
        if result is not None and timestamp == result[2] + TIMEOUT_MS:
            self.state.clear()
            yield result[0], result[1]


COUNT_WITH_TIMEOUT = CountWithTimeout()


class Tag(CoMapFunction):
    def map1(self, value: Any) -> tuple:
        return (value[0], value[1], "even")

    def map2(self, value: Any) -> tuple:
        return (value[0], -value[1], "odd")


TAG = Tag()


def two_text(t: tuple) -> str:
    return f"({t[0]},{t[1]},{t[2]})"


# ----------------------------------------------------------------------------- U1 stateless
def u1_engine_print(data: list) -> None:
    env = _env()
    T = event_type()
    env.from_collection(data, type_info=T).map(triple, output_type=T).filter(is_even).print()
    env.execute("u1 print")


def u1_bare_print(data: list) -> None:
    f, g, write = triple, is_even, sys.stdout.write
    for lo in range(0, len(data), BATCH):
        lines = []
        for t in data[lo:lo + BATCH]:
            y = f(t)
            if g(y):
                lines.append(f"({y[0]},{y[1]},{y[2]})\n")
        write("".join(lines))


def u1_engine_collect(data: list) -> list:
    env = _env()
    T = event_type()
    with env.from_collection(data, type_info=T).map(triple, output_type=T).filter(is_even) \
            .execute_and_collect() as results:
        return list(results)


def u1_bare_collect(data: list) -> list:
    f, g = triple, is_even
    out = []
    for t in data:
        y = f(t)
        if g(y):
            out.append(y)
    return out


def u1_engine_sink(data: list) -> int:
    env = _env()
    T = event_type()
    cell = [0]

    def sink(value: Any, _cell: list = cell) -> None:
        _cell[0] += value[1]

    env.from_collection(data, type_info=T).map(triple, output_type=T).filter(is_even).add_sink(sink)
    env.execute("u1 sink")
    return cell[0]


def u1_bare_sink(data: list) -> int:
    f, g = triple, is_even
    cell = [0]

    def sink(value: Any, _cell: list = cell) -> None:
        _cell[0] += value[1]

    for t in data:
        y = f(t)
        if g(y):
            sink(y)
    return cell[0]


# ----------------------------------------------------------------------------- U2 keyed reduce
def u2_engine(data: list) -> None:
    env = _env()
    env.from_collection(data, type_info=event_type()).key_by(by_name).reduce(add_values).print()
    env.execute("u2 keyed reduce")


def u2_bare(data: list) -> None:
    key, fold, write = by_name, add_values, sys.stdout.write
    acc: dict[Any, Any] = {}
    for lo in range(0, len(data), BATCH):
        lines = []
        for t in data[lo:lo + BATCH]:
            k = key(t)
            prev = acc.get(k)
            y = t if prev is None else fold(prev, t)
            acc[k] = y
            lines.append(f"({y[0]},{y[1]},{y[2]})\n")
        write("".join(lines))


# ----------------------------------------------------------------------------- U3 windows
def _windowed(env: StreamExecutionEnvironment, data: list) -> Any:
    return (env.from_collection(data, type_info=event_type())
            .assign_timestamps_and_watermarks(
                WatermarkStrategy.for_monotonous_timestamps().with_timestamp_assigner(EVENT_TIME))
            .key_by(by_name)
            .window(TumblingEventTimeWindows.of(Time.seconds(WINDOW_MS // 1000))))


def u3_engine_reduce(data: list) -> None:
    env = _env()
    _windowed(env, data).reduce(add_values).print()
    env.execute("u3 window reduce")


class _BareWindowContext:
    """The least a ProcessWindowFunction's context can be: the window."""

    __slots__ = ("w",)

    def window(self) -> TimeWindow:
        return self.w


def _bare_windows(data: list, add: Callable[[dict, Any, Any], None],
                  fire: Callable[[Any, int, Any], None]) -> None:
    """Tumbling event-time windows by hand: panes grouped by window start, fired when the
    (monotonous) watermark ``ts - 1`` passes the window's end, once per 1,024 events (the engine
    can only act on a watermark between batches) and everything at the end."""
    extract, key = EVENT_TIME.extract_timestamp, by_name
    size = WINDOW_MS
    panes: dict[int, dict[Any, Any]] = {}
    max_ts = -(2**63)
    for lo in range(0, len(data), BATCH):
        for t in data[lo:lo + BATCH]:
            ts = extract(t, 0)
            if ts > max_ts:
                max_ts = ts
            start = ts - ts % size
            window = panes.get(start)
            if window is None:
                window = panes[start] = {}
            add(window, key(t), t)
        watermark = max_ts - 1
        for start in sorted(s for s in panes if s + size - 1 <= watermark):
            for k, pane in panes.pop(start).items():
                fire(k, start, pane)
    for start in sorted(panes):
        for k, pane in panes.pop(start).items():
            fire(k, start, pane)


def u3_bare_reduce(data: list) -> None:
    fold, write = add_values, sys.stdout.write
    lines: list[str] = []

    def add(window: dict, k: Any, t: Any) -> None:
        prev = window.get(k)
        window[k] = t if prev is None else fold(prev, t)

    def fire(k: Any, start: int, y: Any) -> None:
        lines.append(f"({y[0]},{y[1]},{y[2]})\n")

    _bare_windows(data, add, fire)
    write("".join(lines))


def u3_engine_process(data: list) -> None:
    env = _env()
    _windowed(env, data).process(COUNT_WINDOW, Types.TUPLE(
        [Types.STRING(), Types.LONG(), Types.LONG(), Types.LONG()])).print()
    env.execute("u3 window process")


def u3_bare_process(data: list) -> None:
    process, write = COUNT_WINDOW.process, sys.stdout.write
    lines: list[str] = []
    ctx = _BareWindowContext()

    def add(window: dict, k: Any, t: Any) -> None:
        pane = window.get(k)
        if pane is None:
            window[k] = [t]
        else:
            pane.append(t)

    def fire(k: Any, start: int, pane: list) -> None:
        ctx.w = TimeWindow(start, start + WINDOW_MS)
        for y in process(k, ctx, pane):
            lines.append(f"({y[0]},{y[1]},{y[2]},{y[3]})\n")

    _bare_windows(data, add, fire)
    write("".join(lines))


# ----------------------------------------------------------------------------- U4 keyed process
def u4_engine(data: list) -> None:
    env = _env()
    (env.from_collection(data, type_info=event_type())
        .assign_timestamps_and_watermarks(
            WatermarkStrategy.for_monotonous_timestamps().with_timestamp_assigner(EVENT_TIME))
        .key_by(by_name)
        .process(COUNT_WITH_TIMEOUT, Types.TUPLE([Types.STRING(), Types.LONG()]))
        .print())
    env.execute("u4 keyed process")


class _BareValueState:
    """A ValueState as cheap as Python allows: a dict indexed by the current key."""

    __slots__ = ("values", "current")

    def __init__(self, current: list) -> None:
        self.values: dict[Any, Any] = {}
        self.current = current

    def value(self) -> Any:
        return self.values.get(self.current[0])

    def update(self, value: Any) -> None:
        self.values[self.current[0]] = value

    def clear(self) -> None:
        self.values.pop(self.current[0], None)


class _BareContext:
    """Context, OnTimerContext and TimerService in one: timestamp, key and a timer heap with
    Flink's de-duplication of (key, timestamp)."""

    __slots__ = ("ts", "current", "heap", "registered")

    def __init__(self, current: list) -> None:
        self.current = current
        self.heap: list[tuple[int, Any]] = []
        self.registered: set[tuple[int, Any]] = set()

    def timestamp(self) -> int:
        return self.ts

    def get_current_key(self) -> Any:
        return self.current[0]

    def timer_service(self) -> _BareContext:
        return self

    def register_event_time_timer(self, t: int) -> None:
        entry = (t, self.current[0])
        if entry not in self.registered:
            self.registered.add(entry)
            heapq.heappush(self.heap, entry)


class _BareRuntimeContext:
    def __init__(self, current: list) -> None:
        self.current = current

    def get_state(self, descriptor: Any) -> _BareValueState:
        return _BareValueState(self.current)


def u4_bare(data: list) -> None:
    import copy

    fn = copy.copy(COUNT_WITH_TIMEOUT)  # its own state attribute; the engine copies it too
    current: list = [None]
    fn.open(_BareRuntimeContext(current))
    ctx = _BareContext(current)
    process, on_timer = fn.process_element, fn.on_timer
    extract, key, write = EVENT_TIME.extract_timestamp, by_name, sys.stdout.write
    heap, registered, pop = ctx.heap, ctx.registered, heapq.heappop
    max_ts = -(2**63)

    def fire(watermark: int, lines: list) -> None:
        while heap and heap[0][0] <= watermark:
            entry = pop(heap)
            registered.discard(entry)
            ctx.ts = entry[0]
            current[0] = entry[1]
            for y in on_timer(entry[0], ctx) or ():
                lines.append(f"({y[0]},{y[1]})\n")

    for lo in range(0, len(data), BATCH):
        lines: list[str] = []
        for t in data[lo:lo + BATCH]:
            ts = extract(t, 0)
            if ts > max_ts:
                max_ts = ts
            ctx.ts = ts
            current[0] = key(t)
            for y in process(t, ctx) or ():
                lines.append(f"({y[0]},{y[1]})\n")
        fire(max_ts - 1, lines)
        write("".join(lines))
    lines = []
    fire(2**63 - 1, lines)
    write("".join(lines))


# ----------------------------------------------------------------------------- U5 connected
def u5_setup(n: int) -> tuple[list, list]:
    data = make_data(n)
    return data[0::2], data[1::2]


def u5_engine(ctx: tuple[list, list]) -> None:
    evens, odds = ctx
    env = _env()
    T = event_type()
    (env.from_collection(evens, type_info=T)
        .connect(env.from_collection(odds, type_info=T))
        .map(TAG, output_type=Types.TUPLE([Types.STRING(), Types.INT(), Types.STRING()]))
        .print())
    env.execute("u5 connected")


def u5_bare(ctx: tuple[list, list]) -> None:
    evens, odds = ctx
    write = sys.stdout.write
    for data, f in ((evens, TAG.map1), (odds, TAG.map2)):
        for lo in range(0, len(data), BATCH):
            lines = []
            for t in data[lo:lo + BATCH]:
                y = f(t)
                lines.append(f"({y[0]},{y[1]},{y[2]})\n")
            write("".join(lines))


WORKLOADS: list[Workload] = [
    Workload(name="U1 stateless, typed collection -> print()", events=N, setup=make_data,
             engine=printed(u1_engine_print), bare=printed(u1_bare_print),
             note="from_collection(type_info=TUPLE) -> map(output_type) -> filter -> print(); "
                  "digest of the printed lines"),
    Workload(name="U1 stateless, typed collection -> execute_and_collect()", events=N,
             setup=make_data, engine=u1_engine_collect, bare=u1_bare_collect),
    Workload(name="U1 stateless, typed collection -> add_sink(fn)", events=N, setup=make_data,
             engine=u1_engine_sink, bare=u1_bare_sink),
    Workload(name="U2 keyed reduce -> print()", events=N, setup=make_data,
             engine=printed(u2_engine), bare=printed(u2_bare),
             note="key_by(name).reduce(sum): one printed line per event"),
    Workload(name="U3 tumbling window reduce -> print()", events=N, setup=make_data,
             engine=printed(u3_engine_reduce), bare=printed(u3_bare_reduce),
             note="monotonous timestamps, 1 s windows, 100 keys: 100,000 panes of 10 events"),
    Workload(name="U3 tumbling window ProcessWindowFunction -> print()", events=N, setup=make_data,
             engine=printed(u3_engine_process), bare=printed(u3_bare_process),
             note="elements buffered per pane, counted at the firing"),
    Workload(name="U4 keyed process, ValueState + timers -> print()", events=N, setup=make_data,
             engine=printed(u4_engine), bare=printed(u4_bare),
             note="PyFlink's CountWithTimeoutFunction: 1 state read + write and 1 timer per event, "
                  "1 M timers fire"),
    Workload(name="U5 connected streams, CoMapFunction -> print()", events=N, setup=u5_setup,
             engine=printed(u5_engine), bare=printed(u5_bare),
             note="two typed collections of N/2 each"),
]
