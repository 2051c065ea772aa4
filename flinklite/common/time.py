"""Time values: flinklite's version of ``pyflink.common.time``.

``Time`` is Flink's simple interval in milliseconds, ``Duration`` mirrors Java's
``java.time.Duration`` (PyFlink wraps the Java object; here it is a pure
Python value holding seconds and nanoseconds), and ``Instant`` is a point on
the time line as ``(seconds, nanos)`` since the epoch.

Differences from PyFlink 2.3: all three classes are hashable; ``Time`` and
``Duration`` have a readable ``repr`` (PyFlink shows the default object repr);
``Duration`` also has ``to_milliseconds``/``to_nanos``/``get_seconds``/
``get_nano`` (Java names, flinklite extras); and ``Instant.to_epoch_milli``
gives the exact result for negative instants with a fractional second, where
PyFlink's returns a wrong value (it gives -901 for ``of_epoch_milli(-1)``).
"""

from __future__ import annotations

import datetime
from typing import Any

__all__ = ["Duration", "Instant", "Time"]

_NANOS_PER_SECOND = 1_000_000_000


class Duration:
    """An amount of time with nanosecond precision, like ``java.time.Duration``."""

    __slots__ = ("_seconds", "_nanos")

    def __init__(self, seconds: int = 0, nanos: int = 0) -> None:
        # Normalise like Java: 0 <= nanos < 1e9, seconds carries the sign.
        extra, self._nanos = divmod(int(nanos), _NANOS_PER_SECOND)
        self._seconds = int(seconds) + extra

    @staticmethod
    def of_days(days: int) -> Duration:
        return Duration(days * 86400)

    @staticmethod
    def of_hours(hours: int) -> Duration:
        return Duration(hours * 3600)

    @staticmethod
    def of_minutes(minutes: int) -> Duration:
        return Duration(minutes * 60)

    @staticmethod
    def of_seconds(seconds: int) -> Duration:
        return Duration(seconds)

    @staticmethod
    def of_millis(millis: int) -> Duration:
        return Duration(0, millis * 1_000_000)

    @staticmethod
    def of_nanos(nanos: int) -> Duration:
        return Duration(0, nanos)

    def to_milliseconds(self) -> int:
        """flinklite extra: whole milliseconds, truncated toward negative infinity like Java's toMillis."""
        return self._seconds * 1000 + self._nanos // 1_000_000

    def to_nanos(self) -> int:
        return self._seconds * _NANOS_PER_SECOND + self._nanos

    def get_seconds(self) -> int:
        return self._seconds

    def get_nano(self) -> int:
        return self._nanos

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Duration) and self.to_nanos() == other.to_nanos()

    def __hash__(self) -> int:
        return hash(self.to_nanos())

    def __repr__(self) -> str:
        if self._nanos % 1_000_000 == 0:
            return f"Duration.of_millis({self.to_milliseconds()})"
        return f"Duration.of_nanos({self.to_nanos()})"


class Instant:
    """A point in time: whole ``seconds`` since the epoch plus ``nanos`` (public attributes)."""

    __slots__ = ("seconds", "nanos")

    def __init__(self, seconds: int, nanos: int) -> None:
        self.seconds = seconds
        self.nanos = nanos

    def to_epoch_milli(self) -> int:
        return self.seconds * 1000 + self.nanos // 1_000_000

    @staticmethod
    def of_epoch_milli(epoch_milli: int) -> Instant:
        seconds, millis = divmod(epoch_milli, 1000)
        return Instant(seconds, millis * 1_000_000)

    def __eq__(self, other: object) -> bool:
        return (
            self.__class__ == other.__class__
            and self.seconds == other.seconds  # type: ignore[attr-defined]
            and self.nanos == other.nanos  # type: ignore[attr-defined]
        )

    def __hash__(self) -> int:
        return hash((self.seconds, self.nanos))

    def __repr__(self) -> str:
        return f"Instant<{self.seconds}, {self.nanos}>"

    def __reduce__(self) -> tuple[type[Instant], tuple[int, int]]:
        return Instant, (self.seconds, self.nanos)


class Time:
    """A time interval in milliseconds (used by window and TTL APIs). ``str()`` is ``'<n> ms'``."""

    __slots__ = ("_milliseconds",)

    def __init__(self, milliseconds: int) -> None:
        self._milliseconds = milliseconds

    def to_milliseconds(self) -> int:
        return self._milliseconds

    @staticmethod
    def milliseconds(milliseconds: int) -> Time:
        return Time(milliseconds)

    @staticmethod
    def seconds(seconds: int) -> Time:
        return Time(seconds * 1000)

    @staticmethod
    def minutes(minutes: int) -> Time:
        return Time(minutes * 60_000)

    @staticmethod
    def hours(hours: int) -> Time:
        return Time(hours * 3_600_000)

    @staticmethod
    def days(days: int) -> Time:
        return Time(days * 86_400_000)

    def __eq__(self, other: object) -> bool:
        return self.__class__ == other.__class__ and self._milliseconds == other._milliseconds  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(self._milliseconds)

    def __str__(self) -> str:
        return f"{self._milliseconds} ms"

    def __repr__(self) -> str:
        return f"Time.milliseconds({self._milliseconds})"

    def __reduce__(self) -> tuple[type[Time], tuple[int]]:
        return Time, (self._milliseconds,)


def _as_millis(value: Any) -> int | None:
    """``value`` as a whole number of milliseconds: an int, a :class:`Time`, a :class:`Duration`
    or a ``datetime.timedelta``; None for anything else (each caller words its own error)."""
    if isinstance(value, int):
        return None if isinstance(value, bool) else value
    if isinstance(value, datetime.timedelta):
        return int(value / datetime.timedelta(milliseconds=1))
    to_ms = getattr(value, "to_milliseconds", None)
    return int(to_ms()) if to_ms is not None else None
