"""``EventComparator``: the order of events that share a timestamp (Flink's
``org.apache.flink.cep.EventComparator``).

The CEP operator sorts its input by timestamp before matching; events of one timestamp keep
their arrival order unless ``CEP.pattern(stream, pattern, comparator)`` is given a comparator,
which then orders them (a stable sort, as Flink's ``Stream.sorted``). This is also how
``MATCH_RECOGNIZE``'s secondary ``ORDER BY`` keys (``ORDER BY rowtime, price DESC``) are applied.

A comparator is an ``EventComparator`` (override ``compare``) or a plain function of two events;
both return a negative number, zero or a positive number, like Java's ``Comparator``.
"""

from __future__ import annotations

import functools
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

from flinklite.errors import InvalidProgramException

__all__ = ["EventComparator"]


class EventComparator(ABC):
    """Orders two events of the same timestamp: ``compare(a, b) < 0`` puts ``a`` first."""

    @abstractmethod
    def compare(self, o1: Any, o2: Any) -> int: ...


def as_sort_key(comparator: Any) -> Callable[[Any], Any] | None:
    """The comparator as a ``sorted`` key (None for no comparator)."""
    if comparator is None:
        return None
    if isinstance(comparator, EventComparator):
        return functools.cmp_to_key(comparator.compare)
    if callable(comparator):
        return functools.cmp_to_key(comparator)
    raise InvalidProgramException(
        f"CEP.pattern: the comparator must be an EventComparator or a function (a, b) -> int, got "
        f"{type(comparator).__name__}: {comparator!r}")
