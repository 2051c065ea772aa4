# ruff: noqa: F811  (pytest fixtures imported from _postgres_fixture are redefined as arguments)
"""kill -9 of a process running a job that writes to PostgreSQL, then a restore from its retained
checkpoint. With the exactly-once sink every record is in the table exactly once. With the
at-least-once sink nothing is lost, but records after the checkpoint are written twice.

A subprocess runs: a parallel NumberSequenceSource -> a keyed running count -> the JDBC sink, with
checkpoints retained in a directory. ``FaultPlan().kill_process(...)`` sends it SIGKILL partway
through. Prepared transactions and the open one die with it or stay on the server. A second
process restores from the latest ``chk-<n>`` and finishes the job.
"""

from __future__ import annotations

import glob
import os
import signal
import subprocess
import sys
import textwrap
from collections import Counter

import pytest
from _postgres_fixture import pg, pg_server  # noqa: F401

JOB = textwrap.dedent(r'''
    import sys
    from flinklite.common import Configuration, Row, Types, WatermarkStrategy
    from flinklite.datastream import KeyedProcessFunction, StreamExecutionEnvironment
    from flinklite.datastream.connectors.jdbc import (JdbcConnectionOptions, JdbcExactlyOnceOptions,
                                                       JdbcExecutionOptions, JdbcSink)
    from flinklite.datastream.connectors.number_seq import NumberSequenceSource
    from flinklite.datastream.state import ValueStateDescriptor
    from flinklite.testing import FaultPlan, SteppingClock

    url, user, password, table, mode, ckpt_dir, restore, kill_at = sys.argv[1:9]
    ROW = Types.ROW([Types.INT(), Types.LONG(), Types.LONG()])


    class Count(KeyedProcessFunction):
        def open(self, ctx):
            self.n = ctx.get_state(ValueStateDescriptor("n", Types.LONG()))

        def process_element(self, value, ctx):
            n = (self.n.value() or 0) + 1
            self.n.update(n)
            yield Row(value % 7, n, value)


    conf = Configuration()
    conf.set_string("execution.checkpointing.interval", "10 ms")
    conf.set_string("state.checkpoints.dir", ckpt_dir)
    conf.set_string("execution.checkpointing.externalized-checkpoint-retention", "RETAIN_ON_CANCELLATION")
    conf.set_string("flinklite.buffer-size", "8")
    conf.set_string("flinklite.scheduler.seed", "1")
    if restore != "-":
        conf.set_string("execution.state-recovery.path", restore)
    env = StreamExecutionEnvironment.get_execution_environment(conf)
    env.set_parallelism(2)
    env.set_clock(SteppingClock())
    if int(kill_at) > 0:
        FaultPlan().kill_process(operator="count", at_record=int(kill_at)).install(env)
    conn = (JdbcConnectionOptions.JdbcConnectionOptionsBuilder().with_url(url).with_user_name(user)
            .with_password(password).build())
    sql = f"INSERT INTO {table} (k, n, v) VALUES (?, ?, ?)"
    if mode == "exactly-once":
        sink = JdbcSink.exactly_once_sink(
            sql, ROW, conn, JdbcExecutionOptions.builder().with_batch_size(25).with_max_retries(0).build(),
            JdbcExactlyOnceOptions.builder().with_transaction_id_prefix("kill-" + table).build())
    else:
        sink = JdbcSink.sink(sql, ROW, conn, JdbcExecutionOptions.builder().with_batch_size(1).build())
    (env.from_source(NumberSequenceSource(0, 1999), WatermarkStrategy.no_watermarks(), "numbers").uid("numbers")
        .key_by(lambda v: v % 7, key_type=Types.INT())
        .process(Count(), output_type=ROW).name("count").uid("count")
        .add_sink(sink).name("pg").uid("pg"))
    env.execute("kill-9-jdbc")
''')

N = 2000


def _run(tmp_path, pg, mode, ckpt_dir, restore="-", kill_at=0):
    script = tmp_path / "job.py"
    script.write_text(JOB)
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = dict(os.environ, PYTHONPATH=root + os.pathsep + os.environ.get("PYTHONPATH", ""))
    args = [pg.url, pg.user, pg.password, pg.table, mode, str(ckpt_dir), restore, str(kill_at)]
    return subprocess.run([sys.executable, str(script), *args], capture_output=True, text=True, timeout=180, env=env)


def _latest_checkpoint(ckpt_dir):
    done = [os.path.dirname(m) for m in glob.glob(os.path.join(str(ckpt_dir), "*", "chk-*", "_metadata"))]
    return max(done, key=lambda d: int(d.rsplit("chk-", 1)[1])) if done else None


def _table(pg):
    with pg.connect() as conn:
        rows = conn.execute(f"SELECT k, n, v FROM {pg.table}").fetchall()
    return Counter(v for _, _, v in rows), Counter((k, n) for k, n, _ in rows)


def _kill_then_restore(tmp_path, pg, mode):
    with pg.connect() as conn:
        conn.execute(f"CREATE TABLE {pg.table} (k INT, n BIGINT, v BIGINT)")
    ckpt = tmp_path / "ckpt"
    ckpt.mkdir()
    killed = _run(tmp_path, pg, mode, ckpt, kill_at=1300)
    assert killed.returncode == -signal.SIGKILL, (killed.returncode, killed.stderr[-2000:])
    values_before, _ = _table(pg)
    assert 0 < sum(values_before.values()) < N  # it really died partway, after committing some
    latest = _latest_checkpoint(ckpt)
    assert latest is not None, f"no retained checkpoint under {ckpt}"
    resumed = _run(tmp_path, pg, mode, ckpt, restore=latest)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    return values_before


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_exactly_once_after_kill_9_and_restore(tmp_path, pg):
    _kill_then_restore(tmp_path, pg, "exactly-once")
    values, counts = _table(pg)
    expected = Counter(range(N))
    assert values == expected, f"lost {sorted((expected - values).elements())[:10]}, " \
                               f"duplicated {sorted((values - expected).elements())[:10]}"
    assert counts == Counter((k, n) for k in range(7) for n in range(1, len(range(k, N, 7)) + 1))
    with pg.connect() as conn:  # nothing is left prepared once the job finished
        assert conn.execute("SELECT count(*) FROM pg_prepared_xacts WHERE gid LIKE %s",
                            (f"kill-{pg.table}:%",)).fetchone()[0] == 0


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_at_least_once_after_kill_9_loses_nothing_but_duplicates(tmp_path, pg):
    before = _kill_then_restore(tmp_path, pg, "at-least-once")
    values, _ = _table(pg)
    expected = Counter(range(N))
    assert not (expected - values), "records lost"
    duplicated = values - expected
    assert duplicated, "records written after the restored checkpoint are written again by the replay"
    assert set(duplicated) <= set(before)  # only what the killed run had written can be twice
