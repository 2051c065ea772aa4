"""PyFlink's ``pyflink.datastream``: the DataStream API.

Start with :class:`StreamExecutionEnvironment`, build streams with :class:`DataStream` methods, and
run with ``env.execute()`` or ``stream.execute_and_collect()``. Each submodule mirrors PyFlink's:
``functions`` (user function interfaces), ``state`` (keyed and broadcast state), ``connectors``
(sources and sinks), ``output_tag``, ``time_domain``, ``execution_mode``, ``timerservice``.
"""

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
    ReduceFunction,
    RuntimeContext,
    SinkFunction,
    SourceFunction,
)
from flinklite.datastream.output_tag import OutputTag
from flinklite.datastream.stream_execution_environment import StreamExecutionEnvironment
from flinklite.datastream.time_domain import TimeDomain
from flinklite.datastream.timerservice import TimerService

__all__ = [
    "StreamExecutionEnvironment",
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
]
