"""Encoders (PyFlink's ``pyflink.common.serialization``, the part the file sink needs).

In Flink an ``Encoder`` turns one record into the bytes a row-format ``FileSink`` appends to the
current part file. PyFlink only offers the Java ``SimpleStringEncoder`` (``toString()`` of the
record, in a charset, followed by ``\\n``); flinklite implements the same one.

How flinklite differs: the record's text is what flinklite's print sink would show for an untyped
value (Python ``str()``), since the sink does not see the stream's declared type. A subclass that
overrides :meth:`Encoder.encode` is a flinklite extension: it does not exist in PyFlink (whose
encoders are Java objects), so a program that uses one is not portable.
"""

from __future__ import annotations

import codecs
from typing import Any

from flinklite.errors import InvalidProgramException

__all__ = ["Encoder"]


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
