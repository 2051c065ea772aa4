"""The per-input watermark valve (Flink's ``StatusWatermarkValve``).

A task reading ``n`` channels has one watermark clock, the minimum over its channels. The valve
keeps, per channel, the last watermark, whether the channel is idle, and whether it is *aligned*
(taking part in the minimum). It emits a new watermark only when the minimum increases, so
downstream watermarks never go backwards. Idle channels are left out of the minimum; a channel
that comes back from idleness *behind* the current output stays out until it catches up.

``input_watermark`` / ``input_status`` return what should be emitted (or ``None``), so the valve is
a pure state machine the task can test and drive.
"""

from __future__ import annotations

from flinklite.time.watermark import MIN_TIMESTAMP

__all__ = ["StatusWatermarkValve"]


class _ChannelStatus:
    __slots__ = ("watermark", "idle", "aligned")

    def __init__(self) -> None:
        self.watermark = MIN_TIMESTAMP
        self.idle = False
        self.aligned = True


class StatusWatermarkValve:
    def __init__(self, num_channels: int) -> None:
        self._channels = [_ChannelStatus() for _ in range(num_channels)]
        self.last_output_watermark = MIN_TIMESTAMP
        self.output_idle = False

    @property
    def num_channels(self) -> int:
        return len(self._channels)

    def input_watermark(self, watermark: int, channel: int) -> int | None:
        """A watermark arrived on ``channel``; returns the new output watermark, if any."""
        ch = self._channels[channel]
        if self.output_idle or ch.idle:
            return None  # watermarks of idle channels are ignored
        if watermark > ch.watermark:
            ch.watermark = watermark
            if not ch.aligned and watermark >= self.last_output_watermark:
                ch.aligned = True
            return self._advance_to_min()
        return None

    def input_status(self, idle: bool, channel: int) -> tuple[int | None, bool | None]:
        """A status arrived on ``channel``.

        Returns ``(watermark to emit or None, new output status to emit or None)``; when both are
        set, the watermark goes first.
        """
        ch = self._channels[channel]
        if idle and not ch.idle:
            ch.idle = True
            ch.aligned = False
            if all(c.idle for c in self._channels):
                wm = None
                if ch.watermark == self.last_output_watermark:
                    top = max(c.watermark for c in self._channels)
                    if top > self.last_output_watermark:
                        self.last_output_watermark = top
                        wm = top
                self.output_idle = True
                return wm, True
            if ch.watermark == self.last_output_watermark:
                return self._advance_to_min(), None
            return None, None
        if not idle and ch.idle:
            ch.idle = False
            if ch.watermark >= self.last_output_watermark:
                ch.aligned = True
            if self.output_idle:
                self.output_idle = False
                return None, False
        return None, None

    def _advance_to_min(self) -> int | None:
        m = None
        for c in self._channels:
            if c.aligned and (m is None or c.watermark < m):
                m = c.watermark
        if m is not None and m > self.last_output_watermark:
            self.last_output_watermark = m
            return m
        return None
