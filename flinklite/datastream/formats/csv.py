# ruff: noqa: E501
"""CSV (PyFlink's ``pyflink.datastream.formats.csv``): ``CsvSchema`` describes the columns,
``CsvReaderFormat`` reads CSV files in a ``FileSource`` (one ``Row`` per line, named after the
columns), and ``CsvRowSerializationSchema`` / ``CsvRowDeserializationSchema`` turn rows into CSV
messages and back.

How flinklite differs: Flink parses with Jackson; flinklite with Python's :mod:`csv` module using
the same separators, quote and escape characters. A record must fit on one line (quoted line
breaks are not supported). Empty fields of non-string columns are ``None``, as in Flink.
``CsvBulkWriters`` (Java bulk writers) raise :class:`~flinklite.errors.UnsupportedFeature`.
"""

from __future__ import annotations

import csv as _csv
import io
from collections.abc import Iterator
from typing import Any

from flinklite.common.serialization import DeserializationSchema, SerializationSchema
from flinklite.common.types import Row
from flinklite.datastream.connectors.file_source import StreamFormat
from flinklite.datastream.formats._typed_text import from_text, kind_of, to_text
from flinklite.errors import InvalidProgramException, UnsupportedFeature

__all__ = [
    "CsvBulkWriters", "CsvReaderFormat", "CsvRowDeserializationSchema", "CsvRowSerializationSchema", "CsvSchema",
    "CsvSchemaBuilder",
]


def _char(c: Any, what: str) -> str:
    if not isinstance(c, str) or len(c) != 1:
        raise InvalidProgramException(f"CSV: the {what} must be a single character, got {c!r}")
    return c


class CsvSchema:
    """The columns of a CSV file and how it is written; build with :meth:`builder`."""

    def __init__(self, columns: list[tuple[str, str, Any, str]], options: dict[str, Any]) -> None:
        self.columns = columns  # (name, kind, element kind for arrays, array separator)
        self.options = options

    @staticmethod
    def builder() -> CsvSchemaBuilder:
        return CsvSchemaBuilder()

    def size(self) -> int:
        return len(self.columns)

    def __len__(self) -> int:
        return len(self.columns)

    def __str__(self) -> str:
        return "CsvSchema(" + ", ".join(f"{n}:{k}" for n, k, _, _ in self.columns) + ")"


class CsvSchemaBuilder:
    def __init__(self) -> None:
        self._columns: list[tuple[str, str, Any, str]] = []
        self._opts: dict[str, Any] = {"sep": ",", "quote": '"', "escape": None, "null": None, "header": False,
                                      "skip_first": False, "comments": False, "line_sep": "\n"}

    def build(self) -> CsvSchema:
        return CsvSchema(list(self._columns), dict(self._opts))

    def add_array_column(self, name: str, separator: str = ";", element_type: Any = None) -> CsvSchemaBuilder:
        self._columns.append((name, "list", kind_of(element_type), separator))
        return self

    def add_boolean_column(self, name: str) -> CsvSchemaBuilder:
        self._columns.append((name, "bool", None, ""))
        return self

    def add_number_column(self, name: str, number_type: Any = None) -> CsvSchemaBuilder:
        kind = "int" if number_type is None else kind_of(number_type)
        if kind not in ("int", "float", "decimal"):
            raise InvalidProgramException(f"add_number_column({name!r}): {number_type!r} is not a numeric type")
        self._columns.append((name, kind, None, ""))
        return self

    def add_string_column(self, name: str) -> CsvSchemaBuilder:
        self._columns.append((name, "str", None, ""))
        return self

    def add_columns_from(self, schema: CsvSchema) -> CsvSchemaBuilder:
        self._columns.extend(schema.columns)
        return self

    def clear_columns(self) -> CsvSchemaBuilder:
        self._columns.clear()
        return self

    def set_allow_comments(self, allow: bool = True) -> CsvSchemaBuilder:
        self._opts["comments"] = allow
        return self

    def set_any_property_name(self, name: str) -> CsvSchemaBuilder:
        raise UnsupportedFeature("CsvSchemaBuilder.set_any_property_name is not supported by flinklite; "
                                 "declare every column with add_*_column")

    def disable_array_element_separator(self) -> CsvSchemaBuilder:
        self._columns = [(n, k, e, "") for n, k, e, _ in self._columns]
        return self

    def remove_array_element_separator(self, index: int) -> CsvSchemaBuilder:
        n, k, e, _ = self._columns[index]
        self._columns[index] = (n, k, e, "")
        return self

    def set_array_element_separator(self, separator: str) -> CsvSchemaBuilder:
        self._columns = [(n, k, e, separator if k == "list" else s) for n, k, e, s in self._columns]
        return self

    def set_column_separator(self, char: str) -> CsvSchemaBuilder:
        self._opts["sep"] = _char(char, "column separator")
        return self

    def disable_escape_char(self) -> CsvSchemaBuilder:
        self._opts["escape"] = None
        return self

    def set_escape_char(self, char: str) -> CsvSchemaBuilder:
        self._opts["escape"] = _char(char, "escape character")
        return self

    def set_line_separator(self, separator: str) -> CsvSchemaBuilder:
        if separator not in ("\n", "\r\n", "\r"):
            raise UnsupportedFeature(f"CSV: line separator {separator!r}: flinklite reads lines ending in \\n or \\r\\n")
        self._opts["line_sep"] = separator
        return self

    def set_null_value(self, null_value: str) -> CsvSchemaBuilder:
        self._opts["null"] = null_value
        return self

    def disable_quote_char(self) -> CsvSchemaBuilder:
        self._opts["quote"] = None
        return self

    def set_quote_char(self, char: str) -> CsvSchemaBuilder:
        self._opts["quote"] = _char(char, "quote character")
        return self

    def set_skip_first_data_row(self, skip: bool = True) -> CsvSchemaBuilder:
        self._opts["skip_first"] = skip
        return self

    def set_strict_headers(self, strict: bool = True) -> CsvSchemaBuilder:
        self._opts["strict"] = strict
        return self

    def set_use_header(self, use: bool = True) -> CsvSchemaBuilder:
        self._opts["header"] = use
        return self

    def size(self) -> int:
        return len(self._columns)

    def __len__(self) -> int:
        return len(self._columns)


def _dialect(sep: str, quote: str | None, escape: str | None) -> dict[str, Any]:
    d: dict[str, Any] = {"delimiter": sep, "escapechar": escape, "strict": False}
    if quote is None:
        d["quoting"] = _csv.QUOTE_NONE
    else:
        d["quotechar"] = quote
        d["quoting"] = _csv.QUOTE_MINIMAL
    return d


def _parse_fields(line: str, dialect: dict[str, Any]) -> list[str]:
    rows = list(_csv.reader([line], **dialect))
    return rows[0] if rows else []


def _convert(fields: list[str], columns: list[tuple[str, str, Any, str]], null: str | None, where: str) -> Row:
    if len(fields) != len(columns):
        raise InvalidProgramException(
            f"CSV {where}: expected {len(columns)} columns ({', '.join(c[0] for c in columns)}), got "
            f"{len(fields)}: {fields!r}")
    values = []
    for text, (name, kind, elem, asep) in zip(fields, columns, strict=True):
        try:
            if null is not None and text == null:
                values.append(None)
            elif kind == "list":
                parts = text.split(asep) if asep else [text]
                values.append([None if p == "" and elem != "str" else from_text(p, elem) for p in parts] if text else [])
            elif text == "" and kind != "str":
                values.append(None)
            else:
                values.append(from_text(text, kind))
        except ValueError as e:
            raise InvalidProgramException(f"CSV {where}: column {name!r}: {e}") from None
    return Row(*[c[0] for c in columns])(*values)


class CsvReaderFormat(StreamFormat):
    """Reads CSV files as ``Row`` s with the schema's column names (``FileSource`` format)."""

    def __init__(self, schema: CsvSchema) -> None:
        if not isinstance(schema, CsvSchema):
            raise InvalidProgramException(f"CsvReaderFormat needs a CsvSchema (CsvSchema.builder()...build()), got {schema!r}")
        self.schema = schema

    @staticmethod
    def for_schema(schema: CsvSchema) -> CsvReaderFormat:
        return CsvReaderFormat(schema)

    def _produced_type(self) -> Any:
        return None

    def _records(self, stream: Any, offset: int) -> Iterator[tuple[Any, int]]:
        o = self.schema.options
        dialect = _dialect(o["sep"], o["quote"], o["escape"])
        skip = (1 if o["header"] else 0) + (1 if o["skip_first"] else 0)
        pos = offset
        line_no = 0
        for raw in iter(stream.readline, b""):
            start, pos = pos, pos + len(raw)
            line_no += 1
            if start == 0 and line_no <= skip:
                continue
            text = raw.decode("utf-8").rstrip("\r\n")
            if not text or (o["comments"] and text.startswith("#")):
                continue
            yield _convert(_parse_fields(text, dialect), self.schema.columns, o["null"], f"line at byte {start}"), pos

    def __repr__(self) -> str:
        return f"CsvReaderFormat.for_schema({self.schema})"


class CsvBulkWriters:
    """Flink's CSV bulk writers for ``FileSink.for_bulk_format`` (Java-only)."""

    @staticmethod
    def for_schema(schema: CsvSchema) -> Any:
        raise UnsupportedFeature(
            "CsvBulkWriters is a Java bulk writer; write CSV with FileSink.for_row_format and "
            "stream.map(lambda r: CsvRowSerializationSchema...serialize(r).decode()) or a str per row")


def _row_fields(type_info: Any) -> tuple[list[str], list[str]]:
    from flinklite.common.typeinfo import RowTypeInfo

    if not isinstance(type_info, RowTypeInfo):
        raise InvalidProgramException(
            f"CSV row schemas need a row type (Types.ROW_NAMED([...], [...])), got {type_info!r}")
    return list(type_info.get_field_names()), [kind_of(t) for t in type_info.get_field_types()]


class CsvRowDeserializationSchema(DeserializationSchema):
    """One CSV message (bytes) -> one ``Row`` of the given row type."""

    def __init__(self, type_info: Any, sep: str, quote: str | None, escape: str | None, array_sep: str,
                 null: str | None, ignore_errors: bool, comments: bool) -> None:
        self.type_info = type_info
        names, kinds = _row_fields(type_info)
        self._columns = [(n, k, "str", array_sep) for n, k in zip(names, kinds, strict=True)]
        self._dialect = _dialect(sep, quote, escape)
        self._null = null
        self._ignore = ignore_errors
        self._comments = comments

    def deserialize(self, message: bytes) -> Row | None:
        text = bytes(message).decode("utf-8").rstrip("\r\n")
        if self._comments and text.startswith("#"):
            return None
        try:
            return _convert(_parse_fields(text, self._dialect), self._columns, self._null, f"message {text!r}")
        except InvalidProgramException:
            if self._ignore:
                return None
            raise

    def get_produced_type(self) -> Any:
        return self.type_info

    class Builder:
        def __init__(self, type_info: Any) -> None:
            _row_fields(type_info)
            self._t = type_info
            self._o: dict[str, Any] = {"sep": ",", "quote": '"', "escape": None, "array_sep": ";", "null": None,
                                       "ignore_errors": False, "comments": False}

        def set_field_delimiter(self, delimiter: str) -> CsvRowDeserializationSchema.Builder:
            self._o["sep"] = _char(delimiter, "field delimiter")
            return self

        def set_allow_comments(self, allow_comments: bool) -> CsvRowDeserializationSchema.Builder:
            self._o["comments"] = allow_comments
            return self

        def set_array_element_delimiter(self, delimiter: str) -> CsvRowDeserializationSchema.Builder:
            self._o["array_sep"] = delimiter
            return self

        def set_quote_character(self, c: str) -> CsvRowDeserializationSchema.Builder:
            self._o["quote"] = _char(c, "quote character")
            return self

        def set_escape_character(self, c: str) -> CsvRowDeserializationSchema.Builder:
            self._o["escape"] = _char(c, "escape character")
            return self

        def set_null_literal(self, null_literal: str) -> CsvRowDeserializationSchema.Builder:
            self._o["null"] = null_literal
            return self

        def set_ignore_parse_errors(self, ignore_parse_errors: bool) -> CsvRowDeserializationSchema.Builder:
            self._o["ignore_errors"] = ignore_parse_errors
            return self

        def build(self) -> CsvRowDeserializationSchema:
            o = self._o
            return CsvRowDeserializationSchema(self._t, o["sep"], o["quote"], o["escape"], o["array_sep"],
                                               o["null"], o["ignore_errors"], o["comments"])


class CsvRowSerializationSchema(SerializationSchema):
    """One ``Row`` -> one CSV message (bytes), ending in the line delimiter (``\\n`` by default)."""

    def __init__(self, type_info: Any, sep: str, line: str, array_sep: str, quote: str | None,
                 escape: str | None, null: str) -> None:
        self.type_info = type_info
        self._names, _ = _row_fields(type_info)
        self._dialect = _dialect(sep, quote, escape)
        self._dialect.pop("strict", None)
        self._line = line
        self._array_sep = array_sep
        self._null = null

    def serialize(self, element: Any) -> bytes:
        if not isinstance(element, Row) or len(element) != len(self._names):
            raise InvalidProgramException(
                f"CsvRowSerializationSchema: expected a Row of {len(self._names)} fields ({self._names}), got {element!r}")
        fields = []
        for v in element:
            if v is None:
                fields.append(self._null)
            elif isinstance(v, (list, tuple)):
                fields.append(self._array_sep.join(to_text(x) for x in v))
            else:
                fields.append(to_text(v))
        buf = io.StringIO()
        _csv.writer(buf, lineterminator=self._line, **self._dialect).writerow(fields)
        return buf.getvalue().encode("utf-8")

    class Builder:
        def __init__(self, type_info: Any) -> None:
            _row_fields(type_info)
            self._t = type_info
            self._o: dict[str, Any] = {"sep": ",", "line": "\n", "array_sep": ";", "quote": '"', "escape": None,
                                       "null": ""}

        def set_field_delimiter(self, c: str) -> CsvRowSerializationSchema.Builder:
            self._o["sep"] = _char(c, "field delimiter")
            return self

        def set_line_delimiter(self, delimiter: str) -> CsvRowSerializationSchema.Builder:
            if delimiter not in ("\n", "\r", "\r\n", ""):
                raise InvalidProgramException(
                    f"CsvRowSerializationSchema: the line delimiter must be \\n, \\r, \\r\\n or empty, got {delimiter!r}")
            self._o["line"] = delimiter
            return self

        def set_array_element_delimiter(self, delimiter: str) -> CsvRowSerializationSchema.Builder:
            self._o["array_sep"] = delimiter
            return self

        def disable_quote_character(self) -> CsvRowSerializationSchema.Builder:
            self._o["quote"] = None
            return self

        def set_quote_character(self, c: str) -> CsvRowSerializationSchema.Builder:
            self._o["quote"] = _char(c, "quote character")
            return self

        def set_escape_character(self, c: str) -> CsvRowSerializationSchema.Builder:
            self._o["escape"] = _char(c, "escape character")
            return self

        def set_null_literal(self, s: str) -> CsvRowSerializationSchema.Builder:
            self._o["null"] = s
            return self

        def build(self) -> CsvRowSerializationSchema:
            o = self._o
            return CsvRowSerializationSchema(self._t, o["sep"], o["line"], o["array_sep"], o["quote"], o["escape"],
                                             o["null"])
