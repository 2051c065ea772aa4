"""``FileSource`` (Flink's unified file source, PyFlink's ``pyflink.datastream.connectors.file_system``):
reads the files under one or more paths record by record, once (bounded) or while watching the
directories for new files (``monitor_continuously``).

**How Flink does it.** An enumerator lists the files (recursively; files whose name starts with
``.`` or ``_`` are skipped, as by Flink's ``DefaultFileFilter``) and hands one *split* per file to
the readers (the formats here are not splittable); a reader decodes its split with the
:class:`StreamFormat` and checkpoints the split's position. In continuous mode the enumerator
re-lists the paths every interval and hands out files it has not seen; the set of seen paths is
part of its checkpoint, and the source never ends.

**How flinklite does it.** There is no central enumerator: every reader lists the paths itself and
takes the files whose path hashes to its subtask (CRC32 of the path modulo the parallelism), so
no file is read twice and none is skipped without any coordination. A split's position is the
byte offset of the next record, so after a failure each file resumes exactly after the last
record of the completed checkpoint (exactly once with an exactly-once sink). In continuous mode
each reader's checkpoint also holds the paths it has read. Differences: with a small number of
files the hash may put several on one subtask; restoring a *continuously monitored* source at a
higher parallelism may read a file again (the seen paths are per reader); only local paths (plain
or ``file://``) are supported; ``.gz``, ``.bz2`` and ``.xz`` files are decompressed (Flink also
reads ``.deflate`` and ``.zst`` through its decompressors); bulk formats (Parquet, ORC, Avro) are
not available and raise :class:`~flinklite.errors.UnsupportedFeature`.

**Formats.** :meth:`StreamFormat.text_line_format` gives each line as a ``str`` without its line
terminator (``\\n`` or ``\\r\\n``); ``CsvReaderFormat`` (in :mod:`flinklite.datastream.formats.csv`)
gives ``Row`` s. :meth:`StreamFormat.for_deserialization_schema` (a flinklite extension) reads one
message per line with any ``DeserializationSchema`` (e.g. ``JsonRowDeserializationSchema`` for
JSON lines).
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import os
import time
import zlib
from collections.abc import Iterator
from typing import Any

from flinklite.common.time import _as_millis
from flinklite.datastream.connectors.base import Boundedness, Source, SourceReader
from flinklite.errors import InvalidProgramException, UnsupportedFeature

__all__ = [
    "BulkFormat", "FileEnumeratorProvider", "FileSource", "FileSourceBuilder", "FileSplitAssignerProvider",
    "StreamFormat",
]

_OPENERS = {".gz": gzip.open, ".gzip": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}


def _open_binary(path: str):
    opener = _OPENERS.get(os.path.splitext(path)[1].lower())
    return opener(path, "rb") if opener else open(path, "rb")  # noqa: SIM115 - closed by the reader


def _local(path: Any) -> str:
    if not isinstance(path, str) or not path:
        raise InvalidProgramException(f"FileSource: paths must be non-empty str, got {path!r}")
    if path.startswith("file://"):
        path = path[len("file://"):] or "/"
    elif "://" in path:
        raise UnsupportedFeature(
            f"FileSource: {path!r} is not on the local file system; flinklite reads local paths (a plain "
            "path or a file:// URI). Copy the files locally first.")
    return os.path.abspath(path)


def _hidden(name: str) -> bool:
    return name.startswith(".") or name.startswith("_")


def _list_files(paths: list[str]) -> list[str]:
    """Every file under ``paths`` (recursively), without hidden ones, sorted."""
    found: list[str] = []
    for root in paths:
        if _hidden(os.path.basename(root.rstrip(os.sep)) or "x"):
            continue
        if os.path.isfile(root):
            found.append(root)
            continue
        if not os.path.isdir(root):
            raise InvalidProgramException(f"FileSource: the path {root!r} does not exist")
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = sorted(d for d in dirnames if not _hidden(d))
            found.extend(os.path.join(dirpath, f) for f in sorted(filenames) if not _hidden(f))
    return sorted(set(found))


def _owner(path: str, parallelism: int) -> int:
    return zlib.crc32(path.encode("utf-8", "surrogateescape")) % parallelism


# -- formats -------------------------------------------------------------------------------------
class StreamFormat:
    """Decodes a file, record by record (Flink's ``StreamFormat``). A format reads from a binary
    stream positioned at a record boundary and yields ``(record, offset after the record)``."""

    def _records(self, stream: Any, offset: int) -> Iterator[tuple[Any, int]]:
        raise NotImplementedError

    def _produced_type(self) -> Any:
        return None

    @staticmethod
    def text_line_format(charset_name: str = "UTF-8") -> StreamFormat:
        """Each line of the file as a ``str`` (Flink's ``TextLineInputFormat``)."""
        return _LineFormat(charset_name, None)

    @staticmethod
    def for_deserialization_schema(deserialization_schema: Any) -> StreamFormat:
        """flinklite extension (not portable): one message per line, decoded by
        ``deserialization_schema.deserialize(line_bytes)`` (e.g. JSON lines with a
        ``JsonRowDeserializationSchema``). Lines are given without their terminator."""
        if not hasattr(deserialization_schema, "deserialize"):
            raise InvalidProgramException(
                f"for_deserialization_schema needs a DeserializationSchema, got {deserialization_schema!r}")
        return _LineFormat(None, deserialization_schema)


class _LineFormat(StreamFormat):
    def __init__(self, charset: str | None, schema: Any) -> None:
        if charset is not None:
            import codecs

            try:
                codecs.lookup(charset)
            except LookupError as e:
                raise InvalidProgramException(f"text_line_format: unknown charset {charset!r}") from e
            if "\n".encode(charset) != b"\n":
                raise UnsupportedFeature(
                    f"text_line_format({charset!r}): flinklite splits lines on the byte '\\n', so it reads only "
                    "ASCII-compatible charsets (UTF-8, ISO-8859-1, ...); convert the files to UTF-8")
        self.charset = charset
        self.schema = schema
        self._opened = False

    def _produced_type(self) -> Any:
        if self.schema is not None:
            return self.schema.get_produced_type() if hasattr(self.schema, "get_produced_type") else None
        from flinklite.common.typeinfo import Types

        return Types.STRING()

    def _records(self, stream: Any, offset: int) -> Iterator[tuple[Any, int]]:
        if self.schema is not None and not self._opened:
            self.schema.open(None)
            self._opened = True
        pos = offset
        for raw in iter(stream.readline, b""):
            pos += len(raw)
            line = raw[:-2] if raw.endswith(b"\r\n") else raw[:-1] if raw.endswith(b"\n") else raw
            if self.schema is None:
                yield line.decode(self.charset, errors="replace"), pos
            else:
                yield self.schema.deserialize(line), pos

    def __repr__(self) -> str:
        return f"StreamFormat.text_line_format({self.charset!r})" if self.schema is None \
            else f"StreamFormat.for_deserialization_schema({self.schema!r})"


class BulkFormat:
    """Flink's batch-wise formats (Parquet, ORC, Avro): Java-only, not available in flinklite."""

    def __init__(self, j_bulk_format: Any = None) -> None:
        raise UnsupportedFeature(
            "BulkFormat (Parquet, ORC, Avro readers) is Java-only; flinklite reads files with a StreamFormat: "
            "StreamFormat.text_line_format(), CsvReaderFormat.for_schema(...) or "
            "StreamFormat.for_deserialization_schema(JsonRowDeserializationSchema...)")


class FileEnumeratorProvider:
    """Which files a source reads. Both of Flink's defaults list files recursively and skip hidden
    ones; since flinklite's formats are not splittable, both give one split per file."""

    def __init__(self, name: str) -> None:
        self.name = name

    @staticmethod
    def default_splittable_file_enumerator() -> FileEnumeratorProvider:
        return FileEnumeratorProvider("splittable")

    @staticmethod
    def default_non_splittable_file_enumerator() -> FileEnumeratorProvider:
        return FileEnumeratorProvider("non-splittable")


class FileSplitAssignerProvider:
    """How splits go to readers. flinklite assigns files by a hash of their path (see the module
    documentation); Flink's locality-aware assigner has no meaning on one machine."""

    def __init__(self, name: str) -> None:
        self.name = name

    @staticmethod
    def locality_aware_split_assigner() -> FileSplitAssignerProvider:
        return FileSplitAssignerProvider("locality-aware")


# -- the source ----------------------------------------------------------------------------------
class _FileReader(SourceReader):
    """Reads its splits ``[path, offset]`` in order; in continuous mode also watches the paths."""

    def __init__(self, source: FileSource, subtask: int, parallelism: int, splits: list, seen: set[str],
                 scan_now: bool) -> None:
        self.source = source
        self.subtask = subtask
        self.parallelism = parallelism
        self.splits = [list(s) for s in splits]
        self.seen = seen | {s[0] for s in self.splits}
        self.stream: Any = None
        self.records: Iterator[tuple[Any, int]] | None = None
        self.next_scan_ms = 0.0
        if scan_now:
            self._scan()

    def _scan(self) -> None:
        for path in _list_files(self.source.paths):
            if path not in self.seen and _owner(path, self.parallelism) == self.subtask:
                self.seen.add(path)
                self.splits.append([path, 0])
        if self.source.interval_ms is not None:
            self.next_scan_ms = time.time() * 1000 + self.source.interval_ms

    def poll(self, max_records: int):
        if not self.splits:
            if self.source.interval_ms is None:
                return None
            if time.time() * 1000 < self.next_scan_ms:
                return [], None
            self._scan()
            if not self.splits:
                return [], None
        split = self.splits[0]
        if self.records is None:
            self.stream = _open_binary(split[0])
            if split[1]:
                self.stream.seek(split[1])
            self.records = self.source.format._records(self.stream, split[1])
        values = []
        for value, offset in self.records:
            values.append(value)
            split[1] = offset
            if len(values) >= max_records:
                return values, None
        self._close_split()
        self.splits.pop(0)
        return values, None

    def _close_split(self) -> None:
        if self.stream is not None:
            self.stream.close()
        self.stream = None
        self.records = None

    def next_available_ms(self) -> float | None:
        return self.next_scan_ms if not self.splits and self.source.interval_ms is not None else None

    def snapshot_state(self) -> list:
        state = [["split", s[0], s[1]] for s in self.splits]
        if self.source.interval_ms is not None:
            done = sorted(self.seen - {s[0] for s in self.splits})
            state.append(["seen", done])
        return state

    def close(self) -> None:
        self._close_split()


class FileSource(Source):
    """Reads files with a :class:`StreamFormat`; build it with :meth:`for_record_stream_format`."""

    def __init__(self, stream_format: StreamFormat, paths: list[str], interval_ms: int | None) -> None:
        self.format = stream_format
        self.paths = paths
        self.interval_ms = interval_ms

    @staticmethod
    def for_record_stream_format(stream_format: StreamFormat, *paths: str) -> FileSourceBuilder:
        return FileSourceBuilder(stream_format, paths)

    @staticmethod
    def for_bulk_file_format(bulk_format: Any, *paths: str) -> FileSourceBuilder:
        raise UnsupportedFeature(
            "FileSource.for_bulk_file_format: bulk formats (Parquet, ORC, Avro) are Java-only; use "
            "FileSource.for_record_stream_format with StreamFormat.text_line_format() or CsvReaderFormat")

    def get_boundedness(self) -> Boundedness:
        return Boundedness.BOUNDED if self.interval_ms is None else Boundedness.CONTINUOUS_UNBOUNDED

    def _produced_type(self) -> Any:
        return self.format._produced_type()

    def create_reader(self, subtask_index: int, parallelism: int) -> SourceReader:
        return _FileReader(self, subtask_index, parallelism, [], set(), scan_now=True)

    def restore_reader(self, subtask_index: int, parallelism: int, splits: list) -> SourceReader:
        pending = [[e[1], e[2]] for e in splits if e[0] == "split"]
        seen = {p for e in splits if e[0] == "seen" for p in e[1]}
        # bounded: the checkpoint lists every file still to read; continuous: keep watching
        return _FileReader(self, subtask_index, parallelism, pending, seen, scan_now=False)

    def __repr__(self) -> str:
        mode = "bounded" if self.interval_ms is None else f"monitored every {self.interval_ms} ms"
        return f"FileSource({self.format!r}, {self.paths!r}, {mode})"


class FileSourceBuilder:
    """Configures a :class:`FileSource` (PyFlink's ``FileSourceBuilder``)."""

    def __init__(self, stream_format: StreamFormat, paths: tuple) -> None:
        if not isinstance(stream_format, StreamFormat):
            raise InvalidProgramException(
                f"FileSource.for_record_stream_format needs a StreamFormat (e.g. StreamFormat.text_line_format()), "
                f"got {stream_format!r}")
        if not paths:
            raise InvalidProgramException("FileSource.for_record_stream_format needs at least one path")
        self._format = stream_format
        self._paths = [_local(p) for p in paths]
        self._interval: int | None = None

    def monitor_continuously(self, discovery_interval: Any) -> FileSourceBuilder:
        """Keep watching the paths, listing them every ``discovery_interval`` (a ``Duration``) for
        new files; the source becomes unbounded."""
        ms = _as_millis(discovery_interval)
        if ms is None or ms <= 0:
            raise InvalidProgramException(
                f"monitor_continuously needs a positive Duration (e.g. Duration.of_seconds(1)), got "
                f"{discovery_interval!r}")
        self._interval = ms
        return self

    def process_static_file_set(self) -> FileSourceBuilder:
        """Read the files present at start once, then end (the default)."""
        self._interval = None
        return self

    def set_file_enumerator(self, file_enumerator: FileEnumeratorProvider) -> FileSourceBuilder:
        if not isinstance(file_enumerator, FileEnumeratorProvider):
            raise UnsupportedFeature(
                f"set_file_enumerator: flinklite only has FileEnumeratorProvider.default_splittable_file_enumerator() "
                f"and default_non_splittable_file_enumerator(), got {file_enumerator!r}")
        return self

    def set_split_assigner(self, split_assigner: FileSplitAssignerProvider) -> FileSourceBuilder:
        if not isinstance(split_assigner, FileSplitAssignerProvider):
            raise UnsupportedFeature(
                f"set_split_assigner: flinklite only has FileSplitAssignerProvider.locality_aware_split_assigner(), "
                f"got {split_assigner!r}")
        return self

    def build(self) -> FileSource:
        return FileSource(self._format, list(self._paths), self._interval)
