# compare: ordered
# covers: scalar built-ins and null rules in a projection over VALUES: string functions (UPPER, LOWER, CHAR_LENGTH, SUBSTRING, CONCAT with a NULL, CONCAT_WS skipping NULLs, TRIM, REPLACE, POSITION, LPAD, INITCAP), numeric (ABS, MOD, ROUND, FLOOR, CEIL, POWER, integer division, NULL arithmetic), CASE, COALESCE, NULLIF, IF, CAST string to INT and INT to STRING, LIKE, IN, BETWEEN, IS NULL, JSON_VALUE
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

t_env.execute_sql("""
    CREATE TEMPORARY VIEW t AS SELECT * FROM (VALUES
        (1, ' Ann Lee ', -7, '{"a": {"b": 3}}', CAST(NULL AS STRING)),
        (2, 'bob', 12, '{"a": {"b": "x"}}', 'z'),
        (3, 'CID', 0, '{"c": 1}', 'y')
    ) AS v(id, name, n, js, opt)
""")
show("""
    SELECT id, UPPER(name), LOWER(name), CHAR_LENGTH(name), SUBSTRING(name FROM 2 FOR 3),
           CONCAT(name, opt), CONCAT_WS('-', name, opt, 'end'), TRIM(name), REPLACE(name, 'b', 'B'),
           POSITION('b' IN name), LPAD(TRIM(name), 6, '*'), INITCAP(TRIM(name))
    FROM t
""")
show("""
    SELECT id, ABS(n), MOD(n, 5), ROUND(n / 3.0, 2), FLOOR(n / 5.0), CEIL(n / 5.0), POWER(n, 2), n / 5,
           n + CAST(NULL AS INT),
           CASE WHEN n < 0 THEN 'neg' WHEN n = 0 THEN 'zero' ELSE 'pos' END,
           COALESCE(opt, 'none'), NULLIF(n, 0), IF(n > 5, 'big', 'small'),
           CAST('42' AS INT) + id, CAST(n AS STRING), name LIKE '%b%', id IN (1, 3), n BETWEEN 0 AND 12,
           opt IS NULL, JSON_VALUE(js, '$.a.b')
    FROM t
""")
