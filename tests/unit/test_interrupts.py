"""Ctrl-C / SIGTERM during ``execute()`` and endless iterators in ``from_collection`` (issue 16).

An interrupted job stops its tasks cleanly and keeps its checkpoints on disk, whatever the
retention, as a killed Flink process does; an uncaught interrupt prints one line, no traceback.
"""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest
from _helpers import make_env

from flinklite.checkpoint.storage import load_checkpoint
from flinklite.errors import InvalidProgramException
from flinklite.runtime import interrupt

ENDLESS_JOB = textwrap.dedent("""
    import sys, time
    from flinklite.common import Configuration, WatermarkStrategy
    from flinklite.datastream import StreamExecutionEnvironment
    from flinklite.datastream.connectors.number_seq import NumberSequenceSource

    c = Configuration()
    c.set_string("state.checkpoints.dir", sys.argv[1])
    env = StreamExecutionEnvironment.get_execution_environment(c)
    env.set_parallelism(1)
    env.enable_checkpointing(50)

    def slow(v):
        time.sleep(0.001)
        return v

    (env.from_source(NumberSequenceSource(0, 2**62), WatermarkStrategy.no_watermarks(), "numbers")
     .map(slow).key_by(lambda v: v % 2).reduce(lambda a, b: a + b).add_sink(lambda v: None))
    env.execute("endless")
""")


def _completed_checkpoints(base) -> list:
    return sorted(str(p.parent) for p in base.rglob("_metadata"))


def _interrupt_endless_job(tmp_path, sig):
    script = tmp_path / "endless.py"
    script.write_text(ENDLESS_JOB)
    checkpoints = tmp_path / "checkpoints"
    proc = subprocess.Popen([sys.executable, str(script), str(checkpoints)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while not _completed_checkpoints(checkpoints) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _completed_checkpoints(checkpoints), "no checkpoint completed within 30 s"
        time.sleep(0.2)
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return proc.returncode, err, checkpoints


@pytest.mark.parametrize("sig, word", [(signal.SIGINT, "Ctrl-C"), (signal.SIGTERM, "SIGTERM")])
def test_interrupt_stops_with_one_line_and_keeps_checkpoints(tmp_path, sig, word):
    rc, err, checkpoints = _interrupt_endless_job(tmp_path, sig)
    assert rc != 0
    assert "Traceback" not in err, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith(f"flinklite: job 'endless' stopped ({word})"), err
    kept = _completed_checkpoints(checkpoints)
    assert kept, "the default retention must not delete checkpoints on an interrupt"
    named = lines[0].split("execution.state-recovery.path: ")[1]
    assert named in kept
    cp, _ = load_checkpoint(named)  # complete and readable: the job can resume from it
    assert cp.checkpoint_id >= 1


class InterruptAt:
    """Raises KeyboardInterrupt at one record: Ctrl-C arriving while a step runs."""

    def __init__(self, at: int) -> None:
        self.at = at

    def __call__(self, v):
        time.sleep(0.0005)
        if v == self.at:
            raise KeyboardInterrupt
        return v


def test_interrupt_in_process_keeps_checkpoints_under_default_retention(tmp_path):
    env = make_env(1, **{"state.checkpoints.dir": str(tmp_path)})
    env.enable_checkpointing(20)
    env.from_collection(list(range(2000))).map(InterruptAt(1500)).add_sink(lambda v: None)
    job = env._create_job("interrupted")
    job.start()
    with pytest.raises(KeyboardInterrupt) as info:
        job.run_to_completion()
    assert job.status == "CANCELED"
    assert job.failures == []  # an interrupt is not a failure: no restart
    assert _completed_checkpoints(tmp_path)
    assert "Its checkpoints are kept" in info.value._flinklite_message
    assert all(t.status != "RUNNING" for t in job.tasks)


def test_cancel_under_default_retention_still_deletes_checkpoints(tmp_path):
    # the contrast: a cancel follows NO_EXTERNALIZED_CHECKPOINTS, as in Flink
    env = make_env(1, **{"state.checkpoints.dir": str(tmp_path)})
    env.enable_checkpointing(20)
    env.from_collection(list(range(2000))).map(InterruptAt(-1)).add_sink(lambda v: None)
    job = env._create_job("cancelled")
    job.start()
    job.run(stop=lambda: bool(_completed_checkpoints(tmp_path)))
    job.cancel()
    assert not _completed_checkpoints(tmp_path)


def test_uncaught_marked_interrupt_prints_only_the_message(capsys):
    exc = KeyboardInterrupt()
    interrupt.mark_interrupt(exc, "job 'x' stopped (Ctrl-C).")
    sys.excepthook(KeyboardInterrupt, exc, None)
    assert capsys.readouterr().err == "flinklite: job 'x' stopped (Ctrl-C).\n"


def test_other_exceptions_keep_their_traceback():
    code = textwrap.dedent("""
        from flinklite.runtime import interrupt
        exc = KeyboardInterrupt()
        interrupt.mark_interrupt(exc, "marked")
        raise ValueError("not an interrupt")
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30,
                          env={**os.environ})
    assert "Traceback" in proc.stderr and "ValueError: not an interrupt" in proc.stderr


def test_from_collection_rejects_an_endless_iterator():
    env = make_env(1)
    started = time.monotonic()
    with pytest.raises(InvalidProgramException, match="looks endless") as info:
        env.from_collection(itertools.count())
    assert "from_source" in str(info.value)
    assert time.monotonic() - started < 10


def test_from_collection_reads_a_finite_generator():
    env = make_env(1)
    out = list(env.from_collection(i * i for i in range(5)).execute_and_collect())
    assert sorted(out) == [0, 1, 4, 9, 16]


def test_from_collection_rejects_a_non_iterable():
    with pytest.raises(InvalidProgramException, match="iterable"):
        make_env(1).from_collection(42)
