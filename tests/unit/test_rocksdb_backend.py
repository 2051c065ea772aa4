"""EmbeddedRocksDBStateBackend: keyed state in an on-disk RocksDB, chosen by
``env.set_state_backend`` or ``state.backend.type``; exactly-once through failures; full and
incremental checkpoints (shared files uploaded once, deleted when unreferenced); rescaling
restores; state larger than the memory budget; checkpoint storages."""

import glob
import os
import subprocess
import sys
import textwrap
from collections import Counter

import pytest
from test_checkpoints import _checkpointed_conf, _expected, _finals, _job, _run_and_cancel_midway
from test_testing_toolkit import DATA, pairs_job

from flinklite.common import Configuration
from flinklite.datastream import StreamExecutionEnvironment
from flinklite.datastream.checkpoint_storage import (
    CustomCheckpointStorage,
    FileSystemCheckpointStorage,
    JobManagerCheckpointStorage,
)
from flinklite.datastream.state_backend import (
    CustomStateBackend,
    EmbeddedRocksDBStateBackend,
    HashMapStateBackend,
    PredefinedOptions,
)
from flinklite.errors import InvalidProgramException, JobExecutionException, UnsupportedFeature
from flinklite.testing import FaultPlan, check_exactly_once

pytest.importorskip("rocksdict")

BACKENDS = {
    "hashmap": {},
    "rocksdb": {"state.backend.type": "rocksdb"},
    "rocksdb-incremental": {"state.backend.type": "rocksdb", "execution.checkpointing.incremental": "true"},
}


def _conf(directory, backend, retained=3):
    conf = _checkpointed_conf(directory, retained)
    for k, v in BACKENDS[backend].items():
        conf.set_string(k, v)
    return conf


def _restore_conf(path, backend):
    conf = Configuration()
    conf.set_string("execution.state-recovery.path", path)
    for k, v in BACKENDS[backend].items():
        conf.set_string(k, v)
    return conf


def _cancel_midway(conf, parallelism, n, stop_after):
    it = _job(conf, parallelism, n).execute_and_collect()
    rows = []
    for r in it:
        rows.append(r)
        if len(rows) >= stop_after:
            break
    it.close()
    return rows


# -- choosing the backend -------------------------------------------------------------------------
def test_set_state_backend_writes_the_configuration_and_the_job_runs_on_rocksdb():
    env = StreamExecutionEnvironment.get_execution_environment(Configuration())
    assert isinstance(env.get_state_backend(), HashMapStateBackend)
    backend = EmbeddedRocksDBStateBackend(enable_incremental_checkpointing=True)
    backend.set_predefined_options(PredefinedOptions.FLASH_SSD_OPTIMIZED)
    env.set_state_backend(backend)
    assert env.get_state_backend() is backend and backend.is_incremental_checkpoints_enabled()
    assert env._configuration.get_string("state.backend.type", None) == "rocksdb"
    assert env._configuration.get_string("execution.checkpointing.incremental", None) == "true"
    env.set_parallelism(2)
    src = env.from_collection([(f"k{i % 7}", i) for i in range(500)])
    it = src.key_by(lambda v: v[0]).reduce(lambda a, b: (a[0], a[1] + b[1])).execute_and_collect()
    rows = list(it)
    assert _finals(rows) == {f"k{j}": sum(i for i in range(500) if i % 7 == j) for j in range(7)}
    backends = [op.keyed_backend for t in it._job.tasks for op in t.operators if op.keyed_backend is not None]
    assert backends and all(type(b).__name__ == "RocksDBKeyedStateBackend" for b in backends)


def test_bad_backend_settings_have_clear_errors():
    with pytest.raises(TypeError, match="enable_incremental_checkpointing"):
        EmbeddedRocksDBStateBackend("yes")
    with pytest.raises(UnsupportedFeature, match="RocksDBOptionsFactory"):
        EmbeddedRocksDBStateBackend().set_options("org.example.MyOptions")
    with pytest.raises(UnsupportedFeature):
        CustomStateBackend(object())
    with pytest.raises(UnsupportedFeature):
        CustomCheckpointStorage(object())
    env = StreamExecutionEnvironment.get_execution_environment(Configuration())
    with pytest.raises(InvalidProgramException, match="set_state_backend expects"):
        env.set_state_backend("rocksdb")
    conf = Configuration()
    conf.set_string("state.backend.type", "forst")
    env = StreamExecutionEnvironment.get_execution_environment(conf)
    env.from_collection([1, 2]).key_by(lambda v: v).map(lambda v: v).print()
    with pytest.raises((InvalidProgramException, JobExecutionException), match="'hashmap'.*'rocksdb'"):
        env.execute()


# -- exactly-once through failures, on every backend ----------------------------------------------
@pytest.mark.parametrize("backend", ["rocksdb", "rocksdb-incremental"])
@pytest.mark.parametrize("parallelism", [1, 3])
def test_exactly_once_through_injected_failures(backend, parallelism):
    def configure(env):
        env.set_state_backend(EmbeddedRocksDBStateBackend(backend == "rocksdb-incremental"))

    plan = FaultPlan().fail_operator("to-pair", at_record=120)
    r = check_exactly_once(pairs_job, DATA, plan, parallelism=parallelism, require_fired=True,
                           checkpoint_interval_ms=10, configure=configure)
    assert r.restarts == 1 and Counter(r.actual) == Counter(r.expected)


@pytest.mark.parametrize("backend", ["rocksdb", "rocksdb-incremental"])
@pytest.mark.parametrize("p,q", [(2, 2), (1, 3), (3, 2)])
def test_restore_at_another_parallelism(tmp_path, backend, p, q):
    n = 300
    _cancel_midway(_conf(str(tmp_path), backend), p, n, 40)
    it = _job(_restore_conf(str(tmp_path), backend), q, n).execute_and_collect()
    rows = list(it)
    assert it._job.restored_from is not None
    assert _finals(rows) == _expected(n)


def test_full_rocksdb_checkpoint_restores_on_the_heap_backend_and_back(tmp_path):
    n = 300
    _cancel_midway(_conf(str(tmp_path / "a"), "rocksdb"), 2, n, 40)
    it = _job(_restore_conf(str(tmp_path / "a"), "hashmap"), 2, n).execute_and_collect()
    assert _finals(list(it)) == _expected(n)  # the full format is the heap backend's
    _run_and_cancel_midway(str(tmp_path / "b"), 2, n, 40)  # heap checkpoints
    it = _job(_restore_conf(str(tmp_path / "b"), "rocksdb-incremental"), 3, n).execute_and_collect()
    assert _finals(list(it)) == _expected(n)


def test_heap_backend_refuses_an_incremental_checkpoint_with_a_message(tmp_path):
    _cancel_midway(_conf(str(tmp_path), "rocksdb-incremental"), 1, 300, 40)
    it = _job(_restore_conf(str(tmp_path), "hashmap"), 1, 300)
    with pytest.raises((InvalidProgramException, JobExecutionException), match="state.backend.type: rocksdb"):
        list(it.execute_and_collect())


# -- incremental checkpoints ------------------------------------------------------------------------
def _sizes(job_dir):
    out = {}
    for chk in glob.glob(os.path.join(job_dir, "chk-*")):
        out[int(chk.rsplit("-", 1)[1])] = sum(os.path.getsize(f) for f in glob.glob(os.path.join(chk, "*")))
    return out


def test_incremental_checkpoints_upload_shared_files_once_and_delete_unreferenced_ones(tmp_path):
    from flinklite.checkpoint.storage import load_checkpoint, shared_files_of

    _cancel_midway(_conf(str(tmp_path), "rocksdb-incremental", retained=2), 2, 400, 120)
    (job_dir,) = glob.glob(str(tmp_path / "*"))
    chks = sorted(glob.glob(os.path.join(job_dir, "chk-*")), key=lambda c: int(c.rsplit("-", 1)[1]))
    assert len(chks) == 2
    refs = [shared_files_of(load_checkpoint(c)[0]) for c in chks]
    on_disk = set(os.listdir(os.path.join(job_dir, "shared")))
    assert refs[0] and refs[1]
    assert on_disk == refs[0] | refs[1]  # files no retained checkpoint uses were deleted
    assert all(f.endswith(".sst") for f in on_disk)


def test_incremental_checkpoint_is_smaller_than_a_full_one(tmp_path):
    """Large state, a few keys changed between two checkpoints: the second incremental checkpoint
    writes only the changed keys' new SST file, a full one writes everything again."""
    from flinklite.checkpoint.coordinator import CompletedCheckpoint
    from flinklite.checkpoint.storage import write_checkpoint
    from flinklite.datastream.state import ValueStateDescriptor
    from flinklite.state.key_groups import KeyGroupRange
    from flinklite.state.rocksdb import RocksDBKeyedStateBackend

    written = {}
    for incremental in (False, True):
        b = RocksDBKeyedStateBackend(128, KeyGroupRange(0, 127), "big", local_dir=str(tmp_path / f"db{incremental}"),
                                     incremental=incremental)
        b.shared_dir = str(tmp_path / f"shared{incremental}")
        st = b.get_or_create_state(ValueStateDescriptor("v"))
        for k in range(5_000):
            b.set_current_key(k)
            st.update(os.urandom(200))
        sizes = []
        for cid in (1, 2):
            before = sum(os.path.getsize(f) for f in glob.glob(os.path.join(b.shared_dir, "*")))
            cp = CompletedCheckpoint(cid, 0)
            cp.operator_states["op"] = [{"keyed": b.snapshot()}]
            cp.parallelism["op"] = 1
            d = write_checkpoint(str(tmp_path / f"chk{incremental}-{cid}"), cp, "job", {})
            after = sum(os.path.getsize(f) for f in glob.glob(os.path.join(b.shared_dir, "*")))
            sizes.append(sum(os.path.getsize(f) for f in glob.glob(os.path.join(d, "*"))) + after - before)
            for k in range(20):  # a few keys change before the next checkpoint
                b.set_current_key(k)
                st.update(os.urandom(200))
        written[incremental] = sizes
        b.dispose()
    full, inc = written[False], written[True]
    assert full[0] > 900_000 and full[1] > 900_000  # every checkpoint carries all the state
    assert inc[0] > 900_000  # the first incremental one uploads everything once
    assert inc[1] < full[1] / 10  # the next one only the new SST with the changed keys


def test_savepoint_of_an_incremental_job_is_self_contained(tmp_path):
    import time

    conf = _conf(str(tmp_path / "chk"), "rocksdb-incremental")
    env = StreamExecutionEnvironment.get_execution_environment(conf)
    env.set_parallelism(2)
    sink: list = []
    from test_checkpoints import _job_to_sink

    _job_to_sink(env, sink, 600)
    client = env.execute_async("savepoint")
    time.sleep(0.4)
    path = client.stop_with_savepoint(False, str(tmp_path / "sp")).result(timeout=30)
    client.get_job_execution_result().result(timeout=30)
    import shutil

    shutil.rmtree(tmp_path / "chk")  # the checkpoints and their shared files are gone
    env2 = StreamExecutionEnvironment.get_execution_environment(_restore_conf(path, "rocksdb"))
    env2.set_parallelism(3)
    _job_to_sink(env2, sink, 600)
    env2.execute("resumed")
    assert len(sink) == 600 and _finals(sink) == _expected(600)


# -- state larger than memory ---------------------------------------------------------------------
_BUDGET_SCRIPT = textwrap.dedent("""
    import os, sys
    from flinklite.datastream.state import MapStateDescriptor
    from flinklite.state.key_groups import KeyGroupRange
    from flinklite.state.heap import HeapKeyedStateBackend
    from flinklite.state.rocksdb import RocksDBKeyedStateBackend, RocksDBOptions

    kind, path = sys.argv[1], sys.argv[2]
    if kind == "rocksdb":
        b = RocksDBKeyedStateBackend(128, KeyGroupRange(0, 127), "big", local_dir=path,
                                     options=RocksDBOptions(memory_bytes=8 << 20))
    else:
        b = HeapKeyedStateBackend(128, KeyGroupRange(0, 127), "big")
    st = b.get_or_create_state(MapStateDescriptor("m"))
    def rss():  # resident set size now, in bytes
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    start = rss()
    for k in range(2_000):  # 2000 keys x 64 entries x 1 KiB = 125 MiB of state
        b.set_current_key(k)
        st.put_all({i: os.urandom(1024) for i in range(64)})
    b.set_current_key(1_999)
    ok = len(st.items()) == 64 and all(len(v) == 1024 for v in st.values())
    grown = rss() - start
    print(ok, grown)
""")


def test_state_larger_than_the_memory_budget_lives_on_disk(tmp_path):
    state_bytes = 2_000 * 64 * 1024
    out = {}
    for kind in ("rocksdb", "heap"):
        res = subprocess.run([sys.executable, "-c", _BUDGET_SCRIPT, kind, str(tmp_path / kind)],
                             capture_output=True, text=True, timeout=300)
        assert res.returncode == 0, res.stderr
        ok, grown = res.stdout.split()
        assert ok == "True"
        out[kind] = int(grown)
    assert out["heap"] > state_bytes / 2  # the heap backend holds it in memory
    assert out["rocksdb"] < state_bytes / 4  # RocksDB: an 8 MiB budget plus the interpreter's churn


# -- checkpoint storages -----------------------------------------------------------------------------
def test_checkpoint_storage_objects_write_the_configuration(tmp_path):
    env = StreamExecutionEnvironment.get_execution_environment(Configuration())
    cfg = env.get_checkpoint_config()
    assert isinstance(cfg.get_checkpoint_storage(), JobManagerCheckpointStorage)
    cfg.set_checkpoint_storage(FileSystemCheckpointStorage("file://" + str(tmp_path)))
    assert env._configuration.get_string("execution.checkpointing.dir", None) == str(tmp_path)
    got = cfg.get_checkpoint_storage()
    assert isinstance(got, FileSystemCheckpointStorage) and got.get_checkpoint_path() == str(tmp_path)
    cfg.set_checkpoint_storage_dir(str(tmp_path / "other"))
    assert cfg.get_checkpoint_storage().get_checkpoint_path() == str(tmp_path / "other")
    cfg.set_checkpoint_storage(JobManagerCheckpointStorage(max_state_size=1234))
    assert cfg.get_checkpoint_storage().get_max_state_size() == 1234
    assert JobManagerCheckpointStorage().get_max_state_size() == JobManagerCheckpointStorage.DEFAULT_MAX_STATE_SIZE
    with pytest.raises(ValueError, match="checkpoint_path"):
        FileSystemCheckpointStorage()
    with pytest.raises(InvalidProgramException, match="local file system"):
        FileSystemCheckpointStorage("s3://bucket/x")
    with pytest.raises(InvalidProgramException, match="max_state_size"):
        JobManagerCheckpointStorage(max_state_size=0)
    with pytest.raises(InvalidProgramException, match="set_checkpoint_storage expects"):
        cfg.set_checkpoint_storage(str(tmp_path))


def test_file_system_storage_through_set_checkpoint_storage_writes_checkpoints(tmp_path):
    conf = Configuration()
    conf.set_string("execution.checkpointing.interval", "20 ms")
    conf.set_string("execution.checkpointing.externalized-checkpoint-retention", "RETAIN_ON_CANCELLATION")
    env = StreamExecutionEnvironment.get_execution_environment(conf)
    env.get_checkpoint_config().set_checkpoint_storage(FileSystemCheckpointStorage(str(tmp_path)))
    env.set_state_backend(EmbeddedRocksDBStateBackend(True))
    cfg = env._configuration
    _cancel_midway(cfg, 1, 400, 80)
    assert glob.glob(str(tmp_path / "*" / "chk-*" / "_metadata"))
    assert glob.glob(str(tmp_path / "*" / "shared" / "*.sst"))


def test_job_manager_storage_fails_a_checkpoint_above_its_max_state_size():
    conf = Configuration()
    conf.set_string("execution.checkpointing.interval", "10 ms")
    conf.set_string("restart-strategy.type", "none")  # else every restarted attempt fails its checkpoint again
    JobManagerCheckpointStorage(max_state_size=40)._configure(conf)
    with pytest.raises(JobExecutionException, match="larger than the maximum of JobManagerCheckpointStorage"):
        list(_job(conf, 1, 3000).execute_and_collect())
    conf = Configuration()
    conf.set_string("execution.checkpointing.interval", "10 ms")
    JobManagerCheckpointStorage()._configure(conf)  # 5 MiB: these checkpoints fit
    assert _finals(list(_job(conf, 1, 300).execute_and_collect())) == _expected(300)


# -- TTL state through failures and rescaling restores ------------------------------------------------
class _TtlCounts:
    """A rolling count per key kept three ways in TTL state (list, map, reducing): all must agree."""

    @staticmethod
    def build(env, data):
        from flinklite.common.time import Time
        from flinklite.datastream.functions import KeyedProcessFunction
        from flinklite.datastream.state import (
            ListStateDescriptor,
            MapStateDescriptor,
            ReducingStateDescriptor,
            StateTtlConfig,
        )

        ttl = StateTtlConfig.new_builder(Time.hours(1)).update_ttl_on_read_and_write().cleanup_full_snapshot().build()

        class Counts(KeyedProcessFunction):
            def open(self, rc):
                descs = [ListStateDescriptor("seen"), MapStateDescriptor("by_value"),
                         ReducingStateDescriptor("count", lambda a, b: a + b)]
                for d in descs:
                    d.enable_time_to_live(ttl)
                self.seen, self.by_value, self.count = (rc.get_list_state(descs[0]), rc.get_map_state(descs[1]),
                                                        rc.get_reducing_state(descs[2]))

            def process_element(self, v, ctx):
                self.seen.add(v[1])
                self.by_value.put(v[1], True)
                self.count.add(1)
                n = len(self.seen.get())
                assert n == len(self.by_value.keys()) == self.count.get()
                yield v[0], n

        return env.from_collection(data).map(lambda v: (v % 3, v)).name("to-pair").uid("to-pair") \
            .key_by(lambda p: p[0]).process(Counts()).name("counts")


@pytest.mark.parametrize("backend", ["hashmap", "rocksdb", "rocksdb-incremental"])
def test_ttl_state_survives_failover_exactly_once(backend):
    def configure(env):
        if backend != "hashmap":
            env.set_state_backend(EmbeddedRocksDBStateBackend(backend == "rocksdb-incremental"))

    plan = FaultPlan().fail_operator("to-pair", at_record=120)
    r = check_exactly_once(_TtlCounts.build, DATA, plan, parallelism=2, require_fired=True,
                           checkpoint_interval_ms=10, configure=configure)
    assert r.restarts == 1 and Counter(r.actual) == Counter(r.expected)
    assert sorted(r.expected)[-1] == (2, 66)  # keys 0,1,2 counted up to 67, 67 and 66 records
