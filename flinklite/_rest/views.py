"""The JSON documents of Flink's REST API (``flink-runtime``'s ``rest.messages``), built from a
running :class:`~flinklite.runtime.job.LocalJob` and its metrics.

Field names and nesting follow Flink's REST API so tools written against it (the Flink
Kubernetes operator's status polling, scripts using ``/jobs/overview``, Grafana JSON datasources)
read them. Values flinklite has no equivalent for are given as Flink gives them when unknown
(``-1`` for times and sizes, ``0`` for bytes, ``false`` for "complete" flags). The views only
read job state (from the REST thread); they never change it.
"""

from __future__ import annotations

import time
import traceback
from typing import Any

from flinklite.time.watermark import MIN_TIMESTAMP

__all__ = ["FLINK_VERSION", "overview", "jobs", "jobs_overview", "job_details", "vertex_details",
           "vertex_watermarks", "vertex_backpressure", "vertex_metrics", "checkpoints", "exceptions",
           "plan", "find_vertex", "config", "subtask_metrics_aggregated", "taskmanagers"]

FLINK_VERSION = "2.3.0"  # the PyFlink API flinklite follows
_TASK_STATES = ["CREATED", "SCHEDULED", "DEPLOYING", "RUNNING", "FINISHED", "CANCELING", "CANCELED", "FAILED",
                "RECONCILING", "INITIALIZING"]
_JOB_STATES = ["INITIALIZING", "CREATED", "RUNNING", "FAILING", "FAILED", "CANCELLING", "CANCELED", "FINISHED",
               "RESTARTING", "SUSPENDED", "RECONCILING"]
_SHIP = {"forward": "FORWARD", "hash": "HASH", "rebalance": "REBALANCE", "rescale": "RESCALE",
         "broadcast": "BROADCAST", "global": "GLOBAL", "shuffle": "SHUFFLE", "custom": "CUSTOM"}


def _now() -> int:
    return int(time.time() * 1000)


def _end_ms(job: Any) -> int:
    """When the job reached a terminal state (first seen here, if the job did not record it)."""
    if job.status in ("RUNNING", "CREATED"):
        return -1
    end = getattr(job, "_rest_end_ms", None)
    if end is None:
        end = job._rest_end_ms = _now()
    return end


def _duration(start: int, end: int) -> int:
    if start <= 0:
        return -1
    return (end if end > 0 else _now()) - start


def _task_groups(job: Any) -> dict[int, Any]:
    metrics = getattr(job, "metrics", None)
    if metrics is None:
        return {}
    return {id(tg.task): tg for tg in metrics.task_groups()}


def _tasks_of(job: Any, vertex: Any) -> list[Any]:
    return [t for t in list(job.tasks) if t.vertex is vertex]


def _task_status(job: Any, task: Any) -> str:
    # a job that ended by cancel or stop-with-savepoint closed its tasks without finishing them
    if task.status == "FAILED" and job.status in ("CANCELED", "FINISHED"):
        return job.status
    return task.status


def _status_counts(statuses: list[str]) -> dict[str, int]:
    counts = {s: 0 for s in _TASK_STATES}
    for s in statuses:
        counts[s] = counts.get(s, 0) + 1
    return counts


def _vertex_status(statuses: list[str]) -> str:
    if not statuses:
        return "CREATED"
    for s in ("FAILED", "CANCELED", "RUNNING", "CREATED"):
        if s in statuses:
            return s
    return "FINISHED"


def _job_state(job: Any) -> str:
    return job.status if job.status in _JOB_STATES else "RUNNING"


def vertex_id(vertex: Any) -> str:
    return vertex.head.operator_id


def find_vertex(job: Any, vid: str) -> Any:
    for v in job.graph.vertices:
        if vertex_id(v) == vid:
            return v
    return None


# -- cluster -----------------------------------------------------------------------------------
def config() -> dict:
    return {"refresh-interval": 3000, "timezone-name": time.tzname[0], "timezone-offset": -time.timezone * 1000,
            "flink-version": FLINK_VERSION, "flink-revision": "flinklite", "features": {
                "web-submit": False, "web-cancel": True, "web-rescale": False, "web-history": False}}


def overview(all_jobs: list[Any]) -> dict:
    states = [j.status for j in all_jobs]
    slots = max([sum(v.parallelism for v in j.graph.vertices) for j in all_jobs if j.status == "RUNNING"],
                default=1)
    return {
        "taskmanagers": 1, "slots-total": slots, "slots-available": 0 if "RUNNING" in states else slots,
        "jobs-running": states.count("RUNNING"), "jobs-finished": states.count("FINISHED"),
        "jobs-cancelled": states.count("CANCELED"), "jobs-failed": states.count("FAILED"),
        "flink-version": FLINK_VERSION, "flink-commit": "flinklite",
    }


def taskmanagers(all_jobs: list[Any]) -> dict:
    """One task manager: this process; its slots are the running jobs' subtasks."""
    import os

    slots = sum(len(j.tasks) for j in all_jobs if j.status == "RUNNING")
    return {"taskmanagers": [{
        "id": _tm_id(), "path": f"flinklite://{_tm_id()}", "dataPort": -1, "jmxPort": -1,
        "timeSinceLastHeartbeat": _now(), "slotsNumber": max(slots, 1), "freeSlots": 0 if slots else 1,
        "totalResource": {}, "freeResource": {},
        "hardware": {"cpuCores": os.cpu_count() or 1, "physicalMemory": -1, "freeMemory": -1, "managedMemory": -1},
        "memoryConfiguration": {}}]}


def jobs(all_jobs: list[Any]) -> dict:
    return {"jobs": [{"id": j.job_id, "status": _job_state(j)} for j in all_jobs]}


def _job_summary(job: Any) -> dict:
    end = _end_ms(job)
    statuses = [_task_status(job, t) for t in list(job.tasks)]
    return {
        "jid": job.job_id, "name": job.graph.job_name, "state": _job_state(job),
        "start-time": job.start_ms or -1, "end-time": end, "duration": _duration(job.start_ms, end),
        "last-modification": end if end > 0 else job.start_ms, "tasks": _status_counts(statuses) | {
            "total": len(statuses)},
    }


def jobs_overview(all_jobs: list[Any]) -> dict:
    out = []
    for j in all_jobs:
        s = _job_summary(j)
        s["tasks"] = {k.lower(): v for k, v in s["tasks"].items()}
        out.append(s)
    return {"jobs": out}


# -- one job -----------------------------------------------------------------------------------
def _io_metrics(groups: list[Any]) -> dict:
    rin = sum(g.records_in() for g in groups)
    rout = sum(g.records_out() for g in groups)
    return {
        "read-bytes": 0, "read-bytes-complete": False, "write-bytes": 0, "write-bytes-complete": False,
        "read-records": rin, "read-records-complete": True, "write-records": rout, "write-records-complete": True,
        "accumulated-backpressured-time": int(sum(g.backpressured_s for g in groups) * 1000),
        "accumulated-idle-time": int(sum(max(0.0, time.perf_counter() - g.started - g.busy_s - g.backpressured_s)
                                         for g in groups) * 1000),
        "accumulated-busy-time": float(int(sum(g.busy_s for g in groups) * 1000)),
    }


def plan(job: Any) -> dict:
    vertex_of_node = {n.id: v for v in job.graph.vertices for n in v.nodes}
    nodes = []
    for v in job.graph.vertices:
        inputs = []
        for n in v.nodes:
            for e in n.in_edges:
                if e.chained:
                    continue
                up = vertex_of_node[e.source.id]
                inputs.append({"num": len(inputs), "id": vertex_id(up),
                               "ship_strategy": _SHIP.get(e.partitioner.name, e.partitioner.name.upper()),
                               "exchange": "pipelined_bounded"})
        description = "<br/>+- ".join(n.name for n in v.nodes) + "<br/>"
        nodes.append({"id": vertex_id(v), "parallelism": v.parallelism, "operator": "", "operator_strategy": "",
                      "description": description, "inputs": inputs, "optimizer_properties": {}})
    return {"jid": job.job_id, "name": job.graph.job_name, "type": "BATCH" if job.graph.batch else "STREAMING",
            "nodes": nodes}


def job_details(job: Any) -> dict:
    groups = _task_groups(job)
    start = job.start_ms or -1
    end = _end_ms(job)
    vertices = []
    all_statuses: list[str] = []
    for v in job.graph.vertices:
        tasks = _tasks_of(job, v)
        statuses = [_task_status(job, t) for t in tasks]
        all_statuses.extend(statuses)
        vg = [groups[id(t)] for t in tasks if id(t) in groups]
        vertices.append({
            "id": vertex_id(v), "name": v.name, "maxParallelism": v.head.max_parallelism,
            "parallelism": v.parallelism, "status": _vertex_status(statuses), "start-time": start,
            "end-time": end if _vertex_status(statuses) not in ("RUNNING", "CREATED") else -1,
            "duration": _duration(start, end), "tasks": _status_counts(statuses), "metrics": _io_metrics(vg),
            # flinklite: the chained operators of this vertex, for the dashboard
            "operators": [{"id": n.operator_id, "name": n.name, "uid": n.uid} for n in v.nodes],
        })
    state = _job_state(job)
    timestamps = {s: 0 for s in _JOB_STATES}
    timestamps["CREATED"] = timestamps["INITIALIZING"] = timestamps["RUNNING"] = start
    if end > 0:
        timestamps[state] = end
    return {
        "jid": job.job_id, "name": job.graph.job_name, "isStoppable": False, "state": state,
        "job-type": "BATCH" if job.graph.batch else "STREAMING", "start-time": start, "end-time": end,
        "duration": _duration(start, end), "maxParallelism": max((n.max_parallelism for n in job.graph.nodes),
                                                                   default=-1),
        "now": _now(), "timestamps": timestamps, "vertices": vertices,
        "status-counts": _status_counts(all_statuses), "plan": plan(job),
    }


def vertex_details(job: Any, vertex: Any) -> dict:
    groups = _task_groups(job)
    start = job.start_ms or -1
    end = _end_ms(job)
    subtasks = []
    for t in _tasks_of(job, vertex):
        tg = groups.get(id(t))
        subtasks.append({
            "subtask": t.subtask_index, "status": _task_status(job, t), "attempt": t.attempt,
            "endpoint": "localhost", "start-time": start, "end-time": end, "duration": _duration(start, end),
            "metrics": _io_metrics([tg] if tg is not None else []), "taskmanager-id": _tm_id(),
            "start_time": start,
        })
    return {"id": vertex_id(vertex), "name": vertex.name, "parallelism": vertex.parallelism,
            "maxParallelism": vertex.head.max_parallelism, "now": _now(), "subtasks": subtasks}


def _tm_id() -> str:
    from flinklite.metrics._system import TM_ID

    return TM_ID


def _subtask_metrics(job: Any, vertex: Any) -> list[tuple[str, Any]]:
    """Flink's per-vertex metric ids: ``<subtask>.<metric>`` for task metrics and
    ``<subtask>.<operator name>.<metric>`` for operator metrics; values are read now."""
    groups = _task_groups(job)
    out = []
    for t in _tasks_of(job, vertex):
        tg = groups.get(id(t))
        if tg is None:
            continue
        prefix = str(t.subtask_index)
        for _, name, m in tg.group._walk():
            out.append((f"{prefix}.{name}", m))
        for op in t.operators:
            g = tg.operator_groups.get(id(op))
            if g is None:
                continue
            base = g._scope
            for grp, name, m in g._walk():
                sub = grp._scope[len(base) + 1:] if grp._scope != base else ""
                out.append((f"{prefix}.{op.name}.{sub + '.' if sub else ''}{name}", m))
    return out


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return repr(round(v, 3))
    if isinstance(v, dict):
        return str(v)
    return str(v)


def vertex_metrics(job: Any, vertex: Any, get: list[str] | None) -> list[dict]:
    from flinklite.metrics import _value

    metrics = _subtask_metrics(job, vertex)
    if get is None:
        return [{"id": mid} for mid, _ in metrics]
    wanted = set(get)
    out = []
    for mid, m in metrics:
        if mid in wanted:
            try:
                out.append({"id": mid, "value": _fmt(_value(m))})
            except Exception:  # noqa: BLE001 - a failing user gauge is left out, as Flink does
                continue
    return out


def _number(v: Any) -> float | None:
    if isinstance(v, bool):
        return float(v)
    return float(v) if isinstance(v, (int, float)) else None


def subtask_metrics_aggregated(job: Any, vertex: Any, get: list[str] | None, aggs: list[str] | None) -> list[dict]:
    """Flink's ``/jobs/<jid>/vertices/<vid>/subtasks/metrics``: each metric (its id without the
    subtask prefix) aggregated over the vertex's subtasks (min, max, sum, avg)."""
    from flinklite.metrics import _value

    by_id: dict[str, list[float]] = {}
    for mid, m in _subtask_metrics(job, vertex):
        name = mid.split(".", 1)[1]
        if get is not None and name not in get:
            continue
        try:
            n = _number(_value(m))
        except Exception:  # noqa: BLE001 - a failing user gauge is left out
            continue
        if n is not None:
            by_id.setdefault(name, []).append(n)
    if get is None:
        return [{"id": name} for name in by_id]
    wanted = aggs or ["min", "max", "sum", "avg"]
    out = []
    for name, values in by_id.items():
        if not values:
            continue
        doc: dict[str, Any] = {"id": name}
        for agg in wanted:
            if agg == "min":
                doc["min"] = min(values)
            elif agg == "max":
                doc["max"] = max(values)
            elif agg == "sum":
                doc["sum"] = sum(values)
            elif agg == "avg":
                doc["avg"] = sum(values) / len(values)
        out.append(doc)
    return out


def vertex_watermarks(job: Any, vertex: Any) -> list[dict]:
    groups = _task_groups(job)
    out = []
    for t in _tasks_of(job, vertex):
        tg = groups.get(id(t))
        if tg is None:
            continue
        head = tg.operator_groups.get(id(t.operators[0]))
        wm = head._metrics.get("currentInputWatermark") if head is not None else None
        value = wm.read() if wm is not None else MIN_TIMESTAMP
        out.append({"id": f"{t.subtask_index}.currentInputWatermark", "value": str(value)})
    return out


def _level(ratio: float) -> str:
    # Flink's thresholds: ok up to 10 %, low up to 50 %, high above
    return "ok" if ratio <= 0.10 else "low" if ratio <= 0.5 else "high"


def vertex_backpressure(job: Any, vertex: Any) -> dict:
    groups = _task_groups(job)
    subtasks = []
    worst = 0.0
    for t in _tasks_of(job, vertex):
        tg = groups.get(id(t))
        busy, bp, idle = tg.ratios() if tg is not None else (0.0, 0.0, 1.0)
        worst = max(worst, bp)
        subtasks.append({"subtask": t.subtask_index, "attempt-number": t.attempt, "backpressureLevel": _level(bp),
                         "ratio": round(bp, 3), "idleRatio": round(idle, 3), "busyRatio": round(busy, 3)})
    return {"status": "ok", "backpressureLevel": _level(worst), "end-timestamp": _now(), "subtasks": subtasks}


# -- checkpoints ---------------------------------------------------------------------------------
def _summary(values: list[int]) -> dict:
    if not values:
        return {"min": 0, "max": 0, "avg": 0, "p50": 0.0, "p90": 0.0, "p95": 0.0, "p99": 0.0, "p999": 0.0}
    s = sorted(values)

    def q(p: float) -> float:
        return float(s[min(len(s) - 1, int(p * len(s)))])

    return {"min": s[0], "max": s[-1], "avg": sum(s) // len(s), "p50": q(0.5), "p90": q(0.9), "p95": q(0.95),
            "p99": q(0.99), "p999": q(0.999)}


def _checkpoint(stats: Any) -> dict:
    cls = {"COMPLETED": "completed", "FAILED": "failed"}.get(stats.status, "in_progress")
    doc = {
        "className": cls, "id": stats.checkpoint_id, "status": stats.status, "is_savepoint": stats.is_savepoint,
        "savepointFormat": "CANONICAL" if stats.is_savepoint else None,
        "trigger_timestamp": stats.trigger_timestamp, "latest_ack_timestamp": stats.latest_ack_timestamp,
        "checkpointed_size": stats.state_size, "state_size": stats.state_size,
        "end_to_end_duration": stats.end_to_end_duration, "alignment_buffered": 0, "processed_data": 0,
        "persisted_data": 0, "num_subtasks": stats.num_subtasks,
        "num_acknowledged_subtasks": stats.num_acknowledged,
        "checkpoint_type": "SAVEPOINT" if stats.is_savepoint else "CHECKPOINT",
        "tasks": {vid: {"id": stats.checkpoint_id, "status": stats.status, "state_size": size,
                        "checkpointed_size": size} for vid, size in stats.task_sizes.items()},
    }
    if stats.status == "COMPLETED":
        doc["external_path"] = stats.external_path or "<checkpoint-not-externally-addressable>"
        doc["discarded"] = False
    if stats.status == "FAILED":
        doc["failure_timestamp"] = stats.failure_timestamp
        doc["failure_message"] = stats.failure_message
    return doc


def checkpoints(job: Any) -> dict:
    coordinator = job.coordinator
    if coordinator is None:
        return {"counts": {"restored": 0, "total": 0, "in_progress": 0, "completed": 0, "failed": 0},
                "summary": {k: _summary([]) for k in ("checkpointed_size", "state_size", "end_to_end_duration",
                                                      "alignment_buffered", "processed_data", "persisted_data")},
                "latest": {"completed": None, "savepoint": None, "failed": None, "restored": None},
                "history": []}
    t = coordinator.stats_tracker
    restored = None
    if t.restored_from is not None:
        cid, ts, path = t.restored_from
        restored = {"id": cid, "restore_timestamp": ts, "is_savepoint": bool(path and "savepoint" in path),
                    "external_path": path}
    return {
        "counts": {"restored": t.restored, "total": t.total, "in_progress": 1 if t.in_progress else 0,
                   "completed": t.completed, "failed": t.failed},
        "summary": {"checkpointed_size": _summary(list(t.sizes)), "state_size": _summary(list(t.sizes)),
                    "end_to_end_duration": _summary(list(t.durations)), "alignment_buffered": _summary([]),
                    "processed_data": _summary([]), "persisted_data": _summary([])},
        "latest": {"completed": _checkpoint(t.latest_completed) if t.latest_completed else None,
                   "savepoint": _checkpoint(t.latest_savepoint) if t.latest_savepoint else None,
                   "failed": _checkpoint(t.latest_failed) if t.latest_failed else None,
                   "restored": restored},
        "history": [_checkpoint(s) for s in list(t.history)],
    }


# -- exceptions ----------------------------------------------------------------------------------
def _exception_entry(job: Any, exc: BaseException) -> dict:
    """One failure: the user's exception (not flinklite's wrapper) with the job's description of
    where it happened (operator, subtask, record) as the first line."""
    cause = getattr(exc, "cause", None) or exc
    op = getattr(exc, "operator", None)
    task_name = op.describe() if op is not None and hasattr(op, "describe") else getattr(exc, "operator_name", None)
    try:
        headline = str(job.describe_failure(exc, None))
    except Exception:  # noqa: BLE001 - the description is a courtesy
        headline = str(exc)
    trace = "".join(traceback.format_exception(type(cause), cause, cause.__traceback__))
    return {"exceptionName": type(cause).__name__, "stacktrace": f"{headline}\n{trace}",
            "timestamp": getattr(exc, "_rest_ts", None) or _now(), "taskName": task_name,
            "location": "localhost" if task_name else None, "taskManagerId": _tm_id() if task_name else None,
            "failureLabels": {}, "concurrentExceptions": []}


def exceptions(job: Any) -> dict:
    entries = []
    failures = list(getattr(job, "failures", []))
    if job.failure is not None:
        failures.append(job.failure)
    for exc in reversed(failures):  # newest first, as Flink lists them
        try:
            exc._rest_ts = getattr(exc, "_rest_ts", None) or _now()  # first seen: keeps it stable
        except AttributeError:
            pass
        entries.append(_exception_entry(job, exc))
    root = entries[0] if entries else None
    return {
        "root-exception": root["stacktrace"] if root else None, "timestamp": root["timestamp"] if root else None,
        "all-exceptions": [], "truncated": False,
        "exceptionHistory": {"entries": entries, "truncated": False},
    }
