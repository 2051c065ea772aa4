"""The ``flinklite`` CLI (run -d/-s/-p, list, savepoint, stop, cancel), as real processes talking
to a real job's REST API."""

import os
import re
import socket
import subprocess
import sys
import time

import pytest
from _observe_helpers import get_json, wait_until

HERE = os.path.dirname(os.path.abspath(__file__))

UNBOUNDED = f"""
import sys
sys.path.insert(0, {HERE!r})
from _observe_helpers import TickSource
from pyflink.common.watermark_strategy import WatermarkStrategy
from pyflink.datastream import StreamExecutionEnvironment

env = StreamExecutionEnvironment.get_execution_environment()
env.enable_checkpointing(100)
print("parallelism", env.get_parallelism(), flush=True)
(env.from_source(TickSource(1000), WatermarkStrategy.for_monotonous_timestamps(), "ticks").uid("ticks")
    .key_by(lambda v: v % 3).reduce(lambda a, b: a + b).uid("sum").add_sink(lambda v: None))
env.execute("cli job")
"""

BOUNDED = """
import time
from pyflink.common.watermark_strategy import WatermarkStrategy
from pyflink.datastream import StreamExecutionEnvironment
from pyflink.datastream.connectors.number_seq import NumberSequenceSource

def slow(v):
    if v % 2000 == 0:
        time.sleep(0.02)
    return v

env = StreamExecutionEnvironment.get_execution_environment()
print("parallelism", env.get_parallelism(), flush=True)
(env.from_source(NumberSequenceSource(0, 99_999), WatermarkStrategy.no_watermarks(), "numbers")
    .map(slow).key_by(lambda v: v % 3).reduce(lambda a, b: a + b).add_sink(lambda v: None))
env.execute("bounded job")
"""


def _free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def flinklite(*args: str, timeout: float = 90) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "flinklite.cli", *args], capture_output=True, text=True,
                          timeout=timeout)


@pytest.fixture
def program(tmp_path):
    path = tmp_path / "job.py"
    path.write_text(UNBOUNDED)
    return str(path)


def _submit(program: str, port: int, *extra: str) -> str:
    r = flinklite("run", "-d", "-D", f"rest.port={port}", *extra, program)
    assert r.returncode == 0, r.stdout + r.stderr
    (jid,) = re.findall(r"Job has been submitted with JobID ([0-9a-f]{32})", r.stdout)
    return jid


def _log_of(run_stdout: str) -> str:
    return re.search(r"output in (\S+)\)", run_stdout).group(1)


def test_run_detached_list_savepoint_stop_and_resume(program, tmp_path):
    port = _free_port()
    m = f"127.0.0.1:{port}"
    jid = _submit(program, port, "-p", "3")
    listed = flinklite("list", "-m", m)
    assert listed.returncode == 0 and f": {jid} : cli job (RUNNING)" in listed.stdout
    # -p became the default parallelism of the program's environment
    _, job = get_json(f"http://{m}/jobs/{jid}")
    assert [v["parallelism"] for v in job["vertices"]] == [1, 3]  # the source is non-parallel
    sp = flinklite("savepoint", "-m", m, jid, str(tmp_path / "sp"))
    assert sp.returncode == 0, sp.stderr
    (path,) = re.findall(r"Savepoint completed\. Path: file:(\S+)", sp.stdout)
    assert os.path.isfile(os.path.join(path, "_metadata"))
    stop = flinklite("stop", "-m", m, "--savepointPath", str(tmp_path / "stop"), jid)
    assert stop.returncode == 0, stop.stderr
    (stopped_at,) = re.findall(r"Savepoint completed\. Path: file:(\S+)", stop.stdout)
    assert stopped_at.startswith(str(tmp_path / "stop")) and os.path.isfile(os.path.join(stopped_at, "_metadata"))
    # the process ends with its job; then resume from the savepoint with -s
    wait_until(lambda: flinklite("list", "-m", m).returncode == 1, 20)
    jid2 = _submit(program, port, "-s", stopped_at)
    try:
        _, cps = get_json(f"http://{m}/jobs/{jid2}/checkpoints")
        assert cps["counts"]["restored"] == 1 and cps["latest"]["restored"]["external_path"] == stopped_at
    finally:
        assert flinklite("cancel", "-m", m, jid2).returncode == 0


def test_cancel(program):
    port = _free_port()
    jid = _submit(program, port)
    r = flinklite("cancel", "-m", f"127.0.0.1:{port}", jid)
    assert r.returncode == 0 and f"Cancelled job {jid}." in r.stdout
    wait_until(lambda: flinklite("list", "-m", f"127.0.0.1:{port}").returncode == 1, 20)  # process gone


def test_run_in_foreground_with_progress_line(tmp_path):
    path = tmp_path / "bounded.py"
    path.write_text(BOUNDED)
    r = flinklite("run", "--progress", "-p", "2", "-D", "rest.port=0", str(path))
    assert r.returncode == 0, r.stderr
    assert "parallelism 2" in r.stdout and re.search(r"Job with JobID [0-9a-f]{32} has finished\.", r.stdout)
    # (text mode turns the line's carriage returns into newlines)
    lines = [ln for ln in r.stderr.replace("\x1b[K", "").splitlines() if ln.strip()]
    assert lines and all(ln.startswith("bounded job: records ") for ln in lines), r.stderr[-500:]
    assert all(re.search(r"records [\d,]+ of 100,000 \(\d+ %\)", ln) for ln in lines), lines
    counts = [int(re.search(r"records ([\d,]+)", ln).group(1).replace(",", "")) for ln in lines]
    assert counts == sorted(counts) and 0 < counts[-1] <= 100_000


def test_errors_are_actionable(tmp_path, program):
    r = flinklite("run", str(tmp_path / "missing.py"))
    assert r.returncode == 1 and "no such program" in r.stderr
    port = _free_port()
    r = flinklite("list", "-m", f"127.0.0.1:{port}")
    assert r.returncode == 1 and "could not reach a flinklite job" in r.stderr and "-m host:port" in r.stderr
    r = flinklite("run", "-D", "rest.port", program)
    assert r.returncode == 1 and "-D needs key=value" in r.stderr
    broken = tmp_path / "broken.py"
    broken.write_text("raise SystemExit('the program gave up')\n")
    r = flinklite("run", "-d", "-D", f"rest.port={port}", str(broken))
    assert r.returncode == 1 and "exited" in r.stderr and "the program gave up" in r.stderr
    jid = _submit(program, port)
    try:
        r = flinklite("savepoint", "-m", f"127.0.0.1:{port}", jid)  # no target, no state.savepoints.dir
        assert r.returncode == 1 and "savepoint failed" in r.stderr and "savepoint directory" in r.stderr
        r = flinklite("cancel", "-m", f"127.0.0.1:{port}", "0" * 32)
        assert r.returncode == 1 and "404" in r.stderr
    finally:
        flinklite("cancel", "-m", f"127.0.0.1:{port}", jid)
        time.sleep(0.2)
