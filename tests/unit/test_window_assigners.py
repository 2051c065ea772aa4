"""Window types, assigners, MergingWindowSet and triggers (semantics reference §3.1-3.5)."""

from __future__ import annotations

import pytest

from flinklite.datastream.window import (
    CountSlidingWindowAssigner,
    CountWindow,
    EventTimeSessionWindows,
    GlobalWindow,
    SlidingEventTimeWindows,
    TimeWindow,
    TriggerResult,
    TumblingEventTimeWindows,
)
from flinklite.errors import InvalidProgramException
from flinklite.runtime.operators.window import MergingWindowSet


def test_time_window_basics():
    w = TimeWindow(0, 10)
    assert w.max_timestamp() == 9
    assert w == TimeWindow(0, 10) and hash(w) == hash(TimeWindow(0, 10))
    assert w.intersects(TimeWindow(10, 20))  # touching windows intersect
    assert not w.intersects(TimeWindow(11, 20))
    assert w.cover(TimeWindow(5, 30)) == TimeWindow(0, 30)
    assert GlobalWindow() is GlobalWindow.get() and GlobalWindow().max_timestamp() == 2**63 - 1
    assert CountWindow(3) == CountWindow(3) != CountWindow(4)


@pytest.mark.parametrize("ts,offset,size,start", [
    (-1, 0, 10, -10), (0, 0, 10, 0), (9, 0, 10, 0), (-1500, 0, 1000, -2000),
    (249, 250, 1000, -750), (250, 250, 1000, 250), (-10, 3, 10, -17), (5, -3, 10, -3),
])
def test_window_start(ts, offset, size, start):
    assert TimeWindow.get_window_start_with_offset(ts, offset, size) == start
    assert TumblingEventTimeWindows.of(size, offset).assign_windows(None, ts, None) == [TimeWindow(start, start + size)]


def test_sliding_latest_first_and_count():
    ws = SlidingEventTimeWindows.of(10, 3).assign_windows(None, 7, None)
    assert [w.start for w in ws] == [6, 3, 0]  # [-3, 7) does not contain 7
    assert all(w.start <= 7 < w.end for w in ws)
    assert SlidingEventTimeWindows.of(1000, 500, -250).assign_windows(None, -1500, None) == [
        TimeWindow(-1750, -750), TimeWindow(-2250, -1250)]


def test_assigner_checks():
    with pytest.raises(InvalidProgramException):
        TumblingEventTimeWindows.of(10, 10)
    with pytest.raises(InvalidProgramException):
        SlidingEventTimeWindows.of(10, 5, 5)
    with pytest.raises(InvalidProgramException):
        EventTimeSessionWindows.with_gap(0)
    with pytest.raises(InvalidProgramException, match="timestamp"):
        TumblingEventTimeWindows.of(10).assign_windows(None, -(2**63), None)


def test_trigger_result_flags():
    assert TriggerResult.FIRE.is_fire() and not TriggerResult.FIRE.is_purge()
    assert TriggerResult.FIRE_AND_PURGE.is_fire() and TriggerResult.FIRE_AND_PURGE.is_purge()
    assert not TriggerResult.PURGE.is_fire() and TriggerResult.PURGE.is_purge()
    assert not TriggerResult.CONTINUE.is_fire() and not TriggerResult.CONTINUE.is_purge()


class _Ctx:
    def __init__(self, rt):
        self.rt = rt

    def get_runtime_context(self):
        return self.rt


class _Rt:
    def __init__(self):
        self.v = None

    def get_state(self, desc):
        rt = self

        class S:
            def value(self):
                return rt.v

            def update(self, v):
                rt.v = v
        return S()


def test_count_sliding_assigner_pyflink_semantics():
    a = CountSlidingWindowAssigner.of(3, 2)
    ctx = _Ctx(_Rt())
    got = [[w.id for w in a.assign_windows(None, 0, ctx)] for _ in range(6)]
    assert got == [[0], [0], [1, 0], [1], [2, 1], [2]]


def _mset():
    calls = []
    ms = MergingWindowSet(EventTimeSessionWindows.with_gap(10), {})
    return ms, calls, lambda r, merged, sw, msw: calls.append((r, sorted(merged), sw, sorted(msw)))


def test_merging_window_set_touching_and_bridge():
    ms, calls, cb = _mset()
    assert ms.add_window(TimeWindow(0, 10), cb) == TimeWindow(0, 10)
    assert ms.add_window(TimeWindow(20, 30), cb) == TimeWindow(20, 30)
    assert calls == []
    # [10, 20) touches both: a three-way merge into [0, 30)
    r = ms.add_window(TimeWindow(10, 20), cb)
    assert r == TimeWindow(0, 30)
    assert ms.mapping == {TimeWindow(0, 30): TimeWindow(0, 10)}
    assert calls == [(TimeWindow(0, 30), [TimeWindow(0, 10), TimeWindow(20, 30)], TimeWindow(0, 10),
                      [TimeWindow(20, 30)])]
    # a window inside an existing one: no callback, the existing window is returned
    calls.clear()
    assert ms.add_window(TimeWindow(5, 15), cb) == TimeWindow(0, 30)
    ms.retire_window(TimeWindow(0, 30))
    assert ms.mapping == {}


def test_merging_window_set_separate():
    ms, calls, cb = _mset()
    ms.add_window(TimeWindow(0, 10), cb)
    ms.add_window(TimeWindow(11, 21), cb)
    assert len(ms.mapping) == 2 and calls == []
