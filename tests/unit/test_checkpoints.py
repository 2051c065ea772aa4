"""Checkpoints: the barrier alignment state machine, state encoding, on-disk storage (checksums,
corruption, partial checkpoints), restore at another parallelism, savepoints, restart strategies.

Jobs here are small and run on the real engine; a map that sleeps a little gives the periodic
checkpoints time to complete while records flow.
"""

from __future__ import annotations

import datetime
import decimal
import glob
import os
import time

import pytest

from flinklite.checkpoint.barrier_handler import (
    AlignedBarrierHandler,
    AtLeastOnceBarrierHandler,
    CollectingBarriers,
    WaitingForFirstBarrier,
)
from flinklite.checkpoint.restart import (
    ExponentialDelayRestart,
    FailureRateRestart,
    FixedDelayRestart,
    NoRestart,
    restart_strategy_from_config,
)
from flinklite.checkpoint.serialization import StateSerializationError, decode, encode
from flinklite.checkpoint.storage import CorruptCheckpointError, find_latest_valid, load_checkpoint
from flinklite.common import Configuration, Row, Types, WatermarkStrategy
from flinklite.datastream import KeyedProcessFunction, MapFunction, StreamExecutionEnvironment
from flinklite.datastream.connectors.number_seq import NumberSequenceSource
from flinklite.datastream.state import ValueStateDescriptor
from flinklite.errors import InvalidProgramException, JobExecutionException
from flinklite.runtime.channels import Channel


# -- barrier alignment -----------------------------------------------------------------------
def _handler(n, cls=AlignedBarrierHandler):
    chans = [Channel(100, f"c{i}") for i in range(n)]
    done, aborted = [], []
    return chans, cls(chans, done.append, aborted.append), done, aborted


def test_aligned_handler_blocks_until_every_channel_delivered_the_barrier():
    chans, h, done, _ = _handler(3)
    assert isinstance(h.state, WaitingForFirstBarrier)
    h.barrier(1, chans[0])
    assert isinstance(h.state, CollectingBarriers) and chans[0].blocked and not chans[1].blocked
    h.barrier(1, chans[2])
    assert done == [] and chans[2].blocked
    h.barrier(1, chans[1])
    assert done == [1]
    assert not any(c.blocked for c in chans) and isinstance(h.state, WaitingForFirstBarrier)


def test_newer_barrier_aborts_older_alignment():
    chans, h, done, aborted = _handler(2)
    h.barrier(1, chans[0])
    h.barrier(2, chans[1])  # checkpoint 2 overtakes 1 on the other channel
    assert aborted == [1] and chans[1].blocked and not chans[0].blocked
    h.barrier(2, chans[0])
    assert done == [2]
    h.barrier(1, chans[0])  # a stale barrier is ignored
    assert done == [2] and not chans[0].blocked


def test_finished_channel_counts_as_aligned():
    chans, h, done, _ = _handler(2)
    h.barrier(5, chans[0])
    chans[1].finished = True
    h.end_of_partition(chans[1])
    assert done == [5]
    h.barrier(6, chans[0])  # later checkpoints only wait for open channels
    assert done == [5, 6]


def test_at_least_once_never_blocks():
    chans, h, done, aborted = _handler(2, AtLeastOnceBarrierHandler)
    h.barrier(1, chans[0])
    assert not chans[0].blocked and done == []
    h.barrier(2, chans[0])
    h.barrier(2, chans[1])
    assert done == [2] and aborted == [1]


# -- state encoding ---------------------------------------------------------------------------
def test_encoding_round_trips_python_values():
    value = {"t": (1, "a", [2.5, None]), 7: {1, 2}, "row": Row(a=1, b="x"), "big": 2**80,
             "dec": decimal.Decimal("1.25"), "when": datetime.datetime(2024, 5, 6, 7, 8, 9), "b": b"\x00"}
    assert decode(encode(value)) == value


class Custom:
    pass


def test_pickling_is_opt_in_and_the_error_says_how():
    class Local:
        pass

    with pytest.raises(StateSerializationError, match="cannot be pickled either"):
        encode([Local()], allow_pickle=True)
    with pytest.raises(StateSerializationError, match="PICKLED_BYTE_ARRAY") as e:
        encode([Custom()], what="state 'x' of operator 'M'")
    assert "state 'x' of operator 'M'" in str(e.value)
    assert isinstance(decode(encode([Custom()], allow_pickle=True))[0], Custom)


# -- jobs ---------------------------------------------------------------------------------------
class _Slow(MapFunction):
    def map(self, v):
        time.sleep(0.002)
        return (f"k{v % 5}", v)


class _RunningSum(KeyedProcessFunction):
    def open(self, rc):
        self.total = rc.get_state(ValueStateDescriptor("total", Types.LONG()))

    def process_element(self, v, ctx):
        self.total.update((self.total.value() or 0) + v[1])
        yield (v[0], self.total.value())


def _job(conf: Configuration, parallelism: int, n: int):
    env = StreamExecutionEnvironment.get_execution_environment(conf)
    env.set_parallelism(parallelism)
    src = env.from_source(NumberSequenceSource(0, n - 1), WatermarkStrategy.no_watermarks(), "numbers").uid("src")
    return src.map(_Slow()).uid("slow").key_by(lambda v: v[0]).process(_RunningSum()).uid("sum")


def _finals(rows):
    out: dict = {}
    for k, total in rows:
        out[k] = max(out.get(k, 0), total)
    return out


def _expected(n):
    out: dict = {}
    for v in range(n):
        out[f"k{v % 5}"] = out.get(f"k{v % 5}", 0) + v
    return out


def _checkpointed_conf(directory: str, retained: int = 3) -> Configuration:
    conf = Configuration()
    conf.set_string("execution.checkpointing.interval", "20 ms")
    conf.set_string("state.checkpoints.dir", directory)
    conf.set_string("execution.checkpointing.num-retained", str(retained))
    conf.set_string("execution.checkpointing.externalized-checkpoint-retention", "RETAIN_ON_CANCELLATION")
    return conf


def _run_and_cancel_midway(directory: str, parallelism: int, n: int, stop_after: int) -> list:
    it = _job(_checkpointed_conf(directory), parallelism, n).execute_and_collect()
    rows = []
    for r in it:
        rows.append(r)
        if len(rows) >= stop_after:
            break
    it.close()
    return rows


def test_retained_checkpoints_have_flink_layout_and_metadata(tmp_path):
    _run_and_cancel_midway(str(tmp_path), 2, 400, 60)
    chks = glob.glob(str(tmp_path / "*" / "chk-*"))
    assert 1 <= len(chks) <= 3
    for chk in chks:
        assert os.path.isfile(os.path.join(chk, "_metadata"))
        cp, manifest = load_checkpoint(chk)
        assert manifest["checkpoint_id"] == int(chk.rsplit("-", 1)[1])
        uids = {info.get("uid") for info in manifest["operators"].values()}
        assert {"src", "slow", "sum"} <= uids


@pytest.mark.parametrize("p,q", [(1, 1), (1, 4), (2, 3), (3, 2), (4, 1), (4, 4)])
def test_restore_at_another_parallelism_gives_the_uninterrupted_result(tmp_path, p, q):
    n = 300
    _run_and_cancel_midway(str(tmp_path), p, n, 40)
    conf = Configuration()
    conf.set_string("execution.state-recovery.path", str(tmp_path))
    it = _job(conf, q, n).execute_and_collect()
    rows = list(it)
    assert it._job.restored_from is not None
    assert _finals(rows) == _expected(n)


def test_corrupted_checkpoint_is_skipped_for_the_previous_one(tmp_path):
    _run_and_cancel_midway(str(tmp_path), 2, 400, 80)
    chks = sorted(glob.glob(str(tmp_path / "*" / "chk-*")), key=lambda c: int(c.rsplit("-", 1)[1]))
    assert len(chks) >= 2
    newest = chks[-1]
    state_file = sorted(f for f in os.listdir(newest) if f.endswith(".state"))[0]
    with open(os.path.join(newest, state_file), "r+b") as f:
        f.seek(0)
        f.write(b"\xff\xff\xff")
    with pytest.raises(CorruptCheckpointError, match="checksum"):
        load_checkpoint(newest)
    notes: list = []
    _, _, chosen = find_latest_valid(str(tmp_path), report=notes.append)
    assert chosen == chks[-2] and "corrupted" in notes[0]
    conf = Configuration()
    conf.set_string("execution.state-recovery.path", str(tmp_path))
    it = _job(conf, 2, 400).execute_and_collect()
    assert _finals(list(it)) == _expected(400)
    assert any("skipping" in m for m in it._job.recovery_log)


def test_partial_checkpoint_without_metadata_is_not_a_checkpoint(tmp_path):
    partial = tmp_path / "job" / "chk-9"
    partial.mkdir(parents=True)
    (partial / "x-0.state").write_bytes(b"half written")
    with pytest.raises(CorruptCheckpointError, match="_metadata"):
        load_checkpoint(str(partial))
    assert find_latest_valid(str(tmp_path)) is None


def test_unclaimed_state_is_an_error_unless_ignored(tmp_path):
    _run_and_cancel_midway(str(tmp_path), 1, 200, 30)
    conf = Configuration()
    conf.set_string("execution.state-recovery.path", str(tmp_path))
    env = StreamExecutionEnvironment.get_execution_environment(conf)
    env.set_parallelism(1)
    src = env.from_source(NumberSequenceSource(0, 9), WatermarkStrategy.no_watermarks(), "numbers").uid("src")
    src.map(lambda v: ("k", v)).uid("other").key_by(lambda v: v[0]).process(_RunningSum()).uid("renamed")
    with pytest.raises((InvalidProgramException, JobExecutionException), match="ignore-unclaimed-state"):
        env.execute()
    conf.set_string("execution.state-recovery.ignore-unclaimed-state", "true")
    env = StreamExecutionEnvironment.get_execution_environment(conf)
    env.set_parallelism(1)
    src = env.from_source(NumberSequenceSource(0, 9), WatermarkStrategy.no_watermarks(), "numbers").uid("src")
    out = src.map(lambda v: ("k", v)).uid("other").key_by(lambda v: v[0]).process(_RunningSum()).uid("renamed")
    rows = list(out.execute_and_collect())
    assert rows  # the source resumed from its position; the unclaimed keyed state was dropped


def test_stop_with_savepoint_then_resume_elsewhere(tmp_path):
    sink: list = []
    env = StreamExecutionEnvironment.get_execution_environment(Configuration())
    env.set_parallelism(2)
    _job_to_sink(env, sink, 600)
    client = env.execute_async("savepoint test")
    time.sleep(0.3)
    path = client.stop_with_savepoint(False, str(tmp_path)).result(timeout=20)
    client.get_job_execution_result().result(timeout=20)
    assert os.path.basename(path).startswith("savepoint-") and os.path.isfile(os.path.join(path, "_metadata"))
    before = len(sink)
    assert 0 < before < 600
    conf = Configuration()
    conf.set_string("execution.savepoint.path", path)
    env2 = StreamExecutionEnvironment.get_execution_environment(conf)
    env2.set_parallelism(3)
    _job_to_sink(env2, sink, 600)
    env2.execute("resumed")
    assert len(sink) == 600  # a sink without transactions: the savepoint's position is exact
    assert _finals(sink) == _expected(600)


def _job_to_sink(env, sink: list, n: int) -> None:
    src = env.from_source(NumberSequenceSource(0, n - 1), WatermarkStrategy.no_watermarks(), "numbers").uid("src")
    src.map(_Slow()).uid("slow").key_by(lambda v: v[0]).process(_RunningSum()).uid("sum").add_sink(sink.append)


class _FailOnce(MapFunction):
    failed = False

    def map(self, v):
        time.sleep(0.001)
        if v == 150 and not _FailOnce.failed:
            _FailOnce.failed = True
            raise RuntimeError("injected")
        return (f"k{v % 5}", v)


@pytest.mark.parametrize("mode", ["EXACTLY_ONCE", "AT_LEAST_ONCE"])
def test_failover_restores_state_and_collect_is_exactly_once(mode):
    _FailOnce.failed = False
    conf = Configuration()
    conf.set_string("execution.checkpointing.interval", "20 ms")
    conf.set_string("execution.checkpointing.mode", mode)
    conf.set_string("restart-strategy.type", "fixed-delay")
    conf.set_string("restart-strategy.fixed-delay.delay", "1 ms")
    env = StreamExecutionEnvironment.get_execution_environment(conf)
    env.set_parallelism(2)
    src = env.from_source(NumberSequenceSource(0, 399), WatermarkStrategy.no_watermarks(), "numbers")
    it = src.map(_FailOnce()).key_by(lambda v: v[0]).process(_RunningSum()).execute_and_collect()
    rows = list(it)
    assert _FailOnce.failed and len(it._job.failures) == 1
    assert _finals(rows) == _expected(400)
    if mode == "EXACTLY_ONCE":
        assert len(rows) == 400 and len(set(rows)) == 400


def test_without_restart_strategy_a_failure_fails_the_job():
    _FailOnce.failed = False
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(1)
    src = env.from_source(NumberSequenceSource(0, 199), WatermarkStrategy.no_watermarks(), "numbers")
    src.map(_FailOnce()).name("fails").add_sink(lambda v: None)
    with pytest.raises(JobExecutionException, match="fails"):
        env.execute()


# -- restart strategies -------------------------------------------------------------------------
def test_restart_strategies_follow_flink_rules():
    assert not NoRestart().can_restart(0)
    fixed = FixedDelayRestart(attempts=2, delay_ms=5)
    assert [fixed.can_restart(t) for t in range(3)] == [True, True, False] and fixed.backoff_ms() == 5
    rate = FailureRateRestart(max_failures=2, interval_ms=100, delay_ms=1)
    assert rate.can_restart(0) and rate.can_restart(10) and not rate.can_restart(50)
    rate2 = FailureRateRestart(max_failures=2, interval_ms=100)
    assert rate2.can_restart(0) and rate2.can_restart(10) and rate2.can_restart(500)
    exp = ExponentialDelayRestart(initial_ms=10, max_ms=1000, multiplier=2.0, jitter=0.0)
    assert exp.can_restart(0) and exp.backoff_ms() == 10
    assert exp.can_restart(5)  # within the backoff window: merged with the previous failure
    assert exp.can_restart(100) and exp.backoff_ms() == 20


def test_restart_strategy_configuration_keys():
    assert isinstance(restart_strategy_from_config({}, checkpointing=False), NoRestart)
    assert isinstance(restart_strategy_from_config({}, checkpointing=True), ExponentialDelayRestart)
    s = restart_strategy_from_config({"restart-strategy.type": "fixed-delay",
                                      "restart-strategy.fixed-delay.attempts": "3",
                                      "restart-strategy.fixed-delay.delay": "200 ms"}, False)
    assert isinstance(s, FixedDelayRestart) and s.attempts == 3 and s.delay_ms == 200
    with pytest.raises(InvalidProgramException, match="fixed-delay"):
        restart_strategy_from_config({"restart-strategy.type": "sometimes"}, False)


# -- operator state (CheckpointedFunction, Java API) -------------------------------------------
def test_operator_state_redistribution_even_split_and_union():
    from flinklite.state.operator_state import redistribute

    old = [{"s": ["split", [1, 2, 3]], "u": ["union", ["a"]]},
           {"s": ["split", [4, 5]], "u": ["union", ["b"]]}]
    # same parallelism: each subtask gets its own list back; union: everyone gets everything
    assert redistribute(old, 0, 2) == {"s": [1, 2, 3], "u": ["a", "b"]}
    assert redistribute(old, 1, 2) == {"s": [4, 5], "u": ["a", "b"]}
    # 2 -> 3: contiguous chunks of the concatenation, the first N % p one longer
    assert [redistribute(old, i, 3)["s"] for i in range(3)] == [[1, 2], [3, 4], [5]]
    assert [redistribute(old, i, 1)["s"] for i in range(1)] == [[1, 2, 3, 4, 5]]


class _CountingMap(MapFunction):
    """Counts records per subtask in operator state (survives failover)."""

    failed = False

    def initialize_state(self, context):
        from flinklite.datastream.state import ListStateDescriptor

        self.state = context.get_operator_state_store().get_list_state(ListStateDescriptor("seen", Types.LONG()))
        self.seen = sum(self.state.get())
        self.restored = context.is_restored()

    def snapshot_state(self, context):
        self.state.update([self.seen])

    def map(self, v):
        time.sleep(0.001)
        self.seen += 1
        if v == 120 and not _CountingMap.failed:
            _CountingMap.failed = True
            raise RuntimeError("injected")
        return self.seen


def test_checkpointed_function_operator_state_survives_failover():
    from flinklite.datastream.functions import CheckpointedFunction

    class Counting(_CountingMap, CheckpointedFunction):
        pass

    _CountingMap.failed = False
    conf = Configuration()
    conf.set_string("execution.checkpointing.interval", "15 ms")
    conf.set_string("restart-strategy.type", "fixed-delay")
    conf.set_string("restart-strategy.fixed-delay.delay", "1 ms")
    env = StreamExecutionEnvironment.get_execution_environment(conf)
    env.set_parallelism(1)
    src = env.from_source(NumberSequenceSource(0, 299), WatermarkStrategy.no_watermarks(), "numbers")
    it = src.map(Counting()).execute_and_collect()
    rows = list(it)
    assert _CountingMap.failed and len(it._job.failures) == 1
    # exactly-once: the counter restored with the source position, so it counts 1..300 once each
    assert rows == list(range(1, 301))


def test_stop_with_savepoint_drain_fires_windows_before_the_barrier(tmp_path):
    from flinklite.common import Duration, Time
    from flinklite.datastream.window import TumblingEventTimeWindows

    sink: list = []
    env = StreamExecutionEnvironment.get_execution_environment(Configuration())
    env.set_parallelism(1)
    src = env.from_source(NumberSequenceSource(0, 100_000), WatermarkStrategy.for_bounded_out_of_orderness(
        Duration.of_millis(0)).with_timestamp_assigner(lambda v, t: v * 1000), "numbers").uid("src")
    (src.map(_Slow()).uid("slow").key_by(lambda v: v[0])
        .window(TumblingEventTimeWindows.of(Time.seconds(3600)))   # nothing fires before the drain
        .reduce(lambda a, b: (a[0], a[1] + b[1])).uid("win").add_sink(sink.append))
    client = env.execute_async("drain")
    time.sleep(0.3)
    path = client.stop_with_savepoint(True, str(tmp_path)).result(timeout=20)
    client.get_job_execution_result().result(timeout=20)
    assert sink and len({k for k, _ in sink}) == len(sink)  # each key's open window fired once
    cp, manifest = load_checkpoint(path)
    (win_id,) = [op for op, info in manifest["operators"].items() if info.get("uid") == "win"]
    assert not cp.keyed_state_for(win_id)  # the drained windows are not in the savepoint


def test_flinklite_objects_round_trip_with_slots_and_dict():
    from flinklite.datastream.window import GlobalWindow, TimeWindow

    w = decode(encode([TimeWindow(-10, 20), GlobalWindow.get()]))
    assert w[0] == TimeWindow(-10, 20) and hash(w[0]) == hash(TimeWindow(-10, 20))
    assert w[0].max_timestamp() == 19 and isinstance(w[1], GlobalWindow)


def test_checkpoint_locations_accept_file_uris_and_reject_remote_ones(tmp_path):
    _run_and_cancel_midway(str(tmp_path), 1, 200, 30)  # plain path
    conf = Configuration()
    conf.set_string("execution.state-recovery.path", tmp_path.as_uri())  # file:///...
    it = _job(conf, 1, 200).execute_and_collect()
    assert _finals(list(it)) == _expected(200) and it._job.restored_from.startswith(str(tmp_path))
    conf = Configuration()
    conf.set_string("state.checkpoints.dir", "s3://bucket/ckpts")
    conf.set_string("execution.checkpointing.interval", "1 s")
    with pytest.raises(InvalidProgramException, match="local file system"):
        _job(conf, 1, 10).execute_and_collect()


def test_checkpoint_of_another_format_version_is_refused_with_a_message(tmp_path):
    import msgpack

    _run_and_cancel_midway(str(tmp_path), 1, 200, 30)
    newest = sorted(glob.glob(str(tmp_path / "*" / "chk-*")), key=lambda c: int(c.rsplit("-", 1)[1]))[-1]
    meta = os.path.join(newest, "_metadata")
    with open(meta, "rb") as f:
        manifest = msgpack.unpackb(f.read(), raw=False, strict_map_key=False)
    manifest["version"] = 1  # the per-key-group layout of earlier flinklite versions
    with open(meta, "wb") as f:
        f.write(msgpack.packb(manifest, use_bin_type=True))
    with pytest.raises(CorruptCheckpointError, match="format version 1; this flinklite reads version 2"):
        load_checkpoint(newest)
