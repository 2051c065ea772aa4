"""Aligned windows: a tumbling or sliding event-time window fires for all of its keys at once.

Flink concept: the DataStream ``WindowOperator`` contract (semantics reference §3.6), stored the
way Flink SQL's window aggregation stores it (``SlicingWindowOperator``, FLIP-145). Tumbling and
sliding windows are *aligned*: every key has the same windows. So instead of one state entry and
one timer per (key, window), this operator keeps, per window, one ``{key: contents}`` dict and
one entry in a heap of due times, and when the watermark passes a window's end it fires the
window for every key in one loop.

``WindowedStream`` picks it instead of the general :class:`WindowOperator` when the assigner is
``TumblingEventTimeWindows`` or ``SlidingEventTimeWindows``, the trigger is the default
``EventTimeTrigger``, there is no evictor, and (with allowed lateness) the function is not a
``ProcessWindowFunction``, whose ``clear()`` would make the order of cleanups across windows
visible. In BATCH mode it is the general operator.

Why the results are the same, record for record:

- ``EventTimeTrigger`` registers a timer at the window's max timestamp for a key when the key's
  pane gets its first element. Timers with equal timestamps fire in registration order (see
  :mod:`flinklite.time.timer_service`), so a window fires its keys in the order their panes were
  created: the insertion order of the window's dict. While that holds the window's pending
  firing is :data:`_ALL` ("every key of the dict, in order"); the rare cases that break it (a
  ``None`` element clears a pane but not its timer; restored timers) switch the window to an
  explicit ordered set of keys.
- The cleanup timer (max timestamp + allowed lateness) would clear every pane of the window at
  the same time, so it is one heap entry too; with no allowed lateness it is the firing itself.
- An element for a window the watermark has passed but not yet cleaned up fires that window for
  its key at once (late firing); an element whose windows are all cleaned up is late.

State and timers are snapshotted in the general operator's format (namespace = the
``TimeWindow``; one timer per key and window, under the same names), so a checkpoint or
savepoint restores into either operator at any parallelism.
"""

from __future__ import annotations

import heapq
from itertools import islice
from typing import Any

from flinklite.datastream.window import (
    EventTimeTrigger,
    SlidingEventTimeWindows,
    TimeWindow,
    TumblingEventTimeWindows,
    _require_timestamp,
)
from flinklite.errors import IllegalStateException
from flinklite.runtime.operators.reduce import NullReduceResult
from flinklite.runtime.operators.window import WindowOperator, WindowSpec, null_window_reduce
from flinklite.time.timer_service import InternalTimerService
from flinklite.time.watermark import MAX_TIMESTAMP, MIN_TIMESTAMP

__all__ = ["AlignedWindowOperator"]

_MISSING = object()
_CHUNK = 1024  # panes fired between two flushes of the output
_CANONICAL_KEYS = 1 << 16


class _AllKeys:
    __slots__ = ()

    def __repr__(self) -> str:
        return "<every key, in pane order>"


#: A window's pending firing covers every key of its contents, in insertion order.
_ALL = _AllKeys()


class _Panes:
    """One window's panes: ``contents`` ``{key: accumulator | value | list}`` and ``firing``,
    the keys whose end-of-window timer is pending (``_ALL``, an ordered ``{key: None}``, or
    ``None`` once the window has fired)."""

    __slots__ = ("window", "contents", "firing")

    def __init__(self, window: TimeWindow) -> None:
        self.window = window
        self.contents: dict = {}
        self.firing: Any = None

    def firing_keys(self) -> Any:
        f = self.firing
        return () if f is None else self.contents if f is _ALL else f


class AlignedWindowOperator(WindowOperator):
    """The window operator for aligned event-time windows (see the module docstring)."""

    @staticmethod
    def supports(spec: WindowSpec) -> bool:
        return (type(spec.trigger) is EventTimeTrigger and spec.evictor is None
                and type(spec.assigner) in (TumblingEventTimeWindows, SlidingEventTimeWindows)
                and not (spec.allowed_lateness > 0 and spec.fn_kind in ("pwf", "pawf")))

    # -- life cycle ----------------------------------------------------------------------------
    def open(self) -> None:
        self._aligned = not self.ctx.batch_mode
        self._windows: dict[int, _Panes] = {}  # by window end
        self._due: list[tuple[int, int]] = []  # heap of (time, window end): firings and cleanups
        # One key object per int/str key across all open windows: a key selector makes a new
        # object per record (``i % 1000``) and every pane would keep its own; sharing them cuts a
        # pane's memory by a third. Only exact int/str: equal keys of other types (1, True, 1.0,
        # tuples of them) must keep their own object, which the window function sees.
        self._canonical: dict = {}
        super().open()
        if not self._aligned:
            return
        a = self.assigner
        self._size = a._size
        self._slide = getattr(a, "_slide", a._size)
        self._offset = a._offset
        kind = self.spec.contents
        agg = self.spec.agg
        if kind == "aggregate":
            self._result = agg.get_result
        elif kind == "reduce":
            self._result = None
            self._reduce = self.window_state.descriptor._reduce
        else:
            self._result = _list_contents
        self._clears = self.spec.fn_kind in ("pwf", "pawf")
        for end, panes in self._windows.items():  # restored windows: their cleanup times
            cleanup = self._cleanup_at(end)
            if cleanup != MAX_TIMESTAMP and (cleanup != end - 1 or panes.firing is None):
                heapq.heappush(self._due, (cleanup, end))

    def _create_window_state(self, descriptor: Any) -> Any:
        if not self._aligned:
            return super()._create_window_state(descriptor)
        contents = _ContentsTable(self, descriptor)
        self.keyed_backend.adopt_state(contents)
        return contents

    def _create_timer_service(self) -> InternalTimerService:
        if not self._aligned:
            return super()._create_timer_service()
        return InternalTimerService("window-timers", self.keyed_backend, self.ctx.pt_service, self,
                                    owner=self.ctx.task, event_time_timers=_WindowTimers(self))

    def _cleanup_at(self, end: int) -> int:
        t = end - 1 + self.lateness
        return MAX_TIMESTAMP if t > MAX_TIMESTAMP else t

    def _panes(self, end: int, ts: int) -> _Panes:
        """Open the window ending at ``end`` for an element at ``ts``."""
        start = end - self._size
        if start <= MIN_TIMESTAMP:
            _require_timestamp(ts, type(self.assigner).__name__)  # a record without a timestamp
        panes = self._windows[end] = _Panes(TimeWindow(start, end))
        if len(self._canonical) > _CANONICAL_KEYS:  # bounded: only a memory optimisation
            self._canonical.clear()
        mts = end - 1
        if mts > self.timer_service.current_watermark:
            panes.firing = _ALL
            heapq.heappush(self._due, (mts, end))
        cleanup = self._cleanup_at(end)
        if cleanup != mts and cleanup != MAX_TIMESTAMP:
            heapq.heappush(self._due, (cleanup, end))
        return panes

    # -- records -------------------------------------------------------------------------------
    def process_batch(self, values, timestamps, keys):
        if not self._aligned:
            return super().process_batch(values, timestamps, keys)
        if timestamps is None:
            timestamps = [MIN_TIMESTAMP] * len(values)
        if self._slide == self._size:
            self._tumbling_batch(values, timestamps, keys)
        else:
            self._sliding_batch(values, timestamps, keys)
        self.collector.flush()

    def _sliding_batch(self, values: list, timestamps: list, keys: list) -> None:
        add = self._add
        size, slide, offset = self._size, self._slide, self._offset
        windows = self._windows
        backend = self.keyed_backend
        value = key = panes = None
        try:
            for value, key, ts in zip(values, keys, timestamps):
                backend.current_key = key
                start = ts - (ts - offset) % slide
                placed = False
                while start > ts - size:  # latest window first, as the assigner lists them
                    end = start + size
                    panes = windows.get(end)
                    if panes is not None or not self._is_late(end):
                        add(panes or self._panes(end, ts), key, value)
                        placed = True
                    start -= slide
                if not placed:
                    self._late(value, ts)
        except Exception as e:
            self.collector.clear()
            if self.spec.contents == "reduce" and panes is not None and panes.contents.get(key, 0) is None:
                raise null_window_reduce(self, key, panes.window) from e  # the reduce's None came back
            raise self.user_error(e, value) from e

    def _tumbling_batch(self, values: list, timestamps: list, keys: list) -> None:
        """The hot loop: one window per element, the last window's dict kept at hand (consecutive
        elements mostly share a window), contents updated in place."""
        backend = self.keyed_backend
        windows = self._windows
        size, offset = self._size, self._offset
        fire_above = self.timer_service.current_watermark + 1  # end > this: not fired yet
        kind = self.spec.contents
        agg = self.spec.agg
        is_agg = kind == "aggregate"
        is_reduce = kind == "reduce"
        create = agg.create_accumulator if is_agg else None
        agg_add = agg.add if is_agg else None
        reduce = self._reduce if is_reduce else None
        canonical = self._canonical.setdefault
        last_end = None
        panes = table = value = key = None
        try:
            for value, key, ts in zip(values, keys, timestamps):
                backend.current_key = key
                end = ts - (ts - offset) % size + size
                if end != last_end:
                    found = windows.get(end)
                    if found is None:
                        if self._is_late(end):
                            self._late(value, ts)
                            continue
                        found = self._panes(end, ts)
                    panes, table, last_end = found, found.contents, end
                if value is None or end <= fire_above or panes.firing is not _ALL:
                    self._add(panes, key, value)  # the rare cases, one place
                else:
                    old = table.get(key, _MISSING)
                    if old is _MISSING:  # a new pane
                        cls = key.__class__
                        if cls is str or cls is int:
                            key = canonical(key, key)
                        table[key] = agg_add(value, create()) if is_agg else value if is_reduce else [value]
                    elif is_agg:
                        table[key] = agg_add(value, old)
                    elif is_reduce:
                        table[key] = reduce(old, value)
                    else:
                        old.append(value)
        except Exception as e:
            self.collector.clear()
            if is_reduce and table is not None and table.get(key, 0) is None:
                raise null_window_reduce(self, key, panes.window) from e  # the reduce's None came back
            raise self.user_error(e, value) from e

    def _add(self, panes: _Panes, key: Any, value: Any) -> None:
        """Add ``value`` to ``key``'s pane of an open window, register its firing, and fire at
        once if the watermark has passed the window's end (late firing)."""
        table = panes.contents
        kind = self.spec.contents
        if value is None:
            if kind == "list":
                raise ValueError(f"list state '{self.window_state.name}': add(None) is not allowed "
                                 "(Flink rejects null elements)")
            # clears the pane (Flink's null add) but not its timer: keep the firing order explicit
            if panes.firing is _ALL:
                panes.firing = dict.fromkeys(table)
            table.pop(key, None)
        else:
            if key not in table and (key.__class__ is str or key.__class__ is int):
                key = self._canonical.setdefault(key, key)
            if kind == "aggregate":
                agg = self.spec.agg
                acc = table.get(key, _MISSING)
                table[key] = agg.add(value, agg.create_accumulator() if acc is _MISSING else acc)
            elif kind == "reduce":
                old = table.get(key, _MISSING)
                table[key] = value if old is _MISSING else self._reduce(old, value)
            else:
                lst = table.get(key)
                if lst is None:
                    table[key] = [value]
                else:
                    lst.append(value)
        end = panes.window.end
        if end - 1 > self.timer_service.current_watermark:
            f = panes.firing
            if f is None:  # restored after the window had fired once: it fires again
                panes.firing = {key: None}
                heapq.heappush(self._due, (end - 1, end))
            elif f is not _ALL:
                f[key] = None
        elif value is not None:
            self._fire_key(panes, key, end - 1)

    def _is_late(self, end: int) -> bool:
        return self._cleanup_at(end) <= self.timer_service.current_watermark

    def _late(self, value: Any, ts: int) -> None:
        if ts == MIN_TIMESTAMP:
            _require_timestamp(ts, type(self.assigner).__name__)
        if self.late_tag is not None and ts + self.lateness <= self.timer_service.current_watermark:
            self.collector.side(self.late_tag, value, ts)

    # -- firing --------------------------------------------------------------------------------
    def _fire_key(self, panes: _Panes, key: Any, t: int) -> None:
        raw = panes.contents.get(key, _MISSING)
        if raw is _MISSING:
            return
        contents = raw if self._result is None else self._result(raw)
        if contents is not None:
            self.process_ctx._window = panes.window
            self.collector.drain_checked(self._call_fn(key, panes.window, contents), t)
        elif raw is None and self.spec.contents == "reduce":
            raise null_window_reduce(self, key, panes.window)

    def _fire(self, panes: _Panes, t: int, cleanup: bool) -> None:
        """The end-of-window timers of every pending key, in registration order; with
        ``cleanup`` (no allowed lateness) each key's timer is its cleanup timer too. Output goes
        downstream every ``_CHUNK`` panes, so a window of many keys is never all in memory twice."""
        keys = panes.firing_keys()
        panes.firing = None
        self.process_ctx._window = panes.window
        whole = keys is panes.contents and not (cleanup and self._clears)
        pending = iter(keys.items() if whole else keys)
        flush = self.collector.flush
        while True:
            chunk = list(islice(pending, _CHUNK))
            if not chunk:
                return
            if whole:
                self._fire_panes(chunk, panes.window, t)
            else:
                self._fire_keys(chunk, panes, t, cleanup)
            flush()

    def _fire_panes(self, items: list, window: TimeWindow, t: int) -> None:
        """The common case: ``(key, contents)`` pairs of the window's dict, nothing to clear."""
        backend = self.keyed_backend
        call = self._call_fn
        drain = self.collector.drain_checked
        result = self._result
        reducing = self.spec.contents == "reduce"
        key = None
        try:
            for key, raw in items:
                backend.current_key = key
                contents = raw if result is None else result(raw)
                if contents is not None:
                    drain(call(key, window, contents), t)
                elif raw is None and reducing:  # the pane's reduce returned None
                    raise null_window_reduce(self, key, window)
        except NullReduceResult:
            self.collector.clear()
            raise
        except Exception as e:
            self.collector.clear()
            raise self.user_error(e, f"<event-time timer {t} of window {window} of key {key!r}>") from e

    def _fire_keys(self, keys: list, panes: _Panes, t: int, cleanup: bool) -> None:
        window, table = panes.window, panes.contents
        backend = self.keyed_backend
        call = self._call_fn
        drain = self.collector.drain_checked
        result = self._result
        clear = self.spec.fn.clear if cleanup and self._clears else None
        reducing = self.spec.contents == "reduce"
        key = None
        try:
            for key in keys:
                backend.current_key = key
                raw = table.get(key, _MISSING)
                if raw is not _MISSING:
                    contents = raw if result is None else result(raw)
                    if contents is not None:
                        drain(call(key, window, contents), t)
                    elif raw is None and reducing:  # the pane's reduce returned None
                        raise null_window_reduce(self, key, window)
                if clear is not None:
                    clear(self.process_ctx)
        except NullReduceResult:
            self.collector.clear()
            raise
        except Exception as e:
            self.collector.clear()
            raise self.user_error(e, f"<event-time timer {t} of window {window} of key {key!r}>") from e

    def process_watermark(self, watermark: int) -> None:
        if not self._aligned:
            return super().process_watermark(watermark)
        self.timer_service.current_watermark = watermark
        due, windows = self._due, self._windows
        while due and due[0][0] <= watermark:
            t, end = heapq.heappop(due)
            panes = windows.get(end)
            if panes is None:
                continue  # cleaned up already
            cleanup = t == self._cleanup_at(end)
            if t == end - 1 and panes.firing is not None:
                self._fire(panes, t, cleanup)
            if cleanup:
                del windows[end]
        self.collector.flush()
        self.current_watermark = watermark
        self.output.emit_watermark(watermark)


def _list_contents(lst: list) -> list | None:
    return list(lst) if lst else None


# -- what the state backend sees: the general operator's layout ------------------------------------
class _ContentsTable:
    """The window contents as keyed state ``window-contents`` (namespace = the window)."""

    __slots__ = ("op", "descriptor", "name")

    def __init__(self, op: AlignedWindowOperator, descriptor: Any) -> None:
        self.op = op
        self.descriptor = descriptor
        self.name = descriptor.name

    def entries(self):
        for panes in self.op._windows.values():
            window = panes.window
            for key, value in panes.contents.items():
                yield window, key, value

    def columns(self) -> dict:
        return {p.window: [list(p.contents), list(p.contents.values())]
                for p in self.op._windows.values() if p.contents}

    def restore_entry(self, ns: Any, key: Any, value: Any) -> None:
        _restored_panes(self.op, ns).contents[key] = value

    def keys_in_namespace(self, ns: Any) -> list:
        panes = self.op._windows.get(getattr(ns, "end", None))
        return list(panes.contents) if panes is not None and panes.window == ns else []

    def set_current_namespace(self, ns: Any) -> None:
        pass  # contents are addressed by window end directly

    def drop_all(self) -> None:
        self.op._windows.clear()
        self.op._due.clear()
        self.op._canonical.clear()


class _WindowTimers:
    """The operator's event-time timers as a timer queue would list them: for each window, one
    ``(max timestamp, key, window)`` per pending key, and one ``(cleanup time, key, window)`` per
    pane when the cleanup is a separate timer. ``add`` takes restored timers."""

    __slots__ = ("op",)

    def __init__(self, op: AlignedWindowOperator) -> None:
        self.op = op

    def __iter__(self):
        op = self.op
        for end, panes in op._windows.items():
            window = panes.window
            for key in panes.firing_keys():
                yield end - 1, key, window
            cleanup = op._cleanup_at(end)
            if cleanup != end - 1 and cleanup != MAX_TIMESTAMP:
                for key in panes.contents:
                    yield cleanup, key, window

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def columns(self) -> list:
        """Timer runs (see ``timer_runs``), one or two per window, built at C speed."""
        runs: list = []
        op = self.op
        for end, panes in op._windows.items():
            firing = list(panes.firing_keys())
            if firing:
                runs.append([panes.window, [end - 1] * len(firing), firing])
            cleanup = op._cleanup_at(end)
            if cleanup != end - 1 and cleanup != MAX_TIMESTAMP and panes.contents:
                keys = list(panes.contents)
                runs.append([panes.window, [cleanup] * len(keys), keys])
        return runs

    def add(self, ts: int, key: Any, ns: Any) -> bool:
        panes = _restored_panes(self.op, ns)
        end = ns.end
        if ts == end - 1:  # a firing timer; cleanup timers are implied by the window's contents
            f = panes.firing
            if f is None:
                panes.firing = {key: None}
                heapq.heappush(self.op._due, (ts, end))
            elif f is not _ALL:
                f[key] = None
        return True


def _restored_panes(op: AlignedWindowOperator, ns: Any) -> _Panes:
    if type(ns) is not TimeWindow:
        raise IllegalStateException(
            f"operator '{op.name}': restored window state has namespace {ns!r}, not a TimeWindow. "
            "The checkpoint was taken from a job with a different window assigner; restore it into "
            "the job it came from, or start without it."
        )
    panes = op._windows.get(ns.end)
    if panes is None:
        panes = op._windows[ns.end] = _Panes(ns)
    return panes
