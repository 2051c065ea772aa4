"""CEP through failures: the NFA's state (branches, shared buffer, buffered events, timers) is
keyed state, so a job that fails and restarts from its last checkpoint commits exactly the
matches and timeouts of a failure-free run."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flinklite.cep import CEP, Pattern
from flinklite.common import Duration, WatermarkStrategy
from flinklite.common.watermark_strategy import TimestampAssigner
from flinklite.datastream import OutputTag
from flinklite.testing import FaultPlan, check_exactly_once
from flinklite.testing.strategies import failure_schedules

TIMEOUTS = OutputTag("timeouts")


class _TS(TimestampAssigner):
    def extract_timestamp(self, value, record_timestamp):
        return value[2]


def build(env, data):
    events = env.from_collection(data).name("events").assign_timestamps_and_watermarks(
        WatermarkStrategy.for_bounded_out_of_orderness(Duration.of_millis(3)).with_timestamp_assigner(_TS()))
    pattern = (Pattern.begin("a").where(lambda e: e[1] == "a")
               .followed_by("b").where(lambda e: e[1] == "b").one_or_more()
               .followed_by("c").where(lambda e: e[1] == "c")
               .within(Duration.of_millis(15)))
    matches = CEP.pattern(events.key_by(lambda e: e[0]), pattern).select(
        TIMEOUTS, lambda m, ts: ("timeout", m["a"][0][2], ts),
        lambda m: ("match", m["a"][0][0], tuple(e[2] for step in m.values() for e in step)))
    return matches.union(matches.get_side_output(TIMEOUTS))


def _stream(rng_letters, jitter):
    data = []
    for i, (letter, j) in enumerate(zip(rng_letters, jitter)):
        data.append((f"k{i % 3}", letter, max(0, i - j)))
    return data


streams = st.integers(10, 80).flatmap(lambda n: st.tuples(
    st.lists(st.sampled_from("abcx"), min_size=n, max_size=n),
    st.lists(st.integers(0, 2), min_size=n, max_size=n)))


def test_fail_the_cep_operator_mid_stream():
    data = _stream(list("abbcxab" * 12), [i % 3 for i in range(84)])
    result = check_exactly_once(build, data, FaultPlan().fail_operator("CepOperator", at_record=50),
                                parallelism=2, require_fired=True)
    assert result.restarts == 1
    assert result.checkpoints_completed >= 1
    kinds = {r[0] for r in result.expected}
    assert kinds == {"match", "timeout"}  # both kinds of output went through the failure


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(streams, st.data(), st.integers(0, 1000), st.sampled_from([1, 2, 3]))
def test_exactly_once_under_random_failures(stream, draw, seed, parallelism):
    data = _stream(*stream)
    plan = draw.draw(failure_schedules(["CepOperator", "events"], max_record=len(data)))
    result = check_exactly_once(build, data, plan, seed=seed, parallelism=parallelism)
    assert result.restarts == len(result.fired)
