"""The CEP automaton at run time (Flink's ``NFA``, ``NFAState`` and ``ComputationState``).

Each key has a set of *computation states* (branches), each a tuple
``(state name, last node id, version, start timestamp, previous timestamp, start event id)``:
where the branch is in the compiled NFA, the shared-buffer node of the last event it took,
its Dewey version, and when/with which event it began. A branch still in the start state has
taken nothing (node, start event: None).

For each event, in timestamp order, every branch looks at the transitions of its state: it
follows ``PROCEED`` edges at once (with the same event) and collects the ``TAKE`` and
``IGNORE`` edges whose conditions hold. Each such edge makes one new branch. A branch that
takes the event stores it in the shared buffer (once per step, however many branches take it)
with an edge from its previous node. New branches get versions derived from the old one: the
k-th of n alternatives *increases* the last digit, a branch entering the next step *adds a
stage* (appends a 0). Versions keep the branches' paths apart inside the shared buffer.

A branch that reaches the final state is a match; one that reaches a stop state (a NOT step
matched) is dropped together with its siblings from the same event. With a skip strategy,
matches are emitted in order of their first event, and only when no earlier-starting partial
match is still open (a later match might otherwise be pruned by an earlier one that has not
completed yet); each emitted match prunes branches as its strategy says. ``advance_time`` drops
(and reports) branches whose window has passed.

Differences from Flink: the branches are kept in a list sorted by their first event, where
Flink iterates a priority queue in heap order; so when one event completes several matches
under ``no_skip`` they come out ordered by their first event. The set of matches is the same.
"""

from __future__ import annotations

from typing import Any

from flinklite.cep._nfa_compiler import (
    FINAL,
    IGNORE,
    PENDING,
    PROCEED,
    START,
    STOP,
    CompiledNFA,
    State,
    original_name,
)
from flinklite.cep._shared_buffer import SharedBuffer

__all__ = ["NFA", "ConditionContext"]

_NO_START = (2**63 - 1, 2**31 - 1)


def _order(cs: tuple) -> tuple:
    return cs[5] if cs[5] is not None else _NO_START


class ConditionContext:
    """What an ``IterativeCondition`` sees besides the event."""

    __slots__ = ("_nfa", "_buffer", "_cs", "_ts", "_now", "_matched")

    def __init__(self, nfa: NFA, buffer: SharedBuffer, cs: tuple, ts: int, now: Any) -> None:
        self._nfa = nfa
        self._buffer = buffer
        self._cs = cs
        self._ts = ts
        self._now = now
        self._matched: dict | None = None

    def get_events_for_pattern(self, name: str) -> list:
        """The events the current partial match has accepted for step ``name`` (oldest first)."""
        if self._matched is None:
            cs = self._cs
            if cs[1] is None:
                self._matched = {}
            else:
                paths = self._buffer.extract_patterns(cs[1], cs[2])
                self._matched = self._buffer.materialize(paths[0]) if paths else {}
        return list(self._matched.get(name, ()))

    def timestamp(self) -> int:
        return self._ts

    def current_processing_time(self) -> int:
        return self._now()


class NFA:
    """Stateless apart from the compiled states: a key's state is passed in as ``data``,
    ``[branches, completed matches waiting to be emitted, shared-buffer data]``."""

    def __init__(self, compiled: CompiledNFA, handle_timeout: bool = False) -> None:
        self.compiled = compiled
        self.states: dict[str, State] = compiled.states
        self.window = compiled.window
        self.skip = compiled.skip
        self.handle_timeout = handle_timeout
        self.now = lambda: 0  # processing-time clock, set by the operator

    def initial_data(self) -> list:
        start = self.compiled.start
        return [[(start.name, None, (1,), -1, -1, None)], [], SharedBuffer.new_data()]

    @staticmethod
    def has_partial_matches(data: list) -> bool:
        return any(cs[5] is not None for cs in data[0]) or bool(data[1])

    # -- events ----------------------------------------------------------------------------
    def process(self, data: list, event: Any, timestamp: int) -> list[dict[str, list]]:
        """Feed one event; returns the matches it completes (step name -> events)."""
        buffer = SharedBuffer(data[2])
        event_id = buffer.event_id(timestamp)
        new_partials: list = []
        potential: list = []
        states = self.states
        ctx = ConditionContext(self, buffer, None, timestamp, self.now)  # one per event, rebound per branch
        for cs in data[0]:
            ctx._cs = cs
            ctx._matched = None
            results = self._next_states(buffer, cs, event, event_id, timestamp, ctx)
            retain = []
            discard = False
            for ncs in results:
                kind = states[ncs[0]].kind
                if kind == FINAL:
                    potential.append(ncs)
                elif kind == STOP:
                    discard = True
                    buffer.release_node(ncs[1], ncs[2])
                else:
                    retain.append(ncs)
            if discard:
                for ncs in retain:
                    buffer.release_node(ncs[1], ncs[2])
            else:
                new_partials.extend(retain)
        new_partials.sort(key=_order)
        if not potential:
            data[0] = new_partials
            return []
        potential.sort(key=_order)
        result: list = []
        if self.skip.is_skip_strategy():
            new_partials = self._emit_skipping(buffer, data, potential, new_partials, result)
        else:
            for match in potential:
                result.append(buffer.materialize(buffer.extract_patterns(match[1], match[2])[0]))
                buffer.release_node(match[1], match[2])
        data[0] = new_partials
        return result

    def advance_time(self, data: list, timestamp: int) -> tuple[list, list]:
        """Drop branches whose window has passed at ``timestamp``; returns (matches this frees
        under a skip strategy, timed-out partial matches as (match, timeout timestamp))."""
        buffer = SharedBuffer(data[2])
        result: list = []
        timeouts: list = []
        window = self.window
        if window > 0:
            kept = []
            pending = []
            states = self.states
            for cs in data[0]:
                if cs[5] is not None and timestamp - cs[3] >= window:
                    if states[cs[0]].kind == PENDING:  # a trailing not_followed_by held: a match
                        pending.append(cs)
                        continue
                    if self.handle_timeout:
                        paths = buffer.extract_patterns(cs[1], cs[2])
                        timeouts.append((buffer.materialize(paths[0]) if paths else {}, cs[3] + window))
                    buffer.release_node(cs[1], cs[2])
                else:
                    kept.append(cs)
            if pending or (len(kept) != len(data[0]) and data[1]):
                kept = self._emit_skipping(buffer, data, pending, kept, result)
            data[0] = kept
        buffer.advance_time(timestamp)
        return result, timeouts

    # -- one branch, one event -----------------------------------------------------------------
    def _next_states(self, buffer: SharedBuffer, cs: tuple, event: Any, event_id: tuple, ts: int,
                     ctx: ConditionContext) -> list:
        state = self.states[cs[0]]
        # the decision graph: follow PROCEED edges, collect TAKE and IGNORE edges that apply
        edges = []
        takes = ignores = 0
        stack = [state]
        while stack:
            cur = stack.pop()
            for tr in cur.transitions:
                cond = tr.condition
                if cond is None or cond(event, ctx):
                    action = tr.action
                    if action == PROCEED:
                        stack.append(tr.target)
                    else:
                        edges.append(tr)
                        if not (action == IGNORE and tr.target.name == state.name):
                            if action == IGNORE:
                                ignores += 1
                            else:
                                takes += 1
        is_start = state.kind == START
        if not takes and not ignores:
            # the common cases, without touching the buffer: nothing applies (a start branch
            # stays as it is, any other dies), or only a self-loop IGNORE applies (the branch
            # stays, same version, same node: a lock and a release that would cancel out)
            if is_start:
                return [cs]
            if not edges:
                if cs[1] is not None:
                    buffer.release_node(cs[1], cs[2])
                return []
            if len(edges) == 1:
                return [cs]
        version = cs[2]
        take_left = max(0, takes - 1)
        ignore_left = ignores
        take_skip = max(0, takes - 1)
        out: list = []
        for tr in edges:
            if tr.action == IGNORE:
                if is_start:
                    continue
                if tr.target.name == state.name:
                    inc = ignores + max(1, takes) if (takes or ignores) else 0
                    v = version[:-1] + (version[-1] + inc,)
                else:
                    v = version[:-1] + (version[-1] + take_skip + ignore_left,) + (0,)
                    ignore_left -= 1
                ncs = (tr.target.name, cs[1], v, cs[3], cs[4], cs[5])
                out.append(ncs)
                buffer.lock_node(cs[1], v)
            else:  # TAKE
                cur_v = version[:-1] + (version[-1] + take_left,)
                next_v = cur_v + (0,)
                take_left -= 1
                node = buffer.put(original_name(tr.source.name), event_id, event, cs[1], cur_v)
                if is_start:
                    start_ts, start_id = ts, event_id
                else:
                    start_ts, start_id = cs[3], cs[5]
                ncs = (tr.target.name, node, next_v, start_ts, ts, start_id)
                out.append(ncs)
                buffer.lock_node(node, next_v)
                final = self._final_after_proceed(tr.target, event, ctx)
                if final is not None:
                    out.append((final.name, node, next_v, start_ts, ts, start_id))
                    buffer.lock_node(node, next_v)
        if is_start:
            inc = ignores + max(1, takes) if (takes or ignores) else 0
            out.append((cs[0], None, version[:-1] + (version[-1] + inc,), -1, -1, None))
        if cs[1] is not None:
            buffer.release_node(cs[1], version)
        return out

    @staticmethod
    def _final_after_proceed(state: State, event: Any, ctx: ConditionContext) -> State | None:
        stack = [state]
        while stack:
            cur = stack.pop()
            for tr in cur.transitions:
                if tr.action == PROCEED and (tr.condition is None or tr.condition(event, ctx)):
                    if tr.target.kind == FINAL:
                        return tr.target
                    stack.append(tr.target)
        return None

    # -- skip strategies -----------------------------------------------------------------------
    def _emit_skipping(self, buffer: SharedBuffer, data: list, potential: list, partials: list,
                       result: list) -> list:
        """Emit completed matches, earliest first, while no partial match started before them;
        each prunes partial and completed matches as the skip strategy says."""
        completed = data[1]
        if potential:
            completed.extend(potential)
            completed.sort(key=_order)
        skip = self.skip
        while completed and (not partials or _order(completed[0]) <= _order(partials[0])):
            match = completed.pop(0)
            paths = buffer.extract_patterns(match[1], match[2])
            pruning = skip.pruning_id(paths[0]) if paths else None
            if pruning is not None:
                partials = self._prune(buffer, partials, pruning)
                completed[:] = self._prune(buffer, completed, pruning)
            result.append(buffer.materialize(paths[0]))
            buffer.release_node(match[1], match[2])
        return partials

    def _prune(self, buffer: SharedBuffer, branches: list, pruning: tuple) -> list:
        should = self.skip.should_prune
        kept = []
        for cs in branches:
            if cs[5] is not None and should(cs[5], pruning):
                buffer.release_node(cs[1], cs[2])
            else:
                kept.append(cs)
        return kept
