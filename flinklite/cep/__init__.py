"""``flinklite.cep``: complex event processing, Flink's CEP library with Python names.

PyFlink has no CEP API; this one mirrors Flink's Java API in snake_case::

    from flinklite.cep import CEP, Pattern

    pattern = (Pattern.begin("start").where(lambda e: e[1] == "login")
               .followed_by("fail").where(lambda e: e[1] == "fail").times(3)
               .within(Duration.of_seconds(10)))
    alerts = CEP.pattern(events.key_by(lambda e: e[0]), pattern).select(lambda m: m["start"][0][0])

See ``docs/concepts/cep.md`` for how the NFA and its shared buffer work.
"""

from flinklite.cep.after_match_skip_strategy import AfterMatchSkipStrategy
from flinklite.cep.cep import CEP, PatternStream
from flinklite.cep.conditions import IterativeCondition, SimpleCondition
from flinklite.cep.functions import (
    PatternFlatSelectFunction,
    PatternFlatTimeoutFunction,
    PatternProcessFunction,
    PatternSelectFunction,
    PatternTimeoutFunction,
    TimedOutPartialMatchHandler,
)
from flinklite.cep.pattern import MalformedPatternException, Pattern

__all__ = [
    "AfterMatchSkipStrategy", "CEP", "IterativeCondition", "MalformedPatternException", "Pattern",
    "PatternFlatSelectFunction", "PatternFlatTimeoutFunction", "PatternProcessFunction",
    "PatternSelectFunction", "PatternStream", "PatternTimeoutFunction", "SimpleCondition",
    "TimedOutPartialMatchHandler",
]
