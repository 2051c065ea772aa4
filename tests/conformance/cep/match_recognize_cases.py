"""The MATCH_RECOGNIZE cases recorded from real Flink (record_match_recognize.py) and replayed on
flinklite (tests/conformance/test_cep_match_recognize_flink.py): input tables and queries.

Each table ``t_<name>`` has columns (symbol STRING, rowtime TIMESTAMP(3), price BIGINT, tax BIGINT),
one row per (price, tax) pair, a second apart from 2011-04-01 10:00:00 ('same': two rows per
second), with watermarks one second behind rowtime.
"""

DATA = {
 "vshape": [(12,1),(17,2),(19,1),(21,3),(25,2),(18,1),(15,1),(14,2),(24,2),(25,2),(19,1)],
 "agg": [(12,1),(17,2),(13,1),(16,3),(25,2),(2,1),(4,1),(10,2),(15,2),(25,2),(25,1),(30,1)],
 "greedy": [(10,1),(11,2),(12,1),(13,2),(14,1),(16,2)],
 "same": [(5,1),(9,1),(7,1),(3,1)],
 "skip": [(7,1),(9,2),(10,1),(5,2),(10,2),(7,2),(14,2)],
}

Q = {
 "vshape_rowtime": """SELECT * FROM t_vshape MATCH_RECOGNIZE (PARTITION BY symbol ORDER BY rowtime
   MEASURES START_ROW.rowtime AS start_tstamp, LAST(PRICE_DOWN.rowtime) AS bottom_tstamp,
     LAST(PRICE_UP.rowtime) AS end_tstamp, MATCH_ROWTIME() AS mrt, FIRST(PRICE_DOWN.price) AS fd,
     COUNT(PRICE_DOWN.price) AS nd, MIN(price) AS mn, MAX(PRICE_DOWN.price) AS mx
   ONE ROW PER MATCH AFTER MATCH SKIP TO LAST PRICE_UP PATTERN (START_ROW PRICE_DOWN+ PRICE_UP)
   DEFINE PRICE_DOWN AS (LAST(PRICE_DOWN.price, 1) IS NULL AND PRICE_DOWN.price < START_ROW.price) OR
      PRICE_DOWN.price < LAST(PRICE_DOWN.price, 1),
    PRICE_UP AS PRICE_UP.price > LAST(PRICE_DOWN.price, 1)) MR""",
 "agg": """SELECT * FROM t_agg MATCH_RECOGNIZE (PARTITION BY symbol ORDER BY rowtime
   MEASURES FIRST(A.rowtime) AS start_tstamp, LAST(A.rowtime) AS end_tstamp, AVG(A.price) AS avgPrice
   ONE ROW PER MATCH AFTER MATCH SKIP PAST LAST ROW PATTERN (A+ B) DEFINE A AS AVG(A.price) < 15) MR""",
 "greedy": """SELECT * FROM t_greedy MATCH_RECOGNIZE (PARTITION BY symbol ORDER BY rowtime
   MEASURES C.price AS lastPrice ONE ROW PER MATCH AFTER MATCH SKIP PAST LAST ROW PATTERN (A B* C)
   DEFINE A AS A.price > 10, B AS B.price < 15, C AS C.price > 12)""",
 "reluctant": """SELECT * FROM t_greedy MATCH_RECOGNIZE (PARTITION BY symbol ORDER BY rowtime
   MEASURES C.price AS lastPrice ONE ROW PER MATCH AFTER MATCH SKIP PAST LAST ROW PATTERN (A B*? C)
   DEFINE A AS A.price > 10, B AS B.price < 15, C AS C.price > 12)""",
 "default_skip": """SELECT * FROM t_skip MATCH_RECOGNIZE (PARTITION BY symbol ORDER BY rowtime
   MEASURES SUM(A.price) AS sumPrice, FIRST(rowtime) AS startTime, LAST(rowtime) AS endTime
   PATTERN (A+ C) DEFINE A AS SUM(A.price) < 30)""",
 "next_row": """SELECT * FROM t_skip MATCH_RECOGNIZE (PARTITION BY symbol ORDER BY rowtime
   MEASURES SUM(A.price) AS sumPrice, FIRST(rowtime) AS startTime, LAST(rowtime) AS endTime
   ONE ROW PER MATCH AFTER MATCH SKIP TO NEXT ROW PATTERN (A+ C) DEFINE A AS SUM(A.price) < 30)""",
 "last_a": """SELECT * FROM t_skip MATCH_RECOGNIZE (PARTITION BY symbol ORDER BY rowtime
   MEASURES SUM(A.price) AS sumPrice, FIRST(rowtime) AS startTime, LAST(rowtime) AS endTime
   ONE ROW PER MATCH AFTER MATCH SKIP TO LAST A PATTERN (A+ C) DEFINE A AS SUM(A.price) < 30)""",
 "prev_offset": """SELECT * FROM t_vshape MATCH_RECOGNIZE (PARTITION BY symbol ORDER BY rowtime
   MEASURES FIRST(B.price) AS b0, LAST(B.price) AS b1, C.price AS c, LAST(price, 1) AS l1, FIRST(price, 1) AS f1
   ONE ROW PER MATCH PATTERN (A B{2,} C) DEFINE B AS B.price > PREV(B.price), C AS C.price < PREV(C.price)) MR""",
 "within": """SELECT * FROM t_greedy MATCH_RECOGNIZE (PARTITION BY symbol ORDER BY rowtime
   MEASURES A.price AS a, C.price AS c ONE ROW PER MATCH AFTER MATCH SKIP TO NEXT ROW PATTERN (A B*? C)
   WITHIN INTERVAL '2' SECOND DEFINE C AS C.price > A.price + 1)""",
 "nopart": """SELECT * FROM t_skip MATCH_RECOGNIZE (ORDER BY rowtime
   MEASURES A.price AS a, B.price AS b ONE ROW PER MATCH AFTER MATCH SKIP TO NEXT ROW PATTERN (A B{1,2}? )
   DEFINE A AS A.price < 10, B AS B.price >= 10)""",
 "misc": """SELECT * FROM t_vshape MATCH_RECOGNIZE (PARTITION BY symbol ORDER BY rowtime
   MEASURES LAST(price, 1) AS l1, FIRST(price, 1) AS f1, SUM(PRICE_DOWN.price * PRICE_DOWN.tax) AS s,
     MATCH_ROWTIME(rowtime) AS mr, LAST(PRICE_DOWN.price * 2, 1) AS l2, COUNT(*) AS n, COALESCE(LAST(PRICE_DOWN.price, 5), -1) AS c,
     FIRST(PRICE_DOWN.price) + LAST(PRICE_UP.price) AS fl
   ONE ROW PER MATCH AFTER MATCH SKIP PAST LAST ROW PATTERN (START_ROW PRICE_DOWN{2,}? PRICE_UP)
   DEFINE PRICE_DOWN AS PRICE_DOWN.price < LAST(price, 1) AND PREV(PRICE_DOWN.price, 0) > 0,
    PRICE_UP AS PRICE_UP.price > LAST(PRICE_DOWN.price, 1)) MR""",
 "same": """SELECT * FROM t_same MATCH_RECOGNIZE (PARTITION BY symbol ORDER BY rowtime, price DESC
   MEASURES A.price AS a, B.price AS b ONE ROW PER MATCH AFTER MATCH SKIP TO NEXT ROW PATTERN (A B)
   DEFINE B AS B.price < A.price)""",
 "same_arrival": """SELECT * FROM t_same MATCH_RECOGNIZE (PARTITION BY symbol ORDER BY rowtime
   MEASURES A.price AS a, B.price AS b ONE ROW PER MATCH AFTER MATCH SKIP TO NEXT ROW PATTERN (A B)
   DEFINE B AS B.price < A.price)""",
 "empty": """SELECT * FROM t_same MATCH_RECOGNIZE (ORDER BY rowtime MEASURES A.price AS a PATTERN (A* B?) DEFINE A AS A.price > 1)""",
 "greedy_last": """SELECT * FROM t_same MATCH_RECOGNIZE (ORDER BY rowtime MEASURES A.price AS a PATTERN (A B+) DEFINE A AS A.price > 1)""",
 "reluctant_opt": """SELECT * FROM t_same MATCH_RECOGNIZE (ORDER BY rowtime MEASURES A.price AS a PATTERN (A B?? C) DEFINE A AS A.price > 1)""",
 "alter": """SELECT * FROM t_same MATCH_RECOGNIZE (ORDER BY rowtime MEASURES A.price AS a PATTERN ((A | B) C) DEFINE A AS A.price > 1)""",
 "group": """SELECT * FROM t_same MATCH_RECOGNIZE (ORDER BY rowtime MEASURES A.price AS a PATTERN (A (B C)+ D) DEFINE A AS A.price > 1)""",
 "allrows": """SELECT * FROM t_same MATCH_RECOGNIZE (ORDER BY rowtime MEASURES A.price AS a ALL ROWS PER MATCH PATTERN (A B) DEFINE A AS A.price > 1)""",
 "dup": """SELECT * FROM t_same MATCH_RECOGNIZE (ORDER BY rowtime MEASURES A.price AS a PATTERN (A B A) DEFINE A AS A.price > 1)""",
 "noorder": """SELECT * FROM t_same MATCH_RECOGNIZE (MEASURES A.price AS a PATTERN (A B) DEFINE A AS A.price > 1)""",
 "order_price": """SELECT * FROM t_same MATCH_RECOGNIZE (ORDER BY price MEASURES A.price AS a PATTERN (A B) DEFINE A AS A.price > 1)""",
 "skipfirst": """SELECT * FROM t_skip MATCH_RECOGNIZE (PARTITION BY symbol ORDER BY rowtime
   MEASURES SUM(A.price) AS sumPrice ONE ROW PER MATCH AFTER MATCH SKIP TO FIRST A PATTERN (A+ C) DEFINE A AS SUM(A.price) < 30)""",
 "q_exact": """SELECT * FROM t_agg MATCH_RECOGNIZE (PARTITION BY symbol ORDER BY rowtime
   MEASURES FIRST(A.price) AS f, LAST(A.price) AS l, B.price AS b ONE ROW PER MATCH AFTER MATCH SKIP TO NEXT ROW
   PATTERN (A{2} B) DEFINE A AS A.price < 20, B AS B.price >= 15)""",
 "q_upto": """SELECT * FROM t_agg MATCH_RECOGNIZE (PARTITION BY symbol ORDER BY rowtime
   MEASURES S.price AS s, COUNT(A.price) AS n, B.price AS b ONE ROW PER MATCH AFTER MATCH SKIP TO NEXT ROW
   PATTERN (S A{,2} B) DEFINE S AS S.price > 20, A AS A.price < 10, B AS B.price >= 10)""",
 "q_range": """SELECT * FROM t_agg MATCH_RECOGNIZE (PARTITION BY symbol ORDER BY rowtime
   MEASURES FIRST(A.rowtime) AS s, COUNT(A.price) AS n, B.price AS b ONE ROW PER MATCH AFTER MATCH SKIP PAST LAST ROW
   PATTERN (A{2,3} B) DEFINE A AS A.price < 20, B AS B.price >= 20)""",
 "q_plus_reluctant": """SELECT * FROM t_agg MATCH_RECOGNIZE (PARTITION BY symbol ORDER BY rowtime
   MEASURES FIRST(A.price) AS f, COUNT(A.price) AS n, B.price AS b ONE ROW PER MATCH AFTER MATCH SKIP TO NEXT ROW
   PATTERN (A+? B) DEFINE A AS A.price < 20, B AS B.price > 12)""",
 "q_three_or_more": """SELECT * FROM t_agg MATCH_RECOGNIZE (PARTITION BY symbol ORDER BY rowtime
   MEASURES FIRST(A.price) AS f, COUNT(A.price) AS n, B.price AS b ONE ROW PER MATCH AFTER MATCH SKIP PAST LAST ROW
   PATTERN (A{3,} B) DEFINE A AS A.price < 26, B AS B.price >= 26)""",
 "q_zero_to": """SELECT * FROM t_agg MATCH_RECOGNIZE (PARTITION BY symbol ORDER BY rowtime
   MEASURES S.price AS s, COUNT(A.price) AS n, B.price AS b ONE ROW PER MATCH AFTER MATCH SKIP TO NEXT ROW
   PATTERN (S A{0,2} B) DEFINE S AS S.price > 20, A AS A.price < 10, B AS B.price >= 10)""",
}
