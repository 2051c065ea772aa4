"""Checkers specialised per TypeInformation: a batch of records converted in one call.

Flink picks a serializer per type once, when the job graph is built, and never looks at the type
again per record. flinklite has no serializer, but it converts records as PyFlink's round trip
would (``TypeInformation._coerce``), at exchanges, print/collect sinks and ``from_collection``.
Doing that record by record through the type objects' methods costs several Python calls per
record and per field; this module builds, once per type object, a function for a whole batch:

* an *accept expression*, Python source that is true exactly when a record already has the
  shape the conversion would give it (``type(v) is tuple and len(v) == 2 and type(v[0]) is str
  and type(v[1]) is int and -2147483648 <= v[1] <= 2147483647``), generated from the type tree
  and compiled once;
* a batch function that runs that expression inline over the batch (for a ``Types.TUPLE`` the
  record is unpacked into locals first, so each field is read once) and returns the batch
  itself when every record passes (the common case: the program produces what it declared),
  and otherwise converts record by record with the type's own ``_coerce`` (which converts, or
  raises the usual error naming the type, the field and the value).

Types whose conversion always changes the value (``FLOAT`` rounds to 32 bits, ``ROW`` builds a
named ``Row``, dates, arrays, ...) have no accept expression; their batches take the per-record
path, unchanged in behaviour. The functions live on the type object (``_batch_cache``), which
``TypeInformation.__getstate__`` leaves out of pickles and deep copies.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["accept_expr", "batch_coercer", "batch_collection_coercer", "immutable_in_shape"]

_BATCH_SOURCE = """
def convert(values):
    for v in values:
        if not ({expr}):
            break
    else:
        return values
    return [v if ({expr}) else slow(v) for v in values]
"""


def accept_expr(type_info: Any, var: str, env: dict[str, Any]) -> str | None:
    """Source of an expression over the variable ``var`` that is True only when a non-null value
    passes ``type_info._coerce_nonnull`` unchanged (and ``_coerce_from_collection`` too); None
    when no such cheap test exists. Names the expression needs are added to ``env``."""
    from flinklite.common import typeinfo as ti

    cls = type(type_info)
    if cls is ti.PickledBytesTypeInfo:
        return "True"
    if cls is ti.ExternalTypeInfo:
        return accept_expr(type_info._type_info, var, env)
    if cls is ti.BasicTypeInfo:
        exact = ti._EXACT_CLASSES.get(type_info._basic_type)
        if exact is None or exact is type(None):
            return None
        name = f"c_{exact.__name__}"
        env[name] = exact
        expr = f"type({var}) is {name}"
        if exact is int and type_info._basic_type is not ti.BasicType.BIG_INT:
            expr += f" and {type_info._low} <= {var} <= {type_info._high}"
        return expr
    if cls is ti.TupleTypeInfo:
        types = type_info._field_types
        parts = [f"type({var}) is tuple", f"len({var}) == {len(types)}"]
        for i, t in enumerate(types):
            field = accept_expr(t, f"{var}[{i}]", env)
            if field is None:
                return None
            if field != "True":
                parts.append(f"({field})")
        return " and ".join(parts)
    return None


# For a top-level tuple type the loop unpacks each record into locals (a wrong arity raises
# ValueError, which means "not in shape") instead of indexing it once per test.
_TUPLE_BATCH_SOURCE = """
def convert(values):
    try:
        for v in values:
            if type(v) is tuple:
                {names}, = v
                if {fields}:
                    continue
            elif v is None:
                continue
            break
        else:
            return values
    except ValueError:
        pass
    return [v if ({expr}) else slow(v) for v in values]
"""


def _tuple_source(type_info: Any, expr: str, env: dict[str, Any]) -> str | None:
    from flinklite.common import typeinfo as ti

    if type(type_info) is not ti.TupleTypeInfo or not type_info._field_types:
        return None
    names = [f"f{i}" for i in range(len(type_info._field_types))]
    fields = [accept_expr(t, n, env) for t, n in zip(type_info._field_types, names, strict=True)]
    tests = " and ".join(f"({f})" for f in fields if f != "True") or "True"
    return _TUPLE_BATCH_SOURCE.format(names=", ".join(names), fields=tests, expr=f"v is None or ({expr})")


def _build(type_info: Any, slow: Callable[[Any], Any]) -> Callable[[list], list]:
    env: dict[str, Any] = {"slow": slow}
    expr = accept_expr(type_info, "v", env)
    if expr is None:
        return lambda values: [slow(v) for v in values]
    if expr == "True":
        return lambda values: values
    # A top-level null passes every boundary unchanged.
    code = _tuple_source(type_info, expr, env) or _BATCH_SOURCE.format(expr=f"v is None or ({expr})")
    exec(compile(code, f"<flinklite checker for {type_info!r}>", "exec"), env)  # noqa: S102 - built above from type objects only
    return env["convert"]


def _cached(type_info: Any, kind: str, slow: Callable[[Any], Any]) -> Callable[[list], list]:
    cache = type_info.__dict__.get("_batch_cache")
    if cache is None:
        cache = type_info.__dict__["_batch_cache"] = {}
    fn = cache.get(kind)
    if fn is None:
        fn = cache[kind] = _build(type_info, slow)
    return fn


def batch_coercer(type_info: Any) -> Callable[[list], list]:
    """``convert(values) -> values`` as they would look after crossing a boundary typed
    ``type_info`` (each record as ``type_info._coerce`` returns it); raises its TypeError."""
    return _cached(type_info, "boundary", type_info._coerce)


def batch_collection_coercer(type_info: Any) -> Callable[[list], list]:
    """Like :func:`batch_coercer` for the elements of ``from_collection(data, type_info=...)``."""
    slow = getattr(type_info, "_coerce_from_collection", None) or type_info._coerce
    return _cached(type_info, "collection", slow)


def immutable_in_shape(type_info: Any) -> bool:
    """Whether converted values of ``type_info`` are immutable and pass a second conversion
    unchanged (tuples and basic types with an accept expression), so a record converted once
    may skip a later boundary's check without anyone seeing the difference."""
    return type(type_info).__name__ != "PickledBytesTypeInfo" and accept_expr(type_info, "v", {}) is not None
