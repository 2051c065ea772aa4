# compare: multiset
# covers: HOP (size 10 s, slide 5 s) and CUMULATE (step 5 s, max 15 s) window TVFs with GROUP BY window_start, window_end: a row lands in every window covering it; cumulative windows share their start and grow by the step; windows fire once the watermark passes their end
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

register("clicks", [
    ("alice", 1000), ("bob", 6000), ("alice", 7000), ("alice", 12000), ("bob", 14000), ("alice", 21000),
], ["user_name", "ts"], [Types.STRING(), Types.LONG()], watermark_delay="1")
show("""
    SELECT window_start, window_end, user_name, COUNT(*) AS cnt
    FROM TABLE(HOP(TABLE clicks, DESCRIPTOR(rt), INTERVAL '5' SECOND, INTERVAL '10' SECOND))
    GROUP BY window_start, window_end, user_name
""", "HOP")
show("""
    SELECT window_start, window_end, COUNT(*) AS cnt
    FROM TABLE(CUMULATE(TABLE clicks, DESCRIPTOR(rt), INTERVAL '5' SECOND, INTERVAL '15' SECOND))
    GROUP BY window_start, window_end
""", "CUMULATE")
