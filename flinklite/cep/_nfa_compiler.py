"""Compiling a :class:`~flinklite.cep.pattern.Pattern` into NFA states (Flink's ``NFACompiler``).

The compiler walks the sequence from its last step to its first, so each state can point at
the states after it, which already exist. A state has *transitions*, each with an action and a
condition on the incoming event:

* ``TAKE``: accept the event into the match and move to the target state;
* ``IGNORE``: skip the event and stay (or move to the target without taking it);
* ``PROCEED``: an epsilon move: go to the target state and look at its transitions with the
  *same* event (how optional steps and the end of loops are left).

One step becomes one or more states, named after the step (``name``, ``name:0``, ``name:1``
... where one step needs several; the part before ``:`` is the step's name in the match):

* a single step: a state with ``TAKE`` to the next step, and an ``IGNORE`` self-loop when its
  contiguity is relaxed (on *not* the condition) or non-deterministic (always);
* ``times(n, m)``: a chain of ``n`` such states, then ``m - n`` optional ones that may also
  ``PROCEED`` to the next step;
* a looping step: ``times(n)`` states followed by a looping state with a ``TAKE`` self-loop and
  a ``PROCEED`` to the next step; ``until`` is folded into the take and ignore conditions;
* ``greedy``: the next step's transitions also require *not* the loop's condition, so the loop
  takes an event whenever it can;
* ``not_next``: a state that ``PROCEED``s to the next step on events that do not match and to a
  *stop* state on events that do; ``not_followed_by``: no state of its own, but the states
  around it get a ``PROCEED`` into a stop state on the forbidden event. A branch that reaches a
  stop state is discarded. A ``not_followed_by`` that ends the pattern (only with ``within``)
  becomes a *pending* state: the branch waits there, and is a match once the window has passed.

This is Flink's construction, rewritten; the branch bookkeeping of the NFA (Dewey versions,
see ``_nfa.py``) relies on the order in which transitions are added, which follows Flink's.
"""

from __future__ import annotations

from typing import Any

from flinklite.cep import conditions as C
from flinklite.cep.pattern import ConsumingStrategy, MalformedPatternException, Pattern

__all__ = ["State", "Transition", "compile_pattern", "CompiledNFA", "END_STATE", "original_name"]

TAKE, IGNORE, PROCEED = "take", "ignore", "proceed"
START, NORMAL, FINAL, STOP, PENDING = "start", "normal", "final", "stop", "pending"
END_STATE = "$endState$"


def original_name(state_name: str) -> str:
    return state_name.split(":", 1)[0]


class Transition:
    __slots__ = ("action", "target", "source", "condition")

    def __init__(self, action: str, target: State, source: State, condition: C.Test | None) -> None:
        self.action = action
        self.target = target
        self.source = source
        self.condition = condition

    def __repr__(self) -> str:
        return f"{self.source.name} -{self.action}-> {self.target.name}"


class State:
    __slots__ = ("name", "kind", "transitions")

    def __init__(self, name: str, kind: str) -> None:
        self.name = name
        self.kind = kind
        self.transitions: list[Transition] = []

    def add(self, action: str, target: State | None, condition: C.Test | None) -> None:
        self.transitions.append(Transition(action, target if target is not None else self, self, condition))

    def __repr__(self) -> str:
        return f"State({self.name!r}, {self.kind}, {self.transitions})"


class CompiledNFA:
    """The states of a pattern, its start state, window and skip strategy."""

    def __init__(self, states: dict[str, State], start: State, window: int, skip: Any,
                 names: list[str]) -> None:
        self.states = states
        self.start = start
        self.window = window  # ms; 0: no window
        self.skip = skip
        self.pattern_names = names  # in sequence order


def _take_condition(p: Pattern) -> C.Test | None:
    test: C.Test | None = None
    first = True
    for op, cond in p.get_conditions():
        t = C.to_test(cond)
        if first:
            test, first = t, False
        elif op == "and":
            test = C.and_(test, t)
        else:
            test = C.or_(test, t)
    return test


def _ignore_for(strategy: ConsumingStrategy, p: Pattern) -> C.Test | None | bool:
    """The ignore condition of a strategy; ``False`` means "no ignore transition"."""
    if strategy is ConsumingStrategy.STRICT:
        return False
    if strategy is ConsumingStrategy.SKIP_TILL_NEXT:
        return C.not_(_take_condition(p))
    if strategy is ConsumingStrategy.SKIP_TILL_ANY:
        return None  # always
    return False


def _with_until(cond: C.Test | None | bool, until: C.Test | None, is_take: bool) -> C.Test | None | bool:
    if until is None:
        return cond
    if cond is False:
        return False
    if cond is None:  # "always" (a take without where, or a non-deterministic ignore)
        return C.not_(until)
    return C.and_(C.not_(until), cond)


class _Compiler:
    def __init__(self, pattern: Pattern) -> None:
        self.last = pattern
        self.current = pattern
        self.following: Pattern | None = None
        self.states: dict[str, State] = {}
        self.stop_states: dict[str, State] = {}
        self.original_states: dict[str, State] = {}
        self.window = 0

    # -- states ------------------------------------------------------------------------------
    def new_state(self, base: str, kind: str) -> State:
        name, n = base, 0
        while name in self.states:
            name = f"{base}:{n}"
            n += 1
        s = State(name, kind)
        self.states[name] = s
        return s

    def copy(self, state: State) -> State:
        c = self.new_state(original_name(state.name), state.kind)
        for t in state.transitions:
            c.add(t.action, c if t.target is t.source else t.target, t.condition)
        return c

    def stop_state(self, cond: C.Test | None, name: str) -> State:
        s = self.stop_states.get(name)
        if s is None:
            s = self.new_state(name, STOP)
            s.add(TAKE, None, cond)
            self.stop_states[name] = s
        return s

    # -- NOT handling ------------------------------------------------------------------------
    def current_nots(self) -> list[tuple[C.Test | None, str]]:
        """``not_followed_by`` steps before the current one, looking back through optional steps."""
        out = []
        p = self.current
        while p.get_previous() is not None and (
                p.get_previous().get_quantifier().has("optional")
                or p.get_previous().get_quantifier().consuming is ConsumingStrategy.NOT_FOLLOW):
            p = p.get_previous()
            if p.get_quantifier().consuming is ConsumingStrategy.NOT_FOLLOW:
                out.append((_take_condition(p), p.get_name()))
        return out

    def add_stop_states(self, state: State) -> None:
        for cond, name in self.current_nots():
            state.add(PROCEED, self.stop_state(cond, name), cond)

    def add_stop_state_to_looping(self, state: State) -> None:
        f = self.following
        if f is not None and f.get_quantifier().consuming is ConsumingStrategy.NOT_FOLLOW:
            cond = _take_condition(f)
            state.add(PROCEED, self.stop_state(cond, f.get_name()), cond)

    def copy_without_transitive_nots(self, sink: State) -> State:
        """Once an optional step takes an event, the NOTs before it no longer apply: a copy of
        ``sink`` without their stop transitions."""
        nots = self.current_nots()
        if not nots or not self.current.get_quantifier().has("optional"):
            return sink
        names = {n for _, n in nots}
        c = self.new_state(sink.name, sink.kind)
        for t in sink.transitions:
            if t.action == PROCEED and t.target.kind == STOP and original_name(t.target.name) in names:
                continue
            c.add(t.action, c if t.target is t.source else t.target, t.condition)
        return c

    # -- compiling ----------------------------------------------------------------------------
    def compile(self) -> CompiledNFA:
        self.check_names()
        skip = self.last.get_after_match_skip_strategy()
        names = []
        p: Pattern | None = self.last
        while p is not None:
            names.append(p.get_name())
            if p.get_window_time() is not None:
                self.window = p.get_window_time() if not self.window else min(self.window, p.get_window_time())
            p = p.get_previous()
        names.reverse()
        if skip.get_pattern_name() is not None and skip.get_pattern_name() not in names:
            raise MalformedPatternException(
                f"{skip!r}: the pattern name '{skip.get_pattern_name()}' is not a step of the pattern {names}")
        if self.last.get_quantifier().consuming is ConsumingStrategy.NOT_FOLLOW and not self.window:
            raise MalformedPatternException(
                f"not_followed_by('{self.last.get_name()}') can only end a pattern with a time window: "
                "add .within(...) (the match is emitted when the window has passed without the event)")
        sink = self.new_state(END_STATE, FINAL)
        sink = self.middle_states(sink)
        start = self.convert(sink)
        start.kind = START
        real = [n for n in names if n in {original_name(s) for s in self.states}]
        return CompiledNFA(self.states, start, self.window, skip, real)

    def check_names(self) -> None:
        seen = set()
        p: Pattern | None = self.last
        while p is not None:
            if p.get_name() in seen:
                raise MalformedPatternException(f"duplicate pattern name '{p.get_name()}': names must be unique")
            seen.add(p.get_name())
            p = p.get_previous()

    def middle_states(self, sink: State) -> State:
        last_sink = sink
        while self.current.get_previous() is not None:
            q = self.current.get_quantifier()
            if q.consuming is ConsumingStrategy.NOT_FOLLOW:
                if last_sink.kind == FINAL:
                    # at the end (needs a window): wait in a pending state until the window has
                    # passed; the forbidden event leads to a stop state instead
                    pending = self.new_state(self.current.get_name(), PENDING)
                    cond = _take_condition(self.current)
                    pending.add(PROCEED, self.stop_state(cond, self.current.get_name()), cond)
                    pending.add(IGNORE, None, C.not_(cond))
                    last_sink = pending
                # elsewhere it becomes stop transitions of the states around it
            elif q.consuming is ConsumingStrategy.NOT_NEXT:
                not_next = self.new_state(self.current.get_name(), NORMAL)
                cond = _take_condition(self.current)
                stop = self.stop_state(cond, self.current.get_name())
                if last_sink.kind == FINAL:
                    not_next.add(IGNORE, last_sink, C.not_(cond))
                else:
                    not_next.add(PROCEED, last_sink, C.not_(cond))
                not_next.add(PROCEED, stop, cond)
                last_sink = not_next
            else:
                last_sink = self.convert(last_sink)
            self.following = self.current
            self.current = self.current.get_previous()
        return last_sink

    def convert(self, sink: State) -> State:
        p = self.current
        q = p.get_quantifier()
        if q.has("greedy") and sink.kind == FINAL:
            raise MalformedPatternException(
                f"greedy on '{p.get_name()}': a greedy quantifier cannot be the last step of a pattern yet; "
                "end the pattern with a single step or a non-greedy quantifier")
        if q.has("looping"):
            looping = self.looping(self.copy_without_transitive_nots(sink))
            out = self.times_states(looping, sink, p.get_times())
        elif q.has("times"):
            out = self.times_states(sink, sink, p.get_times())
        else:
            p_take = _take_condition(p)
            out = self.singleton(sink, sink, p_take, _ignore_for(q.consuming, p), q.has("optional"))
        self.add_stop_states(out)
        return out

    def times_states(self, sink: State, proceed: State, times: Any) -> State:
        p = self.current
        q = p.get_quantifier()
        until = C.to_test(p.get_until_condition())
        inner_ignore = _with_until(_ignore_for(q.inner, p), until, False)
        take = _with_until(_take_condition(p), until, True)
        if q.has("greedy") and times.start != times.end:
            if until is not None:
                self.original_states[sink.name] = self.copy(sink)
            self.greedy_update(sink, take)
        last = sink
        for _ in range(times.start, times.end):
            last = self.singleton(last, proceed, take, inner_ignore, True)
            self.add_stop_state_to_looping(last)
        for _ in range(times.start - 1):
            last = self.singleton(last, None, take, inner_ignore, False)
            self.add_stop_state_to_looping(last)
        return self.singleton(last, proceed, take, _ignore_for(q.consuming, p), q.has("optional"))

    def singleton(self, sink: State, proceed: State | None, take: Any, ignore: Any, optional: bool) -> State:
        p = self.current
        state = self.new_state(p.get_name(), NORMAL)
        target = self.copy_without_transitive_nots(sink)
        state.add(TAKE, target, take)
        if optional and proceed is not None:
            if p.get_quantifier().has("greedy"):
                until = C.to_test(p.get_until_condition())
                if until is not None and proceed.name in self.original_states:
                    state.add(PROCEED, self.original_states[proceed.name], until)
                state.add(PROCEED, proceed, C.not_(until) if until is not None else None)
            else:
                state.add(PROCEED, proceed, None)
        if ignore is not False:
            if optional:
                ignore_state = self.new_state(p.get_name(), NORMAL)
                ignore_state.add(TAKE, target, take)
                ignore_state.add(IGNORE, None, ignore)
                self.add_stop_states(ignore_state)
            else:
                ignore_state = state
            state.add(IGNORE, ignore_state, ignore)
        return state

    def looping(self, sink: State) -> State:
        p = self.current
        q = p.get_quantifier()
        until = C.to_test(p.get_until_condition())
        ignore = _with_until(_ignore_for(q.inner, p), until, False)
        take = _with_until(_take_condition(p), until, True)
        state = self.new_state(p.get_name(), NORMAL)
        if q.has("greedy"):
            if until is not None:
                sink_copy = self.copy(sink)
                state.add(PROCEED, sink_copy, until)
                self.original_states[sink.name] = sink_copy
            state.add(PROCEED, sink, C.not_(until) if until is not None else None)
            self.greedy_update(sink, _take_condition(p))
        else:
            state.add(PROCEED, sink, None)
        state.add(TAKE, None, take)
        self.add_stop_state_to_looping(state)
        if ignore is not False:
            ignore_state = self.new_state(p.get_name(), NORMAL)
            ignore_state.add(TAKE, state, take)
            ignore_state.add(IGNORE, None, ignore)
            state.add(IGNORE, ignore_state, ignore)
            self.add_stop_state_to_looping(ignore_state)
        return state

    @staticmethod
    def greedy_update(state: State, take: Any) -> None:
        not_take = C.not_(take)
        for t in state.transitions:
            t.condition = C.and_(t.condition, not_take)


def compile_pattern(pattern: Pattern) -> CompiledNFA:
    if not isinstance(pattern, Pattern):
        raise MalformedPatternException(f"CEP needs a Pattern, got {type(pattern).__name__}: {pattern!r}")
    return _Compiler(pattern).compile()
