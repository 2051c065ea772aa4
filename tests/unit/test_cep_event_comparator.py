"""EventComparator (flinklite/cep/event_comparator.py): events of one timestamp are matched in the
comparator's order, in event time and in processing time, as Flink's CepOperator sorts them."""

from __future__ import annotations

import pytest
from _cep_helpers import harness

from flinklite.cep import CEP, EventComparator, Pattern
from flinklite.cep._operator import CepOperator
from flinklite.datastream import StreamExecutionEnvironment
from flinklite.errors import InvalidProgramException
from flinklite.testing import KeyedOneInputOperatorHarness


class ByValueDesc(EventComparator):
    def compare(self, o1, o2):
        return o2[1] - o1[1]


def strict_ab():
    # a then b, strictly contiguous: which b follows which a depends on the order within a timestamp
    return Pattern.begin("a").where(lambda e: e[0] == "a").next("b").where(lambda e: e[0] == "b")


EVENTS = [(("b", 1), 5), (("a", 2), 5), (("b", 3), 5), (("a", 0), 4)]


def _run(comparator, processing_time=False):
    from _cep_helpers import Collect

    op = CepOperator(strict_ab(), Collect(), processing_time=processing_time, comparator=comparator)
    h = KeyedOneInputOperatorHarness(op, key_selector=lambda e: 0)
    for e, ts in EVENTS:
        h.process_element(e, ts)
    if processing_time:
        h.set_processing_time(10)
    else:
        h.process_watermark(2**63 - 1)
    return h.extract_output_values()


def test_without_a_comparator_arrival_order_within_a_timestamp():
    # time 4: a0; time 5 in arrival order: b1 a2 b3
    assert _run(None) == ["('a', 0) ('b', 1)", "('a', 2) ('b', 3)"]


def test_comparator_object_and_function():
    # time 5 sorted by value, descending: b3 a2 b1
    assert _run(ByValueDesc()) == ["('a', 0) ('b', 3)", "('a', 2) ('b', 1)"]
    assert _run(lambda x, y: x[1] - y[1]) == ["('a', 0) ('b', 1)", "('a', 2) ('b', 3)"]


def test_processing_time_buffers_and_sorts_one_millisecond():
    # all four arrive at processing time 0: sorted descending: b3 a2 b1 a0
    assert _run(ByValueDesc(), processing_time=True) == ["('a', 2) ('b', 1)"]


def test_through_cep_pattern():
    env = StreamExecutionEnvironment.get_execution_environment()
    from flinklite.common import WatermarkStrategy
    from flinklite.common.watermark_strategy import TimestampAssigner

    class TS(TimestampAssigner):
        def extract_timestamp(self, value, record_timestamp):
            return value[2]

    ds = env.from_collection([("b", 1, 5), ("a", 2, 5), ("b", 3, 5), ("a", 0, 4)]).assign_timestamps_and_watermarks(
        WatermarkStrategy.for_monotonous_timestamps().with_timestamp_assigner(TS()))
    out = CEP.pattern(ds, strict_ab(), ByValueDesc()).select(lambda m: (m["a"][0][1], m["b"][0][1]))
    assert list(out.execute_and_collect()) == [(0, 3), (2, 1)]


def test_a_wrong_comparator_fails_when_the_job_is_built():
    env = StreamExecutionEnvironment.get_execution_environment()
    with pytest.raises(InvalidProgramException, match="EventComparator or a function"):
        CEP.pattern(env.from_collection([1]), strict_ab(), 42)


def test_harness_helper_still_works():
    h = harness(strict_ab())
    h.process_element(("a", 1), 1)
    h.process_element(("b", 2), 2)
    h.process_watermark(5)
    assert h.extract_output_values() == ["('a', 1) ('b', 2)"]
