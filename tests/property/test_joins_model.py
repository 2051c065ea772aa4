"""Interval join and window join against nested-loop reference models (semantics reference §7)."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit"))

from _window_helpers import collect, make_env, punctuated  # noqa: E402

from flinklite.datastream.functions import ProcessJoinFunction  # noqa: E402
from flinklite.datastream.window import TumblingEventTimeWindows  # noqa: E402


class Pair(ProcessJoinFunction):
    def process_element(self, left, right, ctx):
        yield (left[2], right[2], ctx.get_timestamp())


events = st.lists(st.tuples(st.sampled_from(["x", "y"]), st.integers(0, 60)), max_size=15)


def _inputs(left, right, parallelism):
    """Tagged records of both sides and their streams; no watermarks until the end, so nothing
    is late (an empty side gets one record of a key the other side never has)."""
    lefts = [(k, t, f"l{i}") for i, (k, t) in enumerate(left)]
    rights = [(k, t, f"r{i}") for i, (k, t) in enumerate(right)]
    env = make_env(parallelism)
    a = env.from_collection(lefts or [("z", 0, "lz")]).assign_timestamps_and_watermarks(punctuated(10**6)) \
        .set_parallelism(1)
    b = env.from_collection(rights or [("w", 0, "rw")]).assign_timestamps_and_watermarks(punctuated(10**6)) \
        .set_parallelism(1)
    return lefts, rights, a, b


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(events, events, st.integers(-10, 10), st.integers(0, 15), st.booleans(), st.booleans(), st.integers(1, 3))
def test_interval_join_matches_nested_loop(left, right, lo, width, lo_ex, hi_ex, parallelism):
    hi = lo + width
    # no watermarks until the end: nothing is late, every pair must be found exactly once
    lefts, rights, a, b = _inputs(left, right, parallelism)
    j = a.key_by(lambda v: v[0]).interval_join(b.key_by(lambda v: v[0])).between(lo, hi)
    if lo_ex:
        j = j.lower_bound_exclusive()
    if hi_ex:
        j = j.upper_bound_exclusive()
    got = Counter(collect(j.process(Pair())))
    elo, ehi = lo + lo_ex, hi - hi_ex
    want = Counter((lv[2], rv[2], max(lv[1], rv[1])) for lv in lefts for rv in rights
                   if lv[0] == rv[0] and lv[1] + elo <= rv[1] <= lv[1] + ehi)
    assert got == want


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(events, events, st.integers(1, 20), st.integers(1, 3))
def test_window_join_matches_nested_loop(left, right, size, parallelism):
    lefts, rights, a, b = _inputs(left, right, parallelism)
    out = a.join(b).where(lambda v: v[0]).equal_to(lambda v: v[0]).window(TumblingEventTimeWindows.of(size)) \
        .apply(lambda x, y: (x[2], y[2]))
    got = Counter(collect(out))
    want = Counter((lv[2], rv[2]) for lv in lefts for rv in rights
                   if lv[0] == rv[0] and lv[1] // size == rv[1] // size)
    assert got == want
