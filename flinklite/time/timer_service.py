"""Keyed timers (Flink's ``InternalTimerService`` / ``InternalTimeServiceManager``).

A timer is ``(timestamp, key, namespace)`` and the set of timers is a *set*: registering the same
triple twice is one timer, deleting a missing one does nothing. Event-time timers fire when the
operator's watermark reaches them, in ascending timestamp order, with the watermark already set
(so ``on_timer`` sees ``current_watermark() == W``) and before the watermark is forwarded.
Timers registered while firing that are already due fire in the same pass.

Flink leaves the order of timers with the same timestamp undefined (heap order). flinklite fires
ties in registration order: reproducible, independent of Python's salted ``hash()``, and what
PyFlink's recorded output shows (two keys' windows ending together fire in the order the keys
registered them). Restored timers keep their relative order (within each old subtask's snapshot;
across subtasks that were merged by a rescaling restore, as in Flink, it is not defined).

Storage: a binary heap of ``(ts, seq, key, namespace)`` plus a dict from
``(ts, key, namespace)`` to ``seq``. Deleting removes the dict entry; the heap entry is skipped
when it surfaces (lazy deletion), which keeps register/delete O(log n) without a sorted container.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator

from flinklite.time.processing_time import ProcessingTimeService
from flinklite.time.watermark import MAX_TIMESTAMP, MIN_TIMESTAMP

__all__ = ["InternalTimerService", "TimerQueue", "timer_runs"]

_heappush = heapq.heappush


def timer_runs(timers: Iterable[tuple]) -> list:
    """``(ts, key, namespace)`` timers, in firing order, as runs of one namespace each:
    ``[[namespace, timestamps, keys], ...]``. The snapshot layout of a timer queue: a namespace is
    written once per run, not per timer, and a restore that replays the runs in order keeps the
    order of timers with equal timestamps."""
    runs: list = []
    run_ns: object = _NO_RUN
    stamps: list = []
    keys: list = []
    for ts, key, ns in timers:
        if ns is not run_ns and ns != run_ns:
            stamps, keys, run_ns = [], [], ns
            runs.append([ns, stamps, keys])
        stamps.append(ts)
        keys.append(key)
    return runs


_NO_RUN = object()


class TimerQueue:
    """A deduplicating priority queue of timers for one time domain."""

    __slots__ = ("_heap", "_index", "_seq")

    def __init__(self) -> None:
        self._heap: list[tuple] = []
        self._index: dict[tuple, int] = {}
        self._seq = 0

    def add(self, ts: int, key: object, ns: object) -> bool:
        """Add a timer; returns True if it is new."""
        ident = (ts, key, ns)
        index = self._index
        if ident in index:
            return False
        seq = index[ident] = self._seq = self._seq + 1
        _heappush(self._heap, (ts, seq, key, ns))
        return True

    def remove(self, ts: int, key: object, ns: object) -> None:
        self._index.pop((ts, key, ns), None)

    def peek_ts(self) -> int | None:
        heap, index = self._heap, self._index
        while heap:
            ts, seq, key, ns = heap[0]
            if index.get((ts, key, ns)) == seq:
                return ts
            heapq.heappop(heap)
        return None

    def pop_due(self, limit: int) -> tuple | None:
        """Remove and return the earliest live ``(ts, key, ns)`` with ``ts <= limit``."""
        heap, index = self._heap, self._index
        while heap:
            ts = heap[0][0]
            if ts > limit:
                return None
            _, seq, key, ns = heapq.heappop(heap)
            ident = (ts, key, ns)
            if index.get(ident) == seq:
                del index[ident]
                return ident
        return None

    def __len__(self) -> int:
        return len(self._index)

    def __iter__(self) -> Iterator[tuple]:
        """Live timers in firing order, as ``(ts, key, ns)``."""
        index = self._index
        for ts, seq, key, ns in sorted(self._heap, key=lambda e: (e[0], e[1])):
            if index.get((ts, key, ns)) == seq:
                yield ts, key, ns

    def columns(self) -> list:
        """The live timers for a snapshot, in firing order: see :func:`timer_runs`."""
        return timer_runs(self)

    def clear(self) -> None:
        self._heap.clear()
        self._index.clear()


class InternalTimerService:
    """Event-time and processing-time timers of one operator, for one named service.

    ``target`` receives ``on_event_time(ts, key, ns)`` / ``on_processing_time(ts, key, ns)``; before
    each call the service sets the backend's current key to the timer's key.
    """

    def __init__(
        self,
        name: str,
        key_context,  # has current_key / set_current_key(key); a backend also snapshots our timers
        pt_service: ProcessingTimeService,
        target,
        owner: object = None,
        event_time_timers: TimerQueue | None = None,
    ) -> None:
        self.name = name
        self._key_context = key_context
        self._pt_service = pt_service
        self._target = target
        self._owner = owner
        # an operator may bring its own event-time queue (same interface; the aligned-window
        # operator keeps its timers implicitly, one per window for all keys)
        self.event_time_timers = TimerQueue() if event_time_timers is None else event_time_timers
        self.processing_time_timers = TimerQueue()
        self.current_watermark = MIN_TIMESTAMP
        self._pt_scheduled_for: int | None = None
        self._pt_handle = None
        # BATCH mode: timers registered while the key's final MAX watermark is being applied are
        # dropped (Flink's BatchExecutionInternalTimeService).
        self.ignore_registrations = False
        # BATCH mode: processing-time timers do not follow the clock; they fire at the end of
        # their key, after the event-time ones.
        self.batch_mode = False
        register = getattr(key_context, "register_timer_service", None)
        if register is not None:
            register(self)  # so the backend snapshots our timers and hands back restored ones

    # -- registration ---------------------------------------------------------------------
    def register_event_time_timer(self, ns: object, ts: int) -> None:
        if self.ignore_registrations:
            return
        self.event_time_timers.add(ts, self._key_context.current_key, ns)

    def delete_event_time_timer(self, ns: object, ts: int) -> None:
        self.event_time_timers.remove(ts, self._key_context.current_key, ns)

    def register_processing_time_timer(self, ns: object, ts: int) -> None:
        if self.ignore_registrations:
            return
        if self.processing_time_timers.add(ts, self._key_context.current_key, ns) and not self.batch_mode:
            self._schedule_processing_time(ts)

    def delete_processing_time_timer(self, ns: object, ts: int) -> None:
        self.processing_time_timers.remove(ts, self._key_context.current_key, ns)

    def current_processing_time(self) -> int:
        return self._pt_service.now()

    # -- firing ---------------------------------------------------------------------------
    def advance_watermark(self, watermark: int) -> None:
        self.current_watermark = watermark
        queue = self.event_time_timers
        heap = queue._heap
        if not heap or heap[0][0] > watermark:
            return
        # TimerQueue.pop_due inlined: this loop runs once per timer (a million in a job that
        # registers one per record). A timer registered or deleted by fire() is seen at once:
        # the heap and the index are re-read every turn.
        index = queue._index
        pop = heapq.heappop
        set_key = self._key_context.set_current_key
        fire = self._target.on_event_time
        while heap and heap[0][0] <= watermark:
            ts, seq, key, ns = pop(heap)
            ident = (ts, key, ns)
            if index.get(ident) == seq:
                del index[ident]
                set_key(key)
                fire(ts, key, ns)

    def _schedule_processing_time(self, ts: int) -> None:
        if self._pt_scheduled_for is None or ts < self._pt_scheduled_for:
            if self._pt_handle is not None:
                self._pt_handle.cancel()
            self._pt_scheduled_for = ts
            self._pt_handle = self._pt_service.register_timer(ts, self.on_processing_time, self._owner)

    def schedule_restored_processing_time(self, ts: int) -> None:
        if not self.batch_mode:
            self._schedule_processing_time(ts)

    def on_processing_time(self, time: int) -> None:
        self._pt_scheduled_for = None
        self._pt_handle = None
        self.fire_processing_time_timers(time)
        nxt = self.processing_time_timers.peek_ts()
        if nxt is not None:
            self._schedule_processing_time(nxt)

    def fire_processing_time_timers(self, time: int) -> None:
        queue = self.processing_time_timers
        kc = self._key_context
        fire = self._target.on_processing_time
        while True:
            timer = queue.pop_due(time)
            if timer is None:
                return
            ts, key, ns = timer
            kc.set_current_key(key)
            fire(ts, key, ns)

    # -- BATCH mode -----------------------------------------------------------------------
    def fire_all_for_current_key(self) -> None:
        """End of a key in BATCH mode: all its event-time timers, then all its processing-time
        timers, with the watermark at MAX; registrations made meanwhile are ignored.

        Input is sorted by key and a timer can only be registered for the current key, so the
        queues hold nothing but this key's timers here."""
        self.current_watermark = MAX_TIMESTAMP
        self.ignore_registrations = True
        kc = self._key_context
        try:
            for queue, fire in (
                (self.event_time_timers, self._target.on_event_time),
                (self.processing_time_timers, self._target.on_processing_time),
            ):
                while True:
                    timer = queue.pop_due(MAX_TIMESTAMP)
                    if timer is None:
                        break
                    ts, key, ns = timer
                    kc.set_current_key(key)
                    fire(ts, key, ns)
        finally:
            self.ignore_registrations = False
            self.current_watermark = MIN_TIMESTAMP

    def cancel(self) -> None:
        if self._pt_handle is not None:
            self._pt_handle.cancel()
            self._pt_handle = None
        self._pt_scheduled_for = None

    def has_timers(self) -> bool:
        return bool(len(self.event_time_timers) or len(self.processing_time_timers))

    def num_event_time_timers(self) -> int:
        return len(self.event_time_timers)

    def num_processing_time_timers(self) -> int:
        return len(self.processing_time_timers)

