"""Ctrl-C (SIGINT) and SIGTERM while a job runs in the caller's thread.

In PyFlink a local job runs in a JVM child process: Ctrl-C ends both, no cancel runs, and the
retained checkpoints on disk stay whatever ``externalized-checkpoint-retention`` says (that
setting decides what a *cancel* deletes; a killed process deletes nothing). flinklite does the
same for the checkpoints and in addition stops the tasks cleanly (operators are closed, no
``finish``). The ``KeyboardInterrupt`` still propagates, so ``try/finally`` in the program runs;
if nothing catches it, a one-line message replaces the traceback.

SIGTERM is treated like Ctrl-C while ``execute()`` runs in the main thread and the program has
not installed its own SIGTERM handler.
"""

from __future__ import annotations

import signal
import sys
import threading
from contextlib import contextmanager
from typing import Any

__all__ = ["JobInterrupted", "mark_interrupt", "terminate_as_interrupt"]


class JobInterrupted(KeyboardInterrupt):
    """SIGTERM while a job ran: a ``KeyboardInterrupt``, so it stops the job the same way."""


_previous_hook: Any = None


def _hook(exc_type, exc, tb) -> None:
    message = getattr(exc, "_flinklite_message", None)
    if message is not None and issubclass(exc_type, KeyboardInterrupt):
        print(f"flinklite: {message}", file=sys.stderr)
        return
    (_previous_hook or sys.__excepthook__)(exc_type, exc, tb)


def mark_interrupt(exc: BaseException, message: str) -> None:
    """Attach ``message`` to ``exc``; if nothing catches it, print only the message."""
    global _previous_hook
    exc._flinklite_message = message  # type: ignore[attr-defined]
    if sys.excepthook is not _hook:
        _previous_hook = sys.excepthook
        sys.excepthook = _hook


def _on_sigterm(signum, frame) -> None:
    raise JobInterrupted("SIGTERM")


@contextmanager
def terminate_as_interrupt():
    """While the block runs, SIGTERM raises :class:`JobInterrupted` (main thread only, and only
    when SIGTERM still has its default handler)."""
    installed = False
    if threading.current_thread() is threading.main_thread():
        try:
            if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
                signal.signal(signal.SIGTERM, _on_sigterm)
                installed = True
        except (ValueError, OSError):  # no signals here (embedded interpreter)
            pass
    try:
        yield
    finally:
        if installed:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
