"""``RestartStrategies`` (PyFlink's ``pyflink.common.restart_strategy``): descriptions of how a
failed job restarts.

In PyFlink 2.x these objects describe a strategy (``get_description()``, the getters) and the
strategy itself is set through configuration (``restart-strategy.type`` and its options).
flinklite's are the same value objects; :meth:`RestartStrategyConfiguration.to_configuration`
(a flinklite extension) gives the equivalent ``Configuration``, to pass to
``env.configure(...)``, which flinklite's restart logic (:mod:`flinklite.checkpoint.restart`) reads.
"""

from __future__ import annotations

import datetime
from typing import Any

from flinklite.common.configuration import Configuration
from flinklite.common.time import _as_millis
from flinklite.errors import InvalidProgramException

__all__ = ["RestartStrategies", "RestartStrategyConfiguration"]


def _interval_ms(value: Any, what: str) -> int:
    ms = _as_millis(value)
    if ms is None:
        raise InvalidProgramException(
            f"RestartStrategies: {what} must be milliseconds (int) or a datetime.timedelta, got {value!r}")
    if ms < 0:
        raise InvalidProgramException(f"RestartStrategies: {what} must not be negative, got {value}")
    return ms


def _count(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidProgramException(f"RestartStrategies: {what} must be a non-negative int, got {value!r}")
    return value


class RestartStrategyConfiguration:
    """One restart strategy, as a value (Flink's ``RestartStrategyConfiguration``)."""

    def get_description(self) -> str:
        raise NotImplementedError

    def _options(self) -> dict[str, str]:
        raise NotImplementedError

    def to_configuration(self) -> Configuration:
        """flinklite extension: the ``restart-strategy.*`` options that select this strategy."""
        return Configuration.from_dict(self._options())

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self.__dict__ == other.__dict__

    def __hash__(self) -> int:
        return hash((type(self), tuple(sorted(self.__dict__.items()))))

    def __repr__(self) -> str:
        return self.get_description()


class RestartStrategies:
    """Factory of :class:`RestartStrategyConfiguration` values."""

    class NoRestartStrategyConfiguration(RestartStrategyConfiguration):
        def get_description(self) -> str:
            return "Restart deactivated."

        def _options(self) -> dict[str, str]:
            return {"restart-strategy.type": "none"}

    class FixedDelayRestartStrategyConfiguration(RestartStrategyConfiguration):
        def __init__(self, restart_attempts: int, delay_between_attempts_interval: Any) -> None:
            self._attempts = _count(restart_attempts, "restart_attempts")
            self._delay = _interval_ms(delay_between_attempts_interval, "delay_between_attempts_interval")

        def get_restart_attempts(self) -> int:
            return self._attempts

        def get_delay_between_attempts_interval(self) -> datetime.timedelta:
            return datetime.timedelta(milliseconds=self._delay)

        def get_description(self) -> str:
            return f"Restart with fixed delay ({self._delay} ms). #{self._attempts} restart attempts."

        def _options(self) -> dict[str, str]:
            return {"restart-strategy.type": "fixed-delay",
                    "restart-strategy.fixed-delay.attempts": str(self._attempts),
                    "restart-strategy.fixed-delay.delay": f"{self._delay} ms"}

    class FailureRateRestartStrategyConfiguration(RestartStrategyConfiguration):
        def __init__(self, max_failure_rate: int, failure_interval: Any, delay_between_attempts_interval: Any) -> None:
            self._rate = _count(max_failure_rate, "max_failure_rate")
            self._interval = _interval_ms(failure_interval, "failure_interval")
            self._delay = _interval_ms(delay_between_attempts_interval, "delay_between_attempts_interval")

        def get_max_failure_rate(self) -> int:
            return self._rate

        def get_failure_interval(self) -> datetime.timedelta:
            return datetime.timedelta(milliseconds=self._interval)

        def get_delay_between_attempts_interval(self) -> datetime.timedelta:
            return datetime.timedelta(milliseconds=self._delay)

        def get_description(self) -> str:
            return (f"Failure rate restart with maximum of {self._rate} failures within interval "
                    f"{self._interval} ms and fixed delay {self._delay} ms.")

        def _options(self) -> dict[str, str]:
            return {"restart-strategy.type": "failure-rate",
                    "restart-strategy.failure-rate.max-failures-per-interval": str(self._rate),
                    "restart-strategy.failure-rate.failure-rate-interval": f"{self._interval} ms",
                    "restart-strategy.failure-rate.delay": f"{self._delay} ms"}

    class FallbackRestartStrategyConfiguration(RestartStrategyConfiguration):
        """Use the cluster's (here: the configuration's) restart strategy."""

        def get_description(self) -> str:
            return "Cluster level default restart strategy"

        def _options(self) -> dict[str, str]:
            return {}

    @staticmethod
    def no_restart() -> RestartStrategies.NoRestartStrategyConfiguration:
        return RestartStrategies.NoRestartStrategyConfiguration()

    @staticmethod
    def fall_back_restart() -> RestartStrategies.FallbackRestartStrategyConfiguration:
        return RestartStrategies.FallbackRestartStrategyConfiguration()

    @staticmethod
    def fixed_delay_restart(restart_attempts: int, delay_between_attempts: Any) \
            -> RestartStrategies.FixedDelayRestartStrategyConfiguration:
        return RestartStrategies.FixedDelayRestartStrategyConfiguration(restart_attempts, delay_between_attempts)

    @staticmethod
    def failure_rate_restart(failure_rate: int, failure_interval: Any, delay_interval: Any) \
            -> RestartStrategies.FailureRateRestartStrategyConfiguration:
        return RestartStrategies.FailureRateRestartStrategyConfiguration(failure_rate, failure_interval,
                                                                         delay_interval)
