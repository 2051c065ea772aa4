from flinklite.metrics import Counter, Distribution, Meter, MetricGroup


def test_metric_group_counter_gauge_meter_distribution():
    root = MetricGroup()
    g = root.add_group("my", "x")
    c = g.counter("c")
    c.inc(3)
    c.dec()
    assert g.counter("c") is c and isinstance(c, Counter) and c.get_count() == 2
    g.gauge("g", lambda: 7)
    m = g.meter("m")
    m.mark_event(5)
    assert isinstance(m, Meter) and m.get_count() == 5 and m.get_rate() > 0
    d = g.distribution("d")
    for v in (4, 1, 9):
        d.update(v)
    assert isinstance(d, Distribution) and (d.count, d.sum, d.min, d.max) == (3, 14, 1, 9)
    seen = root.metrics()
    assert seen["my.x.g"] == 7 and seen["my.x.c"] is c
