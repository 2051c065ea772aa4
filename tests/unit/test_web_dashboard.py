"""The web dashboard, loaded in real headless Chromium against a running job.

Chromium runs the page's script (which polls the REST API) for a few seconds of virtual time;
the dumped DOM must show the job's operators with live numbers, and a screenshot is taken.
Without Chromium the tests skip locally and fail in CI (``CI`` set, as ``.ci/run`` does, after
``.ci/deps/chromium.sh`` installed it).
"""

import os
import re
import shutil
import subprocess

import pytest
from _observe_helpers import get_json, unbounded_env, wait_until

from flinklite.metrics._registry import REGISTRY


def _chromium() -> str:
    path = shutil.which("chromium") or ("/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)
    if path is None:
        reason = "chromium is not installed (bash .ci/deps/chromium.sh installs Debian's package)"
        if os.environ.get("CI", "").lower() not in ("", "0", "false"):
            pytest.fail(f"Chromium is required in CI: {reason}", pytrace=False)
        pytest.skip(reason)
    return path


def _run(chromium: str, url: str, *args: str, profile) -> str:
    cmd = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
           f"--user-data-dir={profile}", "--virtual-time-budget=5000", "--window-size=1400,900", *args, url]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    return r.stdout


@pytest.fixture
def running_job():
    client = unbounded_env({"rest.port": "0"}, checkpoint_ms=200).execute_async("dashboard job")
    server = wait_until(lambda: REGISTRY.rest_server)
    jid = str(client.get_job_id())
    wait_until(lambda: get_json(f"{server.url}/jobs/{jid}/checkpoints")[1]["counts"]["completed"] >= 2)
    yield server.url, jid
    client.cancel().result(5)
    REGISTRY.shutdown()


def _values(dom: str, cls: str) -> list[str]:
    return re.findall(rf'class="{cls}" data-value="([^"]*)"', dom)


def test_dashboard_shows_graph_rates_watermarks_and_checkpoints(running_job, tmp_path):
    chromium = _chromium()
    url, jid = running_job
    dom = _run(chromium, f"{url}/#{jid}", "--dump-dom", profile=tmp_path / "profile")
    assert 'data-loaded="true"' in dom, dom[-3000:]
    # the graph: three vertices, the last with two chained operators, parallelism shown
    for name in ("Source: ticks", "count", "sum", "discard"):
        assert f'data-operator="{name}"' in dom, name
    assert len(re.findall(r'<div class="vertex[ "]', dom)) == 3
    assert "2 operators chained" in dom
    assert re.findall(r'class="parallelism" data-value="(\d+)"', dom) == ["1", "2", "2"]
    # live numbers: the source emits 2000 records/s, every operator's rate is positive
    rates = [float(v) for v in _values(dom, "rate-in") if v]
    assert len(rates) == 4 and all(r > 0 for r in rates)
    assert sum(float(v) for v in _values(dom, "records-in") if v) > 0
    watermarks = [int(float(v)) for v in _values(dom, "watermark") if v]
    assert len(watermarks) == 4 and all(w > 0 for w in watermarks)
    assert _values(dom, "backpressure") and "ok (" in dom
    # checkpoint history rows
    assert len(re.findall(r'<tr class="checkpoint" data-id="\d+">', dom)) >= 2
    assert '<td class="cp-status">COMPLETED</td>' in dom
    assert "<svg" in dom and "HASH" in dom and "REBALANCE" in dom  # edges with ship strategies


def test_dashboard_screenshot(running_job, tmp_path):
    chromium = _chromium()
    url, jid = running_job
    shot = tmp_path / "dashboard.png"
    _run(chromium, f"{url}/#{jid}", f"--screenshot={shot}", profile=tmp_path / "profile")
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000  # a rendered page, not a blank one
    keep = os.environ.get("FLINKLITE_SCREENSHOT_DIR")
    if keep:
        shutil.copy(shot, os.path.join(keep, "dashboard.png"))


def test_static_files_and_missing_files(running_job):
    url, _ = running_job
    import urllib.error
    import urllib.request

    with urllib.request.urlopen(f"{url}/app.js", timeout=5) as r:
        assert r.headers["Content-Type"].startswith(("text/javascript", "application/javascript"))
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(f"{url}/../../etc/passwd", timeout=5)
    assert info.value.code == 404


def test_dashboard_shows_the_exception_history(tmp_path):
    chromium = _chromium()

    class FailOnce:
        failed = False

        def __call__(self, v):
            if v == 300 and not FailOnce.failed:
                FailOnce.failed = True
                raise ValueError("cannot parse record 300")
            return v

    conf = {"rest.port": "0", "restart-strategy.type": "fixed-delay",
            "restart-strategy.fixed-delay.attempts": "2", "restart-strategy.fixed-delay.delay": "10 ms"}
    env = unbounded_env(conf, checkpoint_ms=50, parallelism=1, rate=4000,
                        build=lambda ticks: ticks.map(FailOnce()).name("fragile").add_sink(lambda v: None))
    client = env.execute_async("recovering job")
    try:
        server = wait_until(lambda: REGISTRY.rest_server)
        jid = str(client.get_job_id())
        wait_until(lambda: get_json(f"{server.url}/jobs/{jid}/exceptions")[1]["exceptionHistory"]["entries"])
        dom = _run(chromium, f"{server.url}/#{jid}", "--dump-dom", profile=tmp_path / "profile")
        assert 'data-loaded="true"' in dom
        assert '<div class="exception"><b>ValueError</b>' in dom and "cannot parse record 300" in dom
        assert "fragile" in dom
    finally:
        client.cancel().result(5)
        REGISTRY.shutdown()
