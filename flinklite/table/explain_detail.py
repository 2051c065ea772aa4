"""``ExplainDetail`` (PyFlink's ``pyflink.table.ExplainDetail``): extra details an ``explain`` may
add. flinklite accepts them and prints its one plan form (the operator tree) for all of them."""

from enum import Enum

__all__ = ["ExplainDetail"]


class ExplainDetail(Enum):
    ESTIMATED_COST = 0
    CHANGELOG_MODE = 1
    JSON_EXECUTION_PLAN = 2
    PLAN_ADVICE = 3
