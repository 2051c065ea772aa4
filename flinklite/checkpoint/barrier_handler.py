"""Barrier handling in a task (Flink's ``SingleCheckpointBarrierHandler`` with its alignment
states, and ``CheckpointBarrierTracker`` for at-least-once).

**Aligned exactly-once.** When barrier ``n`` arrives on a channel, that channel is *blocked*: its
later elements stay queued, unread, because they belong to checkpoint ``n+1``. When every open
channel has delivered barrier ``n`` (a finished channel counts as aligned), the task snapshots
its state, forwards the barrier and unblocks everything. So the snapshot holds exactly the
effects of the records before the barrier on every channel. A newer barrier aborts an older,
unfinished alignment. The protocol is a small state machine, one class per state:

    WaitingForFirstBarrier --barrier n--> CollectingBarriers(n) --all aligned--> (snapshot)
            ^                                   |  newer barrier m: abort n, collect m
            +-----------------------------------+

**At-least-once.** Nothing blocks; the task counts barriers per id and snapshots when the count
reaches the number of open channels. Records from fast channels that overtake the barrier are
in the snapshot *and* replayed after recovery: duplicates, never loss.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["AlignedBarrierHandler", "AtLeastOnceBarrierHandler", "WaitingForFirstBarrier", "CollectingBarriers"]


class _State:
    def on_barrier(self, h: AlignedBarrierHandler, checkpoint_id: int, channel) -> _State:
        raise NotImplementedError

    def on_end_of_partition(self, h: AlignedBarrierHandler, channel) -> _State:
        return self


class WaitingForFirstBarrier(_State):
    def on_barrier(self, h, checkpoint_id, channel):
        if checkpoint_id <= h.last_completed:
            return self  # a stale barrier (e.g. of an aborted checkpoint): ignore
        return CollectingBarriers(checkpoint_id).on_barrier(h, checkpoint_id, channel)


class CollectingBarriers(_State):
    def __init__(self, checkpoint_id: int) -> None:
        self.checkpoint_id = checkpoint_id
        self.aligned: set[int] = set()

    def on_barrier(self, h, checkpoint_id, channel):
        if checkpoint_id < self.checkpoint_id:
            return self
        if checkpoint_id > self.checkpoint_id:  # a newer checkpoint overtakes this one: abort it
            h.unblock_all()
            h.on_abort(self.checkpoint_id)
            return CollectingBarriers(checkpoint_id).on_barrier(h, checkpoint_id, channel)
        channel.blocked = True
        self.aligned.add(id(channel))
        return self._maybe_complete(h)

    def on_end_of_partition(self, h, channel):
        self.aligned.add(id(channel))
        return self._maybe_complete(h)

    def _maybe_complete(self, h) -> _State:
        # a finished channel sends nothing more, so it counts as aligned
        if all(ch.finished or id(ch) in self.aligned for ch in h.channels):
            h.last_completed = self.checkpoint_id
            h.on_aligned(self.checkpoint_id)
            h.unblock_all()
            return WaitingForFirstBarrier()
        return self


class AlignedBarrierHandler:
    def __init__(self, channels: list, on_aligned: Callable[[int], None], on_abort: Callable[[int], None]) -> None:
        self.channels = channels
        self.on_aligned = on_aligned
        self.on_abort = on_abort
        self.state: _State = WaitingForFirstBarrier()
        self.last_completed = 0

    def barrier(self, checkpoint_id: int, channel) -> None:
        self.state = self.state.on_barrier(self, checkpoint_id, channel)

    def end_of_partition(self, channel) -> None:
        self.state = self.state.on_end_of_partition(self, channel)

    def unblock_all(self) -> None:
        for ch in self.channels:
            ch.blocked = False

    @property
    def aligning(self) -> bool:
        return isinstance(self.state, CollectingBarriers)


class AtLeastOnceBarrierHandler:
    """Tracks, per checkpoint id, *which* channels delivered its barrier (not just how many): a
    channel that delivered barrier ``n`` and then finished must not stand in for an open channel
    whose barrier ``n`` is still on its way, or the snapshot would miss that channel's records
    before the barrier (loss, not just duplicates)."""

    def __init__(self, channels: list, on_aligned: Callable[[int], None], on_abort: Callable[[int], None]) -> None:
        self.channels = channels
        self.on_aligned = on_aligned
        self.on_abort = on_abort
        self.seen: dict[int, set[int]] = {}
        self.last_completed = 0

    def barrier(self, checkpoint_id: int, channel) -> None:
        if checkpoint_id <= self.last_completed:
            return
        self.seen.setdefault(checkpoint_id, set()).add(id(channel))
        self._check(checkpoint_id)

    def _check(self, checkpoint_id: int) -> bool:
        seen = self.seen.get(checkpoint_id, ())
        # a finished channel sends nothing more, so it counts as delivered
        if all(ch.finished or id(ch) in seen for ch in self.channels):
            for older in [c for c in self.seen if c < checkpoint_id]:
                del self.seen[older]
                self.on_abort(older)
            self.seen.pop(checkpoint_id, None)
            self.last_completed = checkpoint_id
            self.on_aligned(checkpoint_id)
            return True
        return False

    def end_of_partition(self, channel) -> None:
        for cid in sorted(self.seen):
            self._check(cid)
            break

    @property
    def aligning(self) -> bool:
        return False
