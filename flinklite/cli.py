"""The ``flinklite`` command: Flink's CLI (``flink run / list / cancel / savepoint / stop``) for
programs run by flinklite, talking to the job's REST API.

``flinklite run job.py`` runs a PyFlink program in this process, with its ``import pyflink``
lines served by flinklite. The REST API is on, at ``rest.port`` (default 8081 on 127.0.0.1), so
the other commands can reach the job from another terminal. ``-d`` runs the program in a
background process, waits until its job is running, and prints the job id, as Flink's detached
mode does. ``-p`` sets the default parallelism and ``-s`` the savepoint to start from. ``-D
key=value`` sets any configuration option. All of them are defaults the program can override.

On a terminal (or with ``--progress``) ``run`` shows a progress line: records read by the
sources, their rate, the lowest watermark and the completed checkpoints.

Differences from Flink: there is no cluster. Each ``run`` is its own process with its own REST
port, so ``-m host:port`` (or ``-D rest.port=...``) picks the job's process. ``savepoint
--dispose``, ``run-application`` and jar options do not exist.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import runpy
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from typing import Any

__all__ = ["main"]

MIN_WM = -(2**63)


class CliError(Exception):
    pass


# -- talking to the REST API -------------------------------------------------------------------------
def _address(args: Any) -> str:
    if args.jobmanager:
        hostport = args.jobmanager
    else:
        props = _properties(args.D)
        host = props.get("rest.address", "127.0.0.1")
        port = (props.get("rest.port") or props.get("rest.bind-port") or "8081").split(",")[0].split("-")[0]
        hostport = f"{host}:{port}"
    return hostport if hostport.startswith("http") else f"http://{hostport}"


def _request(base: str, path: str, method: str = "GET", body: dict | None = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method,
                                 headers={"Content-Type": "application/json"} if data is not None else {})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            raw = r.read()
    except urllib.error.HTTPError as e:
        try:
            errors = json.loads(e.read()).get("errors", [])
        except ValueError:
            errors = []
        raise CliError(f"{method} {path} failed ({e.code}): {'; '.join(errors) or e.reason}") from None
    except (urllib.error.URLError, OSError, http.client.HTTPException) as e:
        raise CliError(
            f"could not reach a flinklite job at {base} ({getattr(e, 'reason', e)}). Is the job running? Its REST "
            "API listens on rest.port (default 8081); pass -m host:port if it uses another port."
        ) from None
    return json.loads(raw) if raw else None


def _wait_operation(base: str, jid: str, rid: str, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        doc = _request(base, f"/jobs/{jid}/savepoints/{rid}")
        if doc["status"]["id"] == "COMPLETED":
            op = doc.get("operation", {})
            if "failure-cause" in op:
                raise CliError(f"savepoint failed: {op['failure-cause'].get('serialized-throwable')}")
            return op["location"]
        time.sleep(0.1)
    raise CliError(f"the savepoint did not complete within {timeout:.0f} s")


def _properties(pairs: list[str] | None) -> dict[str, str]:
    props = {}
    for p in pairs or []:
        key, sep, value = p.partition("=")
        if not sep or not key.strip():
            raise CliError(f"-D needs key=value, got '{p}'")
        props[key.strip()] = value.strip()
    return props


def _fmt_time(ms: int) -> str:
    return time.strftime("%d.%m.%Y %H:%M:%S", time.localtime(ms / 1000)) if ms and ms > 0 else "-"


# -- commands ------------------------------------------------------------------------------------------
def cmd_list(args: Any) -> int:
    base = _address(args)
    print("Waiting for response...")
    jobs = _request(base, "/jobs/overview")["jobs"]
    running = [j for j in jobs if j["state"] in ("RUNNING", "RESTARTING", "CREATED", "INITIALIZING")]
    others = [j for j in jobs if j not in running]
    if running:
        print("------------------ Running/Restarting Jobs -------------------")
        for j in sorted(running, key=lambda j: j["start-time"]):
            print(f"{_fmt_time(j['start-time'])} : {j['jid']} : {j['name']} ({j['state']})")
        print("--------------------------------------------------------------")
    else:
        print("No running jobs.")
    if args.all:
        if others:
            print("---------------------- Terminated Jobs -----------------------")
            for j in sorted(others, key=lambda j: j["start-time"]):
                print(f"{_fmt_time(j['start-time'])} : {j['jid']} : {j['name']} ({j['state']})")
            print("--------------------------------------------------------------")
        else:
            print("No terminated jobs.")
    return 0


def cmd_cancel(args: Any) -> int:
    base = _address(args)
    print(f"Cancelling job {args.jobid}.")
    _request(base, f"/jobs/{args.jobid}?mode=cancel", "PATCH")
    print(f"Cancelled job {args.jobid}.")
    return 0


def cmd_savepoint(args: Any) -> int:
    base = _address(args)
    print(f"Triggering savepoint for job {args.jobid}.")
    print("Waiting for response...")
    body = {"cancel-job": False}
    if args.target:
        body["target-directory"] = args.target
    rid = _request(base, f"/jobs/{args.jobid}/savepoints", "POST", body)["request-id"]
    path = _wait_operation(base, args.jobid, rid, args.timeout)
    print(f"Savepoint completed. Path: file:{path}")
    print("You can resume your program from this savepoint with the run command.")
    return 0


def cmd_stop(args: Any) -> int:
    base = _address(args)
    print(f'Suspending job "{args.jobid}" with a CANONICAL savepoint.')
    body: dict[str, Any] = {"drain": bool(args.drain)}
    if args.savepointPath:
        body["targetDirectory"] = args.savepointPath
    rid = _request(base, f"/jobs/{args.jobid}/stop", "POST", body)["request-id"]
    path = _wait_operation(base, args.jobid, rid, args.timeout)
    print(f"Savepoint completed. Path: file:{path}")
    return 0


def _context_options(args: Any) -> dict[str, str]:
    props = _properties(args.D)
    if args.parallelism is not None:
        props["parallelism.default"] = str(args.parallelism)
    if args.fromSavepoint:
        props["execution.state-recovery.path"] = args.fromSavepoint
    if args.allowNonRestoredState:
        props["execution.state-recovery.ignore-unclaimed-state"] = "true"
    if not any(k in props for k in ("rest.port", "rest.bind-port", "flinklite.rest.enabled")):
        props["rest.port"] = "8081"  # the other commands find the job there
    return props


def cmd_run(args: Any) -> int:
    program = args.python or args.program
    if not program:
        raise CliError("run needs a Python program: flinklite run [options] job.py [args...]")
    if not os.path.isfile(program):
        raise CliError(f"no such program: {program}")
    options = _context_options(args)
    if args.detached:
        return _run_detached(args, program, options)
    return _run_here(program, list(args.args), options, progress=args.progress or sys.stderr.isatty())


def _run_here(program: str, program_args: list[str], options: dict[str, str], progress: bool) -> int:
    from flinklite._alias import install_pyflink_alias
    from flinklite._context import clear_context, set_context
    from flinklite.metrics._registry import REGISTRY

    install_pyflink_alias()
    set_context(options)
    REGISTRY.keep_jobs = True  # list them for the progress line and the REST API
    stop = threading.Event()
    printer = threading.Thread(target=_progress_loop, args=(stop,), daemon=True) if progress else None
    if printer is not None:
        printer.start()
    sys.argv = [program, *program_args]
    started = time.monotonic()
    try:
        runpy.run_path(program, run_name="__main__")
    finally:
        stop.set()
        if printer is not None:
            printer.join(2)
        clear_context()
        _linger(REGISTRY)
    for job in REGISTRY.jobs():
        if job.status == "FINISHED":
            print(f"Job with JobID {job.job_id} has finished.")
    print(f"Program execution finished. Runtime: {int((time.monotonic() - started) * 1000)} ms")
    return 0


def _linger(registry: Any, limit_s: float = 10.0) -> None:
    """After a stop-with-savepoint the job ends and so would this process, with the REST server:
    stay until whoever asked has fetched the savepoint's path (at most ``limit_s``)."""
    server = registry.rest_server
    deadline = time.monotonic() + limit_s
    if server is None or not server.actions.unread():
        return
    while server.actions.unread() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)  # the answer is marked read before it is written: let the handler finish


def _run_detached(args: Any, program: str, options: dict[str, str]) -> int:
    base = _address(argparse.Namespace(jobmanager=args.jobmanager, D=[f"{k}={v}" for k, v in options.items()]))
    try:
        before = {j["id"] for j in _request(base, "/jobs")["jobs"]}
    except CliError:
        before = set()
    log = tempfile.NamedTemporaryFile(prefix="flinklite-run-", suffix=".log", delete=False)
    cmd = [sys.executable, "-m", "flinklite.cli", "run"]
    for k, v in options.items():
        cmd += ["-D", f"{k}={v}"]
    cmd += [program, *args.args]
    child = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                             start_new_session=True)
    deadline = time.monotonic() + args.timeout
    while time.monotonic() < deadline:
        if child.poll() is not None:
            log.close()
            with open(log.name) as f:
                tail = f.read()[-3000:]
            raise CliError(f"the program exited (status {child.returncode}) before its job was running:\n{tail}")
        try:
            jobs = _request(base, "/jobs")["jobs"]
        except CliError:
            jobs = []
        new = [j["id"] for j in jobs if j["id"] not in before and j["status"] == "RUNNING"]
        if new:
            print(f"Job has been submitted with JobID {new[0]}")
            print(f"(process {child.pid}; output in {log.name})")
            return 0
        time.sleep(0.1)
    child.terminate()
    raise CliError(f"no job appeared at {base} within {args.timeout:.0f} s; the program's output is in {log.name}")


# -- progress line ----------------------------------------------------------------------------------------
def progress_line(job: Any, elapsed: float) -> str:
    """``<name>: records 12,345 (2.0 k/s) | watermark ... | checkpoints 3 | 4.2 s``."""
    metrics = getattr(job, "metrics", None)
    groups = metrics.task_groups() if metrics is not None else []
    records = sum(tg.records_out() or tg.records_in() for tg in groups if tg.task.is_source)
    rate = records / elapsed if elapsed > 0 else 0.0
    wms = [tg.task.metrics.current_input_watermark for tg in groups if not tg.task.is_source]
    wm = min(wms) if wms else MIN_WM
    wm_text = "none" if wm <= MIN_WM else "end of input" if wm >= 2**63 - 1 else str(wm)
    cps = job.coordinator.stats_tracker.completed if job.coordinator is not None else 0
    total = _known_total(job)
    of = f" of {total:,} ({100 * records / total:.0f} %)" if total else ""
    return (f"{job.graph.job_name}: records {records:,}{of} ({rate:,.0f}/s) | watermark {wm_text} | "
            f"checkpoints {cps} | {elapsed:.1f} s")


def _known_total(job: Any) -> int | None:
    """Records the job's sources will emit in all, when every source knows it (number sequences,
    collections); None otherwise."""
    total = 0
    for node in job.graph.nodes:
        if node.kind != "source":
            continue
        source = node.transformation.source
        if hasattr(source, "start") and hasattr(source, "end"):
            total += source.end - source.start + 1
        elif isinstance(getattr(source, "data", None), (list, tuple)):
            total += len(source.data)
        else:
            return None
    return total or None


def _progress_loop(stop: threading.Event) -> None:
    from flinklite.metrics._registry import REGISTRY

    start = time.monotonic()
    shown = False
    while not stop.wait(0.5):
        running = [j for j in REGISTRY.jobs() if j.status == "RUNNING"]
        if running:
            try:
                line = progress_line(running[-1], time.monotonic() - start)
            except Exception:  # noqa: BLE001 - tasks being redeployed; next tick
                continue
            sys.stderr.write("\r\x1b[K" + line)
            sys.stderr.flush()
            shown = True
    if shown:
        sys.stderr.write("\n")
        sys.stderr.flush()


# -- argument parsing --------------------------------------------------------------------------------------
def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="flinklite", description="Flink's CLI for jobs run by flinklite.")
    sub = p.add_subparsers(dest="command", required=True)

    def common(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("-m", "--jobmanager", help="host:port of the job's REST API (default 127.0.0.1:8081)")
        sp.add_argument("-D", action="append", metavar="key=value", help="a configuration option")

    run = sub.add_parser("run", help="run a PyFlink program")
    common(run)
    run.add_argument("-d", "--detached", action="store_true", help="run in the background, print the job id")
    run.add_argument("-p", "--parallelism", type=int, help="default parallelism")
    run.add_argument("-s", "--fromSavepoint", help="savepoint or checkpoint to start from")
    run.add_argument("-n", "--allowNonRestoredState", action="store_true",
                     help="skip savepoint state no operator claims")
    run.add_argument("-py", "--python", help="the program (or give it as the first argument)")
    run.add_argument("--progress", action="store_true", help="show the progress line even when not on a terminal")
    run.add_argument("--timeout", type=float, default=60, help="-d: seconds to wait for the job to run")
    run.add_argument("program", nargs="?")
    run.add_argument("args", nargs=argparse.REMAINDER)
    run.set_defaults(func=cmd_run)

    ls = sub.add_parser("list", help="list jobs")
    common(ls)
    ls.add_argument("-r", "--running", action="store_true", help="running jobs only (the default)")
    ls.add_argument("-a", "--all", action="store_true", help="running and terminated jobs")
    ls.set_defaults(func=cmd_list)

    cancel = sub.add_parser("cancel", help="cancel a job")
    common(cancel)
    cancel.add_argument("jobid")
    cancel.set_defaults(func=cmd_cancel)

    sp = sub.add_parser("savepoint", help="take a savepoint; the job keeps running")
    common(sp)
    sp.add_argument("jobid")
    sp.add_argument("target", nargs="?", help="target directory (default: state.savepoints.dir)")
    sp.add_argument("--timeout", type=float, default=120)
    sp.set_defaults(func=cmd_savepoint)

    stop = sub.add_parser("stop", help="stop a job with a savepoint")
    common(stop)
    stop.add_argument("jobid")
    stop.add_argument("-p", "--savepointPath", help="target directory (default: state.savepoints.dir)")
    stop.add_argument("-d", "--drain", action="store_true", help="end event time first (MAX watermark)")
    stop.add_argument("--timeout", type=float, default=120)
    stop.set_defaults(func=cmd_stop)
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return args.func(args)
    except CliError as e:
        print(f"flinklite {args.command}: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
