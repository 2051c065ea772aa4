"""Common retry conditions for async I/O (Flink's ``AsyncRetryPredicates``): pass them as the
``result_predicate`` / ``exception_predicate`` of a strategy in
:mod:`flinklite.datastream.async_retry_strategies`."""

from __future__ import annotations

__all__ = ["empty_result_predicate", "has_exception_predicate", "exception_type_predicate"]


def empty_result_predicate(result: list | None) -> bool:
    """Retry when the call returned nothing."""
    return result is None or len(result) == 0


def has_exception_predicate(error: BaseException | None) -> bool:
    """Retry on any exception."""
    return error is not None


def exception_type_predicate(error: BaseException | None, expected_error_type: type) -> bool:
    """Retry on exceptions of ``expected_error_type`` (bind it with ``functools.partial`` or a
    lambda: ``lambda e: exception_type_predicate(e, ConnectionError)``)."""
    return isinstance(error, expected_error_type)
