"""``WindowedStream`` and ``AllWindowedStream`` (PyFlink's classes of the same names in
``pyflink.datastream.data_stream``), plus the window join / coGroup builders.

``KeyedStream.window(assigner)`` gives a :class:`WindowedStream`; ``DataStream.window_all`` an
:class:`AllWindowedStream` (the same operator over a stream keyed by a constant, forced to
parallelism 1). Configure with ``trigger``, ``allowed_lateness``, ``side_output_late_data`` (and
``evictor``, Java-only), then finish with ``reduce``, ``aggregate``, ``apply`` or ``process``.

Non-portable (Java Flink's API, absent from PyFlink): ``evictor(...)``, and the joins
``DataStream.join(other).where(..).equal_to(..).window(..).apply(..)`` and ``co_group``. They are
built as Flink builds them: both sides tagged, unioned, keyed, windowed, and a window function
that splits each window's elements back into the two sides (each in arrival order).
"""

from __future__ import annotations

import copy
from typing import Any

from flinklite.datastream.functions import (
    AggregateFunction,
    AllWindowFunction,
    CoGroupFunction,
    FlatJoinFunction,
    JoinFunction,
    ProcessAllWindowFunction,
    ProcessWindowFunction,
    ReduceFunction,
    WindowFunction,
)
from flinklite.datastream.output_tag import OutputTag
from flinklite.datastream.window import (
    CountSlidingWindowAssigner,
    CountTumblingWindowAssigner,
    Evictor,
    MergingWindowAssigner,
    Trigger,
    WindowAssigner,
    _ms,
)
from flinklite.errors import InvalidProgramException

__all__ = ["WindowedStream", "AllWindowedStream", "JoinedStreams", "CoGroupedStreams"]


def _window_operator(spec: Any) -> Any:
    from flinklite.runtime.operators.aligned_window import AlignedWindowOperator
    from flinklite.runtime.operators.window import WindowOperator

    # tumbling/sliding event-time windows with the default trigger: one timer per window, not
    # per key and window (same results; see aligned_window)
    return AlignedWindowOperator(spec) if AlignedWindowOperator.supports(spec) else WindowOperator(spec)


def _reduce_callable(fn: Any) -> tuple[Any, Any]:
    if isinstance(fn, ReduceFunction):
        return fn.reduce, fn
    if callable(fn):
        return fn, None
    raise InvalidProgramException(
        f"reduce: expected a ReduceFunction or a callable (a, b) -> value, got {type(fn).__name__}"
    )


class _WindowBuilder:
    """What WindowedStream and AllWindowedStream share."""

    _all = False

    def __init__(self, keyed_stream: Any, window_assigner: WindowAssigner) -> None:
        if not isinstance(window_assigner, WindowAssigner):
            raise InvalidProgramException(
                f"window: expected a WindowAssigner (e.g. TumblingEventTimeWindows.of(Time.seconds(5))), "
                f"got {type(window_assigner).__name__}"
            )
        self._keyed_stream = keyed_stream
        self._assigner = window_assigner
        self._trigger: Trigger | None = None
        self._lateness = 0
        self._late_tag: OutputTag | None = None
        self._evictor: Evictor | None = None

    # -- configuration ------------------------------------------------------------------------
    def trigger(self, trigger: Trigger) -> Any:
        if not isinstance(trigger, Trigger):
            raise InvalidProgramException(f"trigger: expected a Trigger, got {type(trigger).__name__}")
        if isinstance(self._assigner, MergingWindowAssigner) and not trigger.can_merge():
            raise InvalidProgramException(
                f"A merging window assigner ({self._assigner!r}) cannot be used with a trigger that does "
                f"not support merging ({type(trigger).__name__}.can_merge() is False)."
            )
        self._trigger = trigger
        return self

    def allowed_lateness(self, time_ms: Any) -> Any:
        ms = _ms(time_ms, "allowed_lateness")
        if ms < 0:
            raise InvalidProgramException(f"allowed_lateness must be >= 0 ms, got {ms}")
        self._lateness = ms
        return self

    def side_output_late_data(self, output_tag: OutputTag) -> Any:
        if not isinstance(output_tag, OutputTag):
            raise InvalidProgramException(
                f"side_output_late_data: expected an OutputTag, got {type(output_tag).__name__}"
            )
        self._late_tag = output_tag
        return self

    def evictor(self, evictor: Evictor) -> Any:
        """Java Flink only (non-portable): evict elements before/after the window function."""
        if not isinstance(evictor, Evictor):
            raise InvalidProgramException(f"evictor: expected an Evictor, got {type(evictor).__name__}")
        self._evictor = evictor
        return self

    def get_execution_environment(self) -> Any:
        return self._keyed_stream.get_execution_environment()

    def get_input_type(self) -> Any:
        return self._keyed_stream.get_type()

    # -- building -----------------------------------------------------------------------------
    def _build(self, name: str, contents: str, agg: Any, fn: Any, fn_kind: str, output_type: Any,
               agg_owner: Any = None) -> Any:
        from flinklite.runtime.operators.window import WindowSpec

        env = self.get_execution_environment()
        trigger = self._trigger if self._trigger is not None else self._assigner.get_default_trigger(env)
        spec = WindowSpec(self._assigner, trigger, self._lateness, self._late_tag, self._evictor,
                          contents, agg, fn, fn_kind, agg_owner)
        ks = self._keyed_stream
        t = ks._keyed(name, _window_operator, spec, output_type)
        t.side_outputs_allowed = True
        if self._late_tag is not None:
            t.side_output_types[self._late_tag.tag_id] = self._late_tag.type_info
        if self._all:
            t.fixed_parallelism = 1
        from flinklite.datastream.data_stream import DataStream

        return DataStream(ks._env, t)

    def _window_fn_kind(self, window_function: Any) -> str:
        if self._all:
            if isinstance(window_function, ProcessAllWindowFunction):
                return "pawf"
            if isinstance(window_function, AllWindowFunction):
                return "awf"
            raise InvalidProgramException(
                "expected a ProcessAllWindowFunction or AllWindowFunction, got "
                f"{type(window_function).__name__}"
            )
        if isinstance(window_function, ProcessWindowFunction):
            return "pwf"
        if isinstance(window_function, WindowFunction):
            return "wf"
        raise InvalidProgramException(
            f"expected a ProcessWindowFunction or WindowFunction, got {type(window_function).__name__}"
        )

    def reduce(self, reduce_function: Any, window_function: Any = None, output_type: Any = None) -> Any:
        f, owner = _reduce_callable(reduce_function)
        if window_function is None:
            return self._build("Window(Reduce)", "reduce", f, None, "pass",
                               output_type if output_type is not None else self.get_input_type(), owner)
        kind = self._window_fn_kind(window_function)
        return self._build("Window(Reduce)", "reduce", f, window_function, kind, output_type, owner)

    def aggregate(self, aggregate_function: AggregateFunction, window_function: Any = None,
                  accumulator_type: Any = None, output_type: Any = None) -> Any:
        if not isinstance(aggregate_function, AggregateFunction):
            raise InvalidProgramException(
                "aggregate: expected an AggregateFunction (create_accumulator/add/get_result/merge), got "
                f"{type(aggregate_function).__name__}"
            )
        if window_function is None:
            return self._build("Window(Aggregate)", "aggregate", aggregate_function, None, "pass",
                               output_type, aggregate_function)
        kind = self._window_fn_kind(window_function)
        return self._build("Window(Aggregate)", "aggregate", aggregate_function, window_function, kind,
                           output_type, aggregate_function)

    def apply(self, window_function: Any, output_type: Any = None) -> Any:
        expected = AllWindowFunction if self._all else WindowFunction
        if not isinstance(window_function, expected):
            raise InvalidProgramException(
                f"apply: expected a {expected.__name__}, got {type(window_function).__name__}"
            )
        return self._build("Window(Apply)", "list", None, window_function, "awf" if self._all else "wf",
                           output_type)

    def process(self, process_window_function: Any, output_type: Any = None) -> Any:
        expected = ProcessAllWindowFunction if self._all else ProcessWindowFunction
        if not isinstance(process_window_function, expected):
            raise InvalidProgramException(
                f"process: expected a {expected.__name__}, got {type(process_window_function).__name__}"
            )
        return self._build("Window(Process)", "list", None, process_window_function,
                           "pawf" if self._all else "pwf", output_type)

    def _internal(self, name: str, fn: Any, output_type: Any) -> Any:
        """A window over all elements with an internal ``fn(key, window, elements)`` (joins)."""
        return self._build(name, "list", None, fn, "callable", output_type)


class WindowedStream(_WindowBuilder):
    """A keyed stream grouped into windows; evaluated per key and window."""

    def __init__(self, keyed_stream: Any, window_assigner: WindowAssigner) -> None:
        super().__init__(keyed_stream, window_assigner)


def _constant_key(value: Any) -> int:
    return 0


class AllWindowedStream(_WindowBuilder):
    """A non-keyed stream grouped into windows (``window_all``): one operator instance sees every
    element, so it always runs at parallelism 1."""

    _all = True

    def __init__(self, data_stream: Any, window_assigner: WindowAssigner) -> None:
        from flinklite.datastream.data_stream import KeyedStream

        super().__init__(KeyedStream(data_stream, _constant_key), window_assigner)


def count_window_assigner(size: int, slide: int | None) -> WindowAssigner:
    """PyFlink's count windows: tumbling unless a positive slide is given."""
    if not slide:
        return CountTumblingWindowAssigner(size)
    return CountSlidingWindowAssigner(size, slide)


# -- window join and coGroup (Java Flink API; non-portable) --------------------------------------
def _key_fn(selector: Any, api: str) -> Any:
    from flinklite.datastream.functions import KeySelector

    if isinstance(selector, KeySelector):
        return selector.get_key
    if callable(selector):
        return selector
    raise InvalidProgramException(f"{api}: expected a KeySelector or a callable value -> key")


class _TaggedKey:
    """Key selector of the unioned, tagged stream: ``(side, value)`` -> the side's key."""

    def __init__(self, k1: Any, k2: Any) -> None:
        self.k1 = k1
        self.k2 = k2

    def __call__(self, tagged: tuple) -> Any:
        return self.k1(tagged[1]) if tagged[0] == 1 else self.k2(tagged[1])


def _tag1(v: Any) -> tuple:
    return (1, v)


def _tag2(v: Any) -> tuple:
    return (2, v)


class _CoGroupWindowFn:
    def __init__(self, fn: Any, mode: str) -> None:
        self.fn = fn
        self.mode = mode

    def __call__(self, key: Any, window: Any, elements: list) -> Any:
        lefts = [v for side, v in elements if side == 1]
        rights = [v for side, v in elements if side == 2]
        fn, mode = self.fn, self.mode
        if mode == "cogroup":
            res = fn.co_group(lefts, rights) if isinstance(fn, CoGroupFunction) else fn(lefts, rights)
            return () if res is None else res
        out = []
        if mode == "join":
            join = fn.join if isinstance(fn, JoinFunction) else fn
            for left in lefts:
                for right in rights:
                    out.append(join(left, right))
        else:  # flat join
            join = fn.join
            for left in lefts:
                for right in rights:
                    r = join(left, right)
                    if r is not None:
                        out.extend(r)
        return out


class _TwoSided:
    _kind = "join"

    def __init__(self, first: Any, second: Any) -> None:
        self._first = first
        self._second = second
        self._k1: Any = None
        self._k2: Any = None
        self._assigner: Any = None
        self._trigger: Any = None
        self._evictor: Any = None
        self._lateness = 0

    def where(self, key_selector: Any, key_type: Any = None) -> Any:
        self._k1 = _key_fn(key_selector, f"{self._kind}().where")
        return self

    def equal_to(self, key_selector: Any, key_type: Any = None) -> Any:
        if self._k1 is None:
            raise InvalidProgramException(f"{self._kind}: call where(...) before equal_to(...)")
        self._k2 = _key_fn(key_selector, f"{self._kind}().equal_to")
        return self

    def window(self, assigner: WindowAssigner) -> Any:
        if self._k2 is None:
            raise InvalidProgramException(f"{self._kind}: call where(...).equal_to(...) before window(...)")
        other = copy.copy(self)
        other._assigner = assigner
        return other

    def trigger(self, trigger: Trigger) -> Any:
        self._trigger = trigger
        return self

    def evictor(self, evictor: Evictor) -> Any:
        self._evictor = evictor
        return self

    def allowed_lateness(self, time_ms: Any) -> Any:
        self._lateness = _ms(time_ms, "allowed_lateness")
        return self

    def _run(self, fn: Any, mode: str, output_type: Any) -> Any:
        if self._assigner is None:
            raise InvalidProgramException(f"{self._kind}: call window(...) before apply(...)")
        from flinklite.datastream.data_stream import KeyedStream

        a = self._first.map(_tag1)
        b = self._second.map(_tag2)
        keyed = KeyedStream(a.union(b), _TaggedKey(self._k1, self._k2))
        ws = WindowedStream(keyed, self._assigner)
        if self._trigger is not None:
            ws.trigger(self._trigger)
        if self._evictor is not None:
            ws.evictor(self._evictor)
        ws.allowed_lateness(self._lateness)
        return ws._internal("Window Join" if mode != "cogroup" else "Window CoGroup",
                            _CoGroupWindowFn(fn, mode), output_type)


class JoinedStreams(_TwoSided):
    """``a.join(b).where(ka).equal_to(kb).window(assigner).apply(fn)``: an inner join of the two
    sides' elements that share a key and a window (Java Flink API; non-portable)."""

    _kind = "join"

    def apply(self, join_function: Any, output_type: Any = None) -> Any:
        if isinstance(join_function, FlatJoinFunction):
            return self._run(join_function, "flatjoin", output_type)
        if isinstance(join_function, JoinFunction) or callable(join_function):
            return self._run(join_function, "join", output_type)
        raise InvalidProgramException(f"join.apply: expected a JoinFunction, got {type(join_function).__name__}")


class CoGroupedStreams(_TwoSided):
    """``a.co_group(b).where(ka).equal_to(kb).window(assigner).apply(fn)``: ``fn(lefts, rights)``
    once per key and window firing, even if one side is empty (Java Flink API; non-portable)."""

    _kind = "co_group"

    def apply(self, co_group_function: Any, output_type: Any = None) -> Any:
        if not (isinstance(co_group_function, CoGroupFunction) or callable(co_group_function)):
            raise InvalidProgramException(
                f"co_group.apply: expected a CoGroupFunction, got {type(co_group_function).__name__}"
            )
        return self._run(co_group_function, "cogroup", output_type)
