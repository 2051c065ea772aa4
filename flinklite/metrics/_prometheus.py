"""Flink's Prometheus reporter (``PrometheusReporterFactory``), on ``prometheus_client``.

Configured as in Flink::

    metrics.reporter.prom.factory.class: org.apache.flink.metrics.prometheus.PrometheusReporterFactory
    metrics.reporter.prom.port: 9249          # or a range, 9250-9260: the first free port

Names follow Flink's reporter: ``flink_`` + the group's logical scope + the metric name, joined
by ``_`` (``flink_taskmanager_job_task_operator_numRecordsIn``), with every character outside
``[a-zA-Z0-9_:]`` replaced by ``_``. Scope variables become labels without their angle brackets
(``job_name``, ``task_name``, ``subtask_index``, ``operator_name``, ...). Counters, gauges and
meters (their rate) are exported as Prometheus gauges, as Flink does; a distribution as four
gauges (``_count``, ``_sum``, ``_min``, ``_max``). Only running jobs are exported.

Differences from Flink: the endpoint binds 127.0.0.1 unless ``metrics.reporter.<name>.host`` is
set (a flinklite option; Flink binds every interface). ``prometheus_client`` is imported only
when a reporter is configured (install the ``metrics`` extra).
"""

from __future__ import annotations

import re
from typing import Any

from flinklite.errors import InvalidProgramException
from flinklite.metrics import Distribution, _value

__all__ = ["PrometheusReporter", "collect_families"]

_INVALID = re.compile(r"[^a-zA-Z0-9_:]")
_INVALID_LABEL = re.compile(r"[^a-zA-Z0-9_]")


def metric_name(logical: tuple[str, ...], name: str) -> str:
    return _INVALID.sub("_", "flink_" + "_".join(logical + (name,)))


def _labels(variables: dict[str, str]) -> dict[str, str]:
    return {_INVALID_LABEL.sub("_", k.strip("<>")): str(v) for k, v in variables.items()}


def _number(v: Any) -> float | None:
    if isinstance(v, bool):
        return 1.0 if v else 0.0
    if isinstance(v, (int, float)):
        return float(v)
    return None


def collect_families(registry: Any) -> list:
    """The Prometheus metric families of every running job's metrics."""
    from prometheus_client.core import GaugeMetricFamily

    rows: dict[str, tuple[str, dict[str, dict], list]] = {}

    def add(name: str, help_text: str, labels: dict[str, str], value: float) -> None:
        entry = rows.get(name)
        if entry is None:
            entry = rows[name] = (help_text, {}, [])
        entry[2].append((labels, value))

    for job in registry.jobs():
        metrics = getattr(job, "metrics", None)
        if metrics is None or job.status != "RUNNING":
            continue
        for root in metrics.groups():
            for group, name, metric in root._walk():
                labels = _labels(group._variables)
                scope = "_".join(group._logical)
                help_text = f"{name} (scope: {scope})"
                try:
                    value = _value(metric)
                except Exception:  # noqa: BLE001 - a broken user gauge must not break the scrape
                    continue
                if isinstance(metric, Distribution):
                    for part, v in value.items():  # type: ignore[union-attr]
                        n = _number(v)
                        if n is not None:
                            add(metric_name(group._logical, f"{name}_{part}"), help_text, labels, n)
                    continue
                n = _number(value)
                if n is not None:
                    add(metric_name(group._logical, name), help_text, labels, n)
    families = []
    for name, (help_text, _, samples) in rows.items():
        keys = sorted({k for labels, _ in samples for k in labels})
        fam = GaugeMetricFamily(name, help_text, labels=keys)
        for labels, value in samples:
            fam.add_metric([labels.get(k, "") for k in keys], value)
        families.append(fam)
    return families


class _Collector:
    def __init__(self, registry: Any) -> None:
        self._registry = registry

    def collect(self):
        return collect_families(self._registry)


class PrometheusReporter:
    def __init__(self, name: str, server: Any, thread: Any, port: int, host: str) -> None:
        self.name = name
        self._server = server
        self._thread = thread
        self.port = port
        self.host = host

    @staticmethod
    def start(registry: Any, name: str, options: dict) -> PrometheusReporter:
        try:
            from prometheus_client import CollectorRegistry, start_http_server
        except ImportError:
            raise InvalidProgramException(
                f"metrics.reporter.{name}: the Prometheus reporter needs prometheus_client; install "
                "flinklite with the 'metrics' extra (pip install 'flinklite[metrics]')"
            ) from None
        from flinklite.metrics._registry import parse_port_range

        host = str(options.get("host") or "127.0.0.1")
        ports = parse_port_range(options.get("port", "9249"), f"metrics.reporter.{name}.port")
        prom_registry = CollectorRegistry(auto_describe=False)
        prom_registry.register(_Collector(registry))
        last: OSError | None = None
        for port in ports:
            try:
                server, thread = start_http_server(port, addr=host, registry=prom_registry)
            except OSError as e:
                last = e
                continue
            actual = server.server_address[1]
            return PrometheusReporter(name, server, thread, actual, host)
        raise InvalidProgramException(
            f"metrics.reporter.{name}.port: no free port in {options.get('port', '9249')} on {host} ({last}); "
            "give a free port or a range such as 9250-9260"
        )

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=2)
