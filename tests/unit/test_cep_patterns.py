"""Flink's documented CEP examples (docs/libs/cep.md), run through the real CepOperator, with
the results the Flink documentation gives."""

from __future__ import annotations

import pytest
from _cep_helpers import harness, letter, run

from flinklite.cep import AfterMatchSkipStrategy as Skip
from flinklite.cep import Pattern


# -- contiguity between steps: "a b" over a, c, b1, b2 ------------------------------------------
@pytest.mark.parametrize("contiguity, expected", [
    ("next", []),                            # strict: the c after a discards a
    ("followed_by", ["a b1"]),               # relaxed: skip till the next matching event
    ("followed_by_any", ["a b1", "a b2"]),   # non-deterministic relaxed
])
def test_contiguity_between_steps(contiguity, expected):
    p = getattr(Pattern.begin("a").where(letter("a")), contiguity)("b").where(letter("b"))
    assert sorted(run(p, ["a", "c", "b1", "b2"])) == expected


# -- contiguity inside a loop: C D A1 A2 A3 D A4 B ----------------------------------------------
EVENTS = "C D A1 A2 A3 D A4 B".split()


def _loop(inner: str | None, outer: str = "followed_by") -> Pattern:
    p = getattr(Pattern.begin("start").where(letter("C")), outer)("middle").where(letter("A")).one_or_more()
    if inner:
        getattr(p, inner)()
    return p.followed_by("end1").where(letter("B"))


def test_consecutive():
    assert sorted(run(_loop("consecutive"), EVENTS)) == ["C A1 A2 A3 B", "C A1 A2 B", "C A1 B"]


def test_relaxed_inner_contiguity_is_the_default():
    assert sorted(run(_loop(None), EVENTS)) == ["C A1 A2 A3 A4 B", "C A1 A2 A3 B", "C A1 A2 B", "C A1 B"]


def test_allow_combinations():
    # The docs list 15 matches, including some that skip A1 (C A2 B, ...). Those need
    # non-deterministic contiguity between "start" and "middle" as well: with followed_by the first
    # A after C must be taken, which leaves the 8 combinations that start with A1.
    docs = ["C A1 B", "C A1 A2 B", "C A1 A3 B", "C A1 A4 B", "C A1 A2 A3 B", "C A1 A2 A4 B", "C A1 A3 A4 B",
            "C A1 A2 A3 A4 B", "C A2 B", "C A2 A3 B", "C A2 A4 B", "C A2 A3 A4 B", "C A3 B", "C A3 A4 B", "C A4 B"]
    assert sorted(run(_loop("allow_combinations", "followed_by_any"), EVENTS)) == sorted(docs)
    assert sorted(run(_loop("allow_combinations"), EVENTS)) == sorted(m for m in docs if m.startswith("C A1"))


# -- quantifiers ---------------------------------------------------------------------------------
def test_times_exact_and_range():
    p = Pattern.begin("a").where(letter("a")).times(2)
    assert sorted(run(p, ["a1", "x", "a2", "a3"])) == ["a1 a2", "a2 a3"]
    p = Pattern.begin("s").where(letter("s")).followed_by("a").where(letter("a")).times(2, 3).consecutive()
    # every run of 2 or 3 consecutive a's after s, reluctantly: the shortest first
    assert run(p, ["s", "a1", "a2", "a3", "a4"]) == ["s a1 a2", "s a1 a2 a3"]


def test_times_zero_makes_the_step_optional():
    p = Pattern.begin("s").where(letter("s")).followed_by("a").where(letter("a")).times(0, 2) \
        .followed_by("e").where(letter("e"))
    assert sorted(run(p, ["s", "e"])) == ["s e"]
    assert sorted(run(p, ["s", "a1", "a2", "e"])) == ["s a1 a2 e", "s a1 e", "s e"]


def test_times_or_more():
    p = Pattern.begin("s").where(letter("s")).followed_by("a").where(letter("a")).times_or_more(2) \
        .followed_by("e").where(letter("e"))
    assert sorted(run(p, ["s", "a1", "e", "a2", "a3", "e"])) == ["s a1 a2 a3 e", "s a1 a2 e"]


def test_optional_step():
    p = Pattern.begin("a").where(letter("a")).followed_by("b").where(letter("b")).optional() \
        .followed_by("c").where(letter("c"))
    assert run(p, ["a", "c"]) == ["a c"]
    assert sorted(run(p, ["a", "b", "c"])) == ["a b c", "a c"]


def test_one_or_more_reluctant_emits_every_length_and_skip_to_next_keeps_the_shortest():
    # docs: pattern "a b+" over a b1 b2 b3
    p = Pattern.begin("a").where(letter("a")).followed_by("b").where(letter("b")).one_or_more()
    assert run(p, ["a", "b1", "b2", "b3"]) == ["a b1", "a b1 b2", "a b1 b2 b3"]
    p = Pattern.begin("a", Skip.skip_to_next()).where(letter("a")).followed_by("b").where(letter("b")).one_or_more()
    assert run(p, ["a", "b1", "b2", "b3"]) == ["a b1"]


def test_greedy_takes_as_many_as_possible():
    p = Pattern.begin("a").where(letter("a")).followed_by("b").where(letter("b")).one_or_more().greedy() \
        .followed_by("c").where(letter("c"))
    # reluctant would also give "a b1 c" and "a b1 b2 c"; greedy keeps taking b's
    assert sorted(run(p, ["a", "b1", "b2", "b3", "c"])) == ["a b1 b2 b3 c"]


def test_greedy_loop_skips_noise_and_until_ends_it():
    base = Pattern.begin("a").where(letter("a")).followed_by("b").where(letter("b")).one_or_more().greedy()
    events = ["a", "b1", "b2", "stop", "b3", "c"]
    p = base.followed_by("c").where(letter("c"))
    assert run(p, events) == ["a b1 b2 b3 c"]  # relaxed inside the loop: "stop" is skipped
    base = Pattern.begin("a").where(letter("a")).followed_by("b").where(letter("b")).one_or_more().greedy()
    p = base.until(lambda e: e == "stop").followed_by("c").where(letter("c"))
    assert run(p, events) == ["a b1 b2 c"]  # until closes the loop; b3 is skipped before c


def test_until_stops_a_loop():
    p = Pattern.begin("a").where(letter("a")).followed_by("b").where(letter("b")).one_or_more() \
        .until(lambda e: e == "stop").followed_by("c").where(letter("c"))
    assert sorted(run(p, ["a", "b1", "stop", "b2", "c"])) == ["a b1 c"]


# -- NOT steps -------------------------------------------------------------------------------------
def test_not_next():
    p = Pattern.begin("a").where(letter("a")).not_next("b").where(letter("b")).followed_by("c").where(letter("c"))
    assert run(p, ["a", "b", "c"]) == []
    assert run(p, ["a", "x", "c"]) == ["a c"]
    q = Pattern.begin("a").where(letter("a")).not_next("b").where(letter("b"))  # NOT at the end
    assert run(q, ["a1", "b", "a2", "x"]) == ["a2"]


def test_not_followed_by():
    p = Pattern.begin("a").where(letter("a")).not_followed_by("b").where(letter("b")) \
        .followed_by("c").where(letter("c"))
    assert run(p, ["a", "x", "b", "c"]) == []
    assert run(p, ["a", "x", "c"]) == ["a c"]


def test_not_followed_by_at_the_end_needs_a_window_and_matches_when_it_passes():
    # docs: a pattern may end with notFollowedBy when it has a window
    p = Pattern.begin("a").where(letter("a")).not_followed_by("b").where(letter("b")).within(10)
    h = harness(p)
    for e, t in [("a1", 0), ("x", 3), ("b", 12), ("a2", 20), ("a3", 25), ("b", 30)]:
        h.process_element(e, t)
    h.process_watermark(2**63 - 1)
    # a1: no b in [0, 10): a match once time reaches 10 (at the b at 12). a2: the b at 30 is
    # outside [20, 30): a match at 30, before that b is looked at. a3 sees it: discarded.
    assert [(r.value, r.timestamp) for r in h.extract_output()] == [("a1", 12), ("a2", 30)]
    p = Pattern.begin("start").next("middle").where(letter("a")).not_followed_by("end").where(letter("b")) \
        .within(10)
    assert run(p, ["s", "a", "x"]) == ["s a"]
    assert run(p, ["s", "a", "b"]) == []


# -- after-match skip strategies: "b+ c" over b1 b2 b3 c ---------------------------------------------
@pytest.mark.parametrize("skip, expected", [
    (Skip.no_skip(), ["b1 b2 b3 c", "b2 b3 c", "b3 c"]),
    (Skip.skip_to_next(), ["b1 b2 b3 c", "b2 b3 c", "b3 c"]),
    (Skip.skip_past_last_event(), ["b1 b2 b3 c"]),
    (Skip.skip_to_first("b"), ["b1 b2 b3 c", "b2 b3 c", "b3 c"]),
    (Skip.skip_to_last("b"), ["b1 b2 b3 c", "b3 c"]),
])
def test_skip_strategies_table(skip, expected):
    # the docs' table; its results hold for strict contiguity inside the loop and before c
    p = Pattern.begin("b", skip).where(letter("b")).one_or_more().consecutive().next("c").where(letter("c"))
    assert run(p, ["b1", "b2", "b3", "c"]) == expected


@pytest.mark.parametrize("skip, expected", [
    (Skip.no_skip(), ["a b c1 c2 c3 d", "b c1 c2 c3 d", "c1 c2 c3 d"]),
    (Skip.skip_to_first("c"), ["a b c1 c2 c3 d", "c1 c2 c3 d"]),
])
def test_skip_to_first_vs_no_skip(skip, expected):
    # docs: (a | b | c) (b | c) c+.greedy d over a b c1 c2 c3 d
    p = (Pattern.begin("a", skip).where(letter("a")).or_(letter("b")).or_(letter("c"))
         .followed_by("b").where(letter("b")).or_(letter("c"))
         .followed_by("c").where(letter("c")).one_or_more().greedy()
         .followed_by("d").where(letter("d")))
    assert run(p, "a b c1 c2 c3 d".split()) == expected
