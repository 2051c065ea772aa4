"""PyFlink's ``pyflink.common``: types, rows, time, configuration, watermark strategies.

The names most programs use, importable from here as in PyFlink::

    from flinklite.common import Types, Row, Time, Duration, Configuration, WatermarkStrategy
"""

from flinklite.common.configuration import Configuration
from flinklite.common.execution_config import ExecutionConfig
from flinklite.common.job_client import JobClient
from flinklite.common.job_execution_result import JobExecutionResult
from flinklite.common.job_status import JobStatus
from flinklite.common.time import Duration, Instant, Time
from flinklite.common.typeinfo import TypeInformation, Types
from flinklite.common.types import Row, RowKind
from flinklite.common.watermark_strategy import TimestampAssigner, WatermarkStrategy

__all__ = [
    "Configuration",
    "Duration",
    "ExecutionConfig",
    "Instant",
    "JobClient",
    "JobExecutionResult",
    "JobStatus",
    "Row",
    "RowKind",
    "Time",
    "TimestampAssigner",
    "TypeInformation",
    "Types",
    "WatermarkStrategy",
]
