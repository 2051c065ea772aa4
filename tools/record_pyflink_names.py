"""Records the public names of PyFlink 2.3 into ``tests/unit/pyflink_2_3_names.json``.

Reads ``__all__`` of every public module under ``pyflink.common``, ``pyflink.datastream`` and
``pyflink.metrics`` straight from the sources of the ``apache-flink`` wheel, statically (with
``ast``, so PyFlink is neither installed nor imported). Only names are taken, no code.

    pip download --no-deps apache-flink==2.3.0 -d /tmp/pyflink
    python tools/record_pyflink_names.py /tmp/pyflink/apache_flink-2.3.0-*.whl
"""

from __future__ import annotations

import ast
import json
import os
import sys
import zipfile

PACKAGES = ("pyflink/common/", "pyflink/datastream/", "pyflink/metrics/")
OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "unit", "pyflink_2_3_names.json")


def module_name(path: str) -> str | None:
    parts = path[:-3].split("/")
    if parts[-1] == "__init__":
        parts.pop()
    if any(p.startswith("_") or p in ("tests", "examples") for p in parts):
        return None
    return ".".join(parts)


def static_all(source: str) -> list[str] | None:
    names = None
    for node in ast.parse(source).body:
        target = node.targets[0] if isinstance(node, ast.Assign) else getattr(node, "target", None)
        if isinstance(target, ast.Name) and target.id == "__all__":
            value = list(ast.literal_eval(node.value))
            names = (names or []) + value if isinstance(node, ast.AugAssign) else value
    return names


def main(wheel: str) -> None:
    out: dict[str, object] = {"_source": f"__all__ of the public modules in {os.path.basename(wheel)}"}
    with zipfile.ZipFile(wheel) as z:
        for path in sorted(z.namelist()):
            if path.endswith(".py") and path.startswith(PACKAGES) and (name := module_name(path)):
                names = static_all(z.read(path).decode("utf-8"))
                if names is not None:
                    out[name] = sorted(set(names))
    with open(OUT, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main(sys.argv[1])
