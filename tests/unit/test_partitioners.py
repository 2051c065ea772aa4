"""Stream partitioners (§10.2): each partitioner's channel choice, round robin for rebalance and
rescale, the pointwise connection pattern of rescale/forward (``flinklite.runtime.job._connect``),
and key groups routed by ``kg * p // M``.
"""

import random
from collections import Counter
from types import SimpleNamespace

import pytest

from flinklite.runtime.job import _connect
from flinklite.runtime.partitioners import (
    BroadcastPartitioner,
    CustomPartitionerWrapper,
    ForwardPartitioner,
    GlobalPartitioner,
    KeyGroupStreamPartitioner,
    RebalancePartitioner,
    RescalePartitioner,
    ShufflePartitioner,
)
from flinklite.state.key_groups import assign_to_key_group, java_hash_code


class FakeWriter:
    def __init__(self, n):
        self.out = {c: [] for c in range(n)}
        self.ts = {c: [] for c in range(n)}
        self.keys = {c: [] for c in range(n)}

    def append(self, c, values, timestamps, keys):
        self.out[c].extend(values)
        self.ts[c].extend(timestamps if timestamps is not None else [None] * len(values))
        self.keys[c].extend(keys if keys is not None else [None] * len(values))

    def append_one(self, c, v, t, k):
        self.append(c, [v], [t], [k])

    def all(self):
        return [v for c in sorted(self.out) for v in self.out[c]]


def route(p, n, batches, seed=0):
    p.setup(n, random.Random(seed))
    w = FakeWriter(n)
    for b in batches:
        p.route(w, list(b), [x * 10 for x in b])
    return w


def test_forward_and_global_target_channel_zero():
    for cls in (ForwardPartitioner, GlobalPartitioner):
        w = route(cls(), 1, [[1, 2, 3]])
        assert w.out == {0: [1, 2, 3]}
    w = route(GlobalPartitioner(), 4, [[1, 2], [3]])
    assert w.out == {0: [1, 2, 3], 1: [], 2: [], 3: []}
    assert w.ts[0] == [10, 20, 30]


@pytest.mark.parametrize("seed", range(5))
def test_rebalance_round_robin_across_batches(seed):
    n = 3
    p = RebalancePartitioner()
    w = route(p, n, [[0, 1], [2, 3, 4, 5, 6], [7]], seed=seed)
    # record j goes to (start + j) % n for some start; records keep their timestamps
    start = next(c for c in range(n) if 0 in w.out[c])
    for c in range(n):
        assert w.out[c] == [j for j in range(8) if (start + j) % n == c]
        assert w.ts[c] == [10 * v for v in w.out[c]]


def test_rebalance_start_channel_depends_on_seed_only():
    starts = set()
    for seed in range(20):
        w1 = route(RebalancePartitioner(), 4, [[0]], seed=seed)
        w2 = route(RebalancePartitioner(), 4, [[0]], seed=seed)
        assert w1.out == w2.out  # reproducible
        starts.add(next(c for c in range(4) if w1.out[c]))
    assert len(starts) > 1  # a random start, not always channel 0


def test_rescale_round_robin_starts_at_zero():
    w = route(RescalePartitioner(), 2, [[0, 1, 2], [3, 4]])
    assert w.out == {0: [0, 2, 4], 1: [1, 3]}


def test_shuffle_is_seeded_and_preserves_records():
    a = route(ShufflePartitioner(), 4, [list(range(200))], seed=3)
    b = route(ShufflePartitioner(), 4, [list(range(200))], seed=3)
    assert a.out == b.out
    assert sorted(a.all()) == list(range(200))
    assert all(len(v) > 20 for v in a.out.values())  # roughly uniform, all channels used


def test_broadcast_copies_to_every_channel():
    w = route(BroadcastPartitioner(), 3, [[1, 2], [3]])
    assert w.out == {0: [1, 2, 3], 1: [1, 2, 3], 2: [1, 2, 3]}


@pytest.mark.parametrize("n,max_p", [(1, 128), (2, 128), (3, 128), (4, 256), (7, 1000)])
def test_key_groups_route_by_formula(n, max_p):
    p = KeyGroupStreamPartitioner(lambda v: v[0], max_p, "test")
    values = [(f"k{i}", i) for i in range(300)] + [(i, i) for i in range(100)]
    p.setup(n, random.Random(0))
    w = FakeWriter(n)
    p.route(w, values, None)
    for c in range(n):
        for v, k in zip(w.out[c], w.keys[c]):
            assert k == v[0]  # the key ships with the record
            assert assign_to_key_group(v[0], max_p) * n // max_p == c
    assert Counter(w.all()) == Counter(values)


def test_key_group_vectors_route_to_known_subtasks():
    # Java String keys: "a" -> kg 81, "hello" -> 35 at M = 128 (§1.2); with p = 2: 81*2//128 = 1, 35*2//128 = 0
    p = KeyGroupStreamPartitioner(lambda v: v, 128, "test", key_hash=java_hash_code)
    p.setup(2, random.Random(0))
    w = FakeWriter(2)
    p.route(w, ["a", "hello", "user-1"], None)
    assert w.out == {0: ["hello"], 1: ["a", "user-1"]}  # user-1 -> kg 121 -> 1
    # PyFlink's key_by without a key_type hashes Row(pickle(key)) instead: "a" -> kg 33 -> 0
    p = KeyGroupStreamPartitioner(lambda v: v, 128, "test")
    p.setup(2, random.Random(0))
    w = FakeWriter(2)
    p.route(w, ["a"], None)
    assert w.out == {0: ["a"], 1: []}


def test_custom_partitioner_receives_key_and_channel_count():
    seen = []

    def part(key, n):
        seen.append((key, n))
        return {"x": 2, "y": 0}[key]

    w = route(CustomPartitionerWrapper(part, lambda v: "x" if v % 2 else "y", "c"), 3, [[1, 2, 3]])
    assert w.out == {0: [2], 1: [], 2: [1, 3]}
    assert seen == [("x", 3), ("y", 3), ("x", 3)]


def _edge(partitioner):
    return SimpleNamespace(partitioner=partitioner)


def test_connect_all_to_all_for_non_pointwise():
    for cls in (RebalancePartitioner, ShufflePartitioner, BroadcastPartitioner, GlobalPartitioner):
        assert sorted(_connect(_edge(cls()), 2, 3)) == [(i, j) for i in range(2) for j in range(3)]


@pytest.mark.parametrize("cls", [RescalePartitioner, ForwardPartitioner])
def test_connect_pointwise_same_parallelism(cls):
    assert sorted(_connect(_edge(cls()), 3, 3)) == [(0, 0), (1, 1), (2, 2)]


def test_connect_rescale_fan_in():
    # u >= d: downstream j reads upstream [j*u//d, (j+1)*u//d)
    assert sorted(_connect(_edge(RescalePartitioner()), 4, 2)) == [(0, 0), (1, 0), (2, 1), (3, 1)]
    assert sorted(_connect(_edge(RescalePartitioner()), 5, 2)) == [(0, 0), (1, 0), (2, 1), (3, 1), (4, 1)]


def test_connect_rescale_fan_out():
    # u < d: upstream i feeds downstream [ceil(i*d/u), ceil((i+1)*d/u))
    assert sorted(_connect(_edge(RescalePartitioner()), 2, 4)) == [(0, 0), (0, 1), (1, 2), (1, 3)]
    assert sorted(_connect(_edge(RescalePartitioner()), 2, 5)) == [(0, 0), (0, 1), (0, 2), (1, 3), (1, 4)]


@pytest.mark.parametrize("u,d", [(1, 4), (4, 1), (3, 7), (7, 3), (6, 4)])
def test_connect_pointwise_covers_each_side(u, d):
    pairs = _connect(_edge(RescalePartitioner()), u, d)
    assert {i for i, _ in pairs} == set(range(u))
    assert {j for _, j in pairs} == set(range(d))
    if u >= d:  # every upstream feeds exactly one downstream
        assert sorted(Counter(i for i, _ in pairs).values()) == [1] * u
    else:  # every downstream reads exactly one upstream
        assert sorted(Counter(j for _, j in pairs).values()) == [1] * d
