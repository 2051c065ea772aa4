"""Stateless one-record-in operators: ``map``, ``flat_map``, ``filter`` (Flink's ``StreamMap``,
``StreamFlatMap``, ``StreamFilter``), and their keyed twins used on a ``KeyedStream``, which set
the current key before each call so the function may use keyed state.

Output timestamps are the input record's (§2.7).
"""

from __future__ import annotations

from itertools import compress
from typing import Any

from flinklite.runtime.operators.base import StreamOperator, failing_record
from flinklite.runtime.runtime_context import StreamingRuntimeContext

__all__ = [
    "MapOperator",
    "FilterOperator",
    "FlatMapOperator",
    "KeyedMapOperator",
    "KeyedFilterOperator",
    "KeyedFlatMapOperator",
    "as_callable",
]


def as_callable(fn: Any, method: str, api: str) -> Any:
    """The callable behind a user function: ``fn.<method>`` for Function objects, else ``fn``."""
    bound = getattr(fn, method, None)
    if bound is not None and callable(bound):
        return bound
    if callable(fn):
        return fn
    from flinklite.errors import InvalidProgramException

    raise InvalidProgramException(
        f"{api}: expected a callable or an object with a '{method}' method, got {type(fn).__name__}"
    )


class _UdfOperator(StreamOperator):
    method = ""

    def __init__(self, fn: Any, name: str = "", uid: str | None = None, api: str = "") -> None:
        super().__init__(name, uid)
        self.fn = fn
        self._call = as_callable(fn, self.method, api or name)

    def open(self) -> None:
        self.runtime_context = StreamingRuntimeContext(self)
        self.open_function(self.fn, self.runtime_context)

    def close(self) -> None:
        self.close_function(self.fn)


def _flatten(op: StreamOperator, results: list, values: list, timestamps: list | None):
    out_v: list = []
    out_t: list | None = None if timestamps is None else []
    extend = out_v.extend
    for i, res in enumerate(results):
        if res is None:
            continue
        try:
            before = len(out_v)
            extend(res)
        except TypeError as e:
            if not hasattr(res, "__iter__"):
                raise op.user_error(
                    TypeError(
                        f"flat_map must return an iterable (or yield values), got "
                        f"{type(res).__name__}: {res!r}"
                    ),
                    values[i],
                ) from e
            raise op.user_error(e, values[i]) from e
        except Exception as e:  # a generator failing while it is consumed
            raise op.user_error(e, values[i]) from e
        if out_t is not None:
            out_t.extend([timestamps[i]] * (len(out_v) - before))
    return out_v, out_t


class MapOperator(_UdfOperator):
    method = "map"

    def process_batch(self, values, timestamps, keys):
        f = self._call
        try:
            out = [f(record) for record in values]
        except Exception as e:
            raise self.user_error(e, failing_record(e, values)) from e
        self.output.collect(out, timestamps)


class FilterOperator(_UdfOperator):
    method = "filter"

    def process_batch(self, values, timestamps, keys):
        f = self._call
        try:
            if timestamps is None:
                out = [record for record in values if f(record)]
                ts = None
            else:
                mask = [f(record) for record in values]
                out = list(compress(values, mask))
                ts = list(compress(timestamps, mask))
        except Exception as e:
            raise self.user_error(e, failing_record(e, values)) from e
        if out:
            self.output.collect(out, ts)


class FlatMapOperator(_UdfOperator):
    method = "flat_map"

    def process_batch(self, values, timestamps, keys):
        f = self._call
        try:
            results = [f(record) for record in values]
        except Exception as e:
            raise self.user_error(e, failing_record(e, values)) from e
        out, ts = _flatten(self, results, values, timestamps)
        if out:
            self.output.collect(out, ts)


class _KeyedUdfOperator(_UdfOperator):
    keyed = True

    def _apply(self, values: list, keys: list) -> list:
        backend = self.keyed_backend
        f = self._call
        out = []
        append = out.append
        try:
            for record, key in zip(values, keys):
                backend.current_key = key
                append(f(record))
        except Exception as e:
            raise self.user_error(e, failing_record(e, values)) from e
        return out


class KeyedMapOperator(_KeyedUdfOperator):
    method = "map"

    def process_batch(self, values, timestamps, keys):
        self.output.collect(self._apply(values, keys), timestamps)


class KeyedFilterOperator(_KeyedUdfOperator):
    method = "filter"

    def process_batch(self, values, timestamps, keys):
        mask = self._apply(values, keys)
        out = list(compress(values, mask))
        if out:
            self.output.collect(out, None if timestamps is None else list(compress(timestamps, mask)))


class KeyedFlatMapOperator(_KeyedUdfOperator):
    method = "flat_map"

    def process_batch(self, values, timestamps, keys):
        # Generators are drained while their key is current: a generator body that reads keyed
        # state must see its own key, not the batch's last one.
        backend = self.keyed_backend
        f = self._call
        out: list = []
        out_t: list | None = None if timestamps is None else []
        extend = out.extend
        record = None
        try:
            for i, record in enumerate(values):
                backend.current_key = keys[i]
                res = f(record)
                if res is not None:
                    before = len(out)
                    extend(res)
                    if out_t is not None:
                        out_t.extend([timestamps[i]] * (len(out) - before))
        except Exception as e:
            raise self.user_error(e, record) from e
        if out:
            self.output.collect(out, out_t)
