"""StatusWatermarkValve (§2.3): min over channels, only increases, idleness, realignment.

The valve is driven directly (``input_watermark`` / ``input_status``) and its emissions are
checked against the rules in the semantics doc.
"""

from flinklite.time.valve import StatusWatermarkValve
from flinklite.time.watermark import MIN_TIMESTAMP


def test_single_channel_forwards_increases_only():
    v = StatusWatermarkValve(1)
    assert v.input_watermark(5, 0) == 5
    assert v.input_watermark(5, 0) is None
    assert v.input_watermark(3, 0) is None
    assert v.input_watermark(9, 0) == 9
    assert v.last_output_watermark == 9


def test_min_over_channels():
    v = StatusWatermarkValve(3)
    assert v.input_watermark(10, 0) is None  # others still at MIN
    assert v.input_watermark(20, 1) is None
    assert v.input_watermark(5, 2) == 5
    assert v.input_watermark(30, 2) == 10
    assert v.input_watermark(25, 0) == 20
    assert v.input_watermark(40, 1) == 25
    assert v.last_output_watermark == 25


def test_idle_channel_is_left_out_of_min():
    v = StatusWatermarkValve(2)
    assert v.input_watermark(10, 0) is None
    # channel 1 (at MIN == last output) goes idle: the min is recomputed without it
    wm, status = v.input_status(True, 1)
    assert wm == 10
    assert status is None  # not all idle
    assert v.input_watermark(15, 0) == 15
    assert v.last_output_watermark == 15


def test_idle_channel_at_the_min_releases_the_others():
    v = StatusWatermarkValve(2)
    v.input_watermark(10, 0)
    v.input_watermark(30, 1)
    assert v.last_output_watermark == 10
    wm, status = v.input_status(True, 0)  # the channel holding the min goes idle
    assert wm == 30 and status is None


def test_watermark_on_idle_channel_is_ignored():
    v = StatusWatermarkValve(2)
    v.input_watermark(10, 0)
    v.input_status(True, 1)
    assert v.input_watermark(100, 1) is None
    assert v.input_watermark(12, 0) == 12


def test_channel_returning_behind_stays_unaligned_until_it_catches_up():
    v = StatusWatermarkValve(2)
    v.input_watermark(5, 1)
    v.input_status(True, 1)
    assert v.input_watermark(50, 0) == 50
    wm, status = v.input_status(False, 1)  # back, but at 5 < 50
    assert wm is None and status is None
    assert v.input_watermark(60, 0) == 60  # channel 1 does not pull the min down
    assert v.input_watermark(20, 1) is None  # still behind: stays out, no regress
    assert v.input_watermark(70, 0) == 70
    assert v.input_watermark(65, 1) is None  # 65 < 70: still unaligned
    assert v.input_watermark(80, 1) is None  # caught up (80 >= 70): aligned again, min = 70
    assert v.input_watermark(90, 0) == 80  # now channel 1 holds the min
    assert v.last_output_watermark == 80


def test_all_idle_emits_max_then_idle_and_active_on_return():
    v = StatusWatermarkValve(3)
    v.input_watermark(10, 0)
    v.input_watermark(40, 1)
    v.input_watermark(25, 2)
    assert v.last_output_watermark == 10
    assert v.input_status(True, 1) == (None, None)  # not at the min
    assert v.input_status(True, 2) == (None, None)
    wm, status = v.input_status(True, 0)  # last active channel, at the min
    assert wm == 40 and status is True
    assert v.output_idle
    assert v.input_watermark(100, 0) is None  # ignored while idle
    wm, status = v.input_status(False, 0)
    assert wm is None and status is False
    assert not v.output_idle
    assert v.input_watermark(100, 0) == 100


def test_all_idle_without_progress_emits_only_idle():
    v = StatusWatermarkValve(2)
    wm, status = v.input_status(True, 0)
    assert (wm, status) == (None, None)
    wm, status = v.input_status(True, 1)
    assert wm is None and status is True
    assert v.last_output_watermark == MIN_TIMESTAMP


def test_repeated_status_is_a_no_op():
    v = StatusWatermarkValve(2)
    assert v.input_status(False, 0) == (None, None)
    v.input_status(True, 0)
    assert v.input_status(True, 0) == (None, None)


def test_output_never_goes_back_under_any_sequence():
    import random

    rng = random.Random(7)
    for _ in range(200):
        n = rng.randint(1, 4)
        v = StatusWatermarkValve(n)
        last = MIN_TIMESTAMP
        for _ in range(40):
            ch = rng.randrange(n)
            if rng.random() < 0.2:
                wm, _ = v.input_status(rng.random() < 0.5, ch)
            else:
                wm = v.input_watermark(rng.randint(-50, 200), ch)
            if wm is not None:
                assert wm > last
                last = wm
        assert v.last_output_watermark == last
