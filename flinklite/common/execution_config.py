"""``ExecutionConfig`` (PyFlink's ``pyflink.common.execution_config``): per-job settings that
belong to the program rather than the cluster. flinklite reads the auto-watermark interval, the
global job parameters and the parallelism settings; the rest is accepted for compatibility."""

from __future__ import annotations

from typing import Any

from flinklite.errors import InvalidProgramException

__all__ = ["ExecutionConfig"]


class ExecutionConfig:
    def __init__(self, env: Any) -> None:
        self._env = env
        self._auto_watermark_interval = 200
        self._global_job_parameters: dict[str, str] = {}
        self._object_reuse = False
        self._closure_cleaner = True
        self._latency_tracking_interval = -1

    def set_auto_watermark_interval(self, interval: int) -> ExecutionConfig:
        if interval < 0:
            raise InvalidProgramException(f"the auto-watermark interval must be >= 0 ms, got {interval}")
        self._auto_watermark_interval = int(interval)
        return self

    def get_auto_watermark_interval(self) -> int:
        return self._auto_watermark_interval

    def set_global_job_parameters(self, global_job_parameters_dict: dict) -> ExecutionConfig:
        self._global_job_parameters = {str(k): str(v) for k, v in dict(global_job_parameters_dict).items()}
        return self

    def get_global_job_parameters(self) -> dict[str, str]:
        return dict(self._global_job_parameters)

    def set_parallelism(self, parallelism: int) -> ExecutionConfig:
        self._env.set_parallelism(parallelism)
        return self

    def get_parallelism(self) -> int:
        return self._env.get_parallelism()

    def set_max_parallelism(self, max_parallelism: int) -> ExecutionConfig:
        self._env.set_max_parallelism(max_parallelism)
        return self

    def get_max_parallelism(self) -> int:
        return self._env.get_max_parallelism()

    def enable_object_reuse(self) -> ExecutionConfig:
        self._object_reuse = True  # flinklite never copies records between chained operators anyway
        return self

    def disable_object_reuse(self) -> ExecutionConfig:
        self._object_reuse = False
        return self

    def is_object_reuse_enabled(self) -> bool:
        return self._object_reuse

    def enable_closure_cleaner(self) -> ExecutionConfig:
        self._closure_cleaner = True
        return self

    def disable_closure_cleaner(self) -> ExecutionConfig:
        self._closure_cleaner = False
        return self

    def is_closure_cleaner_enabled(self) -> bool:
        return self._closure_cleaner

    def set_latency_tracking_interval(self, interval: int) -> ExecutionConfig:
        self._latency_tracking_interval = interval
        return self

    def get_latency_tracking_interval(self) -> int:
        return self._latency_tracking_interval
