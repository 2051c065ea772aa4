"""Event-time windows into PostgreSQL, exactly once, through a failure.

Page views (``(page, event time)``, slightly out of order) flow through 1-second tumbling
event-time windows that count views per page. The counts are written to a PostgreSQL table with
``JdbcSink.exactly_once_sink``: each checkpoint's rows form one prepared transaction, committed
when the checkpoint completes. ``flinklite.testing.FaultPlan`` crashes the window operator
partway through. The job restarts from the last checkpoint, the transactions of the failed
attempt are rolled back, and every window's count ends up in the table exactly once.

Setup, in two commands (from the repository root)::

    bash .ci/deps/postgresql.sh && pip install -e '.[jdbc]'
    python examples/windows_to_postgres.py

The second command starts a throwaway PostgreSQL server in a temporary directory (through
``flinklite.testing._postgres``) and stops it again at the end. To write to your own server
instead, set ``FLINKLITE_JDBC_URL`` (e.g. ``jdbc:postgresql://localhost:5432/db``),
``FLINKLITE_JDBC_USER`` and ``FLINKLITE_JDBC_PASSWORD``. The server needs
``max_prepared_transactions`` > 0.
"""

import os
import time

from flinklite.common import Configuration, Duration, Row, Types, WatermarkStrategy
from flinklite.common.watermark_strategy import TimestampAssigner
from flinklite.datastream import ProcessWindowFunction, StreamExecutionEnvironment
from flinklite.datastream.connectors.jdbc import (
    JdbcConnectionOptions,
    JdbcExactlyOnceOptions,
    JdbcExecutionOptions,
    JdbcSink,
)
from flinklite.datastream.window import TumblingEventTimeWindows
from flinklite.testing import FaultPlan

PAGES = ["home", "cart", "search", "help"]
N = 4000


def page_views():
    """``(page, event time ms)``: 4000 views over 40 s, every 7th one 300 ms late."""
    out = []
    for i in range(N):
        ts = i * 10 - (300 if i % 7 == 0 else 0)
        out.append((PAGES[(i * 7) % 4 if i % 3 else i % 4], max(ts, 0)))
    return out


class ViewTime(TimestampAssigner):
    def extract_timestamp(self, value, record_timestamp):
        return value[1]


def slow(view):
    time.sleep(0.0002)  # long enough for a few checkpoints to complete during the job
    return view


def run(url, user, password):
    import psycopg

    conninfo = dict(JdbcConnectionOptions(url, None, user, password).conninfo())
    with psycopg.connect(autocommit=True, **conninfo) as conn:
        conn.execute("DROP TABLE IF EXISTS page_views_per_second")
        conn.execute("CREATE TABLE page_views_per_second (page TEXT, window_end BIGINT, views BIGINT)")

    conf = Configuration()
    conf.set_string("execution.checkpointing.interval", "100 ms")
    conf.set_string("restart-strategy.type", "fixed-delay")
    conf.set_string("restart-strategy.fixed-delay.attempts", "2")
    conf.set_string("restart-strategy.fixed-delay.delay", "10 ms")
    env = StreamExecutionEnvironment.get_execution_environment(conf)
    env.set_parallelism(2)
    plan = FaultPlan().fail_operator("count per page", at_record=2500).install(env)

    row = Types.ROW([Types.STRING(), Types.LONG(), Types.LONG()])
    sink = JdbcSink.exactly_once_sink(
        "INSERT INTO page_views_per_second (page, window_end, views) VALUES (?, ?, ?)", row,
        JdbcConnectionOptions.JdbcConnectionOptionsBuilder().with_url(url).with_driver_name("org.postgresql.Driver")
        .with_user_name(user).with_password(password).build(),
        JdbcExecutionOptions.builder().with_batch_size(100).with_max_retries(0).build(),
        JdbcExactlyOnceOptions.builder().with_transaction_id_prefix("page-views").build())

    (env.from_collection(page_views(), type_info=Types.TUPLE([Types.STRING(), Types.LONG()]))
        .map(slow, output_type=Types.TUPLE([Types.STRING(), Types.LONG()]))
        .assign_timestamps_and_watermarks(
            WatermarkStrategy.for_bounded_out_of_orderness(Duration.of_millis(500)).with_timestamp_assigner(ViewTime()))
        .map(lambda v: (v[0], 1), output_type=Types.TUPLE([Types.STRING(), Types.LONG()]))
        .key_by(lambda v: v[0])
        .window(TumblingEventTimeWindows.of(Duration.of_seconds(1)))
        .reduce(lambda a, b: (a[0], a[1] + b[1]),
                window_function=WithWindowEnd(), output_type=row).name("count per page")
        .add_sink(sink).name("postgres"))
    env.execute("page views per second")

    for fired in plan.fired:
        print("injected:", fired)
    with psycopg.connect(autocommit=True, **conninfo) as conn:
        rows = conn.execute("SELECT page, window_end, views FROM page_views_per_second").fetchall()
    windows = {(p, end) for p, end, _ in rows}
    print(f"{len(rows)} rows, {len(windows)} distinct (page, window) pairs")
    print(f"total views in the table: {sum(v for _, _, v in rows)} of {N}")
    print("every window exactly once:", len(rows) == len(windows) and sum(v for _, _, v in rows) == N)


class WithWindowEnd(ProcessWindowFunction):
    def process(self, key, context, elements):
        for page, views in elements:
            yield Row(page, context.window().end, views)


def main():
    url = os.environ.get("FLINKLITE_JDBC_URL")
    if url:
        run(url, os.environ.get("FLINKLITE_JDBC_USER"), os.environ.get("FLINKLITE_JDBC_PASSWORD"))
        return
    from flinklite.testing._postgres import PostgresServer

    with PostgresServer() as server:
        print("started a throwaway PostgreSQL server at", server.url)
        run(server.url, server.user, server.password)


if __name__ == "__main__":
    main()
