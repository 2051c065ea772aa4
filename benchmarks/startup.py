"""Start-up: a whole ``python`` process that imports flinklite and runs a one-record job, against
a bare ``python -c pass``.

    .venv/bin/python -m benchmarks.startup [--runs N] [--no-bytecode-cache]

Three commands, each run ``N`` times (default 15) in turn, as fresh processes, timed from
``fork`` to exit (wall time):

* ``bare``: ``python -c pass``, the interpreter's own start-up (site, the venv's .pth files);
* ``import``: ``python -c "import flinklite.datastream"``;
* ``job``: ``from_collection([1]).print()`` + ``env.execute()``, the smallest complete program.

The number to judge is ``job - bare`` (the issue's target: within 0.3 s), from the medians.

Byte code: an installed package has its ``.pyc`` files, so by default the children write and
reuse them under a private ``PYTHONPYCACHEPREFIX`` (a warm-up run of each command fills it),
whatever ``PYTHONDONTWRITEBYTECODE`` says in this shell. ``--no-bytecode-cache`` measures the
cold case instead (every module compiled from source on every start, as in a checkout run with
``PYTHONDONTWRITEBYTECODE=1``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

JOB = ("from flinklite.datastream import StreamExecutionEnvironment; "
       "env = StreamExecutionEnvironment.get_execution_environment(); "
       "env.from_collection([1]).print(); env.execute('one record')")

COMMANDS = {
    "bare": "pass",
    "import": "import flinklite.datastream",
    "job": JOB,
}

# Modules a DataStream job must not load (the Table/SQL layer, test tooling, database drivers).
OPTIONAL = ("sqlglot", "hypothesis", "psycopg", "flinklite.table", "flinklite.testing", "flinklite.cep",
            "flinklite.metrics", "concurrent.futures", "logging", "uuid")


def _env(bytecode_cache: bool, cache_dir: str) -> dict[str, str]:
    env = dict(os.environ)
    if bytecode_cache:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = cache_dir
    else:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env.pop("PYTHONPYCACHEPREFIX", None)
    return env


def _run(code: str, env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def loaded_optional(env: dict[str, str] | None = None) -> list[str]:
    """The modules of :data:`OPTIONAL` a one-record job has in ``sys.modules`` at its end."""
    code = JOB + f"; import sys; print('LOADED:' + ','.join(m for m in {OPTIONAL!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True)
    line = [t for t in out.stdout.splitlines() if t.startswith("LOADED:")][-1]
    return [m for m in line[len("LOADED:"):].split(",") if m]


def measure(runs: int = 15, bytecode_cache: bool = True) -> dict[str, list[float]]:
    """Wall seconds of each command, ``runs`` times each, interleaved."""
    with tempfile.TemporaryDirectory(prefix="flinklite-pyc-") as cache_dir:
        env = _env(bytecode_cache, cache_dir)
        for code in COMMANDS.values():  # warm-up: fills the byte-code cache, the OS page cache
            _run(code, env)
        times: dict[str, list[float]] = {name: [] for name in COMMANDS}
        for _ in range(runs):
            for name, code in COMMANDS.items():
                times[name].append(_run(code, env))
        times["_loaded"] = loaded_optional(env)  # type: ignore[assignment]
    return times


def summary(times: dict[str, list[float]], bytecode_cache: bool = True) -> str:
    """A Markdown table: median and minimum per command, and the job's excess over bare."""
    med = {k: statistics.median(v) for k, v in times.items() if not k.startswith("_")}
    low = {k: min(v) for k, v in times.items() if not k.startswith("_")}
    lines = [
        "| process | median s | min s | median - bare s |",
        "|---|---:|---:|---:|",
    ]
    labels = {"bare": "`python -c pass`", "import": "`import flinklite.datastream`",
              "job": "import + one-record job (`from_collection([1]).print()`, `execute`)"}
    for name in COMMANDS:
        lines.append(f"| {labels[name]} | {med[name]:.3f} | {low[name]:.3f} | {med[name] - med['bare']:+.3f} |")
    runs = len(times["bare"])
    cache = "with a byte-code cache (as installed)" if bytecode_cache else "without a byte-code cache"
    loaded = times.get("_loaded") or []
    return "\n".join(lines) + (
        f"\n\n{runs} runs of each, {cache}. Optional modules loaded by the job: "
        f"{', '.join(loaded) if loaded else 'none'} (checked: {', '.join(OPTIONAL)}).")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.startup", description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--no-bytecode-cache", action="store_true")
    args = ap.parse_args(argv)
    cache = not args.no_bytecode_cache
    print(summary(measure(args.runs, cache), cache))
    return 0


if __name__ == "__main__":
    sys.exit(main())
