"""The Prometheus reporter, scraped over real HTTP while an unbounded job runs."""

import re
import urllib.request

import pytest
from _observe_helpers import unbounded_env, wait_until

from flinklite.errors import InvalidProgramException
from flinklite.metrics._registry import PROMETHEUS_FACTORY, REGISTRY

pytest.importorskip("prometheus_client")

PROM = {"metrics.reporter.prom.factory.class": PROMETHEUS_FACTORY, "metrics.reporter.prom.port": "0"}


@pytest.fixture(autouse=True)
def _no_servers_left():
    yield
    REGISTRY.shutdown()


def _scrape(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
        return r.read().decode()


_SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)\{(.*)\} (\S+)$")


def _samples(text: str, name: str) -> list[tuple[dict, float]]:
    out = []
    for line in text.splitlines():
        m = _SAMPLE.match(line)
        if m and m.group(1) == name:
            labels = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(2)))
            out.append((labels, float(m.group(3))))
    return out


def test_scrape_running_job_flink_names_and_labels():
    client = unbounded_env(PROM).execute_async("prom job")
    try:
        port = wait_until(lambda: REGISTRY.reporters.get("prom")).port

        def operator_in(text):
            return [s for s in _samples(text, "flink_taskmanager_job_task_operator_numRecordsIn")
                    if s[0].get("operator_name") == "count"]

        first = wait_until(lambda: (lambda t: t if sum(v for _, v in operator_in(t)) > 0 else None)(_scrape(port)))
        rows = operator_in(first)
        assert len(rows) == 2  # parallelism 2
        labels = rows[0][0]
        for key in ("host", "tm_id", "job_id", "job_name", "task_id", "task_name", "task_attempt_id",
                    "task_attempt_num", "subtask_index", "operator_id", "operator_name"):
            assert key in labels, key
        assert labels["job_name"] == "prom job" and labels["job_id"] == str(client.get_job_id())
        assert {r[0]["subtask_index"] for r in rows} == {"0", "1"}
        # records keep flowing: a later scrape shows more
        before = sum(v for _, v in rows)
        later = wait_until(lambda: (lambda t: t if sum(v for _, v in operator_in(t)) > before else None)(_scrape(port)))
        # user metrics: a plain group joins the name, a key/value group becomes a label
        seen = _samples(later, "flink_taskmanager_job_task_operator_mymetrics_seen")
        assert len(seen) == 2 and sum(v for _, v in seen) > 0
        dist = _samples(later, "flink_taskmanager_job_task_operator_kind_values_count")
        assert dist and all(lbl["kind"] == "even" for lbl, _ in dist)
        assert _samples(later, "flink_taskmanager_job_task_operator_lastValue")
        # task-level and job-level metrics
        assert _samples(later, "flink_taskmanager_job_task_numRecordsOutPerSecond")
        assert _samples(later, "flink_taskmanager_job_task_busyTimeMsPerSecond")
        assert _samples(later, "flink_taskmanager_job_task_operator_currentOutputWatermark")
        done = wait_until(lambda: (lambda t: t if _samples(t, "flink_jobmanager_job_numberOfCompletedCheckpoints")
                                   and _samples(t, "flink_jobmanager_job_numberOfCompletedCheckpoints")[0][1] > 0
                                   else None)(_scrape(port)))
        (lbl, _), = _samples(done, "flink_jobmanager_job_numberOfCompletedCheckpoints")
        assert set(lbl) == {"host", "job_id", "job_name"}
        assert _samples(done, "flink_jobmanager_job_lastCheckpointSize")[0][1] > 0
        assert "# TYPE flink_taskmanager_job_task_operator_numRecordsIn gauge" in done
    finally:
        client.cancel().result(5)
    # a cancelled job is no longer exported
    wait_until(lambda: not _samples(_scrape(port), "flink_taskmanager_job_task_operator_numRecordsIn"))


def test_a_failing_user_gauge_is_left_out_of_the_scrape():
    def build(ticks):
        class BadGauge:
            def open(self, ctx):
                ctx.get_metrics_group().gauge("broken", lambda: 1 / 0)

            def map(self, v):
                return v

        from flinklite.datastream.functions import MapFunction

        cls = type("BadGaugeMap", (BadGauge, MapFunction), {})
        ticks.map(cls()).name("bad").add_sink(lambda v: None)

    client = unbounded_env(PROM, checkpoint_ms=None, parallelism=1, build=build).execute_async("bad gauge")
    try:
        port = wait_until(lambda: REGISTRY.reporters.get("prom")).port
        text = wait_until(lambda: (lambda t: t if _samples(t, "flink_taskmanager_job_task_operator_numRecordsIn")
                                   else None)(_scrape(port)))
        assert "broken" not in text
    finally:
        client.cancel().result(5)


def test_port_already_taken_is_an_actionable_error():
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen()
    taken = s.getsockname()[1]
    try:
        env = unbounded_env({"metrics.reporter.prom.factory.class": PROMETHEUS_FACTORY,
                             "metrics.reporter.prom.port": str(taken)}, checkpoint_ms=None)
        with pytest.raises(InvalidProgramException, match="no free port"):
            env._create_job("x").start()
    finally:
        s.close()


def test_grafana_dashboard_queries_only_metrics_the_reporter_exports():
    import json
    import os

    path = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "grafana", "flinklite-dashboard.json")
    with open(path) as f:
        dashboard = json.load(f)
    exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    exprs.append(dashboard["templating"]["list"][0]["query"]["query"])
    wanted = {name for e in exprs for name in re.findall(r"flink_[A-Za-z0-9_:]+", e)}
    assert len(wanted) >= 10
    client = unbounded_env(PROM).execute_async("grafana check")
    try:
        port = wait_until(lambda: REGISTRY.reporters.get("prom")).port

        def exported():
            text = _scrape(port)
            names = {m.group(1) for m in map(_SAMPLE.match, text.splitlines()) if m}
            return names if "flink_jobmanager_job_lastCheckpointSize" in names else None

        names = wait_until(exported)
        assert wanted <= names, sorted(wanted - names)
        # every series the panels group by carries that label
        text = _scrape(port)
        for labels, _ in _samples(text, "flink_taskmanager_job_task_operator_numRecordsInPerSecond"):
            assert labels["job_name"] == "grafana check" and labels["operator_name"]
    finally:
        client.cancel().result(5)
