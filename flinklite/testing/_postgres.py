"""A throwaway PostgreSQL server for tests and examples (not part of Flink).

:class:`PostgresServer` runs ``initdb`` on a temporary directory and then starts ``postgres`` on a
free localhost port. ``max_prepared_transactions`` is set above 0, because the exactly-once JDBC
sink needs ``PREPARE TRANSACTION``. Nothing is installed system-wide and no system cluster is
used. ``stop()`` (or leaving the ``with`` block) shuts the server down and deletes the directory.

PostgreSQL will not run as root. When this process is root, every server command runs as the
``postgres`` system user (created by the Debian package) through ``runuser``, and that user owns
the directory.

Command line, for the examples' setup::

    python -m flinklite.testing._postgres start DIR   # prints the JDBC url; the server keeps running
    python -m flinklite.testing._postgres stop DIR
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

__all__ = ["PostgresServer", "PostgresUnavailable", "find_bindir"]

USER = "flink"
PASSWORD = "flink-secret"
DATABASE = "flinklite"


class PostgresUnavailable(RuntimeError):
    """PostgreSQL binaries are missing or the server could not be started."""


def find_bindir() -> str | None:
    """The newest ``/usr/lib/postgresql/<v>/bin`` with ``initdb`` and ``postgres``, else the
    directory of an ``initdb`` on PATH."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                        key=lambda p: int(p.split("/")[-3]) if p.split("/")[-3].isdigit() else 0)
    if candidates:
        return os.path.dirname(candidates[-1])
    found = shutil.which("initdb")
    return os.path.dirname(os.path.realpath(found)) if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    def __init__(self, base_dir: str | None = None, port: int | None = None,
                 max_prepared_transactions: int = 10) -> None:
        bindir = find_bindir()
        if bindir is None:
            raise PostgresUnavailable(
                "PostgreSQL is not installed (no initdb under /usr/lib/postgresql/*/bin or on PATH); "
                "run .ci/deps/postgresql.sh"
            )
        self.bindir = bindir
        self._own_dir = base_dir is None
        self.base_dir = base_dir or tempfile.mkdtemp(prefix="flinklite-pg-")
        self.data_dir = os.path.join(self.base_dir, "data")
        self.log_file = os.path.join(self.base_dir, "server.log")
        self.port = port or _free_port()
        self.max_prepared_transactions = max_prepared_transactions
        self.as_user = "postgres" if os.geteuid() == 0 else None
        self.running = False

    # -- addresses ---------------------------------------------------------------------------
    @property
    def url(self) -> str:
        """The JDBC url of the test database."""
        return f"jdbc:postgresql://127.0.0.1:{self.port}/{DATABASE}"

    @property
    def user(self) -> str:
        return USER

    @property
    def password(self) -> str:
        return PASSWORD

    def conninfo(self, dbname: str = DATABASE) -> str:
        return f"host=127.0.0.1 port={self.port} dbname={dbname} user={USER} password={PASSWORD}"

    def connect(self, autocommit: bool = True):
        import psycopg

        return psycopg.connect(self.conninfo(), autocommit=autocommit)

    # -- life cycle --------------------------------------------------------------------------
    def _run(self, *args: str, check: bool = True, timeout: float = 60) -> subprocess.CompletedProcess:
        cmd = [os.path.join(self.bindir, args[0]), *args[1:]]
        if self.as_user:
            if shutil.which("runuser") is None:
                raise PostgresUnavailable("running as root, but runuser is missing to start PostgreSQL as 'postgres'")
            cmd = ["runuser", "-u", self.as_user, "--", *cmd]
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        if check and out.returncode != 0:
            log = ""
            if os.path.exists(self.log_file):
                with open(self.log_file, errors="replace") as f:
                    log = f.read()[-2000:]
            raise PostgresUnavailable(f"{' '.join(args[:2])} failed ({out.returncode}): {out.stderr.strip()}\n{log}")
        return out

    def _chown(self, path: str) -> None:
        if self.as_user:
            import pwd

            pw = pwd.getpwnam(self.as_user)
            os.chown(path, pw.pw_uid, pw.pw_gid)

    def init(self) -> None:
        os.makedirs(self.base_dir, exist_ok=True)
        self._chown(self.base_dir)
        pwfile = os.path.join(self.base_dir, "pwfile")
        with open(pwfile, "w") as f:
            f.write(PASSWORD + "\n")
        self._chown(pwfile)
        self._run("initdb", "-D", self.data_dir, "-U", USER, f"--pwfile={pwfile}", "-E", "UTF8",
                  "--auth-local=trust", "--auth-host=scram-sha-256", "--no-sync", "--no-instructions")
        os.remove(pwfile)

    def start(self) -> PostgresServer:
        """initdb (first time only), start, and create the test database."""
        if not os.path.exists(os.path.join(self.data_dir, "PG_VERSION")):
            self.init()
        opts = (f"-p {self.port} -k {self.base_dir} -c listen_addresses=127.0.0.1 "
                f"-c max_prepared_transactions={self.max_prepared_transactions} "
                "-c fsync=off -c full_page_writes=off")
        # fsync off is safe for tests: a killed server keeps its commits (the OS has them). Do NOT
        # turn synchronous_commit off: a killed server would then lose acknowledged commits.
        self._run("pg_ctl", "-D", self.data_dir, "-l", self.log_file, "-o", opts, "-w", "-t", "60", "start")
        self.running = True
        self._create_database()
        return self

    def _create_database(self) -> None:
        import psycopg

        with psycopg.connect(self.conninfo("postgres"), autocommit=True) as conn:
            if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)).fetchone() is None:
                conn.execute(f"CREATE DATABASE {DATABASE}")

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (``mode``: ``fast``, or ``immediate`` to simulate a crash)."""
        if self.running:
            self._run("pg_ctl", "-D", self.data_dir, "-m", mode, "-w", "stop", check=False)
            self.running = False

    def restart(self, down_for_s: float = 0.0) -> None:
        self.stop()
        if down_for_s:
            time.sleep(down_for_s)
        self.start()

    def destroy(self) -> None:
        self.stop()
        if self._own_dir:
            shutil.rmtree(self.base_dir, ignore_errors=True)

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.destroy()


def _main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("start", "stop"):
        print("usage: python -m flinklite.testing._postgres start|stop DIR", file=sys.stderr)
        return 2
    command, directory = argv
    directory = os.path.abspath(directory)
    port_file = os.path.join(directory, "port")
    if command == "start":
        port = int(open(port_file).read()) if os.path.exists(port_file) else None
        server = PostgresServer(directory, port=port)
        server.start()
        with open(port_file, "w") as f:
            f.write(str(server.port))
        print(server.url)
        print(f"user={server.user} password={server.password}", file=sys.stderr)
        return 0
    if os.path.exists(port_file):
        server = PostgresServer(directory, port=int(open(port_file).read()))
        server.running = True
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
