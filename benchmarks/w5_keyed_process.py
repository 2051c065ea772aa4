"""W5 keyed process function: a session tracker with a ValueState counter and one event-time
timer per key, N events, parallelism 1.

Events are the numbers ``0 .. N-1`` with timestamp ``i`` ms (the W3 watermark strategy: bounded
out-of-orderness 100 ms). The key comes in bursts, ``(i // 10) % 1000``: each key receives 10
events in 10 ms and then nothing for 9,990 ms, so with a session gap of 1,000 ms every key has
100 sessions of 10 events (100,000 sessions).

``SessionCounter`` is the shape of ``examples/session_tracker.py``: per element it bumps the
``count`` ValueState, deletes the key's pending timer (``last + GAP``), remembers ``last = ts``
in a second ValueState and registers an event-time timer at ``ts + GAP``; ``on_timer`` emits
``(key, timer_ts, count)`` and clears both states. As in the example, an element that arrives
more than ``GAP`` after the key's last one closes the previous session itself (emitting the
same triple) when the watermark has not fired its timer yet: periodic watermarks follow
processing time, so without that the sessions would depend on the machine's speed. Per event:
2-3 state reads, 2 state writes, 1 timer deletion (except the key's first), 1 timer
registration; per session one output. 1,000,000 registrations, ~1,000,000 deletions, 100,000
outputs, from ``on_timer`` or from ``process_element`` depending on where the watermark is.

The bare loop does the same with plain dicts for the two states and a ``heapq`` of
``(timer_ts, key)`` with lazy deletion (a popped timer fires only if it is still the key's
``last + GAP``, which is what deleting the older ones achieved); like W3's bare loop it advances
the watermark (``max_ts - 100 - 1``) and fires due timers every 1,024 events, and everything at
the end of the input. It calls the same timestamp assigner, key selector, ``session_result`` and
sink. Result: W3's digest of the emitted ``(key, timer_ts, count)`` triples.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from typing import Any

from benchmarks.harness import Workload
from benchmarks.w3_tumbling_window import BATCH, OUT_OF_ORDERNESS_MS, ResultDigest, digest_sink, strategy
from flinklite.common import Types
from flinklite.datastream import KeyedProcessFunction, RuntimeContext, StreamExecutionEnvironment
from flinklite.datastream.connectors.number_seq import NumberSequenceSource
from flinklite.datastream.state import ValueStateDescriptor

N = 1_000_000
KEYS = 1000
BURST = 10
GAP_MS = 1000

# The user functions: one object each, shared by the engine job and the bare loop.
event_time = strategy  # noqa: F401  (W3's: timestamp = i ms)
session_key = lambda i: (i // BURST) % KEYS  # noqa: E731


def session_result(key: Any, timer_ts: int, count: int) -> tuple:
    return (key, timer_ts, count)


class SessionCounter(KeyedProcessFunction):
    """Counts a key's events until ``GAP_MS`` of event time pass without one."""

    def open(self, runtime_context: RuntimeContext) -> None:
        self.count = runtime_context.get_state(ValueStateDescriptor("count", Types.LONG()))
        self.last = runtime_context.get_state(ValueStateDescriptor("last", Types.LONG()))

    def process_element(self, value: Any, ctx: KeyedProcessFunction.Context) -> Iterable | None:
        timers = ctx.timer_service()
        ts = ctx.timestamp()
        last = self.last.value()
        out = None
        count = 1
        if last is not None:
            timers.delete_event_time_timer(last + GAP_MS)
            if ts > last + GAP_MS:  # the gap has passed, the watermark has not caught up yet
                out = [session_result(ctx.get_current_key(), last + GAP_MS, self.count.value())]
            else:
                count = self.count.value() + 1
        self.count.update(count)
        self.last.update(ts)
        timers.register_event_time_timer(ts + GAP_MS)
        return out

    def on_timer(self, timestamp: int, ctx: KeyedProcessFunction.OnTimerContext) -> Iterable:
        out = session_result(ctx.get_current_key(), timestamp, self.count.value())
        self.count.clear()
        self.last.clear()
        return [out]


def engine(n: int) -> ResultDigest:
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(1)
    sink, digest = digest_sink()
    (env.from_source(NumberSequenceSource(0, n - 1), strategy(), "numbers")
        .key_by(session_key)
        .process(SessionCounter())
        .add_sink(sink))
    env.execute("w5 session counter")
    return digest


def bare(n: int) -> ResultDigest:
    """The floor: two dicts for the states, a heap of timers with lazy deletion."""
    extract = strategy()._extractor()
    key, result = session_key, session_result
    sink, digest = digest_sink()
    count: dict[Any, int] = {}
    last: dict[Any, int] = {}
    timers: list[tuple[int, Any]] = []
    push, pop = heapq.heappush, heapq.heappop
    max_ts = -(2**63) + OUT_OF_ORDERNESS_MS + 1

    def fire(watermark: int) -> None:
        while timers and timers[0][0] <= watermark:
            t, k = pop(timers)
            if last.get(k) is not None and last[k] + GAP_MS == t:  # not deleted since
                sink(result(k, t, count.pop(k)))
                del last[k]

    for lo in range(0, n, BATCH):
        for i in range(lo, min(lo + BATCH, n)):
            ts = extract(i, None)
            if ts > max_ts:
                max_ts = ts
            k = key(i)
            prev = last.get(k)
            if prev is not None and ts > prev + GAP_MS:
                sink(result(k, prev + GAP_MS, count[k]))
                count[k] = 1
            else:
                count[k] = count.get(k, 0) + 1
            last[k] = ts
            push(timers, (ts + GAP_MS, k))
        fire(max_ts - OUT_OF_ORDERNESS_MS - 1)
    fire(2**63 - 1)
    return digest


WORKLOADS: list[Workload] = [
    Workload(
        name="W5 keyed process (session counter)",
        events=N,
        setup=lambda n: n,
        engine=engine,
        bare=bare,
        note=f"2 ValueStates + 1 event-time timer per key, bursts of {BURST} events, gap {GAP_MS} ms: "
             "1 M timer registrations, ~1 M deletions, 0.1 M sessions emitted",
    )
]
