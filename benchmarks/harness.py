"""Benchmark utilities: the workload contract, side-by-side timing, peak RSS, the results table.

A workload module (``benchmarks/w*.py``) exposes ``WORKLOADS: list[Workload]``. Each
:class:`Workload` runs the same user functions twice: through the engine and in a bare CPython
loop (the floor). ``setup(n)`` builds the inputs (untimed), ``engine(ctx)`` and ``bare(ctx)`` do
the work (timed) and return a result that must compare equal between the two.

Timing (:func:`compare`) alternates engine and bare runs in one process after a warm-up of each
and keeps the best of N, so both sides see the same machine state; only the ratio is meant to be
compared across runs. Peak RSS (:func:`peak_rss`) runs one side of one workload in a fresh child
interpreter, which reports its own high-water mark (see :func:`own_peak_rss`).

Run as a module only as the RSS child: ``python -m benchmarks.harness --rss MODULE NAME SIDE N``.
"""

from __future__ import annotations

import gc
import importlib
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "Workload",
    "Row",
    "best_of",
    "compare",
    "peak_rss",
    "measure",
    "format_table",
    "counting_sink",
    "own_peak_rss",
]

@dataclass(frozen=True)
class Workload:
    """One benchmark: the engine and the bare loop over the same user functions.

    ``events`` is the full-size event count; ``--quick`` runs ``events // 10``.
    """

    name: str
    events: int
    setup: Callable[[int], Any]
    engine: Callable[[Any], Any]
    bare: Callable[[Any], Any]
    note: str = ""
    # Slow workloads (tens of seconds per engine run) cap the timed runs and the warm-up; None
    # means the runner's settings (--repeat, one warm-up run).
    max_repeat: int | None = None
    warmup: int | None = None
    # Called with the ctx after the timed runs; its text is appended to the note (e.g. W4's
    # number of completed checkpoints, LAT's percentiles).
    report: Callable[[Any], str] | None = None


@dataclass
class Row:
    """One line of the results table (times are the best of the timed runs, in seconds)."""

    workload: str
    events: int
    engine_s: float
    bare_s: float
    engine_cpu_s: float = 0.0  # best CPU time of this process (robust to other load)
    bare_cpu_s: float = 0.0
    rss_engine: int | None = None  # bytes
    rss_bare: int | None = None
    matches: bool = True
    note: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def engine_eps(self) -> float:
        return self.events / self.engine_s

    @property
    def bare_eps(self) -> float:
        return self.events / self.bare_s

    @property
    def cpu_ratio(self) -> float:
        """The same ratio from CPU time: less sensitive to other processes on a busy machine."""
        return self.bare_cpu_s / self.engine_cpu_s if self.engine_cpu_s else float("nan")

    @property
    def overhead_ns(self) -> float:
        """Engine cost per event above the bare loop's, in nanoseconds."""
        return (self.engine_s - self.bare_s) / self.events * 1e9

    @property
    def ratio(self) -> float:
        """Engine throughput as a fraction of the bare loop's (1.0 = as fast as the floor)."""
        return self.bare_s / self.engine_s


def counting_sink() -> tuple[Callable[[Any], None], list[int]]:
    """A plain-callable sink that counts what it receives, and its one-cell counter.

    A plain function survives the engine's per-subtask ``deepcopy`` of user functions as the
    same object (functions are copied by reference), so every parallel sink subtask counts into
    the same cell.
    """
    cell = [0]

    def sink(value: Any, _cell: list[int] = cell) -> None:
        _cell[0] += 1

    return sink, cell


def _timed(fn: Callable[[Any], Any], ctx: Any) -> tuple[float, float, Any]:
    """(wall seconds, CPU seconds of this process, result) of one ``fn(ctx)``."""
    gc.collect()
    cpu = time.process_time()
    start = time.perf_counter()
    result = fn(ctx)
    return time.perf_counter() - start, time.process_time() - cpu, result


def best_of(fn: Callable[[Any], Any], ctx: Any = None, repeat: int = 3, warmup: int = 1) -> tuple[float, Any]:
    """Best wall time of ``repeat`` runs of ``fn(ctx)`` after ``warmup`` untimed ones, and the
    result of the last run."""
    result = None
    for _ in range(warmup):
        _, _, result = _timed(fn, ctx)
    best = float("inf")
    for _ in range(repeat):
        t, _, result = _timed(fn, ctx)
        best = min(best, t)
    return best, result


def compare(workload: Workload, n: int, repeat: int = 5, warmup: int = 1) -> Row:
    """Time engine and bare side by side: warm-up both, then alternate them ``repeat`` times,
    keeping the best wall time and the best CPU time of each side. The workload's
    ``max_repeat``/``warmup`` override these when set.

    Alternating (rather than all engine runs, then all bare runs) spreads the machine's noise
    over both sides. ``matches`` says whether every engine result equalled the bare result.
    """
    if workload.max_repeat is not None:
        repeat = min(repeat, workload.max_repeat)
    if workload.warmup is not None:
        warmup = workload.warmup
    ctx = workload.setup(n)
    matches = True
    inf = float("inf")
    best = {"engine": inf, "bare": inf, "engine_cpu": inf, "bare_cpu": inf}
    expected = None
    for i in range(warmup + repeat):
        t_bare, c_bare, bare_result = _timed(workload.bare, ctx)
        t_engine, c_engine, engine_result = _timed(workload.engine, ctx)
        if expected is None:
            expected = bare_result
        matches = matches and engine_result == expected and bare_result == expected
        if i >= warmup:
            for key, value in (("engine", t_engine), ("bare", t_bare), ("engine_cpu", c_engine),
                               ("bare_cpu", c_bare)):
                best[key] = min(best[key], value)
    note = workload.note
    if workload.report is not None:
        extra = workload.report(ctx)
        note = f"{note}; {extra}" if note and extra else (note or extra)
    return Row(workload.name, n, best["engine"], best["bare"], matches=matches, note=note,
               engine_cpu_s=best["engine_cpu"], bare_cpu_s=best["bare_cpu"])


def own_peak_rss() -> int:
    """This process's peak resident set size in bytes.

    Linux: ``VmHWM`` from ``/proc/self/status``. Not ``resource.getrusage``: its ``ru_maxrss``
    (``RUSAGE_SELF`` in the child, or the parent's ``wait4``/``RUSAGE_CHILDREN``) also counts the
    address space the child had *before* ``exec``, i.e. the parent's (``subprocess`` forks with
    vfork), so every child would report at least the harness's own peak. Elsewhere it falls
    back to ``ru_maxrss``.
    """
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    import resource

    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return maxrss if sys.platform == "darwin" else maxrss * 1024


def peak_rss(module: str, name: str, side: str, n: int) -> int:
    """Peak resident set size (bytes) of a fresh interpreter that imports ``module``, sets up
    workload ``name`` with ``n`` events and runs its ``side`` (``engine`` or ``bare``) once."""
    cmd = [sys.executable, "-m", "benchmarks.harness", "--rss", module, name, side, str(n)]
    # same cwd as this process: it decides which checkout of ``benchmarks``/``flinklite`` loads
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"RSS child failed ({out.returncode}): {' '.join(cmd)}\n{out.stderr}")
    return int(out.stdout.split()[-1])


def measure(module: str, workload: Workload, n: int, repeat: int = 5, rss: bool = True) -> Row:
    """Throughput side by side, then peak RSS of each side in its own child process."""
    row = compare(workload, n, repeat=repeat)
    if rss:
        row.rss_engine = peak_rss(module, workload.name, "engine", n)
        row.rss_bare = peak_rss(module, workload.name, "bare", n)
    return row


def _si(x: float) -> str:
    if x >= 1e6:
        return f"{x / 1e6:.2f} M"
    if x >= 1e3:
        return f"{x / 1e3:.1f} k"
    return f"{x:.0f}"


def _mb(b: int | None) -> str:
    return "-" if b is None else f"{b / 2**20:.0f}"


def format_table(rows: list[Row]) -> str:
    """A Markdown table: workload, events, engine and bare events/s, ratio (wall and CPU time),
    overhead per event (wall),
    peak RSS (MiB) and whether the results matched."""
    header = ("workload", "events", "engine ev/s", "bare ev/s", "ratio engine/bare",
              "ratio (CPU time)", "overhead ns/event", "peak RSS MiB engine / bare", "check")
    lines = [header]
    for r in rows:
        lines.append((
            r.workload,
            f"{r.events:,}",
            _si(r.engine_eps),
            _si(r.bare_eps),
            f"{r.ratio:.2f}",
            f"{r.cpu_ratio:.2f}",
            f"{r.overhead_ns:.0f}",
            f"{_mb(r.rss_engine)} / {_mb(r.rss_bare)}",
            "ok" if r.matches else "MISMATCH",
        ))
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    right = {1, 2, 3, 4, 5, 6, 7}

    def fmt(line: tuple[str, ...]) -> str:
        cells = [c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(line, widths))]
        return "| " + " | ".join(cells) + " |"

    sep = "|" + "|".join(("-" * (w + 1) + ":") if i in right else ("-" * (w + 2))
                         for i, w in enumerate(widths)) + "|"
    return "\n".join([fmt(lines[0]), sep] + [fmt(line) for line in lines[1:]])


def find_workload(module: str, name: str) -> Workload:
    mod = importlib.import_module(module)
    for w in mod.WORKLOADS:
        if w.name == name:
            return w
    raise KeyError(f"{module} has no workload {name!r}")


def _rss_child(argv: list[str]) -> None:
    module, name, side, n = argv
    w = find_workload(module, name)
    ctx = w.setup(int(n))
    getattr(w, side)(ctx)
    print(own_peak_rss())


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "--rss":
        _rss_child(sys.argv[2:])
    else:
        sys.exit("usage: python -m benchmarks.harness --rss MODULE NAME engine|bare N")
