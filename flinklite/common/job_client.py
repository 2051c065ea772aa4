"""``JobClient`` (PyFlink's ``pyflink.common.job_client``): a handle on a job started with
``env.execute_async()``.

The job runs on a background thread of this process. Requests (savepoints, cancel) are put in a
queue that the job's thread takes between scheduler steps, like mails in Flink's task mailbox,
so they never race with record processing. Every method returns a ``concurrent.futures.Future``
(PyFlink returns its own ``CompletableFuture`` with the same ``result()`` / ``done()`` /
``exception()`` methods).
"""

from __future__ import annotations

import queue
import threading
from concurrent.futures import Future
from typing import Any

from flinklite.common.job_id import JobID
from flinklite.common.job_status import JobStatus

__all__ = ["JobClient"]

_STATUS = {
    "CREATED": JobStatus.CREATED,
    "RUNNING": JobStatus.RUNNING,
    "FINISHED": JobStatus.FINISHED,
    "FAILED": JobStatus.FAILED,
    "CANCELED": JobStatus.CANCELED,
}


def _local(directory: str | None) -> str | None:
    from flinklite.datastream.stream_execution_environment import _local_path

    return _local_path(directory, "savepoint directory")


def _done(value: Any) -> Future:
    f: Future = Future()
    f.set_result(value)
    return f


class JobClient:
    def __init__(self, job: Any) -> None:
        self._job = job
        self._result: Future = Future()
        self._requests: queue.Queue = queue.Queue()
        self._thread: threading.Thread | None = None

    @staticmethod
    def start(job: Any) -> JobClient:
        client = JobClient(job)
        client._thread = threading.Thread(target=client._run, name=f"flinklite-job-{job.job_id[:8]}", daemon=True)
        client._thread.start()
        return client

    # -- the job's thread ---------------------------------------------------------------------
    def _run(self) -> None:
        from flinklite.errors import JobCancellationException

        job = self._job
        try:
            job.start()
            while True:
                if self._serve_requests():
                    job.cancel()
                    self._result.set_exception(JobCancellationException(f"job {job.job_id} was cancelled"))
                    return
                if job.run(stop=lambda: not self._requests.empty(), max_steps=1000):
                    break
            self._serve_requests()
            self._result.set_result(job.run_to_completion())
        except BaseException as e:  # noqa: BLE001 - delivered to the caller through the future
            self._result.set_exception(e)
        finally:
            self._fail_pending()

    def _serve_requests(self) -> bool:
        """Handle queued requests; True if the job is to be cancelled."""
        cancel = False
        while not self._requests.empty():
            kind, args, future = self._requests.get()
            if kind == "cancel":
                cancel = True
                future.set_result(None)
                continue
            try:
                if self._job.coordinator is None:
                    raise RuntimeError("savepoints need a STREAMING job")
                target, stop, drain = args

                def on_done(path, error, future=future):
                    if error is not None:
                        future.set_exception(error)
                    else:
                        future.set_result(path)

                self._job.coordinator.trigger_savepoint(target, stop, drain, on_done)
            except BaseException as e:  # noqa: BLE001
                future.set_exception(e)
        return cancel

    def _fail_pending(self) -> None:
        while not self._requests.empty():
            _, _, future = self._requests.get()
            if not future.done():
                future.set_exception(RuntimeError(f"job {self._job.job_id} is no longer running"))

    def _request(self, kind: str, args: Any = None) -> Future:
        f: Future = Future()
        if self._result.done():
            f.set_exception(RuntimeError(f"job {self._job.job_id} is no longer running"))
            return f
        self._requests.put((kind, args, f))
        return f

    # -- PyFlink's API ------------------------------------------------------------------------
    def get_job_id(self) -> JobID:
        return JobID(self._job.job_id)

    def get_job_status(self) -> Future:
        return _done(_STATUS.get(self._job.status, JobStatus.RUNNING))

    def cancel(self) -> Future:
        return self._request("cancel")

    def trigger_savepoint(self, savepoint_directory: str | None = None) -> Future:
        """Take a savepoint while the job keeps running; the future's result is its path."""
        return self._request("savepoint", (_local(savepoint_directory), False, False))

    def stop_with_savepoint(self, advance_to_end_of_event_time: bool = False,
                            savepoint_directory: str | None = None) -> Future:
        """Take a savepoint and stop the job. With ``advance_to_end_of_event_time`` the sources
        end their input first (the MAX watermark fires all event-time windows and timers)."""
        return self._request("savepoint", (_local(savepoint_directory), True, advance_to_end_of_event_time))

    def get_accumulators(self) -> Future:
        return _done({})

    def get_job_execution_result(self) -> Future:
        return self._result
