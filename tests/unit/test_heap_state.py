"""Heap keyed state backend (§5.1 contract): all five state kinds, per-key isolation,
namespaces, no-key access errors, and ``merge_namespaces`` for list/reducing/aggregating state.
"""

import pytest

from flinklite.common import Types
from flinklite.datastream.functions import AggregateFunction
from flinklite.datastream.state import (
    AggregatingStateDescriptor,
    ListStateDescriptor,
    MapStateDescriptor,
    ReducingStateDescriptor,
    ValueStateDescriptor,
)
from flinklite.errors import IllegalStateException, InvalidProgramException
from flinklite.state.heap import HeapKeyedStateBackend
from flinklite.state.key_groups import KeyGroupRange


class AvgAgg(AggregateFunction):
    def __init__(self):
        self.created = 0

    def create_accumulator(self):
        self.created += 1
        return (0, 0)

    def add(self, value, acc):
        return (acc[0] + value, acc[1] + 1)

    def get_result(self, acc):
        return acc[0] / acc[1]

    def merge(self, a, b):
        return (a[0] + b[0], a[1] + b[1])


@pytest.fixture(params=["heap", "rocksdb"])
def backend(request, tmp_path):
    if request.param == "heap":
        yield HeapKeyedStateBackend(128, KeyGroupRange(0, 127), "op")
        return
    from flinklite.state.rocksdb import RocksDBKeyedStateBackend

    b = RocksDBKeyedStateBackend(128, KeyGroupRange(0, 127), "op", local_dir=str(tmp_path / "rocks"))
    yield b
    b.dispose()


def test_value_state(backend):
    st = backend.get_or_create_state(ValueStateDescriptor("v", Types.INT()))
    backend.set_current_key("a")
    assert st.value() is None
    st.update(1)
    backend.set_current_key("b")
    assert st.value() is None  # keys are isolated
    st.update(2)
    backend.set_current_key("a")
    assert st.value() == 1
    st.update(None)  # same as clear()
    assert st.value() is None
    backend.set_current_key("b")
    assert st.value() == 2  # clearing a leaves b alone
    st.clear()
    assert st.value() is None
    assert backend.keys("v") == []


def test_value_state_default_is_a_copy(backend):
    st = backend.get_or_create_state(ValueStateDescriptor("v", Types.PICKLED_BYTE_ARRAY(), default_value=[0]))
    backend.set_current_key("a")
    d = st.value()
    assert d == [0]
    d.append(99)
    assert st.value() == [0]


def test_list_state(backend):
    st = backend.get_or_create_state(ListStateDescriptor("l", Types.INT()))
    backend.set_current_key("a")
    assert list(st.get()) == []  # empty iterable, never None
    st.add(1)
    st.add_all([2, 3])
    st.add_all([])  # no-op
    assert list(st.get()) == [1, 2, 3]
    assert list(st) == [1, 2, 3]
    with pytest.raises((ValueError, TypeError)):
        st.add(None)
    with pytest.raises((ValueError, TypeError)):
        st.add_all(None)
    with pytest.raises((ValueError, TypeError)):
        st.update(None)
    with pytest.raises((ValueError, TypeError)):
        st.update([1, None])
    assert list(st.get()) == [1, 2, 3]  # failed writes left it alone
    st.update([7])
    assert list(st.get()) == [7]
    backend.set_current_key("b")
    assert list(st.get()) == []
    backend.set_current_key("a")
    st.update([])  # -> clear
    assert list(st.get()) == []
    assert backend.keys("l") == []


def test_list_state_get_returns_a_snapshot(backend):
    st = backend.get_or_create_state(ListStateDescriptor("l", Types.INT()))
    backend.set_current_key("a")
    st.add(1)
    got = st.get()
    st.add(2)
    assert list(got) == [1]


def test_map_state(backend):
    st = backend.get_or_create_state(MapStateDescriptor("m", Types.STRING(), Types.INT()))
    backend.set_current_key("a")
    assert st.is_empty()
    assert st.get("x") is None
    st.put("x", 1)
    st.put("y", None)  # allowed
    st.put_all({"z": 3})
    assert st.contains("y") and st.get("y") is None
    assert sorted(st.keys()) == ["x", "y", "z"]
    assert sorted(st.items(), key=lambda kv: kv[0]) == [("x", 1), ("y", None), ("z", 3)]
    assert sorted(v for v in st.values() if v is not None) == [1, 3]
    st.remove("x")
    st.remove("missing")
    assert not st.contains("x")
    assert st["z"] == 3
    backend.set_current_key("b")
    assert st.is_empty()
    backend.set_current_key("a")
    st.clear()
    assert st.is_empty()


def test_reducing_state_first_value_not_reduced(backend):
    calls = []

    def red(a, b):
        calls.append((a, b))
        return a + b

    st = backend.get_or_create_state(ReducingStateDescriptor("r", red, Types.INT()))
    backend.set_current_key("a")
    assert st.get() is None
    st.add(5)
    assert calls == [] and st.get() == 5
    st.add(3)
    assert calls == [(5, 3)] and st.get() == 8
    backend.set_current_key("b")
    st.add(100)
    assert st.get() == 100 and len(calls) == 1
    backend.set_current_key("a")
    st.add(None)  # heap backend: clears
    assert st.get() is None
    backend.set_current_key("b")
    assert st.get() == 100


def test_aggregating_state(backend):
    agg = AvgAgg()
    st = backend.get_or_create_state(AggregatingStateDescriptor("g", agg, Types.PICKLED_BYTE_ARRAY()))
    backend.set_current_key("a")
    assert st.get() is None
    st.add(2)
    st.add(4)
    assert st.get() == 3.0
    assert agg.created == 1
    backend.set_current_key("b")
    st.add(10)
    assert st.get() == 10.0 and agg.created == 2
    backend.set_current_key("a")
    st.add(None)
    assert st.get() is None
    st.clear()
    assert st.get() is None


@pytest.mark.parametrize("desc", [
    ValueStateDescriptor("v", Types.INT()),
    ListStateDescriptor("l", Types.INT()),
    MapStateDescriptor("m", Types.INT(), Types.INT()),
    ReducingStateDescriptor("r", lambda a, b: a + b, Types.INT()),
    AggregatingStateDescriptor("g", AvgAgg(), Types.PICKLED_BYTE_ARRAY()),
])
def test_access_without_key_is_an_error(backend, desc):
    st = backend.get_or_create_state(desc)
    read = {"v": lambda: st.value(), "l": lambda: st.get(), "m": lambda: st.get(1),
            "r": lambda: st.get(), "g": lambda: st.get()}[desc.name]
    write = {"v": lambda: st.update(1), "l": lambda: st.add(1), "m": lambda: st.put(1, 1),
             "r": lambda: st.add(1), "g": lambda: st.add(1)}[desc.name]
    with pytest.raises(IllegalStateException, match="no current key"):
        read()
    with pytest.raises(IllegalStateException, match="no current key"):
        write()


def test_same_name_two_kinds_is_rejected(backend):
    backend.get_or_create_state(ValueStateDescriptor("s", Types.INT()))
    assert backend.get_or_create_state(ValueStateDescriptor("s", Types.INT())) is \
        backend.get_or_create_state(ValueStateDescriptor("s", Types.INT()))
    with pytest.raises(InvalidProgramException):
        backend.get_or_create_state(ListStateDescriptor("s", Types.INT()))


def test_namespaces_are_independent(backend):
    st = backend.get_or_create_state(ValueStateDescriptor("v", Types.INT()))
    backend.set_current_key("a")
    st.set_current_namespace("w1")
    st.update(1)
    st.set_current_namespace("w2")
    assert st.value() is None
    st.update(2)
    st.set_current_namespace(None)
    assert st.value() is None
    st.set_current_namespace("w1")
    assert st.value() == 1


def test_merge_namespaces_list(backend):
    st = backend.get_or_create_state(ListStateDescriptor("l", Types.INT()))
    backend.set_current_key("a")
    for ns, vals in [("w1", [1, 2]), ("w2", [3]), ("t", [0])]:
        st.set_current_namespace(ns)
        st.add_all(vals)
    backend.set_current_key("b")
    st.set_current_namespace("w1")
    st.add(99)
    backend.set_current_key("a")
    st.merge_namespaces("t", ["w1", "w2"])
    st.set_current_namespace("t")
    assert sorted(st.get()) == [0, 1, 2, 3]
    st.set_current_namespace("w1")
    assert list(st.get()) == []
    backend.set_current_key("b")
    assert list(st.get()) == [99]  # other key untouched


def test_merge_namespaces_reducing_and_aggregating(backend):
    r = backend.get_or_create_state(ReducingStateDescriptor("r", lambda a, b: a + b, Types.INT()))
    g = backend.get_or_create_state(AggregatingStateDescriptor("g", AvgAgg(), Types.PICKLED_BYTE_ARRAY()))
    backend.set_current_key("k")
    for ns, vals in [("w1", [1, 2]), ("w2", [6])]:
        r.set_current_namespace(ns)
        g.set_current_namespace(ns)
        for v in vals:
            r.add(v)
            g.add(v)
    r.merge_namespaces("w3", ["w1", "w2"])
    g.merge_namespaces("w3", ["w1", "w2"])
    r.set_current_namespace("w3")
    g.set_current_namespace("w3")
    assert r.get() == 9
    assert g.get() == 3.0
    r.set_current_namespace("w1")
    g.set_current_namespace("w2")
    assert r.get() is None and g.get() is None
