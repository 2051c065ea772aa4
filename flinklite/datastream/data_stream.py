"""``DataStream`` and its relatives (PyFlink's ``pyflink.datastream.data_stream``).

Each method adds a transformation to the environment and returns a new stream; nothing runs until
``env.execute()`` (or ``execute_and_collect()``). Mistakes that can be seen while the program is
being built fail right here, with a message that says what to do.

Streams: :class:`DataStream`; :class:`KeyedStream` (after ``key_by``: keyed state, timers, rolling
aggregations); :class:`ConnectedStreams` (``connect``: two inputs, one operator);
:class:`BroadcastStream` / :class:`BroadcastConnectedStream` (the broadcast state pattern);
:class:`CloseableIterator` (what ``execute_and_collect`` returns).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from typing import Any

from flinklite.datastream._transformations import (
    OneInputTransformation,
    PartitionTransformation,
    SideOutputTransformation,
    Transformation,
    TwoInputTransformation,
    UnionTransformation,
)
from flinklite.datastream.functions import (
    BroadcastProcessFunction,
    CoProcessFunction,
    KeyedBroadcastProcessFunction,
    KeyedCoProcessFunction,
    KeyedProcessFunction,
    KeySelector,
    Partitioner,
    ProcessFunction,
)
from flinklite.datastream.output_tag import OutputTag
from flinklite.datastream.state import MapStateDescriptor
from flinklite.errors import InvalidProgramException
from flinklite.runtime import partitioners as P
from flinklite.runtime.operators import broadcast as broadcast_ops
from flinklite.runtime.operators import co as co_ops
from flinklite.runtime.operators import process as process_ops
from flinklite.runtime.operators import reduce as reduce_ops
from flinklite.runtime.operators import simple as simple_ops
from flinklite.runtime.operators import sink as sink_ops
from flinklite.runtime.operators.aggregations import aggregation_function
from flinklite.runtime.operators.timestamps import TimestampsAndWatermarksOperator
from flinklite.state.key_groups import UPPER_BOUND_MAX_PARALLELISM, key_hasher

__all__ = [
    "DataStream",
    "KeyedStream",
    "ConnectedStreams",
    "BroadcastStream",
    "BroadcastConnectedStream",
    "DataStreamSink",
    "CloseableIterator",
    "WindowedStream",  # noqa: F822 - resolved by the module __getattr__ below
]


def __getattr__(name: str) -> Any:
    # PyFlink exports WindowedStream from data_stream; ours lives in windowed_stream, which
    # imports this module, so it is resolved lazily.
    if name == "WindowedStream":
        from flinklite.datastream.windowed_stream import WindowedStream

        return WindowedStream
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _key_fn(key_selector: Any, api: str) -> Any:
    if isinstance(key_selector, KeySelector):
        return key_selector.get_key
    if callable(key_selector):
        return key_selector
    raise InvalidProgramException(
        f"{api}: the key selector must be a KeySelector or a callable value -> key, got "
        f"{type(key_selector).__name__}"
    )


class DataStream:
    """A stream of records of one type."""

    def __init__(self, env: Any, transformation: Transformation) -> None:
        self._env = env
        self._transformation = transformation

    # -- identity and operator settings ----------------------------------------------------
    def get_name(self) -> str:
        return self._transformation.name

    def name(self, name: str) -> DataStream:
        self._physical("name").name = name
        return self

    def uid(self, uid: str) -> DataStream:
        self._physical("uid").uid = uid
        return self

    def set_uid_hash(self, uid_hash: str) -> DataStream:
        self._physical("set_uid_hash").uid_hash = uid_hash
        return self

    def set_description(self, description: str) -> DataStream:
        self._physical("set_description").description = description
        return self

    def get_type(self) -> Any:
        return self._transformation.output_type

    def get_execution_environment(self) -> Any:
        return self._env

    def get_execution_config(self) -> Any:
        return self._env.get_config()

    def set_parallelism(self, parallelism: int) -> DataStream:
        t = self._physical("set_parallelism")
        if not isinstance(parallelism, int) or parallelism < 1:
            raise InvalidProgramException(f"set_parallelism: parallelism must be a positive int, got {parallelism!r}")
        if t.fixed_parallelism is not None and parallelism != t.fixed_parallelism:
            raise InvalidProgramException(
                f"'{t.name}' is non-parallel and runs with parallelism {t.fixed_parallelism}; "
                f"it cannot be set to {parallelism}."
            )
        if t.max_parallelism is not None and parallelism > t.max_parallelism:
            raise InvalidProgramException(
                f"'{t.name}': parallelism {parallelism} is higher than its max parallelism "
                f"{t.max_parallelism}; raise the max parallelism first."
            )
        t.parallelism = parallelism
        return self

    def set_max_parallelism(self, max_parallelism: int) -> DataStream:
        t = self._physical("set_max_parallelism")
        if not isinstance(max_parallelism, int) or not 0 < max_parallelism <= UPPER_BOUND_MAX_PARALLELISM:
            raise InvalidProgramException(
                f"'{t.name}': max parallelism must be between 1 and {UPPER_BOUND_MAX_PARALLELISM}, "
                f"got {max_parallelism!r}"
            )
        if t.parallelism is not None and t.parallelism > max_parallelism:
            raise InvalidProgramException(
                f"'{t.name}': max parallelism {max_parallelism} is lower than its parallelism {t.parallelism}."
            )
        t.max_parallelism = max_parallelism
        return self

    def force_non_parallel(self) -> DataStream:
        t = self._physical("force_non_parallel")
        t.parallelism = 1
        t.max_parallelism = 1
        return self

    def set_buffer_timeout(self, timeout_millis: int) -> DataStream:
        self._physical("set_buffer_timeout").buffer_timeout = timeout_millis
        return self

    def start_new_chain(self) -> DataStream:
        self._physical("start_new_chain").chaining = "HEAD"
        return self

    def disable_chaining(self) -> DataStream:
        self._physical("disable_chaining").chaining = "NEVER"
        return self

    def slot_sharing_group(self, slot_sharing_group: Any) -> DataStream:
        group = str(getattr(slot_sharing_group, "name", slot_sharing_group))
        self._physical("slot_sharing_group").slot_sharing_group = group
        return self

    def _physical(self, api: str) -> Transformation:
        t = self._transformation
        if not t.physical:
            raise InvalidProgramException(
                f"{api}() applies to an operator, but this stream comes from "
                f"{type(t).__name__.replace('Transformation', '').lower()} (partitioning, union or side "
                "output), which is not an operator. Call it on the operator's stream instead."
            )
        return t

    # -- building blocks ------------------------------------------------------------------------
    def _one_input(self, name: str, factory: Any, payload: Any = None, output_type: Any = None,
                   keyed: bool = False, input_t: Transformation | None = None) -> OneInputTransformation:
        t = OneInputTransformation(name, input_t or self._transformation, factory, payload, output_type, keyed)
        self._env._add(t)
        return t

    def _wrap(self, t: Transformation) -> DataStream:
        return DataStream(self._env, t)

    # -- transformations ------------------------------------------------------------------------
    def map(self, func: Any, output_type: Any = None) -> DataStream:
        simple_ops.as_callable(func, "map", "map")
        return self._wrap(self._one_input("Map", lambda f: simple_ops.MapOperator(f, api="map"), func, output_type))

    def flat_map(self, func: Any, output_type: Any = None) -> DataStream:
        simple_ops.as_callable(func, "flat_map", "flat_map")
        return self._wrap(self._one_input(
            "FlatMap", lambda f: simple_ops.FlatMapOperator(f, api="flat_map"), func, output_type))

    def filter(self, func: Any) -> DataStream:
        simple_ops.as_callable(func, "filter", "filter")
        t = self._one_input("Filter", lambda f: simple_ops.FilterOperator(f, api="filter"), func, self.get_type())
        t.records_in_shape = self._transformation_in_shape()  # filter passes records unchanged
        return self._wrap(t)

    def process(self, func: Any, output_type: Any = None) -> DataStream:
        if isinstance(func, KeyedProcessFunction):
            raise InvalidProgramException(
                "process: a KeyedProcessFunction needs a keyed stream; call key_by(...) first, "
                "e.g. ds.key_by(lambda v: v[0]).process(MyKeyedProcessFunction())."
            )
        if not isinstance(func, ProcessFunction):
            raise InvalidProgramException(
                f"process: expected a ProcessFunction, got {type(func).__name__}"
            )
        t = self._one_input("Process", lambda f: process_ops.ProcessOperator(f), func, output_type)
        t.side_outputs_allowed = True
        return self._wrap(t)

    def key_by(self, key_selector: Any, key_type: Any = None) -> KeyedStream:
        return KeyedStream(self, _key_fn(key_selector, "key_by"), key_type)

    def assign_timestamps_and_watermarks(self, watermark_strategy: Any) -> DataStream:
        from flinklite.common.watermark_strategy import WatermarkStrategy

        if not isinstance(watermark_strategy, WatermarkStrategy):
            raise InvalidProgramException(
                "assign_timestamps_and_watermarks needs a WatermarkStrategy, e.g. "
                "WatermarkStrategy.for_bounded_out_of_orderness(Duration.of_seconds(5))"
                ".with_timestamp_assigner(...)"
            )
        t = self._one_input("Timestamps/Watermarks", lambda s: TimestampsAndWatermarksOperator(s),
                            watermark_strategy, self.get_type())
        t.records_in_shape = self._transformation_in_shape()  # records pass unchanged
        return self._wrap(t)

    def _transformation_in_shape(self) -> bool:
        """Whether this stream's records are known to be converted to its type already (a typed
        collection, through operators that pass records unchanged); see Task.build_chain."""
        return getattr(self._transformation, "records_in_shape", False)

    def union(self, *streams: DataStream) -> DataStream:
        for s in streams:
            if not isinstance(s, DataStream):
                raise InvalidProgramException(f"union takes DataStreams, got {type(s).__name__}")
            if s._env is not self._env:
                raise InvalidProgramException("union: all streams must come from the same environment")
        return self._wrap(UnionTransformation([self._transformation] + [s._transformation for s in streams]))

    def connect(self, ds: Any) -> Any:
        if isinstance(ds, BroadcastStream):
            return BroadcastConnectedStream(self, ds)
        if not isinstance(ds, DataStream):
            raise InvalidProgramException(f"connect takes a DataStream or BroadcastStream, got {type(ds).__name__}")
        return ConnectedStreams(self, ds)

    # -- partitioning ---------------------------------------------------------------------------
    def _partition(self, partitioner: P.StreamPartitioner) -> DataStream:
        return self._wrap(PartitionTransformation(self._transformation, partitioner))

    def shuffle(self) -> DataStream:
        return self._partition(P.ShufflePartitioner())

    def rescale(self) -> DataStream:
        return self._partition(P.RescalePartitioner())

    def rebalance(self) -> DataStream:
        return self._partition(P.RebalancePartitioner())

    def forward(self) -> DataStream:
        return self._partition(P.ForwardPartitioner())

    def global_(self) -> DataStream:
        """Send everything to the first downstream subtask (Java's ``global()``; ``global`` is a
        Python keyword, so the method is ``global_``; ``getattr(ds, "global")()`` works too)."""
        return self._partition(P.GlobalPartitioner())

    def broadcast(self, broadcast_state_descriptor: Any = None, *more: Any) -> Any:
        if broadcast_state_descriptor is None:
            return self._partition(P.BroadcastPartitioner())
        descriptors = [broadcast_state_descriptor, *more]
        for d in descriptors:
            if not isinstance(d, MapStateDescriptor):
                raise InvalidProgramException(
                    f"broadcast(...) takes MapStateDescriptors for broadcast state, got {type(d).__name__}"
                )
        return BroadcastStream(self, descriptors)

    def partition_custom(self, partitioner: Any, key_selector: Any) -> DataStream:
        part = partitioner.partition if isinstance(partitioner, Partitioner) else partitioner
        if not callable(part):
            raise InvalidProgramException("partition_custom needs a Partitioner or a callable (key, n) -> index")
        return self._partition(P.CustomPartitionerWrapper(part, _key_fn(key_selector, "partition_custom"),
                                                          "custom partitioner"))

    # -- side outputs ---------------------------------------------------------------------------
    def get_side_output(self, output_tag: OutputTag) -> DataStream:
        if not isinstance(output_tag, OutputTag):
            raise InvalidProgramException(f"get_side_output needs an OutputTag, got {type(output_tag).__name__}")
        t = self._transformation
        if not t.physical or not t.side_outputs_allowed:
            raise InvalidProgramException(
                f"get_side_output('{output_tag.tag_id}'): '{t.name}' cannot emit side outputs. Side outputs "
                "come from process functions and windows: call get_side_output on the stream returned "
                "by process(...)."
            )
        known = t.side_output_types.get(output_tag.tag_id, output_tag.type_info)
        if output_tag.tag_id in t.side_output_types and known != output_tag.type_info:
            raise InvalidProgramException(
                f"get_side_output: the side output '{output_tag.tag_id}' of '{t.name}' was already "
                f"requested with type {known!r}; it cannot also have type {output_tag.type_info!r}. "
                "Use one OutputTag (or the same type) per name."
            )
        t.side_output_types[output_tag.tag_id] = output_tag.type_info
        return self._wrap(SideOutputTransformation(t, output_tag))

    # -- sinks ----------------------------------------------------------------------------------
    def _sink(self, name: str, factory: Any, payload: Any = None) -> DataStreamSink:
        t = self._one_input(name, factory, payload, None)
        t.is_sink = True
        t.input_type = self.get_type()
        return DataStreamSink(self._env, t)

    def print(self, sink_identifier: str | None = None) -> DataStreamSink:
        return self._sink("Print to Std. Out",
                          lambda p: sink_ops.PrintSinkOperator(p[0], type_info=p[1]),
                          (sink_identifier, self.get_type()))

    def add_sink(self, sink_func: Any) -> DataStreamSink:
        from flinklite.datastream.connectors.base import Sink, ensure_usable

        ensure_usable(sink_func)
        if isinstance(sink_func, Sink):  # e.g. JdbcSink, a SinkFunction in PyFlink and a Sink here
            return self._sink("Sink: Unnamed", lambda s: sink_ops.SinkWriterOperator(s), sink_func)
        if not (hasattr(sink_func, "invoke") or callable(sink_func)):
            raise InvalidProgramException(
                "add_sink needs a SinkFunction (with invoke(value, context)) or a callable value -> None"
            )
        return self._sink("Sink: Unnamed", lambda f: sink_ops.SinkFunctionOperator(f), sink_func)

    def sink_to(self, sink: Any) -> DataStreamSink:
        from flinklite.datastream.connectors.base import Sink, ensure_usable

        ensure_usable(sink)
        if not isinstance(sink, Sink):
            raise InvalidProgramException(f"sink_to needs a flinklite Sink (e.g. FileSink), got {type(sink).__name__}")
        return self._sink(f"Sink: {type(sink).__name__}", lambda s: sink_ops.SinkWriterOperator(s), sink)

    def execute_and_collect(self, job_execution_name: str | None = None, limit: int | None = None) -> Any:
        results = _CollectBuffer()
        type_info = self.get_type()
        t = OneInputTransformation("Collect Sink", self._transformation,
                                   lambda _: sink_ops.CollectSinkOperator(results, type_info=type_info), None, None)
        t.fixed_parallelism = 1  # as in Flink, the collect sink is a single subtask
        t.is_sink = True
        t.input_type = self.get_type()
        job = self._env._create_job(job_execution_name, extra=[t])
        iterator = CloseableIterator(job, results)
        if limit is not None:
            if limit <= 0:
                raise InvalidProgramException(f"execute_and_collect: limit must be positive, got {limit}")
            with iterator:
                out = []
                for v in iterator:
                    out.append(v)
                    if len(out) >= limit:
                        break
            return out
        return iterator

    # -- windows and joins (builders in windowed_stream.py, operators in runtime/operators) -----
    def window_all(self, window_assigner: Any) -> Any:
        """Group the whole (non-keyed) stream into windows; the window operator runs at parallelism 1."""
        from flinklite.datastream.windowed_stream import AllWindowedStream

        return AllWindowedStream(self, window_assigner)

    def count_window_all(self, size: int, slide: int | None = 0) -> Any:
        """Count windows over the whole stream (Java Flink's ``countWindowAll``; non-portable)."""
        from flinklite.datastream.windowed_stream import AllWindowedStream, count_window_assigner

        return AllWindowedStream(self, count_window_assigner(size, slide))

    def join(self, other: DataStream) -> Any:
        """Window join (Java Flink API; non-portable): ``a.join(b).where(ka).equal_to(kb)
        .window(assigner).apply(join_fn)``."""
        from flinklite.datastream.windowed_stream import JoinedStreams

        return JoinedStreams(self, other)

    def co_group(self, other: DataStream) -> Any:
        """Window coGroup (Java Flink API; non-portable)."""
        from flinklite.datastream.windowed_stream import CoGroupedStreams

        return CoGroupedStreams(self, other)

    def cache(self) -> DataStream:
        return self

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._transformation.name!r})"


class DataStreamSink:
    """What ``print``/``add_sink``/``sink_to`` return: the sink operator, for naming it."""

    def __init__(self, env: Any, transformation: Transformation) -> None:
        self._env = env
        self._transformation = transformation

    def name(self, name: str) -> DataStreamSink:
        self._transformation.name = name
        return self

    def uid(self, uid: str) -> DataStreamSink:
        self._transformation.uid = uid
        return self

    def set_uid_hash(self, uid_hash: str) -> DataStreamSink:
        self._transformation.uid_hash = uid_hash
        return self

    def set_description(self, description: str) -> DataStreamSink:
        self._transformation.description = description
        return self

    def set_parallelism(self, parallelism: int) -> DataStreamSink:
        DataStream.set_parallelism(self, parallelism)  # type: ignore[arg-type]
        return self

    def _physical(self, api: str) -> Transformation:
        return self._transformation

    def disable_chaining(self) -> DataStreamSink:
        self._transformation.chaining = "NEVER"
        return self

    def slot_sharing_group(self, slot_sharing_group: Any) -> DataStreamSink:
        self._transformation.slot_sharing_group = str(getattr(slot_sharing_group, "name", slot_sharing_group))
        return self


class KeyedStream(DataStream):
    """A stream partitioned by key: each key's records go to one subtask, in order, and that
    subtask keeps the key's state and timers."""

    def __init__(self, origin: DataStream, key_fn: Any, key_type: Any = None) -> None:
        partition = PartitionTransformation(origin._transformation,
                                            P.KeyGroupStreamPartitioner(key_fn, key_hash=key_hasher(key_type)))
        super().__init__(origin._env, partition)
        self._origin = origin
        self._key_fn = key_fn
        self._key_type = key_type

    def get_key_type(self) -> Any:
        return self._key_type

    def _keyed(self, name: str, factory: Any, payload: Any, output_type: Any) -> OneInputTransformation:
        t = self._one_input(name, factory, payload, output_type, keyed=True)
        t.key_type = self._key_type  # orders keys in BATCH mode
        return t

    def map(self, func: Any, output_type: Any = None) -> DataStream:
        simple_ops.as_callable(func, "map", "map")
        return self._wrap(self._keyed("Map", lambda f: simple_ops.KeyedMapOperator(f, api="map"), func, output_type))

    def flat_map(self, func: Any, output_type: Any = None) -> DataStream:
        simple_ops.as_callable(func, "flat_map", "flat_map")
        return self._wrap(self._keyed(
            "FlatMap", lambda f: simple_ops.KeyedFlatMapOperator(f, api="flat_map"), func, output_type))

    def filter(self, func: Any) -> DataStream:
        simple_ops.as_callable(func, "filter", "filter")
        return self._wrap(self._keyed(
            "Filter", lambda f: simple_ops.KeyedFilterOperator(f, api="filter"), func, self.get_type()))

    def process(self, func: Any, output_type: Any = None) -> DataStream:
        if not isinstance(func, KeyedProcessFunction):
            raise InvalidProgramException(
                f"KeyedStream.process needs a KeyedProcessFunction, got {type(func).__name__}"
            )
        t = self._keyed("KeyedProcess", lambda f: process_ops.KeyedProcessOperator(f), func, output_type)
        t.side_outputs_allowed = True
        return self._wrap(t)

    def reduce(self, func: Any) -> DataStream:
        simple_ops.as_callable(func, "reduce", "reduce")
        batch_aware = _ReduceFactory()
        t = self._keyed("Keyed Reduce", batch_aware, func, self.get_type())
        return self._wrap(t)

    def _aggregate(self, kind: str, position: Any) -> DataStream:
        fn = aggregation_function(kind, position, self.get_type())
        t = self._keyed("Keyed Aggregation", _ReduceFactory(), fn, self.get_type())
        return self._wrap(t)

    def sum(self, position_to_sum: int | str = 0) -> DataStream:
        return self._aggregate("sum", position_to_sum)

    def min(self, position_to_min: int | str = 0) -> DataStream:
        return self._aggregate("min", position_to_min)

    def max(self, position_to_max: int | str = 0) -> DataStream:
        return self._aggregate("max", position_to_max)

    def min_by(self, position_to_min_by: int | str = 0) -> DataStream:
        return self._aggregate("min_by", position_to_min_by)

    def max_by(self, position_to_max_by: int | str = 0) -> DataStream:
        return self._aggregate("max_by", position_to_max_by)

    def window(self, window_assigner: Any) -> Any:
        """Group this keyed stream into windows: ``.window(TumblingEventTimeWindows.of(...))``."""
        from flinklite.datastream.windowed_stream import WindowedStream

        return WindowedStream(self, window_assigner)

    def count_window(self, size: int, slide: int | None = 0) -> Any:
        """Count windows per key (PyFlink semantics): tumbling of ``size`` elements, or sliding by
        ``slide``; each fires once, when it holds ``size`` elements (a trailing partial window
        never fires)."""
        from flinklite.datastream.windowed_stream import WindowedStream, count_window_assigner

        return WindowedStream(self, count_window_assigner(size, slide))

    def interval_join(self, other: KeyedStream) -> Any:
        """Interval join of two keyed streams (Java Flink API; non-portable): ``a.key_by(..)
        .interval_join(b.key_by(..)).between(lower, upper).process(ProcessJoinFunction)``."""
        from flinklite.runtime.operators.join import IntervalJoin

        return IntervalJoin(self, other)

    def print(self, sink_identifier: str | None = None) -> DataStreamSink:
        # PyFlink ignores the identifier of a KeyedStream's print sink; we do the same.
        return DataStream.print(self, None)

    def _cannot_repartition(self, *args: Any, **kwargs: Any) -> DataStream:
        raise InvalidProgramException(
            "Cannot override partitioning for KeyedStream: it is already partitioned by key. Apply an "
            "operator first (e.g. map) if you want to repartition its output."
        )

    shuffle = rescale = rebalance = forward = global_ = partition_custom = _cannot_repartition  # type: ignore

    def broadcast(self, broadcast_state_descriptor: Any = None, *more: Any) -> Any:
        return self._cannot_repartition()

    def _not_an_operator(self, *args: Any, **kwargs: Any) -> DataStream:
        raise InvalidProgramException(
            "this setting applies to an operator, and a KeyedStream is not one (key_by only "
            "partitions); set it on the operator before key_by or on the one after it."
        )

    name = uid = set_parallelism = set_max_parallelism = set_uid_hash = _not_an_operator  # type: ignore
    start_new_chain = disable_chaining = slot_sharing_group = force_non_parallel = _not_an_operator  # type: ignore
    set_buffer_timeout = _not_an_operator  # type: ignore


class _ReduceFactory:
    """Builds the streaming or the BATCH reduce operator, decided when the job is deployed."""

    def __call__(self, payload: Any) -> Any:
        return reduce_ops.KeyedReduceOperator(payload)


class ConnectedStreams:
    """Two streams feeding one operator (``connect``)."""

    def __init__(self, stream1: DataStream, stream2: DataStream) -> None:
        self.stream1 = stream1
        self.stream2 = stream2

    @property
    def _keyed(self) -> bool:
        return isinstance(self.stream1, KeyedStream) and isinstance(self.stream2, KeyedStream)

    def key_by(self, key_selector1: Any, key_selector2: Any, key_type: Any = None) -> ConnectedStreams:
        return ConnectedStreams(KeyedStream(self._base(self.stream1), _key_fn(key_selector1, "key_by"), key_type),
                                KeyedStream(self._base(self.stream2), _key_fn(key_selector2, "key_by"), key_type))

    @staticmethod
    def _base(s: DataStream) -> DataStream:
        return s._origin if isinstance(s, KeyedStream) else s

    def _two(self, name: str, factory: Any, payload: Any, output_type: Any, keyed: bool) -> DataStream:
        if isinstance(self.stream1, KeyedStream) != isinstance(self.stream2, KeyedStream):
            raise InvalidProgramException(
                "connect: both streams must be keyed or neither; key the other one too, or use "
                "connected.key_by(key_selector1, key_selector2)."
            )
        env = self.stream1._env
        t = TwoInputTransformation(name, self.stream1._transformation, self.stream2._transformation,
                                   factory, payload, output_type, keyed)
        if keyed:
            t.key_type = self.stream1.get_key_type()  # type: ignore[attr-defined]
        env._add(t)
        return DataStream(env, t)

    def map(self, func: Any, output_type: Any = None) -> DataStream:
        keyed = self._keyed
        return self._two("Co-Map", lambda f: co_ops.CoMapOperator(f, "Co-Map", keyed=keyed), func, output_type, keyed)

    def flat_map(self, func: Any, output_type: Any = None) -> DataStream:
        keyed = self._keyed
        return self._two("Co-Flat Map", lambda f: co_ops.CoFlatMapOperator(f, "Co-Flat Map", keyed=keyed),
                         func, output_type, keyed)

    def process(self, func: Any, output_type: Any = None) -> DataStream:
        if isinstance(func, KeyedCoProcessFunction):
            if not self._keyed:
                raise InvalidProgramException(
                    "a KeyedCoProcessFunction needs keyed connected streams: use "
                    "connected.key_by(key_selector1, key_selector2).process(...)"
                )
            out = self._two("Keyed Co-Process", lambda f: co_ops.KeyedCoProcessOperator(f), func, output_type, True)
        elif isinstance(func, CoProcessFunction):
            out = self._two("Co-Process", lambda f: co_ops.CoProcessOperator(f), func, output_type, False)
        else:
            raise InvalidProgramException(
                f"ConnectedStreams.process needs a CoProcessFunction or KeyedCoProcessFunction, got "
                f"{type(func).__name__}"
            )
        out._transformation.side_outputs_allowed = True
        return out


class BroadcastStream:
    """A stream broadcast to every subtask, carrying broadcast state descriptors."""

    def __init__(self, stream: DataStream, descriptors: list) -> None:
        self.stream = stream
        self.broadcast_state_descriptors = descriptors
        self._transformation = PartitionTransformation(stream._transformation, P.BroadcastPartitioner())


class BroadcastConnectedStream:
    def __init__(self, non_broadcast: DataStream, broadcast: BroadcastStream) -> None:
        self.non_broadcast_stream = non_broadcast
        self.broadcast_stream = broadcast

    def process(self, func: Any, output_type: Any = None) -> DataStream:
        env = self.non_broadcast_stream._env
        descriptors = self.broadcast_stream.broadcast_state_descriptors
        keyed = isinstance(self.non_broadcast_stream, KeyedStream)
        if isinstance(func, KeyedBroadcastProcessFunction):
            if not keyed:
                raise InvalidProgramException(
                    "a KeyedBroadcastProcessFunction needs a keyed data stream: "
                    "ds.key_by(...).connect(other.broadcast(descriptor)).process(...)"
                )
            name = "Keyed-Broadcast-Process"
            factory = lambda f: broadcast_ops.KeyedBroadcastProcessOperator(f, descriptors)  # noqa: E731
        elif isinstance(func, BroadcastProcessFunction):
            if keyed:
                raise InvalidProgramException(
                    "the data stream is keyed: use a KeyedBroadcastProcessFunction (or connect the "
                    "stream before key_by)"
                )
            name = "Broadcast-Process"
            factory = lambda f: broadcast_ops.BroadcastProcessOperator(f, descriptors)  # noqa: E731
        else:
            raise InvalidProgramException(
                f"BroadcastConnectedStream.process needs a (Keyed)BroadcastProcessFunction, got "
                f"{type(func).__name__}"
            )
        t = TwoInputTransformation(name, self.non_broadcast_stream._transformation,
                                   self.broadcast_stream._transformation, factory, func, output_type, keyed)
        t.side_outputs_allowed = True
        env._add(t)
        return DataStream(env, t)


class _CollectBuffer:
    """Results of the collect sink, waiting for the client's iterator. With checkpointing,
    results arrive per completed checkpoint (each published once, even if a restored sink offers
    it again) and the tail when the job has finished."""

    def __init__(self) -> None:
        self.queue: deque = deque()
        self.published: set[int] = set()
        self.finals: dict[int, list] = {}

    def append_batch(self, values: list) -> None:
        self.queue.extend(values)

    def publish(self, checkpoint_id: int, values: list) -> None:
        if checkpoint_id not in self.published:
            self.published.add(checkpoint_id)
            self.queue.extend(values)

    def stage_final(self, attempt: int, values: list) -> None:
        self.finals.setdefault(attempt, []).extend(values)

    def job_finished(self, attempt: int) -> None:
        self.queue.extend(self.finals.pop(attempt, []))
        self.finals.clear()


class CloseableIterator:
    """The iterator ``execute_and_collect()`` returns. It runs the job lazily, in this thread, as
    results are asked for; use it as a context manager (or call ``close()``) to stop the job early."""

    def __init__(self, job: Any, results: _CollectBuffer) -> None:
        self._job = job
        self._results = results
        self._started = False
        self._closed = False

    def __iter__(self) -> Iterator[Any]:
        # A generator rather than ``self``: ``for r in results`` / ``list(results)`` then take
        # each record with a resumed frame instead of a __next__ method call. It shares the
        # queue with __next__, so mixing the two sees every record once.
        queue = self._results.queue
        popleft = queue.popleft
        while True:
            while queue:
                yield popleft()
            if not self._fill():
                return

    def __next__(self) -> Any:
        queue = self._results.queue
        if not queue and not self._fill():
            raise StopIteration
        return queue.popleft()

    def _fill(self) -> bool:
        """Run the job until it has results for the client (or ends); False when none remain."""
        queue = self._results.queue
        if queue:
            return True
        if self._closed:
            return False
        if not self._started:
            self._started = True
            self._job.start()
        if self._job.status != "FINISHED":
            if self._job.run(stop=lambda: bool(queue)):
                self._results.job_finished(self._job.attempt)
        return bool(queue)

    def next(self) -> Any:
        return self.__next__()

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            if self._started:
                self._job.cancel()

    def __enter__(self) -> CloseableIterator:
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        self.close()
