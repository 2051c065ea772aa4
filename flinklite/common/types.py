"""``Row`` and ``RowKind``: flinklite's version of ``pyflink.common.types``.

Flink represents a record of the Table API, and any record typed with
``Types.ROW``/``Types.ROW_NAMED`` in the DataStream API, as a *row*: an ordered
list of field values, optionally with field names, plus a *row kind* that tells
whether the row is an insertion, a retraction or an update half of a changelog.

This module reproduces PyFlink 2.3's observable behaviour, including its quirks,
because user programs depend on them:

* ``repr`` (and ``str``, which is the same) is ``Row(a=1, b='x')`` for a row
  with field names and ``<Row(1, 'x')>`` for one without; the row kind is never
  printed.
* A row only ever equals another ``Row`` of the same class: ``Row(1, 2) !=
  (1, 2)``. Two rows with field names are equal when they have the same set of
  names, the same value per name (field order does not matter) and the same
  row kind. A named row never equals an unnamed one.
* The hash is the hash of the tuple of values, in field order.
* Rows are not orderable (``<`` raises ``TypeError``).
* ``Row('a', 'b')`` is a row whose *values* are the strings; calling it builds
  a row that uses those strings as field names.

Where flinklite differs: ``Row`` uses ``__slots__`` (rows sit on every hot
path), so it has no instance ``__dict__``; and ``RowKind`` has two extra
methods taken from Java's ``RowKind`` (``short_string`` and ``to_byte_value``)
that PyFlink's Python class does not have. There is no Java gateway, so
``RowKind.to_j_row_kind`` does not exist.
"""

from __future__ import annotations

from collections.abc import Iterator
from enum import Enum
from typing import Any

__all__ = ["Row", "RowKind"]


class RowKind(Enum):
    """The changelog role of a row. ``str()`` gives the short form (``+I`` ...)."""

    INSERT = 0
    UPDATE_BEFORE = 1
    UPDATE_AFTER = 2
    DELETE = 3

    def __str__(self) -> str:
        return _SHORT_STRINGS[self.value]

    def short_string(self) -> str:
        """flinklite extra (Java API): ``+I``, ``-U``, ``+U`` or ``-D``."""
        return _SHORT_STRINGS[self.value]

    def to_byte_value(self) -> int:
        """flinklite extra (Java API): the stable byte used when serializing the kind."""
        return self.value


_SHORT_STRINGS = ("+I", "-U", "+U", "-D")
# Looked up on every row construction; fetching the member once avoids the
# Enum attribute machinery on the hot path.
_INSERT = RowKind.INSERT


def _create_row(fields: list[str] | None, values: Any, row_kind: RowKind | None = None) -> Row:
    """Build a row from parts; also the pickle reconstructor, so keep its signature stable."""
    row = Row.__new__(Row)
    row._values = list(values)
    row._fields = fields
    row._from_dict = False
    row._row_kind = _INSERT if row_kind is None else row_kind
    return row


class Row:
    """A record: positional values, optional field names and a row kind.

    Build it positionally (``Row(1, 'a')``), by keyword (``Row(name='a', age=1)``,
    keeping the keyword order), or as a row "class" (``Person = Row('name',
    'age'); Person('a', 1)``). Fields can be read as ``row[0]``, ``row['name']``
    or ``row.name``, and written with ``row[0] = v`` / ``row['name'] = v``.
    """

    # _fields is None for a row without names; PyFlink leaves the attribute
    # unset instead, which is observable only through hasattr on a private name.
    __slots__ = ("_values", "_fields", "_from_dict", "_row_kind", "__weakref__")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if kwargs:
            if args:
                raise ValueError("Can not use both args and kwargs to create Row")
            names = list(kwargs)
            self._fields = names
            self._values = list(kwargs.values())
            self._from_dict = True
        else:
            self._fields = None
            self._values = list(args)
            self._from_dict = False
        self._row_kind = _INSERT

    # ------------------------------------------------------------ public API
    def as_dict(self, recursive: bool = False) -> dict[str, Any]:
        """The row as ``{name: value}``; nested rows (also inside lists and dicts) too if ``recursive``."""
        if self._fields is None:
            raise TypeError("Cannot convert a Row class into dict")
        if recursive:
            return dict(zip(self._fields, (_to_plain(v) for v in self._values), strict=False))
        return dict(zip(self._fields, self._values, strict=False))

    def get_row_kind(self) -> RowKind:
        return self._row_kind

    def set_row_kind(self, row_kind: RowKind) -> None:
        self._row_kind = row_kind

    def set_field_names(self, field_names: list[str] | None) -> None:
        self._fields = field_names

    def get_fields_by_names(self, names: list[str]) -> list[Any]:
        """The values for ``names`` in that order.

        A row without names (or whose names equal ``names``) returns its own value
        list, not a copy, as PyFlink does. Unknown names raise ``Exception``.
        """
        fields = self._fields
        if fields is None or names == fields:
            return self._values
        missing = list(set(names).difference(fields))
        if missing:
            # PyFlink raises a bare Exception with this text; keep both.
            raise Exception(f"Field names {missing} not exist in {fields}.")
        values = self._values
        return [values[fields.index(name)] for name in names]

    @staticmethod
    def of_kind(row_kind: RowKind, *args: Any, **kwargs: Any) -> Row:
        row = Row(*args, **kwargs)
        row._row_kind = row_kind
        return row

    def _is_retract_msg(self) -> bool:
        return self._row_kind is RowKind.UPDATE_BEFORE or self._row_kind is RowKind.DELETE

    def _is_accumulate_msg(self) -> bool:
        return self._row_kind is RowKind.UPDATE_AFTER or self._row_kind is _INSERT

    # ------------------------------------------------------- row "class" use
    def __call__(self, *args: Any) -> Row:
        # Fewer values than names is accepted (the row is then shorter), as in PyFlink.
        if len(args) > len(self._values):
            raise ValueError(
                f"Can not create Row with fields {self}, expected {len(self._values)} values but got {args}"
            )
        # The new row shares this row's value list as its names, like PyFlink.
        return _create_row(self._values, args, self._row_kind)

    # -------------------------------------------------------------- access
    def __getitem__(self, item: Any) -> Any:
        if isinstance(item, (int, slice)):
            return self._values[item]
        fields = self._fields
        if fields is None:
            raise AttributeError("_fields")
        try:
            return self._values[fields.index(item)]
        except ValueError:
            raise ValueError(item) from None
        except IndexError:
            raise KeyError(item) from None

    def __setitem__(self, key: Any, value: Any) -> None:
        if isinstance(key, (int, slice)):
            self._values[key] = value
            return
        fields = self._fields
        if fields is None:
            raise KeyError(key)
        try:
            self._values[fields.index(key)] = value
        except ValueError:
            raise ValueError(value) from None
        except IndexError:
            raise KeyError(key) from None

    def __getattr__(self, item: str) -> Any:
        # Only reached when normal lookup fails, i.e. for field names.
        if item.startswith("_"):
            raise AttributeError(item)
        fields = self._fields
        if fields is None:
            raise AttributeError("_fields")
        try:
            return self._values[fields.index(item)]
        except (ValueError, IndexError):
            raise AttributeError(item) from None

    def __contains__(self, item: Any) -> bool:
        if self._fields is not None:
            return item in self._fields
        return item in self._values

    def __iter__(self) -> Iterator[Any]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    # ------------------------------------------------------ comparison/hash
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Row) or self.__class__ is not other.__class__:
            return False
        if self._row_kind is not other._row_kind:
            return False
        fields, other_fields = self._fields, other._fields
        if fields is None or other_fields is None:
            return fields is None and other_fields is None and self._values == other._values
        if fields == other_fields:
            return self._values == other._values
        # Same names in another order still compare equal (by name).
        names = sorted(fields)
        if names != sorted(other_fields):
            return False
        values, other_values = self._values, other._values
        return [values[fields.index(n)] for n in names] == [
            other_values[other_fields.index(n)] for n in names
        ]

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        return hash(tuple(self._values))

    # ------------------------------------------------------------- display
    def __repr__(self) -> str:
        if self._fields is not None:
            body = ", ".join(f"{k}={v!r}" for k, v in zip(self._fields, self._values, strict=False))
            return f"Row({body})"
        return "<Row({})>".format(", ".join(repr(v) for v in self._values))

    __str__ = __repr__

    # ------------------------------------------------------------- pickling
    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        return _create_row, (self._fields, tuple(self._values), self._row_kind)

    def __copy__(self) -> Row:
        return _create_row(self._fields, self._values, self._row_kind)


def _to_plain(obj: Any) -> Any:
    """Recursive helper for ``as_dict(True)``: rows become dicts inside lists and dicts too."""
    if isinstance(obj, Row):
        return obj.as_dict(True)
    if isinstance(obj, list):
        return [_to_plain(o) for o in obj]
    if isinstance(obj, dict):
        return {k: _to_plain(v) for k, v in obj.items()}
    return obj
