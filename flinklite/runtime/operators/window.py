"""The keyed window operator (Flink's ``WindowOperator`` / ``EvictingWindowOperator`` and
``MergingWindowSet``; PyFlink runs the same algorithm in its Python worker).

Per element (semantics reference §3.6): assign windows; for merging assigners fold each new
window into the key's :class:`MergingWindowSet` (the merge callback merges trigger state and
window contents and drops the merged windows' cleanup timers); skip windows that are already
past ``max_timestamp + allowed_lateness``; add the element to the window's contents; ask the
trigger; FIRE evaluates the window function (results timestamped ``window.max_timestamp()``),
PURGE clears the contents only; register the cleanup timer. An element that went into *no*
window and is late by the element rule goes to the late-data side output (or is dropped).

Window contents live in keyed state under the window as namespace: a ListState for
``process``/``apply``, a ReducingState for ``reduce``, an AggregatingState for ``aggregate``,
and a ListState of :class:`~flinklite.datastream.window.TimestampedValue` when an evictor is set
(the evictor needs every element; reduce/aggregate then run at firing time). Empty windows never
fire.

Where PyFlink's Python window operator differs from Java's, flinklite follows PyFlink: when a
trigger fires on an element but the window turns out to have no contents, the purge and the
cleanup-timer registration for that window are skipped as well.

``window_all`` is this operator on a stream keyed by a constant, at parallelism 1. Tumbling and
sliding event-time windows with the default trigger run on its subclass
:class:`~flinklite.runtime.operators.aligned_window.AlignedWindowOperator`, which fires a window
for all keys at once (same results, one due time per window instead of one timer per pane).
BATCH mode needs nothing special: the task feeds each key's records with the watermark at
``MIN_TIMESTAMP`` and fires all of the key's timers at the end of the key, so every window fires
once with all its elements and nothing is late.
"""

from __future__ import annotations

from typing import Any

from flinklite.datastream.functions import (
    KeyedStateStore,
    ProcessWindowFunction,
)
from flinklite.datastream.state import (
    AggregatingStateDescriptor,
    ListStateDescriptor,
    ReducingStateDescriptor,
    ValueStateDescriptor,
)
from flinklite.datastream.window import (
    MergingWindowAssigner,
    TimestampedValue,
    Trigger,
    WindowAssigner,
)
from flinklite.errors import IllegalStateException
from flinklite.runtime.operators.base import StreamOperator, TimerFiringMixin
from flinklite.runtime.operators.collector import TimestampedCollector
from flinklite.runtime.operators.reduce import NullReduceResult
from flinklite.runtime.runtime_context import StreamingRuntimeContext
from flinklite.time.timer_service import InternalTimerService
from flinklite.time.watermark import MAX_TIMESTAMP, MIN_TIMESTAMP

__all__ = ["WindowSpec", "WindowOperator", "MergingWindowSet"]


class WindowSpec:
    """Everything a window operator needs; built by ``WindowedStream`` and deep-copied per subtask.

    ``contents``: ``"list"`` | ``"reduce"`` | ``"aggregate"``. ``fn_kind``: ``"pass"`` (emit the
    reduced/aggregated value), ``"wf"``, ``"pwf"``, ``"awf"``, ``"pawf"`` or ``"callable"`` (an
    internal ``fn(key, window, elements) -> iterable``, used by joins).
    """

    def __init__(self, assigner: WindowAssigner, trigger: Trigger, allowed_lateness: int, late_tag: Any,
                 evictor: Any, contents: str, agg: Any, fn: Any, fn_kind: str, agg_owner: Any = None) -> None:
        self.assigner = assigner
        self.trigger = trigger
        self.allowed_lateness = allowed_lateness
        self.late_tag = late_tag
        self.evictor = evictor
        self.contents = contents
        self.agg = agg
        self.fn = fn
        self.fn_kind = fn_kind
        self.agg_owner = agg_owner  # the ReduceFunction/AggregateFunction object to open/close


# -- merging window set ------------------------------------------------------------------------
class MergingWindowSet:
    """The key's in-flight windows of a merging assigner, each mapped to its *state window*: the
    namespace its contents live under, so a merge does not move data that
    is already in place (only the merged-away namespaces are folded in)."""

    __slots__ = ("assigner", "mapping")

    def __init__(self, assigner: MergingWindowAssigner, mapping: dict) -> None:
        self.assigner = assigner
        self.mapping = mapping

    def get_state_window(self, window: Any) -> Any:
        return self.mapping.get(window)

    def retire_window(self, window: Any) -> None:
        if self.mapping.pop(window, None) is None:
            raise IllegalStateException(f"window {window} is not in the in-flight window set")

    def add_window(self, new_window: Any, merge_function: Any) -> Any:
        """Add ``new_window``, merging as the assigner says; returns the window it ended up in.
        ``merge_function(result, merged_windows, state_window_of_result, merged_state_windows)``
        is called for every merge that is not a no-op."""
        mapping = self.mapping
        results: list[tuple[Any, set]] = []

        class _Collect(MergingWindowAssigner.MergeCallback):
            def merge(self, to_be_merged, merge_result) -> None:
                results.append((merge_result, set(to_be_merged)))

        self.assigner.merge_windows(list(mapping) + [new_window], _Collect())
        result_window = new_window
        merged_new = False
        for merge_result, merged in results:
            if new_window in merged:
                merged_new = True
                merged.discard(new_window)
                result_window = merge_result
            members = sorted(merged) if _sortable(merged) else list(merged)
            target_state = mapping[members[0]]
            merged_states = []
            for w in members:
                sw = mapping.pop(w, None)
                if sw is not None:
                    merged_states.append(sw)
            mapping[merge_result] = target_state
            merged_states.remove(target_state)
            if not (merge_result in merged and len(merged) == 1):
                merge_function(merge_result, members, mapping[merge_result], merged_states)
        if not results or (result_window == new_window and not merged_new):
            mapping[result_window] = result_window
        return result_window


def _sortable(ws: set) -> bool:
    try:
        sorted(ws)
        return True
    except TypeError:
        return False


# -- contexts ------------------------------------------------------------------------------------
class _TriggerContext(Trigger.OnMergeContext):
    """One reusable context; the operator sets ``window`` (and ``merged_windows``) before each call."""

    __slots__ = ("op", "window", "merged_windows", "_backend", "_ts")

    def __init__(self, op: WindowOperator) -> None:
        self.op = op
        self.window: Any = None
        self.merged_windows: list = []
        self._backend = op.keyed_backend
        self._ts = op.timer_service

    def get_current_processing_time(self) -> int:
        return self._ts.current_processing_time()

    def get_current_watermark(self) -> int:
        return self._ts.current_watermark

    def register_processing_time_timer(self, time: int) -> None:
        self._ts.register_processing_time_timer(self.window, time)

    def register_event_time_timer(self, time: int) -> None:
        self._ts.register_event_time_timer(self.window, time)

    def delete_processing_time_timer(self, time: int) -> None:
        self._ts.delete_processing_time_timer(self.window, time)

    def delete_event_time_timer(self, time: int) -> None:
        self._ts.delete_event_time_timer(self.window, time)

    def get_partitioned_state(self, state_descriptor: Any) -> Any:
        st = self._backend.get_or_create_state(state_descriptor)
        st.set_current_namespace(self.window)
        return st

    def merge_partitioned_state(self, state_descriptor: Any) -> None:
        if self.merged_windows:
            st = self._backend.get_or_create_state(state_descriptor)
            st.merge_namespaces(self.window, self.merged_windows)


class _ScopedState:
    """A keyed state seen under a fixed namespace: every call sets the namespace first and puts the
    void namespace back afterwards, so the same state object stays usable from the runtime context."""

    __slots__ = ("_st", "_ns")

    def __init__(self, st: Any, ns: Any) -> None:
        self._st = st
        self._ns = ns

    def _call(self, name: str, *args: Any) -> Any:
        st = self._st
        st.set_current_namespace(self._ns)
        try:
            return getattr(st, name)(*args)
        finally:
            st.set_current_namespace(None)

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._st, name)
        if not callable(attr):
            return attr
        return lambda *args: self._call(name, *args)

    def __iter__(self):
        return iter(self._call("get") if hasattr(self._st, "add_all") else self._call("keys"))

    def __getitem__(self, key: Any) -> Any:
        return self._call("get", key)

    def __setitem__(self, key: Any, value: Any) -> None:
        self._call("put", key, value)

    def __delitem__(self, key: Any) -> None:
        self._call("remove", key)

    def __contains__(self, key: Any) -> bool:
        return self._call("contains", key)


class _StateStore(KeyedStateStore):
    __slots__ = ("op", "per_window")

    def __init__(self, op: WindowOperator, per_window: bool) -> None:
        self.op = op
        self.per_window = per_window

    def _get(self, descriptor: Any, kind: str) -> Any:
        op = self.op
        if self.per_window and op.merging:
            raise IllegalStateException(
                "window_state() is not available with merging (session) windows: a session's state "
                "could not follow it through merges. Use global_state() or keep the data in the window."
            )
        st = op.runtime_context._checked(descriptor, kind)
        return _ScopedState(st, op.process_ctx._window if self.per_window else None)

    def get_state(self, state_descriptor):
        return self._get(state_descriptor, "value")

    def get_list_state(self, state_descriptor):
        return self._get(state_descriptor, "list")

    def get_map_state(self, state_descriptor):
        return self._get(state_descriptor, "map")

    def get_reducing_state(self, state_descriptor):
        return self._get(state_descriptor, "reducing")

    def get_aggregating_state(self, state_descriptor):
        return self._get(state_descriptor, "aggregating")


class _WindowContext(ProcessWindowFunction.Context):
    __slots__ = ("op", "_window", "_window_store", "_global_store")

    def __init__(self, op: WindowOperator) -> None:
        self.op = op
        self._window: Any = None
        self._window_store = _StateStore(op, True)
        self._global_store = _StateStore(op, False)

    def window(self) -> Any:
        return self._window

    def current_processing_time(self) -> int:
        return self.op.timer_service.current_processing_time()

    def current_watermark(self) -> int:
        return self.op.timer_service.current_watermark

    def window_state(self) -> KeyedStateStore:
        return self._window_store

    def global_state(self) -> KeyedStateStore:
        return self._global_store

    def output(self, output_tag: Any, value: Any) -> None:
        self.op.collector.side(output_tag, value, self._window.max_timestamp())


class _AssignerContext(WindowAssigner.WindowAssignerContext):
    __slots__ = ("op",)

    def __init__(self, op: WindowOperator) -> None:
        self.op = op

    def get_current_processing_time(self) -> int:
        return self.op.timer_service.current_processing_time()

    def get_runtime_context(self) -> Any:
        return self.op.runtime_context


# -- the operator --------------------------------------------------------------------------------
_CONTENTS = "window-contents"
_MERGING_SET = ValueStateDescriptor("merging-window-set")



def null_window_reduce(op: Any, key: Any, window: Any, detail: str = "") -> NullReduceResult:
    """A window's reduce function returned None: Flink's reducing state cannot hold null, and a
    silently empty window would lose data."""
    return NullReduceResult(
        f"{op.describe()}: the reduce function returned None{detail} for key {key!r} in window "
        f"{window}. A reduce must return the combined value (did it forget `return`?)."
    )


def _checked_reduce(op: Any, fn: Any) -> Any:
    """``fn`` (a callable or ReduceFunction) as a callable that refuses a None result."""
    reduce = fn.reduce if hasattr(fn, "reduce") else fn

    def checked(a: Any, b: Any) -> Any:
        r = reduce(a, b)
        if r is None:
            backend = op.keyed_backend
            detail = f" (accumulator {a!r:.100}, record {b!r:.100})"
            raise null_window_reduce(op, backend.current_key if backend is not None else None,
                                     getattr(op.window_state, "_ns", "?"), detail)
        return r

    return checked

class WindowOperator(TimerFiringMixin, StreamOperator):
    keyed = True

    def __init__(self, spec: WindowSpec, name: str = "Window", uid: str | None = None) -> None:
        super().__init__(name, uid)
        self.spec = spec

    # -- life cycle ----------------------------------------------------------------------------
    def open(self) -> None:
        spec = self.spec
        backend = self.keyed_backend
        self.assigner = spec.assigner
        self.trigger = spec.trigger
        self.event_time = bool(self.assigner.is_event_time())
        self.merging = isinstance(self.assigner, MergingWindowAssigner)
        self.lateness = spec.allowed_lateness
        self.late_tag = spec.late_tag
        self.evictor = spec.evictor
        self.is_list = self.evictor is not None or spec.contents == "list"
        self.window_state = self._create_window_state(self._contents_descriptor())
        self.merging_sets = backend.get_or_create_state(_MERGING_SET) if self.merging else None
        self.timer_service = self._create_timer_service()
        self.collector = TimestampedCollector(self)
        self.runtime_context = StreamingRuntimeContext(self)
        self.trigger_ctx = _TriggerContext(self)
        self.process_ctx = _WindowContext(self)
        self.assigner_ctx = _AssignerContext(self)
        self._emit_fn = self._make_emitter()
        if spec.fn is not None and spec.fn_kind != "callable":
            self.open_function(spec.fn, self.runtime_context)
        if spec.agg_owner is not None:
            self.open_function(spec.agg_owner, self.runtime_context)

    def _contents_descriptor(self) -> Any:
        spec = self.spec
        if self.is_list:
            return ListStateDescriptor(_CONTENTS)
        if spec.contents == "reduce":
            # the aligned-window operator checks at firing time instead (nothing per record)
            aligned = getattr(self, "_aligned", False)
            return ReducingStateDescriptor(_CONTENTS, spec.agg if aligned else _checked_reduce(self, spec.agg))
        return AggregatingStateDescriptor(_CONTENTS, spec.agg)

    def _create_window_state(self, descriptor: Any) -> Any:
        """Where window contents live (overridden by the aligned-window operator)."""
        return self.keyed_backend.get_or_create_state(descriptor)

    def _create_timer_service(self) -> InternalTimerService:
        ts = InternalTimerService("window-timers", self.keyed_backend, self.ctx.pt_service, self, owner=self.ctx.task)
        ts.batch_mode = self.ctx.batch_mode
        return ts

    def close(self) -> None:
        if hasattr(self, "timer_service"):
            self.timer_service.cancel()
        spec = self.spec
        if spec.fn is not None and spec.fn_kind != "callable":
            self.close_function(spec.fn)
        if spec.agg_owner is not None:
            self.close_function(spec.agg_owner)

    # -- the window function --------------------------------------------------------------------
    def _make_emitter(self):
        spec = self.spec
        fn, kind = spec.fn, spec.fn_kind
        ctx = self.process_ctx
        col = self.collector
        single = spec.contents != "list"
        evicting = self.evictor is not None

        if kind == "pass":
            def call(key, window, contents):
                return (contents,)
        elif kind == "wf":
            apply = fn.apply

            def call(key, window, contents):
                return apply(key, window, (contents,) if single else contents)
        elif kind == "awf":
            apply = fn.apply

            def call(key, window, contents):
                return apply(window, (contents,) if single else contents)
        elif kind == "pwf":
            process = fn.process

            def call(key, window, contents):
                return process(key, ctx, (contents,) if single else contents)
        elif kind == "pawf":
            process = fn.process

            def call(key, window, contents):
                return process(ctx, (contents,) if single else contents)
        else:  # internal callable (joins)
            def call(key, window, contents):
                return fn(key, window, contents)

        self._call_fn = call

        def emit(key, window, contents):
            ctx._window = window
            if evicting:
                contents = self._evict_and_fold(window, contents)
                if contents is _NOTHING:
                    return
            col.drain_checked(call(key, window, contents), window.max_timestamp())

        return emit

    def _evict_and_fold(self, window: Any, elements: list) -> Any:
        ev = self.evictor
        ectx = self.trigger_ctx
        ev.evict_before(elements, len(elements), window, ectx)
        values = [e.value for e in elements]
        kind = self.spec.contents
        if kind == "list":
            result: Any = values
        elif kind == "reduce":
            if not values:
                result = _NOTHING
            else:
                f = _checked_reduce(self, self.spec.agg)
                result = values[0]
                for v in values[1:]:
                    result = f(result, v)
        else:
            agg = self.spec.agg
            acc = agg.create_accumulator()
            for v in values:
                acc = agg.add(v, acc)
            result = agg.get_result(acc)
        ev.evict_after(elements, len(elements), window, ectx)
        ws = self.window_state
        if elements:
            ws.update(list(elements))
        else:
            ws.clear()
        return result

    def _contents(self) -> Any:
        c = self.window_state.get()
        if self.is_list and not c:
            return None
        return c

    # -- records -----------------------------------------------------------------------------
    def process_batch(self, values, timestamps, keys):
        backend = self.keyed_backend
        process = self._process_element
        record = None
        try:
            if timestamps is None:
                for record, key in zip(values, keys):
                    backend.current_key = key
                    process(record, MIN_TIMESTAMP, key)
            else:
                for record, key, ts in zip(values, keys, timestamps):
                    backend.current_key = key
                    process(record, ts, key)
        except NullReduceResult:
            self.collector.clear()
            raise
        except Exception as e:
            self.collector.clear()
            raise self.user_error(e, record) from e
        self.collector.flush()

    def _process_element(self, value: Any, ts: int, key: Any) -> None:
        windows = self.assigner.assign_windows(value, ts, self.assigner_ctx)
        skipped = True
        ws = self.window_state
        trigger = self.trigger
        tctx = self.trigger_ctx
        item = TimestampedValue(value, ts) if self.evictor is not None else value
        if self.merging:
            mset = self._merging_set()
            for w in windows:
                actual = mset.add_window(w, self._merge)
                if self._is_window_late(actual):
                    mset.retire_window(actual)
                    continue
                skipped = False
                sw = mset.get_state_window(actual)
                if sw is None:
                    raise IllegalStateException(f"window {actual} is not in the in-flight window set")
                if self._on_element(value, ts, key, actual, sw, item, ws, trigger, tctx):
                    continue
            self._persist(mset)
        else:
            for w in windows:
                if self._is_window_late(w):
                    continue
                skipped = False
                self._on_element(value, ts, key, w, w, item, ws, trigger, tctx)
        if skipped and self.event_time and ts + self.lateness <= self.timer_service.current_watermark:
            if self.late_tag is not None:
                self.collector.side(self.late_tag, value, ts)

    def _on_element(self, value, ts, key, window, ns, item, ws, trigger, tctx) -> bool:
        """Add, ask the trigger, fire/purge, register cleanup. True if PyFlink's early exit hit."""
        ws.set_current_namespace(ns)
        ws.add(item)
        tctx.window = window
        r = trigger.on_element(value, ts, window, tctx)
        if r.value[0]:
            ws.set_current_namespace(ns)
            contents = self._contents()
            if contents is None:
                return True
            self._emit_fn(key, window, contents)
        if r.value[1]:
            ws.set_current_namespace(ns)
            ws.clear()
        self._register_cleanup_timer(window)
        return False

    # -- merging -------------------------------------------------------------------------------
    def _merging_set(self) -> MergingWindowSet:
        st = self.merging_sets
        st.set_current_namespace(None)
        mapping = st.value()
        return MergingWindowSet(self.assigner, dict(mapping) if mapping else {})

    def _persist(self, mset: MergingWindowSet) -> None:
        st = self.merging_sets
        st.set_current_namespace(None)
        st.update(mset.mapping if mset.mapping else None)

    def _merge(self, result: Any, merged_windows: list, state_window: Any, merged_state_windows: list) -> None:
        ts = self.timer_service
        if self.event_time:
            if self._cleanup_time(result) <= ts.current_watermark:
                raise IllegalStateException(
                    "The end timestamp of an event-time window cannot become earlier than the current "
                    f"watermark by merging. Current watermark: {ts.current_watermark} window: {result}"
                )
        else:
            now = ts.current_processing_time()
            if result.max_timestamp() <= now:
                raise IllegalStateException(
                    "The end timestamp of a processing-time window cannot become earlier than the "
                    f"current processing time by merging. Current processing time: {now} window: {result}"
                )
        tctx = self.trigger_ctx
        tctx.window = result
        tctx.merged_windows = list(merged_windows)
        try:
            self.trigger.on_merge(result, tctx)
        finally:
            tctx.merged_windows = []
        for m in merged_windows:
            tctx.window = m
            self.trigger.clear(m, tctx)
            self._delete_cleanup_timer(m)
        if merged_state_windows:
            self.window_state.merge_namespaces(state_window, merged_state_windows)

    # -- time ----------------------------------------------------------------------------------
    def _cleanup_time(self, window: Any) -> int:
        mts = window.max_timestamp()
        if not self.event_time:
            return mts
        t = mts + self.lateness
        return MAX_TIMESTAMP if t > MAX_TIMESTAMP else t

    def _is_window_late(self, window: Any) -> bool:
        return self.event_time and self._cleanup_time(window) <= self.timer_service.current_watermark

    def _register_cleanup_timer(self, window: Any) -> None:
        t = self._cleanup_time(window)
        if t == MAX_TIMESTAMP:
            return
        if self.event_time:
            self.timer_service.register_event_time_timer(window, t)
        else:
            self.timer_service.register_processing_time_timer(window, t)

    def _delete_cleanup_timer(self, window: Any) -> None:
        t = self._cleanup_time(window)
        if t == MAX_TIMESTAMP:
            return
        if self.event_time:
            self.timer_service.delete_event_time_timer(window, t)
        else:
            self.timer_service.delete_processing_time_timer(window, t)

    def _on_timer(self, t: int, key: Any, window: Any, event_time: bool) -> None:
        tctx = self.trigger_ctx
        tctx.window = window
        mset = None
        if self.merging:
            mset = self._merging_set()
            ns = mset.get_state_window(window)
            if ns is None:
                return  # merged away or retired; its trigger state is already gone
        else:
            ns = window
        ws = self.window_state
        try:
            if event_time:
                r = self.trigger.on_event_time(t, window, tctx)
            else:
                r = self.trigger.on_processing_time(t, window, tctx)
            if r.value[0]:
                ws.set_current_namespace(ns)
                contents = self._contents()
                if contents is not None:
                    self._emit_fn(self._user_key(key), window, contents)
            if r.value[1]:
                ws.set_current_namespace(ns)
                ws.clear()
            if self.event_time == event_time and t == self._cleanup_time(window):
                self._clear_all_state(window, ns, mset)
            if mset is not None:
                self._persist(mset)
        except NullReduceResult:
            self.collector.clear()
            raise
        except Exception as e:
            self.collector.clear()
            kind = "event" if event_time else "processing"
            raise self.user_error(e, f"<{kind}-time timer {t} of window {window} of key {key!r}>") from e

    def _user_key(self, key: Any) -> Any:
        return key

    def _clear_all_state(self, window: Any, ns: Any, mset: MergingWindowSet | None) -> None:
        ws = self.window_state
        ws.set_current_namespace(ns)
        ws.clear()
        tctx = self.trigger_ctx
        tctx.window = window
        self.trigger.clear(window, tctx)
        if self.spec.fn_kind in ("pwf", "pawf"):
            self.process_ctx._window = window
            self.spec.fn.clear(self.process_ctx)
        if mset is not None:
            mset.retire_window(window)

    def on_event_time(self, ts: int, key: Any, ns: Any) -> None:
        self._on_timer(ts, key, ns, True)

    def on_processing_time(self, ts: int, key: Any, ns: Any) -> None:
        self._on_timer(ts, key, ns, False)
        self.collector.flush()  # processing-time timers run between batches: emit at once



_NOTHING = object()
