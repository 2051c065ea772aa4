"""PyFlink's ``pyflink.common``: types, rows, time, configuration, watermark strategies.

The names most programs use, importable from here as in PyFlink::

    from flinklite.common import Types, Row, Time, Duration, Configuration, WatermarkStrategy
"""

from flinklite.common.completable_future import CompletableFuture
from flinklite.common.config_options import ConfigOption, ConfigOptions
from flinklite.common.configuration import Configuration
from flinklite.common.execution_config import ExecutionConfig
from flinklite.common.input_dependency_constraint import InputDependencyConstraint
from flinklite.common.job_client import JobClient
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
