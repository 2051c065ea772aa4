"""How state values become bytes in a checkpoint: msgpack, with extension types for the Python
values msgpack has no native form for.

Natively encoded: None, bool, int (64 bit), float, str, bytes, list, dict (any encodable keys).
Extension types keep the Python type on the way back: tuple, Row (names, values, kind),
set/frozenset, big ints, Decimal, date/time/datetime/timedelta, and flinklite's own classes (for
example a ``TimeWindow`` used as a namespace), rebuilt from their attributes.

Anything else (instances of user classes, ...) is **pickled only when allowed**: pickled bytes run
code when they are loaded, so a checkpoint directory becomes something to trust. Pickling is
allowed for a piece of state whose descriptor declares ``Types.PICKLED_BYTE_ARRAY()`` (the user
said so), or for the whole job with ``flinklite.state.allow-pickle: true``. Otherwise encoding
fails with :class:`StateSerializationError`, naming the state and the type, at the checkpoint.
"""

from __future__ import annotations

import datetime
import decimal
import importlib
import pickle
import struct
from typing import Any

import msgpack

from flinklite.errors import FlinkliteError

__all__ = ["encode", "decode", "StateSerializationError"]

_TUPLE, _ROW, _SET, _FROZENSET, _BIGINT, _DECIMAL, _DATETIME, _DATE, _TIME, _TIMEDELTA, _OBJECT, _PICKLE = range(1, 13)
_TIME_WINDOW = 13  # the namespace of every time-window state entry and timer: worth its own code


class StateSerializationError(FlinkliteError, TypeError):
    """A state value cannot be written to a checkpoint."""


def _default(allow_pickle: bool, what: str):
    def default(obj: Any) -> Any:
        t = type(obj)
        if t is tuple:
            return msgpack.ExtType(_TUPLE, _pack(list(obj), allow_pickle, what))
        if t is int:  # only reached when it does not fit in 64 bits
            return msgpack.ExtType(_BIGINT, str(obj).encode())
        if t is set or t is frozenset:
            return msgpack.ExtType(_SET if t is set else _FROZENSET, _pack(list(obj), allow_pickle, what))
        if t is decimal.Decimal:
            return msgpack.ExtType(_DECIMAL, str(obj).encode())
        if t is datetime.datetime:
            return msgpack.ExtType(_DATETIME, obj.isoformat().encode())
        if t is datetime.date:
            return msgpack.ExtType(_DATE, obj.isoformat().encode())
        if t is datetime.time:
            return msgpack.ExtType(_TIME, obj.isoformat().encode())
        if t is datetime.timedelta:
            return msgpack.ExtType(_TIMEDELTA, _pack([obj.days, obj.seconds, obj.microseconds], False, what))
        if t is _time_window_class():
            return msgpack.ExtType(_TIME_WINDOW, _TW_STRUCT.pack(obj.start, obj.end))
        module = getattr(t, "__module__", "")
        if module == "flinklite.common.types" and t.__name__ == "Row":
            names = obj._fields if hasattr(obj, "_fields") else None
            return msgpack.ExtType(_ROW, _pack([names, list(obj), obj.get_row_kind().value], allow_pickle, what))
        if module.startswith("flinklite."):
            return msgpack.ExtType(_OBJECT, _pack([module, t.__qualname__, _attributes(obj)], allow_pickle, what))
        if allow_pickle:
            try:
                return msgpack.ExtType(_PICKLE, pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL))
            except Exception as e:
                raise StateSerializationError(
                    f"{what} holds a value of type {t.__qualname__} that cannot be pickled either ({e}); "
                    "keep state in plain values or module-level classes"
                ) from e
        raise StateSerializationError(
            f"{what} holds a value of type {t.__module__}.{t.__qualname__} ({_short(obj)}), which flinklite "
            "cannot write to a checkpoint without pickling it. Keep state in plain values (numbers, "
            "strings, tuples, lists, dicts, Rows), declare the state's type as Types.PICKLED_BYTE_ARRAY() "
            "to allow pickling for it, or set 'flinklite.state.allow-pickle: true' for the job (a "
            "pickled checkpoint runs code when loaded: only restore checkpoints you trust)."
        )

    return default


_TW: list = []
_TW_STRUCT = struct.Struct(">qq")


def _time_window_class() -> type:
    if not _TW:
        from flinklite.datastream.window import TimeWindow

        _TW.append(TimeWindow)
    return _TW[0]


def _attributes(obj: Any) -> dict:
    # both kinds: a class with __slots__ whose base has none has a (usually empty) __dict__ too
    out = dict(getattr(obj, "__dict__", {}))
    for cls in type(obj).__mro__:
        slots = getattr(cls, "__slots__", ())
        for name in (slots,) if isinstance(slots, str) else slots:
            if name not in ("__dict__", "__weakref__") and hasattr(obj, name):
                out[name] = getattr(obj, name)
    return out


def _short(obj: Any) -> str:
    r = repr(obj)
    return r if len(r) <= 80 else r[:77] + "..."


def _pack(obj: Any, allow_pickle: bool, what: str) -> bytes:
    return msgpack.packb(obj, default=_default(allow_pickle, what), use_bin_type=True, strict_types=True)


def encode(obj: Any, allow_pickle: bool = False, what: str = "state") -> bytes:
    """``obj`` as bytes; ``what`` names it in error messages (e.g. "state 'count' of 'Map'")."""
    return _pack(obj, allow_pickle, what)


def _ext_hook(code: int, data: bytes) -> Any:
    if code == _TIME_WINDOW:
        return _time_window_class()(*_TW_STRUCT.unpack(data))
    if code == _TUPLE:
        return tuple(decode(data))
    if code == _ROW:
        from flinklite.common.types import Row, RowKind

        names, values, kind = decode(data)
        row = Row(**dict(zip(names, values))) if names else Row(*values)
        row.set_row_kind(RowKind(kind))
        return row
    if code == _SET:
        return set(decode(data))
    if code == _FROZENSET:
        return frozenset(decode(data))
    if code == _BIGINT:
        return int(data.decode())
    if code == _DECIMAL:
        return decimal.Decimal(data.decode())
    if code == _DATETIME:
        return datetime.datetime.fromisoformat(data.decode())
    if code == _DATE:
        return datetime.date.fromisoformat(data.decode())
    if code == _TIME:
        return datetime.time.fromisoformat(data.decode())
    if code == _TIMEDELTA:
        d, s, us = decode(data)
        return datetime.timedelta(days=d, seconds=s, microseconds=us)
    if code == _OBJECT:
        module, qualname, attrs = decode(data)
        if not module.startswith("flinklite."):
            raise StateSerializationError(f"refusing to rebuild {module}.{qualname}: not a flinklite class")
        cls: Any = importlib.import_module(module)
        for part in qualname.split("."):
            cls = getattr(cls, part)
        obj = object.__new__(cls)
        for k, v in attrs.items():
            object.__setattr__(obj, k, v)
        return obj
    if code == _PICKLE:
        return pickle.loads(data)
    return msgpack.ExtType(code, data)


def decode(data: bytes) -> Any:
    return msgpack.unpackb(data, ext_hook=_ext_hook, raw=False, strict_map_key=False, use_list=True)
