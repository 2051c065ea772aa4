"""The Table API: the expression DSL (pyflink.table.expressions) and Table operations, which
render Flink SQL over their input; group windows (Tumble / Slide / Session) and over windows;
Python UDFs (udf, udaf, udtf); TableResult print / collect; the DataStream bridge."""

import datetime
from collections import Counter

import pytest
from _sql_helpers import changelog, register, rows_of, table_env

from flinklite.errors import ValidationException
from flinklite.table import DataTypes
from flinklite.table.expressions import (
    CURRENT_ROW,
    UNBOUNDED_RANGE,
    call,
    coalesce,
    col,
    concat,
    if_then_else,
    lit,
    null_of,
    row_interval,
)
from flinklite.table.udf import AggregateFunction, udaf, udf, udtf
from flinklite.table.window import Over, Session, Slide, Tumble

KV = [("k", "STRING"), ("v", "INT"), ("ts", "BIGINT")]


def ts(seconds):
    return datetime.datetime(1970, 1, 1) + datetime.timedelta(seconds=seconds)


@pytest.fixture
def t_env():
    t = table_env()
    register(t, "s", [("a", 1, 1000), ("b", 2, 2000), ("a", 3, 6000), ("c", 4, 7000)], KV)
    return t


def test_select_where_with_operators_and_aliases(t_env):
    s = t_env.from_path("s")
    out = s.where((col("v") > 1) & ~(col("k") == "c")).select(col("k"), (col("v") * 10 + 1).alias("x"),
                                                                 col("v") % 2, -col("v"))
    assert out.get_column_names() == ["k", "x", "_c2", "_c3"]
    assert rows_of(out) == [("b", 21, 0, -2), ("a", 31, 1, -3)]


def test_expression_methods_render_flink_sql(t_env):
    s = t_env.from_path("s")
    out = s.select(col("k").upper_case, concat(col("k"), "-", col("v").cast(DataTypes.STRING())),
                   if_then_else(col("v").between(2, 3), "mid", "edge"), col("k").in_("a", "c"),
                   coalesce(null_of(DataTypes.INT()), col("v")), col("k").like("a%"), col("v").is_null,
                   call("ABS", lit(-1) * col("v")), lit(1.5) + col("v"))
    assert rows_of(out)[0] == ("A", "a-1", "edge", True, 1, True, False, 1, 2.5)
    assert str(col("v").sum.alias("t")) == "SUM(`v`)"
    with pytest.raises(TypeError, match="no truth value"):
        bool(col("a") > 1)


def test_group_by_select_is_a_retraction_changelog(t_env):
    s = t_env.from_path("s")
    out = s.group_by(col("k")).select(col("k"), col("v").sum.alias("total"), col("v").count.alias("n"))
    assert changelog(out) == [("+I", ("a", 1, 1)), ("+I", ("b", 2, 1)), ("-U", ("a", 1, 1)), ("+U", ("a", 4, 2)),
                              ("+I", ("c", 4, 1))]
    assert rows_of(s.select(col("k").distinct.count)) [-1] == (3,)
    # Flink's names for unnamed expressions: EXPR$n in an aggregating select, _c<position> otherwise
    assert s.group_by(col("k")).select(col("k"), col("v").avg, col("v").max).get_column_names() == [
        "k", "EXPR$0", "EXPR$1"]


def test_attribute_access_and_column_operations(t_env):
    s = t_env.from_path("s")
    assert rows_of(s.select(s.k, s.v + 1))[0] == ("a", 2)
    with pytest.raises(AttributeError, match=r"Cannot resolve field \[nope\]"):
        s.nope  # noqa: B018
    t = s.add_columns((col("v") * 2).alias("d")).drop_columns(col("ts"), col("rt"))
    assert t.get_column_names() == ["k", "v", "d"]
    t = t.rename_columns(col("d").alias("dd")).add_or_replace_columns((col("v") + 100).alias("v"))
    assert t.get_column_names() == ["k", "v", "dd"] and rows_of(t)[0] == ("a", 101, 2)
    assert rows_of(t.alias("x", "y", "z").select(col("z")))[0] == (2,)
    assert sorted(rows_of(s.select(col("k")).distinct())) == [("a",), ("b",), ("c",)]


def test_joins_and_unions(t_env):
    s = t_env.from_path("s")
    other = t_env.from_elements([("a", "apple"), ("b", "banana")], ["k2", "name"])
    joined = s.join(other, col("k") == col("k2")).select(col("k"), col("name"), col("v"))
    assert sorted(rows_of(joined)) == [("a", "apple", 1), ("a", "apple", 3), ("b", "banana", 2)]
    left = s.left_outer_join(other, col("k") == col("k2")).select(col("k"), col("name"))
    log = changelog(left)
    final = Counter()
    for op, r in log:
        final[r] += 1 if op in ("+I", "+U") else -1
    assert +final == Counter({("a", "apple"): 2, ("b", "banana"): 1, ("c", None): 1})
    with pytest.raises(ValidationException, match="both tables have the column"):
        s.join(s, col("k") == col("k"))
    u = s.select(col("k")).union_all(s.select(col("k")).where(col("k") == "a"))
    assert Counter(rows_of(u)) == Counter({("a",): 4, ("b",): 1, ("c",): 1})


def test_order_by_fetch_in_batch_mode():
    t = table_env(batch=True)
    tab = t.from_elements([(3, "c"), (1, "a"), (2, "b"), (5, "e")], ["n", "s"])
    assert rows_of(tab.order_by(col("n").desc).fetch(2)) == [(5, "e"), (3, "c")]
    assert rows_of(tab.order_by(col("n")).offset(1).fetch(2)) == [(2, "b"), (3, "c")]


def test_tumble_slide_and_session_group_windows(t_env):
    s = t_env.from_path("s")
    tumble = (s.window(Tumble.over(lit(5).seconds).on(col("rt")).alias("w"))
              .group_by(col("w"), col("k")).select(col("k"), col("w").start, col("w").end, col("v").sum))
    assert sorted(rows_of(tumble)) == [("a", ts(0), ts(5), 1), ("a", ts(5), ts(10), 3), ("b", ts(0), ts(5), 2),
                                       ("c", ts(5), ts(10), 4)]
    slide = (s.window(Slide.over(lit(10).seconds).every(lit(5).seconds).on(col("rt")).alias("w"))
             .group_by(col("w")).select(col("w").start, col("v").sum))
    assert sorted(rows_of(slide)) == [(ts(-5), 3), (ts(0), 10), (ts(5), 7)]
    session = (s.window(Session.with_gap(lit(2).seconds).on(col("rt")).alias("w"))
               .group_by(col("w")).select(col("w").start, col("w").end, col("v").count))
    assert sorted(rows_of(session)) == [(ts(1), ts(4), 2), (ts(6), ts(9), 2)]
    with pytest.raises(ValidationException, match="must name the window alias"):
        s.window(Tumble.over(lit(5).seconds).on(col("rt")).alias("w")).group_by(col("k")).select(col("k"))


def test_over_windows(t_env):
    s = t_env.from_path("s")
    rows2 = (s.over_window(Over.partition_by(col("k")).order_by(col("rt")).preceding(row_interval(1)).alias("w"))
             .select(col("k"), col("v"), col("v").sum.over(col("w"))))
    assert sorted(rows_of(rows2)) == [("a", 1, 1), ("a", 3, 4), ("b", 2, 2), ("c", 4, 4)]
    unbounded = (s.over_window(Over.order_by(col("rt")).preceding(UNBOUNDED_RANGE).following(CURRENT_ROW)
                               .alias("w")).select(col("v"), col("v").max.over(col("w"))))
    assert rows_of(unbounded) == [(1, 1), (2, 2), (3, 3), (4, 4)]


@udf(result_type=DataTypes.BIGINT())
def plus_one(x):
    return None if x is None else x + 1


class WeightedAvg(AggregateFunction):
    def create_accumulator(self):
        return [0, 0]

    def accumulate(self, acc, value, weight):
        acc[0] += value * weight
        acc[1] += weight

    def retract(self, acc, value, weight):
        acc[0] -= value * weight
        acc[1] -= weight

    def get_value(self, acc):
        return None if acc[1] == 0 else acc[0] // acc[1]


def test_python_udf_and_udaf_from_table_api_and_sql(t_env):
    s = t_env.from_path("s")
    assert rows_of(s.select(plus_one(col("v")).alias("p")))[:2] == [(2,), (3,)]
    wavg = udaf(WeightedAvg(), result_type=DataTypes.BIGINT())
    log = changelog(s.group_by(col("k")).select(col("k"), wavg(col("v"), col("v")).alias("w")))
    # a: (1*1) // 1 = 1, then (1*1 + 3*3) // (1 + 3) = 2
    assert [r for r in log if r[1][0] == "a"] == [("+I", ("a", 1)), ("-U", ("a", 1)), ("+U", ("a", 2))]
    t_env.create_temporary_function("wavg", wavg)
    t_env.create_temporary_function("plus_one", plus_one)
    assert changelog(t_env.execute_sql("SELECT wavg(v, 2) FROM s WHERE k <> 'a'")) == [
        ("+I", (2,)), ("-U", (2,)), ("+U", (3,))]  # (2*2 + 4*2) // 4
    assert rows_of(t_env.execute_sql("SELECT k, plus_one(v) FROM s WHERE k <> 'a'")) == [("b", 3), ("c", 5)]


@udtf(result_types=[DataTypes.STRING(), DataTypes.INT()])
def words(line):
    for w in line.split():
        yield w, len(w)


def test_table_function_lateral_joins():
    t = table_env()
    t.create_temporary_view("lines", t.from_elements([(1, "to be"), (2, ""), (3, "or not")], ["id", "line"]))
    t.create_temporary_function("words", words)
    inner = "SELECT id, w, n FROM lines, LATERAL TABLE(words(line)) AS T(w, n)"
    assert rows_of(t.execute_sql(inner)) == [(1, "to", 2), (1, "be", 2), (3, "or", 2), (3, "not", 3)]
    outer = "SELECT id, w FROM lines LEFT JOIN LATERAL TABLE(words(line)) AS T(w, n) ON TRUE"
    assert rows_of(t.execute_sql(outer)) == [(1, "to"), (1, "be"), (2, None), (3, "or"), (3, "not")]
    tab = t.from_path("lines")
    assert rows_of(tab.join_lateral(words(col("line")).alias("w", "n")).select(col("id"), col("n")))[-1] == (3, 3)
    assert rows_of(tab.left_outer_join_lateral(words(col("line")).alias("w", "n")).select(col("w")))[2] == (None,)
    with pytest.raises(ValidationException, match="needs a registered table function"):
        t.sql_query("SELECT * FROM lines, LATERAL TABLE(nofn(line)) AS T(w)")


def test_table_result_print_and_collect(t_env, capsys):
    t_env.execute_sql("SELECT k, v FROM s WHERE v < 3").print()
    assert capsys.readouterr().out.splitlines() == [
        "+----+--------------------------------+-------------+",
        "| op |                              k |           v |",
        "+----+--------------------------------+-------------+",
        "| +I |                              a |           1 |",
        "| +I |                              b |           2 |",
        "+----+--------------------------------+-------------+",
        "2 rows in set",
    ]
    result = t_env.execute_sql("SELECT k FROM s")
    assert result.get_result_kind().name == "SUCCESS_WITH_CONTENT"
    assert result.get_resolved_schema().get_column_names() == ["k"]
    with result.collect() as rows:
        first = next(rows)
    # positional rows, as PyFlink's collect() builds them (Row(*fields))
    assert first[0] == "a" and repr(first) == "<Row('a')>" and first.get_row_kind().short_string() == "+I"
    ok = t_env.execute_sql("CREATE TABLE x (a INT) WITH ('connector' = 'blackhole')")
    assert ok.get_result_kind().name == "SUCCESS"
    ok.print()
    assert capsys.readouterr().out.splitlines() == ["OK"]  # as PyFlink prints a DDL result
    t_env.from_path("s").print_schema()
    assert capsys.readouterr().out.splitlines() == [
        "(", "  `k` STRING,", "  `v` INT,", "  `ts` BIGINT,",
        "  `rt` TIMESTAMP_LTZ(3) *ROWTIME* AS TO_TIMESTAMP_LTZ(ts, 3),",
        "  WATERMARK FOR `rt`: TIMESTAMP_LTZ(3) AS rt - INTERVAL '0' SECOND", ")"]


def test_batch_print_has_no_op_column():
    t = table_env(batch=True)
    t.create_temporary_view("e", t.from_elements([("x", 1), ("yy", 22)], ["name", "n"]))
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        t.execute_sql("SELECT name, n FROM e").print()
    # PyFlink 2.3.0 sizes a batch result by the column types too (STRING: 30, BIGINT: 20)
    assert buf.getvalue().splitlines() == [
        "+--------------------------------+----------------------+",
        "|                           name |                    n |",
        "+--------------------------------+----------------------+",
        "|                              x |                    1 |",
        "|                             yy |                   22 |",
        "+--------------------------------+----------------------+",
        "2 rows in set"]


def test_to_data_stream_and_changelog_stream(t_env):
    insert_only = t_env.sql_query("SELECT k, v FROM s WHERE v > 2")
    with t_env.to_data_stream(insert_only).execute_and_collect() as it:
        assert [tuple(r) for r in it] == [("a", 3), ("c", 4)]
    agg = t_env.sql_query("SELECT k, COUNT(*) FROM s GROUP BY k")
    with pytest.raises(Exception, match="doesn't support consuming update and delete changes"):
        t_env.to_data_stream(agg)
    with t_env.to_changelog_stream(agg).execute_and_collect() as it:
        kinds = [r.get_row_kind().short_string() for r in it]
    assert kinds == ["+I", "+I", "-U", "+U", "+I"]
