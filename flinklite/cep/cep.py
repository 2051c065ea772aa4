"""``CEP.pattern(stream, pattern)`` and ``PatternStream`` (Flink's ``CEP`` and ``PatternStream``).

``CEP.pattern`` pairs a stream with a pattern; the ``PatternStream`` it returns is turned into
a ``DataStream`` of results by ``process``, ``select`` or ``flat_select``. On a keyed stream
each key is matched on its own; on a non-keyed stream all events are matched together, in one
subtask (parallelism 1), as in Flink.

``select``/``flat_select`` take a function (or a ``PatternSelectFunction`` /
``PatternFlatSelectFunction``); with an ``OutputTag`` and a timeout function first, as in Java
(``select(tag, timeout_fn, select_fn)``), timed-out partial matches go to that side output.
"""

from __future__ import annotations

from typing import Any

from flinklite.cep._operator import CepOperator
from flinklite.cep.functions import (
    PatternFlatTimeoutFunction,
    PatternProcessFunction,
    PatternTimeoutFunction,
    TimedOutPartialMatchHandler,
)
from flinklite.cep.pattern import Pattern
from flinklite.datastream.functions import Function
from flinklite.datastream.output_tag import OutputTag
from flinklite.errors import InvalidProgramException

__all__ = ["CEP", "PatternStream"]


class CEP:
    @staticmethod
    def pattern(input: Any, pattern: Pattern, comparator: Any = None) -> PatternStream:
        from flinklite.datastream.data_stream import DataStream

        if not isinstance(input, DataStream):
            raise InvalidProgramException(f"CEP.pattern needs a DataStream, got {type(input).__name__}")
        if not isinstance(pattern, Pattern):
            raise InvalidProgramException(f"CEP.pattern needs a Pattern, got {type(pattern).__name__}")
        if comparator is not None:
            raise InvalidProgramException(
                "CEP.pattern: an EventComparator is not supported in flinklite; events of one timestamp "
                "are matched in arrival order")
        from flinklite.cep._nfa_compiler import compile_pattern

        compile_pattern(pattern)  # malformed patterns fail here, while the job is being built
        return PatternStream(input, pattern)


class PatternStream:
    def __init__(self, input: Any, pattern: Pattern, processing_time: bool = False,
                 late_tag: OutputTag | None = None) -> None:
        self._input = input
        self._pattern = pattern
        self._processing_time = processing_time
        self._late_tag = late_tag

    def in_processing_time(self) -> PatternStream:
        return PatternStream(self._input, self._pattern, True, self._late_tag)

    def in_event_time(self) -> PatternStream:
        return PatternStream(self._input, self._pattern, False, self._late_tag)

    def side_output_late_data(self, late_data_output_tag: OutputTag) -> PatternStream:
        if not isinstance(late_data_output_tag, OutputTag):
            raise InvalidProgramException(
                f"side_output_late_data needs an OutputTag, got {type(late_data_output_tag).__name__}")
        return PatternStream(self._input, self._pattern, self._processing_time, late_data_output_tag)

    # -- results ---------------------------------------------------------------------------------
    def process(self, pattern_process_function: PatternProcessFunction, output_type: Any = None) -> Any:
        if not isinstance(pattern_process_function, PatternProcessFunction):
            raise InvalidProgramException(
                f"PatternStream.process needs a PatternProcessFunction, got {type(pattern_process_function).__name__}")
        from flinklite.datastream.data_stream import KeyedStream

        src = self._input
        keyed = src if isinstance(src, KeyedStream) else src.key_by(lambda v: 0)
        payload = (self._pattern, pattern_process_function, self._processing_time, self._late_tag)
        t = keyed._keyed("CepOperator", lambda p: CepOperator(*p), payload, output_type)
        t.side_outputs_allowed = True
        out = keyed._wrap(t)
        if not isinstance(src, KeyedStream):
            out.set_parallelism(1)
        return out

    def select(self, *args: Any, output_type: Any = None) -> Any:
        """``select(select_fn)`` or ``select(timeout_tag, timeout_fn, select_fn)``."""
        tag, timeout_fn, fn = _unpack(args, "select")
        return self.process(_SelectAdapter(fn, tag, timeout_fn, flat=False), output_type)

    def flat_select(self, *args: Any, output_type: Any = None) -> Any:
        """``flat_select(fn)`` or ``flat_select(timeout_tag, timeout_fn, fn)``; ``fn`` yields."""
        tag, timeout_fn, fn = _unpack(args, "flat_select")
        return self.process(_SelectAdapter(fn, tag, timeout_fn, flat=True), output_type)


def _unpack(args: tuple, api: str) -> tuple:
    if len(args) == 1:
        return None, None, args[0]
    if len(args) == 3 and isinstance(args[0], OutputTag):
        return args
    raise InvalidProgramException(
        f"PatternStream.{api} takes ({api}_fn) or (timeout_output_tag, timeout_fn, {api}_fn), "
        f"got {len(args)} arguments")


def _callable(fn: Any, method: str, api: str) -> Any:
    f = getattr(fn, method, None) if isinstance(fn, Function) or not callable(fn) else fn
    if f is None or not callable(f):
        raise InvalidProgramException(
            f"PatternStream.{api}: expected a function or an object with {method}(), got {fn!r}")
    return f


class _SelectAdapter(PatternProcessFunction, TimedOutPartialMatchHandler):
    """``select``/``flat_select`` as a process function, as Flink translates them."""

    def __init__(self, fn: Any, tag: OutputTag | None, timeout_fn: Any, flat: bool) -> None:
        self.user = fn
        self.fn = _callable(fn, "flat_select" if flat else "select", "flat_select" if flat else "select")
        self.flat = flat
        self.tag = tag
        self.timeout_user = timeout_fn
        self.timeout_fn = _callable(timeout_fn, "timeout", "timeout") if timeout_fn is not None else None
        self.timeout_flat = isinstance(timeout_fn, PatternFlatTimeoutFunction) or (flat and not isinstance(
            timeout_fn, PatternTimeoutFunction))

    def open(self, runtime_context: Any) -> None:
        for f in (self.user, self.timeout_user):
            if isinstance(f, Function):
                f.open(runtime_context)

    def close(self) -> None:
        for f in (self.user, self.timeout_user):
            if isinstance(f, Function):
                f.close()

    def process_match(self, match: dict, ctx: Any) -> Any:
        out = self.fn(match)
        if self.flat:
            return out
        return (out,)

    def process_timed_out_match(self, match: dict, ctx: Any) -> Any:
        if self.timeout_fn is None:
            return None
        out = self.timeout_fn(match, ctx.timestamp())
        if self.timeout_flat:
            return [(self.tag, v) for v in (out or ())]
        return [(self.tag, out)]
