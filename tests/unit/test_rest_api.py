"""Flink's REST API subset, hit over real HTTP (urllib) while an unbounded job runs."""

import os
import threading
import urllib.error

import pytest
from _observe_helpers import get_json, unbounded_env, wait_until

from flinklite.errors import InvalidProgramException, JobCancellationException
from flinklite.metrics._registry import REGISTRY

REST = {"rest.port": "0"}


@pytest.fixture(autouse=True)
def _no_servers_left():
    yield
    REGISTRY.shutdown()


@pytest.fixture
def running():
    client = unbounded_env(REST).execute_async("rest job")
    server = wait_until(lambda: REGISTRY.rest_server)
    jid = str(client.get_job_id())
    wait_until(lambda: get_json(f"{server.url}/jobs/{jid}/checkpoints")[1]["counts"]["completed"] > 0)
    yield server.url, jid, client
    if not client.get_job_execution_result().done():
        client.cancel().result(5)
        with pytest.raises(JobCancellationException):
            client.get_job_execution_result().result(10)


def _error(url, method="GET", body=None):
    with pytest.raises(urllib.error.HTTPError) as info:
        get_json(url, method, body)
    return info.value.code, info.value.read().decode()


def test_server_binds_localhost_by_default(running):
    url, _, _ = running
    assert url.startswith("http://127.0.0.1:")


def test_overview_jobs_and_job_details(running):
    url, jid, _ = running
    status, ov = get_json(f"{url}/overview")
    assert status == 200 and ov["jobs-running"] == 1 and ov["taskmanagers"] == 1 and ov["flink-version"]
    assert {"id": jid, "status": "RUNNING"} in get_json(f"{url}/jobs")[1]["jobs"]
    (tm,) = get_json(f"{url}/taskmanagers")[1]["taskmanagers"]
    assert tm["slotsNumber"] == 5 and tm["hardware"]["cpuCores"] >= 1
    assert get_json(f"{url}/config")[1]["flink-version"] == ov["flink-version"]
    (summary,) = [j for j in get_json(f"{url}/jobs/overview")[1]["jobs"] if j["jid"] == jid]
    assert summary["name"] == "rest job" and summary["state"] == "RUNNING" and summary["end-time"] == -1
    assert summary["tasks"]["total"] == 5 and summary["tasks"]["running"] == 5  # 1 source + 2 x 2
    _, job = get_json(f"{url}/jobs/{jid}")
    assert job["jid"] == jid and job["state"] == "RUNNING" and job["job-type"] == "STREAMING"
    names = [v["name"] for v in job["vertices"]]
    assert names == ["Source: ticks", "count", "sum -> discard"]  # the last two chained
    src, count, sink = job["vertices"]
    assert (src["parallelism"], count["parallelism"], sink["parallelism"]) == (1, 2, 2)
    assert [o["name"] for o in sink["operators"]] == ["sum", "discard"]
    assert count["metrics"]["read-records"] > 0 and count["metrics"]["read-records-complete"] is True
    assert job["status-counts"]["RUNNING"] == 5
    nodes = {n["id"]: n for n in job["plan"]["nodes"]}
    assert nodes[sink["id"]]["inputs"] == [{"num": 0, "id": count["id"], "ship_strategy": "HASH",
                                            "exchange": "pipelined_bounded"}]
    assert nodes[count["id"]]["inputs"][0]["ship_strategy"] == "REBALANCE"
    assert get_json(f"{url}/jobs/{jid}/plan")[1]["plan"]["jid"] == jid
    assert get_json(f"{url}/v1/jobs/{jid}")[1]["jid"] == jid  # Flink's versioned prefix


def test_vertex_details_watermarks_backpressure_metrics(running):
    url, jid, _ = running
    _, job = get_json(f"{url}/jobs/{jid}")
    count = job["vertices"][1]
    base = f"{url}/jobs/{jid}/vertices/{count['id']}"
    _, detail = get_json(base)
    assert detail["name"] == "count" and detail["parallelism"] == 2
    assert [s["subtask"] for s in detail["subtasks"]] == [0, 1]
    assert all(s["status"] == "RUNNING" and s["metrics"]["read-records"] >= 0 for s in detail["subtasks"])
    # watermarks advance while the job runs
    def wms():
        return [int(w["value"]) for w in get_json(base + "/watermarks")[1]]
    first = wait_until(lambda: (lambda w: w if len(w) == 2 and min(w) > 0 else None)(wms()))
    wait_until(lambda: min(wms()) > min(first))
    _, ids = get_json(base + "/watermarks")
    assert [w["id"] for w in ids] == ["0.currentInputWatermark", "1.currentInputWatermark"]
    _, bp = get_json(base + "/backpressure")
    assert bp["status"] == "ok" and bp["backpressureLevel"] in ("ok", "low", "high")
    assert [s["subtask"] for s in bp["subtasks"]] == [0, 1]
    for s in bp["subtasks"]:
        assert abs(s["ratio"] + s["idleRatio"] + s["busyRatio"] - 1) < 0.01
    _, available = get_json(base + "/metrics")
    ids = {m["id"] for m in available}
    assert {"0.numRecordsInPerSecond", "1.count.numRecordsOut", "0.count.mymetrics.seen",
            "0.count.currentOutputWatermark"} <= ids
    _, values = get_json(base + "/metrics?get=0.count.numRecordsIn,1.count.numRecordsIn")
    assert sorted(v["id"] for v in values) == ["0.count.numRecordsIn", "1.count.numRecordsIn"]
    assert all(int(v["value"]) > 0 for v in values)


def test_checkpoints_and_exceptions(running):
    url, jid, _ = running
    _, cps = get_json(f"{url}/jobs/{jid}/checkpoints")
    counts = cps["counts"]
    assert counts["completed"] >= 1 and counts["total"] >= counts["completed"]
    latest = cps["latest"]["completed"]
    assert latest["status"] == "COMPLETED" and latest["className"] == "completed"
    assert latest["state_size"] > 0 and latest["num_acknowledged_subtasks"] == latest["num_subtasks"] == 5
    assert latest["is_savepoint"] is False and latest["checkpoint_type"] == "CHECKPOINT"
    assert cps["history"] and cps["history"][0]["id"] >= latest["id"]
    assert cps["summary"]["state_size"]["max"] >= cps["summary"]["state_size"]["min"] > 0
    _, exc = get_json(f"{url}/jobs/{jid}/exceptions")
    assert exc["root-exception"] is None and exc["exceptionHistory"]["entries"] == []


def test_trigger_savepoint_then_stop_with_savepoint(running, tmp_path):
    url, jid, client = running
    status, trig = get_json(f"{url}/jobs/{jid}/savepoints", "POST",
                            {"target-directory": str(tmp_path / "sp"), "cancel-job": False})
    assert status == 202 and trig["request-id"]
    poll = f"{url}/jobs/{jid}/savepoints/{trig['request-id']}"
    done = wait_until(lambda: (lambda d: d if d["status"]["id"] == "COMPLETED" else None)(get_json(poll)[1]))
    location = done["operation"]["location"]
    assert os.path.isfile(os.path.join(location, "_metadata"))
    assert get_json(f"{url}/jobs/{jid}")[1]["state"] == "RUNNING"
    _, cps = get_json(f"{url}/jobs/{jid}/checkpoints")
    assert cps["latest"]["savepoint"]["external_path"] == location
    status, stop = get_json(f"{url}/jobs/{jid}/stop", "POST", {"targetDirectory": f"file://{tmp_path}/stop"})
    assert status == 202
    poll = f"{url}/jobs/{jid}/savepoints/{stop['request-id']}"
    done = wait_until(lambda: (lambda d: d if d["status"]["id"] == "COMPLETED" else None)(get_json(poll)[1]))
    assert done["operation"]["location"].startswith(str(tmp_path / "stop"))
    client.get_job_execution_result().result(10)
    _, job = wait_until(lambda: (lambda r: r if r[1]["state"] == "FINISHED" else None)(get_json(f"{url}/jobs/{jid}")))
    assert job["end-time"] > 0 and all(v["status"] == "FINISHED" for v in job["vertices"])


def test_failed_savepoint_reports_its_cause(running):
    url, jid, _ = running
    _, trig = get_json(f"{url}/jobs/{jid}/savepoints", "POST", {})  # no target and no state.savepoints.dir
    poll = f"{url}/jobs/{jid}/savepoints/{trig['request-id']}"
    done = wait_until(lambda: (lambda d: d if d["status"]["id"] == "COMPLETED" else None)(get_json(poll)[1]))
    cause = done["operation"]["failure-cause"]
    assert cause["class"] == "InvalidProgramException" and "savepoint directory" in cause["serialized-throwable"]


def test_cancel_with_patch(running):
    url, jid, client = running
    status, body = get_json(f"{url}/jobs/{jid}?mode=cancel", "PATCH")
    assert status == 202 and body == {}
    with pytest.raises(JobCancellationException):
        client.get_job_execution_result().result(10)
    _, job = get_json(f"{url}/jobs/{jid}")
    assert job["state"] == "CANCELED" and get_json(f"{url}/overview")[1]["jobs-cancelled"] == 1
    code, text = _error(f"{url}/jobs/{jid}", "PATCH")
    assert code == 400 and "only a running job" in text


def test_cancel_a_job_running_in_execute():
    env = unbounded_env(REST, checkpoint_ms=None, parallelism=1)
    raised = []

    def run():
        try:
            env.execute("blocking")
        except BaseException as e:  # noqa: BLE001
            raised.append(e)

    t = threading.Thread(target=run, daemon=True)
    t.start()
    server = wait_until(lambda: REGISTRY.rest_server)
    jid = wait_until(lambda: [j["id"] for j in get_json(f"{server.url}/jobs")[1]["jobs"]
                              if j["status"] == "RUNNING"])[0]
    assert get_json(f"{server.url}/jobs/{jid}", "PATCH")[0] == 202
    t.join(10)
    assert not t.is_alive() and isinstance(raised[0], JobCancellationException)
    assert get_json(f"{server.url}/jobs/{jid}")[1]["state"] == "CANCELED"


def test_errors_are_flink_shaped(running):
    url, jid, _ = running
    code, text = _error(f"{url}/jobs/0123456789abcdef0123456789abcdef")
    assert code == 404 and '"errors"' in text and "not found" in text
    code, text = _error(f"{url}/jobs/{jid}/vertices/nope")
    assert code == 404 and "Vertex nope" in text
    code, text = _error(f"{url}/jobs/{jid}/savepoints/unknown")
    assert code == 404 and "no savepoint operation" in text
    code, text = _error(f"{url}/jobs/{jid}?mode=explode", "PATCH")
    assert code == 400 and "mode must be" in text
    import urllib.request

    req = urllib.request.Request(f"{url}/jobs/{jid}/savepoints", data=b"{not json", method="POST")
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(req, timeout=5)
    assert info.value.code == 400


def test_rest_is_off_unless_configured():
    env = unbounded_env({}, checkpoint_ms=None, parallelism=1)
    job = env._create_job("quiet")
    job.start()
    try:
        assert REGISTRY.rest_server is None and REGISTRY.job(job.job_id) is None
    finally:
        job.cancel()


def test_busy_port_is_an_actionable_error():
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen()
    try:
        env = unbounded_env({"rest.port": str(s.getsockname()[1])}, checkpoint_ms=None, parallelism=1)
        with pytest.raises(InvalidProgramException, match="cannot listen"):
            env._create_job("x").start()
    finally:
        s.close()


def test_exceptions_lists_recovered_failures():
    class FailOnce:
        failed = False

        def __call__(self, v):
            if v == 200 and not FailOnce.failed:
                FailOnce.failed = True
                raise ValueError("bad record 200")
            return v

    conf = dict(REST, **{"restart-strategy.type": "fixed-delay", "restart-strategy.fixed-delay.attempts": "2",
                         "restart-strategy.fixed-delay.delay": "10 ms"})
    env = unbounded_env(conf, checkpoint_ms=50, parallelism=1, rate=4000,
                        build=lambda ticks: ticks.map(FailOnce()).name("fragile").add_sink(lambda v: None))
    client = env.execute_async("fails once")
    try:
        server = wait_until(lambda: REGISTRY.rest_server)
        jid = str(client.get_job_id())
        exc = wait_until(lambda: (lambda d: d if d["exceptionHistory"]["entries"] else None)(
            get_json(f"{server.url}/jobs/{jid}/exceptions")[1]))
        (entry,) = exc["exceptionHistory"]["entries"]
        assert "bad record 200" in entry["stacktrace"] and entry["timestamp"] > 0
        assert entry["exceptionName"] == "ValueError" and "fragile" in entry["taskName"]
        assert "fragile" in entry["stacktrace"].splitlines()[0]
        assert "bad record 200" in exc["root-exception"]
        assert get_json(f"{server.url}/jobs/{jid}")[1]["state"] == "RUNNING"  # it recovered
    finally:
        client.cancel().result(5)


def test_backpressure_shows_on_the_producer_of_a_slow_consumer():
    import time as _time

    def slow(v):
        _time.sleep(0.002)  # ~500 records/s against a 20,000 records/s source

    env = unbounded_env(REST, checkpoint_ms=None, parallelism=1, rate=20_000,
                        build=lambda ticks: ticks.rebalance().map(lambda v: v).name("pass").add_sink(slow))
    client = env.execute_async("backpressured")
    try:
        server = wait_until(lambda: REGISTRY.rest_server)
        jid = str(client.get_job_id())
        source = get_json(f"{server.url}/jobs/{jid}")[1]["vertices"][0]
        assert source["name"] == "Source: ticks"

        def level():
            bp = get_json(f"{server.url}/jobs/{jid}/vertices/{source['id']}/backpressure")[1]
            return bp if bp["backpressureLevel"] == "high" else None

        bp = wait_until(level, 15)
        assert bp["subtasks"][0]["ratio"] > 0.5
        _, job = get_json(f"{server.url}/jobs/{jid}")
        assert job["vertices"][0]["metrics"]["accumulated-backpressured-time"] > 0
    finally:
        client.cancel().result(5)
