"""``WatermarkStrategy`` and ``TimestampAssigner`` (PyFlink's ``pyflink.common.watermark_strategy``).

A strategy bundles a timestamp assigner (where each record's event time comes from) and a
watermark generator (how far event time has progressed). The built-in generators follow Flink
exactly: bounded out-of-orderness ``B`` emits ``max_ts - B - 1`` every auto-watermark interval
(so a record with ``ts == max_ts`` is still on time), monotonous is ``B = 0``.

Not in PyFlink (Java Flink's API, non-portable): :class:`WatermarkGenerator`, :class:`WatermarkOutput`
and ``WatermarkStrategy.for_generator``, for custom (e.g. punctuated) watermarks.
``AssignerWithPeriodicWatermarksWrapper`` wraps Flink's legacy Java assigners; it exists by name and
raises :class:`~flinklite.errors.UnsupportedFeature` when constructed.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

from flinklite.common.time import _as_millis
from flinklite.errors import InvalidProgramException, UnsupportedFeature

__all__ = [
    "AssignerWithPeriodicWatermarksWrapper", "WatermarkStrategy", "TimestampAssigner", "WatermarkGenerator",
    "WatermarkOutput",
]


class TimestampAssigner(ABC):
    @abstractmethod
    def extract_timestamp(self, value: Any, record_timestamp: int) -> int:
        """The event time of ``value`` in epoch milliseconds. ``record_timestamp`` is the record's
        current timestamp (``MIN_TIMESTAMP`` if it has none)."""


class WatermarkOutput(ABC):
    """Where a generator sends watermarks (Java Flink's ``WatermarkOutput``; non-portable)."""

    @abstractmethod
    def emit_watermark(self, watermark: int) -> None: ...

    @abstractmethod
    def mark_idle(self) -> None: ...

    @abstractmethod
    def mark_active(self) -> None: ...


class WatermarkGenerator(ABC):
    """A custom watermark generator (Java Flink's ``WatermarkGenerator``; non-portable: PyFlink has
    no way to write one in Python). Punctuated generators emit in ``on_event``; periodic ones in
    ``on_periodic_emit``, called every ``pipeline.auto-watermark-interval``."""

    @abstractmethod
    def on_event(self, event: Any, event_timestamp: int, output: WatermarkOutput) -> None: ...

    @abstractmethod
    def on_periodic_emit(self, output: WatermarkOutput) -> None: ...


def _millis(duration: Any, what: str) -> int:
    ms = _as_millis(duration)
    if ms is None:
        raise InvalidProgramException(f"{what}: expected a Duration (Duration.of_millis(...)), got {duration!r}")
    return ms


class WatermarkStrategy:
    """How a stream gets timestamps and watermarks. Immutable: ``with_*`` return new strategies."""

    def __init__(self, generator_factory: Callable[[], Any], description: str,
                 timestamp_assigner: Any = None, idle_timeout_ms: int | None = None,
                 alignment: tuple | None = None) -> None:
        self._generator_factory = generator_factory
        self._description = description
        self._timestamp_assigner = timestamp_assigner
        self._idle_timeout_ms = idle_timeout_ms
        self._alignment = alignment

    # -- factories --------------------------------------------------------------------------
    @staticmethod
    def for_monotonous_timestamps() -> WatermarkStrategy:
        from flinklite.time.generators import BoundedOutOfOrdernessWatermarks

        return WatermarkStrategy(lambda: BoundedOutOfOrdernessWatermarks(0), "for_monotonous_timestamps()")

    @staticmethod
    def for_bounded_out_of_orderness(max_out_of_orderness: Any) -> WatermarkStrategy:
        from flinklite.time.generators import BoundedOutOfOrdernessWatermarks

        bound = _millis(max_out_of_orderness, "for_bounded_out_of_orderness")
        if bound < 0:
            raise InvalidProgramException(
                f"for_bounded_out_of_orderness: the bound must not be negative, got {bound} ms"
            )
        return WatermarkStrategy(
            lambda: BoundedOutOfOrdernessWatermarks(bound), f"for_bounded_out_of_orderness({bound} ms)"
        )

    @staticmethod
    def no_watermarks() -> WatermarkStrategy:
        from flinklite.time.generators import NoWatermarksGenerator

        return WatermarkStrategy(NoWatermarksGenerator, "no_watermarks()")

    @staticmethod
    def for_generator(generator_supplier: Callable[[], WatermarkGenerator]) -> WatermarkStrategy:
        """A strategy with a custom :class:`WatermarkGenerator` (Java API; not portable to PyFlink).

        ``generator_supplier`` is called once per parallel subtask and returns a fresh generator
        (a ``WatermarkGenerator`` subclass itself works as the supplier)."""
        if not callable(generator_supplier):
            raise InvalidProgramException("for_generator needs a callable that returns a WatermarkGenerator")
        return WatermarkStrategy(generator_supplier, f"for_generator({generator_supplier!r})")

    # -- refinements ------------------------------------------------------------------------
    def with_timestamp_assigner(self, timestamp_assigner: Any) -> WatermarkStrategy:
        if not (isinstance(timestamp_assigner, TimestampAssigner) or callable(timestamp_assigner)):
            raise InvalidProgramException(
                "with_timestamp_assigner needs a TimestampAssigner (extract_timestamp(value, "
                f"record_timestamp)) or a callable, got {type(timestamp_assigner).__name__}"
            )
        return WatermarkStrategy(self._generator_factory, self._description, timestamp_assigner,
                                 self._idle_timeout_ms, self._alignment)

    def with_idleness(self, idle_timeout: Any) -> WatermarkStrategy:
        ms = _millis(idle_timeout, "with_idleness")
        if ms <= 0:
            raise InvalidProgramException(f"with_idleness: the timeout must be positive, got {ms} ms")
        return WatermarkStrategy(self._generator_factory, self._description, self._timestamp_assigner,
                                 ms, self._alignment)

    def with_watermark_alignment(self, watermark_group: str, max_allowed_watermark_drift: Any,
                                 update_interval: Any = None) -> WatermarkStrategy:
        drift = _millis(max_allowed_watermark_drift, "with_watermark_alignment")
        interval = 1000 if update_interval is None else _millis(update_interval, "with_watermark_alignment")
        return WatermarkStrategy(self._generator_factory, self._description, self._timestamp_assigner,
                                 self._idle_timeout_ms, (watermark_group, drift, interval))

    # -- runtime ----------------------------------------------------------------------------
    def _create_generator(self, clock: Any = None) -> Any:
        gen = self._generator_factory()
        if self._idle_timeout_ms is not None:
            from flinklite.time.generators import WatermarksWithIdleness

            gen = WatermarksWithIdleness(gen, self._idle_timeout_ms, clock)
        return gen

    def _extractor(self) -> Callable[[Any, int], int] | None:
        a = self._timestamp_assigner
        if a is None:
            return None
        return a.extract_timestamp if isinstance(a, TimestampAssigner) else a

    def __repr__(self) -> str:
        extra = "" if self._idle_timeout_ms is None else f".with_idleness({self._idle_timeout_ms} ms)"
        return f"WatermarkStrategy.{self._description}{extra}"


class AssignerWithPeriodicWatermarksWrapper:
    """PyFlink's wrapper of a legacy Java ``AssignerWithPeriodicWatermarks`` (deprecated)."""

    def __init__(self, j_assigner_with_periodic_watermarks: Any = None) -> None:
        raise UnsupportedFeature(
            "AssignerWithPeriodicWatermarksWrapper wraps a legacy Java watermark assigner, which flinklite "
            "cannot run; use WatermarkStrategy.for_bounded_out_of_orderness(...).with_timestamp_assigner(...)")
