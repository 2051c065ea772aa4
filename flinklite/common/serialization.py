"""Encoders and serialization schemas (PyFlink's ``pyflink.common.serialization``).

In Flink an ``Encoder`` turns one record into the bytes a row-format ``FileSink`` appends to the
current part file. PyFlink only offers the Java ``SimpleStringEncoder`` (``toString()`` of the
record, in a charset, followed by ``\\n``); flinklite implements the same one.

How flinklite differs: the record's text is what flinklite's print sink would show for an untyped
value (Python ``str()``), since the sink does not see the stream's declared type. A subclass that
overrides :meth:`Encoder.encode` is a flinklite extension: it does not exist in PyFlink (whose
encoders are Java objects), so a program that uses one is not portable.

**Serialization schemas** turn a record into the bytes of one message (``SerializationSchema``)
and back (``DeserializationSchema``); connectors such as Kafka take them. In PyFlink they wrap Java
objects; in flinklite they are Python objects with ``serialize(value) -> bytes`` and
``deserialize(message: bytes) -> value`` (both a flinklite extension, since PyFlink programs cannot
call them), plus ``open(context)`` and ``get_produced_type()``. :class:`SimpleStringSchema` and
:class:`ByteArraySchema` behave as Flink's; :class:`RowFieldExtractorSchema` takes a ``bytes`` field
out of a ``Row``. Bulk writer factories (Parquet, ORC, Avro, CSV bulk writers) are Java-only: the
classes exist, and ``FileSink.for_bulk_format`` rejects them with a clear error.
"""

from __future__ import annotations

import codecs
from typing import Any

from flinklite.errors import InvalidProgramException, UnsupportedFeature

__all__ = [
    "BulkWriterFactory", "ByteArraySchema", "DeserializationSchema", "Encoder", "RowFieldExtractorSchema",
    "SerializationSchema", "SimpleStringSchema",
]


class Encoder:
    """Turns a record into the bytes written to a part file (one record at a time)."""

    def __init__(self, charset_name: str = "UTF-8") -> None:
        try:
            codecs.lookup(charset_name)
        except LookupError as e:
            raise InvalidProgramException(f"Encoder: unknown charset {charset_name!r}") from e
        self.charset_name = charset_name

    @staticmethod
    def simple_string_encoder(charset_name: str = "UTF-8") -> Encoder:
        """Each record as text in ``charset_name``, followed by a newline (Flink's
        ``SimpleStringEncoder``)."""
        return Encoder(charset_name)

    def encode(self, element: Any) -> bytes:
        """The bytes for ``element``. Override for a custom (flinklite-only) encoding."""
        return (str(element) + "\n").encode(self.charset_name, errors="replace")

    def __repr__(self) -> str:
        return f"Encoder.simple_string_encoder({self.charset_name!r})"


def _charset(charset: str, what: str) -> str:
    try:
        codecs.lookup(charset)
    except LookupError as e:
        raise InvalidProgramException(f"{what}: unknown charset {charset!r}") from e
    return charset


class SerializationSchema:
    """Turns one record into the bytes of one message (Flink's ``SerializationSchema``)."""

    def __init__(self, j_serialization_schema: Any = None) -> None:
        if j_serialization_schema is not None:
            raise UnsupportedFeature(
                f"{type(self).__name__}: flinklite has no Java serialization schemas; use SimpleStringSchema, "
                "ByteArraySchema, JsonRowSerializationSchema or CsvRowSerializationSchema")

    def open(self, context: Any = None) -> None:
        """Called once before the first record (Flink's ``SerializationSchema.open``)."""

    def serialize(self, element: Any) -> bytes:
        raise NotImplementedError(f"{type(self).__name__}.serialize")


class DeserializationSchema:
    """Turns the bytes of one message into a record (Flink's ``DeserializationSchema``)."""

    def __init__(self, j_deserialization_schema: Any = None) -> None:
        if j_deserialization_schema is not None:
            raise UnsupportedFeature(
                f"{type(self).__name__}: flinklite has no Java deserialization schemas; use SimpleStringSchema, "
                "ByteArraySchema, JsonRowDeserializationSchema or CsvRowDeserializationSchema")

    def open(self, context: Any = None) -> None:
        """Called once before the first message."""

    def deserialize(self, message: bytes) -> Any:
        raise NotImplementedError(f"{type(self).__name__}.deserialize")

    def is_end_of_stream(self, next_element: Any) -> bool:
        return False

    def get_produced_type(self) -> Any:
        """The type information of the records produced (None: untyped Python objects)."""
        return None


class SimpleStringSchema(SerializationSchema, DeserializationSchema):
    """Strings as their bytes in ``charset`` (UTF-8 by default), and back (Flink's
    ``SimpleStringSchema``)."""

    def __init__(self, charset: str = "UTF-8") -> None:
        self.charset = _charset(charset, "SimpleStringSchema")

    def serialize(self, element: Any) -> bytes:
        if not isinstance(element, str):
            raise InvalidProgramException(
                f"SimpleStringSchema serializes str records, got {type(element).__name__} {element!r}; "
                "map the stream to str first (e.g. .map(str, Types.STRING()))")
        return element.encode(self.charset)

    def deserialize(self, message: bytes) -> str:
        return bytes(message).decode(self.charset)

    def get_produced_type(self) -> Any:
        from flinklite.common.typeinfo import Types

        return Types.STRING()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SimpleStringSchema) and codecs.lookup(self.charset) == codecs.lookup(other.charset)

    def __hash__(self) -> int:
        return hash(codecs.lookup(self.charset).name)

    def __repr__(self) -> str:
        return f"SimpleStringSchema({self.charset!r})"


class ByteArraySchema(SerializationSchema, DeserializationSchema):
    """Messages as they are: ``bytes`` in, ``bytes`` out (Flink's ``ByteArraySchema``)."""

    def __init__(self) -> None:
        pass

    def serialize(self, element: Any) -> bytes:
        if not isinstance(element, (bytes, bytearray, memoryview)):
            raise InvalidProgramException(
                f"ByteArraySchema serializes bytes records, got {type(element).__name__} {element!r}")
        return bytes(element)

    def deserialize(self, message: bytes) -> bytes:
        return bytes(message)

    def get_produced_type(self) -> Any:
        from flinklite.common.typeinfo import Types

        return Types.PRIMITIVE_ARRAY(Types.BYTE())

    def __repr__(self) -> str:
        return "ByteArraySchema()"


class RowFieldExtractorSchema(SerializationSchema):
    """The ``bytes`` value of field ``field_index`` of a ``Row`` (Flink's ``RowFieldExtractorSchema``;
    typically a Kafka record's key or value)."""

    def __init__(self, field_index: int) -> None:
        if isinstance(field_index, bool) or not isinstance(field_index, int) or field_index < 0:
            raise InvalidProgramException(
                f"RowFieldExtractorSchema: the field index must be a non-negative int, got {field_index!r}")
        self.field_index = field_index

    def serialize(self, element: Any) -> bytes:
        from flinklite.common.types import Row

        if not isinstance(element, Row):
            raise InvalidProgramException(f"RowFieldExtractorSchema needs Row records, got {element!r}")
        if self.field_index >= len(element):
            raise InvalidProgramException(
                f"RowFieldExtractorSchema: field {self.field_index} does not exist in {element!r} "
                f"({len(element)} fields)")
        value = element[self.field_index]
        if value is None:
            return b""
        if not isinstance(value, (bytes, bytearray)):
            raise InvalidProgramException(
                f"RowFieldExtractorSchema: field {self.field_index} of {element!r} must be bytes, got "
                f"{type(value).__name__}; convert it to bytes first")
        return bytes(value)

    def __repr__(self) -> str:
        return f"RowFieldExtractorSchema({self.field_index})"


class BulkWriterFactory:
    """A factory of bulk writers (Parquet, ORC, Avro, CSV) for ``FileSink.for_bulk_format``.

    Java-only in PyFlink; flinklite has none, and constructing one says so."""

    def __init__(self, j_bulk_writer_factory: Any = None) -> None:
        raise UnsupportedFeature(
            f"{type(self).__name__}: bulk formats are written by Java writers, which flinklite does not have; "
            "use FileSink.for_row_format(path, Encoder.simple_string_encoder()) and write the rows as text "
            "(e.g. with CsvRowSerializationSchema or JsonRowSerializationSchema in a map)")


class RowDataBulkWriterFactory(BulkWriterFactory):
    """A :class:`BulkWriterFactory` for Table rows (Java-only in PyFlink)."""

    def __init__(self, j_bulk_writer_factory: Any = None, row_type: Any = None) -> None:
        super().__init__(j_bulk_writer_factory)
