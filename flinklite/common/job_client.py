"""``JobClient`` (PyFlink's ``pyflink.common.job_client``): a handle on a job started with
``env.execute_async()``. The job runs on a background thread of this process; the handle can
query its status, wait for its result, or cancel it.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future
from typing import Any

from flinklite.common.job_status import JobStatus

__all__ = ["JobClient"]

_STATUS = {
    "CREATED": JobStatus.CREATED,
    "RUNNING": JobStatus.RUNNING,
    "FINISHED": JobStatus.FINISHED,
    "FAILED": JobStatus.FAILED,
    "CANCELED": JobStatus.CANCELED,
}


class JobClient:
    def __init__(self, job: Any) -> None:
        self._job = job
        self._result: Future = Future()
        self._cancel = threading.Event()
        self._thread: threading.Thread | None = None

    @staticmethod
    def start(job: Any) -> JobClient:
        client = JobClient(job)
        client._thread = threading.Thread(target=client._run, name=f"flinklite-job-{job.job_id[:8]}", daemon=True)
        client._thread.start()
        return client

    def _run(self) -> None:
        try:
            self._job.start()
            while not self._job.run(stop=self._cancel.is_set, max_steps=1000):
                if self._cancel.is_set():
                    self._job.cancel()
                    from flinklite.errors import JobCancellationException

                    self._result.set_exception(JobCancellationException(f"job {self._job.job_id} was cancelled"))
                    return
            self._result.set_result(self._job.run_to_completion())
        except BaseException as e:  # noqa: BLE001 - delivered to the caller through the future
            self._result.set_exception(e)

    def get_job_id(self) -> str:
        return self._job.job_id

    def get_job_status(self) -> Future:
        f: Future = Future()
        f.set_result(_STATUS.get(self._job.status, JobStatus.RUNNING))
        return f

    def cancel(self) -> Future:
        self._cancel.set()
        f: Future = Future()
        if self._thread is not None:
            self._thread.join()
        f.set_result(None)
        return f

    def get_job_execution_result(self) -> Future:
        return self._result
