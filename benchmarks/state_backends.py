"""State backends: keyed throughput on the heap vs RocksDB, and checkpoint sizes full vs
incremental. Run: ``python -m benchmarks.state_backends [N]``.

Throughput: ``NumberSequenceSource(0, N-1)`` -> ``(i % KEYS, i)`` -> ``key_by`` -> a
``KeyedProcessFunction`` keeping a running sum in a ``ValueState`` (a read and a write per
record) -> a counting sink, parallelism 1, per backend.

Checkpoint sizes: one RocksDB backend with ``STATE_KEYS`` keys of 200 random bytes; two
snapshots, with 20 keys changed in between; bytes written per checkpoint (checkpoint files plus
newly uploaded shared files), full vs incremental.
"""

from __future__ import annotations

import glob
import os
import sys
import tempfile
import time

from flinklite.common import Configuration, WatermarkStrategy
from flinklite.datastream import StreamExecutionEnvironment
from flinklite.datastream.connectors.number_seq import NumberSequenceSource
from flinklite.datastream.functions import KeyedProcessFunction
from flinklite.datastream.state import ValueStateDescriptor

KEYS = 10_000
STATE_KEYS = 20_000


class _Sum(KeyedProcessFunction):
    def open(self, rc):
        self.total = rc.get_state(ValueStateDescriptor("total"))

    def process_element(self, v, ctx):
        t = (self.total.value() or 0) + v[1]
        self.total.update(t)
        yield t


def throughput(backend: str, n: int) -> float:
    conf = Configuration()
    conf.set_string("state.backend.type", backend)
    env = StreamExecutionEnvironment.get_execution_environment(conf)
    env.set_parallelism(1)
    count = [0]
    src = env.from_source(NumberSequenceSource(0, n - 1), WatermarkStrategy.no_watermarks(), "numbers")
    src.map(lambda i: (i % KEYS, i)).key_by(lambda e: e[0]).process(_Sum()).add_sink(
        lambda v: count.__setitem__(0, count[0] + 1))
    start = time.perf_counter()
    env.execute(f"keyed-{backend}")
    elapsed = time.perf_counter() - start
    assert count[0] == n
    return n / elapsed


def checkpoint_sizes() -> dict[str, list[int]]:
    from flinklite.checkpoint.coordinator import CompletedCheckpoint
    from flinklite.checkpoint.storage import write_checkpoint
    from flinklite.state.key_groups import KeyGroupRange
    from flinklite.state.rocksdb import RocksDBKeyedStateBackend

    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        for incremental in (False, True):
            b = RocksDBKeyedStateBackend(128, KeyGroupRange(0, 127), "sizes",
                                         local_dir=os.path.join(tmp, f"db{incremental}"), incremental=incremental)
            b.shared_dir = os.path.join(tmp, f"shared{incremental}")
            st = b.get_or_create_state(ValueStateDescriptor("v"))
            for k in range(STATE_KEYS):
                b.set_current_key(k)
                st.update(os.urandom(200))
            sizes = []
            for cid in (1, 2, 3):
                before = sum(os.path.getsize(f) for f in glob.glob(os.path.join(b.shared_dir, "*")))
                cp = CompletedCheckpoint(cid, 0)
                cp.operator_states["op"] = [{"keyed": b.snapshot()}]
                cp.parallelism["op"] = 1
                d = write_checkpoint(os.path.join(tmp, f"chk{incremental}-{cid}"), cp, "job", {})
                after = sum(os.path.getsize(f) for f in glob.glob(os.path.join(b.shared_dir, "*")))
                sizes.append(sum(os.path.getsize(f) for f in glob.glob(os.path.join(d, "*"))) + after - before)
                for k in range(20):
                    b.set_current_key(k)
                    st.update(os.urandom(200))
            out["incremental" if incremental else "full"] = sizes
            b.dispose()
    return out


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    for backend in ("hashmap", "rocksdb"):
        print(f"{backend:8s} keyed ValueState read+write: {throughput(backend, n):>10,.0f} records/s (N={n})")
    for kind, sizes in checkpoint_sizes().items():
        print(f"{kind:12s} checkpoint bytes written (1st, 2nd, 3rd): {', '.join(f'{s:,}' for s in sizes)}")


if __name__ == "__main__":
    main()
