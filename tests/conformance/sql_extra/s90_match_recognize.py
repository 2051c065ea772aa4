# compare: multiset
# covers: MATCH_RECOGNIZE (PARTITION BY, ORDER BY rowtime, MEASURES with FIRST/LAST/SUM/COUNT, PATTERN quantifiers, DEFINE with LAST(x, n), AFTER MATCH SKIP, WITHIN) run on the CEP operator
import datetime
import decimal

from pyflink.common import Configuration, Row, Types
from pyflink.datastream import StreamExecutionEnvironment
from pyflink.table import Schema, StreamTableEnvironment


def norm(v):
    if isinstance(v, Row):
        return tuple(norm(x) for x in v)
    if isinstance(v, (list, tuple)):
        return type(v)(norm(x) for x in v)
    if isinstance(v, datetime.datetime):
        return v.isoformat(sep=" ")
    if isinstance(v, (datetime.date, datetime.time)):
        return v.isoformat()
    if isinstance(v, decimal.Decimal):
        return str(v)
    return v


# pipeline.auto-watermark-interval=0: the SQL watermark assigner emits a watermark right after each
# record that advances it (no periodic timer), so watermark progress is deterministic.
conf = Configuration()
conf.set_string("pipeline.auto-watermark-interval", "0")
env = StreamExecutionEnvironment.get_execution_environment(conf)
env.set_parallelism(1)
t_env = StreamTableEnvironment.create(env)
t_env.get_config().set_local_timezone("UTC")


def register(name, rows, names, types, watermark_delay="0"):
    """Registers an in-memory table `name` with an event-time column rt = TO_TIMESTAMP_LTZ(ts, 3)
    (ts = epoch millis, the last field) and WATERMARK rt - INTERVAL watermark_delay SECOND."""
    ds = env.from_collection(rows, type_info=Types.ROW_NAMED(names, types))
    builder = Schema.new_builder()
    sql_type = {repr(Types.STRING()): "STRING", repr(Types.INT()): "INT", repr(Types.LONG()): "BIGINT"}
    for n, t in zip(names, types):
        builder = builder.column(n, sql_type[repr(t)])
    schema = (builder.column_by_expression("rt", "TO_TIMESTAMP_LTZ(%s, 3)" % names[-1])
              .watermark("rt", "rt - INTERVAL '%s' SECOND" % watermark_delay).build())
    t_env.create_temporary_view(name, t_env.from_data_stream(ds, schema))


def show(sql):
    with t_env.execute_sql(sql).collect() as rows:
        for row in rows:
            print(repr((str(row.get_row_kind()), norm(row))))

TICKS = [(0, 12), (1, 17), (2, 19), (3, 21), (4, 25), (5, 18), (6, 15), (7, 14), (8, 24), (9, 25), (10, 19)]
rows = [("ACME", p, 1000 * t) for t, p in TICKS] + [("BETA", 50 - p, 1000 * t + 500) for t, p in TICKS]
# in time order, except one BETA row that arrives after the watermark passed it (dropped as late)
rows = sorted(rows, key=lambda r: r[2]) + [("BETA", 99, 3200)]
register("ticker", rows, ["symbol", "price", "ts"], [Types.STRING(), Types.INT(), Types.LONG()])
show("""
    SELECT * FROM ticker MATCH_RECOGNIZE (
        PARTITION BY symbol
        ORDER BY rt
        MEASURES
            START_ROW.ts AS start_t,
            LAST(PRICE_DOWN.ts) AS bottom_t,
            LAST(PRICE_UP.ts) AS end_t,
            COUNT(PRICE_DOWN.price) AS downs,
            SUM(PRICE_DOWN.price) AS down_sum
        ONE ROW PER MATCH
        AFTER MATCH SKIP TO LAST PRICE_UP
        PATTERN (START_ROW PRICE_DOWN+ PRICE_UP)
        DEFINE
            PRICE_DOWN AS
                (LAST(PRICE_DOWN.price, 1) IS NULL AND PRICE_DOWN.price < START_ROW.price) OR
                    PRICE_DOWN.price < LAST(PRICE_DOWN.price, 1),
            PRICE_UP AS PRICE_UP.price > LAST(PRICE_DOWN.price, 1)
    ) MR
""")
show("""
    SELECT symbol, first_p, last_p FROM ticker MATCH_RECOGNIZE (
        PARTITION BY symbol
        ORDER BY rt
        MEASURES FIRST(UP.price) AS first_p, LAST(UP.price) AS last_p
        AFTER MATCH SKIP PAST LAST ROW
        PATTERN (UP{3})
        WITHIN INTERVAL '5' SECOND
        DEFINE UP AS LAST(UP.price, 1) IS NULL OR UP.price > LAST(UP.price, 1)
    )
""")
