"""Watch a running job: the REST API, the web dashboard and Prometheus metrics.

Runs an unbounded job (numbers -> parse with a user counter -> key_by -> running sum) with
Flink's REST API on ``--rest-port`` (default 8081) and the Prometheus reporter on
``--prom-port`` (default 9249), both on 127.0.0.1. While it runs, open the dashboard at
http://127.0.0.1:8081/ or scrape http://127.0.0.1:9249/metrics. After ``--seconds`` it reads
its own REST API and metrics endpoint, prints what they say, and stops with a savepoint.

    .venv/bin/python examples/watch_job.py --seconds 60
    .venv/bin/python examples/watch_job.py --seconds 2 --rest-port 0 --prom-port 0   # any free ports
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
import urllib.request

from flinklite.common import Configuration
from flinklite.common.watermark_strategy import WatermarkStrategy
from flinklite.datastream import StreamExecutionEnvironment
from flinklite.datastream.connectors.base import Boundedness, Source, SourceReader
from flinklite.datastream.functions import MapFunction
from flinklite.metrics._registry import REGISTRY


class _Reader(SourceReader):
    def __init__(self, start: int) -> None:
        self.next = start
        self.t0 = time.time() * 1000 - start  # one record per millisecond

    def poll(self, max_records: int):
        n = min(max_records, int(time.time() * 1000 - self.t0) - self.next)
        if n <= 0:
            return [], None
        values = [str(i) if i % 100 else "oops" for i in range(self.next, self.next + n)]
        stamps = list(range(self.next, self.next + n))
        self.next += n
        return values, stamps

    def next_available_ms(self):
        return self.t0 + self.next + 1

    def snapshot_state(self) -> list:
        return [self.next]


class Lines(Source):
    """'0', '1', ... one per millisecond, every hundredth one malformed; event time = the index."""

    parallelism = 1

    def get_boundedness(self):
        return Boundedness.CONTINUOUS_UNBOUNDED

    def create_reader(self, subtask_index, parallelism):
        return _Reader(0)

    def restore_reader(self, subtask_index, parallelism, splits):
        return _Reader(splits[0] if splits else 0)


class Parse(MapFunction):
    def open(self, runtime_context):
        self.bad = runtime_context.get_metrics_group().add_group("parse").counter("badRecords")

    def map(self, line):
        if not line.isdigit():
            self.bad.inc()
            return 0
        return int(line)


def get(url: str):
    with urllib.request.urlopen(url, timeout=5) as r:
        return json.loads(r.read())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--rest-port", default="8081")
    ap.add_argument("--prom-port", default="9249")
    args = ap.parse_args()

    conf = Configuration()
    conf.set_string("rest.port", args.rest_port)
    conf.set_string("metrics.reporter.prom.factory.class",
                    "org.apache.flink.metrics.prometheus.PrometheusReporterFactory")
    conf.set_string("metrics.reporter.prom.port", args.prom_port)
    env = StreamExecutionEnvironment.get_execution_environment(conf)
    env.set_parallelism(2)
    env.enable_checkpointing(500)
    (env.from_source(Lines(), WatermarkStrategy.for_monotonous_timestamps(), "lines").uid("lines")
        .map(Parse()).name("parse").uid("parse")
        .key_by(lambda n: n % 10)
        .reduce(lambda a, b: a + b).name("running sum").uid("sum")
        .add_sink(lambda v: None).name("discard").uid("discard"))
    client = env.execute_async("watched job")
    while REGISTRY.rest_server is None or "prom" not in REGISTRY.reporters:
        time.sleep(0.05)
    rest = REGISTRY.rest_server.url
    prom = f"http://127.0.0.1:{REGISTRY.reporters['prom'].port}/metrics"
    jid = str(client.get_job_id())
    print(f"dashboard: {rest}/   REST: {rest}/jobs/{jid}   Prometheus: {prom}", flush=True)
    time.sleep(args.seconds)

    job = get(f"{rest}/jobs/{jid}")
    print(f"job '{job['name']}' is {job['state']}")
    for v in job["vertices"]:
        ops = " -> ".join(o["name"] for o in v["operators"])
        print(f"  vertex [{ops}] parallelism {v['parallelism']}: "
              f"{'records read' if v['metrics']['read-records'] else 'records written'} "
              f"{v['metrics']['read-records'] or v['metrics']['write-records']}")
    cps = get(f"{rest}/jobs/{jid}/checkpoints")
    print(f"checkpoints completed: {cps['counts']['completed']}, failed: {cps['counts']['failed']}")
    with urllib.request.urlopen(prom, timeout=5) as r:
        text = r.read().decode()
    bad = sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
              if line.startswith("flink_taskmanager_job_task_operator_parse_badRecords{"))
    print(f"Prometheus: flink_taskmanager_job_task_operator_parse_badRecords summed over subtasks = {bad:.0f}")
    target = tempfile.mkdtemp(prefix="flinklite-savepoints-")
    path = client.stop_with_savepoint(savepoint_directory=target).result(30)
    client.get_job_execution_result().result(30)
    print(f"stopped with savepoint {path}; job is {get(f'{rest}/jobs/{jid}')['state']}")
    REGISTRY.shutdown()


if __name__ == "__main__":
    main()
