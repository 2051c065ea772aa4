"""The built-in SQL connectors: ``datagen`` (source), ``print`` and ``blackhole`` (sinks) and
``filesystem`` (csv / json source and sink). Each is a factory registered in
:data:`flinklite.table._sql.catalog.CONNECTORS`; a factory has ``source(table, fields, ctx)``
returning a DataStream of ``(RowKind, tuple)`` and/or ``sink(table, rel, stream, ctx)`` adding a
sink to the environment.

``jdbc`` (PostgreSQL: scan source, upsert/append sink) is
:mod:`flinklite.datastream.connectors._jdbc_table`, registered here.

The filesystem sink writes through flinklite's ``FileSink`` (part files committed on
checkpoints, exactly-once); the print sink prints ``+I[v1, v2]`` lines like Flink's
``PrintSinkFunction`` (prefixed by ``print_identifier`` / the subtask when given).
"""

from __future__ import annotations

import csv
import datetime
import decimal
import io
import json
import os
import random
from typing import Any

from flinklite.datastream.connectors.base import Boundedness, Source, SourceReader
from flinklite.errors import ValidationException
from flinklite.table._sql import operators as ops
from flinklite.table._sql import types as ty
from flinklite.table._sql.catalog import register_connector
from flinklite.table._sql.expr import _fmt_double, _ts_to_str, cast_fn
from flinklite.table._sql.types import T

__all__ = ["DataGenFactory", "PrintFactory", "BlackholeFactory", "FileSystemFactory"]


# -- datagen -----------------------------------------------------------------------------------------

def _random_value(t: Any, opts: dict, name: str, rng: random.Random) -> Any:
    n = t.name
    lo = opts.get(f"fields.{name}.min")
    hi = opts.get(f"fields.{name}.max")
    if n in ("TINYINT", "SMALLINT", "INT", "BIGINT"):
        bounds = {"TINYINT": 2**7, "SMALLINT": 2**15, "INT": 2**31, "BIGINT": 2**63}[n]
        return rng.randint(int(lo) if lo is not None else -bounds, int(hi) if hi is not None else bounds - 1)
    if n in ("FLOAT", "DOUBLE"):
        return rng.uniform(float(lo) if lo is not None else -1e9, float(hi) if hi is not None else 1e9)
    if n == "DECIMAL":
        v = rng.uniform(float(lo) if lo is not None else -1e6, float(hi) if hi is not None else 1e6)
        return decimal.Decimal(v).quantize(decimal.Decimal(1).scaleb(-t.args[1]))
    if n == "BOOLEAN":
        return rng.random() < 0.5
    if n == "STRING":
        length = int(opts.get(f"fields.{name}.length", 100))
        return "".join(rng.choice("0123456789abcdef") for _ in range(length))
    if n in ("TIMESTAMP", "TIMESTAMP_LTZ"):
        import time

        return int(time.time() * 1000) - rng.randint(0, int(opts.get(f"fields.{name}.max-past", 0)))
    if n == "DATE":
        return datetime.date.today()
    return None


class _DataGenReader(SourceReader):
    def __init__(self, fields: list, opts: dict, index: int, parallelism: int, emitted: int) -> None:
        self.fields = fields
        self.opts = opts
        total = opts.get("number-of-rows")
        self.total = None if total is None else int(total)
        if self.total is not None:
            base, extra = divmod(self.total, parallelism)
            self.total = base + (1 if index < extra else 0)
        self.rate = float(opts.get("rows-per-second", 10000)) / parallelism
        self.index = index
        self.parallelism = parallelism
        self.emitted = emitted
        self.rng = random.Random(hash((index, emitted)) & 0xFFFFFFFF)
        self.seq = {}
        for f in fields:
            if opts.get(f"fields.{f.name}.kind") == "sequence":
                start, end = int(opts[f"fields.{f.name}.start"]), int(opts[f"fields.{f.name}.end"])
                self.seq[f.name] = (start, end)
                n = end - start + 1
                share = n // parallelism + (1 if index < n % parallelism else 0)
                self.total = share if self.total is None else min(self.total, share)
        self.started: float | None = None

    def _value(self, f: Any, i: int) -> Any:
        if f.name in self.seq:
            start, _ = self.seq[f.name]
            return start + self.index + i * self.parallelism
        return _random_value(f.type, self.opts, f.name, self.rng)

    def poll(self, max_records: int) -> Any:
        import time

        if self.total is not None and self.emitted >= self.total:
            return None
        now = time.time()
        if self.started is None:
            self.started = now - self.emitted / self.rate
        allowed = int((now - self.started) * self.rate) - self.emitted
        n = min(max_records, max(allowed, 0))
        if self.total is not None:
            n = min(n, self.total - self.emitted)
        out = []
        for _ in range(n):
            i = self.emitted
            out.append((ops.INSERT, tuple(self._value(f, i) for f in self.fields)))
            self.emitted += 1
        return out, None

    def next_available_ms(self) -> float | None:
        if self.started is None:
            return None
        return (self.started + (self.emitted + 1) / self.rate) * 1000

    def snapshot_state(self) -> list:
        return [self.emitted]


class _DataGenSource(Source):
    def __init__(self, fields: list, opts: dict) -> None:
        self.fields = fields
        self.opts = opts

    def get_boundedness(self) -> Boundedness:
        bounded = "number-of-rows" in self.opts or any(k.endswith(".kind") and v == "sequence"
                                                        for k, v in self.opts.items())
        return Boundedness.BOUNDED if bounded else Boundedness.CONTINUOUS_UNBOUNDED

    def create_reader(self, subtask_index: int, parallelism: int) -> SourceReader:
        return _DataGenReader(self.fields, self.opts, subtask_index, parallelism, 0)

    def restore_reader(self, subtask_index: int, parallelism: int, splits: list) -> SourceReader:
        return _DataGenReader(self.fields, self.opts, subtask_index, parallelism, splits[0] if splits else 0)


class DataGenFactory:
    def source(self, table: Any, fields: list, ctx: Any) -> Any:
        physical = [f for f, (_, k, _) in zip(fields, table.columns) if k != "computed"]
        return ctx.env.from_source(_DataGenSource(physical, table.options), _no_watermarks(), "datagen")


def _no_watermarks() -> Any:
    from flinklite.common.watermark_strategy import WatermarkStrategy

    return WatermarkStrategy.no_watermarks()


# -- print / blackhole ---------------------------------------------------------------------------------

def _java_time_text(ms: int) -> str:
    """Java's ``LocalDateTime.toString``: ``2024-01-02T03:04`` / ``..:05`` / ``..:05.678``; the
    seconds and the fraction are left out when zero."""
    d = ty.EPOCH + datetime.timedelta(milliseconds=ms)
    text = d.strftime("%Y-%m-%dT%H:%M")
    if d.second or d.microsecond:
        text += f":{d.second:02d}"
    if d.microsecond:
        text += f".{d.microsecond // 1000:03d}"
    return text


def _format_timestamp(ms: int) -> str:
    """The csv / json formats' SQL timestamp text: ``2024-01-02 03:04:05[.678]`` (fraction trimmed)."""
    text = _ts_to_str(ms, 3)
    return text[:-4] if text.endswith(".000") else text.rstrip("0")


def _plain_decimal(v: decimal.Decimal) -> str:
    # the formats write BigDecimal without trailing zeros (-3.00 -> -3)
    text = format(v.normalize(), "f")
    return text


def _print_value(v: Any, t: Any, tz: Any) -> str:
    if v is None:
        return "null"
    if t.name == "TIMESTAMP":
        return _java_time_text(v)
    if t.name == "TIMESTAMP_LTZ":
        return _java_time_text(v) + "Z"  # an Instant prints in UTC
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return _fmt_double(v)
    if isinstance(v, decimal.Decimal):
        return format(v, "f")
    return str(v)


class PrintFactory:
    def sink(self, table: Any, rel: Any, stream: Any, ctx: Any) -> None:
        ident = table.options.get("print-identifier")
        types = [f.type for f in rel.fields]
        tz = ctx.tz

        def fmt(rec: tuple) -> str:
            kind, vals = rec
            body = kind.short_string() + "[" + ", ".join(_print_value(v, t, tz) for v, t in zip(vals, types)) + "]"
            return f"{ident}> {body}" if ident else body

        stream.map(fmt).print()


class BlackholeFactory:
    def sink(self, table: Any, rel: Any, stream: Any, ctx: Any) -> None:
        from flinklite.datastream.functions import SinkFunction

        class _Discard(SinkFunction):
            def invoke(self, value: Any, context: Any) -> None:
                pass

        stream.add_sink(_Discard())


# -- filesystem ----------------------------------------------------------------------------------------

def _text_to_value(s: str | None, t: Any, tz: Any) -> Any:
    if s is None:
        return None
    return cast_fn(lambda r: r, T.STRING, t, True, tz)(s)


def _value_to_text(v: Any, t: Any, tz: Any) -> str:
    if v is None:
        return ""
    if t.name == "TIMESTAMP":
        return _format_timestamp(v)
    if t.name == "DECIMAL":
        return _plain_decimal(v)
    if t.name in ("TIMESTAMP_LTZ", "BOOLEAN", "DOUBLE", "FLOAT"):
        out = cast_fn(lambda r: r, t, T.STRING, False, tz)(v)
        return out.lower() if t.name == "BOOLEAN" else out
    return str(v)


def _csv_field(text: str, delim: str) -> str:
    """Quoted as Flink's csv format (Jackson) quotes: when the text holds the delimiter, a quote,
    a line break or a space (a timestamp is quoted for its space)."""
    if any(c in text for c in (delim, '"', "\n", "\r", " ")):
        return '"' + text.replace('"', '""') + '"'
    return text


def _json_value(v: Any, t: Any, tz: Any) -> Any:
    if v is None:
        return None
    if t.name in ("TIMESTAMP", "TIMESTAMP_LTZ"):
        return _value_to_text(v, t, tz)
    if isinstance(v, decimal.Decimal):
        n = v.normalize()
        return int(n) if n == n.to_integral_value() else float(n)
    if isinstance(v, (datetime.date, datetime.time)):
        return v.isoformat()
    return v


class _FileReader(SourceReader):
    def __init__(self, files: list[str], fields: list, fmt: str, opts: dict, tz: Any, pos: list) -> None:
        self.files = files
        self.fields = fields
        self.fmt = fmt
        self.opts = opts
        self.tz = tz
        self.pos = pos or [0, 0]  # file index, line index

    def _parse(self, line: str) -> tuple | None:
        fields = self.fields
        if self.fmt == "csv":
            delim = self.opts.get("csv.field-delimiter", ",")
            parts = next(csv.reader(io.StringIO(line), delimiter=delim))
            null_lit = self.opts.get("csv.null-literal")
            vals = []
            for i, f in enumerate(fields):
                s = parts[i] if i < len(parts) else None
                if s is not None and (s == null_lit or (s == "" and f.type.name != "STRING")):
                    s = None
                vals.append(_text_to_value(s, f.type, self.tz))
            return tuple(vals)
        obj = json.loads(line)
        out = []
        for f in fields:
            v = obj.get(f.name)
            if v is not None and (f.type.name in ("TIMESTAMP", "TIMESTAMP_LTZ", "DATE", "DECIMAL")):
                v = _text_to_value(str(v), f.type, self.tz)
            out.append(v)
        return tuple(out)

    def poll(self, max_records: int) -> Any:
        out = []
        while len(out) < max_records:
            if self.pos[0] >= len(self.files):
                return (out, None) if out else None
            with open(self.files[self.pos[0]], encoding="utf-8") as fh:
                lines = fh.read().splitlines()
            while self.pos[1] < len(lines) and len(out) < max_records:
                line = lines[self.pos[1]]
                self.pos[1] += 1
                if line.strip():
                    row = self._parse(line)
                    if row is not None:
                        out.append((ops.INSERT, row))
            if self.pos[1] >= len(lines):
                self.pos = [self.pos[0] + 1, 0]
        return out, None

    def snapshot_state(self) -> list:
        return list(self.pos)


class _FileSource(Source):
    parallelism = 1

    def __init__(self, path: str, fields: list, fmt: str, opts: dict, tz: Any) -> None:
        self.path = path
        self.fields = fields
        self.fmt = fmt
        self.opts = opts
        self.tz = tz

    def _files(self) -> list[str]:
        if os.path.isdir(self.path):
            out = []
            for root, _dirs, names in os.walk(self.path):
                for n in names:
                    if not n.startswith((".", "_")):
                        out.append(os.path.join(root, n))
            return sorted(out)
        return [self.path]

    def create_reader(self, subtask_index: int, parallelism: int) -> SourceReader:
        return _FileReader(self._files(), self.fields, self.fmt, self.opts, self.tz, [0, 0])

    def restore_reader(self, subtask_index: int, parallelism: int, splits: list) -> SourceReader:
        return _FileReader(self._files(), self.fields, self.fmt, self.opts, self.tz, list(splits))


def _format(table: Any) -> str:
    fmt = table.options.get("format")
    if fmt not in ("csv", "json"):
        raise ValidationException(f"filesystem connector: 'format' must be 'csv' or 'json' in flinklite, got {fmt!r} "
                                  f"(table {table.name})")
    return fmt


class FileSystemFactory:
    def source(self, table: Any, fields: list, ctx: Any) -> Any:
        path = table.options.get("path")
        if not path:
            raise ValidationException(f"filesystem connector: table {table.name} needs a 'path' option")
        path = path[len("file://"):] if path.startswith("file://") else path
        physical = [f for f, (_, k, _) in zip(fields, table.columns) if k != "computed"]
        return ctx.env.from_source(_FileSource(path, physical, _format(table), table.options, ctx.tz),
                                   _no_watermarks(), f"filesystem:{table.name}")

    def sink(self, table: Any, rel: Any, stream: Any, ctx: Any) -> None:
        from flinklite.common.serialization import Encoder
        from flinklite.datastream.connectors.file_system import BucketAssigner, FileSink, OutputFileConfig

        if not rel.append_only:
            raise ValidationException(f"Table sink 'default_catalog.default_database.{table.name}' doesn't support "
                                      "consuming update and delete changes")
        path = table.options.get("path")
        path = path[len("file://"):] if path.startswith("file://") else path
        fmt = _format(table)
        types = [t for _, t in table.physical()]
        names = [n for n, _ in table.physical()]
        tz = ctx.tz
        delim = table.options.get("csv.field-delimiter", ",")

        def encode(rec: tuple) -> str:
            vals = rec[1]
            if fmt == "json":
                return json.dumps({n: _json_value(v, t, tz) for n, v, t in zip(names, vals, types)},
                                  separators=(",", ":"))
            return delim.join(_csv_field(_value_to_text(v, t, tz), delim) for v, t in zip(vals, types))

        os.makedirs(path, exist_ok=True)
        # an unpartitioned filesystem table writes its part files straight into 'path', as Flink's
        sink = (FileSink.for_row_format(path, Encoder.simple_string_encoder())
                .with_bucket_assigner(BucketAssigner.base_path_bucket_assigner())
                .with_output_file_config(OutputFileConfig.builder().with_part_suffix("." + fmt).build())
                .build())
        stream.map(encode).sink_to(sink)


register_connector("datagen", DataGenFactory())
register_connector("print", PrintFactory())
register_connector("blackhole", BlackholeFactory())
register_connector("filesystem", FileSystemFactory())


class _JdbcFactory:
    """``'connector' = 'jdbc'`` (PostgreSQL): the JDBC connector's planner interface, imported
    when a jdbc table is first used, so SQL jobs without one never load psycopg."""

    def source(self, table: Any, fields: list, ctx: Any) -> Any:
        from flinklite.datastream.connectors._jdbc_table import JdbcSqlConnector

        return JdbcSqlConnector().source(table, fields, ctx)

    def sink(self, table: Any, rel: Any, stream: Any, ctx: Any) -> None:
        from flinklite.datastream.connectors._jdbc_table import JdbcSqlConnector

        JdbcSqlConnector().sink(table, rel, stream, ctx)


register_connector("jdbc", _JdbcFactory())
