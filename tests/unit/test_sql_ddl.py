"""SQL DDL and statements: CREATE TABLE (computed columns, WATERMARK, PRIMARY KEY NOT ENFORCED)
with the datagen / print / blackhole / filesystem (csv, json) connectors, CREATE VIEW,
CREATE FUNCTION, INSERT INTO, STATEMENT SET, SHOW / DESCRIBE / EXPLAIN, DROP, and the
validation errors of each (Flink's messages)."""

import datetime
import json
import os

import pytest
from _sql_helpers import rows_of

from flinklite.errors import ValidationException
from flinklite.table import EnvironmentSettings, TableEnvironment

SRC = """CREATE TABLE src (
  id BIGINT, name STRING, ts BIGINT,
  rt AS TO_TIMESTAMP_LTZ(ts, 3),
  doubled AS id * 2,
  WATERMARK FOR rt AS rt - INTERVAL '1' SECOND,
  PRIMARY KEY (id) NOT ENFORCED
) WITH ('connector' = 'datagen',
        'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '5',
        'fields.ts.kind' = 'sequence', 'fields.ts.start' = '1000', 'fields.ts.end' = '1004',
        'fields.name.length' = '3')"""


@pytest.fixture
def t_env():
    t = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    t.get_config().set_local_timezone("UTC")
    t.get_config().set("parallelism.default", "1")
    t._env.set_parallelism(1)
    t.execute_sql(SRC)
    return t


def test_datagen_sequence_with_computed_columns(t_env):
    rows = rows_of(t_env.execute_sql("SELECT id, ts, doubled, rt FROM src"))
    assert [r[:3] for r in rows] == [(i, 999 + i, 2 * i) for i in range(1, 6)]
    # TIMESTAMP_LTZ values reach Python as naive local date-times (UTC here)
    assert [r[3] for r in rows] == [datetime.datetime(1970, 1, 1, 0, 0, 1, 1000 * i) for i in range(5)]
    assert all(len(r) == 3 for r in rows_of(t_env.execute_sql("SELECT name FROM src"))[0])


def test_describe_shows_key_computed_columns_and_watermark(t_env):
    with t_env.execute_sql("DESCRIBE src").collect() as it:
        rows = {r[0]: tuple(r) for r in it}
    assert rows["id"] == ("id", "BIGINT", False, "PRI(id)", "", "")
    assert rows["name"] == ("name", "STRING", True, "", "", "")
    assert rows["rt"] == ("rt", "TIMESTAMP_LTZ(3) *ROWTIME*", True, "", "AS TO_TIMESTAMP_LTZ(ts, 3)",
                          "rt - INTERVAL '1' SECOND")


def test_insert_into_print_sink(t_env, capsys):
    t_env.execute_sql("CREATE TABLE out1 (id BIGINT, n STRING) WITH ('connector' = 'print')")
    t_env.execute_sql("INSERT INTO out1 SELECT id, CAST(doubled AS STRING) FROM src WHERE id <> 3").wait()
    assert capsys.readouterr().out.splitlines() == ["+I[1, 2]", "+I[2, 4]", "+I[4, 8]", "+I[5, 10]"]


def test_print_sink_of_a_changelog_with_identifier(t_env, capsys):
    t_env.execute_sql("CREATE TABLE out2 (k BIGINT, c BIGINT) WITH ('connector' = 'print', "
                      "'print-identifier' = 'agg')")
    t_env.execute_sql("INSERT INTO out2 SELECT id % 2, COUNT(*) FROM src GROUP BY id % 2").wait()
    assert capsys.readouterr().out.splitlines() == [
        "agg> +I[1, 1]", "agg> +I[0, 1]", "agg> -U[1, 1]", "agg> +U[1, 2]", "agg> -U[0, 1]", "agg> +U[0, 2]",
        "agg> -U[1, 2]", "agg> +U[1, 3]"]


def test_insert_column_count_mismatch_is_a_validation_error(t_env):
    t_env.execute_sql("CREATE TABLE out3 (id BIGINT) WITH ('connector' = 'blackhole')")
    with pytest.raises(ValidationException, match="Different number of columns"):
        t_env.execute_sql("INSERT INTO out3 SELECT id, name FROM src")


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_filesystem_round_trip(t_env, tmp_path, fmt):
    path = str(tmp_path / "out")
    t_env.execute_sql(f"CREATE TABLE fs (id BIGINT, n STRING, ok BOOLEAN) WITH ('connector' = 'filesystem', "
                      f"'path' = '{path}', 'format' = '{fmt}')")
    t_env.execute_sql("INSERT INTO fs SELECT id, CONCAT('x', CAST(id AS STRING)), id > 2 FROM src").wait()
    names = os.listdir(path)
    assert names and all(n.startswith("part-") for n in names)  # straight into 'path', no buckets
    lines = sorted(line for n in names for line in open(os.path.join(path, n)).read().splitlines())
    if fmt == "csv":
        assert lines == ["1,x1,false", "2,x2,false", "3,x3,true", "4,x4,true", "5,x5,true"]
    else:
        assert [json.loads(x) for x in lines] == [{"id": i, "n": f"x{i}", "ok": i > 2} for i in range(1, 6)]
    assert sorted(rows_of(t_env.execute_sql("SELECT * FROM fs"))) == [(i, f"x{i}", i > 2) for i in range(1, 6)]


def test_filesystem_sink_rejects_a_changelog(t_env, tmp_path):
    t_env.execute_sql(f"CREATE TABLE fs2 (k BIGINT, c BIGINT) WITH ('connector' = 'filesystem', "
                      f"'path' = '{tmp_path}', 'format' = 'csv')")
    with pytest.raises(ValidationException, match="doesn't support consuming update and delete changes"):
        t_env.execute_sql("INSERT INTO fs2 SELECT id % 2, COUNT(*) FROM src GROUP BY id % 2")


def test_unknown_connector_and_missing_connector_option(t_env):
    t_env.execute_sql("CREATE TABLE bad (a INT) WITH ('connector' = 'nope')")
    with pytest.raises(ValidationException, match="Could not find any factory for identifier 'nope'"):
        t_env.execute_sql("SELECT * FROM bad")
    with pytest.raises(ValidationException, match="option key 'connector'"):
        t_env.execute_sql("CREATE TABLE bad2 (a INT) WITH ('format' = 'csv')")


def test_create_view_show_and_drop(t_env):
    t_env.execute_sql("CREATE VIEW v AS SELECT id FROM src WHERE id > 3")
    assert rows_of(t_env.execute_sql("SELECT * FROM v")) == [(4,), (5,)]
    assert rows_of(t_env.execute_sql("SHOW TABLES")) == [("src",), ("v",)]
    with pytest.raises(ValidationException, match="already exists"):
        t_env.execute_sql("CREATE VIEW v AS SELECT id FROM src")
    t_env.execute_sql("DROP VIEW v")
    with pytest.raises(ValidationException, match="Object 'v' not found"):
        t_env.execute_sql("SELECT * FROM v")


def shout(s):
    return None if s is None else s.upper() + "!"


def test_create_function_from_a_python_name(t_env):
    t_env.execute_sql(f"CREATE TEMPORARY FUNCTION shout AS '{__name__}.shout' LANGUAGE PYTHON")
    assert rows_of(t_env.execute_sql("SELECT shout(CAST(id AS STRING)) FROM src WHERE id < 3")) == [("1!",), ("2!",)]
    assert ("shout",) in rows_of(t_env.execute_sql("SHOW FUNCTIONS"))
    with pytest.raises(ValidationException, match="cannot load"):
        t_env.execute_sql("CREATE FUNCTION nope AS 'no_such_module_x.f'")


def test_statement_set_runs_inserts_as_one_job(t_env, capsys):
    t_env.execute_sql("CREATE TABLE p (id BIGINT) WITH ('connector' = 'print')")
    t_env.execute_sql("CREATE TABLE bh (id BIGINT) WITH ('connector' = 'blackhole')")
    ss = t_env.create_statement_set()
    ss.add_insert_sql("INSERT INTO p SELECT id FROM src WHERE id = 1")
    ss.add_insert_sql("INSERT INTO bh SELECT id FROM src")
    assert "Sink(table=[default_catalog.default_database.p])" in ss.explain()
    ss.execute().wait()
    t_env.execute_sql("EXECUTE STATEMENT SET BEGIN INSERT INTO p SELECT id FROM src WHERE id = 2; "
                      "INSERT INTO p SELECT id FROM src WHERE id = 5; END").wait()
    assert capsys.readouterr().out.splitlines() == ["+I[1]", "+I[2]", "+I[5]"]
    with pytest.raises(ValidationException, match="only takes INSERT"):
        ss.add_insert_sql("SELECT 1")


def test_explain_names_the_operators(t_env):
    plan = t_env.explain_sql("SELECT id % 2 AS k, COUNT(*) FROM src GROUP BY id % 2")
    assert plan.startswith("== Optimized Physical Plan ==")
    assert "GroupAggregate" in plan and "TableSourceScan(table=[[default_catalog, default_database, src]]" in plan
    with t_env.execute_sql("EXPLAIN SELECT id FROM src").collect() as it:
        (row,) = list(it)
    assert "TableSourceScan" in row[0]


def test_watermark_on_a_non_timestamp_column_is_rejected():
    t = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    t.execute_sql("CREATE TABLE w (a BIGINT, WATERMARK FOR a AS a) WITH ('connector' = 'datagen')")
    with pytest.raises(ValidationException, match="must be of type TIMESTAMP"):
        t.execute_sql("SELECT * FROM w")


def test_validation_errors_name_the_position(t_env):
    with pytest.raises(ValidationException, match=r"line 2, column 8.*Column 'nope' not found"):
        t_env.execute_sql("SELECT id,\n       nope FROM src")
    with pytest.raises(ValidationException, match="Object 'missing' not found"):
        t_env.sql_query("SELECT * FROM missing")
    with pytest.raises(ValidationException, match="No match found for function signature NOFN"):
        t_env.sql_query("SELECT nofn(id) FROM src")


def test_connector_value_formats_as_pyflink_writes_them(tmp_path, capsys):
    # print / csv / json output for a row of mixed types, as real PyFlink 2.3.0 wrote it
    t = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    t.get_config().set_local_timezone("UTC")
    t._env.set_parallelism(1)
    cols = "id INT, s STRING, d DOUBLE, dv DECIMAL(6, 2), b BOOLEAN, dt DATE, ts TIMESTAMP(3), n STRING"
    t.execute_sql("""CREATE TEMPORARY VIEW v AS SELECT * FROM (VALUES
        (2, 'q"x', CAST(-0.1 AS DOUBLE), CAST(-3 AS DECIMAL(6, 2)), FALSE, DATE '2024-12-31',
         TIMESTAMP '2024-12-31 23:59:59', CAST(NULL AS STRING))) AS T(id, s, d, dv, b, dt, ts, n)""")
    t.execute_sql(f"CREATE TABLE p ({cols}) WITH ('connector' = 'print')")
    t.execute_sql("INSERT INTO p SELECT * FROM v").wait()
    assert capsys.readouterr().out.splitlines() == [
        '+I[2, q"x, -0.1, -3.00, false, 2024-12-31, 2024-12-31T23:59:59, null]']
    expected = {"csv": '2,"q""x",-0.1,-3,false,2024-12-31,"2024-12-31 23:59:59",\n',
                "json": '{"id":2,"s":"q\\"x","d":-0.1,"dv":-3,"b":false,"dt":"2024-12-31","ts":"2024-12-31 23:59:59",'
                        '"n":null}\n'}
    for fmt, text in expected.items():
        path = tmp_path / fmt
        t.execute_sql(f"CREATE TABLE f_{fmt} ({cols}) WITH ('connector' = 'filesystem', 'path' = '{path}', "
                      f"'format' = '{fmt}')")
        t.execute_sql(f"INSERT INTO f_{fmt} SELECT * FROM v").wait()
        assert [open(os.path.join(path, n)).read() for n in os.listdir(path)] == [text]
