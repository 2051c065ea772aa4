"""``python -m flinklite run program.py [args...]``: run a PyFlink program on flinklite, unchanged.

The program's ``import pyflink...`` statements are served by flinklite (see
:func:`flinklite.install_pyflink_alias`), then the file runs as ``__main__``.
"""

from __future__ import annotations

import runpy
import sys

from flinklite._alias import install_pyflink_alias

USAGE = "usage: python -m flinklite run PROGRAM.py [ARGS...]   (runs a PyFlink program on flinklite)"


def main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[0] != "run":
        print(USAGE, file=sys.stderr)
        return 2
    install_pyflink_alias()
    sys.argv = argv[1:]
    runpy.run_path(argv[1], run_name="__main__")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
