"""Restart strategies (Flink's ``RestartBackoffTimeStrategy`` family, ``restart-strategy.type``).

Each strategy answers two questions after a failure: may the job restart, and after how long.
Defaults as in Flink: ``none`` when checkpointing is off, ``exponential-delay`` when it is on.
Counters are job-wide and are not reset by successful checkpoints.
"""

from __future__ import annotations

import random
from collections import deque
from typing import Any

from flinklite.errors import InvalidProgramException

__all__ = ["RestartStrategy", "NoRestart", "FixedDelayRestart", "FailureRateRestart",
           "ExponentialDelayRestart", "restart_strategy_from_config"]


class RestartStrategy:
    def can_restart(self, now_ms: int) -> bool:
        raise NotImplementedError

    def backoff_ms(self) -> int:
        return 0

    def describe(self) -> str:
        return type(self).__name__


class NoRestart(RestartStrategy):
    def can_restart(self, now_ms: int) -> bool:
        return False

    def describe(self) -> str:
        return "no restart strategy (restart-strategy.type: none)"


class FixedDelayRestart(RestartStrategy):
    def __init__(self, attempts: int = 1, delay_ms: int = 1000) -> None:
        self.attempts = attempts
        self.delay_ms = delay_ms
        self.failures = 0

    def can_restart(self, now_ms: int) -> bool:
        self.failures += 1
        return self.failures <= self.attempts

    def backoff_ms(self) -> int:
        return self.delay_ms

    def describe(self) -> str:
        return f"fixed-delay restart ({self.attempts} attempts, {self.delay_ms} ms delay)"


class FailureRateRestart(RestartStrategy):
    def __init__(self, max_failures: int = 1, interval_ms: int = 60_000, delay_ms: int = 1000) -> None:
        self.max_failures = max_failures
        self.interval_ms = interval_ms
        self.delay_ms = delay_ms
        self.times: deque[int] = deque(maxlen=max_failures + 1)

    def can_restart(self, now_ms: int) -> bool:
        self.times.append(now_ms)
        full = len(self.times) == self.max_failures + 1
        return not (full and now_ms - self.times[0] <= self.interval_ms)

    def backoff_ms(self) -> int:
        return self.delay_ms

    def describe(self) -> str:
        return f"failure-rate restart (max {self.max_failures} failures per {self.interval_ms} ms)"


class ExponentialDelayRestart(RestartStrategy):
    def __init__(self, initial_ms: int = 1000, max_ms: int = 60_000, multiplier: float = 1.5,
                 reset_threshold_ms: int = 3_600_000, jitter: float = 0.1,
                 attempts_before_reset: int | None = None, seed: int | None = None) -> None:
        self.initial = initial_ms
        self.max = max_ms
        self.multiplier = multiplier
        self.reset_threshold = reset_threshold_ms
        self.jitter = jitter
        self.attempts_before_reset = attempts_before_reset
        self.attempt = 0
        self.next_restart_ts: int | None = None
        self._backoff = initial_ms
        self._rng = random.Random(seed)

    def can_restart(self, now_ms: int) -> bool:
        if self.next_restart_ts is not None and now_ms <= self.next_restart_ts:
            return True  # merged with the previous failure: not counted again
        if self.next_restart_ts is not None and now_ms - self.next_restart_ts >= self.reset_threshold:
            self.attempt = 0
        b = self.initial * self.multiplier ** self.attempt
        b += self._rng.uniform(-b * self.jitter, b * self.jitter)
        self._backoff = int(min(max(b, self.initial), self.max))
        self.next_restart_ts = now_ms + self._backoff
        self.attempt += 1
        return self.attempts_before_reset is None or self.attempt <= self.attempts_before_reset

    def backoff_ms(self) -> int:
        return self._backoff

    def describe(self) -> str:
        attempts = "unlimited attempts" if self.attempts_before_reset is None \
            else f"{self.attempts_before_reset} attempts"
        return (f"exponential-delay restart (backoff {self.initial} ms x{self.multiplier} up to "
                f"{self.max} ms, {attempts})")


def restart_strategy_from_config(raw: dict[str, str], checkpointing: bool) -> RestartStrategy:
    from flinklite.common.configuration import parse_duration_ms

    kind = (raw.get("restart-strategy.type") or raw.get("restart-strategy") or "").strip().lower()
    if not kind:
        kind = "exponential-delay" if checkpointing else "none"

    def dur(key: str, default: int) -> int:
        v = raw.get(key)
        if v is None:
            return default
        try:
            return parse_duration_ms(v)
        except ValueError as e:
            raise InvalidProgramException(f"{key}: {e}") from None

    def num(key: str, default: Any, cast: Any = int) -> Any:
        v = raw.get(key)
        if v is None:
            return default
        try:
            return cast(v)
        except (TypeError, ValueError):
            raise InvalidProgramException(
                f"{key}: {v!r} is not {'an integer' if cast is int else 'a number'}"
            ) from None

    if kind in ("none", "off", "disable"):
        return NoRestart()
    if kind in ("fixed-delay", "fixeddelay"):
        return FixedDelayRestart(num("restart-strategy.fixed-delay.attempts", 1),
                                 dur("restart-strategy.fixed-delay.delay", 1000))
    if kind in ("failure-rate", "failurerate"):
        return FailureRateRestart(num("restart-strategy.failure-rate.max-failures-per-interval", 1),
                                  dur("restart-strategy.failure-rate.failure-rate-interval", 60_000),
                                  dur("restart-strategy.failure-rate.delay", 1000))
    if kind in ("exponential-delay", "exponentialdelay"):
        p = "restart-strategy.exponential-delay."
        attempts = raw.get(p + "attempts-before-reset-backoff")
        return ExponentialDelayRestart(dur(p + "initial-backoff", 1000), dur(p + "max-backoff", 60_000),
                                       num(p + "backoff-multiplier", 1.5, float),
                                       dur(p + "reset-backoff-threshold", 3_600_000),
                                       num(p + "jitter-factor", 0.1, float),
                                       num(p + "attempts-before-reset-backoff", None) if attempts is not None
                                       else None)
    raise InvalidProgramException(
        f"restart-strategy.type {kind!r} is not known; use none, fixed-delay, failure-rate or exponential-delay"
    )
