"""The SQL ``jdbc`` connector (Flink's ``JdbcDynamicTableFactory``) for PostgreSQL: an upsert sink,
a bounded scan source and a lookup function, built from a table's ``WITH`` options.

``CREATE TABLE t (id INT, name STRING, PRIMARY KEY (id) NOT ENFORCED) WITH ('connector' = 'jdbc',
'url' = 'jdbc:postgresql://localhost:5432/db', 'table-name' = 'users', 'username' = 'u',
'password' = 'p')`` becomes, through :class:`JdbcTableFactory`:

- **sink**: with a primary key the sink *upserts*. INSERT and UPDATE_AFTER rows run
  ``INSERT ... ON CONFLICT (key) DO UPDATE SET ...``, DELETE rows run ``DELETE ... WHERE key``,
  and UPDATE_BEFORE rows are dropped. Within one buffer only the last change per key is written
  (Flink's reduced buffer). Replaying a change gives the same row, so after a failure the table
  ends up as if each change had been applied exactly once, with at-least-once delivery. Without
  a primary key the sink appends, and it accepts inserts only. The buffer is written by
  ``sink.buffer-flush.max-rows`` (100), by ``sink.buffer-flush.interval`` (1 s), at every
  checkpoint and at the end of input. Connection errors are retried ``sink.max-retries`` (3)
  times.
- **scan**: ``SELECT <columns> FROM <table>``, read through a server-side cursor of
  ``scan.fetch-size`` rows. With ``scan.partition.column/num/lower-bound/upper-bound`` the query is
  split into ranges, and the ranges are spread over the parallel readers. A checkpoint records how
  many rows of each range were emitted. A restore skips that many, so the replay is exact when
  the table did not change. Ranges are ordered by the primary key when there is one.
- **lookup**: :class:`JdbcLookupFunction` runs ``SELECT ... WHERE k1 = ? AND ...`` with an optional
  cache (``lookup.cache`` = ``PARTIAL`` with ``lookup.partial-cache.max-rows`` /
  ``expire-after-write``, or the older ``lookup.cache.max-rows`` / ``lookup.cache.ttl``) and
  ``lookup.max-retries``.

The planner (the SQL layer) registers :class:`JdbcSqlConnector` under ``'jdbc'``. Its ``source`` and
``sink`` take the planner's table description and streams of ``(RowKind, tuple)``. The plain
:class:`JdbcTableFactory` does not need the planner. Identifiers are not quoted, as in Flink's
PostgreSQL dialect, so PostgreSQL folds them to lower case.
"""

from __future__ import annotations

import re
import time
from collections import OrderedDict
from typing import Any

from flinklite.common.types import Row, RowKind, _create_row
from flinklite.datastream.connectors.base import Boundedness, Source, SourceReader
from flinklite.datastream.connectors.jdbc import (
    JdbcConnectionError,
    JdbcConnectionOptions,
    JdbcExecutionOptions,
    JdbcSink,
    JdbcSinkError,
    _is_connection_error,
    _Statement,
)
from flinklite.errors import InvalidProgramException

__all__ = ["JdbcTableFactory", "JdbcSqlConnector", "JdbcScanSource", "JdbcLookupFunction", "parse_duration_ms"]

_OPTIONS = {
    "connector", "url", "table-name", "driver", "username", "password", "connection.max-retry-timeout",
    "scan.fetch-size", "scan.auto-commit", "scan.partition.column", "scan.partition.num",
    "scan.partition.lower-bound", "scan.partition.upper-bound",
    "lookup.cache", "lookup.partial-cache.max-rows", "lookup.partial-cache.expire-after-write",
    "lookup.partial-cache.expire-after-access", "lookup.partial-cache.cache-missing-key",
    "lookup.cache.max-rows", "lookup.cache.ttl", "lookup.cache.caching-missing-key", "lookup.max-retries",
    "sink.buffer-flush.max-rows", "sink.buffer-flush.interval", "sink.max-retries", "sink.parallelism",
}
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*)?$")


def parse_duration_ms(text: str) -> int:
    """Flink durations: ``'1s'``, ``'500 ms'``, ``'10min'``, ``'1 h'``, a bare number is ms."""
    m = re.fullmatch(r"\s*(\d+)\s*([a-z]*)\s*", str(text).lower())
    if not m:
        raise InvalidProgramException(f"cannot parse the duration {text!r} (e.g. '1s', '500 ms', '10 min')")
    n, unit = int(m.group(1)), m.group(2) or "ms"
    factors = {"ms": 1, "milli": 1, "millis": 1, "milliseconds": 1, "s": 1000, "sec": 1000, "secs": 1000,
               "second": 1000, "seconds": 1000, "min": 60_000, "m": 60_000, "minute": 60_000, "minutes": 60_000,
               "h": 3_600_000, "hour": 3_600_000, "hours": 3_600_000, "d": 86_400_000, "day": 86_400_000,
               "days": 86_400_000}
    if unit not in factors:
        raise InvalidProgramException(f"unknown unit {unit!r} in the duration {text!r}")
    return n * factors[unit]


def _ident(name: str, what: str) -> str:
    if not _IDENT.match(name):
        raise InvalidProgramException(f"jdbc connector: {what} {name!r} is not a plain SQL identifier")
    return name


class _UpsertStatement(_Statement):
    """Changelog rows against a table with a primary key: the last change per key in a batch wins."""

    def __init__(self, table: str, columns: list[str], key: list[str]) -> None:
        cols = ", ".join(columns)
        marks = ", ".join(["%s"] * len(columns))
        rest = [c for c in columns if c not in key]
        action = ("DO UPDATE SET " + ", ".join(f"{c} = EXCLUDED.{c}" for c in rest)) if rest else "DO NOTHING"
        self.sql = f"INSERT INTO {table} ({cols}) VALUES ({marks}) ON CONFLICT ({', '.join(key)}) {action}"
        self.delete_sql = f"DELETE FROM {table} WHERE " + " AND ".join(f"{k} = %s" for k in key)
        self.n_fields = len(columns)
        self.key_index = [columns.index(k) for k in key]

    def add(self, batch: list, value: Any) -> None:
        kind, row = _changelog(value)
        if kind is RowKind.UPDATE_BEFORE:
            return  # the UPDATE_AFTER that follows carries the new row
        params = self.params(row)
        batch.append((value, params, kind is RowKind.DELETE))

    def execute(self, cursor: Any, batch: list) -> None:
        last: dict = {}
        for item in batch:
            last[tuple(item[1][i] for i in self.key_index)] = item
        upserts = [item[1] for item in last.values() if not item[2]]
        deletes = [key for key, item in last.items() if item[2]]
        if upserts:
            cursor.executemany(self.sql, upserts)
        if deletes:
            cursor.executemany(self.delete_sql, deletes)

    def execute_one(self, cursor: Any, item: Any) -> None:
        if item[2]:
            cursor.execute(self.delete_sql, tuple(item[1][i] for i in self.key_index))
        else:
            cursor.execute(self.sql, item[1])


class _AppendStatement(_Statement):
    def __init__(self, table: str, columns: list[str]) -> None:
        super().__init__(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                         len(columns))
        self.table = table

    def add(self, batch: list, value: Any) -> None:
        kind, row = _changelog(value)
        if kind is not RowKind.INSERT:
            raise JdbcSinkError(
                f"the jdbc sink of table {self.table!r} has no primary key, so it can only append, but it got a "
                f"{kind.name} row {value!r}. Declare a PRIMARY KEY (...) NOT ENFORCED to write updates as upserts."
            )
        batch.append((value, self.params(row)))


def _changelog(value: Any) -> tuple[RowKind, Any]:
    """A ``(RowKind, values)`` pair (the planner's records) or a Row with its kind."""
    if isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], RowKind):
        return value[0], value[1]
    if isinstance(value, Row):
        return value.get_row_kind(), value
    return RowKind.INSERT, value


class JdbcTableFactory:
    """Builds the connector's pieces from a table's ``WITH`` options, its physical column names (in
    order) and its primary key."""

    identifier = "jdbc"

    def __init__(self, options: dict[str, str], columns: list[str], primary_key: list[str] | None = None) -> None:
        unknown = sorted(k for k in options if k not in _OPTIONS and not k.startswith("property."))
        if unknown:
            raise InvalidProgramException(
                f"jdbc connector: unsupported option(s) {unknown}; supported: {sorted(_OPTIONS)}")
        for required in ("url", "table-name"):
            if not options.get(required):
                raise InvalidProgramException(f"jdbc connector: the option '{required}' is required")
        self.options = dict(options)
        self.columns = [_ident(c, "column") for c in columns]
        self.primary_key = [_ident(k, "primary key column") for k in (primary_key or [])]
        missing = [k for k in self.primary_key if k not in self.columns]
        if missing:
            raise InvalidProgramException(f"jdbc connector: primary key columns {missing} are not columns "
                                          f"of the table {self.columns}")
        self.table = _ident(options["table-name"], "table-name")
        timeout = parse_duration_ms(options.get("connection.max-retry-timeout", "60s")) // 1000
        self.connection = JdbcConnectionOptions(options["url"], options.get("driver"), options.get("username"),
                                                options.get("password"), max(1, timeout))

    # -- sink -----------------------------------------------------------------------------------
    def execution_options(self) -> JdbcExecutionOptions:
        o = self.options
        return JdbcExecutionOptions(
            batch_size=max(1, int(o.get("sink.buffer-flush.max-rows", "100"))),  # 0 disables: one row at a time
            batch_interval_ms=parse_duration_ms(o.get("sink.buffer-flush.interval", "1s")),
            max_retries=int(o.get("sink.max-retries", "3")))

    def create_sink(self) -> JdbcSink:
        statement = (_UpsertStatement(self.table, self.columns, self.primary_key) if self.primary_key
                     else _AppendStatement(self.table, self.columns))
        return JdbcSink(statement.sql, None, self.connection, self.execution_options(), statement=statement)

    def sink_parallelism(self) -> int | None:
        p = self.options.get("sink.parallelism")
        return int(p) if p else None

    # -- scan -----------------------------------------------------------------------------------
    def create_source(self, as_changelog: bool = False) -> JdbcScanSource:
        """A bounded source of the table's rows: ``Row``s with the column names, or
        ``(RowKind.INSERT, tuple)`` pairs for the planner (``as_changelog``)."""
        o = self.options
        base = f"SELECT {', '.join(self.columns)} FROM {self.table}"
        order = f" ORDER BY {', '.join(self.primary_key)}" if self.primary_key else ""
        splits: list[tuple[str, tuple]] = []
        column = o.get("scan.partition.column")
        if column:
            try:
                num = int(o["scan.partition.num"])
                lower, upper = int(o["scan.partition.lower-bound"]), int(o["scan.partition.upper-bound"])
            except KeyError as e:
                raise InvalidProgramException(f"jdbc connector: scan.partition.column needs {e.args[0]!r} too") from e
            column = _ident(column, "scan.partition.column")
            if num < 1 or upper < lower:
                raise InvalidProgramException("jdbc connector: scan.partition.num must be >= 1 and "
                                              "scan.partition.lower-bound <= upper-bound")
            step = max(1, -(-(upper - lower + 1) // num))
            start = lower
            while start <= upper:
                end = min(upper, start + step - 1)
                # the first and last range are open-ended, so no row outside the bounds is lost
                cond = []
                if start != lower:
                    cond.append(f"{column} >= %s")
                if end != upper:
                    cond.append(f"{column} <= %s")
                params = tuple(v for v, c in ((start, start != lower), (end, end != upper)) if c)
                where = f" WHERE {' AND '.join(cond)}" if cond else ""
                splits.append((base + where + order, params))
                start = end + 1
        else:
            splits.append((base + order, ()))
        return JdbcScanSource(self.connection, splits, self.columns, int(o.get("scan.fetch-size", "0")) or 1000,
                              as_changelog)

    # -- lookup ---------------------------------------------------------------------------------
    def create_lookup_function(self, key_columns: list[str]) -> JdbcLookupFunction:
        o = self.options
        max_rows, ttl_ms, cache_missing = 0, None, True
        if o.get("lookup.cache", "").upper() == "PARTIAL":
            max_rows = int(o.get("lookup.partial-cache.max-rows", "0"))
            ttl = o.get("lookup.partial-cache.expire-after-write") or o.get("lookup.partial-cache.expire-after-access")
            ttl_ms = parse_duration_ms(ttl) if ttl else None
            cache_missing = o.get("lookup.partial-cache.cache-missing-key", "true").lower() == "true"
        elif o.get("lookup.cache.max-rows"):
            max_rows = int(o["lookup.cache.max-rows"])
            ttl_ms = parse_duration_ms(o["lookup.cache.ttl"]) if o.get("lookup.cache.ttl") else None
            cache_missing = o.get("lookup.cache.caching-missing-key", "true").lower() == "true"
        keys = [_ident(k, "lookup key") for k in key_columns]
        bad = [k for k in keys if k not in self.columns]
        if bad:
            raise InvalidProgramException(f"jdbc connector: lookup keys {bad} are not columns of {self.table}")
        sql = (f"SELECT {', '.join(self.columns)} FROM {self.table} WHERE "
               + " AND ".join(f"{k} = %s" for k in keys))
        return JdbcLookupFunction(self.connection, sql, self.columns, max_rows, ttl_ms, cache_missing,
                                  int(o.get("lookup.max-retries", "3")))


# -- scan source --------------------------------------------------------------------------------
class _ScanReader(SourceReader):
    def __init__(self, source: JdbcScanSource, splits: list) -> None:
        self.source = source
        self.splits = [list(s) for s in splits]  # [query index, rows already emitted]
        self.conn = None
        self.cursor = None

    def _open_split(self) -> None:
        index, skip = self.splits[0]
        sql, params = self.source.splits[index]
        if self.conn is None:
            self.conn = self.source.connection.connect(autocommit=False)
        self.cursor = self.conn.cursor(name=f"flinklite_scan_{index}")
        self.cursor.itersize = self.source.fetch_size
        if skip:
            sql, params = sql + " OFFSET %s", (*params, skip)
        self.cursor.execute(sql, params)

    def poll(self, max_records: int):
        while self.splits:
            if self.cursor is None:
                self._open_split()
            rows = self.cursor.fetchmany(max_records)
            if rows:
                self.splits[0][1] += len(rows)
                names = self.source.columns
                if self.source.as_changelog:
                    return [(RowKind.INSERT, tuple(r)) for r in rows], None
                return [_create_row(names, r) for r in rows], None
            self.cursor.close()
            self.cursor = None
            self.conn.commit()
            self.splits.pop(0)
        return None

    def snapshot_state(self) -> list:
        return [list(s) for s in self.splits]

    def close(self) -> None:
        if self.conn is not None:
            try:
                self.conn.close()
            except Exception:  # noqa: BLE001
                pass
            self.conn = None


class JdbcScanSource(Source):
    """A bounded read of query ranges (see the module documentation)."""

    def __init__(self, connection: JdbcConnectionOptions, splits: list[tuple[str, tuple]], columns: list[str],
                 fetch_size: int = 1000, as_changelog: bool = False) -> None:
        self.connection = connection
        self.splits = splits
        self.columns = columns
        self.fetch_size = fetch_size
        self.as_changelog = as_changelog

    def get_boundedness(self) -> Boundedness:
        return Boundedness.BOUNDED

    def create_reader(self, subtask_index: int, parallelism: int) -> SourceReader:
        return _ScanReader(self, [[i, 0] for i in range(len(self.splits)) if i % parallelism == subtask_index])

    def restore_reader(self, subtask_index: int, parallelism: int, splits: list) -> SourceReader:
        return _ScanReader(self, splits)


# -- lookup -------------------------------------------------------------------------------------
class JdbcLookupFunction:
    """``lookup(*keys)`` -> the rows (as ``Row``s with column names) whose key columns equal
    ``keys``; cached when the table's options ask for it. Call ``open()`` first and ``close()`` at
    the end (a lookup-join operator does this)."""

    def __init__(self, connection: JdbcConnectionOptions, sql: str, columns: list[str], max_rows: int = 0,
                 ttl_ms: int | None = None, cache_missing: bool = True, max_retries: int = 3) -> None:
        self.connection = connection
        self.sql = sql
        self.columns = columns
        self.max_rows = max_rows
        self.ttl_ms = ttl_ms
        self.cache_missing = cache_missing
        self.max_retries = max_retries
        self.cache: OrderedDict = OrderedDict()
        self.conn = None
        self.queries = 0  # database round trips, for tests and metrics

    def open(self, *_: Any) -> None:
        self.conn = self.connection.connect(autocommit=True)

    def lookup(self, *keys: Any) -> list[Row]:
        if self.max_rows:
            hit = self.cache.get(keys)
            if hit is not None and (self.ttl_ms is None or hit[0] > time.monotonic()):
                self.cache.move_to_end(keys)
                return hit[1]
        rows = self._query(keys)
        if self.max_rows and (rows or self.cache_missing):
            expires = time.monotonic() + self.ttl_ms / 1000 if self.ttl_ms is not None else 0.0
            self.cache[keys] = (expires, rows)
            self.cache.move_to_end(keys)
            while len(self.cache) > self.max_rows:
                self.cache.popitem(last=False)
        return rows

    def _query(self, keys: tuple) -> list[Row]:
        for attempt in range(self.max_retries + 1):
            try:
                if self.conn is None:
                    self.open()
                self.queries += 1
                return [_create_row(self.columns, r) for r in self.conn.execute(self.sql, keys).fetchall()]
            except Exception as e:
                if not (isinstance(e, JdbcConnectionError) or _is_connection_error(e)):
                    raise
                if attempt >= self.max_retries:
                    raise JdbcConnectionError(
                        f"lookup of {keys!r} on {self.connection.describe()} failed {attempt + 1} times: "
                        f"{str(e).strip()}"
                    ) from e
                self.close()
                time.sleep(attempt + 1)
        raise AssertionError("unreachable")  # pragma: no cover

    def close(self) -> None:
        if self.conn is not None:
            try:
                self.conn.close()
            except Exception:  # noqa: BLE001
                pass
            self.conn = None


# -- the planner's connector interface ----------------------------------------------------------
class JdbcSqlConnector:
    """``'connector' = 'jdbc'`` for the SQL planner: ``source(table, fields, ctx)`` and
    ``sink(table, rel, stream, ctx)``, where ``table`` has ``options``, ``columns`` as
    ``(name, kind, type)`` and ``primary_key``, and streams carry ``(RowKind, tuple)``."""

    @staticmethod
    def factory(table: Any) -> JdbcTableFactory:
        columns = [name for name, kind, _ in table.columns if kind != "computed"]
        return JdbcTableFactory(table.options, columns, list(getattr(table, "primary_key", []) or []))

    def source(self, table: Any, fields: list, ctx: Any) -> Any:
        from flinklite.common.watermark_strategy import WatermarkStrategy

        src = self.factory(table).create_source(as_changelog=True)
        return ctx.env.from_source(src, WatermarkStrategy.no_watermarks(), f"jdbc: {table.options['table-name']}")

    def sink(self, table: Any, rel: Any, stream: Any, ctx: Any) -> None:
        factory = self.factory(table)
        out = stream.add_sink(factory.create_sink()).name(f"jdbc: {factory.table}")
        if factory.sink_parallelism():
            out.set_parallelism(factory.sink_parallelism())
