# compare: multiset
# covers: interval join: orders joined with shipments of the same id whose time lies between the order time and 4 s after it (o.rt <= s.rt AND s.rt <= o.rt + INTERVAL 4 SECOND); insert-only output; a shipment outside the bound or for an unknown id joins nothing
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

register("orders", [(1, "pen", 1000), (2, "ink", 2000), (3, "pad", 3000)],
         ["oid", "item", "ts"], [Types.INT(), Types.STRING(), Types.LONG()])
register("shipments", [(1, "dhl", 2500), (2, "ups", 7000), (3, "dhl", 3000), (3, "fed", 6999), (9, "x", 3000)],
         ["sid", "carrier", "ts"], [Types.INT(), Types.STRING(), Types.LONG()])
show("""
    SELECT o.oid, o.item, s.carrier
    FROM orders o, shipments s
    WHERE o.oid = s.sid AND o.rt <= s.rt AND s.rt <= o.rt + INTERVAL '4' SECOND
""")
