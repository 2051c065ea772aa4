"""Visible restarts (issue 16): every failure and restart is logged under Flink's logger names
with its cause; the final error names the restart strategy and how often the job restarted,
with the user's exception as ``__cause__``; checkpoint-directory and restore-path mistakes fail at
submission instead of restarting forever."""

from __future__ import annotations

import logging
import os

import pytest
from _helpers import make_env

from flinklite.checkpoint.restart import ExponentialDelayRestart
from flinklite.errors import InvalidProgramException, JobExecutionException

EXECUTION_GRAPH = "org.apache.flink.runtime.executiongraph.ExecutionGraph"


def fails_on_5(v):
    if v == 5:
        raise ValueError("bad record")
    return v


def _failing_job(env):
    env.from_collection(list(range(10))).map(fails_on_5).name("parse").add_sink(lambda v: None)


def _messages(caplog, needle):
    return [r for r in caplog.records if r.name == EXECUTION_GRAPH and needle in r.getMessage()]


def test_fixed_delay_exhausted_names_cause_strategy_and_restart_count(caplog):
    env = make_env(1, **{"restart-strategy.type": "fixed-delay", "restart-strategy.fixed-delay.attempts": "3",
                         "restart-strategy.fixed-delay.delay": "1 ms"})
    env.enable_checkpointing(50)
    _failing_job(env)
    with caplog.at_level(logging.INFO, logger=EXECUTION_GRAPH):
        with pytest.raises(JobExecutionException) as info:
            env.execute("bad record")
    err = info.value
    assert isinstance(err.__cause__, ValueError) and str(err.__cause__) == "bad record"
    assert err.num_restarts == 3
    assert "restarted 3 times" in str(err) and "fixed-delay" in str(err)
    assert "'parse'" in str(err) and "record 5" in str(err)
    failed = _messages(caplog, "switched from RUNNING to FAILED with failure cause")
    restarting = _messages(caplog, "switched from state RUNNING to RESTARTING")
    assert len(failed) == 4 and len(restarting) == 3
    assert all(r.levelno == logging.WARNING for r in restarting)
    assert all("bad record" in r.getMessage() and "record 5" in r.getMessage() for r in failed)
    assert [f"restart {i}," in r.getMessage() for i, r in zip((1, 2, 3), restarting)] == [True] * 3


def test_failure_rate_exhausted_ends_the_job_with_the_original_cause():
    env = make_env(1, **{"restart-strategy.type": "failure-rate",
                         "restart-strategy.failure-rate.max-failures-per-interval": "2",
                         "restart-strategy.failure-rate.failure-rate-interval": "1 min",
                         "restart-strategy.failure-rate.delay": "1 ms"})
    env.enable_checkpointing(50)
    _failing_job(env)
    with pytest.raises(JobExecutionException) as info:
        env.execute()
    assert isinstance(info.value.__cause__, ValueError)
    assert info.value.num_restarts == 2 and "failure-rate" in str(info.value)


def test_without_checkpointing_a_failure_is_final_and_not_a_warning(caplog):
    env = make_env(1)
    _failing_job(env)
    with caplog.at_level(logging.DEBUG, logger=EXECUTION_GRAPH):
        with pytest.raises(JobExecutionException) as info:
            env.execute()
    assert info.value.num_restarts == 0 and "Recovery is suppressed" not in str(info.value)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING and r.name == EXECUTION_GRAPH]
    assert _messages(caplog, "switched from state RUNNING to FAILED")


def test_default_with_checkpointing_is_exponential_delay_and_every_restart_is_logged(caplog):
    # Flink 2.x: exponential-delay with unlimited attempts when checkpointing is on; the backoff
    # grows, and each restart is a WARNING. A manual clock makes the backoff a jump, not a sleep.
    env = make_env(1, **{"flinklite.clock": "manual"})
    env.enable_checkpointing(50)
    _failing_job(env)
    job = env._create_job("default strategy")
    assert isinstance(job.restart_strategy, ExponentialDelayRestart)
    assert job.restart_strategy.attempts_before_reset is None
    with caplog.at_level(logging.WARNING, logger=EXECUTION_GRAPH):
        job.start()
        try:
            job.run(stop=lambda: len(job.failures) >= 4)
        finally:
            job.cancel()
    restarting = _messages(caplog, "RESTARTING")
    assert len(restarting) >= 4
    backoffs = [int(r.getMessage().split(" in ")[1].split(" ms")[0]) for r in restarting]
    assert backoffs[0] < backoffs[3]  # 1 s, ~1.5 s, ~2.25 s, ~3.4 s (10 % jitter)


def test_checkpoint_dir_under_a_file_fails_at_submit(tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    env = make_env(1, **{"state.checkpoints.dir": str(blocker / "checkpoints")})
    env.enable_checkpointing(50)
    env.from_collection([1, 2, 3]).add_sink(lambda v: None)
    with pytest.raises(InvalidProgramException, match="state.checkpoints.dir") as info:
        env.execute()
    assert str(blocker / "checkpoints") in str(info.value)


def test_impossible_checkpoint_dir_fails_at_submit():
    env = make_env(1, **{"state.checkpoints.dir": "/proc/flinklite-cannot-exist/checkpoints"})
    env.enable_checkpointing(50)
    env.from_collection([1, 2, 3]).add_sink(lambda v: None)
    with pytest.raises(InvalidProgramException, match="cannot be written"):
        env.execute()


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into read-only directories")
def test_read_only_checkpoint_dir_fails_at_submit(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        env = make_env(1, **{"state.checkpoints.dir": str(ro)})
        env.enable_checkpointing(50)
        env.from_collection([1, 2, 3]).add_sink(lambda v: None)
        with pytest.raises(InvalidProgramException, match="cannot be written"):
            env.execute()
    finally:
        ro.chmod(0o700)


def test_writable_checkpoint_dir_leaves_no_probe_behind(tmp_path):
    env = make_env(1, **{"state.checkpoints.dir": str(tmp_path)})
    env.enable_checkpointing(50)
    env.from_collection([1, 2, 3]).add_sink(lambda v: None)
    env.execute()
    assert not [p for p in tmp_path.rglob("*") if "probe" in p.name]


def test_restore_from_a_missing_path_names_it(tmp_path):
    missing = tmp_path / "no-such-checkpoint"
    env = make_env(1, **{"execution.state-recovery.path": str(missing)})
    env.from_collection([1, 2, 3]).add_sink(lambda v: None)
    with pytest.raises(InvalidProgramException, match="execution.state-recovery.path") as info:
        env.execute()
    assert str(missing) in str(info.value)


@pytest.mark.parametrize("key, value", [("restart-strategy.fixed-delay.attempts", "three"),
                                        ("restart-strategy.fixed-delay.delay", "soon")])
def test_restart_options_of_the_wrong_type_name_the_key(key, value):
    env = make_env(1, **{"restart-strategy.type": "fixed-delay", key: value})
    env.from_collection([1]).add_sink(lambda v: None)
    with pytest.raises(InvalidProgramException, match=key.replace(".", r"\.")):
        env.execute()


def test_job_life_cycle_and_checkpoints_are_logged_at_debug(caplog, tmp_path):
    env = make_env(1, **{"state.checkpoints.dir": str(tmp_path),
                         "execution.checkpointing.externalized-checkpoint-retention": "RETAIN_ON_CANCELLATION"})
    env.enable_checkpointing(10)
    env.from_collection(list(range(300))).map(lambda v: v).add_sink(lambda v: __import__("time").sleep(0.0005))
    with caplog.at_level(logging.DEBUG, logger="org.apache.flink"):
        env.execute("logged")
    lines = [r.getMessage() for r in caplog.records if r.levelno == logging.DEBUG]
    assert any("switched from state CREATED to RUNNING" in m for m in lines)
    assert any("switched from state RUNNING to FINISHED" in m for m in lines)
    completed = [r for r in caplog.records if r.name == "org.apache.flink.runtime.checkpoint.CheckpointCoordinator"
                 and "Completed checkpoint" in r.getMessage()]
    assert completed and str(tmp_path) in completed[-1].getMessage()
