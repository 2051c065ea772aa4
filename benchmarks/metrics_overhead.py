"""What the system metrics cost: W1-W5 with ``flinklite.metrics.system`` true vs false.

The two settings alternate run by run in one process, so load from other processes hits both
sides alike; the best of ``--repeat`` runs per side is compared (and the median, for the noise).
The setting reaches the workloads' environments as a ``flinklite run -D`` option would
(``flinklite._context``).

    .venv/bin/python -m benchmarks.metrics_overhead [--repeat 9] [--quick]
"""

from __future__ import annotations

import argparse
import statistics
import time

from benchmarks import w1_stateless as w1
from benchmarks import w2_keyed_reduce as w2
from benchmarks import w3_tumbling_window as w3
from benchmarks import w4_checkpointing as w4
from benchmarks import w5_keyed_process as w5
from flinklite._context import clear_context, set_context


def cases(n: int) -> dict:
    return {
        "W1 stateless, NumberSequenceSource": lambda: w1.engine_number_seq(3 * n),
        "W1 stateless, from_collection": lambda: w1.engine_collection(list(range(3 * n))),
        "W2 keyed reduce, p=1": lambda: w2.engine(n, 1),
        "W2 keyed reduce, p=2": lambda: w2.engine(n, 2),
        "W3 tumbling window, p=1": lambda: w3.engine(n, 1),
        "W4 checkpoints every 100 ms": lambda: w4.engine_checkpointed(w4.Ctx(n, "100 ms")),
        "W5 keyed process": lambda: w5.engine(n),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=9)
    ap.add_argument("--quick", action="store_true", help="30,000 events instead of 300,000")
    args = ap.parse_args()
    n = 30_000 if args.quick else 300_000
    print("| workload | metrics off (best) | metrics on (best) | on / off (best) | on / off (median) |")
    print("|---|---:|---:|---:|---:|")
    for name, fn in cases(n).items():
        times: dict[bool, list[float]] = {True: [], False: []}
        fn()  # warm-up
        for i in range(args.repeat):
            for on in ((True, False) if i % 2 == 0 else (False, True)):
                set_context({"flinklite.metrics.system": "true" if on else "false"})
                try:
                    t0 = time.perf_counter()
                    fn()
                    times[on].append(time.perf_counter() - t0)
                finally:
                    clear_context()
        on, off = min(times[True]), min(times[False])
        med = statistics.median(times[True]) / statistics.median(times[False])
        print(f"| {name} | {off:.3f} s | {on:.3f} s | {on / off:.3f} | {med:.3f} |", flush=True)


if __name__ == "__main__":
    main()
