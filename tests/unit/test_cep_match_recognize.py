"""MATCH_RECOGNIZE compiled to a CEP pattern (flinklite/cep/_match_recognize.py), from SQL text
parsed by sqlglot, run through the real CepOperator."""

from __future__ import annotations

import pytest

sqlglot = pytest.importorskip("sqlglot")

from _cep_helpers import harness  # noqa: E402

from flinklite.cep import PatternProcessFunction  # noqa: E402
from flinklite.cep._match_recognize import compile_match_recognize, split_within  # noqa: E402
from flinklite.errors import InvalidProgramException  # noqa: E402

COLUMNS = {"symbol": 0, "rowtime": 1, "price": 2, "tax": 3}

# Flink's documentation example (docs/dev/table/sql/queries/match_recognize.md): a V shape
TICKER = [("ACME", t, p, x) for t, p, x in [
    (0, 12, 1), (1, 17, 2), (2, 19, 1), (3, 21, 3), (4, 25, 2), (5, 18, 1),
    (6, 15, 1), (7, 14, 2), (8, 24, 2), (9, 25, 2), (10, 19, 1)]]

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


class _Measures(PatternProcessFunction):
    def __init__(self, measures):
        self.measures = measures

    def process_match(self, match, ctx):
        yield self.measures(match)


def _compile(sql):
    sql, within = split_within(sql)
    mr = sqlglot.parse_one(sql, read="snowflake").find(sqlglot.exp.MatchRecognize)
    return compile_match_recognize(mr, COLUMNS, within)


def _run(sql, rows):
    c = _compile(sql)
    h = harness(c.pattern, _Measures(c.measures), key=lambda r: r[0])
    for r in rows:
        h.process_element(r, r[1])
    h.process_watermark(2**63 - 1)
    return c, h.extract_output_values()


def test_flink_docs_v_shape():
    c, out = _run(V_SHAPE, TICKER)
    assert c.output_names == ["symbol", "start_tstamp", "bottom_tstamp", "end_tstamp"]
    assert c.partition_by == ["symbol"] and c.order_by == ["rowtime"]
    assert out == [("ACME", 4, 7, 8)]


def _simple(pattern, define="A AS A.price > 10", skip="", measures="FIRST(A.rowtime) AS s, LAST(A.rowtime) AS e"):
    return f"""SELECT * FROM T MATCH_RECOGNIZE (PARTITION BY symbol ORDER BY rowtime MEASURES {measures}
               ONE ROW PER MATCH {skip} PATTERN ({pattern}) DEFINE {define}) X"""


ROWS = [("S", t, p, 0) for t, p in enumerate([5, 11, 12, 13, 4, 14])]


def test_quantifiers_are_consecutive_and_reluctant_with_question_mark():
    _, out = _run(_simple("A{2}", skip="AFTER MATCH SKIP TO NEXT ROW"), ROWS)
    assert out == [("S", 1, 2), ("S", 2, 3)]
    _, out = _run(_simple("A+?", skip="AFTER MATCH SKIP PAST LAST ROW"), ROWS)
    assert out == [("S", 1, 1), ("S", 2, 2), ("S", 3, 3), ("S", 5, 5)]
    _, out = _run(_simple("A{2,} B", define="A AS A.price > 10, B AS B.price < 10"), ROWS)
    assert out == [("S", 1, 3)]  # greedy A's, then B right after


def test_optional_and_aggregates():
    sql = _simple("A B? C", define="A AS A.price < 10, B AS B.price = 11, C AS C.price > 11",
                  measures="COUNT(B.price) AS nb, SUM(C.price) AS c, AVG(A.price) AS a")
    _, out = _run(sql, ROWS)
    assert out == [("S", 1, 12, 5.0), ("S", 0, 14, 4.0)]


def test_prev_navigates_inside_the_match():
    sql = _simple("A B+? C", define="B AS B.price > PREV(B.price), C AS C.price < PREV(C.price)",
                  measures="FIRST(B.rowtime) AS b, C.rowtime AS c")
    _, out = _run(sql, ROWS)
    assert out == [("S", 1, 4)]


def test_within():
    sql = _simple("A C* B", define="A AS A.price = 13, B AS B.price = 14, C AS C.price < 13",
                  measures="A.rowtime AS a, B.rowtime AS b")
    sql = sql[:-3] + " WITHIN INTERVAL '3' MILLISECOND) X"
    stripped, ms = split_within(sql)
    assert ms == 3 and "WITHIN" not in stripped
    rows = [("S", 0, 13, 0), ("S", 1, 2, 0), ("S", 5, 14, 0), ("S", 10, 13, 0), ("S", 11, 2, 0), ("S", 12, 14, 0)]
    _, out = _run(sql, rows)
    assert out == [("S", 10, 12)]  # the first A..B spans 5 ms: timed out
    _, out = _run(sql.replace(" WITHIN INTERVAL '3' MILLISECOND", ""), rows)
    assert out == [("S", 0, 5), ("S", 10, 12)]


@pytest.mark.parametrize("sql, message", [
    (_simple("A | B"), "not supported"),
    (_simple("(A B)+"), "not supported"),
    (_simple("A", define="Z AS Z.price > 1"), "names no variable"),
    (_simple("A", define="A AS A.nope > 1"), "unknown column"),
    (_simple("A", define="A AS Q.price > 1"), "not a pattern variable"),
    (_simple("A", define="A AS A.price LIKE 'x'"), "is not supported"),
    (_simple("A", skip="AFTER MATCH SKIP TO FIRST Q"), "names no variable"),
])
def test_errors(sql, message):
    with pytest.raises(InvalidProgramException, match=message):
        _compile(sql)


def test_needs_a_match_recognize():
    with pytest.raises(InvalidProgramException, match="needs a sqlglot MatchRecognize"):
        compile_match_recognize(sqlglot.parse_one("SELECT 1"), COLUMNS)
