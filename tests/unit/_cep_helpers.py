"""Running a CEP pattern over a list of events in the real CepOperator (through the harness)."""

from __future__ import annotations

from typing import Any

from flinklite.cep import PatternProcessFunction, TimedOutPartialMatchHandler
from flinklite.cep._operator import CepOperator
from flinklite.datastream import OutputTag
from flinklite.testing import KeyedOneInputOperatorHarness

TIMEOUT = OutputTag("timed-out")
LATE = OutputTag("late")


class Collect(PatternProcessFunction, TimedOutPartialMatchHandler):
    """Emits each match as a space-separated string of its events (in step order)."""

    def process_match(self, match, ctx):
        yield " ".join(str(e) for events in match.values() for e in events)

    def process_timed_out_match(self, match, ctx):
        ctx.output(TIMEOUT, (" ".join(str(e) for events in match.values() for e in events), ctx.timestamp()))


def harness(pattern: Any, fn: Any = None, **kwargs: Any) -> KeyedOneInputOperatorHarness:
    op = CepOperator(pattern, fn or Collect(), late_tag=kwargs.pop("late_tag", LATE),
                     processing_time=kwargs.pop("processing_time", False))
    return KeyedOneInputOperatorHarness(op, key_selector=kwargs.pop("key", lambda e: 0), **kwargs)


def run(pattern: Any, events: list, timestamps: list[int] | None = None, fn: Any = None) -> list[str]:
    """The matches of ``pattern`` over ``events`` (event i at timestamp i unless given), in
    emission order, after a final watermark."""
    h = harness(pattern, fn)
    ts = timestamps if timestamps is not None else list(range(len(events)))
    for e, t in zip(events, ts):
        h.process_element(e, t)
    h.process_watermark(2**63 - 1)
    return h.extract_output_values()


def letter(prefix: str):
    """A condition: the event (a string) starts with ``prefix``."""
    return lambda e: e.startswith(prefix)
