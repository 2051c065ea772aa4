"""Loggers under Flink's logger names that cost a job nothing while nobody uses ``logging``.

flinklite logs what Flink logs (job state switches, failures, restarts, checkpoints) under
Flink's names, e.g. ``org.apache.flink.runtime.executiongraph.ExecutionGraph``, so a Flink user's
logging configuration finds them. Importing :mod:`logging` costs every job's start-up a few
milliseconds, so a :class:`FlinkLogger` imports it only when a line must be written:

- ``debug``/``info`` are dropped while ``logging`` is not imported: a program that never imported
  it cannot have configured a handler or a level, and by default those levels print nothing;
- ``warning``/``error`` always import it and log (the default last-resort handler prints them).
"""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["FlinkLogger"]


class FlinkLogger:
    __slots__ = ("name", "_logger")

    def __init__(self, name: str) -> None:
        self.name = name
        self._logger: Any = None

    def _get(self) -> Any:
        if self._logger is None:
            import logging

            self._logger = logging.getLogger(self.name)
        return self._logger

    def debug(self, msg: str, *args: Any, **kwargs: Any) -> None:
        if "logging" in sys.modules:
            self._get().debug(msg, *args, **kwargs)

    def info(self, msg: str, *args: Any, **kwargs: Any) -> None:
        if "logging" in sys.modules:
            self._get().info(msg, *args, **kwargs)

    def warning(self, msg: str, *args: Any, **kwargs: Any) -> None:
        self._get().warning(msg, *args, **kwargs)

    def error(self, msg: str, *args: Any, **kwargs: Any) -> None:
        self._get().error(msg, *args, **kwargs)
