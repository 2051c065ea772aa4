"""SQL queries on the streaming planner, with expected changelogs derived from Flink's documented
semantics: GROUP BY retractions (-U/+U, -D), window TVFs (TUMBLE, HOP, CUMULATE, SESSION) and late
rows, OVER aggregation (ROWS / RANGE), regular / interval / window joins, Top-N, deduplication,
DISTINCT, UNION [ALL], BATCH mode and the built-in functions' NULL rules."""

import datetime
from collections import Counter

import pytest
from _sql_helpers import changelog, register, rows_of, table_env

from flinklite.errors import JobExecutionException, ValidationException

KV = [("k", "STRING"), ("v", "INT"), ("ts", "BIGINT")]


def ts(seconds):
    return datetime.datetime(1970, 1, 1) + datetime.timedelta(seconds=seconds)


def final_table(log):
    """Applies a changelog: the multiset of rows it leaves (independent of input interleaving)."""
    out = Counter()
    for op, row in log:
        out[row] += 1 if op in ("+I", "+U") else -1
        assert out[row] >= 0, f"retracted a row never emitted: {row}"
    return +out


# -- GROUP BY ------------------------------------------------------------------------------------
def test_group_by_emits_updates_as_retraction_pairs():
    t = table_env()
    register(t, "s", [("a", 1, 1), ("b", 2, 2), ("a", 3, 3)], KV)
    assert changelog(t.execute_sql("SELECT k, SUM(v), COUNT(*) FROM s GROUP BY k")) == [
        ("+I", ("a", 1, 1)), ("+I", ("b", 2, 1)), ("-U", ("a", 1, 1)), ("+U", ("a", 4, 2))]


def test_aggregate_over_an_updating_input_retracts_and_deletes():
    t = table_env()
    register(t, "s", [("a", 1, 1), ("b", 2, 2), ("a", 3, 3)], KV)
    q = "SELECT cnt, COUNT(*) AS n FROM (SELECT k, COUNT(*) AS cnt FROM s GROUP BY k) GROUP BY cnt"
    assert changelog(t.execute_sql(q)) == [
        ("+I", (1, 1)), ("-U", (1, 1)), ("+U", (1, 2)), ("-U", (1, 2)), ("+U", (1, 1)), ("+I", (2, 1))]
    t2 = table_env()
    register(t2, "s", [("a", 1, 1), ("a", 3, 3)], KV)
    # the group cnt=1 loses its only row: -D
    assert changelog(t2.execute_sql(q)) == [("+I", (1, 1)), ("-D", (1, 1)), ("+I", (2, 1))]


def test_group_by_expression_and_having():
    t = table_env()
    register(t, "s", [("a", 1, 1), ("b", 2, 2), ("c", 3, 3), ("d", 5, 4)], KV)
    log = changelog(t.execute_sql("SELECT v % 2 AS odd, SUM(v) FROM s GROUP BY v % 2 HAVING SUM(v) > 2"))
    assert final_table(log) == Counter({(1, 9): 1})


def test_global_aggregate_without_group_by():
    t = table_env()
    register(t, "s", [("a", 1, 1), ("b", 2, 2)], KV)
    assert changelog(t.execute_sql("SELECT COUNT(*), MAX(v) FROM s")) == [
        ("+I", (1, 1)), ("-U", (1, 1)), ("+U", (2, 2))]


# -- window TVFs ---------------------------------------------------------------------------------
def test_tumble_window_drops_late_rows():
    t = table_env()
    # the watermark reaches 6 s with the second row, so window [0 s, 5 s) fires; the third row is late
    register(t, "s", [("a", 1, 1000), ("a", 2, 6000), ("a", 4, 2000), ("a", 8, 7000)], KV)
    q = ("SELECT window_start, window_end, SUM(v) FROM TABLE(TUMBLE(TABLE s, DESCRIPTOR(rt), INTERVAL '5' SECOND)) "
         "GROUP BY window_start, window_end")
    assert changelog(t.execute_sql(q)) == [("+I", (ts(0), ts(5), 1)), ("+I", (ts(5), ts(10), 10))]


def test_hop_window_starts_before_zero():
    t = table_env()
    register(t, "s", [("a", 1, 1000), ("a", 2, 6000)], KV)
    q = ("SELECT window_start, window_end, SUM(v) FROM TABLE(HOP(TABLE s, DESCRIPTOR(rt), INTERVAL '5' SECOND, "
         "INTERVAL '10' SECOND)) GROUP BY window_start, window_end")
    assert sorted(rows_of(t.execute_sql(q))) == [(ts(-5), ts(5), 1), (ts(0), ts(10), 3), (ts(5), ts(15), 2)]


def test_cumulate_window():
    t = table_env()
    register(t, "s", [("a", 1, 1000), ("a", 2, 3000), ("a", 4, 6000)], KV)
    q = ("SELECT window_start, window_end, SUM(v) FROM TABLE(CUMULATE(TABLE s, DESCRIPTOR(rt), "
         "INTERVAL '2' SECOND, INTERVAL '6' SECOND)) GROUP BY window_start, window_end")
    assert sorted(rows_of(t.execute_sql(q))) == [
        (ts(0), ts(2), 1), (ts(0), ts(4), 3), (ts(0), ts(6), 3), (ts(6), ts(8), 4), (ts(6), ts(10), 4),
        (ts(6), ts(12), 4)]


def test_session_window_tvf():
    t = table_env()
    register(t, "s", [("a", 1, 1000), ("a", 2, 2500), ("b", 7, 2000), ("a", 4, 6000)], KV)
    q = ("SELECT k, window_start, window_end, SUM(v) FROM TABLE(SESSION(TABLE s PARTITION BY k, DESCRIPTOR(rt), "
         "INTERVAL '2' SECOND)) GROUP BY k, window_start, window_end")
    assert sorted(rows_of(t.execute_sql(q))) == [
        ("a", ts(1), ts(4.5), 3), ("a", ts(6), ts(8), 4), ("b", ts(2), ts(4), 7)]


def test_window_tvf_needs_a_time_attribute():
    t = table_env()
    register(t, "s", [("a", 1, 1000)], KV)
    with pytest.raises(ValidationException, match="time attribute"):
        t.sql_query("SELECT * FROM TABLE(TUMBLE(TABLE s, DESCRIPTOR(ts), INTERVAL '5' SECOND))")


# -- OVER ------------------------------------------------------------------------------------------
def test_over_rows_and_range_frames():
    t = table_env()
    register(t, "s", [("a", 1, 1000), ("a", 2, 1500), ("a", 4, 3000), ("b", 10, 3500), ("b", 20, 1200)], KV)
    # ("b", 20, 1200) arrives below the watermark (1.5 s, global across keys): late, dropped as Flink drops it
    rows = "SELECT k, v, SUM(v) OVER (PARTITION BY k ORDER BY rt ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) FROM s"
    assert sorted(rows_of(t.execute_sql(rows))) == [("a", 1, 1), ("a", 2, 3), ("a", 4, 6), ("b", 10, 10)]
    rng = ("SELECT k, v, COUNT(v) OVER w, SUM(v) OVER w FROM s WINDOW w AS (PARTITION BY k ORDER BY rt "
           "RANGE BETWEEN INTERVAL '1' SECOND PRECEDING AND CURRENT ROW)")
    assert sorted(rows_of(t.execute_sql(rng))) == [("a", 1, 1, 1), ("a", 2, 2, 3), ("a", 4, 1, 4), ("b", 10, 1, 10)]


def test_over_aggregates_must_share_one_window():
    t = table_env()
    register(t, "s", [("a", 1, 1000)], KV)
    with pytest.raises(ValidationException, match="All aggregates must be computed on the same window"):
        t.sql_query("SELECT SUM(v) OVER (ORDER BY rt ROWS BETWEEN 1 PRECEDING AND CURRENT ROW), "
                    "SUM(v) OVER (ORDER BY rt RANGE BETWEEN INTERVAL '1' SECOND PRECEDING AND CURRENT ROW) FROM s")


# -- joins -----------------------------------------------------------------------------------------
def _two_tables(t):
    register(t, "l", [("k1", 1, 1000), ("k2", 2, 2000), ("k1", 3, 6000)], KV)
    register(t, "r", [("k1", 10, 1500), ("k3", 20, 7000), ("k1", 30, 5500)], [("k", "STRING"), ("w", "INT"),
                                                                             ("ts", "BIGINT")])


def test_regular_inner_and_outer_joins():
    t = table_env()
    _two_tables(t)
    inner = changelog(t.execute_sql("SELECT l.k, v, w FROM l JOIN r ON l.k = r.k"))
    assert all(op == "+I" for op, _ in inner)
    assert Counter(r for _, r in inner) == Counter({("k1", 1, 10): 1, ("k1", 1, 30): 1, ("k1", 3, 10): 1,
                                                   ("k1", 3, 30): 1})
    full = changelog(t.execute_sql("SELECT l.k, v, r.k, w FROM l FULL OUTER JOIN r ON l.k = r.k"))
    assert final_table(full) == Counter({("k1", 1, "k1", 10): 1, ("k1", 1, "k1", 30): 1, ("k1", 3, "k1", 10): 1,
                                         ("k1", 3, "k1", 30): 1, ("k2", 2, None, None): 1, (None, None, "k3", 20): 1})


def test_interval_join():
    t = table_env()
    _two_tables(t)
    q = ("SELECT l.k, v, w FROM l, r WHERE l.k = r.k AND l.rt BETWEEN r.rt - INTERVAL '1' SECOND "
         "AND r.rt + INTERVAL '1' SECOND")
    log = changelog(t.execute_sql(q))
    assert sorted(log) == [("+I", ("k1", 1, 10)), ("+I", ("k1", 3, 30))]


def test_window_join():
    t = table_env()
    _two_tables(t)
    q = """SELECT L.k, L.v, R.w, L.window_start FROM
             (SELECT * FROM TABLE(TUMBLE(TABLE l, DESCRIPTOR(rt), INTERVAL '5' SECOND))) L
             JOIN (SELECT * FROM TABLE(TUMBLE(TABLE r, DESCRIPTOR(rt), INTERVAL '5' SECOND))) R
             ON L.k = R.k AND L.window_start = R.window_start AND L.window_end = R.window_end"""
    assert sorted(rows_of(t.execute_sql(q))) == [("k1", 1, 10, ts(0)), ("k1", 3, 30, ts(5))]


# -- Top-N and deduplication -----------------------------------------------------------------------
def test_top_n_without_rank_column():
    t = table_env()
    register(t, "s", [("a", 5, 1), ("a", 9, 2), ("a", 7, 3), ("b", 1, 4), ("a", 8, 5)], KV)
    q = ("SELECT k, v FROM (SELECT k, v, ROW_NUMBER() OVER (PARTITION BY k ORDER BY v DESC) AS rn FROM s) "
         "WHERE rn <= 2")
    log = changelog(t.execute_sql(q))
    assert final_table(log) == Counter({("a", 9): 1, ("a", 8): 1, ("b", 1): 1})
    assert ("-D", ("a", 5)) in log and ("-D", ("a", 7)) in log


def test_deduplication_first_and_last_row():
    t = table_env()
    register(t, "s", [("a", 1, 1000), ("a", 2, 2000), ("b", 3, 1500), ("a", 4, 3000)], KV)
    first = "SELECT k, v FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY k ORDER BY rt) AS rn FROM s) WHERE rn = 1"
    assert changelog(t.execute_sql(first)) == [("+I", ("a", 1)), ("+I", ("b", 3))]
    last = first.replace("ORDER BY rt", "ORDER BY rt DESC")
    assert changelog(t.execute_sql(last)) == [
        ("+I", ("a", 1)), ("-U", ("a", 1)), ("+U", ("a", 2)), ("+I", ("b", 3)), ("-U", ("a", 2)), ("+U", ("a", 4))]


# -- DISTINCT / UNION ------------------------------------------------------------------------------
def test_distinct_union_all_and_union():
    t = table_env()
    register(t, "s", [("a", 1, 1), ("a", 1, 2), ("b", 2, 3)], KV)
    assert changelog(t.execute_sql("SELECT DISTINCT k, v FROM s")) == [("+I", ("a", 1)), ("+I", ("b", 2))]
    assert Counter(rows_of(t.execute_sql("SELECT k FROM s UNION ALL SELECT k FROM s WHERE v = 2"))) == Counter(
        {("a",): 2, ("b",): 2})
    assert sorted(rows_of(t.execute_sql("SELECT k FROM s UNION SELECT k FROM s"))) == [("a",), ("b",)]


# -- BATCH ---------------------------------------------------------------------------------------
def test_batch_mode_emits_final_results_only():
    t = table_env(batch=True)
    t.create_temporary_view("s", t.from_elements([("a", 1), ("b", 2), ("a", 3)], ["k", "v"]))
    assert changelog(t.execute_sql("SELECT k, SUM(v) AS s FROM s GROUP BY k ORDER BY s DESC")) == [
        ("+I", ("a", 4)), ("+I", ("b", 2))]
    assert rows_of(t.execute_sql("SELECT v FROM s ORDER BY v LIMIT 2 OFFSET 1")) == [(2,), (3,)]


def test_streaming_order_by_needs_a_time_attribute():
    t = table_env()
    register(t, "s", [("a", 1, 1)], KV)
    with pytest.raises(ValidationException, match="Sort on a non-time-attribute field is not supported"):
        t.sql_query("SELECT * FROM s ORDER BY v")


# -- built-in functions and NULL ---------------------------------------------------------------
def test_builtin_null_rules():
    t = table_env()
    row = rows_of(t.execute_sql("""
        SELECT 1 + CAST(NULL AS INT), CONCAT('a', CAST(NULL AS STRING)), CONCAT_WS('-', 'a', CAST(NULL AS STRING), 'b'),
               COALESCE(CAST(NULL AS INT), 7), CASE WHEN CAST(NULL AS BOOLEAN) THEN 'y' ELSE 'n' END,
               TRY_CAST('x1' AS INT), CAST('12' AS INT) * 2, 7 / 2, 7 / 2.0, UPPER('abc'), CHAR_LENGTH('héllo'),
               CAST(NULL AS INT) IS NULL, NULLIF(3, 3), ABS(-2.5), MOD(-7, 3)"""))[0]
    assert row == (None, None, "a-b", 7, "n", None, 24, 3, pytest.approx(3.5), "ABC", 5, True, None,
                   pytest.approx(2.5), -1)


def test_failed_cast_fails_the_job():
    t = table_env()
    with pytest.raises(JobExecutionException):
        rows_of(t.execute_sql("SELECT CAST('x1' AS INT)"))


def test_fractional_interval_in_a_watermark_expression():
    # WATERMARK rt - INTERVAL '0.1' SECOND: after the row at 5.05 s the watermark is 4.95 s, so the row at
    # 4.99 s still belongs to window [0 s, 5 s); with no delay it would be late and dropped
    rows = [("a", 1, 1000), ("a", 2, 5050), ("a", 4, 4990), ("a", 8, 9000)]
    q = ("SELECT window_start, SUM(v) FROM TABLE(TUMBLE(TABLE s, DESCRIPTOR(rt), INTERVAL '5' SECOND)) "
         "GROUP BY window_start, window_end")
    t = table_env()
    register(t, "s", rows, KV, watermark_delay="0.1")
    assert rows_of(t.execute_sql(q)) == [(ts(0), 5), (ts(5), 10)]
    t0 = table_env()
    register(t0, "s", rows, KV, watermark_delay="0")
    assert rows_of(t0.execute_sql(q)) == [(ts(0), 1), (ts(5), 10)]


# -- MATCH_RECOGNIZE (planned onto the CEP operator) ---------------------------------------------
TICKER = [("ACME", p, 1000 * t) for t, p in [(0, 12), (1, 17), (2, 19), (3, 21), (4, 25), (5, 18), (6, 15),
                                                 (7, 14), (8, 24), (9, 25), (10, 19)]]
V_SHAPE = """SELECT * FROM ticker MATCH_RECOGNIZE (
    PARTITION BY symbol ORDER BY rt
    MEASURES START_ROW.rt AS start_t, LAST(PRICE_DOWN.rt) AS bottom_t, LAST(PRICE_UP.price) AS up_price
    AFTER MATCH SKIP TO LAST PRICE_UP
    PATTERN (START_ROW PRICE_DOWN+ PRICE_UP)
    DEFINE
        PRICE_DOWN AS (LAST(PRICE_DOWN.price, 1) IS NULL AND PRICE_DOWN.price < START_ROW.price)
                      OR PRICE_DOWN.price < LAST(PRICE_DOWN.price, 1),
        PRICE_UP AS PRICE_UP.price > LAST(PRICE_DOWN.price, 1)
) AS MR"""


def test_match_recognize_v_shape():
    # Flink's documentation example: the price falls from 25 (t=4 s) to 14 (t=7 s) and rises to 24 (t=8 s)
    t = table_env()
    register(t, "ticker", TICKER, [("symbol", "STRING"), ("price", "INT"), ("ts", "BIGINT")])
    assert changelog(t.execute_sql(V_SHAPE)) == [("+I", ("ACME", ts(4), ts(7), 24))]
    assert "Match(partitionBy=[0]" in t.explain_sql(V_SHAPE)
    outer = f"SELECT symbol, up_price * 2 FROM ({V_SHAPE})"
    assert rows_of(t.execute_sql(outer)) == [("ACME", 48)]


def test_match_recognize_validation():
    t = table_env()
    register(t, "ticker", TICKER, [("symbol", "STRING"), ("price", "INT"), ("ts", "BIGINT")])
    with pytest.raises(ValidationException, match="You must specify either rowtime or proctime for order by"):
        t.sql_query(V_SHAPE.replace("ORDER BY rt", "ORDER BY price"))
    t.create_temporary_view("agg", t.sql_query("SELECT symbol, COUNT(*) AS price, MAX(rt) AS rt FROM ticker "
                                              "GROUP BY symbol"))
    with pytest.raises(ValidationException, match="doesn't support consuming update and delete changes"):
        t.sql_query(V_SHAPE.replace("FROM ticker", "FROM agg"))
    with pytest.raises(ValidationException, match="which is not a pattern variable"):
        t.sql_query(V_SHAPE.replace("DEFINE\n", "DEFINE NOPE AS price > 1,\n"))


def test_timestampadd_timestampdiff_base64_and_integer_stddev():
    # values as real PyFlink 2.3.0 prints them for the same expressions
    t = table_env()
    row = rows_of(t.execute_sql("""
        SELECT TIMESTAMPADD(SECOND, 2, TIMESTAMP '1970-01-01 00:00:01'), TIMESTAMPADD(MONTH, 1, DATE '2024-01-31'),
               TIMESTAMPDIFF(DAY, TIMESTAMP '2024-01-01 12:00:00', TIMESTAMP '2024-01-03 11:00:00'),
               TIMESTAMPDIFF(MONTH, DATE '2024-01-31', DATE '2024-03-01'), TO_BASE64('ann'), FROM_BASE64('Ym9i'),
               TRUNCATE(-5 / 3.0, 1)"""))[0]
    assert row[:6] == (ts(3), datetime.date(2024, 2, 29), 1, 1, "YW5u", "bob")
    assert float(row[6]) == -1.6
    register(t, "s", [("a", 3, 1), ("a", 4, 2)], KV)
    # STDDEV_POP keeps the INT type: sqrt(0.25) = 0.5 truncates to 0
    assert rows_of(t.execute_sql("SELECT STDDEV_POP(v), STDDEV_POP(CAST(v AS DOUBLE)) FROM s"))[-1] == (0, 0.5)


def test_filter_clause_and_over_window_functions():
    # the changelogs real PyFlink 2.3.0 prints for these queries
    t = table_env()
    register(t, "s", [("ann", 3, 1000), ("bob", -5, 2000), ("ann", 4, 3500), ("cid", 0, 6100)], KV)
    assert changelog(t.execute_sql("SELECT k, COUNT(*) FILTER (WHERE v > 0), SUM(v) FILTER (WHERE v > 3) FROM s "
                                   "GROUP BY k")) == [
        ("+I", ("ann", 1, None)), ("+I", ("bob", 0, None)), ("-U", ("ann", 1, None)), ("+U", ("ann", 2, 4)),
        ("+I", ("cid", 0, None))]
    assert rows_of(t.execute_sql("SELECT k, v, LAG(v) OVER (PARTITION BY k ORDER BY rt) FROM s")) == [
        ("ann", 3, None), ("bob", -5, None), ("ann", 4, 3), ("cid", 0, None)]
    assert rows_of(t.execute_sql("SELECT k, RANK() OVER (PARTITION BY k ORDER BY rt) FROM s")) == [
        ("ann", 1), ("bob", 1), ("ann", 2), ("cid", 1)]
    with pytest.raises(ValidationException, match="need an unbounded OVER window"):
        t.sql_query("SELECT RANK() OVER (ORDER BY rt ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) FROM s")


def test_more_builtins_as_pyflink_prints_them():
    # each value is what real PyFlink 2.3.0 printed for the same expression
    t = table_env()
    register(t, "s", [("ann", 3, 1000), ("Bob", -5, 2000)], [("name", "STRING"), ("n", "INT"), ("ts", "BIGINT")])
    row = rows_of(t.execute_sql("""
        SELECT name NOT LIKE 'a%', name IS DISTINCT FROM 'ann', n IS NOT DISTINCT FROM 3,
               OVERLAY(name PLACING 'XX' FROM 2 FOR 1), HASH_CODE(name), HEX(255), BIN(n),
               CAST(2147483647 AS INT) + 1, YEAR(DATE '2024-03-05'), DAYOFWEEK(DATE '2024-03-05'),
               HOUR(TIMESTAMP '2024-03-05 10:20:30'), JSON_VALUE('{"a": 1.5}', '$.a' RETURNING DOUBLE),
               JSON_EXISTS('{"a": 1}', '$.a'), JSON_QUERY('{"a": {"b": 1}}', '$.a')
        FROM s"""))
    assert row[0] == (False, False, True, "aXXn", 96737, "FF", "11", -2147483648, 2024, 3, 10, 1.5, True, '{"b":1}')
    assert row[1][:7] == (True, True, False, "BXXb", 66965, "FF", "1" * 61 + "011")


def test_arrays_and_maps():
    t = table_env()
    row = rows_of(t.execute_sql("SELECT ARRAY[1, 2][1], ARRAY[1, 2][5], CARDINALITY(ARRAY[1, 2, 3]), "
                                "ELEMENT(ARRAY[5]), MAP['a', 1]['a'], STR_TO_MAP('a=1,b=2')['b']"))[0]
    assert row == (1, None, 3, 5, 1, "2")
    with pytest.raises(JobExecutionException):
        rows_of(t.execute_sql("SELECT ELEMENT(ARRAY[1, 2])"))
    with pytest.raises(ValidationException, match="Cannot index"):
        t.sql_query("SELECT (1)[1]")


def test_window_top_n_over_an_aggregate():
    # the changelog real PyFlink 2.3.0 printed for this query
    t = table_env()
    register(t, "s", [("ann", 3, 1000), ("bob", 9, 2000), ("ann", 4, 3500), ("cid", 7, 6100), ("bob", 1, 6500),
                      ("ann", 8, 7000)], KV)
    q = """SELECT * FROM (
             SELECT window_start, k, SUM(v) AS total,
                    ROW_NUMBER() OVER (PARTITION BY window_start ORDER BY SUM(v) DESC) AS rk
             FROM TABLE(TUMBLE(TABLE s, DESCRIPTOR(rt), INTERVAL '5' SECOND))
             GROUP BY window_start, window_end, k)
           WHERE rk <= 1"""
    assert changelog(t.execute_sql(q)) == [
        ("+I", (ts(0), "ann", 7, 1)), ("-U", (ts(0), "ann", 7, 1)), ("+U", (ts(0), "bob", 9, 1)),
        ("+I", (ts(5), "cid", 7, 1)), ("-U", (ts(5), "cid", 7, 1)), ("+U", (ts(5), "ann", 8, 1))]
