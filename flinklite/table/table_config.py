"""``TableConfig`` (PyFlink's ``pyflink.table.TableConfig``): the table environment's options.
Keys the DataStream runtime knows (``parallelism.default``, ``pipeline.auto-watermark-interval``,
``execution.runtime-mode`` ...) are forwarded to the underlying StreamExecutionEnvironment; the
session time zone (``table.local-time-zone``) decides how TIMESTAMP_LTZ values are shown."""

from __future__ import annotations

import datetime
from typing import Any

__all__ = ["TableConfig"]


class TableConfig:
    def __init__(self, env: Any = None) -> None:
        from flinklite.common.configuration import Configuration

        self._env = env
        self._conf = Configuration()
        self._idle_state_retention = datetime.timedelta(0)

    def get(self, key: str, default_value: Any = None) -> Any:
        return self._conf.get_string(key, default_value)

    def set(self, key: str, value: str) -> TableConfig:
        from flinklite.common.configuration import Configuration

        self._conf.set_string(key, str(value))
        if self._env is not None:
            one = Configuration()
            one.set_string(key, str(value))
            self._env.configure(one)
        return self

    def get_local_timezone(self) -> str:
        return self._conf.get_string("table.local-time-zone", "default")

    def set_local_timezone(self, timezone_id: str) -> None:
        self.set("table.local-time-zone", timezone_id)

    def _tzinfo(self) -> datetime.tzinfo | None:
        """The session zone; None = the machine's local zone (Flink's ``default``)."""
        tz = self.get_local_timezone()
        if tz in ("default", "", None):
            return datetime.datetime.now().astimezone().tzinfo
        if tz.upper() in ("UTC", "GMT", "Z"):
            return datetime.UTC
        from zoneinfo import ZoneInfo

        return ZoneInfo(tz)

    def get_max_generated_code_length(self) -> int:
        return int(self._conf.get_string("table.generated-code.max-length", "4000"))

    def set_max_generated_code_length(self, max_generated_code_length: int) -> None:
        self.set("table.generated-code.max-length", str(max_generated_code_length))

    def set_idle_state_retention(self, duration: datetime.timedelta) -> None:
        self._idle_state_retention = duration

    def get_idle_state_retention(self) -> datetime.timedelta:
        return self._idle_state_retention

    def get_configuration(self) -> Any:
        return self._conf

    def add_configuration(self, configuration: Any) -> None:
        for k, v in configuration.to_dict().items():
            self.set(k, v)

    def to_map(self) -> dict:
        return dict(self._conf.to_dict())

    def set_python_executable(self, python_exec: str) -> None:
        self.set("python.executable", python_exec)

    def get_python_executable(self) -> str:
        return self._conf.get_string("python.executable", None)

    @staticmethod
    def get_default() -> TableConfig:
        return TableConfig()
