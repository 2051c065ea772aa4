"""Key order of BATCH execution (Flink's sorted keyed inputs, ``SortingDataInput``).

In BATCH mode the records of a keyed input are sorted by key before the operator sees them, and
Flink sorts by the *serialized* key: first by serialized length, then byte by byte as signed Java
bytes. What that means for a Python program depends on the declared key type (checked against
PyFlink 2.3):

* integer key types: numeric order;
* ``Types.STRING()``: shorter strings first, then by Flink's ``StringValue`` encoding as signed
  bytes (so ASCII in code-point order, and a non-ASCII character sorts *before* ASCII);
* no key type (pickled keys, PyFlink's default): by ``(len(pickle), signed pickle bytes)``, with
  ``None`` last.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable
from typing import Any

__all__ = ["batch_key_order"]


def _signed(data: bytes) -> list[int]:
    return [b - 256 if b > 127 else b for b in data]


def _string_value_bytes(s: str) -> list[int]:
    out = []
    for ch in s.encode("utf-16-be").decode("utf-16-be"):
        c = ord(ch)
        while c >= 0x80:
            out.append((c | 0x80) & 0xFF)
            c >>= 7
        out.append(c)
    return _signed(bytes(out))


def _pickled(key: Any) -> tuple:
    if key is None:
        return (1, 0, [])
    data = pickle.dumps(key, protocol=4)
    return (0, len(data), _signed(data))


def batch_key_order(key_type: Any) -> Callable[[Any], Any]:
    """A sort key function giving Flink's BATCH key order for keys of ``key_type``."""
    if key_type is not None:
        from flinklite.common import typeinfo as ti

        if isinstance(key_type, ti.BasicTypeInfo) and key_type._is_numeric():
            return lambda k: (k is None, k if k is not None else 0)
        if key_type == ti.Types.STRING():
            return lambda k: (k is None, len(k) if k is not None else 0, _string_value_bytes(k or ""))
    return _pickled
