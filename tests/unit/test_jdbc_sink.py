# ruff: noqa: F811  (pytest fixtures imported from _postgres_fixture are redefined as arguments)
"""The JDBC sink against a real PostgreSQL server: options, batched at-least-once writes, the flush
at checkpoints, exactly-once through PREPARE TRANSACTION with injected failures, and bad input
(server down, server restart, malformed records)."""

from __future__ import annotations

from collections import Counter

import pytest
from _postgres_fixture import pg, pg_server  # noqa: F401

from flinklite.common import Configuration, Row, Types, WatermarkStrategy
from flinklite.datastream import KeyedProcessFunction, StreamExecutionEnvironment
from flinklite.datastream.connectors.jdbc import (
    JdbcConnectionError,
    JdbcConnectionOptions,
    JdbcExactlyOnceOptions,
    JdbcExecutionOptions,
    JdbcSink,
    JdbcSinkError,
    parse_jdbc_url,
    to_pyformat,
)
from flinklite.datastream.connectors.number_seq import NumberSequenceSource
from flinklite.datastream.state import ValueStateDescriptor
from flinklite.errors import InvalidProgramException, JobExecutionException
from flinklite.testing import FaultPlan, SteppingClock

ROW = Types.ROW([Types.INT(), Types.LONG(), Types.LONG()])  # (key, running count, value)


# -- options, urls, statements (no server) ------------------------------------------------------
def test_url_parsing():
    assert parse_jdbc_url("jdbc:postgresql://db.example:6543/shop?sslmode=require&user=u") == {
        "host": "db.example", "port": "6543", "dbname": "shop", "sslmode": "require", "user": "u"}
    assert parse_jdbc_url("jdbc:postgresql://localhost/db") == {"host": "localhost", "port": "5432", "dbname": "db"}
    assert parse_jdbc_url("jdbc:postgresql:db")["dbname"] == "db"
    with pytest.raises(InvalidProgramException, match="PostgreSQL only"):
        parse_jdbc_url("jdbc:mysql://localhost:3306/db")


def test_placeholders_become_pyformat_outside_quotes():
    assert to_pyformat("INSERT INTO t VALUES (?, ?)") == "INSERT INTO t VALUES (%s, %s)"
    assert to_pyformat("SELECT '?', \"a?\", 'it''s ?' FROM t WHERE x = ? -- why?\n") == \
        "SELECT '?', \"a?\", 'it''s ?' FROM t WHERE x = %s -- why?\n"
    assert to_pyformat("SELECT 5 % ?") == "SELECT 5 %% %s"


def test_options_builders_and_flink_defaults():
    d = JdbcExecutionOptions.defaults()
    assert (d.get_batch_size(), d.get_batch_interval_ms(), d.get_max_retries()) == (5000, 0, 3)
    e = JdbcExecutionOptions.builder().with_batch_size(7).with_batch_interval_ms(20).with_max_retries(0).build()
    assert (e.get_batch_size(), e.get_batch_interval_ms(), e.get_max_retries()) == (7, 20, 0)
    c = (JdbcConnectionOptions.JdbcConnectionOptionsBuilder().with_url("jdbc:postgresql://h:1/d")
         .with_driver_name("org.postgresql.Driver").with_user_name("u").with_password("p").build())
    assert (c.get_db_url(), c.get_driver_name(), c.get_user_name(), c.get_password()) == \
        ("jdbc:postgresql://h:1/d", "org.postgresql.Driver", "u", "p")
    x = JdbcExactlyOnceOptions.defaults()
    assert (x.is_recovered_and_rollback(), x.get_max_commit_attempts(), x.is_allow_out_of_order_commits()) == \
        (True, 3, False)
    with pytest.raises(InvalidProgramException, match="batch size"):
        JdbcExecutionOptions.builder().with_batch_size(0).build()
    with pytest.raises(InvalidProgramException, match="with_url"):
        JdbcConnectionOptions.JdbcConnectionOptionsBuilder().build()
    with pytest.raises(InvalidProgramException, match="max_retries 0"):
        JdbcSink.exactly_once_sink("INSERT INTO t VALUES (?)", Types.ROW([Types.INT()]), c,
                                   JdbcExecutionOptions.defaults())


# -- helpers ----------------------------------------------------------------------------------
def _conn_opts(pg, url=None):
    return (JdbcConnectionOptions.JdbcConnectionOptionsBuilder().with_url(url or pg.url)
            .with_driver_name("org.postgresql.Driver").with_user_name(pg.user).with_password(pg.password).build())


def _create(pg, ddl="k INT, n BIGINT, v BIGINT"):
    with pg.connect() as conn:
        conn.execute(f"CREATE TABLE {pg.table} ({ddl})")


def _rows(pg, cols="k, n, v"):
    with pg.connect() as conn:
        return conn.execute(f"SELECT {cols} FROM {pg.table}").fetchall()


def _env(parallelism=1, checkpoint_ms=None, restarts=0, extra=None):
    conf = Configuration()
    if checkpoint_ms is not None:
        conf.set_string("execution.checkpointing.interval", f"{checkpoint_ms} ms")
    conf.set_string("restart-strategy.type", "fixed-delay" if restarts else "none")
    conf.set_string("restart-strategy.fixed-delay.attempts", str(restarts))
    conf.set_string("restart-strategy.fixed-delay.delay", "1 ms")
    conf.set_string("flinklite.buffer-size", "16")
    conf.set_string("flinklite.scheduler.seed", "3")
    for k, v in (extra or {}).items():
        conf.set_string(k, v)
    env = StreamExecutionEnvironment.get_execution_environment(conf)
    env.set_parallelism(parallelism)
    env.set_clock(SteppingClock())
    return env


class RunningCount(KeyedProcessFunction):
    """Keyed state in the path, so a replay after a failure must restore it to stay consistent."""

    def open(self, ctx):
        self.n = ctx.get_state(ValueStateDescriptor("n", Types.LONG()))

    def process_element(self, value, ctx):
        n = (self.n.value() or 0) + 1
        self.n.update(n)
        yield Row(value % 5, n, value)


def _pipeline(env, sink, count):
    (env.from_source(NumberSequenceSource(0, count - 1), WatermarkStrategy.no_watermarks(), "numbers")
        .key_by(lambda v: v % 5, key_type=Types.INT())
        .process(RunningCount(), output_type=ROW).name("count")
        .add_sink(sink).name("pg"))


def _expected(count):
    """What the table must hold, as a multiset of values and of (key, running count) pairs (with
    parallel sources the pairing of a count with a value depends on the interleaving)."""
    return Counter(range(count)), Counter((k, n) for k in range(5) for n in range(1, len(range(k, count, 5)) + 1))


def _got(rows):
    return Counter(v for _, _, v in rows), Counter((k, n) for k, n, _ in rows)


def _sql(pg):
    return f"INSERT INTO {pg.table} (k, n, v) VALUES (?, ?, ?)"


# -- at least once --------------------------------------------------------------------------------
def test_batched_writes_reach_the_table(pg):
    _create(pg)
    env = _env(parallelism=2)
    sink = JdbcSink.sink(_sql(pg), ROW, _conn_opts(pg), JdbcExecutionOptions.builder().with_batch_size(64).build())
    _pipeline(env, sink, 1000)
    env.execute("jdbc")
    assert _got(_rows(pg)) == _expected(1000)


def test_sink_to_also_accepts_the_jdbc_sink(pg):
    _create(pg, "a INT, b VARCHAR")
    env = _env()
    env.from_collection([(1, "x"), (2, "y?")], type_info=Types.TUPLE([Types.INT(), Types.STRING()])).sink_to(
        JdbcSink.sink(f"INSERT INTO {pg.table} (a, b) VALUES (?, ?)", Types.ROW([Types.INT(), Types.STRING()]),
                      _conn_opts(pg)))
    env.execute()
    assert sorted(_rows(pg, "a, b")) == [(1, "x"), (2, "y?")]


def test_buffer_is_flushed_at_every_checkpoint(pg):
    """batch_size is never reached; the job then fails for good. What was before the last completed
    checkpoint must be in the table: the barrier flushed it."""
    _create(pg)
    env = _env(checkpoint_ms=10)
    plan = FaultPlan().fail_operator("count", at_record=700).install(env)
    _pipeline(env, JdbcSink.sink(_sql(pg), ROW, _conn_opts(pg)), 1000)
    with pytest.raises(JobExecutionException):
        env.execute()
    assert plan.fired
    written = sorted(v for _, _, v in _rows(pg))
    assert 0 < len(written) < 700 and written == list(range(len(written)))  # a prefix, none lost


def test_batch_interval_writes_before_the_batch_is_full(pg):
    _create(pg)
    env = _env(checkpoint_ms=None)
    opts = JdbcExecutionOptions.builder().with_batch_size(10_000).with_batch_interval_ms(1).build()
    plan = FaultPlan().fail_operator("count", at_record=500).install(env)
    _pipeline(env, JdbcSink.sink(_sql(pg), ROW, _conn_opts(pg), opts), 1000)
    with pytest.raises(JobExecutionException):
        env.execute()
    assert plan.fired and 0 < len(_rows(pg)) < 500  # written by the interval, not by size or checkpoint


def test_at_least_once_loses_nothing_and_may_duplicate(pg):
    _create(pg)
    env = _env(checkpoint_ms=20, restarts=2)
    opts = JdbcExecutionOptions.builder().with_batch_size(1).build()  # every record is written at once
    plan = FaultPlan().fail_operator("count", at_record=600).install(env)
    _pipeline(env, JdbcSink.sink(_sql(pg), ROW, _conn_opts(pg), opts), 1000)
    env.execute()
    assert plan.fired
    got, expected = _got(_rows(pg))[0], _expected(1000)[0]
    assert not (expected - got), "records lost"
    assert got - expected, "the replay after the failure wrote records a second time"


# -- exactly once -------------------------------------------------------------------------------
def _xa_sink(pg, batch=50, prefix=None):
    eo = JdbcExactlyOnceOptions.builder()
    if prefix:
        eo = eo.with_transaction_id_prefix(prefix)
    return JdbcSink.exactly_once_sink(
        _sql(pg), ROW, _conn_opts(pg),
        JdbcExecutionOptions.builder().with_batch_size(batch).with_max_retries(0).build(), eo.build())


@pytest.mark.parametrize("faults", [
    lambda p: p.fail_operator("count", at_record=1300),
    lambda p: p.fail_operator("pg", at_record=600, subtask=1).fail_operator("count", at_record=300, attempt=1),
    lambda p: p.fail_during_snapshot("pg", checkpoint=3),
    lambda p: p.fail_after_snapshot_before_commit("pg", checkpoint=2),
    lambda p: p.fail_in_commit("pg", checkpoint=4),
], ids=["record", "two-restarts", "snapshot", "before-commit", "in-commit"])
def test_exactly_once_through_injected_failures(pg, faults):
    _create(pg)
    env = _env(parallelism=2, checkpoint_ms=15, restarts=3)
    plan = faults(FaultPlan()).install(env)
    _pipeline(env, _xa_sink(pg, prefix="eo" + pg.table[-6:]), 2000)
    env.execute()
    assert plan.fired and not plan.pending
    (got, got_counts), (expected, expected_counts) = _got(_rows(pg)), _expected(2000)
    assert got == expected, (f"lost {sum((expected - got).values())}, duplicated {sum((got - expected).values())}")
    assert got_counts == expected_counts  # the keyed state was restored consistently with the table
    with pg.connect() as conn:
        assert conn.execute("SELECT count(*) FROM pg_prepared_xacts").fetchone()[0] == 0


def test_exactly_once_output_is_invisible_until_the_checkpoint_completes(pg):
    """The job fails for good before any checkpoint completes: nothing committed, and the
    prepared transaction of the failed attempt is rolled back by the next job with that prefix."""
    _create(pg)
    env = _env(checkpoint_ms=10_000)  # no checkpoint completes in this short job
    FaultPlan().fail_operator("count", at_record=400).install(env)
    _pipeline(env, _xa_sink(pg, batch=10, prefix="inv" + pg.table[-6:]), 1000)
    with pytest.raises(JobExecutionException):
        env.execute()
    assert _rows(pg) == []
    env = _env(checkpoint_ms=10)
    _pipeline(env, _xa_sink(pg, batch=10, prefix="inv" + pg.table[-6:]), 1000)
    env.execute()
    assert _got(_rows(pg)) == _expected(1000)


def test_lingering_prepared_transactions_are_rolled_back_at_start(pg):
    _create(pg)
    prefix = "lg" + pg.table[-6:]
    with pg.connect(autocommit=False) as conn:  # a crashed earlier run of subtask 0 left this behind
        conn.execute(f"INSERT INTO {pg.table} VALUES (99, 99, 99)")
        conn.execute(f"PREPARE TRANSACTION '{prefix}:0:dead:1'")
    with pg.connect(autocommit=False) as conn:  # another job's transaction: not ours to touch
        conn.execute(f"INSERT INTO {pg.table} VALUES (98, 98, 98)")
        conn.execute("PREPARE TRANSACTION 'other-job:0:x:1'")
    env = _env(checkpoint_ms=10)
    _pipeline(env, _xa_sink(pg, prefix=prefix), 300)
    env.execute()
    assert _got(_rows(pg)) == _expected(300)
    with pg.connect() as conn:
        assert [g for (g,) in conn.execute("SELECT gid FROM pg_prepared_xacts")] == ["other-job:0:x:1"]
        conn.execute("ROLLBACK PREPARED 'other-job:0:x:1'")


# -- bad input ----------------------------------------------------------------------------------
def test_server_down_at_start_names_the_url(pg):
    env = _env()
    url = "jdbc:postgresql://127.0.0.1:1/nowhere"
    _pipeline(env, JdbcSink.sink(_sql(pg), ROW, _conn_opts(pg, url)), 10)
    with pytest.raises(JobExecutionException, match="cannot connect to jdbc:postgresql://127.0.0.1:1/nowhere") as ei:
        env.execute()
    assert isinstance(ei.value.__cause__, JdbcConnectionError)


def test_wrong_password_is_a_clear_error(pg):
    env = _env()
    opts = (JdbcConnectionOptions.JdbcConnectionOptionsBuilder().with_url(pg.url).with_user_name(pg.user)
            .with_password("wrong").build())
    _pipeline(env, JdbcSink.sink(_sql(pg), ROW, opts), 10)
    with pytest.raises(JobExecutionException, match="password authentication failed"):
        env.execute()


class _RestartServerOnce(KeyedProcessFunction):
    def __init__(self, server, at, down_s):
        self.server, self.at, self.down_s = server, at, down_s

    def process_element(self, value, ctx):
        if value == self.at and not _RESTARTED:
            _RESTARTED.append(1)
            self.server.stop(mode="immediate")
            if self.down_s is not None:
                import threading

                threading.Timer(self.down_s, self.server.start).start()
        yield Row(value % 5, 1, value)


_RESTARTED: list = []


def _restart_job(pg, down_s, retries):
    _RESTARTED.clear()
    _create(pg)
    env = _env()
    opts = JdbcExecutionOptions.builder().with_batch_size(20).with_max_retries(retries).build()
    (env.from_source(NumberSequenceSource(0, 299), WatermarkStrategy.no_watermarks(), "numbers")
        .key_by(lambda v: 0).process(_RestartServerOnce(pg, 150, down_s), output_type=ROW).name("restarts")
        .add_sink(JdbcSink.sink(_sql(pg), ROW, _conn_opts(pg), opts)).name("pg"))
    return env


def test_server_restart_mid_job_is_survived_by_retries(pg):
    env = _restart_job(pg, down_s=0.3, retries=3)
    env.execute()
    assert sorted(v for _, _, v in _rows(pg)) == list(range(300))


def test_server_gone_for_longer_than_the_retries_is_a_clear_error(pg):
    env = _restart_job(pg, down_s=None, retries=1)
    with pytest.raises(JobExecutionException, match="unreachable through 1 retries") as ei:
        env.execute()
    assert "operator 'pg'" in str(ei.value) or "'pg'" in str(ei.value)
    pg.start()


def test_malformed_record_fails_naming_operator_and_record(pg):
    _create(pg, "a INT, b VARCHAR(3)")
    env = _env()
    rows = [(1, "ok"), (2, "too long"), (3, "ok")]
    env.from_collection(rows, type_info=Types.TUPLE([Types.INT(), Types.STRING()])).add_sink(
        JdbcSink.sink(f"INSERT INTO {pg.table} VALUES (?, ?)", Types.ROW([Types.INT(), Types.STRING()]),
                      _conn_opts(pg))).name("pg")
    with pytest.raises(JobExecutionException) as ei:
        env.execute()
    msg = str(ei.value)
    assert "'pg'" in msg and "(2, 'too long')" in msg and "with_skip_malformed_records" in msg
    assert isinstance(ei.value.__cause__, JdbcSinkError)
    assert _rows(pg, "a, b") == []  # the failed batch was rolled back as a whole


def test_malformed_records_can_be_skipped_and_counted(pg):
    _create(pg, "a INT, b VARCHAR(3)")
    env = _env()
    rows = [(i, "x" * (i % 5)) for i in range(50)]  # lengths 4 are rejected
    sink = JdbcSink.sink(f"INSERT INTO {pg.table} VALUES (?, ?)", Types.ROW([Types.INT(), Types.STRING()]),
                         _conn_opts(pg), JdbcExecutionOptions.builder().with_batch_size(8)
                         .with_skip_malformed_records(True).build())
    env.from_collection(rows, type_info=Types.TUPLE([Types.INT(), Types.STRING()])).add_sink(sink)
    env.execute()
    assert sorted(_rows(pg, "a, b")) == [r for r in rows if len(r[1]) <= 3]
    assert sink.skipped_records.value == 10


def test_record_with_wrong_arity_fails_before_the_database(pg):
    _create(pg)
    env = _env()
    env.from_collection([(1, 2)], type_info=Types.TUPLE([Types.INT(), Types.INT()])).add_sink(
        JdbcSink.sink(_sql(pg), ROW, _conn_opts(pg))).name("pg")
    with pytest.raises(JobExecutionException, match=r"record \(1, 2\) has 2 fields, but the sink's RowTypeInfo has 3"):
        env.execute()
