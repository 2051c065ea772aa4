# ruff: noqa: F811  (pytest fixtures imported from _postgres_fixture are redefined as arguments)
"""The SQL ``jdbc`` connector's pieces, without the planner: option handling, the upsert sink on a
changelog, the append-only sink, the scan source (also partitioned, also through a failure) and
the cached lookup function, against a real PostgreSQL server."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest
from _postgres_fixture import pg, pg_server  # noqa: F401

from flinklite.common import Configuration, Row, RowKind, Types
from flinklite.datastream import StreamExecutionEnvironment
from flinklite.datastream.connectors._jdbc_table import JdbcSqlConnector, JdbcTableFactory, parse_duration_ms
from flinklite.datastream.connectors.jdbc import JdbcSinkError
from flinklite.errors import InvalidProgramException, JobExecutionException
from flinklite.testing import FaultPlan, SteppingClock


def _options(pg, **extra):
    opts = {"connector": "jdbc", "url": pg.url, "table-name": pg.table, "username": pg.user, "password": pg.password}
    opts.update({k.replace("_", "-").replace("--", "."): v for k, v in extra.items()})
    return opts


def _env(parallelism=1, checkpoint_ms=None, restarts=0):
    conf = Configuration()
    if checkpoint_ms:
        conf.set_string("execution.checkpointing.interval", f"{checkpoint_ms} ms")
    conf.set_string("restart-strategy.type", "fixed-delay" if restarts else "none")
    conf.set_string("restart-strategy.fixed-delay.attempts", str(restarts))
    conf.set_string("restart-strategy.fixed-delay.delay", "1 ms")
    conf.set_string("flinklite.buffer-size", "8")
    env = StreamExecutionEnvironment.get_execution_environment(conf)
    env.set_parallelism(parallelism)
    env.set_clock(SteppingClock())
    return env


def _sql(pg, statement):
    with pg.connect() as conn:
        cur = conn.execute(statement)
        return cur.fetchall() if cur.description else None


def test_options_are_validated():
    with pytest.raises(InvalidProgramException, match="'table-name' is required"):
        JdbcTableFactory({"url": "jdbc:postgresql://h/db"}, ["a"])
    with pytest.raises(InvalidProgramException, match=r"unsupported option\(s\) \['sink.buffer-size'\]"):
        JdbcTableFactory({"url": "jdbc:postgresql://h/db", "table-name": "t", "sink.buffer-size": "1"}, ["a"])
    with pytest.raises(InvalidProgramException, match="not columns"):
        JdbcTableFactory({"url": "jdbc:postgresql://h/db", "table-name": "t"}, ["a"], ["b"])
    with pytest.raises(InvalidProgramException, match="plain SQL identifier"):
        JdbcTableFactory({"url": "jdbc:postgresql://h/db", "table-name": "t; DROP TABLE x"}, ["a"])
    f = JdbcTableFactory({"url": "jdbc:postgresql://h/db", "table-name": "s.t", "sink.buffer-flush.max-rows": "7",
                          "sink.buffer-flush.interval": "2 s", "sink.max-retries": "1"}, ["a", "b"], ["a"])
    e = f.execution_options()
    assert (e.get_batch_size(), e.get_batch_interval_ms(), e.get_max_retries()) == (7, 2000, 1)
    d = JdbcTableFactory({"url": "jdbc:postgresql://h/db", "table-name": "t"}, ["a"]).execution_options()
    assert (d.get_batch_size(), d.get_batch_interval_ms(), d.get_max_retries()) == (100, 1000, 3)  # Flink SQL's
    assert [parse_duration_ms(x) for x in ("10", "1s", "500 ms", "2min", "1 h")] == [10, 1000, 500, 120_000, 3_600_000]


def test_upsert_sink_applies_a_changelog_by_primary_key(pg):
    _sql(pg, f"CREATE TABLE {pg.table} (id INT PRIMARY KEY, name VARCHAR, score BIGINT)")
    _sql(pg, f"INSERT INTO {pg.table} VALUES (9, 'old', 0), (8, 'gone', 0)")
    changes = [
        (RowKind.INSERT, (1, "a", 10)), (RowKind.INSERT, (2, "b", 20)),
        (RowKind.UPDATE_BEFORE, (1, "a", 10)), (RowKind.UPDATE_AFTER, (1, "a", 11)),
        (RowKind.INSERT, (9, "new", 5)),  # an existing key: updated in place
        (RowKind.DELETE, (8, "gone", 0)), (RowKind.DELETE, (2, "b", 20)), (RowKind.INSERT, (2, "b2", 21)),
    ]
    factory = JdbcTableFactory(_options(pg, sink__buffer_flush__max_rows="3"), ["id", "name", "score"], ["id"])
    env = _env()
    env.from_collection(changes, type_info=Types.PICKLED_BYTE_ARRAY()).add_sink(factory.create_sink())
    env.execute()
    assert sorted(_sql(pg, f"SELECT id, name, score FROM {pg.table}")) == [(1, "a", 11), (2, "b2", 21), (9, "new", 5)]


def test_upsert_replayed_after_a_failure_gives_the_same_table(pg):
    _sql(pg, f"CREATE TABLE {pg.table} (id INT PRIMARY KEY, total BIGINT)")
    factory = JdbcTableFactory(_options(pg, sink__buffer_flush__max_rows="5"), ["id", "total"], ["id"])
    env = _env(checkpoint_ms=10, restarts=1)
    plan = FaultPlan().fail_operator("jdbc", at_record=700).install(env)
    # a running total per key, as an upserting changelog: the last write per key is the final total
    (env.from_collection(list(range(1000)), type_info=Types.LONG())
        .map(lambda v: (v % 10, v))
        .key_by(lambda p: p[0])
        .reduce(lambda a, b: (a[0], a[1] + b[1]))
        .map(lambda p: Row(p[0], p[1]), output_type=Types.ROW([Types.INT(), Types.LONG()]))
        .add_sink(factory.create_sink()).name("jdbc"))
    env.execute()
    assert plan.fired
    assert dict(_sql(pg, f"SELECT id, total FROM {pg.table}")) == {
        k: sum(v for v in range(1000) if v % 10 == k) for k in range(10)}


def test_append_sink_without_key_rejects_updates(pg):
    _sql(pg, f"CREATE TABLE {pg.table} (id INT, name VARCHAR)")
    factory = JdbcTableFactory(_options(pg), ["id", "name"])
    env = _env()
    rows = [(RowKind.INSERT, (1, "a")), (RowKind.UPDATE_AFTER, (1, "b"))]
    env.from_collection(rows, type_info=Types.PICKLED_BYTE_ARRAY()).add_sink(factory.create_sink()).name("pg")
    with pytest.raises(JobExecutionException, match="no primary key, so it can only append") as ei:
        env.execute()
    assert isinstance(ei.value.__cause__, JdbcSinkError)


def test_scan_reads_the_table_also_partitioned(pg):
    _sql(pg, f"CREATE TABLE {pg.table} (id INT PRIMARY KEY, name VARCHAR)")
    _sql(pg, f"INSERT INTO {pg.table} SELECT g, 'n' || g FROM generate_series(-5, 1004) g")
    expected = [(i, f"n{i}") for i in range(-5, 1005)]
    for extra in ({}, {"scan.partition.column": "id", "scan.partition.num": "4", "scan.partition.lower-bound": "0",
                       "scan.partition.upper-bound": "999", "scan.fetch-size": "64"}):
        factory = JdbcTableFactory({**_options(pg), **extra}, ["id", "name"], ["id"])
        env = _env(parallelism=2)
        out = list(env.from_source(factory.create_source(), _no_wm(), "scan").execute_and_collect())
        assert sorted((r["id"], r["name"]) for r in out) == expected


def test_scan_replays_exactly_after_a_failure(pg):
    _sql(pg, f"CREATE TABLE {pg.table} (id INT PRIMARY KEY)")
    _sql(pg, f"INSERT INTO {pg.table} SELECT g FROM generate_series(1, 2000) g")
    factory = JdbcTableFactory(_options(pg, scan__fetch_size="50"), ["id"], ["id"])
    env = _env(checkpoint_ms=5, restarts=1)
    plan = FaultPlan().fail_operator("slow", at_record=1500).install(env)
    out = list(env.from_source(factory.create_source(as_changelog=True), _no_wm(), "scan")
               .map(_slow).name("slow").execute_and_collect())
    assert plan.fired
    assert sorted(v[1][0] for v in out) == list(range(1, 2001))


def _slow(v):
    return v


def _no_wm():
    from flinklite.common import WatermarkStrategy

    return WatermarkStrategy.no_watermarks()


def test_lookup_with_cache_and_ttl(pg):
    _sql(pg, f"CREATE TABLE {pg.table} (id INT PRIMARY KEY, name VARCHAR)")
    _sql(pg, f"INSERT INTO {pg.table} VALUES (1, 'one'), (2, 'two')")
    f = JdbcTableFactory(_options(pg, **{"lookup.cache": "PARTIAL", "lookup.partial-cache.max-rows": "1",
                                         "lookup.partial-cache.expire-after-write": "200 ms"}), ["id", "name"], ["id"])
    fn = f.create_lookup_function(["id"])
    fn.open()
    try:
        assert [r.as_dict() for r in fn.lookup(1)] == [{"id": 1, "name": "one"}]
        _sql(pg, f"UPDATE {pg.table} SET name = 'uno' WHERE id = 1")
        assert fn.lookup(1)[0]["name"] == "one" and fn.queries == 1  # cached
        assert fn.lookup(3) == [] and fn.queries == 2  # a miss, cached too; evicts key 1 (max-rows 1)
        assert fn.lookup(1)[0]["name"] == "uno" and fn.queries == 3
        time.sleep(0.25)
        assert fn.lookup(1)[0]["name"] == "uno" and fn.queries == 4  # expired
    finally:
        fn.close()
    uncached = JdbcTableFactory(_options(pg), ["id", "name"], ["id"]).create_lookup_function(["name"])
    uncached.open()
    assert [r["id"] for r in uncached.lookup("two")] == [2] and [r["id"] for r in uncached.lookup("two")] == [2]
    assert uncached.queries == 2
    uncached.close()


def test_planner_interface_source_and_sink(pg):
    """The shape the SQL planner calls: a table with options, (name, kind, type) columns and a key."""
    _sql(pg, f"CREATE TABLE {pg.table} (id INT PRIMARY KEY, name VARCHAR)")
    table = SimpleNamespace(options=_options(pg), primary_key=["id"],
                            columns=[("id", "physical", None), ("name", "physical", None), ("up", "computed", None)])
    env = _env()
    ctx = SimpleNamespace(env=env)
    stream = env.from_collection([(RowKind.INSERT, (1, "a")), (RowKind.UPDATE_AFTER, (1, "b"))],
                                 type_info=Types.PICKLED_BYTE_ARRAY())
    JdbcSqlConnector().sink(table, None, stream, ctx)
    env.execute()
    env = _env()
    out = list(JdbcSqlConnector().source(table, [], SimpleNamespace(env=env)).execute_and_collect())
    assert out == [(RowKind.INSERT, (1, "b"))]


def test_sql_ddl_insert_into_and_select_from_a_jdbc_table(pg):
    """End to end through the SQL layer: CREATE TABLE ... WITH ('connector' = 'jdbc'), a GROUP BY
    changelog upserted by primary key, then read back with a SELECT."""
    from flinklite.table import EnvironmentSettings, TableEnvironment

    _sql(pg, f"CREATE TABLE {pg.table} (word VARCHAR PRIMARY KEY, cnt BIGINT)")
    t_env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    opts = ", ".join(f"'{k}' = '{v}'" for k, v in _options(pg).items())
    t_env.execute_sql(f"CREATE TABLE counts (word STRING, cnt BIGINT, PRIMARY KEY (word) NOT ENFORCED) WITH ({opts})")
    t_env.execute_sql("CREATE TEMPORARY VIEW words AS SELECT * FROM (VALUES ('a'), ('b'), ('a'), ('a')) AS t(word)")
    t_env.execute_sql("INSERT INTO counts SELECT word, COUNT(*) FROM words GROUP BY word").wait()
    with pg.connect() as conn:
        assert sorted(conn.execute(f"SELECT word, cnt FROM {pg.table}").fetchall()) == [("a", 3), ("b", 1)]
    rows = sorted(tuple(r) for r in t_env.execute_sql("SELECT word, cnt FROM counts").collect())
    assert rows == [("a", 3), ("b", 1)]
