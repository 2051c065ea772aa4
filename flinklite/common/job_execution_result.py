"""``JobExecutionResult`` (PyFlink's ``pyflink.common.job_execution_result``): what ``execute()``
returns once a job has finished."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flinklite.common.job_id import JobID

__all__ = ["JobExecutionResult"]


class JobExecutionResult:
    def __init__(self, job_id: str, job_name: str, net_runtime_ms: int, accumulators: dict | None = None) -> None:
        self._job_id = job_id
        self._job_name = job_name
        self._net_runtime = net_runtime_ms
        self._accumulators = accumulators or {}

    def get_job_id(self) -> JobID:
        from flinklite.common.job_id import JobID

        return JobID(self._job_id)

    def get_net_runtime(self) -> int:
        return self._net_runtime

    def get_accumulator_result(self, name: str) -> Any:
        return self._accumulators.get(name)

    def get_all_accumulator_results(self) -> dict:
        return dict(self._accumulators)

    def is_job_execution_result(self) -> bool:
        return True

    def get_job_execution_result(self) -> JobExecutionResult:
        return self

    def __repr__(self) -> str:
        return f"JobExecutionResult(job_id={self._job_id}, net_runtime={self._net_runtime} ms)"
