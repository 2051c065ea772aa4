"""Group patterns (Pattern.begin/next/followed_by/followed_by_any with a Pattern): Flink's
GroupITCase cases, events and expected matches, through the real CepOperator."""

from __future__ import annotations

import pytest
from _cep_helpers import letter, run

from flinklite.cep import MalformedPatternException, Pattern
from flinklite.cep.pattern import GroupPattern


def ab():
    return Pattern.begin("middle1").where(letter("a")).followed_by("middle2").where(letter("b"))


def c_then(connect: str, group_quantifier):
    start = Pattern.begin("start").where(letter("c"))
    group = getattr(start, connect)(ab())
    assert isinstance(group, GroupPattern)
    return group_quantifier(group).followed_by("end").where(letter("d"))


def matches(pattern, events):
    """The matches, each as its events in arrival order (the match lists them step by step)."""
    seq = events.split() if isinstance(events, str) else events
    return sorted(" ".join(sorted(m.split(), key=seq.index)) for m in run(pattern, seq))


ABAB = "c a1 b1 a2 b2 d"
ABABAB = "c a1 b1 a2 b2 a3 b3 d"


@pytest.mark.parametrize("connect, quantifier, events, expected", [
    # c (a b){2} d
    ("followed_by", lambda g: g.times(2), ABAB, ["c a1 b1 a2 b2 d"]),
    # c (a b)? d
    ("followed_by", lambda g: g.optional(), "c a1 a2 b d", ["c a1 b d", "c d"]),
    # c (a b){2}? d
    ("followed_by", lambda g: g.times(2).optional(), "c a d", ["c d"]),
    # c (a b)+ d
    ("followed_by", lambda g: g.one_or_more(), ABAB, ["c a1 b1 a2 b2 d", "c a1 b1 d"]),
    # c (a b)* d
    ("followed_by", lambda g: g.one_or_more().optional(), ABAB, ["c a1 b1 a2 b2 d", "c a1 b1 d", "c d"]),
    # c any (a b){2} d, combinations
    ("followed_by_any", lambda g: g.times(2).allow_combinations(), ABABAB,
     ["c a1 b1 a2 b2 d", "c a1 b1 a3 b3 d", "c a2 b2 a3 b3 d"]),
    # c any (a b){2}? d
    ("followed_by_any", lambda g: g.times(2).optional(), ABABAB,
     ["c a1 b1 a2 b2 d", "c a2 b2 a3 b3 d", "c d"]),
    # c any (a b){1,} d
    ("followed_by_any", lambda g: g.one_or_more(), ABABAB,
     ["c a1 b1 d", "c a2 b2 d", "c a3 b3 d", "c a1 b1 a2 b2 d", "c a2 b2 a3 b3 d", "c a1 b1 a2 b2 a3 b3 d"]),
    # c next (a b)* consecutive d
    ("next", lambda g: g.one_or_more().optional().consecutive(), ABABAB,
     ["c d", "c a1 b1 d", "c a1 b1 a2 b2 d", "c a1 b1 a2 b2 a3 b3 d"]),
])
def test_flink_group_it_cases(connect, quantifier, events, expected):
    assert matches(c_then(connect, quantifier), events) == sorted(expected)


@pytest.mark.parametrize("negation", ["not_followed_by", "not_next"])
def test_a_negation_after_a_group(negation):
    # c any (a b) ^d e
    start = Pattern.begin("start").where(letter("c")).followed_by_any(ab())
    pattern = getattr(start, negation)("notPattern").where(letter("d")).followed_by("end").where(letter("e"))
    assert matches(pattern, "c a1 b1 d a2 b2 e") == ["c a2 b2 e"]


def test_events_are_reported_under_the_inner_step_names():
    from flinklite.cep import PatternProcessFunction

    class Names(PatternProcessFunction):
        def process_match(self, match, ctx):
            yield {k: list(v) for k, v in match.items()}

    pattern = c_then("followed_by", lambda g: g.times(2))
    out = run(pattern, ABAB.split(), fn=Names())
    assert out == [{"start": ["c"], "middle1": ["a1", "a2"], "middle2": ["b1", "b2"], "end": ["d"]}]


def test_a_group_can_begin_a_pattern_and_be_strictly_contiguous():
    pattern = (Pattern.begin(Pattern.begin("x").where(letter("a")).next("y").where(letter("b")))
               .times(2).consecutive().next("end").where(letter("d")))
    assert matches(pattern, "a1 b1 a2 b2 d") == ["a1 b1 a2 b2 d"]
    assert matches(pattern, "a1 b1 z a2 b2 d") == []


def test_group_errors():
    g = Pattern.begin("s").next(ab())
    for call in (lambda: g.where(lambda e: True), lambda: g.or_(lambda e: True), lambda: g.subtype(str)):
        with pytest.raises(MalformedPatternException, match="GroupPattern does not support"):
            call()
    with pytest.raises(MalformedPatternException, match="not applicable to group pattern"):
        g.one_or_more().greedy()
    dup = Pattern.begin("middle1").followed_by(ab())
    with pytest.raises(MalformedPatternException, match="duplicate pattern name 'middle1'"):
        run(dup.followed_by("e"), ["a"])


def nested(consecutive: bool):
    # d any (a (b c){3}){0, 2} e
    bc = Pattern.begin("middle2").where(letter("b")).followed_by("middle3").where(letter("c"))
    inner = Pattern.begin("middle1").where(letter("a")).followed_by(bc).times(3)
    if consecutive:
        inner.consecutive()
    group = Pattern.begin("start").where(letter("d")).followed_by_any(inner).times(0, 2)
    if consecutive:
        group.consecutive()
    return group.followed_by("end").where(letter("e"))


NESTED = "d a1 b1 c1 b2 c2 b3 c3 a2 b4 c4 b5 c5 b6 c6 e"


def test_nested_groups():
    assert matches(nested(False), NESTED) == sorted([
        "d e", "d a1 b1 c1 b2 c2 b3 c3 e", "d a2 b4 c4 b5 c5 b6 c6 e",
        "d a1 b1 c1 b2 c2 b3 c3 a2 b4 c4 b5 c5 b6 c6 e"])


def test_nested_groups_consecutive():
    events = NESTED.replace("c4", "c4 zbreak")
    assert matches(nested(True), events) == sorted(["d e", "d a1 b1 c1 b2 c2 b3 c3 e"])


def test_group_begin():
    # (a b){1, 2} d
    pattern = Pattern.begin(ab()).times(1, 2).followed_by("end").where(letter("d"))
    assert matches(pattern, "a1 b1 a2 b2 d") == sorted(["a1 b1 d", "a2 b2 d", "a1 b1 a2 b2 d"])


def test_group_loop_with_until():
    # c (a b)+ until d, then d
    pattern = c_then("followed_by", lambda g: g.one_or_more().until(letter("d")))
    assert matches(pattern, ABAB) == sorted(["c a1 b1 d", "c a1 b1 a2 b2 d"])


def test_group_starting_with_an_optional_step():
    # a (b? c) d, strict
    pattern = (Pattern.begin("start").where(letter("a"))
               .next(Pattern.begin("middle1").where(letter("b")).optional().next("middle2").where(letter("c")))
               .next("d").where(letter("d")))
    assert matches(pattern, "a c d") == ["a c d"]


def test_followed_by_an_optional_group():
    # a -> (b c)? next d
    pattern = (Pattern.begin("start").where(letter("a"))
               .followed_by(Pattern.begin("middle1").where(letter("b")).next("middle2").where(letter("c")))
               .optional().next("d").where(letter("d")))
    assert matches(pattern, "a d1 d2") == ["a d1"]


def test_simple_condition_of_and_a_window_inside_a_group():
    from flinklite.cep import SimpleCondition
    from flinklite.cep._nfa_compiler import compile_pattern

    inner = Pattern.begin("x").where(SimpleCondition.of(lambda e: e.startswith("a"))).within(5)
    pattern = Pattern.begin("s").where(letter("c")).followed_by(inner).followed_by("e").where(letter("d"))
    assert compile_pattern(pattern).window == 5
    assert matches(pattern, "c a d") == ["c a d"]
    with pytest.raises(Exception, match="SimpleCondition.of needs a function"):
        SimpleCondition.of(3)
