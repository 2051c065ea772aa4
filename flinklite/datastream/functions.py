"""User function interfaces (PyFlink's ``pyflink.datastream.functions``).

Every class here is an interface the user subclasses; wherever PyFlink accepts a plain callable
(``map``, ``filter``, ``flat_map``, ``key_by``, ``reduce``) flinklite does too. A function object
gets ``open(runtime_context)`` before its first record and ``close()`` after its last, on the
subtask that runs it.

Process functions produce output by ``yield`` (or by returning an iterable): ``yield value`` goes
to the main output, ``yield tag, value`` (with an :class:`OutputTag`) to a side output.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from enum import Enum
from typing import Any, Generic, TypeVar

from flinklite.datastream.state import (
    AggregatingState,
    AggregatingStateDescriptor,
    ListState,
    ListStateDescriptor,
    MapState,
    MapStateDescriptor,
    ReducingState,
    ReducingStateDescriptor,
    ValueState,
    ValueStateDescriptor,
)
from flinklite.datastream.time_domain import TimeDomain
from flinklite.datastream.timerservice import TimerService

__all__ = [
    "Function",
    "RuntimeContext",
    "MapFunction",
    "FlatMapFunction",
    "FilterFunction",
    "ReduceFunction",
    "AggregateFunction",
    "KeySelector",
    "NullByteKeySelector",
    "Partitioner",
    "CoMapFunction",
    "CoFlatMapFunction",
    "ProcessFunction",
    "KeyedProcessFunction",
    "CoProcessFunction",
    "KeyedCoProcessFunction",
    "BaseBroadcastProcessFunction",
    "BroadcastProcessFunction",
    "KeyedBroadcastProcessFunction",
    "SinkFunction",
    "SourceFunction",
    "CheckpointedFunction",
    "CheckpointListener",
    "TimerService",
    "TimeDomain",
    "KeyedStateStore",
    "WindowFunction",
    "AllWindowFunction",
    "ProcessWindowFunction",
    "ProcessAllWindowFunction",
    "JoinFunction",
    "FlatJoinFunction",
    "CoGroupFunction",
    "ProcessJoinFunction",
    "AsyncFunction",
    "AsyncFunctionDescriptor",
    "AsyncRetryPredicate",
    "AsyncRetryStrategy",
]

# Type parameters, as in PyFlink (`ProcessWindowFunction[tuple, tuple, str, TimeWindow]`); annotation only.
IN = TypeVar('IN')
IN1 = TypeVar('IN1')
IN2 = TypeVar('IN2')
OUT = TypeVar('OUT')
KEY = TypeVar('KEY')
W = TypeVar('W')
W2 = TypeVar('W2')


class KeyedStateStore(ABC):
    """Keyed state scoped to something narrower or wider than one record (PyFlink's
    ``KeyedStateStore``): a window's ``window_state()`` or the key's ``global_state()``."""

    @abstractmethod
    def get_state(self, state_descriptor: ValueStateDescriptor) -> ValueState: ...

    @abstractmethod
    def get_list_state(self, state_descriptor: ListStateDescriptor) -> ListState: ...

    @abstractmethod
    def get_map_state(self, state_descriptor: MapStateDescriptor) -> MapState: ...

    @abstractmethod
    def get_reducing_state(self, state_descriptor: ReducingStateDescriptor) -> ReducingState: ...

    @abstractmethod
    def get_aggregating_state(self, state_descriptor: AggregatingStateDescriptor) -> AggregatingState: ...


class RuntimeContext(KeyedStateStore):
    """What a function knows about the subtask running it, and its door to keyed state."""

    @abstractmethod
    def get_task_name(self) -> str: ...

    @abstractmethod
    def get_number_of_parallel_subtasks(self) -> int: ...

    @abstractmethod
    def get_max_number_of_parallel_subtasks(self) -> int: ...

    @abstractmethod
    def get_index_of_this_subtask(self) -> int: ...

    @abstractmethod
    def get_attempt_number(self) -> int: ...

    @abstractmethod
    def get_task_name_with_subtasks(self) -> str: ...

    @abstractmethod
    def get_job_parameter(self, key: str, default_value: str) -> str: ...

    @abstractmethod
    def get_metrics_group(self) -> Any: ...


class Function(ABC):  # noqa: B024 - a marker base with optional life-cycle hooks
    def open(self, runtime_context: RuntimeContext) -> None:
        pass

    def close(self) -> None:
        pass


class MapFunction(Function):
    @abstractmethod
    def map(self, value: Any) -> Any: ...


class FlatMapFunction(Function):
    @abstractmethod
    def flat_map(self, value: Any) -> Iterable | None: ...


class FilterFunction(Function):
    @abstractmethod
    def filter(self, value: Any) -> bool: ...


class ReduceFunction(Function):
    @abstractmethod
    def reduce(self, value1: Any, value2: Any) -> Any: ...


class AggregateFunction(Function):
    @abstractmethod
    def create_accumulator(self) -> Any: ...

    @abstractmethod
    def add(self, value: Any, accumulator: Any) -> Any: ...

    @abstractmethod
    def get_result(self, accumulator: Any) -> Any: ...

    def merge(self, acc_a: Any, acc_b: Any) -> Any:
        raise NotImplementedError(
            f"{type(self).__name__}.merge is needed to merge session windows; implement it"
        )


class KeySelector(Function):
    @abstractmethod
    def get_key(self, value: Any) -> Any: ...


class NullByteKeySelector(KeySelector):
    """Puts every record under one key (what ``window_all`` uses)."""

    def get_key(self, value: Any) -> int:
        return 0


class Partitioner(Function):
    @abstractmethod
    def partition(self, key: Any, num_partitions: int) -> int: ...


class CoMapFunction(Function):
    @abstractmethod
    def map1(self, value: Any) -> Any: ...

    @abstractmethod
    def map2(self, value: Any) -> Any: ...


class CoFlatMapFunction(Function):
    @abstractmethod
    def flat_map1(self, value: Any) -> Iterable | None: ...

    @abstractmethod
    def flat_map2(self, value: Any) -> Iterable | None: ...


class ProcessFunction(Function):
    class Context(ABC):
        @abstractmethod
        def timer_service(self) -> TimerService: ...

        @abstractmethod
        def timestamp(self) -> int: ...

    @abstractmethod
    def process_element(self, value: Any, ctx: ProcessFunction.Context) -> Iterable | None: ...


class KeyedProcessFunction(Function):
    class Context(ABC):
        @abstractmethod
        def timer_service(self) -> TimerService: ...

        @abstractmethod
        def timestamp(self) -> int: ...

        @abstractmethod
        def get_current_key(self) -> Any: ...

    class OnTimerContext(Context):
        @abstractmethod
        def time_domain(self) -> TimeDomain: ...

    @abstractmethod
    def process_element(self, value: Any, ctx: KeyedProcessFunction.Context) -> Iterable | None: ...

    def on_timer(self, timestamp: int, ctx: KeyedProcessFunction.OnTimerContext) -> Iterable | None:
        pass


class CoProcessFunction(Function):
    class Context(ABC):
        @abstractmethod
        def timer_service(self) -> TimerService: ...

        @abstractmethod
        def timestamp(self) -> int: ...

    @abstractmethod
    def process_element1(self, value: Any, ctx: CoProcessFunction.Context) -> Iterable | None: ...

    @abstractmethod
    def process_element2(self, value: Any, ctx: CoProcessFunction.Context) -> Iterable | None: ...


class KeyedCoProcessFunction(Function):
    class Context(ABC):
        @abstractmethod
        def timer_service(self) -> TimerService: ...

        @abstractmethod
        def timestamp(self) -> int: ...

        @abstractmethod
        def get_current_key(self) -> Any: ...

    class OnTimerContext(Context):
        @abstractmethod
        def time_domain(self) -> TimeDomain: ...

    @abstractmethod
    def process_element1(self, value: Any, ctx: KeyedCoProcessFunction.Context) -> Iterable | None: ...

    @abstractmethod
    def process_element2(self, value: Any, ctx: KeyedCoProcessFunction.Context) -> Iterable | None: ...

    def on_timer(self, timestamp: int, ctx: KeyedCoProcessFunction.OnTimerContext) -> Iterable | None:
        pass


class BaseBroadcastProcessFunction(Function):
    class BaseContext(ABC):
        @abstractmethod
        def timestamp(self) -> int: ...

        @abstractmethod
        def current_processing_time(self) -> int: ...

        @abstractmethod
        def current_watermark(self) -> int: ...

    class Context(BaseContext):
        @abstractmethod
        def get_broadcast_state(self, state_descriptor: MapStateDescriptor) -> Any: ...

    class ReadOnlyContext(BaseContext):
        @abstractmethod
        def get_broadcast_state(self, state_descriptor: MapStateDescriptor) -> Any: ...


class BroadcastProcessFunction(BaseBroadcastProcessFunction, Generic[IN1, IN2, OUT]):
    class Context(BaseBroadcastProcessFunction.Context):
        pass

    class ReadOnlyContext(BaseBroadcastProcessFunction.ReadOnlyContext):
        pass

    @abstractmethod
    def process_element(self, value: Any, ctx: BroadcastProcessFunction.ReadOnlyContext) -> Iterable | None: ...

    @abstractmethod
    def process_broadcast_element(self, value: Any, ctx: BroadcastProcessFunction.Context) -> Iterable | None: ...


class KeyedBroadcastProcessFunction(BaseBroadcastProcessFunction, Generic[KEY, IN1, IN2, OUT]):
    class Context(BaseBroadcastProcessFunction.Context):
        @abstractmethod
        def apply_to_keyed_state(
            self, state_descriptor: Any, function: Callable[[Any, Any], None]
        ) -> None: ...

    class ReadOnlyContext(BaseBroadcastProcessFunction.ReadOnlyContext):
        @abstractmethod
        def timer_service(self) -> TimerService: ...

        @abstractmethod
        def get_current_key(self) -> Any: ...

    class OnTimerContext(ReadOnlyContext):
        @abstractmethod
        def time_domain(self) -> TimeDomain: ...

    @abstractmethod
    def process_element(
        self, value: Any, ctx: KeyedBroadcastProcessFunction.ReadOnlyContext
    ) -> Iterable | None: ...

    @abstractmethod
    def process_broadcast_element(
        self, value: Any, ctx: KeyedBroadcastProcessFunction.Context
    ) -> Iterable | None: ...

    def on_timer(self, timestamp: int, ctx: KeyedBroadcastProcessFunction.OnTimerContext) -> Iterable | None:
        pass


class CheckpointListener:
    """Implement to be told when a checkpoint completed or was aborted (Flink's
    ``CheckpointListener``; best effort: a later notification implies the earlier ones)."""

    def notify_checkpoint_complete(self, checkpoint_id: int) -> None:
        pass

    def notify_checkpoint_aborted(self, checkpoint_id: int) -> None:
        pass


class CheckpointedFunction:
    """Operator (non-keyed) state for any function (Java Flink's ``CheckpointedFunction``; not in
    PyFlink, so a program using it is not portable).

    ``initialize_state(context)`` runs before ``open``, on every (re)start: register list states
    with ``context.get_operator_state_store().get_list_state(descriptor)`` (even-split
    redistribution) or ``get_union_list_state`` (everyone gets everything), and check
    ``context.is_restored()``. ``snapshot_state(context)`` runs at every checkpoint barrier:
    write what must survive a failure into those states.
    """

    def snapshot_state(self, context: Any) -> None:
        raise NotImplementedError

    def initialize_state(self, context: Any) -> None:
        raise NotImplementedError


class SinkFunction(Function):
    """A sink written in Python: ``invoke(value, context)`` is called for every record."""

    def invoke(self, value: Any, context: Any) -> None:  # noqa: B027 - optional hook
        pass


class SourceFunction(Function):
    """Legacy source interface; flinklite sources implement :mod:`flinklite.datastream.connectors`."""


# -- window functions (added with the window API; see flinklite.datastream.window) ------------
class WindowFunction(Function, Generic[IN, OUT, KEY, W]):
    """Evaluates a window of a keyed stream: ``apply(key, window, inputs)`` returns an iterable of
    results (a list, or a generator using ``yield``)."""

    @abstractmethod
    def apply(self, key: Any, window: Any, inputs: Iterable) -> Iterable: ...


class AllWindowFunction(Function, Generic[IN, OUT, W]):
    """Evaluates a window of a non-keyed stream (``window_all``)."""

    @abstractmethod
    def apply(self, window: Any, inputs: Iterable) -> Iterable: ...


class ProcessWindowFunction(Function, Generic[IN, OUT, KEY, W]):
    """Evaluates a window with a context: window metadata, clocks, per-window and per-key state,
    and side outputs (``yield tag, value``). ``clear(context)`` runs when the window is cleaned up
    and should delete whatever the function kept in ``context.window_state()``."""

    class Context(ABC, Generic[W2]):
        @abstractmethod
        def window(self) -> Any: ...

        @abstractmethod
        def current_processing_time(self) -> int: ...

        @abstractmethod
        def current_watermark(self) -> int: ...

        @abstractmethod
        def window_state(self) -> KeyedStateStore: ...

        @abstractmethod
        def global_state(self) -> KeyedStateStore: ...

        def output(self, output_tag: Any, value: Any) -> None:
            raise NotImplementedError

    @abstractmethod
    def process(self, key: Any, context: ProcessWindowFunction.Context, elements: Iterable) -> Iterable: ...

    def clear(self, context: ProcessWindowFunction.Context) -> None:  # noqa: B027 - optional hook
        pass


class ProcessAllWindowFunction(Function, Generic[IN, OUT, W]):
    """:class:`ProcessWindowFunction` for ``window_all`` (no key)."""

    Context = ProcessWindowFunction.Context

    @abstractmethod
    def process(self, context: ProcessWindowFunction.Context, elements: Iterable) -> Iterable: ...

    def clear(self, context: ProcessWindowFunction.Context) -> None:  # noqa: B027 - optional hook
        pass


# -- join functions (Java Flink's API; not in PyFlink, so programs using them are non-portable) --
class JoinFunction(Function):
    """``join(left, right) -> value`` for each pair of a window join (non-portable)."""

    @abstractmethod
    def join(self, first: Any, second: Any) -> Any: ...


class FlatJoinFunction(Function):
    """``join(left, right)`` yielding any number of values per pair (non-portable)."""

    @abstractmethod
    def join(self, first: Any, second: Any) -> Iterable: ...


class CoGroupFunction(Function):
    """``co_group(lefts, rights)`` once per key and window firing, yielding results (non-portable)."""

    @abstractmethod
    def co_group(self, first: Iterable, second: Iterable) -> Iterable: ...


class ProcessJoinFunction(Function):
    """Interval join: ``process_element(left, right, ctx)`` per matching pair, yielding results
    (non-portable). ``ctx`` gives ``get_left_timestamp()``, ``get_right_timestamp()``,
    ``get_timestamp()`` (the larger one) and ``output(tag, value)``."""

    class Context(ABC):
        @abstractmethod
        def get_left_timestamp(self) -> int: ...

        @abstractmethod
        def get_right_timestamp(self) -> int: ...

        @abstractmethod
        def get_timestamp(self) -> int: ...

        def output(self, output_tag: Any, value: Any) -> None:
            raise NotImplementedError

    @abstractmethod
    def process_element(self, left: Any, right: Any, ctx: ProcessJoinFunction.Context) -> Iterable | None: ...


# -- async I/O (see flinklite.datastream.async_data_stream) ------------------------------------
class AsyncFunction(Function, Generic[IN, OUT]):
    """A function that calls an external system without blocking the stream (Flink's async I/O).

    ``async def async_invoke(self, value)`` returns the list of results for ``value`` (an empty
    list emits nothing). Many calls are in flight at once, up to the operator's capacity; each
    result keeps the timestamp of its input record. Raising from ``async_invoke`` fails the job
    (and, with checkpointing, restarts it), unless a retry strategy retries it.
    """

    @abstractmethod
    async def async_invoke(self, value: Any) -> list:
        """Start the request for ``value`` and return its results once they are there."""

    def timeout(self, value: Any) -> list:
        """Called (on the task, not in the event loop) when ``value``'s call ran out of time,
        retries included. Return results to emit instead, or raise; the default raises."""
        raise TimeoutError(f"Async function call has timed out for input: {value!r}")


class AsyncRetryPredicate(ABC, Generic[OUT]):
    """When a finished attempt should be tried again: ``result_predicate()`` tests a result list,
    ``exception_predicate()`` an exception; either may be None (never retry on that)."""

    @abstractmethod
    def result_predicate(self) -> Callable[[list], bool] | None: ...

    @abstractmethod
    def exception_predicate(self) -> Callable[[BaseException], bool] | None: ...


class AsyncRetryStrategy(ABC, Generic[OUT]):
    """How often and how late to retry an async call (Flink's ``AsyncRetryStrategy``).

    ``current_attempts`` counts the attempts made so far, starting at 1, so ``can_retry(n)`` is
    asked after the ``n``-th attempt and ``get_backoff_time_millis(n)`` is the pause before the
    attempt ``n + 1``.
    """

    @abstractmethod
    def can_retry(self, current_attempts: int) -> bool: ...

    @abstractmethod
    def get_backoff_time_millis(self, current_attempts: int) -> int: ...

    @abstractmethod
    def get_retry_predicate(self) -> AsyncRetryPredicate: ...

    @staticmethod
    def no_restart() -> AsyncRetryStrategy:
        from flinklite.datastream.async_retry_strategies import NO_RETRY_STRATEGY

        return NO_RETRY_STRATEGY

    # the strategies subclass this class (async_retry_strategies imports this module): local imports
    @staticmethod
    def fixed_delay(max_attempts: int, backoff_time_millis: int, result_predicate: Callable | None,
                    exception_predicate: Callable | None) -> AsyncRetryStrategy:
        from flinklite.datastream.async_retry_strategies import FixedDelayRetryStrategy

        return FixedDelayRetryStrategy(max_attempts, backoff_time_millis, result_predicate, exception_predicate)

    @staticmethod
    def exponential_backoff(max_attempts: int, initial_delay: int, max_retry_delay: int, multiplier: float,
                            result_predicate: Callable | None,
                            exception_predicate: Callable | None) -> AsyncRetryStrategy:
        from flinklite.datastream.async_retry_strategies import ExponentialBackoffDelayRetryStrategy

        return ExponentialBackoffDelayRetryStrategy(max_attempts, initial_delay, max_retry_delay, multiplier,
                                                    result_predicate, exception_predicate)


class AsyncFunctionDescriptor:
    """Everything the async wait operator needs to know about one ``AsyncDataStream`` call."""

    class OutputMode(Enum):
        ORDERED = 0
        UNORDERED = 1

    def __init__(self, async_function: AsyncFunction, timeout: Any, capacity: int,
                 async_retry_strategy: AsyncRetryStrategy, output_mode: AsyncFunctionDescriptor.OutputMode) -> None:
        self.async_function = async_function
        self.timeout = timeout
        self.capacity = capacity
        self.async_retry_strategy = async_retry_strategy
        self.output_mode = output_mode
