"""The exactly-once file sink (PyFlink's ``pyflink.datastream.connectors.file_system``: Flink's
unified ``FileSink`` for row formats, with its rolling policies, output file configuration and
bucket assigners).

**What it does.** Records go to *buckets* (sub-directories of the base path chosen by a
:class:`BucketAssigner`; by default one per hour of processing time, as in Flink). In each bucket,
every sink subtask appends to its own *part file*, which moves through three states:

- **in-progress**: being written, under a hidden name
  ``.<prefix>-<uuid>-<counter><suffix>.inprogress.<random uuid>`` (the name Flink's local file
  system writer uses). At each checkpoint the file is flushed and fsync'ed and its length goes
  into the checkpoint, so it can be cut back to exactly that length after a failure;
- **pending**: closed, because the :class:`RollingPolicy` said so (size, age, inactivity, or every
  checkpoint with :meth:`RollingPolicy.on_checkpoint_rolling_policy`) or because the input ended.
  It still has its hidden name and is a *committable* of the next checkpoint;
- **finished**: renamed (atomically, ``os.replace``) to ``<prefix>-<uuid>-<counter><suffix>``
  once the checkpoint that holds it completes, or when a job without checkpointing finishes.

Only finished files are visible to readers that skip hidden files. ``<uuid>`` is random per sink
subtask and ``<counter>`` counts the part files of that subtask in that bucket, from 0.

This is the two-phase commit of :mod:`flinklite.datastream.connectors.base`: the writer's
``prepare_commit`` returns the pending files, its state holds the in-progress files with their
checkpointed lengths, and the committer renames. A commit finds either the pending file (and
renames it) or the finished file (already done: fine), so it can safely run again after a restore.

**After a restore** (how flinklite differs from Flink): Flink reopens the checkpointed
in-progress file, truncates it and keeps appending to it. flinklite truncates it to its
checkpointed length and *finishes* it right away (Flink's own path for file systems that cannot
resume a file); new records go to new part files under a fresh subtask uuid. Both give the same
records exactly once; flinklite's variant cannot have two subtasks append to one file when a job
is restored at another parallelism. In-progress and pending files written after the restored
checkpoint (by the failed attempt, or by earlier failed attempts from the same checkpoint) are
deleted, where Flink leaves them behind as hidden files.

Other differences: time-based rolling (rollover and inactivity intervals) is evaluated when a
record arrives or a checkpoint is taken, at most once per bucket check interval, instead of by a
timer; bulk formats (Parquet, ORC, Avro), compaction and the legacy ``StreamingFileSink`` are not
available (they raise :class:`~flinklite.errors.UnsupportedFeature`); ``FileSource`` lives in
:mod:`.file_source` and is exported here as in PyFlink; a custom Python :class:`BucketAssigner`, :class:`RollingPolicy`
or :class:`~flinklite.common.serialization.Encoder` subclass is a flinklite extension (PyFlink only
accepts the built-in Java ones) and is not portable. Only local paths (plain or ``file://``) are
supported.
"""

from __future__ import annotations

import datetime
import os
import re
import time
import uuid as _uuid
from collections.abc import Callable
from typing import Any

from flinklite.common.serialization import Encoder
from flinklite.common.time import _as_millis
from flinklite.datastream.connectors.base import Committer, Sink, SinkWriter
from flinklite.datastream.connectors.file_source import (
    BulkFormat,
    FileEnumeratorProvider,
    FileSource,
    FileSourceBuilder,
    FileSplitAssignerProvider,
    StreamFormat,
)
from flinklite.errors import (
    IllegalStateException,
    InvalidProgramException,
    UnsupportedFeature,
)
from flinklite.time.watermark import MIN_TIMESTAMP

__all__ = [
    "BucketAssigner", "BulkFormat", "Encoder", "FileCompactStrategy", "FileCompactor", "FileEnumeratorProvider",
    "FileSink", "FileSource", "FileSourceBuilder", "FileSplitAssignerProvider", "OutputFileConfig",
    "RollingPolicy", "StreamFormat", "StreamingFileSink",
]

_MiB = 1024 * 1024
_INPROGRESS = ".inprogress."


def _now_ms() -> int:
    return int(time.time() * 1000)


def _to_ms(value: Any, what: str) -> int:
    ms = _as_millis(value)
    if ms is None:
        raise InvalidProgramException(f"{what} must be an int (milliseconds), got {value!r}")
    return ms


# -- output file names ---------------------------------------------------------------------------
class OutputFileConfig:
    """The prefix and suffix of part file names (Flink's ``OutputFileConfig``; default ``part``
    and no suffix): ``<prefix>-<uuid>-<counter><suffix>``."""

    def __init__(self, part_prefix: str = "part", part_suffix: str = "") -> None:
        for name, value in (("part_prefix", part_prefix), ("part_suffix", part_suffix)):
            if not isinstance(value, str):
                raise InvalidProgramException(f"OutputFileConfig: {name} must be a str, got {value!r}")
            if os.sep in value or (os.altsep and os.altsep in value):
                raise InvalidProgramException(f"OutputFileConfig: {name} must not contain a path separator")
        self._prefix = part_prefix
        self._suffix = part_suffix

    @staticmethod
    def builder() -> OutputFileConfig.OutputFileConfigBuilder:
        return OutputFileConfig.OutputFileConfigBuilder()

    def get_part_prefix(self) -> str:
        return self._prefix

    def get_part_suffix(self) -> str:
        return self._suffix

    def __repr__(self) -> str:
        return f"OutputFileConfig(part_prefix={self._prefix!r}, part_suffix={self._suffix!r})"

    class OutputFileConfigBuilder:
        def __init__(self) -> None:
            self._prefix = "part"
            self._suffix = ""

        def with_part_prefix(self, prefix: str) -> OutputFileConfig.OutputFileConfigBuilder:
            self._prefix = prefix
            return self

        def with_part_suffix(self, suffix: str) -> OutputFileConfig.OutputFileConfigBuilder:
            self._suffix = suffix
            return self

        def build(self) -> OutputFileConfig:
            return OutputFileConfig(self._prefix, self._suffix)


# -- rolling policies ----------------------------------------------------------------------------
class PartFileInfo:
    """What a rolling policy may look at (Flink's ``PartFileInfo``): the open part file's bucket,
    creation time, last write time and size in bytes."""

    def get_bucket_id(self) -> str:
        raise NotImplementedError

    def get_creation_time(self) -> int:
        raise NotImplementedError

    def get_last_update_time(self) -> int:
        raise NotImplementedError

    def get_size(self) -> int:
        raise NotImplementedError


class RollingPolicy:
    """When an in-progress part file is closed (becomes pending). Use the two factories; a
    subclass that overrides the ``should_roll_*`` methods is a flinklite-only extension."""

    def should_roll_on_checkpoint(self, part_file: PartFileInfo) -> bool:
        return False

    def should_roll_on_event(self, part_file: PartFileInfo, element: Any) -> bool:
        return False

    def should_roll_on_processing_time(self, part_file: PartFileInfo, current_time: int) -> bool:
        return False

    @staticmethod
    def default_rolling_policy(part_size: int = 1024 * 1024 * 128, rollover_interval: int = 60 * 1000,
                               inactivity_interval: int = 60 * 1000) -> DefaultRollingPolicy:
        """Roll when the file is larger than ``part_size`` bytes (checked before each record and
        at each checkpoint), older than ``rollover_interval`` ms, or has not been written for
        ``inactivity_interval`` ms. Files that stay small are kept open across checkpoints."""
        return DefaultRollingPolicy(part_size, rollover_interval, inactivity_interval)

    @staticmethod
    def on_checkpoint_rolling_policy() -> OnCheckpointRollingPolicy:
        """Roll at every checkpoint (and only then)."""
        return OnCheckpointRollingPolicy()


class DefaultRollingPolicy(RollingPolicy):
    def __init__(self, part_size: int, rollover_interval: int, inactivity_interval: int) -> None:
        self.part_size = _to_ms(part_size, "part_size")
        self.rollover_interval = _to_ms(rollover_interval, "rollover_interval")
        self.inactivity_interval = _to_ms(inactivity_interval, "inactivity_interval")
        for name in ("part_size", "rollover_interval", "inactivity_interval"):
            if getattr(self, name) <= 0:
                raise InvalidProgramException(f"RollingPolicy.default_rolling_policy: {name} must be positive")

    def should_roll_on_checkpoint(self, part_file: PartFileInfo) -> bool:
        return part_file.get_size() > self.part_size

    def should_roll_on_event(self, part_file: PartFileInfo, element: Any) -> bool:
        return part_file.get_size() > self.part_size

    def should_roll_on_processing_time(self, part_file: PartFileInfo, current_time: int) -> bool:
        return (current_time - part_file.get_creation_time() >= self.rollover_interval
                or current_time - part_file.get_last_update_time() >= self.inactivity_interval)

    def __repr__(self) -> str:
        return (f"RollingPolicy.default_rolling_policy(part_size={self.part_size}, "
                f"rollover_interval={self.rollover_interval}, inactivity_interval={self.inactivity_interval})")


class OnCheckpointRollingPolicy(RollingPolicy):
    def should_roll_on_checkpoint(self, part_file: PartFileInfo) -> bool:
        return True

    def __repr__(self) -> str:
        return "RollingPolicy.on_checkpoint_rolling_policy()"


# -- bucket assigners ----------------------------------------------------------------------------
class BucketContext:
    """What a bucket assigner may look at (Flink's ``BucketAssigner.Context``)."""

    __slots__ = ("_now", "_ts")

    def __init__(self, now: int, ts: int) -> None:
        self._now = now
        self._ts = ts

    def current_processing_time(self) -> int:
        return self._now

    def current_watermark(self) -> int:
        return MIN_TIMESTAMP  # the sink writer does not track watermarks

    def timestamp(self) -> int | None:
        """The record's timestamp, None if it has none."""
        return None if self._ts == MIN_TIMESTAMP else self._ts


class BucketAssigner:
    """Chooses the bucket (sub-directory of the base path) of each record. Use the two
    factories; a subclass that overrides :meth:`get_bucket_id` is a flinklite-only extension."""

    def get_bucket_id(self, element: Any, context: BucketContext) -> str:
        raise NotImplementedError

    @staticmethod
    def base_path_bucket_assigner() -> BucketAssigner:
        """Every record directly in the base path."""
        return _BasePathBucketAssigner()

    @staticmethod
    def date_time_bucket_assigner(format_str: str = "yyyy-MM-dd--HH", timezone_id: str | None = None) -> BucketAssigner:
        """One bucket per value of the processing time formatted with the Java date-time
        pattern ``format_str`` in ``timezone_id`` (the system's time zone when None); the
        default gives one bucket per hour, e.g. ``2024-05-01--13``."""
        return _DateTimeBucketAssigner(format_str, timezone_id)


class _BasePathBucketAssigner(BucketAssigner):
    def get_bucket_id(self, element: Any, context: BucketContext) -> str:
        return ""

    def __repr__(self) -> str:
        return "BucketAssigner.base_path_bucket_assigner()"


_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December"]
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def _pattern_tokens(pattern: str) -> list[tuple[str, int]]:
    """A Java ``DateTimeFormatter`` pattern as (letter, count) tokens; literals have letter ''
    and their text in place of the count."""
    tokens: list = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "'":
            j = pattern.find("'", i + 1)
            while j != -1 and j + 1 < n and pattern[j + 1] == "'":
                j = pattern.find("'", j + 2)
            if j == -1:
                raise InvalidProgramException(f"date-time pattern {pattern!r}: unterminated quote")
            text = pattern[i + 1:j].replace("''", "'") if j > i + 1 else "'"
            tokens.append(("", text))
            i = j + 1
        elif c.isascii() and c.isalpha():
            j = i
            while j < n and pattern[j] == c:
                j += 1
            if c not in "yuMLdHhkKmsSaEDn":
                raise InvalidProgramException(
                    f"date-time pattern {pattern!r}: the letter {c!r} is not supported by flinklite "
                    "(supported: y u M L d D H h k K m s S n a E and quoted text)")
            tokens.append((c, j - i))
            i = j
        elif c in "[]{}#":
            raise InvalidProgramException(f"date-time pattern {pattern!r}: {c!r} is reserved")
        else:
            tokens.append(("", c))
            i += 1
    return tokens


def _format_token(letter: str, count: int, t: datetime.datetime) -> str:
    if letter in "yu":
        return f"{t.year % 100:02d}" if count == 2 else str(t.year).zfill(count)
    if letter in "ML":
        if count >= 4:
            return _MONTHS[t.month - 1]
        if count == 3:
            return _MONTHS[t.month - 1][:3]
        return str(t.month).zfill(count)
    if letter == "E":
        return _DAYS[t.weekday()] if count >= 4 else _DAYS[t.weekday()][:3]
    if letter == "a":
        return "AM" if t.hour < 12 else "PM"
    if letter == "S":
        return f"{t.microsecond:06d}000"[:count].ljust(count, "0")
    if letter == "n":
        return str(t.microsecond * 1000).zfill(count)
    value = {"d": t.day, "D": t.timetuple().tm_yday, "H": t.hour, "h": (t.hour % 12) or 12,
             "k": t.hour or 24, "K": t.hour % 12, "m": t.minute, "s": t.second}[letter]
    return str(value).zfill(count)


_OFFSET = re.compile(r"(?:UTC|GMT|UT)?([+-])(\d{1,2})(?::?(\d\d))?")


def _zone(zone_id: str) -> datetime.tzinfo:
    """A Java ``ZoneId`` (region id such as ``Europe/Berlin``, ``UTC``/``Z``, or an offset such as
    ``+08:00`` / ``GMT+8``) as a Python time zone."""
    if zone_id in ("UTC", "Z", "GMT", "UT"):
        return datetime.UTC
    m = _OFFSET.fullmatch(zone_id)
    if m:
        minutes = int(m.group(2)) * 60 + int(m.group(3) or 0)
        return datetime.timezone(datetime.timedelta(minutes=minutes if m.group(1) == "+" else -minutes))
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo(zone_id)
    except Exception as e:  # noqa: BLE001 - any lookup failure means an unknown id
        raise InvalidProgramException(f"date_time_bucket_assigner: unknown time zone {zone_id!r}") from e


class _DateTimeBucketAssigner(BucketAssigner):
    def __init__(self, format_str: str, timezone_id: str | None) -> None:
        self.format_str = format_str
        self.timezone_id = timezone_id
        self._tokens = _pattern_tokens(format_str)
        self._tz: Any = None
        if timezone_id is not None:
            self._tz = _zone(timezone_id)

    def format(self, epoch_ms: int) -> str:
        seconds = epoch_ms / 1000.0
        t = (datetime.datetime.fromtimestamp(seconds, self._tz) if self._tz is not None
             else datetime.datetime.fromtimestamp(seconds))
        return "".join(c if letter == "" else _format_token(letter, c, t) for letter, c in self._tokens)

    def get_bucket_id(self, element: Any, context: BucketContext) -> str:
        return self.format(context.current_processing_time())

    def __repr__(self) -> str:
        return f"BucketAssigner.date_time_bucket_assigner({self.format_str!r}, {self.timezone_id!r})"


# -- the sink ------------------------------------------------------------------------------------
def _local_path(base_path: str) -> str:
    if not isinstance(base_path, str) or not base_path:
        raise InvalidProgramException(f"FileSink: base_path must be a non-empty str, got {base_path!r}")
    if base_path.startswith("file://"):
        return base_path[len("file://"):] or "/"
    if "://" in base_path:
        raise InvalidProgramException(
            f"FileSink: {base_path!r}: flinklite writes to the local file system only (plain or file:// paths)")
    return base_path


def _fsync_dir(path: str) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class FileSink(Sink):
    """Writes records to part files under ``base_path``, exactly once with checkpointing (see
    the module documentation). Build it with :meth:`for_row_format`."""

    def __init__(self, base_path: str, encoder: Encoder, bucket_assigner: BucketAssigner | None = None,
                 rolling_policy: RollingPolicy | None = None, output_file_config: OutputFileConfig | None = None,
                 bucket_check_interval: int = 60 * 1000) -> None:
        self.base_path = os.path.abspath(_local_path(base_path))
        if not hasattr(encoder, "encode"):
            raise InvalidProgramException(
                f"FileSink: the encoder must be an Encoder (e.g. Encoder.simple_string_encoder()), got {encoder!r}")
        self.encoder = encoder
        self.bucket_assigner = bucket_assigner or BucketAssigner.date_time_bucket_assigner()
        self.rolling_policy = rolling_policy or RollingPolicy.default_rolling_policy()
        self.output_file_config = output_file_config or OutputFileConfig()
        self.bucket_check_interval = bucket_check_interval
        self._clock: Callable[[], int] = _now_ms  # processing time in ms (replaceable in tests)

    @staticmethod
    def for_row_format(base_path: str, encoder: Encoder) -> FileSink.RowFormatBuilder:
        return FileSink.RowFormatBuilder(base_path, encoder)

    @staticmethod
    def for_bulk_format(base_path: str, writer_factory: Any) -> Any:
        raise InvalidProgramException(
            "FileSink.for_bulk_format: bulk formats (Parquet, ORC, Avro) use Java writer factories, "
            "which flinklite does not have; use FileSink.for_row_format with an Encoder")

    def get_transformer(self) -> None:
        return None

    def create_writer(self, subtask_index: int, parallelism: int, restored_state: Any = None) -> SinkWriter:
        return _FileSinkWriter(self, subtask_index, restored_state)

    def create_committer(self) -> Committer:
        return _FileSinkCommitter(self)

    def bucket_dir(self, bucket_id: str) -> str:
        return os.path.join(self.base_path, bucket_id) if bucket_id else self.base_path

    def __repr__(self) -> str:
        return f"FileSink({self.base_path!r})"

    class RowFormatBuilder:
        """Configures a row-format :class:`FileSink` (PyFlink's ``FileSink.RowFormatBuilder``)."""

        def __init__(self, base_path: str, encoder: Encoder) -> None:
            self._base_path = base_path
            self._encoder = encoder
            self._assigner: BucketAssigner | None = None
            self._policy: RollingPolicy | None = None
            self._config: OutputFileConfig | None = None
            self._interval = 60 * 1000

        def with_bucket_check_interval(self, interval: int) -> FileSink.RowFormatBuilder:
            """How often (ms) the time-based rules of the rolling policy are checked."""
            interval = _to_ms(interval, "bucket check interval")
            if interval <= 0:
                raise InvalidProgramException("FileSink: the bucket check interval must be positive")
            self._interval = interval
            return self

        def with_bucket_assigner(self, bucket_assigner: BucketAssigner) -> FileSink.RowFormatBuilder:
            if not isinstance(bucket_assigner, BucketAssigner):
                raise InvalidProgramException(f"with_bucket_assigner needs a BucketAssigner, got {bucket_assigner!r}")
            self._assigner = bucket_assigner
            return self

        def with_rolling_policy(self, rolling_policy: RollingPolicy) -> FileSink.RowFormatBuilder:
            if not isinstance(rolling_policy, RollingPolicy):
                raise InvalidProgramException(f"with_rolling_policy needs a RollingPolicy, got {rolling_policy!r}")
            self._policy = rolling_policy
            return self

        def with_output_file_config(self, output_file_config: OutputFileConfig) -> FileSink.RowFormatBuilder:
            if not isinstance(output_file_config, OutputFileConfig):
                raise InvalidProgramException(
                    f"with_output_file_config needs an OutputFileConfig, got {output_file_config!r}")
            self._config = output_file_config
            return self

        def enable_compact(self, strategy: Any, compactor: Any) -> FileSink.RowFormatBuilder:
            raise UnsupportedFeature(
                "FileSink.enable_compact: file compaction is not supported by flinklite; use a rolling policy "
                "with larger parts (RollingPolicy.default_rolling_policy(part_size=..., rollover_interval=...))")

        def disable_compact(self) -> FileSink.RowFormatBuilder:
            return self

        def build(self) -> FileSink:
            return FileSink(self._base_path, self._encoder, self._assigner, self._policy, self._config,
                            self._interval)


class _InProgressFile(PartFileInfo):
    """An open part file under its hidden in-progress name."""

    def __init__(self, bucket_id: str, directory: str, target: str, now: int) -> None:
        self.bucket_id = bucket_id
        self.directory = directory
        self.target = target
        self.tmp = f".{target}{_INPROGRESS}{_uuid.uuid4()}"
        os.makedirs(directory, exist_ok=True)
        self.fh = open(os.path.join(directory, self.tmp), "wb")  # noqa: SIM115 - closed on commit/close
        self.size = 0
        self.creation_time = now
        self.last_update_time = now

    def get_bucket_id(self) -> str:
        return self.bucket_id

    def get_creation_time(self) -> int:
        return self.creation_time

    def get_last_update_time(self) -> int:
        return self.last_update_time

    def get_size(self) -> int:
        return self.size

    def write(self, data: bytes, now: int) -> None:
        self.fh.write(data)
        self.size += len(data)
        self.last_update_time = now

    def persist(self) -> int:
        """Make everything written so far durable; the length to cut back to after a failure."""
        self.fh.flush()
        os.fsync(self.fh.fileno())
        return self.size

    def close_for_commit(self) -> dict:
        self.persist()
        self.fh.close()
        return {"bucket": self.bucket_id, "tmp": self.tmp, "target": self.target}

    def dispose(self) -> None:
        try:
            self.fh.close()
        except OSError:
            pass


class _FileSinkWriter(SinkWriter):
    def __init__(self, sink: FileSink, subtask_index: int, restored: Any) -> None:
        self.sink = sink
        self.subtask_index = subtask_index
        self.prefix = sink.output_file_config.get_part_prefix()
        self.suffix = sink.output_file_config.get_part_suffix()
        self.in_progress: dict[str, _InProgressFile] = {}
        self.counters: dict[str, int] = {}
        self.pending: list[dict] = []  # closed since the last prepare_commit
        self.end_of_input = False
        self.next_time_check = sink._clock() + sink.bucket_check_interval
        if restored:
            old = str(restored["uuid"])
            # deterministic for a given restore point, so a second failure from the same checkpoint
            # finds (and deletes) what the first retry wrote
            self.uuid = str(_uuid.uuid5(_uuid.NAMESPACE_URL,
                                        f"flinklite-file-sink/{old}/{restored['checkpoint_id']}/{subtask_index}"))
            for entry in restored.get("in_progress", []):
                self._finish_restored(entry)
            self._delete_leftovers({old, self.uuid})
        else:
            self.uuid = str(_uuid.uuid4())

    # -- restore --------------------------------------------------------------------------------
    def _finish_restored(self, entry: dict) -> None:
        """Cut a checkpointed in-progress file back to its checkpointed length and finish it."""
        directory = self.sink.bucket_dir(entry["bucket"])
        tmp = os.path.join(directory, entry["tmp"])
        target = os.path.join(directory, entry["target"])
        if os.path.exists(tmp):
            size = os.path.getsize(tmp)
            if size < entry["length"]:
                raise IllegalStateException(
                    f"FileSink: in-progress file {tmp} has {size} bytes, fewer than the {entry['length']} "
                    "recorded in the checkpoint; the file was modified outside the job")
            with open(tmp, "r+b") as f:
                f.truncate(entry["length"])
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, target)
            _fsync_dir(directory)
        elif not os.path.exists(target):
            raise IllegalStateException(
                f"FileSink: cannot recover part file {target}: neither it nor its in-progress file {tmp} exists")

    def _delete_leftovers(self, uuids: set[str]) -> None:
        """Delete in-progress/pending files of these subtask uuids: they hold records written after
        the checkpoint the job restored from, which will be written again."""
        starts = tuple(f".{self.prefix}-{u}-" for u in uuids)
        if not os.path.isdir(self.sink.base_path):
            return
        for directory, _dirs, files in os.walk(self.sink.base_path):
            for name in files:
                if name.startswith(starts) and _INPROGRESS in name:
                    try:
                        os.remove(os.path.join(directory, name))
                    except FileNotFoundError:
                        pass

    # -- writing --------------------------------------------------------------------------------
    def write(self, value: Any, timestamp: int) -> None:
        sink = self.sink
        now = sink._clock()
        if now >= self.next_time_check:
            self._roll_on_time(now)
        bucket_id = sink.bucket_assigner.get_bucket_id(value, BucketContext(now, timestamp))
        if not isinstance(bucket_id, str):
            bucket_id = str(bucket_id)
        part = self.in_progress.get(bucket_id)
        if part is None or sink.rolling_policy.should_roll_on_event(part, value):
            if part is not None:
                self._close(part)
            part = self._open(bucket_id, now)
        part.write(sink.encoder.encode(value), now)

    def _open(self, bucket_id: str, now: int) -> _InProgressFile:
        counter = self.counters.get(bucket_id, 0)
        self.counters[bucket_id] = counter + 1
        target = f"{self.prefix}-{self.uuid}-{counter}{self.suffix}"
        part = _InProgressFile(bucket_id, self.sink.bucket_dir(bucket_id), target, now)
        self.in_progress[bucket_id] = part
        return part

    def _close(self, part: _InProgressFile) -> None:
        self.pending.append(part.close_for_commit())
        del self.in_progress[part.bucket_id]

    def _roll_on_time(self, now: int) -> None:
        policy = self.sink.rolling_policy
        for part in list(self.in_progress.values()):
            if policy.should_roll_on_processing_time(part, now):
                self._close(part)
        self.next_time_check = now + self.sink.bucket_check_interval

    # -- checkpoints ----------------------------------------------------------------------------
    def flush(self, end_of_input: bool) -> None:
        self.end_of_input = self.end_of_input or end_of_input
        for part in self.in_progress.values():
            part.fh.flush()

    def prepare_commit(self) -> list:
        now = self.sink._clock()
        if now >= self.next_time_check:
            self._roll_on_time(now)
        policy = self.sink.rolling_policy
        for part in list(self.in_progress.values()):
            if self.end_of_input or policy.should_roll_on_checkpoint(part):
                self._close(part)
        committables, self.pending = self.pending, []
        return committables

    def snapshot_state(self, checkpoint_id: int) -> Any:
        entries = [{"bucket": p.bucket_id, "tmp": p.tmp, "target": p.target, "length": p.persist()}
                   for p in self.in_progress.values()]
        return {"uuid": self.uuid, "checkpoint_id": checkpoint_id, "in_progress": entries}

    def close(self) -> None:
        for part in self.in_progress.values():
            part.dispose()
        self.in_progress = {}


class _FileSinkCommitter(Committer):
    def __init__(self, sink: FileSink) -> None:
        self.sink = sink

    def commit(self, committables: list) -> None:
        dirs = set()
        for c in committables:
            directory = self.sink.bucket_dir(c["bucket"])
            tmp = os.path.join(directory, c["tmp"])
            target = os.path.join(directory, c["target"])
            try:
                os.replace(tmp, target)
                dirs.add(directory)
            except FileNotFoundError:
                if not os.path.exists(target):
                    raise IllegalStateException(
                        f"FileSink: cannot commit part file {target}: its pending file {tmp} is gone") from None
        for directory in dirs:
            _fsync_dir(directory)


# -- names PyFlink has that flinklite cannot run -------------------------------------------------
class FileCompactStrategy:
    """When a ``FileSink`` compacts small files (Flink's ``FileCompactStrategy``). The builder
    works; ``FileSink.RowFormatBuilder.enable_compact`` rejects it (no compaction in flinklite)."""

    def __init__(self, checkpoints: int, size_threshold: int, threads: int) -> None:
        self.checkpoints = checkpoints
        self.size_threshold = size_threshold
        self.threads = threads

    @staticmethod
    def builder() -> FileCompactStrategy.Builder:
        return FileCompactStrategy.Builder()

    class Builder:
        def __init__(self) -> None:
            self._checkpoints = 1
            self._size = -1
            self._threads = -1

        def enable_compaction_on_checkpoint(self, num_checkpoints_before_compaction: int) \
                -> FileCompactStrategy.Builder:
            if num_checkpoints_before_compaction <= 0:
                raise InvalidProgramException("FileCompactStrategy: the number of checkpoints must be positive")
            self._checkpoints = num_checkpoints_before_compaction
            return self

        def set_size_threshold(self, size_threshold: int) -> FileCompactStrategy.Builder:
            self._size = size_threshold
            return self

        def set_num_compact_threads(self, num_compact_threads: int) -> FileCompactStrategy.Builder:
            self._threads = num_compact_threads
            return self

        def build(self) -> FileCompactStrategy:
            return FileCompactStrategy(self._checkpoints, self._size, self._threads)


class FileCompactor:
    """How small files are merged (Flink's ``FileCompactor``); see :class:`FileCompactStrategy`."""

    def __init__(self, kind: str, delimiter: bytes | None = None) -> None:
        self.kind = kind
        self.delimiter = delimiter

    @staticmethod
    def concat_file_compactor(file_delimiter: bytes | None = None) -> FileCompactor:
        return FileCompactor("concat", file_delimiter)

    @staticmethod
    def identical_file_compactor() -> FileCompactor:
        return FileCompactor("identical")


class StreamingFileSink:
    """Flink's legacy ``SinkFunction`` file sink, replaced by :class:`FileSink`."""

    def __init__(self, *args: Any) -> None:
        raise UnsupportedFeature(_STREAMING_FILE_SINK)

    @staticmethod
    def for_row_format(base_path: str, encoder: Encoder) -> Any:
        raise UnsupportedFeature(_STREAMING_FILE_SINK)

    @staticmethod
    def for_bulk_format(base_path: str, writer_factory: Any) -> Any:
        raise UnsupportedFeature(_STREAMING_FILE_SINK)


_STREAMING_FILE_SINK = ("StreamingFileSink is Flink's legacy file sink; use FileSink.for_row_format(path, "
                        "Encoder.simple_string_encoder()).build() with stream.sink_to(...) (same part files, "
                        "exactly once)")
