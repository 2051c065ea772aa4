"""The pattern API (Flink's ``org.apache.flink.cep.pattern.Pattern`` and ``Quantifier``).

A ``Pattern`` is one step of a pattern *sequence*; each step keeps a link to the step before it,
so the last step names the whole sequence (as in Flink, where ``next``/``followed_by`` return a
new ``Pattern`` whose ``previous`` is the receiver). Methods that configure a step (``where``,
``times``, ``optional``, ...) change it in place and return it, so calls chain.

How a step consumes events is its *quantifier*: a consuming strategy (how it is joined to the
step before: strict ``next``, relaxed ``followed_by``, non-deterministic ``followed_by_any``,
or one of the two NOT forms) and properties (single, looping, times; optional, greedy), plus an
*inner* strategy between the events of one looping step (relaxed by default; ``consecutive()``
makes it strict, ``allow_combinations()`` non-deterministic).

Differences from Flink: names are snake_case (``or_`` because ``or`` is a keyword); group
patterns (``begin(Pattern)``) and per-step ``within(…, WithinType.PREVIOUS_AND_CURRENT)`` are
not implemented.
"""

from __future__ import annotations

import enum
from typing import Any

from flinklite.cep.after_match_skip_strategy import AfterMatchSkipStrategy
from flinklite.cep.conditions import IterativeCondition, as_condition
from flinklite.common.time import _as_millis
from flinklite.errors import InvalidProgramException

__all__ = ["Pattern", "MalformedPatternException", "ConsumingStrategy", "Quantifier", "Times"]


class MalformedPatternException(InvalidProgramException):
    """A pattern that cannot be built or compiled (Flink's ``MalformedPatternException``)."""


class ConsumingStrategy(enum.Enum):
    STRICT = "STRICT"
    SKIP_TILL_NEXT = "SKIP_TILL_NEXT"
    SKIP_TILL_ANY = "SKIP_TILL_ANY"
    NOT_FOLLOW = "NOT_FOLLOW"
    NOT_NEXT = "NOT_NEXT"


_NOT = (ConsumingStrategy.NOT_FOLLOW, ConsumingStrategy.NOT_NEXT)


class Quantifier:
    """How many events a step takes and how they may be spread (Flink's ``Quantifier``)."""

    __slots__ = ("consuming", "inner", "properties")

    def __init__(self, consuming: ConsumingStrategy, kind: str) -> None:
        self.consuming = consuming
        self.inner = ConsumingStrategy.SKIP_TILL_NEXT
        self.properties = {kind}  # "single" | "looping" | "times", plus "optional", "greedy"

    def has(self, prop: str) -> bool:
        return prop in self.properties

    def __repr__(self) -> str:
        return f"Quantifier({sorted(self.properties)}, {self.consuming.value}, inner={self.inner.value})"


class Times:
    """The ``from``/``to`` bounds of ``times``; ``to`` is ignored by looping steps."""

    __slots__ = ("start", "end")

    def __init__(self, start: int, end: int) -> None:
        if not isinstance(start, int) or start <= 0:
            raise MalformedPatternException(f"times: the lower bound must be a positive int, got {start!r}")
        if not isinstance(end, int) or end < start:
            raise MalformedPatternException(
                f"times: the upper bound ({end!r}) must be an int >= the lower bound ({start})")
        self.start = start
        self.end = end

    def __repr__(self) -> str:
        return f"Times({self.start}, {self.end})"


def _window_ms(window: Any) -> int:
    ms = _as_millis(window)
    if ms is None:
        raise MalformedPatternException(
            f"within: expected a Duration, a Time or milliseconds, got {type(window).__name__}: {window!r}")
    if ms <= 0:
        raise MalformedPatternException(f"within: the window must be positive, got {ms} ms")
    return ms


class Pattern:
    """One step of a pattern sequence; start one with :meth:`Pattern.begin`."""

    def __init__(self, name: str, previous: Pattern | None, consuming: ConsumingStrategy,
                 skip: AfterMatchSkipStrategy) -> None:
        if not isinstance(name, str) or not name:
            raise MalformedPatternException(f"a pattern needs a non-empty string name, got {name!r}")
        if ":" in name or name == "$endState$":
            raise MalformedPatternException(
                f"pattern name {name!r}: ':' and '$endState$' are reserved by the NFA; choose another name")
        self._name = name
        self._previous = previous
        self._condition: IterativeCondition | None = None
        self._conditions: list[tuple[str, IterativeCondition]] = []  # ("and"|"or", cond), in call order
        self._until: IterativeCondition | None = None
        self._window: int | None = None
        self._quantifier = Quantifier(consuming, "single")
        self._times: Times | None = None
        self._skip = skip

    # -- starting and extending a sequence -------------------------------------------------
    @staticmethod
    def begin(name: str, after_match_skip_strategy: AfterMatchSkipStrategy | None = None) -> Pattern:
        skip = after_match_skip_strategy if after_match_skip_strategy is not None else AfterMatchSkipStrategy.no_skip()
        if not isinstance(skip, AfterMatchSkipStrategy):
            raise MalformedPatternException(f"begin: expected an AfterMatchSkipStrategy, got {skip!r}")
        return Pattern(name, None, ConsumingStrategy.STRICT, skip)

    def next(self, name: str) -> Pattern:
        """A step whose event must come right after this step's last event (strict contiguity)."""
        return Pattern(name, self, ConsumingStrategy.STRICT, self._skip)

    def followed_by(self, name: str) -> Pattern:
        """A step whose event comes later; non-matching events in between are skipped (relaxed)."""
        return Pattern(name, self, ConsumingStrategy.SKIP_TILL_NEXT, self._skip)

    def followed_by_any(self, name: str) -> Pattern:
        """Like ``followed_by``, but every later matching event starts another branch."""
        return Pattern(name, self, ConsumingStrategy.SKIP_TILL_ANY, self._skip)

    def not_next(self, name: str) -> Pattern:
        """The event right after this step's last event must not match the new step."""
        self._check_not_after_optional()
        return Pattern(name, self, ConsumingStrategy.NOT_NEXT, self._skip)

    def not_followed_by(self, name: str) -> Pattern:
        """No event matching the new step may come between this step and the next one."""
        self._check_not_after_optional()
        return Pattern(name, self, ConsumingStrategy.NOT_FOLLOW, self._skip)

    # -- conditions ----------------------------------------------------------------------------
    def where(self, condition: Any) -> Pattern:
        """Add a condition; several ``where`` calls must all hold (AND)."""
        cond = as_condition(condition, "where")
        self._conditions.append(("and", cond))
        return self

    def or_(self, condition: Any) -> Pattern:
        """Add an alternative: the conditions so far OR this one."""
        cond = as_condition(condition, "or_")
        self._conditions.append(("or", cond))
        return self

    def subtype(self, cls: type) -> Pattern:
        """Only events that are instances of ``cls`` match."""
        return self.where(lambda v: isinstance(v, cls))

    def until(self, condition: Any) -> Pattern:
        """Stop a looping step at the first event that meets ``condition`` (which is not taken)."""
        if self._quantifier.has("single"):
            raise MalformedPatternException(
                f"until on pattern '{self._name}': the until condition only applies to looping steps; "
                "call one_or_more() or times_or_more(n) first")
        if self._until is not None:
            raise MalformedPatternException(f"until on pattern '{self._name}': only one until condition can be applied")
        self._until = as_condition(condition, "until")
        return self

    def within(self, window_time: Any) -> Pattern:
        """The whole match must fit in ``window_time`` (first to last event). With several
        ``within`` calls in a sequence, the smallest applies."""
        self._window = _window_ms(window_time)
        return self

    # -- quantifiers ---------------------------------------------------------------------------
    def one_or_more(self) -> Pattern:
        self._check_no_not("one_or_more")
        self._check_no_quantifier()
        self._quantifier = _requantify(self._quantifier, "looping")
        self._times = Times(1, 1)
        return self

    def times_or_more(self, times: int) -> Pattern:
        self._check_no_not("times_or_more")
        self._check_no_quantifier()
        self._quantifier = _requantify(self._quantifier, "looping")
        self._times = Times(times, times)
        return self

    def times(self, from_times: int, to_times: int | None = None) -> Pattern:
        """Exactly ``from_times`` events, or between ``from_times`` and ``to_times``
        (``times(0, n)`` makes the step optional)."""
        self._check_no_not("times")
        self._check_no_quantifier()
        q = _requantify(self._quantifier, "times")
        if to_times is None:
            to_times = from_times
            if not isinstance(from_times, int) or from_times <= 0:
                raise MalformedPatternException(f"times({from_times!r}): give a positive number of times")
        elif from_times == 0:
            q.properties.add("optional")
            from_times = 1
        self._times = Times(from_times, to_times)
        self._quantifier = q
        return self

    def optional(self) -> Pattern:
        q = self._quantifier
        if q.consuming in _NOT:
            raise MalformedPatternException(f"optional on '{self._name}': a NOT pattern cannot be optional")
        if q.has("optional"):
            raise MalformedPatternException(f"optional on '{self._name}': optional already applied")
        q.properties.add("optional")
        return self

    def greedy(self) -> Pattern:
        q = self._quantifier
        self._check_no_not("greedy")
        if q.has("single"):
            raise MalformedPatternException(
                f"greedy on '{self._name}': greedy applies to a quantifier (one_or_more, times, ...), "
                "not to a single event")
        if q.inner is ConsumingStrategy.SKIP_TILL_ANY:
            raise MalformedPatternException(f"greedy on '{self._name}': not applicable with allow_combinations()")
        q.properties.add("greedy")
        return self

    def consecutive(self) -> Pattern:
        q = self._quantifier
        if not (q.has("looping") or q.has("times")):
            raise MalformedPatternException(
                f"consecutive on '{self._name}': applies to one_or_more/times, call one of them first")
        if q.inner is ConsumingStrategy.SKIP_TILL_ANY:
            raise MalformedPatternException(
                f"consecutive on '{self._name}': apply either allow_combinations() or consecutive(), not both")
        q.inner = ConsumingStrategy.STRICT
        return self

    def allow_combinations(self) -> Pattern:
        q = self._quantifier
        if q.has("single"):
            raise MalformedPatternException(
                f"allow_combinations on '{self._name}': applies to one_or_more/times, call one of them first")
        if q.inner is ConsumingStrategy.STRICT:
            raise MalformedPatternException(
                f"allow_combinations on '{self._name}': apply either allow_combinations() or consecutive(), not both")
        if q.has("greedy"):
            raise MalformedPatternException(f"allow_combinations on '{self._name}': not applicable to a greedy step")
        q.inner = ConsumingStrategy.SKIP_TILL_ANY
        return self

    # -- accessors -----------------------------------------------------------------------------
    def get_name(self) -> str:
        return self._name

    def get_previous(self) -> Pattern | None:
        return self._previous

    def get_quantifier(self) -> Quantifier:
        return self._quantifier

    def get_times(self) -> Times | None:
        return self._times

    def get_window_time(self) -> int | None:
        """The ``within`` window of this step in ms (None: none)."""
        return self._window

    def get_until_condition(self) -> IterativeCondition | None:
        return self._until

    def get_conditions(self) -> list[tuple[str, IterativeCondition]]:
        return list(self._conditions)

    def get_after_match_skip_strategy(self) -> AfterMatchSkipStrategy:
        return self._skip

    def __repr__(self) -> str:
        steps = []
        p: Pattern | None = self
        while p is not None:
            steps.append(f"{p._name}{p._quantifier!r}")
            p = p._previous
        return "Pattern(" + " -> ".join(reversed(steps)) + ")"

    # -- checks --------------------------------------------------------------------------------
    def _check_no_not(self, api: str) -> None:
        if self._quantifier.consuming in _NOT:
            raise MalformedPatternException(f"{api} on '{self._name}': not applicable to a NOT pattern")

    def _check_no_quantifier(self) -> None:
        if not self._quantifier.has("single"):
            raise MalformedPatternException(
                f"pattern '{self._name}' already has a quantifier ({self._quantifier!r}); apply only one")

    def _check_not_after_optional(self) -> None:
        if self._quantifier.has("optional"):
            raise MalformedPatternException(
                f"a NOT pattern after the optional pattern '{self._name}' is not supported. Use two "
                "patterns instead, one with and one without the optional step.")


def _requantify(q: Quantifier, kind: str) -> Quantifier:
    new = Quantifier(q.consuming, kind)
    new.properties |= q.properties - {"single"}
    new.inner = q.inner
    return new
