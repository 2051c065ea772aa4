"""The async wait operator (Flink's ``AsyncWaitOperator``): async I/O on asyncio.

Flink's operator hands each record to the user's ``AsyncFunction`` and goes on with the next
one; results come back on other threads and are put into the task's mailbox. Ours does the same
with Python's own tool for it: every subtask runs an asyncio event loop in a helper thread, each
record becomes one coroutine there (``run_coroutine_threadsafe``), and a finished coroutine posts
mail to the task thread (:meth:`ProcessingTimeService.post`). Only the task thread touches the
queue and the outputs, so emitting stays single-threaded and deterministic in ordered mode.

* capacity: at most ``capacity`` elements (records and watermarks) are in the queue. When it is
  full the operator blocks until one result is back, as Flink's task yields to its mailbox until
  a slot frees (in our one thread that pauses the whole job, which only changes timing).
* timeout: covers the whole call including retries. On expiry ``AsyncFunction.timeout(value)``
  runs on the task thread; its default raises and fails the job.
* retries: after each attempt the strategy's predicates decide whether to try again, after its
  back-off. As in PyFlink, retries go on at end of input (Java Flink instead fires waiting
  retries at once and takes their outcome).
* checkpoints: a barrier does not wait for calls in flight; the input of every element still in
  the queue goes into operator state and is re-invoked on restore (so async I/O itself is
  at-least-once towards the external system, and exactly-once for the stream).
* end of input: waits for every call to finish, then the operator finishes.

Differences from Flink: timeouts and back-offs run on the event loop's real clock, even when the
job uses a virtual clock (the requests go to the real world); ``open``/``close`` of the function
run on the task thread, ``async_invoke`` on the loop thread.
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from typing import Any

from flinklite.runtime.operators.async_queue import (
    OrderedStreamElementQueue,
    QueueEntry,
    UnorderedStreamElementQueue,
)
from flinklite.runtime.operators.base import StreamOperator
from flinklite.runtime.runtime_context import StreamingRuntimeContext

__all__ = ["AsyncWaitOperator"]


class AsyncWaitOperator(StreamOperator):
    #: queued records are user objects: they may need pickle in a checkpoint
    pickle_operator_state = True

    def __init__(self, descriptor: Any, name: str = "async wait operator", uid: str | None = None) -> None:
        super().__init__(name, uid)
        from flinklite.datastream.functions import AsyncFunctionDescriptor

        self.fn = descriptor.async_function
        self.timeout_ms = descriptor.timeout
        self.capacity = descriptor.capacity
        self.ordered = descriptor.output_mode is AsyncFunctionDescriptor.OutputMode.ORDERED
        strategy = descriptor.async_retry_strategy
        self.strategy = strategy
        predicate = strategy.get_retry_predicate()
        self._result_predicate = predicate.result_predicate()
        self._exception_predicate = predicate.exception_predicate()
        # as in PyFlink: a strategy retries when it has a predicate
        self.retry = self._result_predicate is not None or self._exception_predicate is not None
        self._recovered: list | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    # -- life cycle ---------------------------------------------------------------------------
    def open(self) -> None:
        self.runtime_context = StreamingRuntimeContext(self)
        self.open_function(self.fn, self.runtime_context)
        self._queue = (OrderedStreamElementQueue if self.ordered else UnorderedStreamElementQueue)(self.capacity)
        self._pt = self.ctx.pt_service
        self._completed: deque[QueueEntry] = deque()
        self._signal = threading.Event()
        self._mail_pending = False
        self._in_flight = 0
        self._closed = False
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True,
                                        name=f"flinklite async I/O of {self.describe()}")
        self._thread.start()
        self._out_values: list = []
        self._out_timestamps: list = []
        self._out_untimed = False
        recovered, self._recovered = self._recovered, None
        for kind, value, ts in recovered or ():
            if kind == "w":
                self.process_watermark(ts)
            else:
                self._take(value, ts)

    def end_input(self) -> None:
        while len(self._queue):
            self._wait_for_result()

    def close(self) -> None:
        if self._loop is None or self._closed:
            return
        self._closed = True
        self._pt.external_in_flight -= self._in_flight
        self._in_flight = 0
        loop = self._loop
        loop.call_soon_threadsafe(_cancel_all_and_stop, loop)
        self._thread.join(timeout=5)
        if not self._thread.is_alive():
            # let the cancelled calls unwind (their finally blocks run) before the loop goes
            pending = asyncio.all_tasks(loop)
            if pending:
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.close()
        self.close_function(self.fn)

    # -- checkpoints --------------------------------------------------------------------------
    def snapshot_operator_state(self, checkpoint_id: int) -> Any:
        return [("w", None, e.value) if e.is_watermark else ("r", e.value, e.timestamp)
                for e in self._queue.values()]

    def restore_operator_state(self, own: Any, all_states: list) -> None:
        p, idx = self.ctx.parallelism, self.ctx.subtask_index
        if len(all_states) == p:
            self._recovered = own or []
            return
        # rescaled: deal the records out evenly; watermarks are dropped, the sources' restored
        # watermark generators send them again (a merged queue could put one ahead of records)
        records = [e for state in all_states if state for e in state if e[0] == "r"]
        self._recovered = records[idx::p]

    # -- input --------------------------------------------------------------------------------
    def process_batch(self, values: list, timestamps: list | None, keys: list | None) -> None:
        take = self._take
        if timestamps is None:
            for record in values:
                take(record, None)
        else:
            for record, ts in zip(values, timestamps):
                take(record, ts)
        if self._completed:
            self._drain()

    def process_watermark(self, watermark: int) -> None:
        queue = self._queue
        self._wait_for_room()
        queue.put(QueueEntry(watermark, None, is_watermark=True))
        queue.emit_completed(self._emit)
        self._flush()

    def _take(self, record: Any, ts: int | None) -> None:
        self._wait_for_room()
        entry = QueueEntry(record, ts)
        self._queue.put(entry)
        self._in_flight += 1
        self._pt.external_in_flight += 1
        asyncio.run_coroutine_threadsafe(self._call(entry), self._loop)

    # -- the event loop side -----------------------------------------------------------------
    async def _call(self, entry: QueueEntry) -> None:
        try:
            if self.timeout_ms > 0:
                entry.results, entry.error = await asyncio.wait_for(self._attempts(entry), self.timeout_ms / 1000)
            else:
                entry.results, entry.error = await self._attempts(entry)
        except TimeoutError:
            entry.timed_out = True
        # results are handed over to the task thread; it is woken once per batch of them
        self._completed.append(entry)
        self._signal.set()
        if not self._mail_pending:
            self._mail_pending = True
            self._pt.post(self._on_mail, self.ctx.task)

    async def _attempts(self, entry: QueueEntry) -> tuple[Any, BaseException | None]:
        attempts = 1
        while True:
            try:
                results, error = await self.fn.async_invoke(entry.value), None
            except Exception as e:  # noqa: BLE001 - handed to the task thread, which fails the job
                results, error = None, e
            if not self.retry:
                return results, error
            try:
                again = ((results is not None and self._result_predicate is not None
                          and self._result_predicate(results))
                         or (error is not None and self._exception_predicate is not None
                             and self._exception_predicate(error)))
                again = again and self.strategy.can_retry(attempts)
                delay = self.strategy.get_backoff_time_millis(attempts) if again else 0
            except Exception as e:  # noqa: BLE001 - a failing predicate fails the record
                return None, e
            if not again:
                return results, error
            await asyncio.sleep(max(0, delay) / 1000)
            attempts += 1

    # -- back on the task thread --------------------------------------------------------------
    def _on_mail(self, _ts: int) -> None:
        if not self._closed:
            self._drain()

    def _wait_for_room(self) -> None:
        """Block while the queue is full (capacity counts records and watermarks)."""
        while len(self._queue) >= self.capacity:
            self._wait_for_result()

    def _wait_for_result(self) -> None:
        if not self._completed:
            self._signal.wait()
        self._signal.clear()
        self._drain()

    def _drain(self) -> None:
        self._mail_pending = False
        completed = self._completed
        queue = self._queue
        while completed:
            entry = completed.popleft()
            self._in_flight -= 1
            self._pt.external_in_flight -= 1
            entry.results = self._outcome(entry)
            queue.on_complete(entry)
        queue.emit_completed(self._emit)
        self._flush()

    def _outcome(self, entry: QueueEntry) -> list:
        record = entry.value
        if entry.timed_out:
            try:
                results = self.fn.timeout(record)
            except Exception as e:
                raise self.user_error(e, record, "timeout()") from e
            what = "timeout()"
        elif entry.error is not None:
            raise self.user_error(entry.error, record, "async_invoke()") from entry.error
        else:
            results, what = entry.results, "async_invoke()"
        if results is None or isinstance(results, (str, bytes, dict)) or not hasattr(results, "__iter__"):
            raise self.user_error(TypeError(
                f"{what} must return a list of results (an empty list to emit nothing), "
                f"got {type(results).__name__}: {results!r}"), record, what)
        return list(results)

    def _emit(self, entry: QueueEntry) -> None:
        if entry.is_watermark:
            self._flush()
            self.current_watermark = entry.value
            self.output.emit_watermark(entry.value)
            return
        results = entry.results
        if not results:
            return
        ts = entry.timestamp
        # one output batch holds either only timestamped or only untimestamped records
        if self._out_values and (ts is None) != self._out_untimed:
            self._flush()
        if not self._out_values:
            self._out_untimed = ts is None
        self._out_values.extend(results)
        if ts is not None:
            self._out_timestamps.extend([ts] * len(results))

    def _flush(self) -> None:
        values = self._out_values
        if values:
            self.output.collect(values, None if self._out_untimed else self._out_timestamps)
            self._out_values = []
            self._out_timestamps = []


def _cancel_all_and_stop(loop: asyncio.AbstractEventLoop) -> None:
    for task in asyncio.all_tasks(loop):
        task.cancel()
    loop.stop()
