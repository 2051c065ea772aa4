"""Python user-defined functions for the Table API and SQL (PyFlink's ``pyflink.table.udf``):
``udf`` (scalar), ``udtf`` (table), ``udaf`` (aggregate) and the base classes.

PyFlink runs Python UDFs in a separate Python worker fed by the Java operators; flinklite's
operators are Python, so a UDF is called in-process, directly from the compiled expression
closure. ``open`` / ``close`` are called once per planned query use.
"""

from __future__ import annotations

import functools
import importlib
from abc import ABC
from collections.abc import Callable, Iterable
from typing import Any

from flinklite.errors import ValidationException

__all__ = ["FunctionContext", "AggregateFunction", "ScalarFunction", "TableFunction", "TableAggregateFunction",
           "AsyncScalarFunction", "udf", "udtf", "udaf", "udtaf"]


class FunctionContext:
    """Runtime information for ``UserDefinedFunction.open``."""

    def __init__(self, job_parameters: dict | None = None) -> None:
        self._params = job_parameters or {}

    def get_metric_group(self) -> Any:
        return None

    def get_job_parameter(self, key: str, default_value: str) -> str:
        return self._params.get(key, default_value)


class UserDefinedFunction(ABC):  # noqa: B024 - every hook is optional
    def open(self, function_context: FunctionContext) -> None:
        pass

    def close(self) -> None:
        pass

    def is_deterministic(self) -> bool:
        return True


class ScalarFunction(UserDefinedFunction):
    def eval(self, *args: Any) -> Any:
        raise NotImplementedError


class AsyncScalarFunction(UserDefinedFunction):
    def eval(self, *args: Any) -> Any:
        raise NotImplementedError


class TableFunction(UserDefinedFunction):
    def eval(self, *args: Any) -> Iterable:
        raise NotImplementedError


class AggregateFunction(UserDefinedFunction):
    def create_accumulator(self) -> Any:
        raise NotImplementedError

    def accumulate(self, accumulator: Any, *args: Any) -> None:
        raise NotImplementedError

    def retract(self, accumulator: Any, *args: Any) -> None:
        raise ValidationException(f"{type(self).__name__} has no retract(): it cannot consume a retraction "
                                  "changelog (implement retract)")

    def merge(self, accumulator: Any, accumulators: Iterable) -> None:
        raise ValidationException(f"{type(self).__name__} has no merge(): session windows need it")

    def get_value(self, accumulator: Any) -> Any:
        raise NotImplementedError

    def get_result_type(self) -> Any:
        return None

    def get_accumulator_type(self) -> Any:
        return None


class TableAggregateFunction(AggregateFunction):
    def emit_value(self, accumulator: Any) -> Iterable:
        raise NotImplementedError


def _type(t: Any) -> Any:
    if t is None:
        return None
    from flinklite.table.types import parse_type

    return parse_type(t)


class UserDefinedFunctionWrapper:
    def __init__(self, func: Any, input_types: Any, name: str | None) -> None:
        self._func = func
        self._input_types = input_types
        self._name = name or getattr(func, "__name__", type(func).__name__)
        self._opened = False

    def function(self) -> Any:
        if isinstance(self._func, type):
            self._func = self._func()
        if isinstance(self._func, UserDefinedFunction) and not self._opened:
            self._func.open(FunctionContext())
            self._opened = True
        return self._func

    def __call__(self, *args: Any) -> Any:
        from flinklite.table.expressions import call

        return call(self, *args)

    def alias(self, *alias_names: str) -> Any:
        self._aliases = alias_names
        return self


class UserDefinedScalarFunctionWrapper(UserDefinedFunctionWrapper):
    def __init__(self, func: Any, input_types: Any, result_type: Any, name: str | None) -> None:
        super().__init__(func, input_types, name)
        self.result_type = _type(result_type)

    def eval_fn(self) -> Callable:
        f = self.function()
        return f.eval if isinstance(f, UserDefinedFunction) else f


class UserDefinedTableFunctionWrapper(UserDefinedFunctionWrapper):
    def __init__(self, func: Any, input_types: Any, result_types: Any, name: str | None) -> None:
        super().__init__(func, input_types, name)
        if isinstance(result_types, (list, tuple)):
            self.result_types = [_type(t) for t in result_types]
        else:
            t = _type(result_types)
            self.result_types = [f.data_type for f in t.fields] if t is not None and t.fields else [t]
            self.result_names = [f.name for f in t.fields] if t is not None and t.fields else None

    def eval_fn(self) -> Callable:
        f = self.function()
        return f.eval if isinstance(f, UserDefinedFunction) else f


class UserDefinedAggregateFunctionWrapper(UserDefinedFunctionWrapper):
    def __init__(self, func: Any, input_types: Any, result_type: Any, accumulator_type: Any, name: str | None) -> None:
        super().__init__(func, input_types, name)
        f = self.function()
        self.result_type = _type(result_type if result_type is not None else f.get_result_type())
        self.accumulator_type = accumulator_type


def udf(f: Any = None, input_types: Any = None, result_type: Any = None, deterministic: bool | None = None,
        name: str | None = None, func_type: str = "general", udf_type: str | None = None) -> Any:
    if f is None:
        return functools.partial(udf, input_types=input_types, result_type=result_type, deterministic=deterministic,
                                 name=name, func_type=func_type)
    return UserDefinedScalarFunctionWrapper(f, input_types, result_type, name)


def udtf(f: Any = None, input_types: Any = None, result_types: Any = None, deterministic: bool | None = None,
         name: str | None = None) -> Any:
    if f is None:
        return functools.partial(udtf, input_types=input_types, result_types=result_types,
                                 deterministic=deterministic, name=name)
    return UserDefinedTableFunctionWrapper(f, input_types, result_types, name)


def udaf(f: Any = None, input_types: Any = None, result_type: Any = None, accumulator_type: Any = None,
         deterministic: bool | None = None, name: str | None = None, func_type: str = "general") -> Any:
    if func_type not in ("general", "pandas"):
        raise ValueError(f"The func_type must be one of 'general, pandas', got {func_type}.")
    if f is None:
        return functools.partial(udaf, input_types=input_types, result_type=result_type,
                                 accumulator_type=accumulator_type, deterministic=deterministic, name=name)
    return UserDefinedAggregateFunctionWrapper(f, input_types, result_type, accumulator_type, name)


def udtaf(f: Any = None, input_types: Any = None, result_type: Any = None, accumulator_type: Any = None,
          deterministic: bool | None = None, name: str | None = None, func_type: str = "general") -> Any:
    raise ValidationException("table aggregate functions (udtaf / flat_aggregate) are not supported by flinklite yet")


def _as_wrapper(function: Any) -> UserDefinedFunctionWrapper:
    """A registered function as a wrapper (plain Python callables become scalar functions)."""
    if isinstance(function, UserDefinedFunctionWrapper):
        return function
    cls = function if isinstance(function, type) else type(function)
    if issubclass(cls, AggregateFunction):
        return UserDefinedAggregateFunctionWrapper(function, None, None, None, None)
    if issubclass(cls, TableFunction):
        return UserDefinedTableFunctionWrapper(function, None, None, None)
    if callable(function):
        return UserDefinedScalarFunctionWrapper(function, None, None, None)
    raise ValidationException(f"{function!r} is not a user-defined function")


def load_function(path: str) -> UserDefinedFunctionWrapper:
    """``CREATE FUNCTION f AS 'module.name'`` (LANGUAGE PYTHON): import the named object."""
    module, _, attr = path.rpartition(".")
    if not module:
        raise ValidationException(f"CREATE FUNCTION needs a fully qualified Python name 'module.function', got "
                                  f"{path!r}")
    try:
        obj = getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError) as e:
        raise ValidationException(f"CREATE FUNCTION: cannot load {path!r}: {e}") from None
    return _as_wrapper(obj)
