"""Shared setup of the SQL unit tests: a streaming or batch table environment at parallelism 1 in
UTC with deterministic watermarks, an event-time table from Python rows, and the changelog of a
query as ``(op, tuple)`` pairs."""

from flinklite.common import Configuration, Types
from flinklite.datastream import RuntimeExecutionMode, StreamExecutionEnvironment
from flinklite.table import Schema, StreamTableEnvironment


def table_env(batch=False, parallelism=1):
    conf = Configuration()
    conf.set_string("pipeline.auto-watermark-interval", "0")
    env = StreamExecutionEnvironment.get_execution_environment(conf)
    env.set_parallelism(parallelism)
    if batch:
        env.set_runtime_mode(RuntimeExecutionMode.BATCH)
    t_env = StreamTableEnvironment.create(env)
    t_env.get_config().set_local_timezone("UTC")
    return t_env


_SQL_TYPES = {"STRING": Types.STRING(), "INT": Types.INT(), "BIGINT": Types.LONG()}


def register(t_env, name, rows, columns, watermark_delay="0"):
    """``columns``: [(name, 'STRING'|'INT'|'BIGINT')], the last one epoch millis ``ts``; adds
    ``rt AS TO_TIMESTAMP_LTZ(ts, 3)`` with ``WATERMARK FOR rt AS rt - INTERVAL delay SECOND``."""
    names = [c for c, _ in columns]
    ds = t_env._env.from_collection(rows, type_info=Types.ROW_NAMED(names, [_SQL_TYPES[t] for _, t in columns]))
    b = Schema.new_builder()
    for c, t in columns:
        b = b.column(c, t)
    schema = (b.column_by_expression("rt", f"TO_TIMESTAMP_LTZ({names[-1]}, 3)")
              .watermark("rt", f"rt - INTERVAL '{watermark_delay}' SECOND").build())
    t_env.create_temporary_view(name, t_env.from_data_stream(ds, schema))


def changelog(result_or_table):
    """The rows of a TableResult or Table as (op, tuple-of-values)."""
    result = result_or_table.execute() if hasattr(result_or_table, "execute") else result_or_table
    with result.collect() as rows:
        return [(r.get_row_kind().short_string(), tuple(r)) for r in rows]


def rows_of(result_or_table):
    return [v for _, v in changelog(result_or_table)]
