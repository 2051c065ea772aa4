"""A subset of Flink's REST API and its web dashboard, served from this process (Flink's
``WebMonitorEndpoint`` on the JobManager), with the standard library's ``http.server``.

Started by the metric registry when a job's configuration asks for it (``rest.port``,
``rest.bind-port`` or ``flinklite.rest.enabled``); bound to ``rest.bind-address`` (default
127.0.0.1, so nothing is exposed beyond this machine unless configured). It runs in daemon
threads and only reads job state; requests that change a job (savepoint, stop, cancel) are handed
to the job's own thread (see :mod:`.actions`).

Endpoints (Flink's paths and JSON shapes)::

    GET   /config  /overview  /taskmanagers  /jobs  /jobs/overview
    GET   /jobs/<jid>  /jobs/<jid>/plan  /jobs/<jid>/exceptions  /jobs/<jid>/checkpoints
    GET   /jobs/<jid>/vertices/<vid>  .../watermarks  .../backpressure  .../metrics[?get=a,b]
    GET   /jobs/<jid>/vertices/<vid>/subtasks/metrics?get=a,b&agg=sum,max
    POST  /jobs/<jid>/savepoints   {"target-directory": ..., "cancel-job": false}  -> {"request-id"}
    GET   /jobs/<jid>/savepoints/<request-id>
    POST  /jobs/<jid>/stop         {"targetDirectory": ..., "drain": false}        -> {"request-id"}
    PATCH /jobs/<jid>[?mode=cancel]                                                -> 202
    GET   /  (the dashboard: static files next to this module)
"""

from __future__ import annotations

import json
import logging
import mimetypes
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

from flinklite._rest import views
from flinklite._rest.actions import Actions
from flinklite.errors import InvalidProgramException

__all__ = ["RestServer"]

_LOG = logging.getLogger("flinklite.rest")
STATIC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "static")


class _NotFound(Exception):
    pass


class _BadRequest(Exception):
    pass


class _Handler(BaseHTTPRequestHandler):
    server_version = "flinklite-rest"
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt: str, *args: Any) -> None:  # quiet: REST polling would flood stderr
        _LOG.debug("%s " + fmt, self.address_string(), *args)

    @property
    def rest(self) -> RestServer:
        return self.server.rest  # type: ignore[attr-defined]

    # -- plumbing --------------------------------------------------------------------------------
    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, doc: Any) -> None:
        self._send(status, json.dumps(doc).encode(), "application/json; charset=UTF-8")

    def _body(self) -> dict:
        n = int(self.headers.get("Content-Length") or 0)
        if n <= 0:
            return {}
        try:
            doc = json.loads(self.rfile.read(n) or b"{}")
        except ValueError as e:
            raise _BadRequest(f"request body is not JSON: {e}") from None
        if not isinstance(doc, dict):
            raise _BadRequest("request body must be a JSON object")
        return doc

    def _dispatch(self, method: str) -> None:
        url = urlparse(self.path)
        parts = [p for p in url.path.split("/") if p]
        if parts and parts[0] == "v1":  # Flink serves the same API under /v1
            parts = parts[1:]
        query = parse_qs(url.query)
        try:
            if method == "GET" and (not parts or not _is_api(parts[0])):
                self._static(parts)
                return
            status, doc = self.rest.route(method, parts, query, self._body if method in ("POST", "PATCH") else dict)
            self._json(status, doc)
        except _NotFound as e:
            self._json(404, {"errors": [str(e) or "Not found."]})
        except _BadRequest as e:
            self._json(400, {"errors": [str(e)]})
        except Exception as e:  # noqa: BLE001 - a handler bug becomes a 500 with the reason, as in Flink
            _LOG.exception("REST handler failed")
            self._json(500, {"errors": [f"Internal server error: {type(e).__name__}: {e}"]})

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._dispatch("GET")

    def do_HEAD(self) -> None:  # noqa: N802
        self._dispatch("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._dispatch("POST")

    def do_PATCH(self) -> None:  # noqa: N802
        self._dispatch("PATCH")

    def _static(self, parts: list[str]) -> None:
        name = "/".join(parts) or "index.html"
        path = os.path.normpath(os.path.join(STATIC, name))
        if not path.startswith(STATIC + os.sep) or not os.path.isfile(path):
            raise _NotFound(f"no such file: /{name}")
        with open(path, "rb") as f:
            body = f.read()
        ctype = mimetypes.guess_type(path)[0] or "application/octet-stream"
        if ctype.startswith("text/") or ctype.endswith("javascript"):
            ctype += "; charset=UTF-8"
        self._send(200, body, ctype)


_API_ROOTS = {"config", "overview", "jobs", "taskmanagers"}


def _is_api(first: str) -> bool:
    return first in _API_ROOTS


class RestServer:
    def __init__(self, registry: Any, httpd: ThreadingHTTPServer, thread: threading.Thread) -> None:
        self.registry = registry
        self._httpd = httpd
        self._thread = thread
        self.address, self.port = httpd.server_address[:2]
        self.actions = Actions()

    @property
    def url(self) -> str:
        return f"http://{self.address}:{self.port}"

    @staticmethod
    def start(registry: Any, address: str, ports: list[int]) -> RestServer:
        last: OSError | None = None
        for port in ports:
            try:
                httpd = ThreadingHTTPServer((address, port), _Handler)
            except OSError as e:
                last = e
                continue
            httpd.daemon_threads = True
            thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.2},
                                      name=f"flinklite-rest-{httpd.server_address[1]}", daemon=True)
            server = RestServer(registry, httpd, thread)
            httpd.rest = server  # type: ignore[attr-defined]
            thread.start()
            _LOG.info("flinklite REST API and dashboard at %s", server.url)
            return server
        raise InvalidProgramException(
            f"rest.port: cannot listen on {address} port {ports[0] if len(ports) == 1 else ports} ({last}). "
            "Another process (a Flink cluster?) may use it: set rest.port to a free port, a range such as "
            "8081-8090, or 0 for any free port."
        )

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=2)

    # -- routing -----------------------------------------------------------------------------------
    def _job(self, jid: str) -> Any:
        job = self.registry.job(jid)
        if job is None:
            raise _NotFound(f"Job {jid} not found")
        return job

    def _vertex(self, job: Any, vid: str) -> Any:
        v = views.find_vertex(job, vid)
        if v is None:
            raise _NotFound(f"Vertex {vid} not found in job {job.job_id}")
        return v

    def route(self, method: str, parts: list[str], query: dict, body) -> tuple[int, Any]:
        jobs = self.registry.jobs()
        if method == "GET":
            if parts == ["config"]:
                return 200, views.config()
            if parts == ["overview"]:
                return 200, views.overview(jobs)
            if parts == ["taskmanagers"]:
                return 200, views.taskmanagers(jobs)
            if parts == ["jobs"]:
                return 200, views.jobs(jobs)
            if parts == ["jobs", "overview"]:
                return 200, views.jobs_overview(jobs)
            if len(parts) >= 2 and parts[0] == "jobs":
                job = self._job(parts[1])
                rest = parts[2:]
                if not rest:
                    return 200, views.job_details(job)
                if rest == ["plan"]:
                    return 200, {"plan": views.plan(job)}
                if rest == ["exceptions"]:
                    return 200, views.exceptions(job)
                if rest == ["checkpoints"]:
                    return 200, views.checkpoints(job)
                if len(rest) == 2 and rest[0] == "savepoints":
                    return 200, self.actions.status(job, rest[1])
                if len(rest) >= 2 and rest[0] == "vertices":
                    vertex = self._vertex(job, rest[1])
                    sub = rest[2:]
                    if not sub:
                        return 200, views.vertex_details(job, vertex)
                    if sub == ["watermarks"]:
                        return 200, views.vertex_watermarks(job, vertex)
                    if sub == ["backpressure"]:
                        return 200, views.vertex_backpressure(job, vertex)
                    if sub == ["subtasks", "metrics"]:
                        get = query.get("get")
                        names = [n for g in get for n in g.split(",") if n] if get else None
                        agg = query.get("agg")
                        aggs = [n for g in agg for n in g.split(",") if n] if agg else None
                        return 200, views.subtask_metrics_aggregated(job, vertex, names, aggs)
                    if sub == ["metrics"]:
                        get = query.get("get")
                        names = [n for g in get for n in g.split(",") if n] if get else None
                        return 200, views.vertex_metrics(job, vertex, names)
            raise _NotFound("Not found: /" + "/".join(parts))
        if method == "POST" and len(parts) == 3 and parts[0] == "jobs":
            job = self._job(parts[1])
            doc = body()
            if parts[2] == "savepoints":
                target = doc.get("target-directory")
                if doc.get("cancel-job"):
                    rid = self.actions.savepoint(job, target, stop=True, drain=False)
                else:
                    rid = self.actions.savepoint(job, target, stop=False, drain=False)
                return 202, {"request-id": rid}
            if parts[2] == "stop":
                rid = self.actions.savepoint(job, doc.get("targetDirectory"), stop=True,
                                             drain=bool(doc.get("drain", False)))
                return 202, {"request-id": rid}
        if method == "PATCH" and len(parts) == 2 and parts[0] == "jobs":
            job = self._job(parts[1])
            body()
            mode = (query.get("mode") or ["cancel"])[0]
            if mode not in ("cancel", "stop"):
                raise _BadRequest(f"mode must be 'cancel', not '{mode}'")
            if job.status != "RUNNING":
                raise _BadRequest(f"Job {job.job_id} is {job.status}; only a running job can be cancelled")
            self.actions.cancel(job)
            return 202, {}
        raise _NotFound(f"Not found: {method} /" + "/".join(parts))
