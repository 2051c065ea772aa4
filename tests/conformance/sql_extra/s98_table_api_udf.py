# compare: multiset
# covers: the Table API expression DSL (col, lit, select with alias, where, group_by/select with aggregate calls, add_columns) and Python scalar UDFs (udf with result_type) used from the Table API and registered with create_temporary_function for SQL
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


def show(sql, tag):
    with t_env.execute_sql(sql).collect() as rows:
        for row in rows:
            print(repr((tag, str(row.get_row_kind()), norm(row))))


from pyflink.table import DataTypes
from pyflink.table.expressions import col, lit
from pyflink.table.udf import udf
register("sales", [("ann", 3, 1000), ("bob", 5, 2000), ("ann", 4, 3000), ("cid", 1, 4000)],
         ["who", "qty", "ts"], [Types.STRING(), Types.INT(), Types.LONG()])


@udf(result_type=DataTypes.STRING())
def shout(s):
    return s.upper() + "!"


@udf(result_type=DataTypes.BIGINT())
def times_ten(x):
    return None if x is None else x * 10


sales = t_env.from_path("sales")


def show_table(table, tag):
    with table.execute().collect() as rows:
        for row in rows:
            print(repr((tag, str(row.get_row_kind()), norm(row))))


show_table(sales.where(col("qty") > 2).select(col("who"), (col("qty") * lit(2)).alias("double")), "select")
show_table(sales.group_by(col("who")).select(col("who"), col("qty").sum.alias("total")), "group_by")
show_table(sales.select(shout(col("who")), times_ten(col("qty"))), "udf")
t_env.create_temporary_function("times_ten", times_ten)
show("SELECT who, times_ten(qty) FROM sales WHERE qty < 4", "sql udf")
