"""The NFA's hot path (flinklite/cep/_nfa.py _Plan): conditions of the event alone are called once
per branch and event, iterative conditions still see the partial match, and an event no branch
takes leaves no trace in the shared buffer."""

from __future__ import annotations

from _cep_helpers import letter, run

from flinklite.cep import Pattern
from flinklite.cep._nfa import NFA
from flinklite.cep._nfa_compiler import compile_pattern


def test_a_followed_by_step_calls_its_condition_once_per_branch_and_event():
    calls = []

    def is_b(e):
        calls.append(e)
        return e.startswith("b")

    pattern = Pattern.begin("a").where(letter("a")).followed_by("b").where(is_b)
    assert run(pattern, ["a", "x", "y", "b"]) == ["a b"]
    assert calls == ["x", "y", "b"]  # one branch waits for b: TAKE tested, IGNORE reuses it


def test_iterative_conditions_see_the_partial_match():
    pattern = (Pattern.begin("a").where(letter("a")).one_or_more().consecutive()
               .next("b").where(lambda e, ctx: len(ctx.get_events_for_pattern("a")) == 2 and e == "b"))
    assert sorted(run(pattern, ["a1", "a2", "b"])) == ["a1 a2 b"]


def test_events_no_branch_takes_are_not_stored():
    pattern = Pattern.begin("a").where(letter("a")).followed_by("b").where(letter("b"))
    nfa = NFA(compile_pattern(pattern))
    data = nfa.initial_data()
    for i, e in enumerate(["x", "a", "y", "z"]):
        nfa.process(data, e, i)
    assert [v[0] for v in data[2][0].values()] == ["a"]
    assert len(nfa.process(data, "b", 9)) == 1 and not data[2][0] and not data[2][1]
