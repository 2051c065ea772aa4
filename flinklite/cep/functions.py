"""What to do with matches (Flink's ``PatternProcessFunction``, ``PatternSelectFunction``,
``PatternFlatSelectFunction``, ``PatternTimeoutFunction``, ``PatternFlatTimeoutFunction`` and
``TimedOutPartialMatchHandler``).

A match is a ``dict`` from step name to the list of events that step accepted, in order (steps
that took nothing, e.g. an unused optional one, are absent). As everywhere in flinklite's
Python API, functions *yield* their outputs (or return an iterable): ``yield value`` for the
main output, ``yield tag, value`` with an :class:`~flinklite.datastream.OutputTag` for a side
output; ``ctx.output(tag, value)`` works too, as in Java.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from typing import Any

from flinklite.datastream.functions import Function

__all__ = [
    "PatternProcessFunction", "PatternSelectFunction", "PatternFlatSelectFunction",
    "PatternTimeoutFunction", "PatternFlatTimeoutFunction", "TimedOutPartialMatchHandler",
]


class PatternProcessFunction(Function):
    """``process_match(match, ctx)`` for every match; ``ctx.timestamp()`` is the time of the
    match (the timestamp of the event that completed it), ``ctx.current_processing_time()``,
    ``ctx.output(tag, value)``."""

    class Context(ABC):
        @abstractmethod
        def timestamp(self) -> int: ...

        @abstractmethod
        def current_processing_time(self) -> int: ...

        @abstractmethod
        def output(self, output_tag: Any, value: Any) -> None: ...

    @abstractmethod
    def process_match(self, match: dict[str, list], ctx: PatternProcessFunction.Context) -> Iterable | None: ...


class TimedOutPartialMatchHandler(ABC):
    """Mix into a :class:`PatternProcessFunction` to receive partial matches that exceeded the
    pattern's ``within`` window: ``process_timed_out_match(match, ctx)``, whose outputs go to side
    outputs only (``ctx.output`` or ``yield tag, value``); ``ctx.timestamp()`` is the timeout time."""

    @abstractmethod
    def process_timed_out_match(self, match: dict[str, list], ctx: PatternProcessFunction.Context) -> Iterable | None:
        ...


class PatternSelectFunction(Function):
    """``select(match)`` returns one output per match."""

    @abstractmethod
    def select(self, match: dict[str, list]) -> Any: ...


class PatternFlatSelectFunction(Function):
    """``flat_select(match)`` yields any number of outputs per match."""

    @abstractmethod
    def flat_select(self, match: dict[str, list]) -> Iterable | None: ...


class PatternTimeoutFunction(Function):
    """``timeout(match, timeout_timestamp)`` returns one side output per timed-out partial match."""

    @abstractmethod
    def timeout(self, match: dict[str, list], timeout_timestamp: int) -> Any: ...


class PatternFlatTimeoutFunction(Function):
    """``timeout(match, timeout_timestamp)`` yields any number of side outputs."""

    @abstractmethod
    def timeout(self, match: dict[str, list], timeout_timestamp: int) -> Iterable | None: ...
