"""The JDBC sink (PyFlink's ``pyflink.datastream.connectors.jdbc``), for PostgreSQL.

Flink's JDBC connector sends rows to a database through a JDBC driver. flinklite has no JVM, so
it speaks to PostgreSQL through psycopg 3. psycopg is an optional dependency
(``pip install 'flinklite[jdbc]'``) and is imported only when a JDBC sink opens. The API is
PyFlink's::

    JdbcSink.sink("INSERT INTO t (id, name) VALUES (?, ?)", Types.ROW([Types.INT(), Types.STRING()]),
                  JdbcConnectionOptions.JdbcConnectionOptionsBuilder()
                      .with_url("jdbc:postgresql://localhost:5432/db")
                      .with_user_name("u").with_password("p").build(),
                  JdbcExecutionOptions.builder().with_batch_size(500).build())

and the result goes to ``ds.add_sink(...)`` or ``ds.sink_to(...)``. ``?`` placeholders become
psycopg's ``%s`` ones. A JDBC url ``jdbc:postgresql://host:port/db?user=..&password=..`` becomes a
libpq connection.

**At least once** (:meth:`JdbcSink.sink`). Records are buffered. A buffer is written in one
transaction, as one ``executemany``, when it holds ``batch_size`` records, when ``batch_interval_ms``
has passed since the last write (checked when a record arrives), at every checkpoint barrier, and
at the end of input. A connection error is retried ``max_retries`` times: wait ``attempt`` seconds
(as Flink does), reconnect, and write the whole batch again. After a failure the job replays
records from the last checkpoint, so some may be written twice. To make the replay harmless, use
an idempotent statement (``INSERT ... ON CONFLICT (key) DO UPDATE``; the SQL ``jdbc`` connector
builds one from the primary key).

**Exactly once** (:meth:`JdbcSink.exactly_once_sink`). Flink uses XA transactions here. PostgreSQL's
form of XA is ``PREPARE TRANSACTION``, and flinklite uses it directly. Each subtask writes into an
open transaction. At a checkpoint barrier the transaction is prepared under an id
``<prefix>:<subtask>:<attempt>:<n>``. A prepared transaction outlives the session and even a
server restart. When the checkpoint completes, ``COMMIT PREPARED`` runs. After a restore, the
transactions stored in the checkpoint are committed again; an id the server no longer knows was
committed already. Then every prepared transaction left with this sink's prefix and subtask
(pre-committed for a checkpoint that never completed) is rolled back, because its records will
be replayed. The server needs ``max_prepared_transactions > 0``. As in Flink, ``max_retries``
must be 0, since retrying a write inside a transaction could duplicate it.

**Differences from Flink.** Only PostgreSQL is supported (``driver_name`` is accepted and ignored).
``batch_interval_ms`` is checked when records arrive; no background thread flushes an idle buffer,
so an idle buffer waits for the next checkpoint or the end of input. A statement that fails on
*data* (a value the column does not accept, a constraint violation) is not retried. The sink finds
the failing record by writing the batch again row by row under savepoints, then raises
:class:`JdbcSinkError` naming the record. If ``skip_malformed_records`` is on (flinklite only), it
skips such records, logs them and counts them in ``sink.skipped_records``.
"""

from __future__ import annotations

import hashlib
import logging
import time
import uuid
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from flinklite.datastream.connectors.base import Sink, SinkWriter
from flinklite.datastream.connectors.two_phase_commit import TwoPhaseCommitSink
from flinklite.errors import FlinkliteError, InvalidProgramException

__all__ = [
    "JdbcSink", "JdbcConnectionOptions", "JdbcExecutionOptions", "JdbcExactlyOnceOptions",
    "JdbcSinkError", "JdbcConnectionError",
]

log = logging.getLogger(__name__)


class JdbcSinkError(FlinkliteError, IOError):
    """A write to the database failed, and retrying cannot fix it (e.g. a malformed record)."""


class JdbcConnectionError(JdbcSinkError):
    """The database cannot be reached, or it stayed unreachable through every retry."""


def _psycopg():
    try:
        import psycopg
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise InvalidProgramException(
            "the JDBC connector needs psycopg 3: pip install 'flinklite[jdbc]' (or psycopg[binary])"
        ) from e
    return psycopg


# -- urls and statements ------------------------------------------------------------------------
def parse_jdbc_url(url: str) -> dict[str, str]:
    """``jdbc:postgresql://host[:port][/db][?k=v&...]`` as libpq keywords (host, port, dbname, ...)."""
    if not isinstance(url, str) or not url.startswith("jdbc:postgresql:"):
        raise InvalidProgramException(
            f"JDBC url {url!r}: flinklite's JDBC connector supports PostgreSQL only, with urls like "
            "'jdbc:postgresql://localhost:5432/mydb'"
        )
    rest = url[len("jdbc:postgresql:"):]
    if not rest.startswith("//"):  # jdbc:postgresql:db means localhost:5432/db
        rest = "//localhost/" + rest
    parts = urlsplit("postgresql:" + rest)
    params: dict[str, str] = {"host": parts.hostname or "localhost", "port": str(parts.port or 5432)}
    db = unquote(parts.path.lstrip("/"))
    if db:
        params["dbname"] = db
    for key, value in parse_qsl(parts.query):
        params[{"ssl": "sslmode"}.get(key, key)] = value if key != "ssl" else ("require" if value == "true" else value)
    return params


def to_pyformat(sql: str) -> str:
    """JDBC's ``?`` placeholders as psycopg's ``%s`` (and a literal ``%`` as ``%%``), leaving quoted
    strings, quoted identifiers and comments alone."""
    out: list[str] = []
    i, n = 0, len(sql)
    while i < n:
        c = sql[i]
        if c in ("'", '"'):
            j = i + 1
            while j < n:
                if sql[j] == c:
                    if j + 1 < n and sql[j + 1] == c:  # a doubled quote is an escaped quote
                        j += 2
                        continue
                    break
                j += 1
            out.append(sql[i:j + 1].replace("%", "%%"))
            i = j + 1
        elif c == "-" and sql.startswith("--", i):
            j = sql.find("\n", i)
            j = n if j < 0 else j
            out.append(sql[i:j].replace("%", "%%"))
            i = j
        elif c == "?":
            out.append("%s")
            i += 1
        elif c == "%":
            out.append("%%")
            i += 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


# -- options ------------------------------------------------------------------------------------
class JdbcConnectionOptions:
    """Where the database is: url, driver name (ignored: always PostgreSQL), user, password."""

    def __init__(self, url: str, driver_name: str | None = None, user_name: str | None = None,
                 password: str | None = None, connection_check_timeout_seconds: int = 60) -> None:
        parse_jdbc_url(url)  # fail when the job is built, not when it runs
        self._url = url
        self._driver_name = driver_name
        self._user_name = user_name
        self._password = password
        self._timeout = connection_check_timeout_seconds

    def get_db_url(self) -> str:
        return self._url

    def get_driver_name(self) -> str | None:
        return self._driver_name

    def get_user_name(self) -> str | None:
        return self._user_name

    def get_password(self) -> str | None:
        return self._password

    def get_connection_check_timeout_seconds(self) -> int:
        return self._timeout

    def conninfo(self) -> dict[str, Any]:
        params: dict[str, Any] = dict(parse_jdbc_url(self._url))
        if self._user_name is not None:
            params["user"] = self._user_name
        if self._password is not None:
            params["password"] = self._password
        params.setdefault("connect_timeout", str(max(1, min(self._timeout, 10))))
        params.setdefault("application_name", "flinklite")
        return params

    def describe(self) -> str:
        user = f" as user {self._user_name!r}" if self._user_name else ""
        return f"{self._url}{user}"

    def connect(self, autocommit: bool = False):
        """A new psycopg connection, or :class:`JdbcConnectionError` naming the url."""
        psycopg = _psycopg()
        try:
            return psycopg.connect(autocommit=autocommit, **self.conninfo())
        except psycopg.Error as e:
            raise JdbcConnectionError(
                f"cannot connect to {self.describe()}: {str(e).strip()}. Check that the PostgreSQL "
                "server is running and reachable, and the url, user name and password."
            ) from e

    class JdbcConnectionOptionsBuilder:
        def __init__(self) -> None:
            self._url: str | None = None
            self._driver_name: str | None = None
            self._user_name: str | None = None
            self._password: str | None = None
            self._timeout = 60

        def with_url(self, url: str) -> JdbcConnectionOptions.JdbcConnectionOptionsBuilder:
            self._url = url
            return self

        def with_driver_name(self, driver_name: str) -> JdbcConnectionOptions.JdbcConnectionOptionsBuilder:
            self._driver_name = driver_name
            return self

        def with_user_name(self, user_name: str) -> JdbcConnectionOptions.JdbcConnectionOptionsBuilder:
            self._user_name = user_name
            return self

        def with_password(self, password: str) -> JdbcConnectionOptions.JdbcConnectionOptionsBuilder:
            self._password = password
            return self

        def with_connection_check_timeout_seconds(self, seconds: int) \
                -> JdbcConnectionOptions.JdbcConnectionOptionsBuilder:
            self._timeout = int(seconds)
            return self

        def build(self) -> JdbcConnectionOptions:
            if not self._url:
                raise InvalidProgramException("JdbcConnectionOptions: with_url(...) is required")
            return JdbcConnectionOptions(self._url, self._driver_name, self._user_name, self._password,
                                         self._timeout)


class JdbcExecutionOptions:
    """How rows are written: ``batch_size`` rows per write (default 5000), a write at least every
    ``batch_interval_ms`` (0: no time limit), ``max_retries`` retries of a failed write (3)."""

    DEFAULT_BATCH_SIZE = 5000
    DEFAULT_BATCH_INTERVAL_MS = 0
    DEFAULT_MAX_RETRIES = 3

    def __init__(self, batch_size: int = DEFAULT_BATCH_SIZE, batch_interval_ms: int = DEFAULT_BATCH_INTERVAL_MS,
                 max_retries: int = DEFAULT_MAX_RETRIES, skip_malformed_records: bool = False) -> None:
        if batch_size < 1:
            raise InvalidProgramException(f"JdbcExecutionOptions: batch size must be >= 1, got {batch_size}")
        if batch_interval_ms < 0:
            raise InvalidProgramException(f"JdbcExecutionOptions: batch interval must be >= 0 ms, got "
                                          f"{batch_interval_ms}")
        if max_retries < 0:
            raise InvalidProgramException(f"JdbcExecutionOptions: max retries must be >= 0, got {max_retries}")
        self._batch_size = int(batch_size)
        self._batch_interval_ms = int(batch_interval_ms)
        self._max_retries = int(max_retries)
        self._skip_malformed = bool(skip_malformed_records)

    def get_batch_interval_ms(self) -> int:
        return self._batch_interval_ms

    def get_batch_size(self) -> int:
        return self._batch_size

    def get_max_retries(self) -> int:
        return self._max_retries

    def get_skip_malformed_records(self) -> bool:
        return self._skip_malformed

    @staticmethod
    def defaults() -> JdbcExecutionOptions:
        return JdbcExecutionOptions()

    @staticmethod
    def builder() -> JdbcExecutionOptions.Builder:
        return JdbcExecutionOptions.Builder()

    class Builder:
        def __init__(self) -> None:
            self._size = JdbcExecutionOptions.DEFAULT_BATCH_SIZE
            self._interval = JdbcExecutionOptions.DEFAULT_BATCH_INTERVAL_MS
            self._retries = JdbcExecutionOptions.DEFAULT_MAX_RETRIES
            self._skip = False

        def with_batch_size(self, size: int) -> JdbcExecutionOptions.Builder:
            self._size = size
            return self

        def with_batch_interval_ms(self, interval_ms: int) -> JdbcExecutionOptions.Builder:
            self._interval = interval_ms
            return self

        def with_max_retries(self, max_retries: int) -> JdbcExecutionOptions.Builder:
            self._retries = max_retries
            return self

        def with_skip_malformed_records(self, skip: bool = True) -> JdbcExecutionOptions.Builder:
            """flinklite only: skip (log and count) records the database rejects instead of failing."""
            self._skip = skip
            return self

        def build(self) -> JdbcExecutionOptions:
            return JdbcExecutionOptions(self._size, self._interval, self._retries, self._skip)


class JdbcExactlyOnceOptions:
    """Options of the exactly-once sink (Flink's Java ``JdbcExactlyOnceOptions``).

    ``recovered_and_rollback`` (default True): at start, roll back the prepared transactions this
    sink's subtask left behind. ``max_commit_attempts`` (3): tries of ``COMMIT PREPARED`` when the
    connection fails. ``allow_out_of_order_commits``, ``timeout_sec`` and
    ``transaction_per_connection`` are accepted for compatibility. flinklite commits in checkpoint
    order, PostgreSQL has no timeout for prepared transactions, and a prepared transaction always
    leaves its connection free. ``transaction_id_prefix`` (flinklite only) is the start of the
    transaction ids. The default is derived from the url and the statement, so it stays the same
    when the job is restarted. Give jobs that share a database and a statement different
    prefixes.
    """

    def __init__(self, recovered_and_rollback: bool = True, max_commit_attempts: int = 3,
                 allow_out_of_order_commits: bool = False, timeout_sec: int | None = None,
                 transaction_per_connection: bool = False, transaction_id_prefix: str | None = None) -> None:
        if max_commit_attempts < 1:
            raise InvalidProgramException(f"JdbcExactlyOnceOptions: max commit attempts must be >= 1, got "
                                          f"{max_commit_attempts}")
        if transaction_id_prefix is not None and (":" in transaction_id_prefix or "'" in transaction_id_prefix
                                                  or not transaction_id_prefix):
            raise InvalidProgramException(f"JdbcExactlyOnceOptions: transaction id prefix {transaction_id_prefix!r} "
                                          "must be non-empty and contain neither ':' nor quotes")
        self._recovered_and_rollback = recovered_and_rollback
        self._max_commit_attempts = max_commit_attempts
        self._allow_out_of_order_commits = allow_out_of_order_commits
        self._timeout_sec = timeout_sec
        self._transaction_per_connection = transaction_per_connection
        self._prefix = transaction_id_prefix

    def is_recovered_and_rollback(self) -> bool:
        return self._recovered_and_rollback

    def get_max_commit_attempts(self) -> int:
        return self._max_commit_attempts

    def is_allow_out_of_order_commits(self) -> bool:
        return self._allow_out_of_order_commits

    def get_timeout_sec(self) -> int | None:
        return self._timeout_sec

    def is_transaction_per_connection(self) -> bool:
        return self._transaction_per_connection

    def get_transaction_id_prefix(self) -> str | None:
        return self._prefix

    @staticmethod
    def defaults() -> JdbcExactlyOnceOptions:
        return JdbcExactlyOnceOptions()

    @staticmethod
    def builder() -> JdbcExactlyOnceOptions.Builder:
        return JdbcExactlyOnceOptions.Builder()

    class Builder:
        def __init__(self) -> None:
            self._kw: dict[str, Any] = {}

        def with_recovered_and_rollback(self, value: bool) -> JdbcExactlyOnceOptions.Builder:
            self._kw["recovered_and_rollback"] = value
            return self

        def with_max_commit_attempts(self, value: int) -> JdbcExactlyOnceOptions.Builder:
            self._kw["max_commit_attempts"] = value
            return self

        def with_allow_out_of_order_commits(self, value: bool) -> JdbcExactlyOnceOptions.Builder:
            self._kw["allow_out_of_order_commits"] = value
            return self

        def with_timeout_sec(self, value: int | None) -> JdbcExactlyOnceOptions.Builder:
            self._kw["timeout_sec"] = value
            return self

        def with_transaction_per_connection(self, value: bool) -> JdbcExactlyOnceOptions.Builder:
            self._kw["transaction_per_connection"] = value
            return self

        def with_transaction_id_prefix(self, prefix: str) -> JdbcExactlyOnceOptions.Builder:
            self._kw["transaction_id_prefix"] = prefix
            return self

        def build(self) -> JdbcExactlyOnceOptions:
            return JdbcExactlyOnceOptions(**self._kw)


# -- shared pieces ------------------------------------------------------------------------------
class _SharedCounter:
    """A counter that every parallel copy of a sink shares (deep copies return the same object),
    so the program that built the sink can read it after the job."""

    def __init__(self) -> None:
        self.value = 0

    def __deepcopy__(self, memo: dict) -> _SharedCounter:
        return self

    def __int__(self) -> int:
        return self.value

    def __repr__(self) -> str:
        return str(self.value)


def _field_count(type_info: Any) -> int | None:
    get = getattr(type_info, "get_field_types", None)
    return len(get()) if get is not None else None


class _Statement:
    """Turns records into statement parameters and runs a batch of them on a cursor.

    The plain form runs one statement per record. :class:`_UpsertStatement` (for the SQL
    connector) adds changelog handling."""

    def __init__(self, sql: str, n_fields: int | None) -> None:
        self.sql = to_pyformat(sql)
        self.n_fields = n_fields

    def params(self, value: Any) -> tuple:
        if isinstance(value, tuple):
            params = value
        elif isinstance(value, list):
            params = tuple(value)
        else:
            try:
                params = tuple(value)  # a Row iterates over its values
            except TypeError:
                raise JdbcSinkError(
                    f"the JDBC sink needs rows (Row, tuple or list) with {self.n_fields or 'the statement'}'s "
                    f"fields, got {type(value).__name__}: {value!r}. Map the stream to Types.ROW(...) first."
                ) from None
        if self.n_fields is not None and len(params) != self.n_fields:
            raise JdbcSinkError(
                f"record {value!r} has {len(params)} fields, but the sink's RowTypeInfo has {self.n_fields}. "
                "Make the record and the type_info given to JdbcSink.sink(...) agree."
            )
        return params

    def add(self, batch: list, value: Any) -> None:
        batch.append((value, self.params(value)))

    def execute(self, cursor: Any, batch: list) -> None:
        cursor.executemany(self.sql, [p for _, p in batch])

    def execute_one(self, cursor: Any, item: Any) -> None:
        cursor.execute(self.sql, item[1])


def _is_connection_error(e: BaseException) -> bool:
    psycopg = _psycopg()
    return isinstance(e, psycopg.OperationalError | psycopg.InterfaceError) and not isinstance(
        e, psycopg.errors.QueryCanceled | psycopg.errors.LockNotAvailable)


class _BatchWriter:
    """A connection, a buffer and the retry/row-by-row logic, shared by both sinks."""

    def __init__(self, options: JdbcConnectionOptions, statement: _Statement, execution: JdbcExecutionOptions,
                 skipped: _SharedCounter) -> None:
        self.options = options
        self.statement = statement
        self.execution = execution
        self.skipped = skipped
        self.batch: list = []
        self.conn = options.connect(autocommit=True)
        self.last_write = time.monotonic()

    def reconnect(self) -> None:
        self.close()
        self.conn = self.options.connect(autocommit=True)

    def close(self) -> None:
        if self.conn is not None:
            try:
                self.conn.close()
            except Exception:  # noqa: BLE001 - the connection may be dead already
                pass
            self.conn = None

    def write_batch_in_transaction(self) -> None:
        """Execute the buffered batch on the (open) transaction of ``self.conn``. A data error
        is located by running the batch row by row under savepoints."""
        psycopg = _psycopg()
        batch = self.batch
        if not batch:
            return
        with self.conn.cursor() as cur:
            cur.execute("SAVEPOINT flinklite_batch")
            try:
                self.statement.execute(cur, batch)
            except psycopg.Error as e:
                if _is_connection_error(e):
                    raise
                cur.execute("ROLLBACK TO SAVEPOINT flinklite_batch")
                self._row_by_row(cur, e)
            cur.execute("RELEASE SAVEPOINT flinklite_batch")
        self.batch = []
        self.last_write = time.monotonic()

    def _row_by_row(self, cur: Any, batch_error: BaseException) -> None:
        psycopg = _psycopg()
        for item in self.batch:
            cur.execute("SAVEPOINT flinklite_row")
            try:
                self.statement.execute_one(cur, item)
            except psycopg.Error as e:
                if _is_connection_error(e):
                    raise
                cur.execute("ROLLBACK TO SAVEPOINT flinklite_row")
                if not self.execution.get_skip_malformed_records():
                    raise JdbcSinkError(
                        f"the database rejected record {item[0]!r}: {type(e).__name__}: {str(e).strip()}. "
                        f"Statement: {self.statement.sql!r} on {self.options.get_db_url()}. Fix the record "
                        "upstream, or let the sink skip such records with "
                        "JdbcExecutionOptions.builder().with_skip_malformed_records(True)."
                    ) from e
                self.skipped.value += 1
                log.warning("JDBC sink skipped record %r rejected by the database: %s", item[0], e)
                continue
            cur.execute("RELEASE SAVEPOINT flinklite_row")


class _AtLeastOnceWriter(SinkWriter):
    def __init__(self, sink: JdbcSink) -> None:
        self.sink = sink
        self.statement = sink._statement
        self.size = sink._execution.get_batch_size()
        interval = sink._execution.get_batch_interval_ms()
        self.interval_s = interval / 1000.0 if interval > 0 else None
        self.w = _BatchWriter(sink._connection, sink._statement, sink._execution, sink.skipped_records)

    def write(self, value: Any, timestamp: int) -> None:
        self.statement.add(self.w.batch, value)
        if len(self.w.batch) >= self.size or (
                self.interval_s is not None and time.monotonic() - self.w.last_write >= self.interval_s):
            self._flush()

    def flush(self, end_of_input: bool) -> None:
        self._flush()

    def _flush(self) -> None:
        if not self.w.batch:
            return
        retries = self.sink._execution.get_max_retries()
        for attempt in range(retries + 1):
            try:
                if self.w.conn is None:
                    self.w.reconnect()
                with self.w.conn.transaction():
                    self.w.write_batch_in_transaction()
                return
            except Exception as e:
                if not (isinstance(e, JdbcConnectionError) or _is_connection_error(e)):
                    raise
                if attempt >= retries:
                    raise JdbcConnectionError(
                        f"writing a batch of {len(self.w.batch)} records to {self.sink._connection.describe()} "
                        f"failed {attempt + 1} times, last with: {str(e).strip()} The database was unreachable "
                        f"through {retries} retries (JdbcExecutionOptions max_retries)."
                    ) from e
                log.warning("JDBC sink: writing to %s failed (attempt %d of %d), reconnecting: %s",
                            self.sink._connection.get_db_url(), attempt + 1, retries + 1, e)
                self.w.close()
            time.sleep(attempt + 1)  # Flink waits 1 s, 2 s, ... between attempts

    def close(self) -> None:
        self.w.close()


# -- the sinks ----------------------------------------------------------------------------------
class JdbcSink(Sink):
    """The at-least-once JDBC sink; build it with :meth:`sink` (or :meth:`exactly_once_sink`).

    ``skipped_records``: how many records the database rejected and the sink skipped (with
    ``with_skip_malformed_records``), over all subtasks and restarts."""

    def __init__(self, sql: str, type_info: Any, jdbc_connection_options: JdbcConnectionOptions,
                 jdbc_execution_options: JdbcExecutionOptions | None = None,
                 statement: _Statement | None = None) -> None:
        if not isinstance(jdbc_connection_options, JdbcConnectionOptions):
            raise InvalidProgramException("JdbcSink: jdbc_connection_options must be a JdbcConnectionOptions "
                                          "(JdbcConnectionOptions.JdbcConnectionOptionsBuilder()...build())")
        self._sql = sql
        self._type_info = type_info
        self._connection = jdbc_connection_options
        self._execution = jdbc_execution_options or JdbcExecutionOptions.defaults()
        self._statement = statement or _Statement(sql, _field_count(type_info))
        self.skipped_records = _SharedCounter()

    @staticmethod
    def sink(sql: str, type_info: Any, jdbc_connection_options: JdbcConnectionOptions,
             jdbc_execution_options: JdbcExecutionOptions | None = None) -> JdbcSink:
        """An at-least-once sink running ``sql`` (with ``?`` placeholders, one per field of
        ``type_info``) for every record."""
        return JdbcSink(sql, type_info, jdbc_connection_options, jdbc_execution_options)

    @staticmethod
    def exactly_once_sink(sql: str, type_info: Any, jdbc_connection_options: JdbcConnectionOptions,
                          jdbc_execution_options: JdbcExecutionOptions | None = None,
                          jdbc_exactly_once_options: JdbcExactlyOnceOptions | None = None) -> JdbcXaSink:
        """An exactly-once sink: each checkpoint's records are one prepared transaction,
        committed when the checkpoint completes (needs checkpointing and a server with
        ``max_prepared_transactions > 0``). ``jdbc_execution_options`` defaults to Flink's
        defaults with ``max_retries`` 0, which this sink requires."""
        if jdbc_execution_options is None:
            jdbc_execution_options = JdbcExecutionOptions(max_retries=0)
        return JdbcXaSink(sql, type_info, jdbc_connection_options, jdbc_execution_options,
                          jdbc_exactly_once_options or JdbcExactlyOnceOptions.defaults())

    def create_writer(self, subtask_index: int, parallelism: int, restored_state: Any = None) -> SinkWriter:
        return _AtLeastOnceWriter(self)


class JdbcXaSink(TwoPhaseCommitSink):
    """The exactly-once JDBC sink (see the module documentation); from
    :meth:`JdbcSink.exactly_once_sink`."""

    def __init__(self, sql: str, type_info: Any, jdbc_connection_options: JdbcConnectionOptions,
                 jdbc_execution_options: JdbcExecutionOptions, jdbc_exactly_once_options: JdbcExactlyOnceOptions,
                 statement: _Statement | None = None) -> None:
        if jdbc_execution_options.get_max_retries() != 0:
            raise InvalidProgramException(
                "JdbcSink.exactly_once_sink requires max_retries 0 in its JdbcExecutionOptions (as in Flink): "
                "retrying a write inside a transaction could write it twice. The job restarts from the last "
                "checkpoint instead."
            )
        self._sql = sql
        self._connection = jdbc_connection_options
        self._execution = jdbc_execution_options
        self._eo = jdbc_exactly_once_options
        self._statement = statement or _Statement(sql, _field_count(type_info))
        self.skipped_records = _SharedCounter()
        self.prefix = jdbc_exactly_once_options.get_transaction_id_prefix() or (
            "flinklite-" + hashlib.sha1(f"{jdbc_connection_options.get_db_url()}|{sql}".encode()).hexdigest()[:12])
        self._w: _BatchWriter | None = None
        self._admin: Any = None
        self._subtask = 0
        self._counter = 0
        self._attempt_tag = ""
        self._size = jdbc_execution_options.get_batch_size()

    def __deepcopy__(self, memo: dict) -> JdbcXaSink:
        # parallel copies share the counter and options, never connections
        import copy

        clone = copy.copy(self)
        clone._w, clone._admin = None, None
        return clone

    # -- connections ------------------------------------------------------------------------
    def _admin_conn(self) -> Any:
        if self._admin is None or self._admin.closed:
            self._admin = self._connection.connect(autocommit=True)
        return self._admin

    def _close_all(self) -> None:
        if self._w is not None:
            self._w.close()
            self._w = None
        if self._admin is not None:
            try:
                self._admin.close()
            except Exception:  # noqa: BLE001
                pass
            self._admin = None

    def _gid_literal(self, xid: str) -> str:
        return "'" + xid.replace("'", "''") + "'"

    # -- the Sink protocol ------------------------------------------------------------------
    def create_writer(self, subtask_index: int, parallelism: int, restored_state: Any = None) -> SinkWriter:
        self._subtask = subtask_index
        self._attempt_tag = uuid.uuid4().hex[:8]
        self._counter = 0
        if self._eo.is_recovered_and_rollback():
            self._rollback_lingering(subtask_index, parallelism)
        self._w = _BatchWriter(self._connection, self._statement, self._execution, self.skipped_records)
        return _ClosingWriter(super().create_writer(subtask_index, parallelism, restored_state), self)

    def _rollback_lingering(self, subtask_index: int, parallelism: int) -> None:
        """Roll back prepared transactions of this prefix whose subtask maps to this one (its own,
        and after a scale-down those of subtasks that no longer exist). The operator commits the
        checkpoint's transactions before it creates the writer, so what is left was pre-committed
        for a checkpoint that never completed."""
        conn = self._admin_conn()
        rows = conn.execute("SELECT gid FROM pg_prepared_xacts WHERE database = current_database() AND gid LIKE %s",
                            (self.prefix.replace("_", r"\_").replace("%", r"\%") + ":%",)).fetchall()
        for (gid,) in rows:
            parts = gid.split(":")
            if len(parts) < 2 or not parts[1].isdigit() or int(parts[1]) % parallelism != subtask_index:
                continue
            try:
                conn.execute(f"ROLLBACK PREPARED {self._gid_literal(gid)}")
                log.info("JDBC exactly-once sink: rolled back lingering transaction %s", gid)
            except _psycopg().errors.UndefinedObject:
                pass  # finished meanwhile

    # -- TwoPhaseCommitSink ---------------------------------------------------------------------
    def begin_transaction(self) -> str:
        self._counter += 1
        xid = f"{self.prefix}:{self._subtask}:{self._attempt_tag}:{self._counter}"
        self._w.conn.execute("BEGIN")
        return xid

    def invoke(self, transaction: str, value: Any, context: Any) -> None:
        self._statement.add(self._w.batch, value)
        if len(self._w.batch) >= self._size:
            self._write()

    def _write(self) -> None:
        try:
            self._w.write_batch_in_transaction()
        except JdbcSinkError:
            raise
        except Exception as e:
            if _is_connection_error(e):
                raise JdbcConnectionError(
                    f"the connection to {self._connection.describe()} failed while writing into transaction "
                    f"of subtask {self._subtask}: {str(e).strip()}. The job restarts from the last checkpoint."
                ) from e
            raise

    def pre_commit(self, transaction: str) -> None:
        self._write()
        try:
            self._w.conn.execute(f"PREPARE TRANSACTION {self._gid_literal(transaction)}")
        except Exception as e:
            if _is_connection_error(e):
                raise JdbcConnectionError(
                    f"PREPARE TRANSACTION {transaction!r} on {self._connection.describe()} failed: "
                    f"{str(e).strip()}"
                ) from e
            raise JdbcSinkError(
                f"PREPARE TRANSACTION {transaction!r} failed on {self._connection.describe()}: {str(e).strip()}. "
                "The exactly-once JDBC sink needs a server with max_prepared_transactions > 0 "
                "(postgresql.conf), at least as large as the sink's parallelism times two."
            ) from e

    def commit(self, transaction: str) -> None:
        psycopg = _psycopg()
        attempts = self._eo.get_max_commit_attempts()
        try:
            self._commit(psycopg, transaction, attempts)
        finally:
            if self._w is None and self._admin is not None:  # the final commit, after the writer closed
                self._close_all()

    def _commit(self, psycopg: Any, transaction: str, attempts: int) -> None:
        for attempt in range(attempts):
            try:
                self._admin_conn().execute(f"COMMIT PREPARED {self._gid_literal(transaction)}")
                return
            except psycopg.errors.UndefinedObject:
                return  # committed already (a retried commit after a restore)
            except Exception as e:
                if not _is_connection_error(e) or attempt + 1 >= attempts:
                    raise JdbcConnectionError(
                        f"COMMIT PREPARED {transaction!r} on {self._connection.describe()} failed "
                        f"{attempt + 1} times: {str(e).strip()}. The transaction stays prepared and is "
                        "committed again when the job restores from this checkpoint."
                    ) from e
                self._admin = None
                time.sleep(attempt + 1)

    def abort(self, transaction: str) -> None:
        """Roll back the open transaction (the current one of this connection)."""
        if self._w is not None and self._w.conn is not None:
            try:
                self._w.conn.execute("ROLLBACK")
            except Exception:  # noqa: BLE001 - a dead connection rolled it back already
                pass
            self._w.batch = []

    def recover_and_abort(self, transaction: str) -> None:
        # the transaction open at the checkpoint was never prepared: its session ended with the
        # failed attempt, so the server discarded it. A prepared one (impossible by construction)
        # is covered by _rollback_lingering.
        return None


class _ClosingWriter(SinkWriter):
    """Wraps the two-phase-commit writer so the sink's connections close with it. Commits that
    run after close (the end of a bounded input) reopen the admin connection and close it."""

    def __init__(self, inner: SinkWriter, sink: JdbcXaSink) -> None:
        self.inner, self.sink = inner, sink

    def write(self, value: Any, timestamp: int) -> None:
        self.inner.write(value, timestamp)

    def flush(self, end_of_input: bool) -> None:
        self.inner.flush(end_of_input)

    def prepare_commit(self) -> list:
        return self.inner.prepare_commit()

    def snapshot_state(self, checkpoint_id: int) -> Any:
        return self.inner.snapshot_state(checkpoint_id)

    def close(self) -> None:
        try:
            self.inner.close()
        finally:
            if self.sink._w is not None:
                self.sink._w.close()
                self.sink._w = None
