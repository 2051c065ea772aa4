"""PyFlink's ``pyflink.common``: types, rows, time, configuration, watermark strategies.

The names most programs use, importable from here as in PyFlink::

    from flinklite.common import Types, Row, Time, Duration, Configuration, WatermarkStrategy
"""

from flinklite.common.config_options import ConfigOption, ConfigOptions
from flinklite.common.configuration import Configuration
from flinklite.common.execution_config import ExecutionConfig
from flinklite.common.input_dependency_constraint import InputDependencyConstraint
from flinklite.common.job_execution_result import JobExecutionResult
from flinklite.common.job_id import JobID
from flinklite.common.job_status import JobStatus
from flinklite.common.restart_strategy import RestartStrategies, RestartStrategyConfiguration
from flinklite.common.serialization import (
    ByteArraySchema,
    DeserializationSchema,
    Encoder,
    SerializationSchema,
    SimpleStringSchema,
)
from flinklite.common.serializer import TypeSerializer
from flinklite.common.time import Duration, Instant, Time
from flinklite.common.typeinfo import TypeInformation, Types
from flinklite.common.types import Row, RowKind
from flinklite.common.watermark_strategy import (
    AssignerWithPeriodicWatermarksWrapper,
    TimestampAssigner,
    WatermarkStrategy,
)

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
    # the rest of PyFlink 2.3's pyflink.common
    "AssignerWithPeriodicWatermarksWrapper",
    "ByteArraySchema",
    "CompletableFuture",
    "ConfigOption",
    "ConfigOptions",
    "DeserializationSchema",
    "Encoder",
    "InputDependencyConstraint",
    "JobID",
    "RestartStrategies",
    "RestartStrategyConfiguration",
    "SerializationSchema",
    "SimpleStringSchema",
    "TypeSerializer",
]


# Imported on first use (PEP 562): both pull in concurrent.futures and logging, which a job that
# never asks for a JobClient should not pay for at start-up.
_LAZY = {
    "CompletableFuture": "flinklite.common.completable_future",
    "JobClient": "flinklite.common.job_client",
}


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
