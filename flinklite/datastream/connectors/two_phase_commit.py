"""A base class for user-defined transactional sinks, after Flink's ``TwoPhaseCommitSinkFunction``.

**Not portable.** ``TwoPhaseCommitSinkFunction`` is part of Flink's Java API only; PyFlink has no
way to write a transactional sink in Python. A program that uses :class:`TwoPhaseCommitSink` runs
on flinklite, not on PyFlink.

A subclass says how to run one transaction against its external system::

    class MySink(TwoPhaseCommitSink):
        def begin_transaction(self):            # -> a new transaction handle
        def invoke(self, transaction, value, context):   # write one record into it
        def pre_commit(self, transaction):      # flush: after this, commit must not fail
        def commit(self, transaction):          # make it visible; must be idempotent
        def abort(self, transaction):           # throw it away
        # optional: recover_and_commit / recover_and_abort (default: commit / abort)

    ds.sink_to(MySink())

A transaction handle is plain data (dicts, lists, str, int, float, bool, bytes, None: what
msgpack can encode), because handles are stored in checkpoints: e.g. the name of a staging table
or file, or an external transaction id.

**How it runs** (each parallel subtask has its own transactions), with the Sink V2 protocol of
:mod:`flinklite.datastream.connectors.base` in place of Flink's operator state:

- on start: ``begin_transaction()``; records go to ``invoke(transaction, value, context)``;
- at a checkpoint barrier: ``pre_commit(current)``; ``current`` becomes pending for that
  checkpoint (it is stored in the checkpoint) and a new transaction begins;
- when a checkpoint completes: ``commit`` every pending transaction of that checkpoint and of
  earlier ones, oldest first (a skipped notification is covered by the next one);
- when a checkpoint is aborted: nothing; its transaction is committed with the next completed one;
- after a restore: every transaction pending in the checkpoint is passed to
  ``recover_and_commit`` (it may have been committed already, hence idempotence); the transaction
  that was current at the checkpoint goes to ``recover_and_abort``; then a new one begins;
- at the end of a bounded input: ``pre_commit`` of the last transaction, which is committed once
  the whole job has finished; no new transaction is begun;
- on close after a failure or cancellation: ``abort(current)``.

Transactions pre-committed for a checkpoint that never completed, by an attempt that then failed,
are in no checkpoint, so they are neither committed nor aborted (as in Flink): an external
system should expire them (a transaction timeout longer than checkpoint interval plus recovery
time), or the sink can clean them up in ``recover_and_abort``/``begin_transaction``.
"""

from __future__ import annotations

import time
from typing import Any

from flinklite.datastream.connectors.base import Committer, Sink, SinkWriter
from flinklite.time.watermark import MIN_TIMESTAMP

__all__ = ["TwoPhaseCommitSink", "TransactionContext"]


class TransactionContext:
    """What ``invoke`` gets as ``context`` (Flink's ``SinkFunction.Context``)."""

    __slots__ = ("_ts", "subtask_index")

    def __init__(self, subtask_index: int) -> None:
        self._ts = MIN_TIMESTAMP
        self.subtask_index = subtask_index

    def timestamp(self) -> int | None:
        """The record's timestamp, None if it has none."""
        return None if self._ts == MIN_TIMESTAMP else self._ts

    def current_processing_time(self) -> int:
        return int(time.time() * 1000)

    def current_watermark(self) -> int:
        return MIN_TIMESTAMP  # the sink writer does not track watermarks


class TwoPhaseCommitSink(Sink):
    """Base of transactional sinks; see the module documentation. Use with ``ds.sink_to(...)``."""

    # -- to implement ---------------------------------------------------------------------------
    def begin_transaction(self) -> Any:
        """Start a transaction and return its handle (msgpack-encodable data)."""
        raise NotImplementedError

    def invoke(self, transaction: Any, value: Any, context: TransactionContext) -> None:
        """Write ``value`` as part of ``transaction``."""
        raise NotImplementedError

    def pre_commit(self, transaction: Any) -> None:
        """Flush ``transaction``; after this, ``commit`` must be able to succeed. No more writes
        go into it."""
        raise NotImplementedError

    def commit(self, transaction: Any) -> None:
        """Make a pre-committed transaction visible. Must be idempotent: after a failure it can be
        called again for a transaction that was already committed."""
        raise NotImplementedError

    def abort(self, transaction: Any) -> None:
        """Discard a transaction."""
        raise NotImplementedError

    def recover_and_commit(self, transaction: Any) -> None:
        """After a restore: commit a transaction that was pending in the checkpoint (it may be
        committed already)."""
        self.commit(transaction)

    def recover_and_abort(self, transaction: Any) -> None:
        """After a restore: discard the transaction that was open when the checkpoint was taken."""
        self.abort(transaction)

    # -- the Sink protocol ------------------------------------------------------------------------
    def create_writer(self, subtask_index: int, parallelism: int, restored_state: Any = None) -> SinkWriter:
        committer = getattr(self, "_recovering_committer", None)
        if committer is not None:
            committer.recovering = False  # the operator commits restored work before creating the writer
            self._recovering_committer = None
        return _TwoPhaseCommitWriter(self, subtask_index, restored_state)

    def create_committer(self) -> Committer:
        committer = _TwoPhaseCommitCommitter(self)
        self._recovering_committer = committer
        return committer


class _TwoPhaseCommitWriter(SinkWriter):
    def __init__(self, sink: TwoPhaseCommitSink, subtask_index: int, restored: Any) -> None:
        self.sink = sink
        self.context = TransactionContext(subtask_index)
        self.finished = False
        self.current: Any = None
        self.has_current = False
        if restored and restored.get("has_current"):
            sink.recover_and_abort(restored["current"])
        self._begin()

    def _begin(self) -> None:
        self.current = self.sink.begin_transaction()
        self.has_current = True

    def write(self, value: Any, timestamp: int) -> None:
        self.context._ts = timestamp
        self.sink.invoke(self.current, value, self.context)

    def flush(self, end_of_input: bool) -> None:
        if end_of_input:
            self.finished = True

    def prepare_commit(self) -> list:
        if not self.has_current:
            return []
        txn = self.current
        self.sink.pre_commit(txn)
        self.current, self.has_current = None, False
        if not self.finished:
            self._begin()
        return [txn]

    def snapshot_state(self, checkpoint_id: int) -> Any:
        return {"has_current": self.has_current, "current": self.current}

    def close(self) -> None:
        if self.has_current:
            txn = self.current
            self.current, self.has_current = None, False
            self.sink.abort(txn)


class _TwoPhaseCommitCommitter(Committer):
    def __init__(self, sink: TwoPhaseCommitSink) -> None:
        self.sink = sink
        self.recovering = True

    def commit(self, committables: list) -> None:
        first_error: BaseException | None = None
        for txn in committables:
            try:
                if self.recovering:
                    self.sink.recover_and_commit(txn)
                else:
                    self.sink.commit(txn)
            except Exception as e:  # noqa: BLE001 - try every transaction, then raise the first error
                if first_error is None:
                    first_error = e
        if first_error is not None:
            raise first_error
