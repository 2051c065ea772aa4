"""TwoPhaseCommitSink: the transaction life cycle, recovery hooks, and exactly-once commits of a
job that fails mid-stream."""

import json
import os
import uuid

import msgpack
import pytest
from _helpers import FAILED, FailOnce
from _helpers import checkpointed_env as _env

from flinklite.common import Types, WatermarkStrategy
from flinklite.datastream.connectors import TwoPhaseCommitSink
from flinklite.datastream.connectors.number_seq import NumberSequenceSource


class Store:
    """A toy external system in a directory: a transaction is staged in ``staged/<id>`` and
    committed by renaming it to ``committed/<id>``; every call is logged to ``log``. (Sinks are
    copied into each parallel subtask, as Flink serializes them, so their state must live
    outside the sink object.)"""

    def __init__(self, root):
        self.root = str(root)
        for d in ("staged", "committed"):
            os.makedirs(os.path.join(self.root, d), exist_ok=True)

    def path(self, kind, txn_id):
        return os.path.join(self.root, kind, txn_id)

    def record(self, event, txn_id):
        with open(os.path.join(self.root, "log"), "a") as f:
            f.write(f"{event} {txn_id}\n")

    @property
    def log(self):
        try:
            with open(os.path.join(self.root, "log")) as f:
                return [tuple(line.split()) for line in f]
        except FileNotFoundError:
            return []

    @property
    def committed(self):
        out = {}
        for name in os.listdir(os.path.join(self.root, "committed")):
            with open(self.path("committed", name)) as f:
                out[name] = [json.loads(line) for line in f]
        return out


class StoreSink(TwoPhaseCommitSink):
    def __init__(self, store):
        self.store = store
        self.buffers = {}  # transient: records of open transactions, written out at pre_commit

    def begin_transaction(self):
        txn = {"id": uuid.uuid4().hex[:12]}
        self.buffers[txn["id"]] = []
        self.store.record("begin", txn["id"])
        return txn

    def invoke(self, transaction, value, context):
        self.buffers[transaction["id"]].append(value)

    def pre_commit(self, transaction):
        with open(self.store.path("staged", transaction["id"]), "w") as f:
            f.writelines(json.dumps(v) + "\n" for v in self.buffers.pop(transaction["id"]))
            f.flush()
            os.fsync(f.fileno())
        self.store.record("pre_commit", transaction["id"])

    def commit(self, transaction):
        self.store.record("commit", transaction["id"])
        try:
            os.replace(self.store.path("staged", transaction["id"]), self.store.path("committed", transaction["id"]))
        except FileNotFoundError:
            if not os.path.exists(self.store.path("committed", transaction["id"])):
                raise

    def abort(self, transaction):
        self.store.record("abort", transaction["id"])
        self.buffers.pop(transaction["id"], None)
        try:
            os.remove(self.store.path("staged", transaction["id"]))
        except FileNotFoundError:
            pass

    def recover_and_commit(self, transaction):
        self.store.record("recover_and_commit", transaction["id"])
        self.commit(transaction)

    def recover_and_abort(self, transaction):
        self.store.record("recover_and_abort", transaction["id"])
        self.abort(transaction)

    def values(self):
        return [v for vs in self.store.committed.values() for v in vs]


def _events(store, kind):
    return [t for k, t in store.log if k == kind]


def test_protocol_without_a_job(tmp_path):
    store = Store(tmp_path)
    sink = StoreSink(store)
    committer = sink.create_committer()
    writer = sink.create_writer(0, 1)
    writer.write("a", 5)
    writer.flush(False)
    first = writer.prepare_commit()  # checkpoint 1
    state = writer.snapshot_state(1)
    assert msgpack.unpackb(msgpack.packb(first)) == first
    assert msgpack.unpackb(msgpack.packb(state)) == state
    (t1,) = [t["id"] for t in first]
    assert store.log[-1][0] == "begin" and store.log[-1][1] != t1  # a new transaction right away
    t2 = store.log[-1][1]
    writer.write("b", 6)
    assert store.committed == {}  # pre-committed is not visible
    committer.commit(first)  # checkpoint 1 completes
    assert store.committed == {t1: ["a"]}
    committer.commit(first)  # again: idempotent
    assert store.committed == {t1: ["a"]}
    writer.flush(True)  # end of input: no new transaction after the last one
    last = writer.prepare_commit()
    assert last == [{"id": t2}] and store.log[-1] == ("pre_commit", t2)
    committer.commit(last)
    writer.close()
    assert sorted(sink.values()) == ["a", "b"] and not _events(store, "abort")


def test_restore_commits_pending_and_aborts_current(tmp_path):
    store = Store(tmp_path)
    sink = StoreSink(store)
    writer = sink.create_writer(0, 1)
    writer.write(1, 0)
    pending = writer.prepare_commit()
    state = msgpack.unpackb(msgpack.packb(writer.snapshot_state(1)))
    current = state["current"]["id"]
    writer.write(2, 0)
    writer.close()  # failure: the open transaction is aborted
    assert _events(store, "abort") == [current]
    # restore: the operator commits what the checkpoint held, then creates the writer
    committer = sink.create_committer()
    committer.commit(pending)
    writer = sink.create_writer(0, 1, state)
    assert _events(store, "recover_and_commit") == [pending[0]["id"]]
    assert _events(store, "recover_and_abort") == [current]
    new = writer.prepare_commit()
    committer.commit(new)  # later commits are ordinary ones
    assert _events(store, "commit")[-1] == new[0]["id"]
    assert new[0]["id"] not in _events(store, "recover_and_commit")
    assert store.committed == {pending[0]["id"]: [1], new[0]["id"]: []}


def test_commit_tries_every_transaction_and_raises_the_first_error(tmp_path):
    store = Store(tmp_path)

    class Flaky(StoreSink):
        def commit(self, transaction):
            if transaction["id"] == "bad":
                raise OSError("bad cannot commit")
            super().commit(transaction)

    sink = Flaky(store)
    committer = sink.create_committer()
    sink.create_writer(0, 1)
    with open(store.path("staged", "good"), "w") as f:
        f.write('"x"\n')
    with pytest.raises(OSError, match="bad"):
        committer.commit([{"id": "bad"}, {"id": "good"}])
    assert store.committed == {"good": ["x"]}


@pytest.mark.parametrize("parallelism", [1, 2])
def test_job_with_failure_commits_exactly_once(tmp_path, parallelism):
    FAILED["flag"] = False
    n = 400
    store = Store(tmp_path)
    sink = StoreSink(store)
    env = _env(parallelism=parallelism)
    (env.from_source(NumberSequenceSource(0, n - 1), WatermarkStrategy.no_watermarks(), "n")
     .map(FailOnce(n * 3 // 4), output_type=Types.LONG())
     .sink_to(sink))
    env.execute("2pc with a failure")
    assert FAILED["flag"], "the failure was not injected"
    assert sorted(sink.values()) == list(range(n))
    assert len(store.committed) > 2 * parallelism  # several checkpoints committed
    assert _events(store, "abort")  # the transaction open at the failure was aborted
    assert _events(store, "recover_and_abort")  # and the one open at the checkpoint, after restore
    # nothing is committed that was not pre-committed first
    pre = set(_events(store, "pre_commit"))
    assert set(store.committed) <= pre


def test_job_without_checkpointing_commits_once_at_the_end(tmp_path):
    store = Store(tmp_path)
    sink = StoreSink(store)
    env = _env(checkpointing=False)
    env.from_source(NumberSequenceSource(1, 20), WatermarkStrategy.no_watermarks(), "n").sink_to(sink)
    env.execute("2pc at end of input")
    (txn,) = _events(store, "begin")
    assert store.committed == {txn: list(range(1, 21))}
    assert not _events(store, "abort")
