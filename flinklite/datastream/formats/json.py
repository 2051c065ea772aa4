# ruff: noqa: E501
"""JSON rows (PyFlink's ``pyflink.datastream.formats.json``): ``JsonRowSerializationSchema`` turns
a ``Row`` into one JSON object (its field names as keys) and ``JsonRowDeserializationSchema`` turns
one JSON object back into a ``Row`` of the given row type. Read JSON-lines files with
``StreamFormat.for_deserialization_schema(JsonRowDeserializationSchema...)`` (a flinklite
extension) or ``text_line_format()`` plus a map.

How flinklite differs: ``json_schema(...)`` (a JSON-schema string instead of a type) is not
supported and raises :class:`~flinklite.errors.UnsupportedFeature`.
"""

from __future__ import annotations

import datetime
import decimal
import json
from typing import Any

from flinklite.common.serialization import DeserializationSchema, SerializationSchema
from flinklite.common.types import Row
from flinklite.datastream.formats._typed_text import from_text, kind_of
from flinklite.errors import InvalidProgramException, UnsupportedFeature

__all__ = ["JsonRowDeserializationSchema", "JsonRowSerializationSchema"]


def _row_type(type_info: Any, who: str) -> Any:
    from flinklite.common.typeinfo import RowTypeInfo

    if not isinstance(type_info, RowTypeInfo):
        raise InvalidProgramException(f"{who} needs a row type (Types.ROW_NAMED([...], [...])), got {type_info!r}")
    return type_info


def _from_json(value: Any, t: Any, where: str) -> Any:
    if value is None:
        return None
    kind = kind_of(t)
    if kind == "row":
        if not isinstance(value, dict):
            raise ValueError(f"{where}: expected a JSON object, got {value!r}")
        names, types = t.get_field_names(), t.get_field_types()
        return Row(*names)(*[_from_json(value.get(n), ft, f"{where}.{n}") for n, ft in zip(names, types, strict=True)])
    if kind == "list":
        elem = getattr(t, "elem_type", None) or getattr(t, "_element_type", None)
        return [_from_json(v, elem, where) for v in value]
    if kind == "bool":
        if not isinstance(value, bool):
            raise ValueError(f"{where}: expected a boolean, got {value!r}")
        return value
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            raise ValueError(f"{where}: expected an integer, got {value!r}")
        return int(value)
    if kind == "float":
        return float(value)
    if kind in ("str", "any"):
        return value if kind == "any" or isinstance(value, str) else json.dumps(value)
    return from_text(str(value), kind)


def _to_json(value: Any) -> Any:
    if isinstance(value, Row):
        names = value._fields or [f"f{i}" for i in range(len(value))]
        return {n: _to_json(v) for n, v in zip(names, value, strict=True)}
    if isinstance(value, (list, tuple)):
        return [_to_json(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _to_json(v) for k, v in value.items()}
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray)):
        import base64

        return base64.b64encode(value).decode("ascii")
    return value


class JsonRowDeserializationSchema(DeserializationSchema):
    """One JSON object (bytes) -> one ``Row``; missing fields are ``None`` unless
    ``fail_on_missing_field`` was set."""

    def __init__(self, type_info: Any, fail_on_missing: bool, ignore_errors: bool) -> None:
        self.type_info = type_info
        self._fail_on_missing = fail_on_missing
        self._ignore = ignore_errors

    @staticmethod
    def builder() -> JsonRowDeserializationSchema.Builder:
        return JsonRowDeserializationSchema.Builder()

    def deserialize(self, message: bytes) -> Row | None:
        try:
            obj = json.loads(bytes(message).decode("utf-8"))
            if not isinstance(obj, dict):
                raise ValueError(f"expected a JSON object, got {obj!r}")
            if self._fail_on_missing:
                missing = [n for n in self.type_info.get_field_names() if n not in obj]
                if missing:
                    raise ValueError(f"field(s) {missing} missing")
            return _from_json(obj, self.type_info, "$")
        except ValueError as e:
            if self._ignore:
                return None
            raise InvalidProgramException(
                f"JsonRowDeserializationSchema: cannot read {bytes(message)[:200]!r}: {e} "
                "(set ignore_parse_errors() to skip bad messages)") from None

    def get_produced_type(self) -> Any:
        return self.type_info

    class Builder:
        def __init__(self) -> None:
            self._t: Any = None
            self._fail = False
            self._ignore = False

        def type_info(self, type_info: Any) -> JsonRowDeserializationSchema.Builder:
            self._t = _row_type(type_info, "JsonRowDeserializationSchema")
            return self

        def json_schema(self, json_schema: str) -> JsonRowDeserializationSchema.Builder:
            raise UnsupportedFeature(
                "JsonRowDeserializationSchema.json_schema is not supported by flinklite; give the row type "
                "with .type_info(Types.ROW_NAMED([...], [...]))")

        def fail_on_missing_field(self) -> JsonRowDeserializationSchema.Builder:
            self._fail = True
            return self

        def ignore_parse_errors(self) -> JsonRowDeserializationSchema.Builder:
            self._ignore = True
            return self

        def build(self) -> JsonRowDeserializationSchema:
            if self._t is None:
                raise InvalidProgramException("JsonRowDeserializationSchema: set .type_info(...) before build()")
            if self._fail and self._ignore:
                raise InvalidProgramException(
                    "JsonRowDeserializationSchema: fail_on_missing_field and ignore_parse_errors exclude each other")
            return JsonRowDeserializationSchema(self._t, self._fail, self._ignore)


class JsonRowSerializationSchema(SerializationSchema):
    """One ``Row`` -> one JSON object (bytes, UTF-8, no trailing newline)."""

    def __init__(self, type_info: Any) -> None:
        self.type_info = type_info
        self._names = list(type_info.get_field_names())

    @staticmethod
    def builder() -> JsonRowSerializationSchema.Builder:
        return JsonRowSerializationSchema.Builder()

    def serialize(self, element: Any) -> bytes:
        if not isinstance(element, Row) or len(element) != len(self._names):
            raise InvalidProgramException(
                f"JsonRowSerializationSchema: expected a Row of {len(self._names)} fields {self._names}, got {element!r}")
        obj = {n: _to_json(v) for n, v in zip(self._names, element, strict=True)}
        return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8")

    class Builder:
        def __init__(self) -> None:
            self._t: Any = None

        def with_type_info(self, type_info: Any) -> JsonRowSerializationSchema.Builder:
            self._t = _row_type(type_info, "JsonRowSerializationSchema")
            return self

        def build(self) -> JsonRowSerializationSchema:
            if self._t is None:
                raise InvalidProgramException("JsonRowSerializationSchema: set .with_type_info(...) before build()")
            return JsonRowSerializationSchema(self._t)
