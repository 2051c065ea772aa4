"""PyFlink's ``pyflink.datastream``: the DataStream API.

Start with :class:`StreamExecutionEnvironment`, build streams with :class:`DataStream` methods, and
run with ``env.execute()`` or ``stream.execute_and_collect()``. Each submodule mirrors PyFlink's:
``functions`` (user function interfaces), ``state`` (keyed and broadcast state), ``connectors``
(sources and sinks), ``output_tag``, ``time_domain``, ``execution_mode``, ``timerservice``.
"""

from flinklite.datastream.async_data_stream import AsyncDataStream
from flinklite.datastream.checkpoint_config import CheckpointConfig, ExternalizedCheckpointRetention
from flinklite.datastream.checkpointing_mode import CheckpointingMode
from flinklite.datastream.connectors.base import Sink, Source
from flinklite.datastream.data_stream import (
    BroadcastConnectedStream,
    BroadcastStream,
    CloseableIterator,
    ConnectedStreams,
    DataStream,
    DataStreamSink,
    KeyedStream,
)
from flinklite.datastream.execution_mode import RuntimeExecutionMode
from flinklite.datastream.functions import (
    AggregateFunction,
    AsyncFunction,
    AsyncRetryPredicate,
    AsyncRetryStrategy,
    BroadcastProcessFunction,
    CoFlatMapFunction,
    CoMapFunction,
    CoProcessFunction,
    FilterFunction,
    FlatMapFunction,
    KeyedBroadcastProcessFunction,
    KeyedCoProcessFunction,
    KeyedProcessFunction,
    KeySelector,
    MapFunction,
    Partitioner,
    ProcessFunction,
    ProcessWindowFunction,
    ReduceFunction,
    RuntimeContext,
    SinkFunction,
    SourceFunction,
    WindowFunction,
)
from flinklite.datastream.output_tag import OutputTag
from flinklite.datastream.slot_sharing_group import MemorySize, SlotSharingGroup
from flinklite.datastream.stream_execution_environment import StreamExecutionEnvironment
from flinklite.datastream.time_domain import TimeDomain
from flinklite.datastream.timerservice import TimerService
from flinklite.datastream.window import (
    CountWindow,
    GlobalWindow,
    MergingWindowAssigner,
    TimeWindow,
    Trigger,
    TriggerResult,
    Window,
    WindowAssigner,
)
from flinklite.datastream.windowed_stream import AllWindowedStream, WindowedStream

__all__ = [
    "StreamExecutionEnvironment",
    "AsyncDataStream",
    "AsyncFunction",
    "AsyncRetryPredicate",
    "AsyncRetryStrategy",
    "DataStream",
    "KeyedStream",
    "ConnectedStreams",
    "BroadcastStream",
    "BroadcastConnectedStream",
    "DataStreamSink",
    "CloseableIterator",
    "MapFunction",
    "CoMapFunction",
    "FlatMapFunction",
    "CoFlatMapFunction",
    "ReduceFunction",
    "FilterFunction",
    "ProcessFunction",
    "KeyedProcessFunction",
    "CoProcessFunction",
    "KeyedCoProcessFunction",
    "AggregateFunction",
    "BroadcastProcessFunction",
    "KeyedBroadcastProcessFunction",
    "RuntimeContext",
    "TimerService",
    "RuntimeExecutionMode",
    "TimeDomain",
    "KeySelector",
    "Partitioner",
    "SourceFunction",
    "SinkFunction",
    "OutputTag",
    "Source",
    "Sink",
    "CheckpointConfig",
    "CheckpointingMode",
    "ExternalizedCheckpointRetention",
    "WindowedStream",
    "AllWindowedStream",
    "WindowFunction",
    "ProcessWindowFunction",
    "Window",
    "TimeWindow",
    "CountWindow",
    "GlobalWindow",
    "WindowAssigner",
    "MergingWindowAssigner",
    "TriggerResult",
    "Trigger",
    "SlotSharingGroup",
    "MemorySize",
]
