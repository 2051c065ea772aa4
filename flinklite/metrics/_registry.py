"""The process-wide metric registry (Flink's ``MetricRegistryImpl`` + the cluster's job list).

Every job registers here when it starts. The registry reads the job's configuration once and
starts, the first time they are asked for, the metric reporters (``metrics.reporter.<name>.*``)
and the REST server (``rest.port`` / ``rest.bind-port``, see :mod:`flinklite._rest`). Servers are
daemon threads and stay up for the life of the process (a finished job stays visible in the REST
API, as on a session cluster), unless :meth:`MetricRegistry.shutdown` stops them.

While a server runs, a sampler thread (Flink's ``MetricViewUpdater`` and its backpressure
sampling) wakes every 100 ms: it samples which tasks are backpressured and, once a second, the
meters' counts, so rates are recent. It only reads job state; it never changes it.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import Any

from flinklite._logging import FlinkLogger
from flinklite.errors import InvalidProgramException

__all__ = ["MetricRegistry", "REGISTRY", "parse_port_range", "config_flag"]

_LOG = FlinkLogger("flinklite.metrics")
PROMETHEUS_FACTORY = "org.apache.flink.metrics.prometheus.PrometheusReporterFactory"
MAX_FINISHED_JOBS = 50  # like jobstore.max-capacity, but small: finished jobs only feed the REST API


def parse_port_range(value: Any, option: str) -> list[int]:
    """Flink's port option syntax: ``9249``, ``9250-9260`` or ``9250,9252``."""
    ports: list[int] = []
    for part in str(value).split(","):
        part = part.strip()
        if not part:
            continue
        try:
            if "-" in part:
                lo, hi = (int(p) for p in part.split("-", 1))
                ports.extend(range(lo, hi + 1))
            else:
                ports.append(int(part))
        except ValueError:
            raise InvalidProgramException(
                f"{option}: '{value}' is not a port, a range like 9250-9260, or a comma-separated list"
            ) from None
    if not ports or any(p < 0 or p > 65535 for p in ports):
        raise InvalidProgramException(f"{option}: '{value}' must name ports between 0 and 65535")
    return ports


def config_flag(raw: dict, key: str, default: bool) -> bool:
    v = raw.get(key)
    if v is None:
        return default
    return str(v).strip().lower() in ("true", "1", "yes", "on")


class MetricRegistry:
    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._jobs: OrderedDict[str, Any] = OrderedDict()
        self.reporters: dict[str, Any] = {}  # reporter name -> reporter (started)
        self.rest_server = None
        self._sampler: threading.Thread | None = None
        self._stop = threading.Event()
        self.keep_jobs = False  # `flinklite run` lists its jobs even without a server

    # -- jobs ------------------------------------------------------------------------------
    def job_started(self, job: Any) -> None:
        raw = getattr(job.settings, "raw", None) or {}
        self._start_reporters(raw)
        self._start_rest(raw, job)
        with self._lock:
            if not self.reporters and self.rest_server is None and not self.keep_jobs:
                return  # nobody would read it: keep no reference to the job
            self._jobs[job.job_id] = job
            self._jobs.move_to_end(job.job_id)
            done = [jid for jid, j in self._jobs.items() if j.status not in ("RUNNING", "CREATED")]
            for jid in done[: max(0, len(done) - MAX_FINISHED_JOBS)]:
                del self._jobs[jid]

    def jobs(self) -> list[Any]:
        with self._lock:
            return list(self._jobs.values())

    def job(self, job_id: str) -> Any:
        with self._lock:
            return self._jobs.get(job_id)

    def forget(self, job_id: str) -> None:
        with self._lock:
            self._jobs.pop(job_id, None)

    # -- reporters -------------------------------------------------------------------------
    def _start_reporters(self, raw: dict) -> None:
        names = sorted({k.split(".")[2] for k in raw if k.startswith("metrics.reporter.") and k.count(".") >= 3})
        wanted = raw.get("metrics.reporters")
        if wanted:
            allowed = {n.strip() for n in str(wanted).split(",")}
            names = [n for n in names if n in allowed]
        for name in names:
            prefix = f"metrics.reporter.{name}."
            factory = raw.get(prefix + "factory.class")
            if factory is None:
                continue
            with self._lock:
                if name in self.reporters:
                    continue
                if factory != PROMETHEUS_FACTORY:
                    raise InvalidProgramException(
                        f"{prefix}factory.class: flinklite has only the Prometheus reporter "
                        f"({PROMETHEUS_FACTORY}), not '{factory}'"
                    )
                from flinklite.metrics._prometheus import PrometheusReporter

                options = {k[len(prefix):]: v for k, v in raw.items() if k.startswith(prefix)}
                self.reporters[name] = PrometheusReporter.start(self, name, options)
            self._ensure_sampler()

    # -- REST ------------------------------------------------------------------------------
    def _start_rest(self, raw: dict, job: Any) -> None:
        if not (config_flag(raw, "flinklite.rest.enabled", False) or "rest.port" in raw or "rest.bind-port" in raw):
            return
        with self._lock:
            if self.rest_server is not None:
                return
            from flinklite._rest.server import RestServer

            address = str(raw.get("rest.bind-address") or "127.0.0.1")
            ports = parse_port_range(raw.get("rest.bind-port") or raw.get("rest.port") or 8081,
                                     "rest.bind-port" if raw.get("rest.bind-port") else "rest.port")
            self.rest_server = RestServer.start(self, address, ports)
        self._ensure_sampler()

    # -- sampling ----------------------------------------------------------------------------
    def _ensure_sampler(self) -> None:
        with self._lock:
            if self._sampler is not None and self._sampler.is_alive():
                return
            self._stop.clear()
            self._sampler = threading.Thread(target=self._sample_loop, name="flinklite-metrics-sampler", daemon=True)
            self._sampler.start()

    def sample_once(self, dt: float = 0.1, meters: bool = True) -> None:
        """One sampling round (the sampler thread's body; tests may call it directly)."""
        now = time.monotonic()
        for job in self.jobs():
            metrics = getattr(job, "metrics", None)
            if metrics is None or job.status != "RUNNING":
                continue
            try:
                metrics.sample(now, dt)
                if meters:
                    for group in metrics.groups():
                        for m in group._meters():
                            m._sample(now)
            except Exception:  # noqa: BLE001 - a task list changing under us (restart): next round
                _LOG.debug("metric sampling skipped a round", exc_info=True)

    def _sample_loop(self) -> None:
        dt = 0.1
        n = 0
        while not self._stop.wait(dt):
            n += 1
            self.sample_once(dt, meters=n % 10 == 0)

    def shutdown(self) -> None:
        """Stop every reporter, the REST server and the sampler, and forget the jobs (tests; process
        exit stops the daemon threads anyway)."""
        with self._lock:
            reporters, self.reporters = self.reporters, {}
            rest, self.rest_server = self.rest_server, None
            sampler, self._sampler = self._sampler, None
            self._stop.set()
            self._jobs.clear()
        for r in reporters.values():
            r.close()
        if rest is not None:
            rest.close()
        if sampler is not None:
            sampler.join(timeout=2)


REGISTRY = MetricRegistry()
