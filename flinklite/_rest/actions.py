"""Requests of the REST API that change a job: savepoint, stop-with-savepoint, cancel.

They never touch the job from the REST thread. A job started with ``execute_async()`` gets them
through its :class:`~flinklite.common.job_client.JobClient` (its request queue); a job running in
``execute()`` gets them as mail (``ProcessingTimeService.post``), which its scheduler runs between
two steps, as Flink's mailbox would. Savepoints are asynchronous operations as in Flink: the
trigger answers with a request id whose status is polled at ``/jobs/<jid>/savepoints/<id>``.
"""

from __future__ import annotations

import threading
import traceback
import uuid
from concurrent.futures import Future
from typing import Any

from flinklite.errors import IllegalStateException, JobCancellationException

__all__ = ["Actions"]


def _local(directory: str | None) -> str | None:
    from flinklite.datastream.stream_execution_environment import _local_path

    return _local_path(directory, "savepoint target directory")


class Actions:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ops: dict[tuple[str, str], Future] = {}
        self._unread: set[tuple[str, str]] = set()

    def savepoint(self, job: Any, target: str | None, stop: bool, drain: bool) -> str:
        client = getattr(job, "_job_client", None)
        if client is not None:
            future = (client.stop_with_savepoint(drain, target) if stop else client.trigger_savepoint(target))
        else:
            future = Future()

            def run(_: int) -> None:
                try:
                    if job.coordinator is None:
                        raise IllegalStateException("savepoints need a STREAMING job")
                    job.coordinator.trigger_savepoint(
                        _local(target), stop, drain,
                        lambda path, err: future.set_exception(err) if err is not None else future.set_result(path))
                except BaseException as e:  # noqa: BLE001 - reported through the operation's status
                    future.set_exception(e)

            job.pt_service.post(run)
        rid = uuid.uuid4().hex
        with self._lock:
            self._ops[(job.job_id, rid)] = future
            self._unread.add((job.job_id, rid))
        return rid

    def unread(self) -> int:
        """Operations whose outcome nobody has fetched yet (a process about to exit waits for them)."""
        with self._lock:
            return len(self._unread)

    def status(self, job: Any, rid: str) -> dict:
        with self._lock:
            future = self._ops.get((job.job_id, rid))
        if future is None:
            from flinklite._rest.server import _NotFound

            raise _NotFound(f"There is no savepoint operation with request id {rid} for job {job.job_id}")
        if not future.done():
            return {"status": {"id": "IN_PROGRESS"}}
        with self._lock:
            self._unread.discard((job.job_id, rid))
        exc = future.exception()
        if exc is not None:
            trace = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
            return {"status": {"id": "COMPLETED"}, "operation": {"failure-cause": {
                "class": type(exc).__name__, "stack-trace": trace, "serialized-throwable": str(exc)}}}
        return {"status": {"id": "COMPLETED"}, "operation": {"location": future.result()}}

    def cancel(self, job: Any) -> None:
        client = getattr(job, "_job_client", None)
        if client is not None:
            client.cancel()
            return

        def run(_: int) -> None:
            raise JobCancellationException(f"job {job.job_id} was cancelled through the REST API")

        job.pt_service.post(run)
