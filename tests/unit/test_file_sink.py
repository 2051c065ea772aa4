"""FileSink: part-file naming, the in-progress / pending / finished life cycle, rolling policies,
bucket assigners, recovery, and end-to-end exactly-once jobs on real temporary directories."""

import inspect
import json
import os
import re
import time

import msgpack
import pytest
from _helpers import FAILED, FailOnce
from _helpers import checkpointed_env as _env

from flinklite.common import Types, WatermarkStrategy
from flinklite.common.serialization import Encoder as CommonEncoder
from flinklite.datastream.connectors import FileSink as PackageFileSink
from flinklite.datastream.connectors.file_system import (
    BucketAssigner,
    Encoder,
    FileSink,
    OutputFileConfig,
    RollingPolicy,
)
from flinklite.datastream.connectors.number_seq import NumberSequenceSource
from flinklite.datastream.functions import MapFunction
from flinklite.errors import InvalidProgramException

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def _files(base):
    out = []
    for root, _dirs, files in os.walk(base):
        for f in files:
            out.append(os.path.relpath(os.path.join(root, f), base))
    return sorted(out)


def _visible(base):
    return [f for f in _files(base) if not os.path.basename(f).startswith(".")]


def _hidden(base):
    return [f for f in _files(base) if os.path.basename(f).startswith(".")]


def _lines(base):
    out = []
    for f in _visible(base):
        with open(os.path.join(base, f), encoding="utf-8") as fh:
            out.extend(fh.read().splitlines())
    return out


class _Clock:
    def __init__(self, now=1_000_000):
        self.now = now

    def __call__(self):
        return self.now


def _sink(base, policy=None, config=None, assigner=None, interval=None):
    b = FileSink.for_row_format(str(base), Encoder.simple_string_encoder())
    b = b.with_bucket_assigner(assigner or BucketAssigner.base_path_bucket_assigner())
    if policy is not None:
        b = b.with_rolling_policy(policy)
    if config is not None:
        b = b.with_output_file_config(config)
    if interval is not None:
        b = b.with_bucket_check_interval(interval)
    sink = b.build()
    sink._clock = _Clock()
    return sink


# -- API surface -------------------------------------------------------------------------------
def test_names_importable_from_package_and_module():
    assert PackageFileSink is FileSink
    assert Encoder is CommonEncoder
    cfg = OutputFileConfig.builder().with_part_prefix("pre").with_part_suffix(".txt").build()
    assert (cfg.get_part_prefix(), cfg.get_part_suffix()) == ("pre", ".txt")
    assert (OutputFileConfig("a", "b").get_part_prefix(), OutputFileConfig("a", "b").get_part_suffix()) == ("a", "b")
    d = OutputFileConfig.builder().build()
    assert (d.get_part_prefix(), d.get_part_suffix()) == ("part", "")


def test_factory_signatures_match_pyflink():
    notes = "/work/notes/pyflink_surface.json"
    if not os.path.exists(notes):
        pytest.skip("PyFlink surface dump not available")
    with open(notes) as f:
        classes = json.load(f)["pyflink.datastream.connectors.file_system"]["classes"]

    def params(sig):  # "(a: int = 1, b: str = None) -> X" -> ["a=1", "b=None"]
        inner = sig[sig.index("(") + 1: sig.rindex(")")]
        out = []
        for p in filter(None, (s.strip() for s in inner.split(","))):
            name = p.split(":")[0].split("=")[0].strip()
            default = p.split("=", 1)[1].strip() if "=" in p else None
            if name != "self":
                out.append((name, default))
        return out

    def ours(fn):
        out = []
        for p in inspect.signature(fn).parameters.values():
            default = None if p.default is inspect.Parameter.empty else repr(p.default)
            out.append((p.name, default))
        return out

    for cls, meth in [(RollingPolicy, "default_rolling_policy"), (RollingPolicy, "on_checkpoint_rolling_policy"),
                      (BucketAssigner, "base_path_bucket_assigner"), (BucketAssigner, "date_time_bucket_assigner"),
                      (FileSink, "for_row_format"), (OutputFileConfig, "builder")]:
        expected = params(classes[cls.__name__]["methods"][meth]["sig"])
        assert ours(getattr(cls, meth)) == expected, (cls.__name__, meth)


def test_invalid_configuration_is_reported():
    with pytest.raises(InvalidProgramException):
        RollingPolicy.default_rolling_policy(part_size=0)
    with pytest.raises(InvalidProgramException):
        FileSink.for_row_format("hdfs://nn/out", Encoder.simple_string_encoder()).build()
    with pytest.raises(InvalidProgramException):
        FileSink.for_bulk_format("/tmp/x", None)
    with pytest.raises(InvalidProgramException):
        Encoder.simple_string_encoder("no-such-charset")
    with pytest.raises(InvalidProgramException):
        BucketAssigner.date_time_bucket_assigner("yyyy-MM-dd", "Not/AZone")
    with pytest.raises(InvalidProgramException):
        BucketAssigner.date_time_bucket_assigner("yyyy-QQ")  # quarter: not supported


def test_file_scheme_path(tmp_path):
    sink = FileSink.for_row_format(f"file://{tmp_path}", Encoder.simple_string_encoder()).build()
    assert sink.base_path == str(tmp_path)


# -- naming and life cycle ------------------------------------------------------------------------
def test_part_file_naming_and_life_cycle(tmp_path):
    cfg = OutputFileConfig.builder().with_part_prefix("pre").with_part_suffix(".txt").build()
    sink = _sink(tmp_path, RollingPolicy.on_checkpoint_rolling_policy(), cfg)
    writer = sink.create_writer(0, 1)
    committer = sink.create_committer()
    for v in ["a", "b", "c"]:
        writer.write(v, 0)
    writer.flush(False)
    # in progress: hidden, Flink's local-file-system name
    hidden = _hidden(tmp_path)
    assert len(hidden) == 1 and not _visible(tmp_path)
    m = re.fullmatch(rf"\.pre-({UUID})-0\.txt\.inprogress\.{UUID}", hidden[0])
    assert m, hidden
    uid = m.group(1)
    # checkpoint: rolled to pending, still hidden
    committables = writer.prepare_commit()
    state = writer.snapshot_state(1)
    assert msgpack.unpackb(msgpack.packb(committables)) == committables
    assert msgpack.unpackb(msgpack.packb(state)) == state
    assert len(committables) == 1 and _hidden(tmp_path) == hidden and not _visible(tmp_path)
    # more records go to the next part file of the same subtask (counter + 1)
    writer.write("d", 0)
    assert any(re.fullmatch(rf"\.pre-{uid}-1\.txt\.inprogress\.{UUID}", h) for h in _hidden(tmp_path))
    # checkpoint complete: finished, visible
    committer.commit(committables)
    assert _visible(tmp_path) == [f"pre-{uid}-0.txt"]
    assert _lines(tmp_path) == ["a", "b", "c"]
    committer.commit(committables)  # idempotent
    assert _visible(tmp_path) == [f"pre-{uid}-0.txt"]
    # end of input finishes the rest
    writer.flush(True)
    committer.commit(writer.prepare_commit())
    writer.close()
    assert _visible(tmp_path) == [f"pre-{uid}-0.txt", f"pre-{uid}-1.txt"]
    assert _lines(tmp_path) == ["a", "b", "c", "d"] and not _hidden(tmp_path)


def test_subtasks_have_distinct_uuids(tmp_path):
    sink = _sink(tmp_path)
    w0, w1 = sink.create_writer(0, 2), sink.create_writer(1, 2)
    w0.write(1, 0)
    w1.write(2, 0)
    names = {re.match(r"\.part-(" + UUID + ")-0", h).group(1) for h in _hidden(tmp_path)}
    assert len(names) == 2


def test_encoder_text_and_charset(tmp_path):
    sink = FileSink.for_row_format(str(tmp_path), Encoder.simple_string_encoder("latin-1")) \
        .with_bucket_assigner(BucketAssigner.base_path_bucket_assigner()).build()
    w = sink.create_writer(0, 1)
    for v in [1, "é", (1, "a")]:
        w.write(v, 0)
    w.flush(True)
    sink.create_committer().commit(w.prepare_commit())
    (name,) = _visible(tmp_path)
    with open(tmp_path / name, "rb") as f:
        assert f.read() == b"1\n\xe9\n(1, 'a')\n"


# -- rolling policies ----------------------------------------------------------------------------
def test_default_policy_keeps_small_files_open_across_checkpoints(tmp_path):
    sink = _sink(tmp_path, RollingPolicy.default_rolling_policy())
    w = sink.create_writer(0, 1)
    w.write("x", 0)
    assert w.prepare_commit() == []
    state = w.snapshot_state(1)
    assert [e["length"] for e in state["in_progress"]] == [2]
    w.write("y", 0)
    assert w.prepare_commit() == []
    assert w.snapshot_state(2)["in_progress"][0]["length"] == 4
    w.flush(True)
    assert len(w.prepare_commit()) == 1  # end of input rolls everything


def test_default_policy_rolls_on_size(tmp_path):
    sink = _sink(tmp_path, RollingPolicy.default_rolling_policy(part_size=5))
    w = sink.create_writer(0, 1)
    for v in ["aa", "bb", "cc", "dd"]:  # 3 bytes each: the size is checked before each record
        w.write(v, 0)
    w.flush(True)
    sink.create_committer().commit(w.prepare_commit())
    contents = []
    for f in sorted(_visible(tmp_path), key=lambda n: int(n.rsplit("-", 1)[1])):
        contents.append((tmp_path / f).read_text())
    assert contents == ["aa\nbb\n", "cc\ndd\n"]


def test_default_policy_rolls_on_rollover_and_inactivity(tmp_path):
    sink = _sink(tmp_path, RollingPolicy.default_rolling_policy(rollover_interval=1000, inactivity_interval=300),
                 interval=10)
    clock = sink._clock
    w = sink.create_writer(0, 1)
    w.write("a", 0)
    clock.now += 200
    w.write("b", 0)
    clock.now += 200  # 400 since creation, 200 inactive: nothing yet
    assert w.prepare_commit() == []
    clock.now += 150  # 350 inactive
    assert len(w.prepare_commit()) == 1
    # rollover: keeps writing every 100 ms; rolls once the file is 1000 ms old
    rolled = []
    for _ in range(15):
        w.write("c", 0)
        clock.now += 100
        rolled += w.prepare_commit()
    assert len(rolled) == 1


def test_on_checkpoint_policy_rolls_every_checkpoint(tmp_path):
    sink = _sink(tmp_path, RollingPolicy.on_checkpoint_rolling_policy())
    w = sink.create_writer(0, 1)
    total = []
    for cid in range(1, 4):
        w.write(cid, 0)
        total += w.prepare_commit()
        w.snapshot_state(cid)
    assert len(total) == 3
    assert w.prepare_commit() == []  # nothing written since: no empty part file


# -- buckets ----------------------------------------------------------------------------------------
def test_date_time_bucket_assigner(tmp_path):
    sink = _sink(tmp_path, assigner=BucketAssigner.date_time_bucket_assigner(timezone_id="UTC"))
    sink._clock.now = 1714568400000 + 123  # 2024-05-01 13:00:00.123 UTC
    w = sink.create_writer(0, 1)
    w.write("a", 0)
    sink._clock.now += 3600 * 1000
    w.write("b", 0)
    w.flush(True)
    sink.create_committer().commit(w.prepare_commit())
    buckets = sorted({os.path.dirname(f) for f in _visible(tmp_path)})
    assert buckets == ["2024-05-01--13", "2024-05-01--14"]
    fmt = BucketAssigner.date_time_bucket_assigner("yyyy/MM/dd 'at' HH:mm:ss.SSS EEE", "Europe/Berlin")
    assert fmt.format(1714568400123) == "2024/05/01 at 15:00:00.123 Wed"
    assert BucketAssigner.date_time_bucket_assigner("yy-M-d h a", "UTC").format(1714568400000) == "24-5-1 1 PM"
    assert BucketAssigner.date_time_bucket_assigner("HH", "GMT+8").format(1714568400000) == "21"
    assert BucketAssigner.date_time_bucket_assigner("HH:mm", "-05:30").format(1714568400000) == "07:30"


def test_default_bucket_assigner_is_hourly(tmp_path):
    sink = FileSink.for_row_format(str(tmp_path), Encoder.simple_string_encoder()).build()
    w = sink.create_writer(0, 1)
    w.write("a", 0)
    w.flush(True)
    sink.create_committer().commit(w.prepare_commit())
    (f,) = _visible(tmp_path)
    assert re.fullmatch(r"\d{4}-\d\d-\d\d--\d\d", os.path.dirname(f))


def test_custom_bucket_assigner(tmp_path):
    class ByParity(BucketAssigner):
        def get_bucket_id(self, element, context):
            return "even" if element % 2 == 0 else "odd"

    sink = _sink(tmp_path, assigner=ByParity())
    w = sink.create_writer(0, 1)
    for v in range(6):
        w.write(v, 0)
    w.flush(True)
    sink.create_committer().commit(w.prepare_commit())
    by_dir = {}
    for f in _visible(tmp_path):
        by_dir[os.path.dirname(f)] = (tmp_path / f).read_text().split()
        assert os.path.basename(f).endswith("-0")  # the counter is per bucket
    assert by_dir == {"even": ["0", "2", "4"], "odd": ["1", "3", "5"]}


# -- recovery -----------------------------------------------------------------------------------------
def test_restore_truncates_in_progress_and_deletes_leftovers(tmp_path):
    sink = _sink(tmp_path, RollingPolicy.default_rolling_policy(part_size=5))
    committer = sink.create_committer()
    w = sink.create_writer(0, 1)
    w.write("aaa", 0)
    w.write("bbb", 0)
    w.write("ccc", 0)  # rolled on size before this one: part 0 = aaa bbb is pending
    assert len(_hidden(tmp_path)) == 2
    pending = w.prepare_commit()
    state = w.snapshot_state(7)
    committer.commit(pending)  # checkpoint 7 completed
    # after the checkpoint: more data in the in-progress file, a new pending file, then a crash
    w.write("ddd", 0)
    w.write("eee", 0)
    w.write("fff", 0)
    w.flush(False)
    w.close()
    assert len(_hidden(tmp_path)) == 2
    restored = msgpack.unpackb(msgpack.packb(state))
    w2 = sink.create_writer(0, 1, restored)
    assert not _hidden(tmp_path)  # leftovers of the failed attempt are gone
    assert sorted(_lines(tmp_path)) == ["aaa", "bbb", "ccc"]  # cut back to the checkpoint
    assert w2.uuid != state["uuid"]
    # a second failure from the same checkpoint: the retry's files are cleaned up too
    w2.write("ggg", 0)
    w2.flush(False)
    w2.close()
    w3 = sink.create_writer(0, 1, restored)
    assert w3.uuid == w2.uuid and not _hidden(tmp_path)
    assert sorted(_lines(tmp_path)) == ["aaa", "bbb", "ccc"]
    w3.write("hhh", 0)
    w3.flush(True)
    committer.commit(w3.prepare_commit())
    assert sorted(_lines(tmp_path)) == ["aaa", "bbb", "ccc", "hhh"]


# -- jobs -----------------------------------------------------------------------------------------------
class _Slow(MapFunction):
    def map(self, v):
        time.sleep(0.002)
        return v


@pytest.mark.parametrize("policy", ["default", "on_checkpoint"])
@pytest.mark.parametrize("parallelism", [1, 2])
def test_job_with_failure_writes_every_record_exactly_once(tmp_path, policy, parallelism):
    FAILED["flag"] = False
    n = 400
    env = _env(parallelism=parallelism)
    rolling = (RollingPolicy.default_rolling_policy() if policy == "default"
               else RollingPolicy.on_checkpoint_rolling_policy())
    sink = (FileSink.for_row_format(str(tmp_path), Encoder.simple_string_encoder())
            .with_bucket_assigner(BucketAssigner.base_path_bucket_assigner())
            .with_rolling_policy(rolling).build())
    (env.from_source(NumberSequenceSource(0, n - 1), WatermarkStrategy.no_watermarks(), "n")
     .map(FailOnce(n * 3 // 4), output_type=Types.LONG())
     .sink_to(sink))
    env.execute("file sink with a failure")
    assert FAILED["flag"], "the failure was not injected"
    values = sorted(int(x) for x in _lines(tmp_path))
    assert values == list(range(n))
    assert not _hidden(tmp_path)
    if policy == "on_checkpoint":
        assert len(_visible(tmp_path)) > parallelism  # several checkpoints rolled files


def test_job_without_checkpointing_finishes_at_end_of_input(tmp_path):
    env = _env(checkpointing=False)
    sink = (FileSink.for_row_format(str(tmp_path), Encoder.simple_string_encoder())
            .with_bucket_assigner(BucketAssigner.base_path_bucket_assigner())
            .with_output_file_config(OutputFileConfig("out", ".csv")).build())
    env.from_source(NumberSequenceSource(1, 50), WatermarkStrategy.no_watermarks(), "n").sink_to(sink)
    env.execute("no checkpointing")
    (name,) = _visible(tmp_path)
    assert re.fullmatch(rf"out-{UUID}-0\.csv", name)
    assert [int(x) for x in _lines(tmp_path)] == list(range(1, 51))
    assert not _hidden(tmp_path)


_SEEN_WHILE_RUNNING: list = []


class _Peek(MapFunction):
    def __init__(self, base):
        self.base = base

    def map(self, v):
        time.sleep(0.002)
        if v % 50 == 0:
            _SEEN_WHILE_RUNNING.append((v, sorted(int(x) for x in _lines(self.base))))
        return v


def test_only_finished_files_are_visible_while_running(tmp_path):
    _SEEN_WHILE_RUNNING.clear()
    env = _env()
    sink = (FileSink.for_row_format(str(tmp_path), Encoder.simple_string_encoder())
            .with_bucket_assigner(BucketAssigner.base_path_bucket_assigner())
            .with_rolling_policy(RollingPolicy.on_checkpoint_rolling_policy()).build())
    (env.from_source(NumberSequenceSource(0, 299), WatermarkStrategy.no_watermarks(), "n")
     .map(_Peek(str(tmp_path)), output_type=Types.LONG()).sink_to(sink))
    env.execute("peek")
    # what a reader saw mid-job: a gap-free prefix of records already processed, never partial data
    assert any(seen for _, seen in _SEEN_WHILE_RUNNING), "no file was finished before the end"
    for v, seen in _SEEN_WHILE_RUNNING:
        assert seen == list(range(len(seen))) and len(seen) <= v
    assert sorted(int(x) for x in _lines(tmp_path)) == list(range(300))
