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

The hot path: each state's transitions are prepared once (``_Plan``); a branch whose state can
only "take this event" or "stay" (a start state with one TAKE, or a TAKE plus an IGNORE
self-loop on the opposite condition) tests that one condition first and, when it fails, stays
without further work; an IGNORE condition that negates the TAKE's reuses its result.

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
_NOTHING: list = []  # shared empty result; never appended to


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
                self._matched = self._buffer.first_match(cs[1], cs[2]) or {}
        return list(self._matched.get(name, ()))

    def timestamp(self) -> int:
        return self._ts

    def current_processing_time(self) -> int:
        return self._now()


_TAKE, _IGNORE, _PROCEED = 0, 1, 2
_CODES = {"take": _TAKE, "ignore": _IGNORE, "proceed": _PROCEED}


class _Plan:
    """A state's transitions prepared for the hot path: ``entries`` are ``(transition, action
    code, test(v, ctx), test(v) or None, index of the edge this one negates or -1)``; ``fast``
    is set when the state's only outcomes are "take this event" or "stay as it is" (a start
    state with one TAKE, or a TAKE with an IGNORE self-loop on the opposite condition), so that
    the NFA can test just that condition before doing anything else."""

    __slots__ = ("state", "page", "entries", "any_negation", "needs_ctx", "fast", "has_proceed")

    def __init__(self, state: State) -> None:
        from flinklite.cep.conditions import simple_form

        self.state = state
        self.page = original_name(state.name)  # the step name events taken here are filed under
        entries = []
        for tr in state.transitions:
            cond = tr.condition
            neg = -1
            negated = getattr(cond, "_cep_negates", None)
            if negated is not None:
                # only an edge before this one, whose result is known when this one is tested
                neg = next((j for j, e in enumerate(entries) if e[2] is negated), -1)
            entries.append((tr, _CODES[tr.action], cond, simple_form(cond), neg))
        self.entries = entries
        self.any_negation = any(e[4] >= 0 for e in entries)
        self.has_proceed = any(e[1] == _PROCEED for e in entries)
        self.needs_ctx = any(e[2] is not None and e[3] is None for e in entries)
        self.fast = None
        if entries and entries[0][1] == _TAKE and entries[0][3] is not None and entries[0][0].target is not state:
            if len(entries) == 1 and state.kind == START:
                self.fast = entries[0][3]
            elif (len(entries) == 2 and entries[1][1] == _IGNORE and entries[1][4] == 0
                  and entries[1][0].target is state and state.kind != START):
                self.fast = entries[0][3]


class NFA:
    """Stateless apart from the compiled states: a key's state is passed in as ``data``,
    ``[branches, completed matches waiting to be emitted, shared-buffer data]``."""

    def __init__(self, compiled: CompiledNFA, handle_timeout: bool = False) -> None:
        self.compiled = compiled
        self.states: dict[str, State] = compiled.states
        self.window = compiled.window
        self.windows = compiled.windows  # per state: the largest gap to the previous event
        self.skip = compiled.skip
        self.handle_timeout = handle_timeout
        self.now = lambda: 0  # processing-time clock, set by the operator
        self.kinds = {name: st.kind for name, st in self.states.items()}
        self.plans = {name: _Plan(st) for name, st in self.states.items()}
        self.fasts = {name: plan.fast for name, plan in self.plans.items()}
        self.needs_ctx = any(p.needs_ctx for p in self.plans.values())

    def initial_data(self) -> list:
        start = self.compiled.start
        return [[(start.name, None, (1,), -1, -1, None)], [], SharedBuffer.new_data()]

    def next_deadline(self, data: list) -> int | None:
        """The earliest time at which a branch times out (None: none can)."""
        window, windows = self.window, self.windows
        best = None
        for cs in data[0]:
            if cs[5] is None:
                continue
            if window > 0:
                t = cs[3] + window
                best = t if best is None or t < best else best
            gap = windows.get(cs[0]) if windows else None
            if gap is not None:
                t = cs[4] + gap
                best = t if best is None or t < best else best
        return best

    @staticmethod
    def has_partial_matches(data: list) -> bool:
        return any(cs[5] is not None for cs in data[0]) or bool(data[1])

    # -- events ----------------------------------------------------------------------------
    def process(self, data: list, event: Any, timestamp: int,
                buffer: SharedBuffer | None = None) -> list[dict[str, list]]:
        """Feed one event; returns the matches it completes (step name -> events)."""
        if buffer is None:
            buffer = SharedBuffer(data[2])
        event_id = None  # numbered when some branch first looks at more than its fast condition
        new_partials: list = []
        potential: list = []
        kinds = self.kinds
        plans = self.plans
        # one context per event, rebound per branch; only built when some condition reads it
        ctx = ConditionContext(self, buffer, None, timestamp, self.now) if self.needs_ctx else None
        fasts = self.fasts
        partials = data[0]
        for cs in partials:
            fast = fasts[cs[0]]
            if fast is not None:
                # the common case: a branch that stays where it is unless its one TAKE applies
                if not fast(event):
                    new_partials.append(cs)
                    continue
            if ctx is not None:
                ctx._cs = cs
                ctx._matched = None
            if event_id is None:
                event_id = buffer.event_id(timestamp)
            if fast is not None:
                results = self._take_only(buffer, cs, plans[cs[0]], event, event_id, timestamp, ctx)
            else:
                results = self._next_states(buffer, cs, event, event_id, timestamp, ctx)
            if len(results) == 1 and results[0] is cs:
                new_partials.append(cs)
                continue
            retain = []
            discard = False
            for ncs in results:
                kind = kinds[ncs[0]]
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
        # kept sorted by first event without sorting: branches keep their order, and new ones
        # (which start with this event, the latest) come from the start branch, which is last
        if not potential:
            data[0] = new_partials
            return []
        potential.sort(key=_order)
        result: list = []
        if self.skip.is_skip_strategy():
            new_partials = self._emit_skipping(buffer, data, potential, new_partials, result)
        else:
            for match in potential:
                result.append(buffer.first_match(match[1], match[2]))
                buffer.release_node(match[1], match[2])
        data[0] = new_partials
        return result

    @property
    def has_windows(self) -> bool:
        return self.window > 0 or bool(self.windows)

    def advance_time(self, data: list, timestamp: int) -> tuple[list, list]:
        """Drop branches whose window has passed at ``timestamp``; returns (matches this frees
        under a skip strategy, timed-out partial matches as (match, timeout timestamp))."""
        if not self.has_windows:
            counts = data[2][2]  # nothing can time out: only forget old per-timestamp counters
            if counts:
                for ts in [t for t in counts if t < timestamp]:
                    del counts[ts]
            return _NOTHING, _NOTHING
        buffer = SharedBuffer(data[2])
        result: list = []
        timeouts: list = []
        window = self.window
        windows = self.windows
        if window > 0 or windows:
            kept = []
            pending = []
            states = self.states
            for cs in data[0]:
                if cs[5] is not None:
                    gap = windows.get(cs[0]) if windows else None
                    if gap is not None and timestamp - cs[4] >= gap:
                        timeout_ts = cs[4] + gap  # too long since the branch's previous event
                    elif window > 0 and timestamp - cs[3] >= window:
                        timeout_ts = cs[3] + window  # too long since its first event
                    else:
                        kept.append(cs)
                        continue
                    if states[cs[0]].kind == PENDING:  # a trailing not_followed_by held: a match
                        pending.append(cs)
                        continue
                    if self.handle_timeout:
                        paths = buffer.extract_patterns(cs[1], cs[2])
                        timeouts.append((buffer.materialize(paths[0]) if paths else {}, timeout_ts))
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
                     ctx: ConditionContext | None, first_take_holds: bool = False) -> list:
        plans = self.plans
        plan = plans[cs[0]]
        state = plan.state
        # the decision graph: follow PROCEED edges, collect TAKE and IGNORE edges that apply
        edges = []
        takes = ignores = 0
        stack = [plan]
        own = True
        while stack:
            cur = stack.pop()
            results = [False] * len(cur.entries) if cur.any_negation else None
            for i, (tr, code, cond2, cond1, neg) in enumerate(cur.entries):
                if own and i == 0 and first_take_holds:
                    ok = True  # the fast path already evaluated this state's first TAKE
                elif neg >= 0:
                    ok = not results[neg]  # the negation of an edge evaluated just before
                elif cond1 is not None:
                    ok = bool(cond1(event))
                elif cond2 is None:
                    ok = True
                else:
                    ok = bool(cond2(event, ctx))
                if results is not None:
                    results[i] = ok
                if ok:
                    if code == _PROCEED:
                        stack.append(plans[tr.target.name])
                    else:
                        edges.append(tr)
                        if code == _TAKE:
                            takes += 1
                        elif tr.target is not state:
                            ignores += 1
            own = False
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
        # with one TAKE, the new node's edge locks the previous node at the branch's own version,
        # and the branch then releases it at that version: skip both, they cancel out
        keep_previous = takes == 1 and cs[1] is not None
        out: list = []
        for tr in edges:
            if tr.action == IGNORE:
                if is_start:
                    continue
                if tr.target is state:
                    inc = ignores + max(1, takes) if (takes or ignores) else 0
                    v = version[:-1] + (version[-1] + inc,)
                else:
                    v = version[:-1] + (version[-1] + take_skip + ignore_left,) + (0,)
                    ignore_left -= 1
                ncs = (tr.target.name, cs[1], v, cs[3], cs[4], cs[5])
                out.append(ncs)
                buffer.lock_node(cs[1], v)
            else:  # TAKE
                cur_v = version[:-1] + (version[-1] + take_left,) if take_left else version
                next_v = cur_v + (0,)
                take_left -= 1
                target = tr.target
                node = buffer.take(plans[tr.source.name].page, event_id, event, cs[1], cur_v, not keep_previous)
                if is_start:
                    start_ts, start_id = ts, event_id
                else:
                    start_ts, start_id = cs[3], cs[5]
                out.append((target.name, node, next_v, start_ts, ts, start_id))
                if plans[target.name].has_proceed:
                    final = self._final_after_proceed(target, event, ctx)
                    if final is not None:
                        out.append((final.name, node, next_v, start_ts, ts, start_id))
                        buffer.lock_node(node, next_v)
        if is_start:
            inc = ignores + max(1, takes) if (takes or ignores) else 0
            out.append((cs[0], None, version[:-1] + (version[-1] + inc,), -1, -1, None))
        if cs[1] is not None and not keep_previous:
            buffer.release_node(cs[1], version)
        return out

    def _take_only(self, buffer: SharedBuffer, cs: tuple, plan: _Plan, event: Any, event_id: tuple, ts: int,
                   ctx: ConditionContext | None) -> list:
        """``_next_states`` for a fast-path state whose TAKE holds: then that TAKE is the only
        edge (its IGNORE, if any, is its negation), so the general bookkeeping reduces to this."""
        tr = plan.entries[0][0]
        target = tr.target
        version = cs[2]
        next_v = version + (0,)
        # the branch's lock on its previous node passes to the new edge (see _next_states)
        node = buffer.take(plan.page, event_id, event, cs[1], version, False)
        if cs[1] is None:  # the start state: a new branch starts with this event
            start_ts, start_id = ts, event_id
        else:
            start_ts, start_id = cs[3], cs[5]
        out = [(target.name, node, next_v, start_ts, ts, start_id)]
        if self.plans[target.name].has_proceed:
            final = self._final_after_proceed(target, event, ctx)
            if final is not None:
                out.append((final.name, node, next_v, start_ts, ts, start_id))
                buffer.lock_node(node, next_v)
        if cs[1] is None:
            out.append((cs[0], None, version[:-1] + (version[-1] + 1,), -1, -1, None))
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
