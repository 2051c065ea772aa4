"""The context configuration of ``flinklite run`` (Flink's ``StreamContextEnvironment``): the
CLI's ``-p``, ``-s`` and ``-D`` options become defaults of every environment the program
creates. The program's own settings win, as with Flink's CLI, where ``-p`` is only the default
parallelism."""

from __future__ import annotations

from typing import Any

__all__ = ["set_context", "clear_context", "apply_context"]

_CONTEXT: dict[str, str] = {}


def set_context(options: dict[str, str]) -> None:
    _CONTEXT.clear()
    _CONTEXT.update({str(k): str(v) for k, v in options.items()})


def clear_context() -> None:
    _CONTEXT.clear()


def apply_context(configuration: Any) -> None:
    """Set every context option the configuration does not set itself."""
    for key, value in _CONTEXT.items():
        if not configuration.contains_key(key):
            configuration.set_string(key, value)
