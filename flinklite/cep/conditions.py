"""Conditions of a CEP pattern (Flink's ``IterativeCondition`` and ``SimpleCondition``).

A condition decides whether an event may be accepted by a pattern. ``SimpleCondition.filter``
sees the event alone; ``IterativeCondition.filter`` also gets a context whose
``get_events_for_pattern(name)`` returns the events the *current partial match* has already
accepted for a pattern, so a condition can compare an event with earlier ones ("price higher
than the previous one"). ``where`` also takes a plain function of one argument (a simple
condition) or of two (an iterative one).

Internally every condition becomes a function ``test(value, ctx) -> bool``; ``None`` stands for
"always true", so the NFA skips the call. The combinators below (``and``, ``or``, ``not``) build
the edge conditions the NFA compiler needs, as Flink's ``RichAndCondition`` & co. do.
"""

from __future__ import annotations

import inspect
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

from flinklite.errors import InvalidProgramException

__all__ = ["IterativeCondition", "SimpleCondition"]

Test = Callable[[Any, Any], bool]


class IterativeCondition(ABC):
    """A condition with access to the partial match: ``filter(value, ctx)``.

    ``ctx.get_events_for_pattern(name)`` lists the events accepted so far for pattern ``name``
    (in order); ``ctx.timestamp()`` is the event's timestamp; ``ctx.current_processing_time()``.
    """

    @abstractmethod
    def filter(self, value: Any, ctx: Any) -> bool: ...


class SimpleCondition(IterativeCondition):
    """A condition on the event alone: override ``filter(value)``."""

    @abstractmethod
    def filter(self, value: Any) -> bool: ...  # type: ignore[override]


class _FunctionCondition(IterativeCondition):
    """A plain function given to ``where``/``or_``/``until`` (kept for ``repr``)."""

    def __init__(self, fn: Callable, iterative: bool) -> None:
        self.fn = fn
        self.iterative = iterative

    def filter(self, value: Any, ctx: Any = None) -> bool:
        return self.fn(value, ctx) if self.iterative else self.fn(value)


def as_condition(cond: Any, api: str) -> IterativeCondition:
    """The user's argument to ``where``/``or_``/``until`` as a condition object."""
    if isinstance(cond, IterativeCondition):
        return cond
    if callable(cond):
        return _FunctionCondition(cond, _arity(cond) >= 2)
    raise InvalidProgramException(
        f"{api}: expected a SimpleCondition, an IterativeCondition or a function, got "
        f"{type(cond).__name__}: {cond!r}. E.g. .{api}(lambda e: e['name'] == 'a')"
    )


def _arity(fn: Callable) -> int:
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return 1
    return sum(1 for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
               and p.default is p.empty)


def to_test(cond: IterativeCondition | None) -> Test | None:
    """The condition as a ``test(value, ctx)`` function (``None``: always true)."""
    if cond is None:
        return None
    if isinstance(cond, _FunctionCondition):
        fn = cond.fn
        if cond.iterative:
            return fn
        return lambda v, c: fn(v)
    if isinstance(cond, SimpleCondition):
        f = cond.filter
        return lambda v, c: f(v)
    return cond.filter


def and_(a: Test | None, b: Test | None) -> Test | None:
    if a is None:
        return b
    if b is None:
        return a
    return lambda v, c: bool(a(v, c)) and bool(b(v, c))


def or_(a: Test | None, b: Test | None) -> Test | None:
    if a is None or b is None:
        return None
    return lambda v, c: bool(a(v, c)) or bool(b(v, c))


def not_(a: Test | None) -> Test:
    if a is None:
        return _false
    return lambda v, c: not a(v, c)


def _false(v: Any, c: Any) -> bool:
    return False
