"""State TTL for every keyed state kind (Flink's TtlListState, TtlMapState, TtlReducingState,
TtlAggregatingState): per-element / per-entry timestamps, update types, visibility, cleanup in
full snapshots and incrementally, and timestamps kept through a snapshot and restore. Each test
runs on every keyed state backend."""

import pytest

from flinklite.common.time import Time
from flinklite.datastream.functions import AggregateFunction
from flinklite.datastream.state import (
    AggregatingStateDescriptor,
    ListStateDescriptor,
    MapStateDescriptor,
    ReducingStateDescriptor,
    StateTtlConfig,
    ValueStateDescriptor,
)
from flinklite.state.heap import HeapKeyedStateBackend
from flinklite.state.key_groups import KeyGroupRange

BACKENDS = ["heap", "rocksdb"]


class _Clock:
    def __init__(self) -> None:
        self.now = 1_000

    def __call__(self) -> int:
        return self.now


@pytest.fixture(params=BACKENDS)
def make_backend(request, tmp_path):
    made = []

    def make():
        if request.param == "heap":
            b = HeapKeyedStateBackend(128, KeyGroupRange(0, 127), "ttl-kinds")
        else:
            from flinklite.state.rocksdb import RocksDBKeyedStateBackend

            b = RocksDBKeyedStateBackend(128, KeyGroupRange(0, 127), "ttl-kinds",
                                         local_dir=str(tmp_path / f"db{len(made)}"))
        made.append(b)
        clock = _Clock()
        b.ttl_clock = clock
        return b, clock

    yield make
    for b in made:
        b.dispose()


def _ttl(ms=100):
    return StateTtlConfig.new_builder(Time.milliseconds(ms))


def _with_ttl(descriptor, builder):
    descriptor.enable_time_to_live(builder.build())
    return descriptor


class _Sum(AggregateFunction):
    def create_accumulator(self):
        return [0, 0]

    def add(self, value, acc):
        return [acc[0] + value, acc[1] + 1]

    def get_result(self, acc):
        return (acc[0], acc[1])

    def merge(self, a, b):
        return [a[0] + b[0], a[1] + b[1]]


# -- list state: each element expires on its own ------------------------------------------------
def test_list_elements_expire_one_by_one_and_the_list_goes_when_all_have(make_backend):
    b, clock = make_backend()
    st = b.get_or_create_state(_with_ttl(ListStateDescriptor("l"), _ttl().disable_cleanup_in_background()))
    b.set_current_key("k")
    st.add("a")
    clock.now += 40
    st.add_all(["b", "c"])
    clock.now += 40
    st.add("d")
    assert st.get() == ["a", "b", "c", "d"]
    clock.now += 20  # "a" is 100 ms old
    assert st.get() == ["b", "c", "d"]
    clock.now += 40  # "b", "c" too
    assert st.get() == ["d"]
    clock.now += 40
    assert st.get() == []
    assert b.keys("l") == []  # nothing left: the key's list was removed


def test_list_update_sets_one_timestamp_for_all(make_backend):
    b, clock = make_backend()
    st = b.get_or_create_state(_with_ttl(ListStateDescriptor("l"), _ttl()))
    b.set_current_key(1)
    st.add(0)
    clock.now += 90
    st.update([1, 2])
    clock.now += 90
    assert list(st) == [1, 2]
    clock.now += 10
    assert st.get() == []


def test_list_on_read_and_write_refreshes_the_live_elements(make_backend):
    b, clock = make_backend()
    st = b.get_or_create_state(_with_ttl(ListStateDescriptor("l"), _ttl().update_ttl_on_read_and_write()))
    b.set_current_key("k")
    st.add("old")
    clock.now += 60
    st.add("new")
    clock.now += 60  # "old" expired; the read refreshes "new" only
    assert st.get() == ["new"]
    clock.now += 90
    assert st.get() == ["new"]
    clock.now += 100
    assert st.get() == []


def test_list_return_expired_if_not_cleaned_up(make_backend):
    b, clock = make_backend()
    st = b.get_or_create_state(_with_ttl(ListStateDescriptor("l"),
                                         _ttl().return_expired_if_not_cleaned_up().disable_cleanup_in_background()))
    b.set_current_key("k")
    st.add_all([1, 2])
    clock.now += 50
    st.add(3)
    clock.now += 60  # 1 and 2 expired, 3 alive: all still stored, all returned
    assert st.get() == [1, 2, 3]
    clock.now += 50  # all expired: returned once more, then the list is removed
    assert st.get() == [1, 2, 3]
    assert st.get() == []


# -- map state: each entry expires on its own ---------------------------------------------------
def test_map_entries_expire_one_by_one(make_backend):
    b, clock = make_backend()
    st = b.get_or_create_state(_with_ttl(MapStateDescriptor("m"), _ttl().disable_cleanup_in_background()))
    b.set_current_key("k")
    st.put("a", 1)
    clock.now += 50
    st.put_all({"b": 2, "c": 3})
    clock.now += 30
    st.put("a", 10)  # a write refreshes that entry
    clock.now += 40  # b and c are 70 ms old, a 40 ms
    assert sorted(st.items()) == [("a", 10), ("b", 2), ("c", 3)]
    clock.now += 30
    assert st.get("b") is None and not st.contains("c")
    assert sorted(st.keys()) == ["a"] and st.values() == [10] and not st.is_empty()
    clock.now += 100
    assert st.is_empty() and st.items() == []
    assert b.keys("m") == []


def test_map_on_read_and_write_refreshes_read_entries_only(make_backend):
    b, clock = make_backend()
    st = b.get_or_create_state(_with_ttl(MapStateDescriptor("m"), _ttl().update_ttl_on_read_and_write()))
    b.set_current_key("k")
    st.put_all({"read": 1, "unread": 2})
    clock.now += 80
    assert st.get("read") == 1
    clock.now += 80
    assert dict(st.items()) == {"read": 1}  # items() refreshes what it returns
    clock.now += 99
    assert st["read"] == 1


def test_map_return_expired_returns_an_expired_entry_once(make_backend):
    b, clock = make_backend()
    st = b.get_or_create_state(_with_ttl(MapStateDescriptor("m"),
                                         _ttl().return_expired_if_not_cleaned_up().disable_cleanup_in_background()))
    b.set_current_key("k")
    st.put("x", "v")
    clock.now += 200
    assert st.get("x") == "v"  # expired but not cleaned up yet: returned and removed
    assert st.get("x") is None


# -- reducing and aggregating state: the accumulator expires --------------------------------------
def test_reducing_state_restarts_from_the_new_value_after_expiry(make_backend):
    b, clock = make_backend()
    st = b.get_or_create_state(_with_ttl(ReducingStateDescriptor("r", lambda a, c: a + c), _ttl()))
    b.set_current_key("k")
    st.add(1)
    clock.now += 60
    st.add(2)  # reduces into a live value and refreshes it
    clock.now += 60
    assert st.get() == 3
    clock.now += 40
    st.add(5)  # the accumulator had expired: not reduced into
    assert st.get() == 5
    clock.now += 100
    assert st.get() is None


def test_reducing_state_return_expired_keeps_reducing_into_stale_values(make_backend):
    b, clock = make_backend()
    st = b.get_or_create_state(_with_ttl(ReducingStateDescriptor("r", lambda a, c: a + c),
                                         _ttl().return_expired_if_not_cleaned_up().disable_cleanup_in_background()))
    b.set_current_key("k")
    st.add(1)
    clock.now += 150
    st.add(2)  # Flink's TtlReduceFunction: a visible stale value is still reduced into
    assert st.get() == 3


def test_aggregating_state_expiry_and_read_refresh(make_backend):
    for refresh, expect in ((False, None), (True, (5, 2))):
        b, clock = make_backend()
        builder = _ttl().update_ttl_on_read_and_write() if refresh else _ttl()
        st = b.get_or_create_state(_with_ttl(AggregatingStateDescriptor("a", _Sum()), builder))
        b.set_current_key("k")
        st.add(2)
        st.add(3)
        clock.now += 90
        assert st.get() == (5, 2)
        clock.now += 90
        assert st.get() == expect
        clock.now += 200
        st.add(7)  # the expired accumulator is replaced by a fresh one
        assert st.get() == (7, 1)


# -- cleanup ------------------------------------------------------------------------------------------
def test_full_snapshot_cleanup_drops_expired_elements_entries_and_values(make_backend):
    b, clock = make_backend()
    lst = b.get_or_create_state(_with_ttl(ListStateDescriptor("l"), _ttl().cleanup_full_snapshot()))
    mp = b.get_or_create_state(_with_ttl(MapStateDescriptor("m"), _ttl().cleanup_full_snapshot()))
    red = b.get_or_create_state(_with_ttl(ReducingStateDescriptor("r", max), _ttl().cleanup_full_snapshot()))
    agg = b.get_or_create_state(_with_ttl(AggregatingStateDescriptor("a", _Sum()), _ttl().cleanup_full_snapshot()))
    for key in ("old", "new"):
        b.set_current_key(key)
        lst.add(f"{key}-1")
        mp.put(1, key)
        red.add(1)
        agg.add(1)
        if key == "old":
            clock.now += 60
    b.set_current_key("new")
    lst.add("new-2")
    mp.put(2, "new")
    b.set_current_key("old")
    mp.put(2, "old-late")
    clock.now += 50  # everything of "old" written first is expired; "old"'s map entry 2 is not
    snap = b.snapshot()

    b2, clock2 = make_backend()
    clock2.now = clock.now
    b2.restore([snap])
    never = _ttl().return_expired_if_not_cleaned_up().disable_cleanup_in_background()
    lst2 = b2.get_or_create_state(_with_ttl(ListStateDescriptor("l"), never))
    mp2 = b2.get_or_create_state(_with_ttl(MapStateDescriptor("m"), never))
    red2 = b2.get_or_create_state(_with_ttl(ReducingStateDescriptor("r", max), never))
    agg2 = b2.get_or_create_state(_with_ttl(AggregatingStateDescriptor("a", _Sum()), never))
    assert sorted(b2.keys("l")) == ["new"] and sorted(b2.keys("r")) == ["new"] and sorted(b2.keys("a")) == ["new"]
    assert sorted(b2.keys("m")) == ["new", "old"]
    b2.set_current_key("old")
    assert mp2.items() == [(2, "old-late")]  # entry 1 was left out of the snapshot
    b2.set_current_key("new")
    assert lst2.get() == ["new-1", "new-2"] and red2.get() == 1 and agg2.get() == (1, 1)
    clock2.now += 60  # the restored timestamps still count: past their TTL now
    assert sorted(mp2.items()) == [(1, "new"), (2, "new")]  # ReturnExpiredIfNotCleanedUp: once more
    assert mp2.items() == []


def test_without_full_snapshot_cleanup_expired_state_is_snapshotted(make_backend):
    b, clock = make_backend()
    lst = b.get_or_create_state(_with_ttl(ListStateDescriptor("l"), _ttl().disable_cleanup_in_background()))
    b.set_current_key("k")
    lst.add(1)
    clock.now += 500
    b2, clock2 = make_backend()
    clock2.now = 1_000
    b2.restore([b.snapshot()])
    lst2 = b2.get_or_create_state(_with_ttl(ListStateDescriptor("l"), _ttl()))
    b2.set_current_key("k")
    assert lst2.get() == [1]  # at the old clock the element is alive


def test_incremental_cleanup_of_lists_and_maps_on_the_heap():
    b = HeapKeyedStateBackend(128, KeyGroupRange(0, 127), "inc")
    clock = _Clock()
    b.ttl_clock = clock
    lst = b.get_or_create_state(_with_ttl(ListStateDescriptor("l"), _ttl().cleanup_incrementally(3, False)))
    mp = b.get_or_create_state(_with_ttl(MapStateDescriptor("m"), _ttl().cleanup_incrementally(3, False)))
    for k in range(6):
        b.set_current_key(k)
        lst.add("early")
        mp.put("early", k)
    clock.now += 60
    for k in range(6):
        b.set_current_key(k)
        if k % 2:
            lst.add("late")
            mp.put("late", k)
    clock.now += 50  # the "early" parts have expired; odd keys have a live "late" part
    b.set_current_key("reader")
    for _ in range(4):
        lst.get()
        mp.get("x")
    assert sorted(b.keys("l")) == [1, 3, 5] and sorted(b.keys("m")) == [1, 3, 5]
    for k in (1, 3, 5):  # the expired parts were cut out of the entries that stay
        assert b.states["l"].inner.raw_get(None, k)[0][0] == "late"
        assert list(b.states["m"].inner.raw_get(None, k)) == ["late"]


def test_ttl_state_in_windows_merges_namespaces(make_backend):
    b, clock = make_backend()
    st = b.get_or_create_state(_with_ttl(ListStateDescriptor("w"), _ttl().disable_cleanup_in_background()))
    b.set_current_key("k")
    st.set_current_namespace("w1")
    st.add(1)
    st.set_current_namespace("w2")
    st.add(2)
    st.merge_namespaces("w3", ["w1", "w2"])
    st.set_current_namespace("w3")
    assert sorted(st.get()) == [1, 2]
    clock.now += 100
    assert st.get() == []


def test_value_state_default_and_expiry_read_clears(make_backend):
    b, clock = make_backend()
    st = b.get_or_create_state(_with_ttl(ValueStateDescriptor("v", default_value=0), _ttl()))
    b.set_current_key("k")
    assert st.value() == 0
    st.update(5)
    clock.now += 100
    assert st.value() == 0
    assert b.keys("v") == []
