"""InternalTimerService (§4): dedup, delete, ts order, same-pass firing, watermark-before-firing,
processing-time firing at T+1 on a manual clock, and BATCH ``fire_all_for_current_key``.

The service is driven directly with a heap backend as its key context and a recording target.
"""

from flinklite.state.heap import HeapKeyedStateBackend
from flinklite.state.key_groups import KeyGroupRange
from flinklite.time.clock import ManualClock
from flinklite.time.processing_time import ProcessingTimeService
from flinklite.time.timer_service import InternalTimerService, TimerQueue
from flinklite.time.watermark import MAX_TIMESTAMP, MIN_TIMESTAMP


class Recorder:
    def __init__(self):
        self.service = None
        self.backend = None
        self.fired = []  # (domain, ts, key, ns, watermark seen, backend current key)
        self.on_fire = None

    def on_event_time(self, ts, key, ns):
        self.fired.append(("et", ts, key, ns, self.service.current_watermark, self.backend.current_key))
        if self.on_fire:
            self.on_fire(ts, key, ns)

    def on_processing_time(self, ts, key, ns):
        self.fired.append(("pt", ts, key, ns, self.service.current_watermark, self.backend.current_key))
        if self.on_fire:
            self.on_fire(ts, key, ns)


def make(clock=None):
    clock = clock or ManualClock(0)
    pts = ProcessingTimeService(clock)
    backend = HeapKeyedStateBackend(128, KeyGroupRange(0, 127), "test-op")
    rec = Recorder()
    svc = InternalTimerService("user-timers", backend, pts, rec)
    rec.service, rec.backend = svc, backend
    return svc, backend, rec, pts, clock


def reg(svc, backend, key, ts, ns=None):
    backend.set_current_key(key)
    svc.register_event_time_timer(ns, ts)


def run_due_pt(pts, now):
    while (h := pts.pop_due(now)) is not None:
        h.callback(h.timestamp)


def test_dedup_per_key_namespace_timestamp():
    svc, backend, rec, _, _ = make()
    reg(svc, backend, "a", 10)
    reg(svc, backend, "a", 10)  # duplicate: no-op
    reg(svc, backend, "b", 10)  # other key: separate timer
    reg(svc, backend, "a", 10, ns="w1")  # other namespace: separate timer
    assert svc.num_event_time_timers() == 3
    svc.advance_watermark(10)
    fired = sorted((r[1], r[2], str(r[3])) for r in rec.fired)
    assert fired == [(10, "a", "None"), (10, "a", "w1"), (10, "b", "None")]


def test_delete_and_delete_missing():
    svc, backend, rec, _, _ = make()
    reg(svc, backend, "a", 5)
    reg(svc, backend, "a", 6)
    backend.set_current_key("a")
    svc.delete_event_time_timer(None, 5)
    svc.delete_event_time_timer(None, 99)  # missing: no-op
    backend.set_current_key("b")
    svc.delete_event_time_timer(None, 6)  # other key's timer: untouched
    svc.advance_watermark(100)
    assert [(r[1], r[2]) for r in rec.fired] == [(6, "a")]
    # re-registering a deleted timer makes it live again
    reg(svc, backend, "a", 5)
    svc.advance_watermark(200)
    assert [(r[1], r[2]) for r in rec.fired] == [(6, "a"), (5, "a")]


def test_fires_in_timestamp_order_only_up_to_watermark():
    svc, backend, rec, _, _ = make()
    for key, ts in [("a", 30), ("b", 10), ("c", 20), ("a", 5), ("b", 40)]:
        reg(svc, backend, key, ts)
    svc.advance_watermark(25)
    assert [(r[1], r[2]) for r in rec.fired] == [(5, "a"), (10, "b"), (20, "c")]
    # the backend's key is the timer's key during each call
    assert all(r[2] == r[5] for r in rec.fired)
    svc.advance_watermark(39)
    assert [r[1] for r in rec.fired] == [5, 10, 20, 30]
    svc.advance_watermark(40)
    assert [r[1] for r in rec.fired] == [5, 10, 20, 30, 40]
    assert svc.num_event_time_timers() == 0


def test_watermark_is_set_before_firing():
    svc, backend, rec, _, _ = make()
    reg(svc, backend, "a", 3)
    reg(svc, backend, "b", 7)
    svc.advance_watermark(50)
    assert [r[4] for r in rec.fired] == [50, 50]
    assert svc.current_watermark == 50


def test_timers_registered_while_firing_fire_in_same_pass_when_due():
    svc, backend, rec, _, _ = make()
    reg(svc, backend, "a", 10)

    def chain(ts, key, ns):
        if ts == 10:
            svc.register_event_time_timer(None, 15)  # due (<= W): same pass
            svc.register_event_time_timer(None, 12)
            svc.register_event_time_timer(None, 100)  # not due
        elif ts == 12 and key == "a":
            backend.set_current_key("b")
            svc.register_event_time_timer(None, 12)  # same ts, other key: due, fires in this pass

    rec.on_fire = chain
    svc.advance_watermark(20)
    assert [(r[1], r[2]) for r in rec.fired] == [(10, "a"), (12, "a"), (12, "b"), (15, "a")]
    assert svc.num_event_time_timers() == 1
    svc.advance_watermark(100)
    assert [r[1] for r in rec.fired][-1] == 100


def test_timer_in_the_past_waits_for_next_advance():
    svc, backend, rec, _, _ = make()
    svc.advance_watermark(100)
    reg(svc, backend, "a", 50)  # already behind the watermark
    assert rec.fired == []
    svc.advance_watermark(101)
    assert [r[1] for r in rec.fired] == [50]


def test_processing_time_fires_at_t_plus_one_on_manual_clock():
    svc, backend, rec, pts, clock = make(ManualClock(1000))
    backend.set_current_key("k")
    svc.register_processing_time_timer(None, 1100)
    svc.register_processing_time_timer(None, 1100)  # dedup
    backend.set_current_key("j")
    svc.register_processing_time_timer(None, 1050)
    assert svc.current_processing_time() == 1000
    clock.advance_to(1050)
    run_due_pt(pts, clock.now_ms())
    assert rec.fired == []  # T itself is not enough
    clock.advance_to(1051)
    run_due_pt(pts, clock.now_ms())
    assert [(r[0], r[1], r[2]) for r in rec.fired] == [("pt", 1050, "j")]
    clock.advance_to(1100)
    run_due_pt(pts, clock.now_ms())
    assert len(rec.fired) == 1
    clock.advance_to(1101)
    run_due_pt(pts, clock.now_ms())
    assert [(r[0], r[1], r[2]) for r in rec.fired] == [("pt", 1050, "j"), ("pt", 1100, "k")]
    assert svc.num_processing_time_timers() == 0


def test_deleted_processing_time_timer_does_not_fire():
    svc, backend, rec, pts, clock = make(ManualClock(0))
    backend.set_current_key("k")
    svc.register_processing_time_timer(None, 10)
    svc.register_processing_time_timer(None, 20)
    svc.delete_processing_time_timer(None, 10)
    clock.advance_to(100)
    run_due_pt(pts, clock.now_ms())
    assert [r[1] for r in rec.fired] == [20]


def test_batch_fire_all_for_current_key():
    svc, backend, rec, _, _ = make()
    svc.batch_mode = True
    backend.set_current_key("a")
    svc.register_event_time_timer(None, 15)
    svc.register_processing_time_timer(None, 10**12)  # far future: still fires in BATCH
    svc.register_event_time_timer(None, 12)
    svc.register_processing_time_timer(None, 5)

    def late(ts, key, ns):
        svc.register_event_time_timer(None, ts + 1)  # ignored while at MAX

    rec.on_fire = late
    svc.fire_all_for_current_key()
    assert [(r[0], r[1]) for r in rec.fired] == [("et", 12), ("et", 15), ("pt", 5), ("pt", 10**12)]
    assert all(r[4] == MAX_TIMESTAMP for r in rec.fired)
    assert svc.current_watermark == MIN_TIMESTAMP  # reset for the next key
    assert not svc.has_timers()


def test_timer_queue_lazy_delete_and_iteration():
    q = TimerQueue()
    assert q.add(5, "a", None)
    assert not q.add(5, "a", None)
    q.add(1, "b", None)
    q.add(3, "c", None)
    q.remove(3, "c", None)
    assert len(q) == 2
    assert list(q) == [(1, "b", None), (5, "a", None)]
    assert q.peek_ts() == 1
    assert q.pop_due(0) is None
    assert q.pop_due(10) == (1, "b", None)
    assert q.pop_due(10) == (5, "a", None)
    assert q.pop_due(10) is None


def test_tie_order_across_namespaces_survives_a_snapshot_and_restore():
    svc, backend, _, _, _ = make()
    for key, ns in (("k1", "A"), ("k2", "B"), ("k3", "A"), ("k4", None)):
        backend.set_current_key(key)
        svc.register_event_time_timer(ns, 5)
    backend.set_current_key("k0")
    svc.register_event_time_timer("B", 3)
    snap = backend.snapshot()
    restored = HeapKeyedStateBackend(128, KeyGroupRange(0, 127), "test-op")
    restored.restore([snap])
    rec = Recorder()
    svc2 = InternalTimerService("user-timers", restored, ProcessingTimeService(ManualClock(0)), rec)
    rec.service, rec.backend = svc2, restored
    svc2.advance_watermark(10)
    assert [(ts, key, ns) for _, ts, key, ns, _, _ in rec.fired] == [
        (3, "k0", "B"), (5, "k1", "A"), (5, "k2", "B"), (5, "k3", "A"), (5, "k4", None)]
