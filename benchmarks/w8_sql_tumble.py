"""W8 SQL: the W3 workload written as Flink SQL. N events (key = i % 1000, timestamp = i ms) ->
a 1 s TUMBLE window TVF -> ``COUNT(*)`` per key and window.

Job::

    ds = env.from_source(NumberSequenceSource(0, N - 1), WatermarkStrategy.no_watermarks(), "numbers")
    t_env.create_temporary_view("events", t_env.from_data_stream(ds, Schema: i BIGINT,
        rt AS TO_TIMESTAMP_LTZ(i, 3), WATERMARK FOR rt AS rt - INTERVAL '0.1' SECOND))
    SELECT k, window_start, COUNT(*) FROM TABLE(TUMBLE(TABLE (SELECT i % 1000 AS k, rt FROM events),
        DESCRIPTOR(rt), INTERVAL '1' SECOND)) GROUP BY k, window_start, window_end
    -> to_data_stream -> (k, window_start in ms, count) -> the W3 digest sink

The planner turns it into a Calc (computed column and ``i % 1000``), the table watermark
assigner, a window-assigning flat_map and a keyed ``WindowAggregate`` with one event-time timer
per (key, window) pane (see docs/concepts/sql.md). Every pane gets one event, as in W3.

The bare loop is W3's (:func:`benchmarks.w3_tumbling_window.bare`): the same
``(key, window_start, count)`` multiset, so the ratio is the SQL engine's cost against the same
floor as W3's DataStream job.
"""

from __future__ import annotations

import datetime
from typing import Any

from benchmarks.harness import Workload
from benchmarks.w3_tumbling_window import N, ResultDigest, bare, digest_sink
from flinklite.common import WatermarkStrategy
from flinklite.datastream import StreamExecutionEnvironment
from flinklite.datastream.connectors.number_seq import NumberSequenceSource

QUERY = """
SELECT k, window_start, COUNT(*) AS c
FROM TABLE(TUMBLE(TABLE keyed, DESCRIPTOR(rt), INTERVAL '1' SECOND))
GROUP BY k, window_start, window_end
"""
_EPOCH = datetime.datetime(1970, 1, 1)


def engine(n: int) -> ResultDigest:
    from flinklite.table import Schema, StreamTableEnvironment

    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(1)
    t_env = StreamTableEnvironment.create(env)
    t_env.get_config().set_local_timezone("UTC")
    ds = env.from_source(NumberSequenceSource(0, n - 1), WatermarkStrategy.no_watermarks(), "numbers")
    schema = (Schema.new_builder().column("i", "BIGINT").column_by_expression("rt", "TO_TIMESTAMP_LTZ(i, 3)")
              .watermark("rt", "rt - INTERVAL '0.1' SECOND").build())
    t_env.create_temporary_view("events", t_env.from_data_stream(ds, schema))
    t_env.create_temporary_view("keyed", t_env.sql_query("SELECT i % 1000 AS k, rt FROM events"))
    sink, digest = digest_sink()

    def to_triple(row: Any) -> tuple:
        start = row[1] - _EPOCH
        return (row[0], (start.days * 86_400 + start.seconds) * 1000 + start.microseconds // 1000, row[2])

    t_env.to_data_stream(t_env.sql_query(QUERY)).map(to_triple).add_sink(sink)
    env.execute("w7 sql tumble")
    return digest


WORKLOADS: list[Workload] = [
    Workload(
        name="W8 SQL tumbling window TVF count, p=1",
        events=N,
        setup=lambda n: n,
        engine=engine,
        bare=bare,
        note="W3 as Flink SQL (TUMBLE TVF + GROUP BY window_start, window_end); same bare loop as W3",
        max_repeat=2,
    ),
]
