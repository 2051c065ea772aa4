"""The CEP NFA against a brute-force matcher, over small random patterns and streams.

The brute-force matcher enumerates event assignments straight from the contiguity rules in
Flink's documentation: strict (``next``: the very next event), relaxed (``followed_by``: the
first later event that matches) and non-deterministic relaxed (``followed_by_any``: any later
event that matches), between steps and, for looping steps, between the events of one step
(``consecutive`` / default / ``allow_combinations``), and for NOT steps (``not_next``: the next
event must not match; ``not_followed_by``: no matching event before the next step's event, or,
at the end, inside the window). Under ``no_skip`` every such assignment is a match, once, if it
fits in the ``within`` window. The NFA (compiler, Dewey versions,
shared buffer) has to produce exactly that multiset, and the operator the same, whatever order
the events arrive in within the watermark's bound.
"""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flinklite.cep import Pattern
from flinklite.cep._nfa import NFA
from flinklite.cep._nfa_compiler import compile_pattern
from flinklite.cep._operator import CepOperator
from flinklite.cep.functions import PatternProcessFunction
from flinklite.testing import KeyedOneInputOperatorHarness

LETTERS = "abc"
CONTIGUITY = ("next", "followed_by", "followed_by_any")
INNER = ("consecutive", "relaxed", "allow_combinations")


@st.composite
def specs(draw):
    """A pattern as data: steps of (letters, contiguity to the step before, kind, n, inner)."""
    n_steps = draw(st.integers(1, 3))
    steps = []
    for j in range(n_steps):
        letters = draw(st.sets(st.sampled_from(LETTERS), min_size=1, max_size=2))
        contiguity = draw(st.sampled_from(CONTIGUITY))
        kinds = ["single", "times", "one_or_more"] + (["optional"] if 0 < j < n_steps - 1 else [])
        kind = draw(st.sampled_from(kinds))
        n = draw(st.integers(1, 3)) if kind == "times" else 1
        inner = draw(st.sampled_from(INNER))
        steps.append((frozenset(letters), contiguity, kind, n, inner))
    window = draw(st.none() | st.integers(1, 6))
    # NOT steps: between two single steps, or after the last one (not_followed_by needs a window)
    nots: dict[int, tuple] = {}
    for j in range(1, n_steps + 1):
        before_single = steps[j - 1][2] == "single"
        after_single = j == n_steps or steps[j][2] == "single"
        if before_single and after_single and draw(st.booleans()):
            kinds = ["not_next"] + (["not_followed_by"] if j < n_steps or window is not None else [])
            nots[j] = (frozenset(draw(st.sets(st.sampled_from(LETTERS), min_size=1, max_size=1))),
                       draw(st.sampled_from(kinds)))
    return steps, window, nots


def build(spec) -> Pattern:
    steps, window, nots = spec
    p = None
    for j, (letters, contiguity, kind, n, inner) in enumerate(steps):
        name = f"s{j}"
        if j in nots:
            not_letters, not_kind = nots[j]
            p = getattr(p, not_kind)(f"n{j}").where(lambda e, ls=not_letters: e[0] in ls)
        p = Pattern.begin(name) if p is None else getattr(p, contiguity)(name)
        p.where(lambda e, letters=letters: e[0] in letters)
        if kind == "times":
            p.times(n)
        elif kind == "one_or_more":
            p.one_or_more()
        elif kind == "optional":
            p.optional()
        if kind in ("times", "one_or_more") and inner != "relaxed":
            getattr(p, inner)()
    if len(steps) in nots:
        not_letters, not_kind = nots[len(steps)]
        p = getattr(p, not_kind)(f"n{len(steps)}").where(lambda e, ls=not_letters: e[0] in ls)
    if window is not None:
        p.within(window)
    return p


def _next_events(events, prev, letters, rule):
    """Indices the rule allows after index ``prev``."""
    ok = [i for i in range(prev + 1, len(events)) if events[i][0] in letters]
    if rule in ("next", "consecutive"):
        return [prev + 1] if prev + 1 < len(events) and events[prev + 1][0] in letters else []
    if rule in ("followed_by", "relaxed"):
        return ok[:1]
    return ok


def brute_force(spec, events, timestamps):
    steps, window, nots = spec
    out = []

    def fits(first, t):
        return window is None or t - timestamps[first] < window

    def step(j, prev, taken):
        if j == len(steps):
            first, last = taken[0][1], taken[-1][1]
            if not fits(first, timestamps[last]):
                return
            if j in nots:  # a NOT after the last step
                not_letters, not_kind = nots[j]
                if not_kind == "not_next":
                    # completed by the next event, if it is not forbidden (and still in the window)
                    if last + 1 >= len(events) or events[last + 1][0] in not_letters \
                            or not fits(first, timestamps[last + 1]):
                        return
                elif any(events[e][0] in not_letters and fits(first, timestamps[e])
                         for e in range(last + 1, len(events))):
                    return  # a forbidden event inside the window
            out.append(tuple(taken))
            return
        letters, contiguity, kind, n, inner = steps[j]
        if j == 0:
            firsts = [i for i, e in enumerate(events) if e[0] in letters]
        else:
            firsts = _next_events(events, prev, letters, contiguity)
            if j in nots:
                not_letters, not_kind = nots[j]
                if not_kind == "not_next":
                    if prev + 1 >= len(events) or events[prev + 1][0] in not_letters:
                        return
                else:
                    # no forbidden event after the previous step, up to the taken one; the taken
                    # one may be forbidden too only if it completes the match (as in Flink, a
                    # branch reaching the final state is kept when its sibling hits a stop state)
                    last = 0 if j == len(steps) - 1 and len(steps) not in nots else 1
                    firsts = [i for i in firsts
                              if not any(events[e][0] in not_letters for e in range(prev + 1, i + last))]
        if kind == "optional":
            step(j + 1, prev, taken)
        for i in firsts:
            loop(j, i, 1, taken + [(j, i)])

    def loop(j, last, count, taken):
        letters, contiguity, kind, n, inner = steps[j]
        if kind in ("single", "optional") or count == n or kind == "one_or_more":
            step(j + 1, last, taken)
        if (kind == "times" and count < n) or kind == "one_or_more":
            for i in _next_events(events, last, letters, inner):
                loop(j, i, count + 1, taken + [(j, i)])

    step(0, -1, [])
    return sorted(out)


def nfa_matches(spec, events, timestamps):
    nfa = NFA(compile_pattern(build(spec)))
    data = nfa.initial_data()
    index = {e: i for i, e in enumerate(events)}
    out = []
    matches = []
    for e, t in zip(events, timestamps):
        matches += nfa.advance_time(data, t)[0]
        matches += nfa.process(data, e, t)
    matches += nfa.advance_time(data, 2**63 - 1)[0]  # the end of input: pending NOTs complete
    for m in matches:
        out.append(tuple((int(name[1:]), index[x]) for name, xs in m.items() for x in xs))
    return sorted(tuple(sorted(m, key=lambda p: p[1])) for m in out)


@st.composite
def streams(draw):
    n = draw(st.integers(0, 9))
    letters = draw(st.lists(st.sampled_from(LETTERS), min_size=n, max_size=n))
    gaps = draw(st.lists(st.integers(0, 2), min_size=n, max_size=n))
    ts, t = [], 0
    for g in gaps:
        t += g
        ts.append(t)
    return [f"{c}{i}" for i, c in enumerate(letters)], ts


def _check(spec, stream):
    events, ts = stream
    expected = brute_force(spec, events, ts)
    got = nfa_matches(spec, events, ts)
    assert got == expected, f"pattern {build(spec)!r} over {list(zip(events, ts))}"


@settings(max_examples=300, deadline=None)
@given(specs(), streams())
def test_nfa_equals_brute_force(spec, stream):
    _check(spec, stream)


@pytest.mark.slow
@settings(max_examples=5000, deadline=None)
@given(specs(), streams())
def test_nfa_equals_brute_force_long(spec, stream):
    _check(spec, stream)


class _Ids(PatternProcessFunction):
    def process_match(self, match, ctx):
        yield tuple(sorted((int(name[1:]), int(e[1:])) for name, xs in match.items() for e in xs))


@settings(max_examples=60, deadline=None)
@given(specs(), streams(), st.integers(0, 2**16))
def test_operator_sorts_out_of_order_input(spec, stream, seed):
    """Events shuffled within the watermark's bound give the matches of the sorted stream."""
    events, ts = stream
    order = list(range(len(events)))
    random.Random(seed).shuffle(order)
    order.sort(key=lambda i: ts[i] // 4)  # shuffled inside 4 ms buckets only
    h = KeyedOneInputOperatorHarness(CepOperator(build(spec), _Ids()), key_selector=lambda e: 0)
    max_seen = None
    for i in order:
        h.process_element(events[i], ts[i])
        max_seen = ts[i] if max_seen is None else max(max_seen, ts[i])
        h.process_watermark(max_seen - 4)
    h.process_watermark(2**63 - 1)
    # the operator matches by timestamp, events of one timestamp in arrival order
    processed = sorted(order, key=lambda i: ts[i])
    expected = brute_force(spec, [events[i] for i in processed], [ts[i] for i in processed])
    expected = sorted(tuple(sorted((j, processed[pos]) for j, pos in m)) for m in expected)
    assert sorted(h.extract_output_values()) == expected
