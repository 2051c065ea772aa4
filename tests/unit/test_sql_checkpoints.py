"""Exactly-once for SQL jobs: a SQL query is planned into ordinary keyed operators, so an
injected failure restarts it from the last checkpoint and its committed changelog equals that of
a run without failures (flinklite.testing's fault injection and checker)."""

from collections import Counter

import pytest

from flinklite.common import Types
from flinklite.table import Schema, StreamTableEnvironment
from flinklite.testing import FaultPlan, check_exactly_once

DATA = [(f"k{i % 4}", i, 1000 * i) for i in range(60)]


def _sql_job(query):
    def build(env, data):
        t_env = StreamTableEnvironment.create(env)
        t_env.get_config().set_local_timezone("UTC")
        ds = env.from_collection(data, type_info=Types.ROW_NAMED(["k", "v", "ts"],
                                                                 [Types.STRING(), Types.INT(), Types.LONG()]))
        schema = (Schema.new_builder().column("k", "STRING").column("v", "INT").column("ts", "BIGINT")
                  .column_by_expression("rt", "TO_TIMESTAMP_LTZ(ts, 3)")
                  .watermark("rt", "rt - INTERVAL '0.1' SECOND").build())
        t_env.create_temporary_view("s", t_env.from_data_stream(ds, schema))
        table = t_env.sql_query(query)
        return t_env.to_changelog_stream(table).map(lambda r: (r.get_row_kind().short_string(), tuple(r)))

    return build


@pytest.mark.parametrize("operator, query", [
    ("GroupAggregate", "SELECT k, SUM(v), COUNT(*) FROM s GROUP BY k"),
    ("WindowAggregate", "SELECT k, window_start, SUM(v) FROM TABLE(TUMBLE(TABLE s, DESCRIPTOR(rt), "
                        "INTERVAL '5' SECOND)) GROUP BY k, window_start, window_end"),
])
def test_sql_job_is_exactly_once_through_an_injected_failure(operator, query):
    plan = FaultPlan().fail_operator(operator, at_record=37)
    r = check_exactly_once(_sql_job(query), DATA, plan, require_fired=True)
    assert r.restarts == 1 and r.checkpoints_completed >= 1
    assert Counter(r.actual) == Counter(r.expected)
    final = Counter()
    for op, row in r.actual:
        final[row] += 1 if op in ("+I", "+U") else -1
    if operator == "GroupAggregate":
        # the changelog nets out to one row per key: k0 = 0 + 4 + ... + 56
        assert +final == Counter({(f"k{j}", sum(range(j, 60, 4)), 15): 1 for j in range(4)})
    else:
        assert len(+final) == 4 * 12 and sum(row[2] for row in +final) == sum(range(60))
