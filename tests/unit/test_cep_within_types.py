"""within(..., WithinType.PREVIOUS_AND_CURRENT) and the gap windows of looping steps (Flink's
FLIP-228), with the cases of Flink's NFAITCase / NotPatternITCase / NFACompilerTest."""

from __future__ import annotations

import pytest
from _cep_helpers import TIMEOUT, harness, letter, run

from flinklite.cep import MalformedPatternException, Pattern
from flinklite.cep._nfa_compiler import compile_pattern
from flinklite.cep.pattern import WithinType
from flinklite.common import Duration


def test_window_times_are_set_per_state():
    pattern = (Pattern.begin("start").followed_by("middle").within(10_000, WithinType.PREVIOUS_AND_CURRENT)
               .followed_by("then").within(20_000, WithinType.PREVIOUS_AND_CURRENT).followed_by("end"))
    nfa = compile_pattern(pattern)
    assert nfa.windows == {"middle": 10_000, "then": 20_000} and nfa.window == 0


def test_previous_and_current_bounds_the_gap_not_the_whole_match():
    events = ["start1", "start2", "middle", "foobar", "end1", "end2"]
    ts = [1, 2, 3, 4, 11, 13]

    def pattern(within_type):
        return (Pattern.begin("start").where(letter("start")).followed_by("middle").where(letter("middle"))
                .followed_by("end").where(letter("end")).within(9, within_type))
    assert sorted(run(pattern(WithinType.PREVIOUS_AND_CURRENT), events, ts)) == [
        "start1 middle end1", "start2 middle end1"]
    assert run(pattern(WithinType.FIRST_AND_LAST), events, ts) == []


@pytest.mark.parametrize("within_type", list(WithinType))
def test_not_followed_by_within_at_the_end(within_type):
    pattern = (Pattern.begin("a").where(letter("a")).not_followed_by("b").where(letter("b"))
               .within(3, within_type))
    assert run(pattern, ["a1", "b1", "a2", "c", "b2", "a3", "b3"], [1, 2, 4, 5, 10, 11, 13]) == ["a2"]


def test_gap_window_of_a_looping_step_goes_where_flink_puts_it():
    # Flink's NFACompiler gives the window of times(n, window)/one_or_more(window) to every state of the
    # step except the one it creates first (the looping state, or the state of the last repetition):
    # so it bounds the gap to the first event of the step (and between the repetitions of times(n)).
    pattern = (Pattern.begin("a").where(letter("a")).followed_by("b").where(letter("b")).one_or_more(2)
               .followed_by("c").where(letter("c")))
    assert compile_pattern(pattern).windows == {"b:1": 2}
    three = Pattern.begin("a").followed_by("b").times(3, Duration.of_millis(2)).followed_by("c")
    assert compile_pattern(three).windows == {"b:0": 2, "b:1": 2}
    assert sorted(run(pattern, ["a", "b1", "b2", "c"], [9, 10, 15, 16])) == ["a b1 b2 c", "a b1 c"]
    assert run(pattern, ["a", "b1", "b2", "c"], [0, 10, 11, 12]) == []  # a -> b1 is 10 ms


def test_a_gap_timeout_is_reported_at_previous_event_plus_gap():
    pattern = (Pattern.begin("a").where(letter("a")).followed_by("b").where(letter("b"))
               .within(3, WithinType.PREVIOUS_AND_CURRENT).within(100))
    h = harness(pattern)
    for e, t in zip(["a1", "x", "a2", "b"], [0, 10, 20, 22]):
        h.process_element(e, t)
    h.process_watermark(200)
    assert h.extract_output_values() == ["a2 b"]
    assert [r.value for r in h.get_side_output(TIMEOUT)] == [("a1", 3)]


def test_times_with_a_window_in_the_second_place():
    p = Pattern.begin("a").times(3, Duration.of_millis(5))
    assert (p.get_times().start, p.get_times().end, p.get_times().window) == (3, 3, 5)
    p = Pattern.begin("a").times(1, 3, Duration.of_millis(7))
    assert (p.get_times().start, p.get_times().end, p.get_times().window) == (1, 3, 7)
    p = Pattern.begin("a").times_or_more(2, Duration.of_millis(4))
    assert (p.get_times().start, p.get_times().window) == (2, 4)


def test_gap_windows_longer_than_the_match_window_are_rejected():
    pattern = (Pattern.begin("a").followed_by("b").within(10, WithinType.PREVIOUS_AND_CURRENT)
               .followed_by("c").within(5))
    with pytest.raises(MalformedPatternException, match="must not be longer than the window"):
        compile_pattern(pattern)
    with pytest.raises(MalformedPatternException, match="WithinType"):
        Pattern.begin("a").within(5, "PREVIOUS")
