"""Ready-made retry strategies for async I/O (Flink's ``AsyncRetryStrategies``).

A strategy answers two questions after a failed attempt: may we try again
(``can_retry(attempts_so_far)``) and how long to wait first (``get_backoff_time_millis``). Which
outcomes count as failed is its :class:`RetryPredicate`: a test on the result list and/or on
the exception; see :mod:`flinklite.datastream.async_retry_predicates` for common ones.

``max_attempts`` is the number of *retries*, as in Flink: the first call plus up to
``max_attempts`` more. The whole sequence shares one timeout (set on ``AsyncDataStream``).

Difference from Flink: the exponential strategy computes each delay from the attempt number
(``initial_delay * multiplier ** (attempt - 1)``, capped), instead of remembering the last delay
on the strategy object, which Flink shares between all records in flight. For one record the
delays are the same.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from flinklite.datastream.functions import AsyncRetryPredicate, AsyncRetryStrategy

__all__ = [
    "RetryPredicate",
    "NoRetryStrategy",
    "FixedDelayRetryStrategy",
    "ExponentialBackoffDelayRetryStrategy",
]

OUT = TypeVar('OUT')  # the async result type, as PyFlink parameterises these strategies


def _positive(name: str, value: float) -> None:
    if not value > 0:
        raise ValueError(f"{name} must be greater than zero, got {value!r}")


class RetryPredicate(AsyncRetryPredicate, Generic[OUT]):
    def __init__(self, result_predicate: Callable[[list], bool] | None,
                 exception_predicate: Callable[[BaseException], bool] | None) -> None:
        self._result_predicate = result_predicate
        self._exception_predicate = exception_predicate

    def result_predicate(self) -> Callable[[list], bool] | None:
        return self._result_predicate

    def exception_predicate(self) -> Callable[[BaseException], bool] | None:
        return self._exception_predicate


class NoRetryStrategy(AsyncRetryStrategy, Generic[OUT]):
    def can_retry(self, current_attempts: int) -> bool:
        return False

    def get_backoff_time_millis(self, current_attempts: int) -> int:
        return -1

    def get_retry_predicate(self) -> AsyncRetryPredicate:
        return RetryPredicate(None, None)


class FixedDelayRetryStrategy(AsyncRetryStrategy, Generic[OUT]):
    """Up to ``max_attempts`` retries, ``backoff_time_millis`` apart."""

    def __init__(self, max_attempts: int, backoff_time_millis: int,
                 result_predicate: Callable[[list], bool] | None,
                 exception_predicate: Callable[[BaseException], bool] | None) -> None:
        _positive("max_attempts", max_attempts)
        _positive("backoff_time_millis", backoff_time_millis)
        self._max_attempts = max_attempts
        self._backoff = backoff_time_millis
        self._predicate = RetryPredicate(result_predicate, exception_predicate)

    def can_retry(self, current_attempts: int) -> bool:
        return current_attempts <= self._max_attempts

    def get_backoff_time_millis(self, current_attempts: int) -> int:
        return self._backoff

    def get_retry_predicate(self) -> AsyncRetryPredicate:
        return self._predicate


class ExponentialBackoffDelayRetryStrategy(AsyncRetryStrategy, Generic[OUT]):
    """Up to ``max_attempts`` retries; the first after ``initial_delay`` ms, each next one
    ``multiplier`` times later, never more than ``max_retry_delay`` ms."""

    def __init__(self, max_attempts: int, initial_delay: int, max_retry_delay: int, multiplier: float,
                 result_predicate: Callable[[list], bool] | None,
                 exception_predicate: Callable[[BaseException], bool] | None) -> None:
        _positive("max_attempts", max_attempts)
        _positive("initial_delay", initial_delay)
        _positive("max_retry_delay", max_retry_delay)
        _positive("multiplier", multiplier)
        self._max_attempts = max_attempts
        self._initial = initial_delay
        self._max_delay = max_retry_delay
        self._multiplier = multiplier
        self._predicate = RetryPredicate(result_predicate, exception_predicate)

    def can_retry(self, current_attempts: int) -> bool:
        return current_attempts <= self._max_attempts

    def get_backoff_time_millis(self, current_attempts: int) -> int:
        delay = self._initial * self._multiplier ** max(0, current_attempts - 1)
        return int(min(delay, self._max_delay))

    def get_retry_predicate(self) -> AsyncRetryPredicate:
        return self._predicate


#: the strategy of ``unordered_wait`` / ``ordered_wait``: never retry
NO_RETRY_STRATEGY: AsyncRetryStrategy = NoRetryStrategy()
