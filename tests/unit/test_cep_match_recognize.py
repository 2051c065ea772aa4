"""MATCH_RECOGNIZE (flinklite/cep/_match_recognize.py) end to end: SQL text compiled by
``compile_match_recognize`` and applied to DataStreams of Rows built with ``from_collection``, in
event time with watermarks. Expected rows are the results Flink's documentation gives for its
examples (docs/dev/table/sql/queries/match_recognize.md); tests/conformance/test_cep_match_recognize_flink.py
compares further queries with outputs recorded from real Flink."""

from __future__ import annotations

import pytest

pytest.importorskip("sqlglot")

from flinklite.cep._match_recognize import compile_match_recognize, split_within  # noqa: E402
from flinklite.common import Row, WatermarkStrategy  # noqa: E402
from flinklite.common.watermark_strategy import TimestampAssigner  # noqa: E402
from flinklite.datastream import StreamExecutionEnvironment  # noqa: E402
from flinklite.errors import FlinkliteError, InvalidProgramException, UnsupportedFeature  # noqa: E402

SCHEMA = ["symbol", "rowtime", "price", "tax"]
S = 1000  # the docs' rows are a second apart: rowtime i * S


class _Rowtime(TimestampAssigner):
    def extract_timestamp(self, value, record_timestamp):
        return value[1]


def ticker(prices, taxes=None, symbol="ACME", step=S):
    taxes = taxes or [1] * len(prices)
    return [Row(symbol, i * step, p, x) for i, (p, x) in enumerate(zip(prices, taxes))]


def run(sql, rows, parallelism=2, **kwargs):
    """The output rows (as tuples) of ``sql`` over ``rows``, through a real job."""
    plan = compile_match_recognize(sql, SCHEMA, rowtime="rowtime", **kwargs)
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(parallelism)
    ds = env.from_collection(rows).assign_timestamps_and_watermarks(
        WatermarkStrategy.for_monotonous_timestamps().with_timestamp_assigner(_Rowtime()))
    out, names = plan.apply(ds)
    assert names == plan.output_names
    result = list(out.execute_and_collect())
    assert all(r.as_dict().keys() == set(names) or list(r.as_dict()) == names for r in result)
    return [tuple(r) for r in result]


V_SHAPE = """
SELECT * FROM Ticker MATCH_RECOGNIZE (
    PARTITION BY symbol
    ORDER BY rowtime
    MEASURES
        START_ROW.rowtime AS start_tstamp,
        LAST(PRICE_DOWN.rowtime) AS bottom_tstamp,
        LAST(PRICE_UP.rowtime) AS end_tstamp
    ONE ROW PER MATCH
    AFTER MATCH SKIP TO LAST PRICE_UP
    PATTERN (START_ROW PRICE_DOWN+ PRICE_UP)
    DEFINE
        PRICE_DOWN AS
            (LAST(PRICE_DOWN.price, 1) IS NULL AND PRICE_DOWN.price < START_ROW.price) OR
                PRICE_DOWN.price < LAST(PRICE_DOWN.price, 1),
        PRICE_UP AS
            PRICE_UP.price > LAST(PRICE_DOWN.price, 1)
) MR
"""
V_PRICES = [12, 17, 19, 21, 25, 18, 15, 14, 24, 25, 19]


def test_docs_v_shape():
    plan = compile_match_recognize(V_SHAPE, SCHEMA)
    assert plan.output_names == ["symbol", "start_tstamp", "bottom_tstamp", "end_tstamp"]
    assert plan.partition_by == ["symbol"] and plan.order_by == [("rowtime", True)]
    assert run(V_SHAPE, ticker(V_PRICES)) == [("ACME", 4 * S, 7 * S, 8 * S)]


def test_partitions_are_matched_apart_and_rows_may_arrive_out_of_order():
    rows = ticker(V_PRICES, symbol="A") + ticker(V_PRICES[3:], symbol="B")
    rows = rows[::2] + rows[1::2]  # shuffled: event time puts them back in order
    plan = compile_match_recognize(V_SHAPE, SCHEMA, rowtime="rowtime")
    env = StreamExecutionEnvironment.get_execution_environment()
    ds = env.from_collection(rows).assign_timestamps_and_watermarks(
        WatermarkStrategy.for_bounded_out_of_orderness_millis(30 * S).with_timestamp_assigner(_Rowtime())
        if hasattr(WatermarkStrategy, "for_bounded_out_of_orderness_millis") else
        WatermarkStrategy.for_bounded_out_of_orderness(_duration(30 * S)).with_timestamp_assigner(_Rowtime()))
    out, _ = plan.apply(ds)
    assert sorted(tuple(r) for r in out.execute_and_collect()) == [("A", 4 * S, 7 * S, 8 * S), ("B", S, 4 * S, 5 * S)]


def _duration(ms):
    from flinklite.common import Duration
    return Duration.of_millis(ms)


def test_docs_aggregations():
    sql = """SELECT * FROM Ticker MATCH_RECOGNIZE (PARTITION BY symbol ORDER BY rowtime
        MEASURES FIRST(A.rowtime) AS start_tstamp, LAST(A.rowtime) AS end_tstamp, AVG(A.price) AS avgPrice
        ONE ROW PER MATCH AFTER MATCH SKIP PAST LAST ROW PATTERN (A+ B) DEFINE A AS AVG(A.price) < 15) MR"""
    prices = [12, 17, 13, 16, 25, 2, 4, 10, 15, 25, 25, 30]
    # the docs print 14.5 and 13.5; real Flink gives 14 and 13 for BIGINT prices (AVG of BIGINT is BIGINT)
    assert run(sql, ticker(prices)) == [("ACME", 0, 3 * S, 14), ("ACME", 5 * S, 10 * S, 13)]
    assert run(sql, ticker([float(p) for p in prices])) == [("ACME", 0, 3 * S, 14.5), ("ACME", 5 * S, 10 * S, 13.5)]


GREEDY = """SELECT * FROM Ticker MATCH_RECOGNIZE (PARTITION BY symbol ORDER BY rowtime
    MEASURES C.price AS lastPrice ONE ROW PER MATCH AFTER MATCH SKIP PAST LAST ROW PATTERN (A B{q} C)
    DEFINE A AS A.price > 10, B AS B.price < 15, C AS C.price > 12)"""


def test_docs_greedy_and_reluctant():
    rows = ticker([10, 11, 12, 13, 14, 16], [1, 2, 1, 2, 1, 2], symbol="XYZ")
    assert run(GREEDY.replace("{q}", "*"), rows) == [("XYZ", 16)]
    assert run(GREEDY.replace("{q}", "*?"), rows) == [("XYZ", 13), ("XYZ", 16)]


def test_docs_within():
    sql = """SELECT * FROM Ticker MATCH_RECOGNIZE (PARTITION BY symbol ORDER BY rowtime
        MEASURES C.rowtime AS dropTime, A.price - C.price AS dropDiff
        ONE ROW PER MATCH AFTER MATCH SKIP PAST LAST ROW
        PATTERN (A B* C) WITHIN INTERVAL '1' HOUR
        DEFINE B AS B.price > A.price - 10, C AS C.price < A.price - 10)"""
    assert split_within(sql)[1] == 3_600_000
    twenty_minutes = 20 * 60 * S
    rows = ticker([20, 17, 18, 11, 14, 9, 15, 14, 24, 1, 19], step=twenty_minutes)
    # The docs print a drop of 14 (15 at 12:00 -> 1 at 13:00), but that pair is exactly 1 hour apart and
    # Flink's NFA times a partial match out when `now - start >= window` (the recorded 'within' case in
    # tests/conformance/cep shows it), so Flink finds the drop from 14 at 12:20 instead.
    assert run(sql, rows) == [("ACME", 9 * twenty_minutes, 13)]
    # without WITHIN the earlier, slower drop (20 -> 9 over 1 h 40 min) is found first
    assert run(split_within(sql)[0], rows) == [("ACME", 5 * twenty_minutes, 11), ("ACME", 9 * twenty_minutes, 14)]


def test_docs_output_mode():
    sql = """SELECT * FROM Ticker MATCH_RECOGNIZE (PARTITION BY symbol ORDER BY rowtime
        MEASURES FIRST(A.price) AS startPrice, LAST(A.price) AS topPrice, B.price AS lastPrice
        ONE ROW PER MATCH PATTERN (A+ B)
        DEFINE A AS LAST(A.price, 1) IS NULL OR A.price > LAST(A.price, 1), B AS B.price < LAST(A.price))"""
    rows = ticker([10, 12, 13, 11], [1, 2, 1, 2], symbol="XYZ")
    # A+ is greedy, but not the last variable: allowed. The docs show one row; their query has no AFTER
    # MATCH clause, so Flink's default SKIP TO NEXT ROW also finds the matches starting at 12 and 13
    assert run(sql, rows) == [("XYZ", 10, 13, 11), ("XYZ", 12, 13, 11), ("XYZ", 13, 13, 11)]
    past = sql.replace("PATTERN", "AFTER MATCH SKIP PAST LAST ROW PATTERN")
    assert run(past, rows) == [("XYZ", 10, 13, 11)]


SKIP = """SELECT * FROM Ticker MATCH_RECOGNIZE (PARTITION BY symbol ORDER BY rowtime
    MEASURES SUM(A.price) AS sumPrice, FIRST(rowtime) AS startTime, LAST(rowtime) AS endTime
    ONE ROW PER MATCH {skip} PATTERN (A+ C) DEFINE A AS SUM(A.price) < 30)"""
SKIP_ROWS = ticker([7, 9, 10, 5, 10, 7, 14], [1, 2, 1, 2, 2, 2, 2], symbol="XYZ")


@pytest.mark.parametrize("skip, expected", [
    ("AFTER MATCH SKIP PAST LAST ROW", [(26, 0, 3), (17, 4, 6)]),
    ("AFTER MATCH SKIP TO NEXT ROW", [(26, 0, 3), (24, 1, 4), (25, 2, 5), (22, 3, 6), (17, 4, 6)]),
    ("AFTER MATCH SKIP TO LAST A", [(26, 0, 3), (25, 2, 5), (17, 4, 6)]),
    ("", [(26, 0, 3), (24, 1, 4), (25, 2, 5), (22, 3, 6), (17, 4, 6)]),  # Flink's default: TO NEXT ROW
])
def test_docs_after_match_strategies(skip, expected):
    got = run(SKIP.replace("{skip}", skip), SKIP_ROWS)
    assert got == [("XYZ", s, a * S, b * S) for s, a, b in expected]


def test_docs_skip_to_first_of_the_first_variable_fails_at_run_time():
    with pytest.raises(FlinkliteError, match="Could not skip to first element of a match"):
        run(SKIP.replace("{skip}", "AFTER MATCH SKIP TO FIRST A"), SKIP_ROWS)


def test_match_rowtime_and_default_variable_navigation():
    sql = """SELECT * FROM Ticker MATCH_RECOGNIZE (PARTITION BY symbol ORDER BY rowtime
        MEASURES MATCH_ROWTIME() AS mr, MATCH_ROWTIME(rowtime) AS mr2, LAST(price, 1) AS l1,
          FIRST(price, 1) AS f1, SUM(D.price * D.tax) AS s, COUNT(*) AS n
        ONE ROW PER MATCH AFTER MATCH SKIP PAST LAST ROW PATTERN (S D{2,}? U)
        DEFINE D AS D.price < LAST(price, 1), U AS U.price > LAST(D.price, 1))"""
    out = run(sql, ticker(V_PRICES, [1, 2, 1, 3, 2, 1, 1, 2, 2, 2, 1]), ms_to_timestamp=lambda ms: ("ts", ms))
    assert out == [("ACME", ("ts", 8 * S), 8 * S, 14, 18, 18 + 15 + 28, 5)]


def test_secondary_order_keys_sort_rows_of_one_timestamp():
    sql = """SELECT * FROM T MATCH_RECOGNIZE (PARTITION BY symbol ORDER BY rowtime{o}
        MEASURES A.price AS a, B.price AS b ONE ROW PER MATCH AFTER MATCH SKIP TO NEXT ROW
        PATTERN (A B) DEFINE B AS B.price < A.price)"""
    rows = [Row("S", 0, 5, 1), Row("S", 0, 9, 1), Row("S", S, 7, 1), Row("S", S, 3, 1)]
    assert run(sql.replace("{o}", ", price DESC"), rows) == [("S", 9, 5), ("S", 7, 3)]
    assert run(sql.replace("{o}", ", price"), rows) == [("S", 9, 3)]  # 5 9 3 7
    # without a second key: arrival order (one source subtask, so arrival is the collection's order)
    assert run(sql.replace("{o}", ""), rows, parallelism=1) == [("S", 9, 7), ("S", 7, 3)]


def test_without_partition_tuples_in_and_custom_output():
    sql = """SELECT * FROM T MATCH_RECOGNIZE (ORDER BY rowtime MEASURES A.price AS a, B.price AS b
        ONE ROW PER MATCH AFTER MATCH SKIP TO NEXT ROW PATTERN (A B{1,2}?) DEFINE A AS A.price < 10,
        B AS B.price >= 10)"""
    plan = compile_match_recognize(sql, {"symbol": 0, "rowtime": 1, "price": 2, "tax": 3})
    assert plan.output_names == ["a", "b"]
    env = StreamExecutionEnvironment.get_execution_environment()
    data = [("k", r[1], (r[0], r[1], r[2], r[3])) for r in SKIP_ROWS]  # rows wrapped in envelopes
    ds = env.from_collection(data).assign_timestamps_and_watermarks(
        WatermarkStrategy.for_monotonous_timestamps().with_timestamp_assigner(_Rowtime()))
    out, _ = plan.apply(ds, input_row=lambda e: e[2], output_row=lambda values: ("+I", values))
    assert list(out.execute_and_collect()) == [("+I", (9, 10)), ("+I", (5, 10)), ("+I", (7, 14))]


def test_processing_time():
    sql = """SELECT * FROM T MATCH_RECOGNIZE (PARTITION BY symbol ORDER BY pt MEASURES A.price AS a,
        B.price AS b, MATCH_PROCTIME() AS p PATTERN (A B) DEFINE B AS B.price > A.price)"""
    plan = compile_match_recognize(sql, ["symbol", "pt", "price"], proctime="pt")
    assert plan.processing_time
    env = StreamExecutionEnvironment.get_execution_environment()
    ds = env.from_collection([("s", None, 1), ("s", None, 3), ("s", None, 2)])
    out, _ = plan.apply(ds, output_row=lambda v: v)
    got = list(out.execute_and_collect())
    assert [g[:3] for g in got] == [("s", 1, 3)] and isinstance(got[0][3], int)


@pytest.mark.parametrize("sql, error, message", [
    ("PATTERN (A | B)", UnsupportedFeature, "branching patterns"),
    ("PATTERN (A (B C)+)", UnsupportedFeature, "Group patterns are not supported"),
    ("PATTERN (PERMUTE(A, B))", UnsupportedFeature, "PERMUTE"),
    ("PATTERN (A {- B -} C)", UnsupportedFeature, "'{-' '-}'"),
    ("PATTERN (A B A)", InvalidProgramException, "must be unique"),
    ("PATTERN (A B+)", UnsupportedFeature, "Greedy quantifiers are not allowed as the last element"),
    ("PATTERN (A B?? C)", UnsupportedFeature, "Reluctant optional variables"),
    ("PATTERN (A*?)", UnsupportedFeature, "empty matches"),
    ("PATTERN (A* B?)", InvalidProgramException, "Optional pattern cannot be preceded by greedy pattern"),
    ("PATTERN (A B) DEFINE Z AS Z.price > 1", InvalidProgramException, "not a pattern variable"),
    ("PATTERN (A B) DEFINE A AS A.nope > 1", InvalidProgramException, "unknown column"),
    ("PATTERN (A B) DEFINE A AS Q.price > 1", InvalidProgramException, "not a pattern variable"),
    ("PATTERN (A B) DEFINE A AS PREV(A.price) > 1", UnsupportedFeature, "physical offsets"),
    ("PATTERN (A B) DEFINE A AS SUM(A.price * B.tax) > 1", UnsupportedFeature, "several pattern variables"),
    ("PATTERN (A B) DEFINE A AS SUM(DISTINCT A.price) > 1", UnsupportedFeature, "DISTINCT"),
    ("PATTERN (A B) DEFINE A AS MATCH_ROWTIME() > 1", InvalidProgramException, "only be used in MEASURES"),
    ("PATTERN (A B) DEFINE A AS A.price REGEXP 'x'", UnsupportedFeature, "is not supported"),
    ("AFTER MATCH SKIP TO FIRST Q PATTERN (A B)", InvalidProgramException, "names no variable"),
    ("ALL ROWS PER MATCH PATTERN (A B)", UnsupportedFeature, "All rows per match mode is not supported"),
])
def test_what_flink_rejects(sql, error, message):
    if "DEFINE" not in sql:
        sql += " DEFINE A AS A.price > 1"
    full = f"SELECT * FROM T MATCH_RECOGNIZE (ORDER BY rowtime MEASURES A.price AS a {sql}) X"
    with pytest.raises(error, match=message):
        compile_match_recognize(full, SCHEMA)


@pytest.mark.parametrize("clauses, message", [
    ("MEASURES A.price AS a PATTERN (A B)", "You must specify either rowtime or proctime for order by"),
    ("ORDER BY price MEASURES A.price AS a PATTERN (A B)", "as the first one"),
    ("ORDER BY rowtime DESC MEASURES A.price AS a PATTERN (A B)", "as the first one"),
    ("PARTITION BY nope ORDER BY rowtime MEASURES A.price AS a PATTERN (A B)", "unknown PARTITION BY column"),
])
def test_clause_errors(clauses, message):
    with pytest.raises(InvalidProgramException, match=message):
        compile_match_recognize(f"SELECT * FROM T MATCH_RECOGNIZE ({clauses} DEFINE A AS A.price > 1) X",
                                SCHEMA, rowtime="rowtime")


def test_entry_point_argument_errors():
    with pytest.raises(InvalidProgramException, match="one MATCH_RECOGNIZE"):
        compile_match_recognize("SELECT 1", SCHEMA)
    with pytest.raises(InvalidProgramException, match="SQL text or a sqlglot MatchRecognize"):
        compile_match_recognize(42, SCHEMA)
    with pytest.raises(InvalidProgramException, match="input_schema"):
        compile_match_recognize(V_SHAPE, 42)
    with pytest.raises(InvalidProgramException, match="needs a DataStream"):
        compile_match_recognize(V_SHAPE, SCHEMA).apply([1, 2])


def test_a_parsed_node_and_within_ms():
    from flinklite.cep._match_recognize import parse_match_recognize

    node, within = parse_match_recognize(V_SHAPE)
    assert within is None
    plan = compile_match_recognize(node, SCHEMA, within_ms=2 * S)
    assert plan.within_ms == 2 * S and plan.pattern.get_window_time() == 2 * S
    assert run(V_SHAPE.replace("PRICE_UP)", "PRICE_UP) WITHIN INTERVAL '3' SECOND"), ticker(V_PRICES)) == []
    assert run(V_SHAPE.replace("PRICE_UP)", "PRICE_UP) WITHIN INTERVAL '5' SECOND"),
               ticker(V_PRICES)) == [("ACME", 4 * S, 7 * S, 8 * S)]


def test_expressions_three_valued_logic_and_functions():
    sql = """SELECT * FROM T MATCH_RECOGNIZE (ORDER BY rowtime
        MEASURES CASE WHEN B.price BETWEEN 10 AND 20 THEN 'mid' ELSE 'other' END AS c,
          COALESCE(LAST(A.price, 3), 0) + ABS(-2) AS k, B.price / 4 AS q, B.symbol || '!' AS s,
          CAST(B.price AS DOUBLE) / 4 AS d
        ONE ROW PER MATCH AFTER MATCH SKIP PAST LAST ROW PATTERN (A B)
        DEFINE A AS A.tax IS NOT NULL AND (A.symbol LIKE 'x%' OR A.symbol IN ('y', 'z')),
               B AS NOT (B.price < A.price) AND (A.tax > 0 OR B.tax > 0))"""
    rows = [Row("xa", 0, 5, None), Row("y", S, 3, 1), Row("q", 2 * S, 14, None), Row("z", 3 * S, 1, 0),
            Row("w", 4 * S, 30, None)]
    # row 0: tax NULL, not an A; row 1 A, row 2 B (1 > 0 OR NULL is true); row 3 A, row 4 (0 > 0 OR NULL) is NULL
    assert run(sql, rows) == [(("mid", 2, 3, "q!", 3.5))[0:5]]
