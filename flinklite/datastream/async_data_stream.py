"""Async I/O (PyFlink's ``pyflink.datastream.async_data_stream``): call external systems from a
stream without waiting for each answer.

``AsyncDataStream.ordered_wait(stream, MyAsyncFunction(), Time.seconds(2), capacity=100)``
applies an :class:`~flinklite.datastream.functions.AsyncFunction` whose ``async def
async_invoke(value)`` returns a list of results. Up to ``capacity`` calls run at once on an
asyncio event loop; ``ordered_wait`` emits results in input order, ``unordered_wait`` as they
finish (but never across a watermark). The ``*_with_retry`` variants take a strategy from
:mod:`flinklite.datastream.async_retry_strategies`. How it runs inside:
:mod:`flinklite.runtime.operators.async_wait`; the learner's page is ``docs/concepts/async-io.md``.
"""

from __future__ import annotations

from typing import Any

from flinklite.common.time import _as_millis
from flinklite.datastream.async_retry_strategies import NO_RETRY_STRATEGY, NoRetryStrategy
from flinklite.datastream.data_stream import DataStream
from flinklite.datastream.functions import AsyncFunction, AsyncFunctionDescriptor, AsyncRetryStrategy
from flinklite.errors import InvalidProgramException

__all__ = ["AsyncDataStream"]

_Mode = AsyncFunctionDescriptor.OutputMode


class AsyncDataStream:
    """Entry points that put an async wait operator after a stream."""

    @staticmethod
    def unordered_wait(data_stream: DataStream, async_function: AsyncFunction, timeout: Any,
                       capacity: int = 100, output_type: Any = None) -> DataStream:
        return AsyncDataStream.unordered_wait_with_retry(
            data_stream, async_function, timeout, NO_RETRY_STRATEGY, capacity, output_type)

    @staticmethod
    def unordered_wait_with_retry(data_stream: DataStream, async_function: AsyncFunction, timeout: Any,
                                  async_retry_strategy: AsyncRetryStrategy, capacity: int = 100,
                                  output_type: Any = None) -> DataStream:
        return _apply(data_stream, async_function, timeout, async_retry_strategy, capacity, output_type,
                      _Mode.UNORDERED)

    @staticmethod
    def ordered_wait(data_stream: DataStream, async_function: AsyncFunction, timeout: Any,
                     capacity: int = 100, output_type: Any = None) -> DataStream:
        return AsyncDataStream.ordered_wait_with_retry(
            data_stream, async_function, timeout, NO_RETRY_STRATEGY, capacity, output_type)

    @staticmethod
    def ordered_wait_with_retry(data_stream: DataStream, async_function: AsyncFunction, timeout: Any,
                                async_retry_strategy: AsyncRetryStrategy, capacity: int = 100,
                                output_type: Any = None) -> DataStream:
        return _apply(data_stream, async_function, timeout, async_retry_strategy, capacity, output_type,
                      _Mode.ORDERED)


def _timeout_ms(timeout: Any) -> int:
    ms = _as_millis(timeout)
    if ms is not None:
        return ms
    raise InvalidProgramException(
        f"AsyncDataStream: timeout must be a Time or Duration (e.g. Time.seconds(5)), got "
        f"{type(timeout).__name__}: {timeout!r}"
    )


def _apply(stream: DataStream, fn: AsyncFunction, timeout: Any, strategy: AsyncRetryStrategy,
           capacity: int, output_type: Any, mode: AsyncFunctionDescriptor.OutputMode) -> DataStream:
    if not isinstance(stream, DataStream):
        raise InvalidProgramException(
            f"AsyncDataStream: the first argument must be a DataStream, got {type(stream).__name__}")
    import inspect  # here, not at module level: inspect costs ~10 ms of every program's start-up

    invoke = getattr(fn, "async_invoke", None)
    if invoke is None or not inspect.iscoroutinefunction(invoke):
        raise InvalidProgramException(
            f"AsyncDataStream: the method 'async_invoke' of {type(fn).__name__} must be declared "
            "'async def async_invoke(self, value)' and return a list of results."
        )
    ms = _timeout_ms(timeout)
    if isinstance(capacity, bool) or not isinstance(capacity, int) or capacity <= 0:
        raise InvalidProgramException(
            f"AsyncDataStream: capacity (the most calls in flight) must be a positive int, got {capacity!r}")
    if strategy is None:
        raise InvalidProgramException(
            "AsyncDataStream: the retry strategy must not be None; use "
            "async_retry_strategies.NO_RETRY_STRATEGY for no retries.")
    if not isinstance(strategy, NoRetryStrategy) and ms <= 0:
        raise InvalidProgramException(
            "AsyncDataStream: a retry strategy needs a positive timeout (it bounds all attempts of "
            "one record together), e.g. Time.seconds(10).")
    if strategy.get_retry_predicate() is None:
        raise InvalidProgramException(
            f"AsyncDataStream: the retry strategy {type(strategy).__name__} has no retry predicate.")
    from flinklite.runtime.operators.async_wait import AsyncWaitOperator

    descriptor = AsyncFunctionDescriptor(fn, ms, capacity, strategy, mode)
    t = stream._one_input("async wait operator", AsyncWaitOperator, descriptor, output_type)
    return DataStream(stream._env, t)
