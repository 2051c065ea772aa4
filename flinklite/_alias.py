"""Running PyFlink programs unchanged: serve ``import pyflink...`` from ``flinklite...``.

:func:`install_pyflink_alias` puts an import hook first on ``sys.meta_path``. Every import of
``pyflink`` or ``pyflink.X.Y`` returns the *same module object* as ``flinklite`` /
``flinklite.X.Y`` (so ``isinstance`` and identity checks hold); a ``pyflink`` submodule that
flinklite does not have fails with the usual ``ModuleNotFoundError``.
"""

from __future__ import annotations

import importlib
import sys

__all__ = ["install_pyflink_alias"]

# No importlib.abc base classes: importing importlib.abc pulls in importlib.resources, typing and
# pathlib (tens of ms at start-up, for every flinklite program); the import system only needs
# the protocol methods. importlib.util is imported when a pyflink module is first looked up.


class _AliasLoader:
    def __init__(self, target: str) -> None:
        self.target = target

    def create_module(self, spec):
        return importlib.import_module(self.target)

    def exec_module(self, module) -> None:
        import importlib.util

        real = importlib.util.find_spec(self.target)
        if real is not None:
            module.__spec__ = real  # importlib stamped the alias spec; keep the real one


class _PyflinkAlias:
    def find_spec(self, fullname, path, target=None):
        if fullname != "pyflink" and not fullname.startswith("pyflink."):
            return None
        import importlib.util

        real = "flinklite" + fullname[len("pyflink"):]
        if importlib.util.find_spec(real) is None:
            return None
        return importlib.util.spec_from_loader(fullname, _AliasLoader(real), is_package=True)


def install_pyflink_alias() -> None:
    """Make ``import pyflink...`` load flinklite (idempotent)."""
    if not any(isinstance(f, _PyflinkAlias) for f in sys.meta_path):
        sys.meta_path.insert(0, _PyflinkAlias())
