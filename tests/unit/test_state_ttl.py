"""State TTL (StateTtlConfig) on the heap backend: expiry, update types, visibility, cleanup."""

import pytest

from flinklite.common.time import Time
from flinklite.datastream.state import ListStateDescriptor, StateTtlConfig, ValueStateDescriptor
from flinklite.errors import InvalidProgramException
from flinklite.state.heap import HeapKeyedStateBackend
from flinklite.state.key_groups import KeyGroupRange


class _Clock:
    def __init__(self) -> None:
        self.now = 1_000

    def __call__(self) -> int:
        return self.now


def _backend():
    b = HeapKeyedStateBackend(128, KeyGroupRange(0, 127), "ttl-test")
    clock = _Clock()
    b.ttl_clock = clock
    return b, clock


def _state(backend, builder):
    d = ValueStateDescriptor("v")
    d.enable_time_to_live(builder.build())
    return backend.get_or_create_state(d)


def test_value_expires_after_ttl_since_write():
    b, clock = _backend()
    st = _state(b, StateTtlConfig.new_builder(Time.milliseconds(100)))
    b.set_current_key("a")
    st.update(1)
    clock.now += 99
    assert st.value() == 1
    clock.now += 1
    assert st.value() is None
    clock.now = 0  # removed on the expired read: it does not come back
    assert st.value() is None


def test_on_create_and_write_does_not_refresh_on_read_but_read_and_write_does():
    for builder, alive in ((StateTtlConfig.new_builder(Time.milliseconds(100)), False),
                           (StateTtlConfig.new_builder(Time.milliseconds(100)).update_ttl_on_read_and_write(),
                            True)):
        b, clock = _backend()
        st = _state(b, builder)
        b.set_current_key("a")
        st.update("x")
        clock.now += 60
        assert st.value() == "x"
        clock.now += 60
        assert (st.value() == "x") is alive


def test_write_refreshes_the_timestamp():
    b, clock = _backend()
    st = _state(b, StateTtlConfig.new_builder(Time.milliseconds(100)))
    b.set_current_key("a")
    st.update(1)
    clock.now += 80
    st.update(2)
    clock.now += 80
    assert st.value() == 2


def test_return_expired_if_not_cleaned_up_returns_the_stale_value():
    b, clock = _backend()
    st = _state(b, StateTtlConfig.new_builder(Time.milliseconds(10)).return_expired_if_not_cleaned_up()
                .disable_cleanup_in_background())
    b.set_current_key("a")
    st.update(7)
    clock.now += 50
    assert st.value() == 7


def test_full_snapshot_cleanup_leaves_expired_values_out_and_restore_keeps_timestamps():
    b, clock = _backend()
    st = _state(b, StateTtlConfig.new_builder(Time.milliseconds(100)).cleanup_full_snapshot())
    b.set_current_key("old")
    st.update(1)
    clock.now += 60
    b.set_current_key("new")
    st.update(2)
    clock.now += 50  # "old" expired, "new" has 50 ms left
    snap = b.snapshot()
    b2, clock2 = _backend()
    clock2.now = clock.now
    b2.restore([snap])
    st2 = _state(b2, StateTtlConfig.new_builder(Time.milliseconds(100)).return_expired_if_not_cleaned_up()
                 .disable_cleanup_in_background())
    assert b2.keys("v") == ["new"]
    b2.set_current_key("new")
    assert st2.value() == 2
    clock2.now += 60
    assert st2.value() == 2  # ReturnExpiredIfNotCleanedUp: still there, but past its TTL
    st3 = b2.get_or_create_state(ValueStateDescriptor("v"))
    assert st3 is st2


def test_incremental_cleanup_removes_expired_entries_of_other_keys():
    b, clock = _backend()
    st = _state(b, StateTtlConfig.new_builder(Time.milliseconds(10)).return_expired_if_not_cleaned_up()
                .cleanup_incrementally(2, False))
    for k in range(6):
        b.set_current_key(k)
        st.update(k)
    clock.now += 20
    b.set_current_key("reader")
    st.value()  # each access checks at most 2 entries
    assert len(b.keys("v")) >= 4
    for _ in range(6):
        st.value()
    assert b.keys("v") == []


def test_without_background_cleanup_expired_entries_stay_until_read():
    b, clock = _backend()
    st = _state(b, StateTtlConfig.new_builder(Time.milliseconds(10)).disable_cleanup_in_background())
    for k in range(3):
        b.set_current_key(k)
        st.update(k)
    clock.now += 20
    b.set_current_key("reader")
    st.value()
    assert sorted(b.keys("v")) == [0, 1, 2]
    b.set_current_key(1)
    assert st.value() is None
    assert sorted(b.keys("v")) == [0, 2]


def test_default_config_matches_flink():
    cfg = StateTtlConfig.new_builder(Time.seconds(1)).build()
    assert cfg.get_update_type() is StateTtlConfig.UpdateType.OnCreateAndWrite
    assert cfg.get_state_visibility() is StateTtlConfig.StateVisibility.NeverReturnExpired
    assert cfg.get_ttl_time_characteristic() is StateTtlConfig.TtlTimeCharacteristic.ProcessingTime
    inc = cfg.get_cleanup_strategies().get_incremental_cleanup_strategy()
    assert (inc.get_cleanup_size(), inc.run_cleanup_for_every_record()) == (5, False)
    assert cfg.get_cleanup_strategies().get_rocksdb_compact_filter_cleanup_strategy() \
        .get_query_time_after_num_entries() == 1000
    assert not cfg.get_cleanup_strategies().in_full_snapshot()


def test_bad_ttl_configs_are_rejected():
    with pytest.raises(InvalidProgramException, match="StateTtlConfig"):
        ValueStateDescriptor("v").enable_time_to_live("10s")
    with pytest.raises(InvalidProgramException, match="positive"):
        StateTtlConfig.new_builder(Time.milliseconds(0)).build()
    with pytest.raises(InvalidProgramException, match="only implemented for ValueState"):
        ListStateDescriptor("l").enable_time_to_live(StateTtlConfig.new_builder(Time.seconds(1)).build())


def test_ttl_in_a_running_job_follows_the_jobs_clock():
    from _helpers import make_env

    from flinklite.datastream.functions import KeyedProcessFunction
    from flinklite.time.clock import ManualClock

    clock = ManualClock(0)

    class LastSeen(KeyedProcessFunction):
        def open(self, ctx):
            d = ValueStateDescriptor("last")
            d.enable_time_to_live(StateTtlConfig.new_builder(Time.milliseconds(100)).build())
            self.last = ctx.get_state(d)

        def process_element(self, value, ctx):
            key, dt = value
            clock.advance_by(dt)  # processing time passes between the records of a key
            yield key, self.last.value()
            self.last.update(dt)

    e = make_env(1)
    e.set_clock(clock)
    out = list(e.from_collection([("a", 0), ("a", 50), ("a", 99), ("a", 100), ("a", 1)])
               .key_by(lambda v: v[0]).process(LastSeen()).execute_and_collect())
    assert out == [("a", None), ("a", 0), ("a", 50), ("a", None), ("a", 100)]
