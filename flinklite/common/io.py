"""``InputFormat`` (PyFlink's ``pyflink.common.io``): Flink's legacy Java ``InputFormat`` wrapper,
read by ``StreamExecutionEnvironment.create_input``.

There are no Java input formats in flinklite; constructing one raises :class:`UnsupportedFeature`.
Read files with ``FileSource`` (``StreamFormat.text_line_format()``, CSV or JSON formats) instead.
"""

from __future__ import annotations

from typing import Any

from flinklite.errors import UnsupportedFeature

__all__ = ["InputFormat"]


class InputFormat:
    def __init__(self, j_input_format: Any = None) -> None:
        raise UnsupportedFeature(
            "InputFormat wraps a Java InputFormat, which flinklite cannot run; use a FileSource: "
            "env.from_source(FileSource.for_record_stream_format(StreamFormat.text_line_format(), path)"
            ".build(), ...) or a CSV/JSON StreamFormat instead")
