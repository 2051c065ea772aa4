"""After-match skip strategies (Flink's ``AfterMatchSkipStrategy`` and its subclasses).

When a match is emitted, a skip strategy decides which partial matches (and matches not emitted
yet) to discard, so that an event does not end up in too many matches. Each strategy computes a
*pruning event* from the emitted match and drops every partial match whose first event lies
before it (strictly before for ``skip_to_first``/``skip_to_last``, at or before for the others):

==========================  =====================================================================
``no_skip()``               discard nothing: every match is emitted (the default)
``skip_to_next()``          discard partial matches that started with the match's first event
``skip_past_last_event()``  discard partial matches that started inside the match
``skip_to_first(name)``     discard partial matches that started before the first event of *name*
``skip_to_last(name)``      discard partial matches that started before the last event of *name*
==========================  =====================================================================

Event ids are ``(timestamp, sequence number)`` pairs, ordered like the events.
"""

from __future__ import annotations

from typing import Any

from flinklite.errors import InvalidProgramException

__all__ = ["AfterMatchSkipStrategy"]


class AfterMatchSkipStrategy:
    """Create one with the static methods; pass it to ``Pattern.begin(name, strategy)``."""

    __slots__ = ("kind", "pattern_name", "throw_on_miss")

    _KINDS = ("no_skip", "skip_to_next", "skip_past_last_event", "skip_to_first", "skip_to_last")

    def __init__(self, kind: str, pattern_name: str | None = None, throw_on_miss: bool = False) -> None:
        self.kind = kind
        self.pattern_name = pattern_name
        self.throw_on_miss = throw_on_miss

    @staticmethod
    def no_skip() -> AfterMatchSkipStrategy:
        return AfterMatchSkipStrategy("no_skip")

    @staticmethod
    def skip_to_next() -> AfterMatchSkipStrategy:
        return AfterMatchSkipStrategy("skip_to_next")

    @staticmethod
    def skip_past_last_event() -> AfterMatchSkipStrategy:
        return AfterMatchSkipStrategy("skip_past_last_event")

    @staticmethod
    def skip_to_first(pattern_name: str) -> AfterMatchSkipStrategy:
        return AfterMatchSkipStrategy("skip_to_first", _name(pattern_name))

    @staticmethod
    def skip_to_last(pattern_name: str) -> AfterMatchSkipStrategy:
        return AfterMatchSkipStrategy("skip_to_last", _name(pattern_name))

    def throw_exception_on_miss(self) -> AfterMatchSkipStrategy:
        """For ``skip_to_first``/``skip_to_last``: fail when a match has no event for the pattern
        (by default such a match prunes nothing)."""
        if self.pattern_name is None:
            raise InvalidProgramException(
                f"throw_exception_on_miss applies to skip_to_first/skip_to_last, not {self.kind}")
        return AfterMatchSkipStrategy(self.kind, self.pattern_name, True)

    def get_pattern_name(self) -> str | None:
        return self.pattern_name

    def is_skip_strategy(self) -> bool:
        return self.kind != "no_skip"

    # -- used by the NFA ----------------------------------------------------------------------
    def pruning_id(self, match: dict[str, list]) -> Any:
        """The event before (or at) which partial matches are discarded; None: prune nothing.
        ``match`` maps pattern names to event ids."""
        kind = self.kind
        if kind == "no_skip":
            return None
        if kind == "skip_to_next":
            return min(ids[0] for ids in match.values())
        if kind == "skip_past_last_event":
            return max(ids[-1] for ids in match.values())
        ids = match.get(self.pattern_name)
        if not ids:
            if self.throw_on_miss:
                from flinklite.cep.pattern import MalformedPatternException

                raise MalformedPatternException(
                    f"{self!r}: could not skip to '{self.pattern_name}': the match {match} has no event "
                    "for it. Make the pattern non-optional or drop throw_exception_on_miss()."
                )
            return None
        pid = ids[0] if kind == "skip_to_first" else ids[-1]
        if self.throw_on_miss and pid == min(i[0] for i in match.values()):
            from flinklite.cep.pattern import MalformedPatternException

            raise MalformedPatternException(
                f"{self!r}: could not skip to the first event of a match: matching would loop forever"
            )
        return pid

    def should_prune(self, start_id: Any, pruning_id: Any) -> bool:
        if self.kind in ("skip_to_first", "skip_to_last"):
            return start_id < pruning_id
        return start_id <= pruning_id

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, AfterMatchSkipStrategy) and other.kind == self.kind
                and other.pattern_name == self.pattern_name and other.throw_on_miss == self.throw_on_miss)

    def __hash__(self) -> int:
        return hash((self.kind, self.pattern_name))

    def __repr__(self) -> str:
        arg = f"{self.pattern_name!r}" if self.pattern_name is not None else ""
        return f"AfterMatchSkipStrategy.{self.kind}({arg})"


def _name(pattern_name: Any) -> str:
    if not isinstance(pattern_name, str) or not pattern_name:
        raise InvalidProgramException(f"a skip strategy needs a pattern name, got {pattern_name!r}")
    return pattern_name
