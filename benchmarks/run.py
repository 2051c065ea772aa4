"""Run every benchmark workload and print the results table.

    .venv/bin/python -m benchmarks.run            # full size, prints the table
    .venv/bin/python -m benchmarks.run --quick    # 10x fewer events (smoke test)
    .venv/bin/python -m benchmarks.run --write    # also rewrite benchmarks/RESULTS.md
    .venv/bin/python -m benchmarks.run -k W2      # only workloads whose name contains "W2"

Without ``-k`` the start-up benchmark (``benchmarks/startup.py``) runs last and its table goes
into RESULTS.md too.

Workload modules are discovered automatically: every ``benchmarks/w*.py`` and
``benchmarks/lat*.py`` (the latency run, last) that defines
``WORKLOADS: list[benchmarks.harness.Workload]``, in file-name order.
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import os
import platform
import sys
from pathlib import Path

from benchmarks.harness import Row, format_table, measure

HERE = Path(__file__).resolve().parent


def discover() -> list[str]:
    """Module names of the workload files, ``benchmarks.w1_...``, ``benchmarks.w2_...``, ...,
    then ``benchmarks.lat_...``."""
    return [f"benchmarks.{p.stem}" for pattern in ("w*.py", "lat*.py") for p in sorted(HERE.glob(pattern))]


def engine_info() -> str:
    """Which flinklite was measured: its location and, in a git checkout, commit and dirtiness."""
    import subprocess

    import flinklite

    where = Path(flinklite.__file__).resolve().parent
    try:
        commit = subprocess.run(["git", "-C", str(where), "rev-parse", "--short", "HEAD"],
                                capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(where), "status", "--porcelain", "--", "."],
                               capture_output=True, text=True, check=True).stdout.strip()
        return f"{where} (commit {commit}{', with uncommitted changes' if dirty else ''})"
    except (OSError, subprocess.CalledProcessError):
        return f"{where} (not a git checkout)"


def machine_info(label: str | None = None) -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return "\n".join([
        f"- date: {datetime.datetime.now().astimezone().isoformat(timespec='seconds')}",
        f"- platform: {platform.platform()}",
        f"- CPU: {cpu}, {os.cpu_count()} logical CPUs",
        f"- Python: {platform.python_implementation()} {platform.python_version()}",
        f"- flinklite: {engine_info()}" + (f"; {label}" if label else ""),
    ])


def run(quick: bool = False, select: str | None = None, repeat: int = 5, rss: bool = True) -> list[Row]:
    rows: list[Row] = []
    for module in discover():
        mod = importlib.import_module(module)
        for w in getattr(mod, "WORKLOADS", []):
            if select and select.lower() not in w.name.lower():
                continue
            n = w.events // 10 if quick else w.events
            print(f"  {w.name}: {n:,} events ...", file=sys.stderr, flush=True)
            row = measure(module, w, n, repeat=repeat, rss=rss)
            print(f"    engine {row.engine_s:.3f} s, bare {row.bare_s:.3f} s, ratio {row.ratio:.2f}"
                  f" (CPU time: {row.cpu_ratio:.2f})"
                  f"{'' if row.matches else '  RESULTS DIFFER'}", file=sys.stderr, flush=True)
            rows.append(row)
    return rows


RESULTS_HEADER = """# Benchmark results

Latest run of `.venv/bin/python -m benchmarks.run --write` (see `README.md` for what each workload
measures). **ratio** = engine events/s / bare-loop events/s, measured side by side in this one
process run (best of {repeat} alternating runs after a warm-up); higher is better, 1.0 means the
engine is as fast as a plain Python loop calling the same functions; **overhead** = (engine time -
bare time) / events, the engine's cost per event above the floor. **ratio (CPU time)** is the same
ratio from this process's CPU time, which other jobs on the machine disturb less. Absolute events/s are not
comparable across runs on this noisy machine; ratios are. Peak RSS: each side run once in its own
child interpreter (includes the interpreter and the flinklite import, ~{base} MiB).
"""


def write_results(rows: list[Row], quick: bool, repeat: int, label: str | None = None,
                  startup: str | None = None) -> Path:
    path = HERE / "RESULTS.md"
    base = min((r.rss_bare for r in rows if r.rss_bare), default=0) / 2**20
    text = RESULTS_HEADER.format(repeat=repeat, base=f"{base:.0f}")
    if quick:
        text += "\n**Quick run (10x fewer events): not representative.**\n"
    text += "\n" + format_table(rows) + "\n\n## Machine\n\n" + machine_info(label) + "\n"
    notes = [f"- {r.workload}: {r.note}" for r in rows if r.note]
    if notes:
        text += "\n## Notes\n\n" + "\n".join(notes) + "\n"
    if startup:
        text += "\n## Start-up (`python -m benchmarks.startup`)\n\n" + startup + "\n"
    path.write_text(text)
    return path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="10x fewer events per workload")
    ap.add_argument("--write", action="store_true", help="rewrite benchmarks/RESULTS.md")
    ap.add_argument("-k", dest="select", help="only workloads whose name contains this text")
    ap.add_argument("--repeat", type=int, default=5, help="timed runs per side (default 5)")
    ap.add_argument("--label", help="note on the engine version measured, written to RESULTS.md")
    ap.add_argument("--no-rss", action="store_true", help="skip the peak-RSS child processes")
    ap.add_argument("--no-startup", action="store_true", help="skip the start-up measurement "
                    "(it runs only without -k)")
    args = ap.parse_args(argv)
    rows = run(quick=args.quick, select=args.select, repeat=args.repeat, rss=not args.no_rss)
    print(format_table(rows))
    for r in rows:
        if r.note:
            print(f"- {r.workload}: {r.note}")
    startup = None
    if not args.select and not args.no_startup:
        from benchmarks import startup as startup_bench

        print("  start-up: whole processes ...", file=sys.stderr, flush=True)
        startup = startup_bench.summary(startup_bench.measure(runs=5 if args.quick else 15))
        print(startup)
    if args.write:
        print(f"wrote {write_results(rows, args.quick, args.repeat, args.label, startup)}", file=sys.stderr)
    return 0 if all(r.matches for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
