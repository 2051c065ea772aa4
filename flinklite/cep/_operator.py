"""The CEP operator (Flink's ``CepOperator``): runs one NFA per key on a keyed stream.

Per key, one value state holds ``[branches, completed matches, shared buffer, pending
events]`` (plain lists, dicts and tuples), so the operator checkpoints, restores and rescales
by key group exactly like any keyed operator: nothing lives outside the keyed state backend
and the timer service.

Event time: an arriving event with a timestamp above the current watermark is *buffered* under
its timestamp, and a timer is set for ``watermark + 1`` (one per key: the next watermark fires
it). When it fires, the buffered events with timestamps up to the watermark go through the NFA
in timestamp order (events of one timestamp in arrival order), then time advances to the
watermark, which times out partial matches whose window has passed. An event at or below the
watermark is *late*: it goes to the late-data side output if one was set, else it is dropped.
So, as in Flink, an event-time CEP job without watermarks emits nothing until the end of its
input (the final watermark).

Processing time: each event goes through the NFA at once, stamped with the current processing
time; a processing-time timer at the earliest window end times out partial matches.

Matches are emitted with the timestamp of the event that completed them; timed-out partial
matches with their timeout time (first event + window).
"""

from __future__ import annotations

from typing import Any

from flinklite.cep._nfa import NFA
from flinklite.cep._nfa_compiler import compile_pattern
from flinklite.cep.functions import PatternProcessFunction, TimedOutPartialMatchHandler
from flinklite.datastream.output_tag import OutputTag
from flinklite.datastream.state import ValueStateDescriptor
from flinklite.runtime.operators.base import StreamOperator, TimerFiringMixin
from flinklite.runtime.operators.collector import TimestampedCollector
from flinklite.runtime.runtime_context import StreamingRuntimeContext
from flinklite.time.timer_service import InternalTimerService
from flinklite.time.watermark import MAX_TIMESTAMP

__all__ = ["CepOperator"]


class _MatchContext(PatternProcessFunction.Context):
    __slots__ = ("ts", "op")

    def __init__(self, op: CepOperator) -> None:
        self.op = op
        self.ts = 0

    def timestamp(self) -> int:
        return self.ts

    def current_processing_time(self) -> int:
        return self.op.ctx.pt_service.now()

    def output(self, output_tag: Any, value: Any) -> None:
        if not isinstance(output_tag, OutputTag):
            raise TypeError(f"ctx.output needs an OutputTag, got {type(output_tag).__name__}")
        self.op.collector.side(output_tag, value, self.ts)


class CepOperator(TimerFiringMixin, StreamOperator):
    keyed = True

    def __init__(self, pattern: Any, fn: PatternProcessFunction, processing_time: bool = False,
                 late_tag: OutputTag | None = None, name: str = "CepOperator", uid: str | None = None) -> None:
        super().__init__(name, uid)
        self.pattern = pattern
        self.fn = fn
        self.processing_time = processing_time
        self.late_tag = late_tag
        self.handles_timeouts = isinstance(fn, TimedOutPartialMatchHandler)

    def open(self) -> None:
        self.nfa = NFA(compile_pattern(self.pattern), self.handles_timeouts)
        self.nfa.now = self.ctx.pt_service.now
        self.collector = TimestampedCollector(self)
        self.timer_service = InternalTimerService(
            "cep-timers", self.keyed_backend, self.ctx.pt_service, self, owner=self.ctx.task)
        self.timer_service.batch_mode = self.ctx.batch_mode
        self.state = self.keyed_backend.get_or_create_state(ValueStateDescriptor("cep-nfa-state"))
        self.match_ctx = _MatchContext(self)
        self.open_function(self.fn, StreamingRuntimeContext(self))

    def close(self) -> None:
        if hasattr(self, "timer_service"):
            self.timer_service.cancel()
        self.close_function(self.fn)

    # -- per-key state -------------------------------------------------------------------------
    def _data(self) -> list:
        data = self.state.value()
        if data is None:
            data = self.nfa.initial_data()
            data.append({})  # pending events: timestamp -> [events]
        return data

    def _store(self, data: list) -> None:
        if not data[3] and not data[1] and not data[2][0] and not NFA.has_partial_matches(data):
            self.state.clear()  # nothing but the start branch: keep no state for this key
        else:
            self.state.update(data)

    # -- input -----------------------------------------------------------------------------------
    def process_batch(self, values, timestamps, keys):
        backend = self.keyed_backend
        record = None
        try:
            if self.processing_time:
                now = self.ctx.pt_service.now()
                for record, key in zip(values, keys):
                    backend.current_key = key
                    data = self._data()
                    self._advance(data, now)
                    self._emit(self.nfa.process(data, record, now), now)
                    self._schedule_timeout(data)
                    self._store(data)
            else:
                if timestamps is None:
                    timestamps = [-2**63] * len(values)
                ts_service = self.timer_service
                for record, key, ts in zip(values, keys, timestamps):
                    backend.current_key = key
                    wm = ts_service.current_watermark
                    if ts > wm:
                        data = self._data()
                        data[3].setdefault(ts, []).append(record)
                        self.state.update(data)
                        if wm < MAX_TIMESTAMP:
                            ts_service.register_event_time_timer(None, wm + 1)
                    elif self.late_tag is not None:
                        self.collector.side(self.late_tag, record, ts)
        except Exception as e:
            self.collector.clear()
            raise self.user_error(e, record) from e
        self.collector.flush()

    # -- timers ------------------------------------------------------------------------------------
    def on_event_time(self, ts: int, key: Any, ns: Any) -> None:
        wm = self.timer_service.current_watermark
        data = self._data()
        queue = data[3]
        nfa = self.nfa
        record = None
        try:
            if queue:
                for t in sorted(t for t in queue if t <= wm):
                    self._advance(data, t)
                    for record in queue.pop(t):
                        self._emit(nfa.process(data, record, t), t)
            record = None
            self._advance(data, wm)
        except Exception as e:
            self.collector.clear()
            raise self.user_error(e, record if record is not None else f"<watermark {wm} of key {key!r}>") from e
        if (queue or data[2][0]) and wm < MAX_TIMESTAMP:
            self.timer_service.register_event_time_timer(None, wm + 1)
        self._store(data)

    def on_processing_time(self, ts: int, key: Any, ns: Any) -> None:
        now = self.ctx.pt_service.now()
        data = self._data()
        try:
            self._advance(data, max(now, ts))
        except Exception as e:
            self.collector.clear()
            raise self.user_error(e, f"<processing time {ts} of key {key!r}>") from e
        self._schedule_timeout(data)
        self._store(data)
        self.collector.flush()

    def _schedule_timeout(self, data: list) -> None:
        window = self.nfa.window
        if window > 0:
            starts = [cs[3] for cs in data[0] if cs[5] is not None]
            if starts:
                self.timer_service.register_processing_time_timer(None, min(starts) + window)

    # -- output ----------------------------------------------------------------------------------
    def _advance(self, data: list, ts: int) -> None:
        matches, timeouts = self.nfa.advance_time(data, ts)
        if matches:
            self._emit(matches, ts)
        if timeouts:
            ctx = self.match_ctx
            handler = self.fn.process_timed_out_match
            col = self.collector
            for match, timeout_ts in timeouts:
                ctx.ts = timeout_ts
                out = handler(match, ctx)
                if out is not None:
                    for r in out:
                        if r.__class__ is tuple and len(r) == 2 and isinstance(r[0], OutputTag):
                            col.side(r[0], r[1], timeout_ts)
                        else:
                            raise TypeError(
                                "process_timed_out_match can only emit to side outputs: yield (output_tag, value) "
                                f"or call ctx.output(tag, value); got {r!r}")

    def _emit(self, matches: list, ts: int) -> None:
        if not matches:
            return
        ctx = self.match_ctx
        ctx.ts = ts
        process = self.fn.process_match
        drain = self.collector.drain_checked
        for match in matches:
            drain(process(match, ctx), ts)
