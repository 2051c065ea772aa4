# compare: ordered
# covers: streaming Top-N: ROW_NUMBER() OVER (PARTITION BY category ORDER BY sales DESC) with rn <= 2 in the outer WHERE; a new leader retracts the rows it pushes down (-U/+U on the rank positions), rows that do not reach the top 2 produce nothing; parallelism 1 so the changelog order is fixed
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

register("products", [
    ("books", "b1", 10, 1000), ("books", "b2", 30, 2000), ("toys", "t1", 5, 3000), ("books", "b3", 20, 4000),
    ("books", "b4", 5, 5000), ("toys", "t2", 8, 6000), ("books", "b5", 50, 7000),
], ["category", "name", "sales", "ts"], [Types.STRING(), Types.STRING(), Types.INT(), Types.LONG()])
show("""
    SELECT category, name, sales, rn FROM (
        SELECT category, name, sales,
               ROW_NUMBER() OVER (PARTITION BY category ORDER BY sales DESC) AS rn
        FROM products)
    WHERE rn <= 2
""")
