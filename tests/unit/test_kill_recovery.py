"""kill -9 of a running job process, restarted from its retained checkpoint, ends with the same
committed output as an uninterrupted run.

A subprocess runs a checkpointed job (parallel NumberSequenceSource -> keyed running count ->
a two-phase-commit file sink written here with the Sink V2 contract: pre-commit at the barrier,
an idempotent commit when the checkpoint completes), with checkpoints retained on disk
(``state.checkpoints.dir``). ``FaultPlan().kill_process(...)`` sends it SIGKILL mid-run, for
real. The test then starts the job again with ``execution.state-recovery.path`` pointing at the
latest complete ``<dir>/<job-id>/chk-<n>`` and compares the union of committed part files with an
uninterrupted run's.
"""

import glob
import os
import signal
import subprocess
import sys
import textwrap
from collections import Counter

import pytest

JOB = textwrap.dedent(r'''
    import os, sys
    from flinklite.common import Configuration, WatermarkStrategy
    from flinklite.datastream import StreamExecutionEnvironment
    from flinklite.datastream.connectors.base import Committer, Sink, SinkWriter
    from flinklite.datastream.connectors.number_seq import NumberSequenceSource
    from flinklite.datastream.functions import KeyedProcessFunction
    from flinklite.datastream.state import ValueStateDescriptor
    from flinklite.common import Types
    from flinklite.testing import FaultPlan, SteppingClock

    out_dir, ckpt_dir, restore, kill_at = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])


    class PartFileCommitter(Committer):
        def __init__(self, directory):
            self.directory = directory

        def commit(self, committables):
            for name, rows in committables:  # idempotent: a part file is written once, atomically
                path = os.path.join(self.directory, name)
                if not os.path.exists(path):
                    tmp = path + ".inprogress"
                    with open(tmp, "w") as f:
                        f.write("".join(r + "\n" for r in rows))
                        f.flush()
                        os.fsync(f.fileno())
                    os.replace(tmp, path)


    class PartFileWriter(SinkWriter):
        def __init__(self, subtask, state):
            self.subtask = subtask
            self.txn = state["txn"] if state else 0
            self.rows = []

        def write(self, value, timestamp):
            self.rows.append(repr(value))

        def prepare_commit(self):
            self.txn += 1
            rows, self.rows = self.rows, []
            return [(f"part-{self.subtask}-{self.txn}", rows)] if rows else []

        def snapshot_state(self, checkpoint_id):
            return {"txn": self.txn}


    class PartFileSink(Sink):
        def __init__(self, directory):
            self.directory = directory

        def create_writer(self, subtask_index, parallelism, restored_state=None):
            return PartFileWriter(subtask_index, restored_state)

        def create_committer(self):
            return PartFileCommitter(self.directory)


    class Count(KeyedProcessFunction):
        def open(self, ctx):
            self.n = ctx.get_state(ValueStateDescriptor("n", Types.LONG()))

        def process_element(self, value, ctx):
            n = (self.n.value() or 0) + 1
            self.n.update(n)
            yield (value % 7, n)


    conf = Configuration()
    conf.set_string("execution.checkpointing.interval", "10 ms")
    conf.set_string("state.checkpoints.dir", ckpt_dir)
    conf.set_string("execution.checkpointing.externalized-checkpoint-retention", "RETAIN_ON_CANCELLATION")
    conf.set_string("flinklite.buffer-size", "4")
    conf.set_string("flinklite.scheduler.seed", "1")
    if restore != "-":
        conf.set_string("execution.state-recovery.path", restore)
    env = StreamExecutionEnvironment.get_execution_environment(conf)
    env.set_parallelism(2)
    env.set_clock(SteppingClock())
    if kill_at > 0:
        FaultPlan().kill_process(operator="count", at_record=kill_at).install(env)
    (env.from_source(NumberSequenceSource(0, 599), WatermarkStrategy.no_watermarks(), "numbers").uid("numbers")
        .key_by(lambda v: v % 7)
        .process(Count()).name("count").uid("count")
        .sink_to(PartFileSink(out_dir)).uid("parts"))
    env.execute("kill-9")
''')


def _run(tmp_path, name, out_dir, ckpt_dir, restore="-", kill_at=0):
    script = tmp_path / "job.py"
    script.write_text(JOB)
    env = dict(os.environ, PYTHONPATH=os.getcwd() + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run([sys.executable, str(script), str(out_dir), str(ckpt_dir), restore, str(kill_at)],
                          capture_output=True, text=True, timeout=120, env=env)


def _committed(out_dir):
    rows = Counter()
    for path in glob.glob(os.path.join(out_dir, "part-*")):
        if path.endswith(".inprogress"):
            continue
        with open(path) as f:
            rows.update(line for line in f.read().splitlines() if line)
    return rows


def _latest_checkpoint(ckpt_dir):
    done = [os.path.dirname(m) for m in glob.glob(os.path.join(ckpt_dir, "*", "chk-*", "_metadata"))]
    return max(done, key=lambda d: int(d.rsplit("chk-", 1)[1])) if done else None


def _on_disk_checkpoints_supported():
    try:
        from flinklite.checkpoint import storage  # noqa: F401
        from flinklite.runtime.settings import ExecutionSettings
    except ImportError:
        return False
    fields = ExecutionSettings.__dataclass_fields__
    return "checkpoint_dir" in fields and "restore_path" in fields


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
@pytest.mark.xfail(not _on_disk_checkpoints_supported(), strict=False, reason="needs on-disk checkpoints")
def test_kill_9_then_restart_from_retained_checkpoint(tmp_path):
    reference_out, reference_ckpt = tmp_path / "ref-out", tmp_path / "ref-ckpt"
    out, ckpt = tmp_path / "out", tmp_path / "ckpt"
    for d in (reference_out, reference_ckpt, out, ckpt):
        d.mkdir()

    ref = _run(tmp_path, "reference", reference_out, reference_ckpt)
    assert ref.returncode == 0, ref.stderr
    expected = _committed(reference_out)
    assert sum(expected.values()) == 600

    killed = _run(tmp_path, "killed", out, ckpt, kill_at=400)
    assert killed.returncode == -signal.SIGKILL, (killed.returncode, killed.stderr[-2000:])
    before = _committed(out)
    assert sum(before.values()) < 600  # it really died mid-run
    latest = _latest_checkpoint(ckpt)
    assert latest is not None, f"no retained checkpoint under {ckpt}: {os.listdir(ckpt)}"

    resumed = _run(tmp_path, "resumed", out, ckpt, restore=latest)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    after = _committed(out)
    assert after == expected, (
        f"lost: {sorted((expected - after).elements())[:10]}, duplicated: {sorted((after - expected).elements())[:10]}"
    )
