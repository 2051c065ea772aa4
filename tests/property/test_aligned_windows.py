"""The aligned-window operator against the general window operator, record for record.

Both operators run side by side in operator harnesses and get the same random script: batches of
out-of-order elements (``None`` values included where the contents allow them), watermarks, and
snapshots restored into a fresh operator *of the other kind* (so each reads the other's checkpoint
format) at a random point. After every step the main output (values, timestamps, order), the late
side output, the forwarded watermarks and the ``clear()`` calls must be identical.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flinklite.datastream import OutputTag
from flinklite.datastream.functions import AggregateFunction, ProcessWindowFunction, WindowFunction
from flinklite.datastream.state import ValueStateDescriptor
from flinklite.datastream.window import EventTimeTrigger, SlidingEventTimeWindows, TumblingEventTimeWindows
from flinklite.runtime.operators.aligned_window import AlignedWindowOperator
from flinklite.runtime.operators.window import WindowOperator, WindowSpec
from flinklite.testing import KeyedOneInputOperatorHarness

LATE = OutputTag("late")
EXAMPLES = 1000 if os.environ.get("FLINKLITE_SLOW") else 200


class Mean(AggregateFunction):
    def create_accumulator(self):
        return [0, 0]

    def add(self, value, acc):
        return [acc[0] + value[2], acc[1] + 1]

    def get_result(self, acc):
        return (acc[0], acc[1])

    def merge(self, a, b):
        return [a[0] + b[0], a[1] + b[1]]


class Tag(WindowFunction):
    def apply(self, key, window, inputs):
        return [(key, window.start, window.end, sorted(map(repr, inputs)))]


class Firings(ProcessWindowFunction):
    """Counts its firings per window in window state, reads the watermark, records clear() calls."""

    def __init__(self, cleared: list) -> None:
        self.cleared = cleared

    def process(self, key, context, elements):
        w = context.window()
        count = context.window_state().get_state(ValueStateDescriptor("n"))
        n = (count.value() or 0) + 1
        count.update(n)
        yield (key, w.start, sorted(e[2] for e in elements), n, context.current_watermark())

    def clear(self, context):
        count = context.window_state().get_state(ValueStateDescriptor("n"))
        self.cleared.append((context.window().start, count.value()))
        count.clear()


def _key(v):
    return "a" if v is None else v[0]  # a None clears a pane of key "a"


@st.composite
def scripts(draw):
    size = draw(st.sampled_from([4, 5, 10]))
    sliding = draw(st.booleans())
    slide = draw(st.sampled_from([d for d in (1, 2, 5) if d < size])) if sliding else size
    offset = draw(st.integers(-(slide - 1), slide - 1))
    kind = draw(st.sampled_from(["aggregate", "reduce", "reduce+wf", "list+wf", "list+pwf"]))
    lateness = 0 if kind == "list+pwf" else draw(st.sampled_from([0, 0, 3, 12]))
    nulls = not kind.startswith("list")
    value = st.tuples(st.sampled_from("abc"), st.integers(0, 30), st.integers(0, 9))
    element = st.one_of(value, st.none()) if nulls else value
    steps = draw(st.lists(st.one_of(
        st.tuples(st.just("batch"), st.lists(element, min_size=1, max_size=6)),
        st.tuples(st.just("wm"), st.integers(-2, 45)),
        st.tuples(st.just("restore"), st.none()),
    ), max_size=14))
    return dict(size=size, slide=slide, offset=offset, kind=kind, lateness=lateness, steps=steps,
                late_tag=draw(st.booleans()))


def _spec(s: dict, cleared: list) -> WindowSpec:
    if s["slide"] == s["size"]:
        assigner = TumblingEventTimeWindows(s["size"], s["offset"])
    else:
        assigner = SlidingEventTimeWindows(s["size"], s["slide"], s["offset"])
    contents, agg, fn, fn_kind = {
        "aggregate": ("aggregate", Mean(), None, "pass"),
        "reduce": ("reduce", lambda a, b: (a[0], a[1], a[2] + b[2]), None, "pass"),
        "reduce+wf": ("reduce", lambda a, b: (a[0], max(a[1], b[1]), a[2] * b[2]), Tag(), "wf"),
        "list+wf": ("list", None, Tag(), "wf"),
        "list+pwf": ("list", None, Firings(cleared), "pwf"),
    }[s["kind"]]
    return WindowSpec(assigner, EventTimeTrigger(), s["lateness"], LATE if s["late_tag"] else None, None,
                      contents, agg, fn, fn_kind, agg if contents == "aggregate" else None)


def _harness(op, snapshot=None):
    h = KeyedOneInputOperatorHarness(op, _key)
    if snapshot is not None:
        h.restore(snapshot)
    return h


def _observe(h) -> tuple:
    return ([(r.value, r.timestamp) for r in h.extract_output()], h.get_side_output(LATE),
            h.get_emitted_watermarks())


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(scripts())
def test_aligned_operator_equals_general_operator(s):
    run_side_by_side(s)


def _script(steps: list, kind: str = "aggregate", lateness: int = 0) -> dict:
    return dict(size=10, slide=10, offset=0, kind=kind, lateness=lateness, late_tag=True, steps=steps)


def test_a_pane_cleared_by_none_and_refilled_keeps_its_firing_place():
    # "a" registers its timer first; the None clears a's pane (not its timer); a's new element
    # lands after "b" in the window's dict, but "a" must still fire first
    run_side_by_side(_script([("batch", [("a", 1, 1), ("b", 2, 2), None, ("a", 3, 3)]), ("wm", 20)]))


def test_a_window_fired_before_a_restore_fires_again_for_new_elements():
    # watermarks are not in checkpoints: after the restore the window is open again
    run_side_by_side(_script([("batch", [("a", 1, 1), ("b", 2, 2)]), ("wm", 12), ("restore", None),
                              ("batch", [("b", 3, 3)]), ("wm", 13), ("wm", 40)], lateness=12))


def run_side_by_side(s: dict) -> None:
    cleared_a: list = []
    cleared_g: list = []
    assert AlignedWindowOperator.supports(_spec(s, []))
    aligned = _harness(AlignedWindowOperator(_spec(s, cleared_a)))
    general = _harness(WindowOperator(_spec(s, cleared_g)))
    seen_a: list = []
    seen_g: list = []
    for step, arg in s["steps"]:
        if step == "batch":
            ts = [0 if v is None else v[1] for v in arg]
            aligned.process_elements(arg, ts)
            general.process_elements(arg, ts)
        elif step == "wm":
            if arg > aligned.operator.current_watermark:
                aligned.process_watermark(arg)
                general.process_watermark(arg)
        else:  # restart both, each from the other's snapshot
            snap_a, snap_g = aligned.snapshot(), general.snapshot()
            seen_a.append(_observe(aligned))
            seen_g.append(_observe(general))
            aligned = _harness(AlignedWindowOperator(_spec(s, cleared_a)), snap_g)
            general = _harness(WindowOperator(_spec(s, cleared_g)), snap_a)
        assert _observe(aligned) == _observe(general)
        assert cleared_a == cleared_g
    aligned.process_watermark(2**63 - 1)
    general.process_watermark(2**63 - 1)
    assert _observe(aligned) == _observe(general)
    assert seen_a == seen_g
    assert cleared_a == cleared_g
    # nothing is left behind once every window has been cleaned up
    assert aligned.num_keyed_state_entries() == general.num_keyed_state_entries()


def test_supports_only_what_it_implements():
    base = dict(size=10, slide=10, offset=0, kind="aggregate", lateness=0, late_tag=False)
    assert AlignedWindowOperator.supports(_spec(base, []))
    assert AlignedWindowOperator.supports(_spec(dict(base, kind="list+pwf"), []))
    # a ProcessWindowFunction's clear() order across windows is only kept by the general operator
    pwf_late = _spec(dict(base, kind="list+pwf"), [])
    pwf_late.allowed_lateness = 5
    assert not AlignedWindowOperator.supports(pwf_late)
    custom = _spec(base, [])
    custom.trigger = type("MyTrigger", (EventTimeTrigger,), {})()
    assert not AlignedWindowOperator.supports(custom)


@pytest.mark.parametrize("kind", ["aggregate", "list+wf"])
def test_record_without_timestamp_fails_like_the_general_operator(kind):
    from flinklite.runtime.operators.base import UserFunctionError

    base = dict(size=10, slide=10, offset=0, kind=kind, lateness=0, late_tag=False)
    for op in (AlignedWindowOperator(_spec(base, [])), WindowOperator(_spec(base, []))):
        h = _harness(op)
        with pytest.raises(UserFunctionError, match="has no timestamp") as info:
            h.process_elements([("a", 1, 1)])
        assert info.value.record == ("a", 1, 1)
